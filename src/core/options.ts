import { UsageError } from './errors/usage-error.js';
import { KNOWN_PROVIDERS } from './runtime/runtime-options.js';
import type { ExecutionProvider } from './types.js';

/**
 * Small option parsers shared by `zeroshot worker`, `zeroshot exporter|dashboard` and the storage env:
 * each takes the raw text and the name to quote in the UsageError (e.g. `ENV_VAR (--flag)`).
 */

/** An integer from `min` to `max` inclusive. */
export function int(min: number, max: number) {
  return (raw: string, name: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(
        'INVALID_OPTION',
        `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`,
      );
    }
    return n;
  };
}

/** A `redis://` or `rediss://` URL. */
export function redisUrl(raw: string, name: string): string {
  if (!/^rediss?:\/\/./.test(raw)) {
    throw new UsageError('INVALID_OPTION', `${name} must be a redis:// or rediss:// URL`);
  }
  try {
    new URL(raw);
  } catch {
    throw new UsageError('INVALID_OPTION', `${name} is not a valid URL`);
  }
  return raw;
}

/** The flag's value, else the environment variable's (an empty one counts as unset), else undefined. */
export function flagOrEnv(
  flag: string | undefined,
  envName: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flag !== undefined) return flag;
  const value = env[envName];
  return value !== undefined && value !== '' ? value : undefined;
}

/** Execution providers in preference order, comma separated (`cuda,cpu`): ZEROSHOT_PROVIDER / --provider. */
export function providerList(raw: string, name: string): ExecutionProvider[] {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('INVALID_OPTION', `${name} must list at least one provider`);
  for (const p of list) {
    if (!(KNOWN_PROVIDERS as readonly string[]).includes(p)) {
      throw new UsageError(
        'INVALID_OPTION',
        `${name} must be one of ${KNOWN_PROVIDERS.join(', ')} (got ${JSON.stringify(p)})`,
      );
    }
  }
  return [...new Set(list)] as ExecutionProvider[];
}
