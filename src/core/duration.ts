import { UsageError } from './errors/index.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `15m`, `1h`, `2d` (or `1h30m`) into milliseconds. */
export function parseDuration(text: string, option = '--every'): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (!s || consumed !== s.length || total <= 0 || !Number.isFinite(total)) {
    throw new UsageError(
      'INVALID_OPTION',
      `${option} must be a duration such as 30s, 15m, 1h or 1h30m (units ms, s, m, h, d); got "${text}"`,
    );
  }
  return Math.round(total);
}
