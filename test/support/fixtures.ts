import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from both `test/` sources and compiled `dist/test/`). */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!dir.endsWith(`${path.sep}test`) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  const parent = path.dirname(dir);
  return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
})();

/** Everything the tests read lives here, in the repository (see test/fixtures/README.md). */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');

/** Random-weight CLIP in the transformers.js layout (vision + text graphs, real tokenizer). */
export const TINY_MODEL_DIR = path.join(FIXTURES_DIR, 'tiny-clip');
/** The model id in its config.json. */
export const TINY_MODEL_ID = 'stand-in-tiny-clip-random-seed0';

/** Redistributable photos (JPEG and PNG; grayscale, alpha, ICC profiles, one smaller than 224). */
export const PHOTOS_DIR = path.join(FIXTURES_DIR, 'photos');
/** Golden references: golden/index.json, clip/ and siglip/ images, tokenizer ids. */
export const GOLDEN_DIR = path.join(FIXTURES_DIR, 'golden');

/** The fixture photos' file names, sorted. */
export const PHOTO_NAMES: readonly string[] = readdirSync(PHOTOS_DIR).sort();

export const photoPath = (name: string) => path.join(PHOTOS_DIR, name);

/** An ordinary RGB JPEG photo (sRGB, larger than 224 on both sides). */
export const PHOTO = 'chelsea.jpg';

/** The default corpus size for whole-run tests (several chunks, several batches). */
export const PHOTO_CORPUS_SIZE = 49;

/**
 * Writes `count` image files with distinct names (`007-chelsea.jpg`) into `dir`, cycling through the
 * fixture photos: for runs that need more images than the fixtures hold. Returns their paths, sorted.
 */
export function stagePhotos(dir: string, count = PHOTO_CORPUS_SIZE): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = PHOTO_NAMES[i % PHOTO_NAMES.length] as string;
    const to = path.join(dir, `${String(i).padStart(3, '0')}-${name}`);
    copyFileSync(photoPath(name), to);
    files.push(to);
  }
  return files;
}

let corpusDir: string | undefined;

/** A folder of PHOTO_CORPUS_SIZE staged photos (see stagePhotos), shared by the process, removed at exit. */
export function photoCorpusDir(): string {
  if (!corpusDir) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-photos-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    stagePhotos(dir);
    corpusDir = dir;
  }
  return corpusDir;
}

/** The paths of the photos in photoCorpusDir(), sorted. */
export const photoCorpus = (): string[] =>
  readdirSync(photoCorpusDir())
    .sort()
    .map((f) => path.join(photoCorpusDir(), f));

/** The zeroshot CLI launcher, for tests that run it as a child process. */
export const CLI = path.join(REPO_ROOT, 'bin', 'zeroshot.js');
