import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors/index.js';

/** The model used when nothing else is configured (transformers.js ONNX layout of OpenAI's ViT-B/32). */
export const DEFAULT_HUB_MODEL = 'Xenova/clip-vit-base-patch32';

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export function isHubId(value: string): boolean {
  return HUB_ID.test(value) && !value.includes('..');
}

export function assertHubId(value: string): string {
  if (!isHubId(value)) {
    throw new UsageError(
      'INVALID_OPTION',
      `Expected a Hugging Face repository id like owner/name for repo but received ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `ZEROSHOT_CACHE_DIR`, default `~/.cache/zeroshot`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.ZEROSHOT_CACHE_DIR;
  return path.resolve(dir && dir !== '' ? dir : path.join(os.homedir(), '.cache', 'zeroshot'));
}

/** Where a hub model lives in the cache: `<cache>/models/<owner>--<name>`. */
export function cachedModelDir(repo: string, root: string = cacheDir()): string {
  return path.join(root, 'models', assertHubId(repo).replace('/', '--'));
}
