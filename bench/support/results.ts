import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from bench/support (sources) or dist/bench/support (compiled). */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (path.basename(dir) !== 'bench' && dir !== path.dirname(dir)) dir = path.dirname(dir);
  const parent = path.dirname(dir);
  return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
})();

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

/** `2026-11-28T10-42Z`: sortable, safe in file names, one file per run. */
export function stamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 16).replace(':', '-')}Z`;
}

export function writeResult(name: string, data: unknown, ext = 'json'): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.${ext}`);
  writeFileSync(file, typeof data === 'string' ? data : `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
