import os from 'node:os';
import { UsageError } from '../core/errors/index.js';
import { parseHttpSources } from '../core/io/http-source-policy.js';
import { MODEL_DTYPES } from '../core/model/dtype.js';
import { int, providerList, redisUrl } from '../core/options.js';
import type { ExecutionProvider, ModelDtype } from '../core/types.js';
import { queueConfigFromEnv } from '../jobs/connection.js';
import { DEFAULT_PREFIX } from '../jobs/names.js';
import { parseAllowedHosts } from '../observability/http/host-check.js';
import { DEFAULT_RUN_RETENTION, DEFAULT_RUN_RETENTION_MS, parseRetention } from '../runs/retention.js';
import { parseFileRoots } from '../storage/config.js';

/** Everything `zeroshot worker` can be told. Flags override environment variables, which override defaults. */
export interface WorkerConfig {
  model?: string;
  dtype?: ModelDtype;
  providers?: ExecutionProvider[];
  redisUrl: string;
  queuePrefix: string;
  concurrency: number;
  /** Unset: 16 on CPU, 64 on CUDA. */
  batchSize?: number;
  maxWaitMs: number;
  fetchConcurrency: number;
  maxInFlight: number;
  maxImageBytes: number;
  imageFetchTimeoutMs: number;
  imageFetchAttempts: number;
  fileRoots?: string[];
  outputRetryMs: number;
  intraOpThreads?: number;
  resize: 'exact' | 'fast';
  iccProfiles: 'ignore' | 'convert';
  decodeMemoryMb: number;
  metricsPort: number;
  metricsHost: string;
  shutdownTimeoutMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  finalizeRetryMs: number;
  scheduler: boolean;
  queueExporter: boolean;
  workerName: string;
  /** http(s) image hosts allowed (`*`, `host`, `host:port`); empty: http(s) sources refused. */
  httpSources: string[];
  /** Host header names the metrics server accepts besides IP literals, localhost and metricsHost. */
  metricsAllowedHosts: string[];
  /** Finished runs' Redis records expire after this long (ms); 0 keeps them. */
  runRetentionMs: number;
}

type Key = keyof WorkerConfig;

export interface WorkerOptionDef {
  key: Key;
  /** commander flag spelling, e.g. `--batch-size <n>`. */
  flag: string;
  env: string;
  description: string;
  /** Shown in --help; `undefined` means "not set". */
  defaultText: string;
  parse(raw: string, name: string): unknown;
  /** The flag may be given several times (values collected; the env form is comma separated). */
  repeatable?: boolean;
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (raw: string, name: string): T => {
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new UsageError(
        'INVALID_OPTION',
        `${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`,
      );
    }
    return raw as T;
  };
}

function bool(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError('INVALID_OPTION', `${name} must be true or false (got ${JSON.stringify(raw)})`);
}

const text = (raw: string, name: string): string => {
  if (raw.trim() === '') throw new UsageError('INVALID_OPTION', `${name} must not be empty`);
  return raw;
};

const DEFAULTS: Omit<
  WorkerConfig,
  'model' | 'dtype' | 'providers' | 'intraOpThreads' | 'batchSize' | 'fileRoots'
> = {
  redisUrl: queueConfigFromEnv({}).redisUrl,
  queuePrefix: DEFAULT_PREFIX,
  concurrency: 4,
  maxWaitMs: 10,
  fetchConcurrency: 16,
  maxInFlight: 128,
  maxImageBytes: 64 * 1024 * 1024,
  imageFetchTimeoutMs: 60_000,
  imageFetchAttempts: 3,
  // Output outages (permissions being fixed, a 5xx storm, a full disk) are waited out this long.
  outputRetryMs: 300_000,
  resize: 'exact',
  iccProfiles: 'ignore',
  decodeMemoryMb: 1024,
  metricsPort: 9464,
  metricsHost: '127.0.0.1',
  shutdownTimeoutMs: 30_000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  // Generous: a chunk may be caught by several worker crashes in a row (kill -9, OOM, preemption).
  maxStalledCount: 5,
  finalizeRetryMs: 2_000,
  scheduler: true,
  queueExporter: true,
  workerName: `${os.hostname()}-${process.pid}`,
  httpSources: [],
  metricsAllowedHosts: [],
  runRetentionMs: DEFAULT_RUN_RETENTION_MS,
};

