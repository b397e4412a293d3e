import { type RunSpec, runSpecSchema } from '../jobs/schemas.js';

/**
 * `running` until finalized; `completed` / `cancelled` once `_SUMMARY.json` is written; `failed` when the run
 * cannot end normally (its producer died before sealing it: `error` says why).
 */
export type RunState = 'running' | 'cancelled' | 'completed' | 'failed';

/** The run hash field names (`keys().run(runId)`), defined once. */
export const RUN_FIELD = {
  /** RunSpec JSON, written once (HSETNX: whoever sets it first creates the run). */
  spec: 'spec',
  state: 'state',
  /** `1` once the producer has added every chunk (`chunks` is final). */
  sealed: 'sealed',
  chunks: 'chunks',
  images: 'images',
  output: 'output',
  labelCount: 'labelCount',
  /** TTL of the producer lease (ms) of this run, while it is not sealed. */
  producerLeaseMs: 'producerLeaseMs',
  schedule: 'schedule',
  createdAt: 'createdAt',
  /** First chunk taken by a worker (HSETNX). */
  startedAt: 'startedAt',
  sealedAt: 'sealedAt',
  cancelledAt: 'cancelledAt',
  retriedAt: 'retriedAt',
  /** Set by finalize right before it writes the report and `_SUMMARY.json`: no chunk may write after it. */
  finalizingAt: 'finalizingAt',
  finishedAt: 'finishedAt',
  /** Why the run was cancelled or failed by the system (enqueue error, producer lost). */
  error: 'error',
  /** `_SUMMARY.json` content once the run has been finalized. */
  summary: 'summary',
} as const;

export type RunField = (typeof RUN_FIELD)[keyof typeof RUN_FIELD];

/** The run hash as stored, with numbers and flags parsed. The spec stays JSON until someone needs it. */
export interface RunRecord {
  runId: string;
  /** RunSpec JSON; empty when loaded without it (listings use `output` / `labelCount` instead). */
  spec: string;
  state: RunState;
  sealed: boolean;
  chunks: number;
  images: number;
  output?: string;
  labelCount?: number;
  producerLeaseMs?: number;
  schedule?: string;
  createdAt?: string;
  startedAt?: string;
  sealedAt?: string;
  cancelledAt?: string;
  retriedAt?: string;
  finalizingAt?: string;
  finishedAt?: string;
  error?: string;
  summary?: string;
}

/** Text fields copied as-is into a record when present. */
const TEXT_FIELDS = [
  RUN_FIELD.output,
  RUN_FIELD.schedule,
  RUN_FIELD.createdAt,
  RUN_FIELD.startedAt,
  RUN_FIELD.sealedAt,
  RUN_FIELD.cancelledAt,
  RUN_FIELD.retriedAt,
  RUN_FIELD.finalizingAt,
  RUN_FIELD.finishedAt,
  RUN_FIELD.error,
  RUN_FIELD.summary,
] as const;

/** Every field but the (possibly large) spec: what a listing reads. */
export const LIST_FIELDS: readonly RunField[] = [
  RUN_FIELD.state,
  RUN_FIELD.sealed,
  RUN_FIELD.chunks,
  RUN_FIELD.images,
  RUN_FIELD.labelCount,
  RUN_FIELD.producerLeaseMs,
  ...TEXT_FIELDS,
];

const STATES: ReadonlySet<string> = new Set<RunState>(['running', 'cancelled', 'completed', 'failed']);
const count = (v: string | undefined) => (v === undefined || v === '' ? 0 : Number(v) || 0);

/** A record from a run hash (HGETALL, or HMGET of LIST_FIELDS); undefined when the run does not exist. */
export function decodeRunRecord(runId: string, h: Record<string, string | undefined>): RunRecord | undefined {
  if (!h[RUN_FIELD.spec] && !h[RUN_FIELD.createdAt]) return undefined;
  const state = h[RUN_FIELD.state];
  const rec: RunRecord = {
    runId,
    spec: h[RUN_FIELD.spec] ?? '',
    state: state && STATES.has(state) ? (state as RunState) : 'running',
    sealed: h[RUN_FIELD.sealed] === '1' || h[RUN_FIELD.sealed] === 'true',
    chunks: count(h[RUN_FIELD.chunks]),
    images: count(h[RUN_FIELD.images]),
  };
  for (const f of TEXT_FIELDS) {
    const v = h[f];
    if (v) rec[f] = v;
  }
  if (h[RUN_FIELD.labelCount]) rec.labelCount = Number(h[RUN_FIELD.labelCount]);
  if (h[RUN_FIELD.producerLeaseMs]) rec.producerLeaseMs = Number(h[RUN_FIELD.producerLeaseMs]);
  return rec;
}

/** Fields to HSET for a partial record (numbers and flags encoded the one way they are read back). */
export function encodeRunFields(rec: Partial<Omit<RunRecord, 'runId'>>): Partial<Record<RunField, string>> {
  const out: Partial<Record<RunField, string>> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    out[k as RunField] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return out;
}

/** The run's validated RunSpec; throws (ZodError / SyntaxError) when the stored spec is invalid. */
export function runSpecOf(rec: Pick<RunRecord, 'spec'>): RunSpec {
  return runSpecSchema.parse(JSON.parse(rec.spec));
}

/** RunSpec fields that only record when or under which id a run was made: not part of what it does. */
const SPEC_IDENTITY_IGNORED: ReadonlySet<string> = new Set(['v', 'runId', 'createdAt']);

/**
 * The RunSpec fields (labels, output, templates, mode, source...) in which two specs differ, sorted; empty
 * when they describe the same run. A run id means one run: re-enqueueing it is idempotent only when this
 * is empty.
 */
export function specDifferences(a: RunSpec, b: RunSpec): string[] {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  const differ: string[] = [];
  for (const f of fields) {
    if (SPEC_IDENTITY_IGNORED.has(f)) continue;
    const va = JSON.stringify((a as Record<string, unknown>)[f] ?? null);
    const vb = JSON.stringify((b as Record<string, unknown>)[f] ?? null);
    if (va !== vb) differ.push(f);
  }
  return differ.sort();
}

/** What `status` shows: `queued` while the run is running but no worker has taken any of its chunks yet. */
export type RunPhase = RunState | 'queued';

export function phaseOf(rec: Pick<RunRecord, 'state' | 'startedAt'>): RunPhase {
  return rec.state === 'running' && !rec.startedAt ? 'queued' : rec.state;
}

/** Default TTL of a producer lease: an unsealed run whose producer was not heard from this long is failed. */
export const DEFAULT_PRODUCER_LEASE_MS = 60_000;

/** A state in which the run will never change again (until `retry` reopens it). */
export function isFinal(rec: Pick<RunRecord, 'state' | 'summary' | 'chunks'>): boolean {
  if (rec.state === 'completed') return true;
  // A cancelled or failed run ends with its summary (or at once when no chunk ever got a parent).
  return (rec.state === 'cancelled' || rec.state === 'failed') && (!!rec.summary || rec.chunks === 0);
}
