import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors/index.js';
import type { ModelDtype, ModelSpec, ModelType } from '../types.js';
import { asObject, positiveInt } from './config-values.js';
import { parseDtype } from './dtype.js';
import { type LogitParams, resolveLogitParams } from './logit-params.js';
import { defaultDtype, encoderPath, listVariants, type VariantFile } from './model-files.js';
import { parsePreprocessConfig } from './preprocess-config.js';
import { readJsonFile, readOptionalJsonFile } from './read-json-file.js';

export interface LoadModelSpecOptions {
  /** Weight variant, default `fp32`. */
  dtype?: ModelDtype;
}

const DEFAULT_CONTEXT: Record<ModelType, number> = { clip: 77, siglip: 64 };
/** Tokenizer configs without a real limit say model_max_length = 1e30; anything above this is not a limit. */
const MAX_SANE_CONTEXT = 1 << 20;

function modelTypeOf(config: Record<string, unknown>, file: string): ModelType {
  const candidates = [
    config.model_type,
    asObject(config.text_config)?.model_type,
    asObject(config.vision_config)?.model_type,
  ];
  for (const t of candidates) {
    if (typeof t !== 'string') continue;
    // Nested configs say clip_text_model / siglip_vision_model.
    const base = t.replace(/_(text|vision)_model$/, '');
    if (base === 'clip' || base === 'siglip') return base;
  }
  throw new ModelError(
    'MODEL_UNSUPPORTED',
    `model_type in ${file} is ${JSON.stringify(config.model_type)}; supported model types are clip and siglip`,
  );
}

function projectionDimOf(config: Record<string, unknown>, file: string, modelType: ModelType): number {
  if (config.projection_dim !== undefined) return positiveInt(config.projection_dim, file, 'projection_dim');
  const text = asObject(config.text_config);
  if (text?.projection_dim !== undefined)
    return positiveInt(text.projection_dim, file, 'text_config.projection_dim');
  // SigLIP has no projection: the pooled embedding has the hidden size.
  if (modelType === 'siglip') {
    const hidden = asObject(config.vision_config)?.hidden_size ?? text?.hidden_size;
    if (hidden !== undefined) return positiveInt(hidden, file, 'vision_config.hidden_size');
    return 768; // SiglipVisionConfig default hidden_size
  }
  if (modelType === 'clip') return 512; // CLIPConfig default projection_dim
  throw new ModelError('MODEL_CONFIG_INVALID', `projection_dim is missing in ${file}`);
}

function contextLengthOf(
  config: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  modelType: ModelType,
): number {
  const limits: number[] = [];
  const fromTokenizer = tokenizerConfig.model_max_length;
  if (
    typeof fromTokenizer === 'number' &&
    Number.isInteger(fromTokenizer) &&
    fromTokenizer > 0 &&
    fromTokenizer < MAX_SANE_CONTEXT
  ) {
    limits.push(fromTokenizer);
  }
  const positions = asObject(config.text_config)?.max_position_embeddings;
  if (typeof positions === 'number' && Number.isInteger(positions) && positions > 0) limits.push(positions);
  return limits.length > 0 ? Math.min(...limits) : DEFAULT_CONTEXT[modelType];
}

async function assertDirectory(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new ModelError('MODEL_NOT_FOUND', `model directory does not exist: ${dir}`);
  }
  if (!isDir) throw new ModelError('MODEL_NOT_FOUND', `model path is not a directory: ${dir}`);
}

/**
 * Reads and validates a model directory in the Hugging Face / transformers.js ONNX layout. Pure data:
 * sessions are created by the encoders. Every problem is a ModelError naming the file.
 */
export async function loadModelSpec(dir: string, opts: LoadModelSpecOptions = {}): Promise<ModelSpec> {
  return (await loadModelFolder(dir, opts)).spec;
}

export interface LoadedModelFolder {
  spec: ModelSpec;
  /** listVariants of the resolved directory. */
  variants: VariantFile[];
  logit: LogitParams;
}

/**
 * loadModelSpec plus what it read on the way (for inspectModel). `variants`: a listVariants of
 * `path.resolve(dir)` the caller already made.
 */
export async function loadModelFolder(
  dir: string,
  opts: LoadModelSpecOptions = {},
  known?: VariantFile[],
): Promise<LoadedModelFolder> {
  const root = path.resolve(dir);
  await assertDirectory(root);

  const configFile = path.join(root, 'config.json');
  const config = await readJsonFile(configFile, 'model config');
  const modelType = modelTypeOf(config, configFile);
  const projectionDim = projectionDimOf(config, configFile, modelType);

  const preFile = path.join(root, 'preprocessor_config.json');
  const preprocess = parsePreprocessConfig(
    await readJsonFile(preFile, 'preprocessor config'),
    preFile,
    modelType,
  );

  const tokenizerJson = await readJsonFile(path.join(root, 'tokenizer.json'), 'tokenizer');
  if (asObject(tokenizerJson.model) === undefined) {
    throw new ModelError(
      'MODEL_FILE_CORRUPT',
      `tokenizer has no "model" section: ${path.join(root, 'tokenizer.json')}`,
    );
  }
  const tokenizerConfig =
    (await readOptionalJsonFile(path.join(root, 'tokenizer_config.json'), 'tokenizer config')) ?? {};

  const variants = known ?? (await listVariants(root));
  const dtype = opts.dtype === undefined ? defaultDtype(variants) : parseDtype(opts.dtype);
  const visionModelPath = await encoderPath(root, 'vision', dtype, variants);
  const textModelPath = await encoderPath(root, 'text', dtype, variants);
  const logit = await resolveLogitParams(root, modelType);
  const { logitScale, logitBias } = logit;

  const nameOrPath = config._name_or_path;
  const id = typeof nameOrPath === 'string' && nameOrPath.trim() !== '' ? nameOrPath : path.basename(root);

  const spec: ModelSpec = {
    id,
    dir: root,
    modelType,
    projectionDim,
    dtype,
    visionModelPath,
    textModelPath,
    preprocess,
    tokenizerJson,
    tokenizerConfig,
    contextLength: contextLengthOf(config, tokenizerConfig, modelType),
    logitScale,
    logitBias,
  };
  return { spec, variants, logit };
}