/** The one table behind `zeroshot worker --help`, env parsing and validation. */
export const WORKER_OPTIONS: readonly WorkerOptionDef[] = [
  {
    key: 'model',
    flag: '--model <dir>',
    env: 'ZEROSHOT_MODEL',
    description: 'model directory (transformers.js ONNX layout)',
    defaultText: 'local cache',
    parse: text,
  },
  {
    key: 'dtype',
    flag: '--dtype <dtype>',
    env: 'ZEROSHOT_DTYPE',
    description: `model weights variant: ${MODEL_DTYPES.join('|')}`,
    defaultText: 'fp16 on CUDA when the model has it, else fp32, else the variant the model has',
    parse: oneOf(MODEL_DTYPES),
  },
  {
    key: 'providers',
    flag: '--provider <list>',
    env: 'ZEROSHOT_PROVIDER',
    description: 'execution providers in preference order, comma separated: cuda,cpu',
    defaultText: 'cuda,cpu',
    parse: providerList,
  },
  {
    key: 'redisUrl',
    flag: '--redis-url <url>',
    env: 'REDIS_URL',
    description: 'Redis connection (redis:// or rediss:// for TLS)',
    defaultText: DEFAULTS.redisUrl,
    parse: redisUrl,
  },
  {
    key: 'queuePrefix',
    flag: '--queue-prefix <prefix>',
    env: 'ZEROSHOT_QUEUE_PREFIX',
    description: 'BullMQ key prefix; keep the {hash tag} for Redis Cluster',
    defaultText: DEFAULTS.queuePrefix,
    parse: text,
  },
  {
    key: 'concurrency',
    flag: '--concurrency <n>',
    env: 'ZEROSHOT_CONCURRENCY',
    description: 'chunk jobs processed at once (all share one inference batcher)',
    defaultText: String(DEFAULTS.concurrency),
    parse: int(1, 256),
  },
  {
    key: 'batchSize',
    flag: '--batch-size <n>',
    env: 'ZEROSHOT_BATCH_SIZE',
    description: 'images per vision inference batch',
    defaultText: '16 on CPU, 64 on CUDA',
    parse: int(1, 1024),
  },
  {
    key: 'maxWaitMs',
    flag: '--max-wait-ms <ms>',
    env: 'ZEROSHOT_MAX_WAIT_MS',
    description: 'flush a partial batch after this long',
    defaultText: String(DEFAULTS.maxWaitMs),
    parse: int(0, 60_000),
  },
  {
    key: 'fetchConcurrency',
    flag: '--fetch-concurrency <n>',
    env: 'ZEROSHOT_FETCH_CONCURRENCY',
    description: 'image downloads at once per job',
    defaultText: String(DEFAULTS.fetchConcurrency),
    parse: int(1, 1024),
  },
  {
    key: 'maxInFlight',
    flag: '--max-in-flight <n>',
    env: 'ZEROSHOT_MAX_IN_FLIGHT',
    description: 'images fetched but not yet scored, across all jobs (memory bound)',
    defaultText: String(DEFAULTS.maxInFlight),
    parse: int(1, 100_000),
  },
  {
    key: 'maxImageBytes',
    flag: '--max-image-bytes <n>',
    env: 'ZEROSHOT_MAX_IMAGE_BYTES',
    description: 'larger images become IMAGE_TOO_LARGE error lines',
    defaultText: String(DEFAULTS.maxImageBytes),
    parse: int(1, 2 ** 31 - 1),
  },
  {
    key: 'imageFetchTimeoutMs',
    flag: '--image-fetch-timeout-ms <ms>',
    env: 'ZEROSHOT_IMAGE_FETCH_TIMEOUT_MS',
    description:
      'one deadline per image fetch (all attempts and the whole body); then an IMAGE_FETCH_FAILED line',
    defaultText: String(DEFAULTS.imageFetchTimeoutMs),
    parse: int(100, 3_600_000),
  },
  {
    key: 'imageFetchAttempts',
    flag: '--image-fetch-attempts <n>',
    env: 'ZEROSHOT_IMAGE_FETCH_ATTEMPTS',
    description: 'tries per image for retryable read errors (5xx, throttling, resets) before its error line',
    defaultText: String(DEFAULTS.imageFetchAttempts),
    parse: int(1, 20),
  },
  {
    key: 'fileRoots',
    flag: '--file-roots <dirs>',
    env: 'ZEROSHOT_FILE_ROOTS',
    description:
      'confine file:// image reads to these directories (":"-separated, symlinks resolved); others get IMAGE_OUTSIDE_ROOTS',
    defaultText: 'unset (unconfined)',
    parse: (raw, name) => parseFileRoots(raw, name),
  },
  {
    key: 'outputRetryMs',
    flag: '--output-retry-ms <ms>',
    env: 'ZEROSHOT_OUTPUT_RETRY_MS',
    description:
      'how long result writes retry an outage (EACCES/EPERM/EROFS/ENOSPC, 5xx, throttling) before the chunk fails',
    defaultText: String(DEFAULTS.outputRetryMs),
    parse: int(0, 86_400_000),
  },
  {
    key: 'intraOpThreads',
    flag: '--intra-op-threads <n>',
    env: 'ZEROSHOT_INTRA_OP_THREADS',
    description: 'ONNX Runtime intra-op threads',
    defaultText: 'engine default',
    parse: int(1, 1024),
  },
  {
    key: 'resize',
    flag: '--resize <mode>',
    env: 'ZEROSHOT_RESIZE',
    description: 'preprocessing: exact (CLIP reference) or fast (shrink-on-load)',
    defaultText: DEFAULTS.resize,
    parse: oneOf(['exact', 'fast'] as const),
  },
  {
    key: 'iccProfiles',
    flag: '--icc-profiles <mode>',
    env: 'ZEROSHOT_ICC_PROFILES',
    description: 'embedded ICC profiles: ignore (as the HF/Pillow reference) or convert (to sRGB)',
    defaultText: DEFAULTS.iccProfiles,
    parse: oneOf(['ignore', 'convert'] as const),
  },
  {
    key: 'decodeMemoryMb',
    flag: '--decode-memory-mb <n>',
    env: 'ZEROSHOT_DECODE_MEMORY_MB',
    description: 'memory budget of concurrent decodes (width × height × channels × bytes per sample)',
    defaultText: String(DEFAULTS.decodeMemoryMb),
    parse: int(1, 1024 * 1024),
  },
  {
    key: 'metricsPort',
    flag: '--metrics-port <port>',
    env: 'ZEROSHOT_METRICS_PORT',
    description: 'HTTP port for /metrics, /healthz, /readyz; 0 disables',
    defaultText: String(DEFAULTS.metricsPort),
    parse: int(0, 65_535),
  },
  {
    key: 'metricsHost',
    flag: '--metrics-host <host>',
    env: 'ZEROSHOT_METRICS_HOST',
    description: 'address the metrics server binds to',
    defaultText: DEFAULTS.metricsHost,
    parse: text,
  },
  {
    key: 'shutdownTimeoutMs',
    flag: '--shutdown-timeout-ms <ms>',
    env: 'ZEROSHOT_SHUTDOWN_TIMEOUT_MS',
    description: 'on SIGTERM/SIGINT wait this long for active jobs, then hand them back',
    defaultText: String(DEFAULTS.shutdownTimeoutMs),
    parse: int(0, 3_600_000),
  },
  {
    key: 'lockDurationMs',
    flag: '--lock-duration-ms <ms>',
    env: 'ZEROSHOT_LOCK_DURATION_MS',
    description: 'job lock duration (renewed automatically at half of it)',
    defaultText: String(DEFAULTS.lockDurationMs),
    parse: int(1_000, 3_600_000),
  },
  {
    key: 'stalledIntervalMs',
    flag: '--stalled-interval-ms <ms>',
    env: 'ZEROSHOT_STALLED_INTERVAL_MS',
    description: 'how often to look for jobs of dead workers and hand them back',
    defaultText: String(DEFAULTS.stalledIntervalMs),
    parse: int(100, 3_600_000),
  },
  {
    key: 'maxStalledCount',
    flag: '--max-stalled-count <n>',
    env: 'ZEROSHOT_MAX_STALLED_COUNT',
    description: 'times a job may be recovered from a dead worker before it fails',
    defaultText: String(DEFAULTS.maxStalledCount),
    parse: int(0, 1_000),
  },
  {
    key: 'finalizeRetryMs',
    flag: '--finalize-retry-ms <ms>',
    env: 'ZEROSHOT_FINALIZE_RETRY_MS',
    description: 'delay before re-checking a run whose listing is not sealed yet',
    defaultText: String(DEFAULTS.finalizeRetryMs),
    parse: int(10, 3_600_000),
  },
  {
    key: 'scheduler',
    flag: '--scheduler <bool>',
    env: 'ZEROSHOT_SCHEDULER',
    description: 'also fire scheduled runs from this process',
    defaultText: String(DEFAULTS.scheduler),
    parse: bool,
  },
  {
    key: 'queueExporter',
    flag: '--queue-exporter <bool>',
    env: 'ZEROSHOT_QUEUE_EXPORTER',
    description: 'take part in the election of the one queue-depth exporter',
    defaultText: String(DEFAULTS.queueExporter),
    parse: bool,
  },
  {
    key: 'workerName',
    flag: '--worker-name <name>',
    env: 'ZEROSHOT_WORKER_NAME',
    description: 'name stored on the jobs this worker processes',
    defaultText: 'hostname-pid',
    parse: text,
  },
  {
    key: 'httpSources',
    flag: '--allow-http-host <host>',
    env: 'ZEROSHOT_HTTP_SOURCES',
    description:
      'allow http(s) image URLs from this host (host, host:port, or * for any host with public addresses); ' +
      'repeatable, env comma separated',
    defaultText: 'none (http(s) sources refused)',
    parse: (raw, name) => parseHttpSources(raw, name),
    repeatable: true,
  },
  {
    key: 'metricsAllowedHosts',
    flag: '--metrics-allowed-host <name>',
    env: 'ZEROSHOT_METRICS_ALLOWED_HOSTS',
    description:
      'Host header names the metrics server answers besides IP literals, localhost and --metrics-host ' +
      '(DNS rebinding guard; * = any); repeatable, env comma separated',
    defaultText: 'none',
    parse: (raw, name) => parseAllowedHosts(raw, name),
    repeatable: true,
  },
  {
    key: 'runRetentionMs',
    flag: '--run-retention <duration>',
    env: 'ZEROSHOT_RUN_RETENTION',
    description: "finished runs' Redis records expire after this long (30d, 12h; 0 keeps them)",
    defaultText: DEFAULT_RUN_RETENTION,
    parse: (raw, name) => parseRetention(raw, name),
  },
];

/** camelCase key → `--flag` name, for messages. */
const flagName = (def: WorkerOptionDef) => def.flag.split(' ')[0]!;

/**
 * Resolves the worker configuration: explicit values (flags or API options) override the environment,
 * which overrides defaults. String inputs are parsed and checked; bad values throw UsageError naming the
 * flag, its environment variable and the allowed values.
 */
export function resolveWorkerConfig(
  given: Partial<Record<Key, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
): WorkerConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const def of WORKER_OPTIONS) {
    const explicit = given[def.key];
    if (explicit !== undefined) {
      const name = flagName(def);
      const raw = Array.isArray(explicit) ? explicit.join(',') : String(explicit);
      out[def.key] = def.parse(raw, name);
      continue;
    }
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      out[def.key] = def.parse(fromEnv, `${def.env} (${flagName(def)})`);
    }
  }
  return out as unknown as WorkerConfig;
}

export const WORKER_DEFAULTS = DEFAULTS;
