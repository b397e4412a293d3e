import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from both `test/` sources and compiled `dist/test/`). */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!dir.endsWith(`${path.sep}test`) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  const parent = path.dirname(dir);
  return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
})();

/** The one configurable path to the read-only shared files: `ZEROSHOT_SHARED_DIR`, default `../shared`. */
export const SHARED_DIR = path.resolve(REPO_ROOT, process.env.ZEROSHOT_SHARED_DIR ?? '../shared');

export const sharedPath = (...parts: string[]) => path.join(SHARED_DIR, ...parts);

export const TINY_MODEL_DIR = sharedPath('models', 'clip-tiny-random');
export const SAMPLE_IMAGES_DIR = sharedPath('images', 'imagenet-dev');
export const GOLDEN_DIR = sharedPath('golden');

/** The zeroshot CLI launcher, for tests that run it as a child process. */
export const CLI = path.join(REPO_ROOT, 'bin', 'zeroshot.js');
