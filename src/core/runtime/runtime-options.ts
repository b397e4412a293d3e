import os from 'node:os';
import { UsageError } from '../errors/index.js';
import type { ExecutionProvider } from '../types.js';

export interface RuntimeOptions {
  /** Execution providers in preference order, default `['cuda', 'cpu']`. */
  providers?: ExecutionProvider[];
  /** ORT intra-op threads; default `ZEROSHOT_INTRA_OP_THREADS`, else os.availableParallelism(). */
  intraOpThreads?: number;
  /**
   * Let ORT's pool threads busy-wait for work after each parallel section (ORT's default). Off by default
   * here: spinning threads burn the cores that sharp needs to decode the next batch. Env ZEROSHOT_ORT_SPIN=1.
   */
  allowSpinning?: boolean;
  /** Receives one-off warnings (CUDA fallback, truncated text); default: process.emitWarning. */
  onWarning?: (msg: string) => void;
}

export const DEFAULT_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'cpu'];
export const KNOWN_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'cpu'];

export function validateProviders(value: unknown): ExecutionProvider[] {
  if (value === undefined) return [...DEFAULT_PROVIDERS];
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((p) => (KNOWN_PROVIDERS as unknown[]).includes(p)) &&
    new Set(value).size === value.length;
  if (!ok) {
    throw new UsageError(
      'INVALID_OPTION',
      `Expected a non-empty list of distinct providers from ${KNOWN_PROVIDERS.join(', ')} for providers but received ${JSON.stringify(value)}`,
    );
  }
  return [...(value as ExecutionProvider[])];
}

/** Option > ZEROSHOT_INTRA_OP_THREADS > available cores. */
export function resolveIntraOpThreads(value: unknown, env: NodeJS.ProcessEnv = process.env): number {
  const check = (v: unknown, what: string): number => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1024) return n;
    throw new UsageError(
      'INVALID_OPTION',
      `Expected an integer between 1 and 1024 for ${what} but received ${JSON.stringify(v)}`,
    );
  };
  if (value !== undefined) return check(value, 'intraOpThreads');
  if (env.ZEROSHOT_INTRA_OP_THREADS !== undefined && env.ZEROSHOT_INTRA_OP_THREADS !== '') {
    return check(env.ZEROSHOT_INTRA_OP_THREADS, 'ZEROSHOT_INTRA_OP_THREADS');
  }
  return os.availableParallelism();
}

/** Option > ZEROSHOT_ORT_SPIN (1/0, true/false) > false. */
export function resolveAllowSpinning(value: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  if (value !== undefined) {
    if (typeof value === 'boolean') return value;
    throw new UsageError(
      'INVALID_OPTION',
      `Expected true or false for allowSpinning but received ${JSON.stringify(value)}`,
    );
  }
  const raw = env.ZEROSHOT_ORT_SPIN?.trim().toLowerCase();
  if (raw === undefined || raw === '') return false;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new UsageError(
    'INVALID_OPTION',
    `Expected 1, 0, true or false for ZEROSHOT_ORT_SPIN but received ${JSON.stringify(env.ZEROSHOT_ORT_SPIN)}`,
  );
}
