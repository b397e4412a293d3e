import { z } from 'zod';
import { UsageError } from '../core/errors/index.js';
import { IMAGE_EXTENSIONS } from '../core/io/image-extensions.js';
import { ID_PATTERN, LIMITS } from '../jobs/index.js';
import { checkRunIdNamespace } from './run-id.js';

/** Extensions listed under prefixes: the same list as `zeroshot classify DIR` (core/io/image-extensions). */
export const DEFAULT_EXTENSIONS = IMAGE_EXTENSIONS;

export const ENQUEUE_DEFAULTS = {
  chunkSize: 256,
  attempts: 5,
  /** First retry delay of a chunk job; doubles each attempt (BullMQ exponential backoff). */
  backoffMs: 2_000,
  /** Queued-but-unfinished chunks of one run above which the producer waits for workers (bounds Redis). */
  maxPendingChunks: 10_000,
  /** Labels kept per image unless `topK` says otherwise (`'all'` keeps every label). */
  topK: 5,
} as const;

/** Everything `enqueueRun` accepts. `sources` and/or `manifest` say which images; the rest is the RunSpec. */
export interface EnqueueOptions {
  /** URIs: ending with `/` = prefix listed recursively, anything else = one image. */
  sources?: string[];
  /** A manifest of image URIs: JSONL (`{"uri": ...}` per line or a JSON string), CSV with a `uri` column, or plain lines. */
  manifest?: string;
  labels: string[];
  templates?: string[];
  ensemble?: string;
  mode?: 'softmax' | 'sigmoid' | 'multilabel';
  /** Labels kept per image, best first: a number, or `'all'`. Default 5 (ENQUEUE_DEFAULTS.topK). */
  topK?: number | 'all';
  threshold?: number;
  /** Results go to `<output>/<runId>/part-<chunk>.jsonl` and `_SUMMARY.json`. */
  output: string;
  /** Images per chunk job (default 256). Chunks also close early to keep payloads under LIMITS.maxPayloadBytes. */
  chunkSize?: number;
  /** BullMQ priority of the chunk jobs: 1 is the highest; unset jobs run before prioritized ones. */
  priority?: number;
  /** Attempts per chunk job for transient failures (default 5), exponential backoff. */
  attempts?: number;
  /** Default: a sortable time-based id. Enqueueing an existing id creates nothing (`created: false`). */
  runId?: string;
  storeEmbeddings?: boolean;
  reuseEmbeddings?: boolean;
  /** Write `<output>/<runId>/report.html` (see src/report) when the run finalizes. */
  report?: boolean;
  /** Extensions kept when listing prefixes (case-insensitive, without dot). Default DEFAULT_EXTENSIONS. */
  extensions?: string[];
  /** picomatch globs relative to each listed prefix; a pattern without `/` matches the file name at any depth. */
  include?: string[];
  exclude?: string[];
  /** Stop after this many images. */
  maxImages?: number;
  /** Queued-but-unfinished chunks above which listing pauses until workers catch up (default 10,000). */
  maxPendingChunks?: number;
  /** Set by schedule firings: the schedule's name. */
  schedule?: string;
  /** With `schedule`: only images whose ETag changed since the schedule's previous run. */
  incremental?: boolean;
}

const positiveInt = (option: string, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `${option} must be a number` })
    .int(`${option} must be a whole number`)
    .min(1, `${option} must be at least 1`)
    .max(max, `${option} must be at most ${max}`);

const stringList = (option: string) =>
  z.array(z.string({ error: `${option} entries must be strings` }), {
    error: `${option} must be a list of strings`,
  });

/** Shape and ranges of the options (labels and URIs are checked separately with their own messages). */
export const enqueueOptionsSchema = z
  .object({
    sources: stringList('sources')
      .max(1_000, 'at most 1000 source URIs (use --manifest for more)')
      .optional(),
    manifest: z.string().min(1, '--manifest must not be empty').optional(),
    labels: stringList('--labels'),
    templates: stringList('--template')
      .max(LIMITS.maxTemplates, `at most ${LIMITS.maxTemplates} templates`)
      .optional(),
    ensemble: z.string().min(1).max(64).optional(),
    mode: z
      .enum(['softmax', 'sigmoid', 'multilabel'], {
        error: '--mode must be one of softmax, sigmoid, multilabel',
      })
      .optional(),
    topK: z
      .union([positiveInt('--top-k', LIMITS.maxLabels), z.literal('all')], {
        error: '--top-k must be a whole number from 1 or "all"',
      })
      .optional(),
    threshold: z
      .number({ error: '--threshold must be a number' })
      .min(0, '--threshold must be between 0 and 1')
      .max(1, '--threshold must be between 0 and 1')
      .optional(),
    output: z
      .string({ error: '--output is required (or set ZEROSHOT_OUTPUT)' })
      .min(1, '--output is required'),
    chunkSize: positiveInt('--chunk-size', LIMITS.maxChunkSize).optional(),
    priority: positiveInt('--priority', 2_097_151).optional(),
    attempts: positiveInt('--attempts', 100).optional(),
    runId: z.string().regex(ID_PATTERN, '--run-id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}').optional(),
    storeEmbeddings: z.boolean().optional(),
    reuseEmbeddings: z.boolean().optional(),
    report: z.boolean().optional(),
    extensions: stringList('--ext')
      .min(1, '--ext needs at least one extension')
      .refine(
        (xs) => xs.every((x) => /^\.?[A-Za-z0-9]{1,10}$/.test(x)),
        '--ext entries must be extensions like jpg,png',
      )
      .optional(),
    include: stringList('--include').max(100).optional(),
    exclude: stringList('--exclude').max(100).optional(),
    maxImages: positiveInt('--max-images').optional(),
    maxPendingChunks: positiveInt('--max-pending-chunks').optional(),
    schedule: z
      .string()
      .regex(ID_PATTERN, 'schedule names must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}')
      .optional(),
    incremental: z.boolean().optional(),
  })
  .strict();

/** Validates the options object; the first problem becomes a UsageError naming the option. */
export function parseEnqueueOptions(opts: EnqueueOptions): EnqueueOptions {
  const res = enqueueOptionsSchema.safeParse(opts);
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'options';
    const msg =
      issue?.code === 'unrecognized_keys' ? `unknown option(s): ${issue.keys.join(', ')}` : issue?.message;
    const code = issue?.path[0] === 'labels' ? 'INVALID_LABELS' : 'INVALID_OPTION';
    throw new UsageError(code, msg?.includes('--') ? msg : `${where}: ${msg}`);
  }
  const o = res.data as EnqueueOptions;
  if (!o.sources?.length && !o.manifest) {
    throw new UsageError(
      'INVALID_OPTION',
      'nothing to enqueue: give image or prefix URIs and/or --manifest URI',
    );
  }
  if (o.incremental && !o.schedule) {
    throw new UsageError(
      'INVALID_OPTION',
      '--incremental only applies to schedules (zeroshot schedule add ... --incremental)',
    );
  }
  if (o.runId !== undefined) checkRunIdNamespace(o.runId, o.schedule);
  if (o.storeEmbeddings && o.reuseEmbeddings === undefined) o.reuseEmbeddings = false;
  return o;
}

/** Extension filter: lowercase, without dots. */
export function normalizeExtensions(exts: readonly string[] | undefined): Set<string> {
  return new Set((exts ?? DEFAULT_EXTENSIONS).map((e) => e.replace(/^\./, '').toLowerCase()));
}
