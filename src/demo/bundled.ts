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
 * test fixtures (a random-weight CLIP and redistributable photos, test/fixtures/LICENSES.md), so the demo
 * needs nothing outside the clone.
 */
export function bundledFiles(): { modelDir?: string; photosDir?: string } {
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures');
  const modelDir = path.join(fixtures, 'tiny-clip');
  const photosDir = path.join(fixtures, 'photos');
  return {
    ...(existsSync(path.join(modelDir, 'config.json')) ? { modelDir } : {}),
    ...(hasImages(photosDir) ? { photosDir } : {}),
  };
}
