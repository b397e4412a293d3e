import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log object. */
const REDACT = [
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'authorization',
  '*.authorization',
  'credentials',
  '*.credentials',
];

/** Replaces the password (and user) of a URL such as `rediss://user:pw@host` before it is logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * Structured JSON logs on stderr; human-readable when stderr is a terminal.
 * Level from `ZEROSHOT_LOG_LEVEL` (or `LOG_LEVEL`), default `info`.
 */
export function createLogger(bindings: Record<string, unknown> = {}, env = process.env): Logger {
  const level = env.ZEROSHOT_LOG_LEVEL ?? env.LOG_LEVEL ?? 'info';
  const pretty = process.stderr.isTTY && env.ZEROSHOT_LOG_FORMAT !== 'json';
  const options = {
    level,
    base: { pid: process.pid, ...bindings },
    redact: { paths: REDACT, censor: '***' },
  };
  if (pretty) {
    return pino(
      options,
      pino.transport({ target: 'pino-pretty', options: { destination: 2, ignore: 'pid,hostname' } }),
    );
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

let root: Logger | undefined;

/** Process-wide logger; children carry run id, job id and chunk (`log.child({ runId, jobId, chunk })`). */
export function logger(): Logger {
  root ??= createLogger();
  return root;
}
