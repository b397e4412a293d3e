import { ZeroshotError } from '../core/errors/index.js';
import type { ProducerContext } from './deps.js';

export type RunState = 'running' | 'cancelled' | 'completed';

/** The run hash as stored, with numbers parsed. The spec stays a string until someone needs it. */
export interface RunRecord {
  runId: string;
  spec: string;
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

export function toRunRecord(runId: string, h: Record<string, string>): RunRecord | undefined {
  if (!h.spec) return undefined;
  const rec: RunRecord = {
    runId,
    spec: h.spec,
    state: (h.state as RunState | undefined) ?? 'running',
    sealed: h.sealed === '1',
    chunks: Number(h.chunks ?? 0),
    images: Number(h.images ?? 0),
  };
  for (const f of ['createdAt', 'startedAt', 'finishedAt', 'schedule', 'error', 'summary'] as const) {
    if (h[f]) rec[f] = h[f];
  }
  return rec;
}

/** Loads a run or throws RUN_NOT_FOUND naming the id. */
export async function loadRun(ctx: ProducerContext, runId: string): Promise<RunRecord> {
  const rec = toRunRecord(runId, await ctx.redis.hgetall(ctx.keys.run(runId)));
  if (!rec) throw new ZeroshotError('RUN_NOT_FOUND', `no run with id "${runId}" (see zeroshot runs)`);
  return rec;
}
