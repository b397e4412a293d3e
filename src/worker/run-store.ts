import type { Redis } from 'ioredis';
import {
  chunkProgress,
  keys,
  parseRunHash,
  type RunSpec,
  type RunState,
  runSpecSchema,
} from '../jobs/index.js';

export type { RunState };

export interface RunRecord {
  spec: RunSpec;
  state: RunState;
  sealed: boolean;
  chunks?: number;
  images?: number;
  createdAt?: string;
  startedAt?: string;
}

/** Chunk index → `{ done, failed }` as written by workers into the run's progress hash. */
export type RunProgress = Map<number, { done: number; failed: number }>;

/** Reads and updates the run hash (`keys().run(runId)`) and its progress hash. */
export class RunStore {
  private readonly k: ReturnType<typeof keys>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
  }

  /** undefined when the run hash or its spec is missing; throws when the stored spec is invalid. */
  async load(runId: string): Promise<RunRecord | undefined> {
    const h = await this.redis.hgetall(this.k.run(runId));
    if (!h.spec) return undefined;
    const spec = runSpecSchema.parse(JSON.parse(h.spec));
    return {
      spec,
      ...parseRunHash(h),
      createdAt: h.createdAt,
      startedAt: h.startedAt,
    };
  }

  async state(runId: string): Promise<RunState | undefined> {
    return ((await this.redis.hget(this.k.run(runId), 'state')) as RunState | null) ?? undefined;
  }

  /** Records when the first chunk of a run started (for images/s); later calls keep the first value. */
  async markStarted(runId: string, at = new Date()): Promise<void> {
    await this.redis.hsetnx(this.k.run(runId), 'startedAt', at.toISOString());
  }

  async setChunkProgress(runId: string, index: number, done: number, failed: number): Promise<void> {
    await this.redis.hset(this.k.runProgress(runId), String(index), chunkProgress.format(done, failed));
  }

  async progress(runId: string): Promise<RunProgress> {
    const h = await this.redis.hgetall(this.k.runProgress(runId));
    const out: RunProgress = new Map();
    for (const [field, value] of Object.entries(h)) {
      out.set(Number(field), chunkProgress.parse(value));
    }
    return out;
  }

  async complete(runId: string, state: 'completed' | 'cancelled', summaryJson: string, finishedAt: string) {
    await this.redis.hset(this.k.run(runId), { state, finishedAt, summary: summaryJson });
  }
}
