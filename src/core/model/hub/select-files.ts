import path from 'node:path';
import { ModelError } from '../../errors/index.js';
import type { ModelDtype } from '../../types.js';
import { dtypeOfFile, type EncoderKind, isExternalData, modelFileName } from '../dtype.js';
import type { HubFile } from './hub-client.js';

const REQUIRED = ['config.json', 'preprocessor_config.json', 'tokenizer.json'];
const OPTIONAL = ['tokenizer_config.json', 'special_tokens_map.json', 'zeroshot.json'];

function graphFor(files: HubFile[], kind: EncoderKind, dtype: ModelDtype, repo: string): HubFile {
  const name = modelFileName(kind, dtype);
  const hit = files.find((f) => f.path === `onnx/${name}`) ?? files.find((f) => f.path === name);
  if (hit) return hit;
  const present = [
    ...new Set(
      files.map((f) => dtypeOfFile(kind, path.posix.basename(f.path))).filter((d) => d !== undefined),
    ),
  ];
  throw new ModelError(
    'MODEL_UNSUPPORTED',
    present.length > 0
      ? `${repo} has no onnx/${name} for dtype ${dtype}; dtype variants present: ${present.join(', ')}`
      : `${repo} has no onnx/${name}: it is not in the transformers.js ONNX layout (see docs/MODELS.md, converting a model)`,
  );
}

/**
 * The files zeroshot needs from a hub repository for one dtype: configs and tokenizer, the two encoder
 * graphs and their external-data files. Ordered weights first and config.json last, because a cached
 * model counts as present once its config.json exists.
 */
export function selectFiles(files: HubFile[], dtype: ModelDtype, repo: string): HubFile[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const name of REQUIRED) {
    if (!byPath.has(name)) throw new ModelError('MODEL_FILE_MISSING', `${repo} has no ${name}`);
  }
  const weights: HubFile[] = [];
  for (const kind of ['vision', 'text'] as const) {
    const graph = graphFor(files, kind, dtype, repo);
    weights.push(graph, ...files.filter((f) => isExternalData(graph.path, f.path)));
  }
  const small = [...OPTIONAL, ...REQUIRED.filter((n) => n !== 'config.json')]
    .map((n) => byPath.get(n))
    .filter((f): f is HubFile => f !== undefined);
  return [...weights, ...small, byPath.get('config.json')!];
}
