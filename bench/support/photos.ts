import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './results.js';

const SHARED_PHOTOS = path.resolve(
  REPO_ROOT,
  process.env.ZEROSHOT_SHARED_DIR ?? '../shared',
  'images',
  'imagenet-dev',
);
const FIXTURE_PHOTOS = path.join(REPO_ROOT, 'test', 'fixtures', 'photos');

/**
 * The bench photos: `ZEROSHOT_BENCH_PHOTOS` (a folder of JPEG/PNG/WebP photos), else the workspace's 49
 * ImageNet samples (ZEROSHOT_SHARED_DIR, default ../shared; not redistributable), else the repository's
 * own fixture photos (test/fixtures/photos: fewer and more varied, so numbers are not comparable).
 */
export const PHOTOS_DIR = process.env.ZEROSHOT_BENCH_PHOTOS
  ? path.resolve(process.env.ZEROSHOT_BENCH_PHOTOS)
  : existsSync(SHARED_PHOTOS)
    ? SHARED_PHOTOS
    : FIXTURE_PHOTOS;

export interface Photo {
  name: string;
  path: string;
  data: Buffer;
}

export function loadPhotos(dir = PHOTOS_DIR): Photo[] {
  const names = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort();
  if (names.length === 0)
    throw new Error(`no photos in ${dir} (set ZEROSHOT_BENCH_PHOTOS to a folder of photos)`);
  process.stderr.write(`# bench photos: ${names.length} from ${dir}\n`);
  return names.map((name) => ({
    name,
    path: path.join(dir, name),
    data: readFileSync(path.join(dir, name)),
  }));
}

/** `count` distinct label strings: real-looking words first, then numbered ones. */
export function makeLabels(count: number): string[] {
  const base = ['cat', 'dog', 'bird', 'car', 'tree', 'house', 'person', 'food', 'boat', 'flower'];
  return Array.from({ length: count }, (_, i) => (i < base.length ? base[i]! : `object number ${i}`));
}
