import path from 'node:path';
import { REPO_ROOT } from './results.js';

export const DEFAULT_BENCH_MODEL = path.join(REPO_ROOT, '.cache', 'models', 'clip-b32-stand-in');

/** A positive integer option, or an error naming the option and what is allowed. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function optionalInt(name: string, value: string | undefined, min = 1): number | undefined {
  return value === undefined ? undefined : intOption(name, value, 0, min);
}

export function intListOption(name: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  return value.split(',').map((v) => intOption(name, v.trim(), 0));
}
