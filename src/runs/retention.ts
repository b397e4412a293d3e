import { parseDuration } from '../core/duration.js';

/** How long a finished run's Redis record (run hash, progress hash) is kept: 30 days. */
export const DEFAULT_RUN_RETENTION_MS = 30 * 86_400_000;
export const DEFAULT_RUN_RETENTION = '30d';

/** `30d`, `12h`, `90m`...; `0` keeps finished runs forever (then only `zeroshot runs prune` removes them). */
export function parseRetention(raw: string, option = 'ZEROSHOT_RUN_RETENTION'): number {
  if (raw.trim() === '0') return 0;
  return parseDuration(raw, option);
}

/** `ZEROSHOT_RUN_RETENTION`, else 30 days. */
export function runRetentionFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ZEROSHOT_RUN_RETENTION;
  return raw === undefined || raw === '' ? DEFAULT_RUN_RETENTION_MS : parseRetention(raw);
}
