import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from src/demo/ or dist/src/demo/. */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return dir;
})();

const hasImages = (dir: string) =>
  existsSync(dir) && readdirSync(dir).some((f) => /\.(jpe?g|png|webp|tiff?)$/i.test(f));

/**
 * What the demo falls back to when it has no real model, and the photos it labels: the repository's own
 * test fixtures (a random-weight CLIP and redistributable photos); the shared folder
 * (`ZEROSHOT_SHARED_DIR`) only where the fixtures are absent.
 */
export function bundledFiles(env: NodeJS.ProcessEnv = process.env): {
  modelDir?: string;
  photosDir?: string;
} {
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures');
  const shared = env.ZEROSHOT_SHARED_DIR ? path.resolve(REPO_ROOT, env.ZEROSHOT_SHARED_DIR) : undefined;
  const models = [
    path.join(fixtures, 'tiny-clip'),
    ...(shared ? [path.join(shared, 'models', 'clip-tiny-random')] : []),
  ];
  const photos = [
    path.join(fixtures, 'photos'),
    ...(shared ? [path.join(shared, 'images', 'imagenet-dev')] : []),
  ];
  return {
    modelDir: models.find((d) => existsSync(path.join(d, 'config.json'))),
    photosDir: photos.find(hasImages),
  };
}
