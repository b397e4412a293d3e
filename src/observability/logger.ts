import pino, { type Logger, type LoggerOptions } from 'pino';
import { CENSOR, scrubSecrets, scrubString, secretsFromEnv } from './redact.js';

export type { Logger } from 'pino';
export { redactUrl } from './redact.js';

/** Paths pino blanks out itself (fast path); `scrubSecrets` covers any depth and secrets inside strings. */
const REDACT = [
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
];

/**
 * pino appends a child's bindings after its parent's, so a key bound at two levels (`component: 'worker'`
 * then `component: 'observability-http'`) would appear twice in one JSON line. Re-serializing keeps each
 * key once, at its first position, with the innermost (last) value.
 */
function onceEach(line: string): string {
  try {
    return `${JSON.stringify(JSON.parse(line))}\n`;
  } catch {
    return line;
  }
}

export interface LoggerFactoryOptions {
  env?: NodeJS.ProcessEnv;
  /** Where JSON lines go; default stderr (fd 2). Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  /** Force pretty (true) or JSON (false) output; default: pretty when stderr is a terminal. */
  pretty?: boolean;
}

/**
 * Structured JSON logs on stderr; human-readable (pino-pretty) when stderr is a terminal, unless
 * `ZEROSHOT_LOG_FORMAT=json`. Level from `ZEROSHOT_LOG_LEVEL` (or `LOG_LEVEL`), default `info`.
 * Secrets never reach the output: secret-named fields at any depth, URL credentials, AWS key ids,
 * authorization values and the literal values of secret environment variables are replaced by `***`.
 */
export function createLogger(
  bindings: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
  opts: LoggerFactoryOptions = {},
): Logger {
  const e = opts.env ?? env;
  const level = e.ZEROSHOT_LOG_LEVEL ?? e.LOG_LEVEL ?? 'info';
  const secrets = secretsFromEnv(e);
  const scrub = (o: object) => scrubSecrets(o, secrets) as Record<string, unknown>;
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid, ...bindings },
    redact: { paths: REDACT, censor: CENSOR },
    // formatters.log (scrub) runs before serializers and has already turned Errors into plain objects; this
    // identity only stops pino's default err serializer from re-typing them as "Object".
    serializers: { err: (err: unknown) => err },
    // Key-based scrubbing of the logged object at any depth ...
    formatters: { log: scrub },
    // ... and string-based scrubbing of the final line, which also covers child bindings and messages.
    hooks: { streamWrite: (line: string) => scrubString(onceEach(line), secrets) },
  };
  if (opts.destination) return pino(options, opts.destination);
  const pretty = opts.pretty ?? (process.stderr.isTTY === true && e.ZEROSHOT_LOG_FORMAT !== 'json');
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

/** The child logger for one job: every line carries `runId`, `jobId` and `chunk`. */
export function jobLogger(
  base: Logger,
  ctx: { runId: string; jobId?: string | undefined; chunk?: number | undefined },
): Logger {
  return base.child({ runId: ctx.runId, jobId: ctx.jobId, chunk: ctx.chunk });
}
