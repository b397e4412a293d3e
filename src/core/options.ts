import { UsageError } from './errors/usage-error.js';

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
