import { z } from 'zod';
import { ID_PATTERN } from './names.js';

/**
 * Job payloads are versioned (`v`) and validated with zod at enqueue and again in the worker.
 * Bump the version when a change is not backward compatible; workers reject versions they do not know.
 */
export const PAYLOAD_VERSION = 1;

export const LIMITS = {
  maxLabels: 10_000,
  maxLabelChars: 1_000,
  maxTemplates: 100,
  maxChunkSize: 10_000,
  maxUriChars: 2_048,
  /** Upper bound of one serialized job payload. */
  maxPayloadBytes: 1_048_576,
  /** Label scores in one part file: (labels kept per image) x (chunk size), checked at enqueue. */
  maxScoresPerPart: 2_000_000,
} as const;

const uri = z
  .string()
  .min(1)
  .max(LIMITS.maxUriChars)
  .refine((s) => /^(s3:\/\/[^/]{3,}\/.|file:\/\/\/.|https?:\/\/.)/.test(s), {
    message: 'must be an s3://bucket/key, file:///path or http(s):// URI',
  });

const label = z
  .string()
  .trim()
  .min(1, 'labels must not be empty')
  .max(LIMITS.maxLabelChars, `a label must be at most ${LIMITS.maxLabelChars} characters`);

export const runSpecSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    runId: z.string().regex(ID_PATTERN, 'run id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}'),
    labels: z
      .array(label)
      .min(1, 'at least one label is required')
      .max(LIMITS.maxLabels, `at most ${LIMITS.maxLabels} labels`)
      .refine((ls) => new Set(ls).size === ls.length, { message: 'labels must be unique' }),
    templates: z.array(z.string().min(1).max(LIMITS.maxLabelChars)).max(LIMITS.maxTemplates).optional(),
    ensemble: z.string().min(1).max(64).optional(),
    mode: z.enum(['softmax', 'sigmoid', 'multilabel']).default('softmax'),
    topK: z.number().int().positive().optional(),
    threshold: z.number().min(0).max(1).optional(),
    /** Where results go: `<output>/<runId>/part-<chunk>.jsonl` and `_SUMMARY.json`. */
    output: uri,
    /** Human description of what was enqueued (prefixes, manifest). */
    source: z.array(z.string().max(LIMITS.maxUriChars)).max(1_000),
    createdAt: z.string().datetime(),
    schedule: z.string().regex(ID_PATTERN).optional(),
    incremental: z.boolean().default(false),
    storeEmbeddings: z.boolean().default(false),
    reuseEmbeddings: z.boolean().default(false),
    /** Write `report.html` (zeroshot report) next to `_SUMMARY.json` at finalize. Only set when true, so
     * workers that predate it still accept the other specs. */
    report: z.literal(true).optional(),
  })
  .strict();

export type RunSpec = z.infer<typeof runSpecSchema>;

export const chunkImageSchema = z.object({ uri, etag: z.string().max(256).optional() }).strict();
export type ChunkImage = z.infer<typeof chunkImageSchema>;

/** One child job: a chunk of images. Labels are NOT copied here; they live once in the run hash. */
export const chunkPayloadSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    runId: z.string().regex(ID_PATTERN),
    index: z.number().int().min(0),
    images: z.array(chunkImageSchema).min(1).max(LIMITS.maxChunkSize),
  })
  .strict();

export type ChunkPayload = z.infer<typeof chunkPayloadSchema>;

/** The parent job of a run. */
export const finalizePayloadSchema = z
  .object({ v: z.literal(PAYLOAD_VERSION), runId: z.string().regex(ID_PATTERN) })
  .strict();

export type FinalizePayload = z.infer<typeof finalizePayloadSchema>;

/** One line of `part-<chunk>.jsonl`. */
export type ResultLine =
  | { image: string; etag?: string; labels: { label: string; score: number }[]; model: string }
  | { image: string; etag?: string; error: { code: string; message: string } };
