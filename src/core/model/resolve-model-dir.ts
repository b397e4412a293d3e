import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors/index.js';
import { cacheDir, cachedModelDir, DEFAULT_HUB_MODEL, isHubId } from './model-cache.js';

export interface ResolveModelDirOptions {
  /** `--model`: a model directory (or a hub id already in the cache). */
  model?: string;
  env?: NodeJS.ProcessEnv;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** A cached model counts once its config.json is there (a pull writes it after the weights). */
async function cachedModel(repo: string, root: string): Promise<string | undefined> {
  const dir = cachedModelDir(repo, root);
  try {
    return (await stat(path.join(dir, 'config.json'))).isFile() ? dir : undefined;
  } catch {
    return undefined;
  }
}

function howToProvide(root: string, repo = DEFAULT_HUB_MODEL): string {
  return [
    'Provide a model in one of these ways:',
    '  --model DIR            a model directory in the Hugging Face / transformers.js ONNX layout',
    '  ZEROSHOT_MODEL=DIR     (or ZEROSHOT_MODEL=owner/name of a model pulled into the cache)',
    `  zeroshot model pull ${repo}   download into the cache (${root}), then run again`,
    'See docs/MODELS.md.',
  ].join('\n');
}

async function dirOrCachedHubId(value: string, what: string, root: string): Promise<string> {
  const asPath = path.resolve(value);
  if (await isDir(asPath)) return asPath;
  if (isHubId(value)) {
    const cached = await cachedModel(value, root);
    if (cached) return cached;
    throw new ModelError(
      'MODEL_NOT_FOUND',
      `${what} ${value} is neither a directory nor a model in the cache (${cachedModelDir(value, root)}).\n${howToProvide(root, value)}`,
    );
  }
  throw new ModelError('MODEL_NOT_FOUND', `${what} ${asPath} is not a directory.\n${howToProvide(root)}`);
}

/**
 * Where the model comes from: `--model` > `ZEROSHOT_MODEL` (directory or cached hub id) > the cached
 * default model > MODEL_NOT_FOUND explaining exactly how to provide one. Never downloads.
 */
export async function resolveModelDir(opts: ResolveModelDirOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const root = cacheDir(env);
  if (opts.model !== undefined && opts.model !== '') return dirOrCachedHubId(opts.model, '--model', root);
  const fromEnv = env.ZEROSHOT_MODEL;
  if (fromEnv !== undefined && fromEnv !== '') return dirOrCachedHubId(fromEnv, 'ZEROSHOT_MODEL', root);
  const cached = await cachedModel(DEFAULT_HUB_MODEL, root);
  if (cached) return cached;
  throw new ModelError(
    'MODEL_NOT_FOUND',
    `No model configured and ${DEFAULT_HUB_MODEL} is not in the cache.\n${howToProvide(root)}`,
  );
}
