import { ZeroshotError } from '../core/errors/index.js';
import { parseRunHash, type RunState } from '../jobs/index.js';
import type { ProducerContext } from './deps.js';

export type { RunState };

/** The run hash as stored, with numbers parsed. The spec stays a string until someone needs it. */
export interface RunRecord {
  runId: string;
  /** RunSpec JSON; empty when loaded without it (listings use `output` / `labelCount` instead). */
  spec: string;
  output?: string;
  labelCount?: number;
  state: RunState;
  sealed: boolean;
  chunks: number;
  images: number;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  schedule?: string;
  error?: string;
  summary?: string;
}

/** Run hash fields copied as-is into a record when present. */
const OPTIONAL_TEXT_FIELDS = [
  'createdAt',
  'startedAt',
  'finishedAt',
  'schedule',
  'error',
  'summary',
  'output',
] as const;

export function toRunRecord(runId: string, h: Record<string, string>): RunRecord | undefined {
  if (!h.spec && !h.createdAt) return undefined;
  const { state, sealed, chunks, images } = parseRunHash(h);
  const rec: RunRecord = {
    runId,
    spec: h.spec ?? '',
    state,
    sealed,
    chunks: chunks ?? 0,
    images: images ?? 0,
  };
  for (const f of OPTIONAL_TEXT_FIELDS) {
    if (h[f]) rec[f] = h[f];
  }
  if (h.labelCount) rec.labelCount = Number(h.labelCount);
  return rec;
}

/** Run hash fields a listing needs: everything but the (possibly large) spec. */
export const LIST_FIELDS = [
  'state',
  'sealed',
  'chunks',
  'images',
  ...OPTIONAL_TEXT_FIELDS,
  'labelCount',
] as const;

/** A run without its spec (HMGET of LIST_FIELDS); undefined when the run does not exist. */
export async function loadRunLite(ctx: ProducerContext, runId: string): Promise<RunRecord | undefined> {
  const values = await ctx.redis.hmget(ctx.keys.run(runId), ...LIST_FIELDS);
  const h: Record<string, string> = {};
  LIST_FIELDS.forEach((f, i) => {
    const v = values[i];
    if (v !== null && v !== undefined) h[f] = v;
  });
  return toRunRecord(runId, h);
}

/** Loads a run or throws RUN_NOT_FOUND naming the id. */
export async function loadRun(ctx: ProducerContext, runId: string): Promise<RunRecord> {
  const rec = toRunRecord(runId, await ctx.redis.hgetall(ctx.keys.run(runId)));
  if (!rec) throw new ZeroshotError('RUN_NOT_FOUND', `no run with id "${runId}" (see zeroshot runs)`);
  return rec;
}
