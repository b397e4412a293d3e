import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './results.js';

/** The shared photos (ZEROSHOT_SHARED_DIR, default ../shared): 49 real ImageNet samples. */
export const SHARED_DIR = path.resolve(REPO_ROOT, process.env.ZEROSHOT_SHARED_DIR ?? '../shared');
export const PHOTOS_DIR = path.join(SHARED_DIR, 'images', 'imagenet-dev');

export interface Photo {
  name: string;
  path: string;
  data: Buffer;
}

export function loadPhotos(dir = PHOTOS_DIR): Photo[] {
  const names = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort();
  if (names.length === 0) throw new Error(`no photos in ${dir} (set ZEROSHOT_SHARED_DIR)`);
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
