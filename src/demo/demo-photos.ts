import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What each bundled photo shows (keyed by file name without extension). */
const PHOTO_LABELS: Record<string, string> = {
  astronaut: 'an astronaut',
  brick: 'a brick wall',
  camera: 'a man with a camera',
  cell: 'a cell under a microscope',
  chelsea: 'a cat',
  chessboard: 'a chessboard',
  clock: 'a clock',
  coffee: 'a cup of coffee',
  coins: 'coins',
  grass: 'grass',
  gravel: 'gravel',
  horse: 'a horse',
  hubble_deep_field: 'galaxies in deep space',
  immunohistochemistry: 'a microscope slide',
  ihc: 'a microscope slide',
  logo: 'a logo',
  moon: 'the moon',
  motorcycle: 'a motorcycle',
  page: 'a page of text',
  retina: 'a retina',
  rocket: 'a rocket',
  text: 'text',
};

/** Labels that match none of the photos: the model has to pick the right one among plausible others. */
export const DISTRACTORS = ['a dog', 'a car', 'a pizza', 'a mountain', 'a bicycle', 'a tree'];

const IMAGE_FILE = /\.(jpe?g|png|webp|tiff?|gif|avif)$/i;

/**
 * The label a photo should get: from `labels.json` in the photo folder ({"file name": "label"}) when it
 * names the photo, else from the built-in table (file name without extension, also without a
 * `_left`/`_GRAY`-style suffix), else the file name itself ("n01440764_tench.JPEG" → "tench").
 */
export function expectedLabel(file: string, overrides: Record<string, string> = {}): string {
  const override = overrides[file];
  if (override) return override;
  const stem = path.parse(file).name;
  const known = PHOTO_LABELS[stem] ?? PHOTO_LABELS[stem.replace(/[_-][^_-]+$/, '')];
  if (known) return known;
  return stem.replace(/^n\d+_/, '').replace(/[_-]+/g, ' ');
}

export interface DemoPhotos {
  dir: string;
  /** File name → the label it should get. */
  expected: Map<string, string>;
  /** Every expected label plus the distractors, each once. */
  labels: string[];
}

export function readDemoPhotos(dir: string): DemoPhotos {
  const overridesFile = path.join(dir, 'labels.json');
  const overrides = existsSync(overridesFile)
    ? (JSON.parse(readFileSync(overridesFile, 'utf8')) as Record<string, string>)
    : {};
  const files = readdirSync(dir)
    .filter((f) => IMAGE_FILE.test(f))
    .sort();
  const expected = new Map(files.map((f) => [f, expectedLabel(f, overrides)]));
  const labels = [...new Set([...expected.values(), ...DISTRACTORS])];
  return { dir, expected, labels };
}
