import type { Redis } from 'ioredis';
import { ZeroshotError } from '../core/errors/index.js';
import { keys } from '../jobs/names.js';
import { RedisLease } from '../jobs/redis-lease.js';
import type { RunSpec } from '../jobs/schemas.js';
import { chunkProgress, type RunProgress } from './chunk-progress.js';
import { DEFAULT_RUN_RETENTION_MS } from './retention.js';
import {
  DEFAULT_PRODUCER_LEASE_MS,
  decodeRunRecord,
  encodeRunFields,
  isFinal,
  LIST_FIELDS,
  RUN_FIELD,
  type RunRecord,
  type RunState,
} from './run-record.js';

/** When a final run ended (ms): finished, else cancelled, else created. */
function endedAt(rec: RunRecord): number {
  const t = rec.finishedAt ?? rec.cancelledAt ?? rec.sealedAt ?? rec.createdAt;
  return t ? Date.parse(t) : 0;
}

/** The summary JSON without `labels` (kept once, in the spec); unchanged when it is not an object. */
function withoutLabels(summaryJson: string): string {
  try {
    const s = JSON.parse(summaryJson) as Record<string, unknown>;
    if (!s || typeof s !== 'object' || !('labels' in s)) return summaryJson;
    const { labels: _labels, ...rest } = s;
    return JSON.stringify(rest);
  } catch {
    return summaryJson;
  }
}

/**
 * Every read and write of a run hash (`keys().run(runId)`), its progress hash and the run index. Producer,
 * worker and tools share run state only through this class.
 */
export interface RunStoreOptions {
  /** Finished runs' hashes expire after this long (ms); 0 keeps them. Default 30 days. */
  retentionMs?: number;
}

export interface PruneResult {
  /** Finished runs whose records were deleted. */
  runs: number;
  /** Index entries of runs whose records had already expired. */
  staleIndexEntries: number;
}

const PRUNE_BATCH = 500;

export class RunStore {
  readonly keys: ReturnType<typeof keys>;
  readonly retentionMs: number;

  constructor(
    readonly redis: Redis,
    prefix: string,
    opts: RunStoreOptions = {},
  ) {
    this.keys = keys(prefix);
    this.retentionMs = opts.retentionMs ?? DEFAULT_RUN_RETENTION_MS;
  }

  // ---- creation (producer) ----

  /**
   * Creates the run if the id is free: whoever sets `spec` first owns it. Returns false (nothing written)
   * when the run already exists.
   */
  async create(
    spec: RunSpec,
    init: { output: string; schedule?: string | undefined; producerLeaseMs?: number },
  ): Promise<boolean> {
    const key = this.keys.run(spec.runId);
    if ((await this.redis.hsetnx(key, RUN_FIELD.spec, JSON.stringify(spec))) === 0) return false;
    await this.redis
      .multi()
      .hset(
        key,
        encodeRunFields({
          state: 'running',
          createdAt: spec.createdAt,
          sealed: false,
          chunks: 0,
          images: 0,
          output: init.output,
          labelCount: spec.labels.length,
          producerLeaseMs: init.producerLeaseMs ?? DEFAULT_PRODUCER_LEASE_MS,
          ...(init.schedule ? { schedule: init.schedule } : {}),
        }),
      )
      .zadd(this.keys.runIndex(), Date.parse(spec.createdAt), spec.runId)
      .exec();
    return true;
  }

  /** Chunks and images enqueued so far (`sealed`: final). */
  async setCounts(runId: string, chunks: number, images: number, sealed = false): Promise<void> {
    await this.redis.hset(
      this.keys.run(runId),
      encodeRunFields({
        chunks,
        images,
        ...(sealed ? { sealed: true, sealedAt: new Date().toISOString() } : {}),
      }),
    );
  }

  /** The lease a producer holds (and keeps alive) from creating a run until sealing it. */
  producerLease(runId: string, ttlMs = DEFAULT_PRODUCER_LEASE_MS): RedisLease {
    return new RedisLease(this.redis, this.keys.producerLease(runId), ttlMs);
  }

  /**
   * true when an unsealed run's producer is gone: its lease expired (or was never taken: a producer that
   * died right after creating the run) and the run is older than the lease TTL.
   */
  async producerGone(rec: RunRecord, now = Date.now()): Promise<boolean> {
    if (rec.sealed || rec.state !== 'running') return false;
    const ttl = rec.producerLeaseMs ?? DEFAULT_PRODUCER_LEASE_MS;
    if (rec.createdAt && now - Date.parse(rec.createdAt) < ttl) return false;
    return (await this.redis.exists(this.keys.producerLease(rec.runId))) === 0;
  }

  // ---- reads ----

  /** The whole record (with its spec); undefined when the run does not exist. */
  async load(runId: string): Promise<RunRecord | undefined> {
    return decodeRunRecord(runId, await this.redis.hgetall(this.keys.run(runId)));
  }

  /** The record without its spec (for listings); undefined when the run does not exist. */
  async loadLite(runId: string): Promise<RunRecord | undefined> {
    const values = await this.redis.hmget(this.keys.run(runId), ...LIST_FIELDS);
    const h: Record<string, string> = {};
    LIST_FIELDS.forEach((f, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) h[f] = v;
    });
    return decodeRunRecord(runId, h);
  }

  /** Loads a run or throws RUN_NOT_FOUND naming the id. */
  async require(runId: string, opts: { lite?: boolean } = {}): Promise<RunRecord> {
    const rec = opts.lite ? await this.loadLite(runId) : await this.load(runId);
    if (!rec) throw new ZeroshotError('RUN_NOT_FOUND', `no run with id "${runId}" (see zeroshot runs)`);
    return rec;
  }

  /** Whether the run's record still exists (not expired or pruned). */
  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.run(runId))) === 1;
  }

  async state(runId: string): Promise<RunState | undefined> {
    return ((await this.redis.hget(this.keys.run(runId), RUN_FIELD.state)) as RunState | null) ?? undefined;
  }

  /** Chunk count recorded so far (final once sealed). */
  async chunkCount(runId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.run(runId), RUN_FIELD.chunks)) ?? 0) || 0;
  }

  /** Run ids, most recent first. */
  async recentIds(limit: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runIndex(), 0, limit - 1);
  }

  // ---- transitions ----

  /** Records when the first chunk of a run started (for images/s); later calls keep the first value. */
  async markStarted(runId: string, at = new Date()): Promise<void> {
    await this.redis.hsetnx(this.keys.run(runId), RUN_FIELD.startedAt, at.toISOString());
  }

  /** `state=cancelled` (with the reason when the system, not a user, cancels). */
  async cancel(runId: string, error?: string): Promise<void> {
    await this.redis.hset(
      this.keys.run(runId),
      encodeRunFields({
        state: 'cancelled',
        cancelledAt: new Date().toISOString(),
        ...(error ? { error: error.slice(0, 1_000) } : {}),
      }),
    );
  }

  /**
   * The run cannot end normally (its producer died before sealing it): `state=failed` with the reason, and
   * sealed with the chunks recorded so far, so finalization writes a summary listing what is missing.
   */
  async fail(runId: string, error: string): Promise<void> {
    await this.redis.hset(
      this.keys.run(runId),
      encodeRunFields({
        state: 'failed',
        error: error.slice(0, 1_000),
        sealed: true,
        sealedAt: new Date().toISOString(),
      }),
    );
  }

  /**
   * Finalized: `_SUMMARY.json` written. Its content is kept here for `status`, without the labels (they are
   * in the spec: stored once per run). The run hash and progress hash then expire after `retentionMs`.
   */
  async complete(
    runId: string,
    state: Exclude<RunState, 'running'>,
    summaryJson: string,
    finishedAt: string,
  ) {
    const key = this.keys.run(runId);
    const tx = this.redis
      .multi()
      .hset(key, encodeRunFields({ state, finishedAt, summary: withoutLabels(summaryJson) }));
    if (this.retentionMs > 0) {
      tx.pexpire(key, this.retentionMs).pexpire(this.keys.runProgress(runId), this.retentionMs);
    }
    await tx.exec();
  }

  /**
   * Deletes the records of runs that ended (completed, cancelled or failed) more than `olderThanMs` ago, and
   * index entries whose record already expired. Running runs are never touched.
   */
  async prune(olderThanMs: number, now = Date.now()): Promise<PruneResult> {
    const cutoff = now - olderThanMs;
    const index = this.keys.runIndex();
    const result: PruneResult = { runs: 0, staleIndexEntries: 0 };
    for (let start = 0; ; start += PRUNE_BATCH) {
      const ids = await this.redis.zrange(index, String(start), String(start + PRUNE_BATCH - 1));
      if (ids.length === 0) break;
      const records = await Promise.all(ids.map((id) => this.loadLite(id)));
      const gone: string[] = [];
      for (const [i, rec] of records.entries()) {
        const id = ids[i] as string;
        if (!rec) {
          gone.push(id);
          result.staleIndexEntries++;
        } else if (isFinal(rec) && endedAt(rec) <= cutoff) {
          await this.redis.del(this.keys.run(id), this.keys.runProgress(id), this.keys.producerLease(id));
          gone.push(id);
          result.runs++;
        }
      }
      if (gone.length > 0) {
        await this.redis.zrem(index, ...gone);
        start -= gone.length;
      }
    }
    return result;
  }

  /** Back to `running` for a retry of failed chunks: the finalize job will write a new summary. */
  async reopen(runId: string): Promise<void> {
    const key = this.keys.run(runId);
    await this.redis
      .multi()
      .hset(key, encodeRunFields({ state: 'running', retriedAt: new Date().toISOString() }))
      .hdel(key, RUN_FIELD.finishedAt, RUN_FIELD.summary)
      .persist(key)
      .persist(this.keys.runProgress(runId))
      .exec();
  }

  // ---- chunk progress ----

  async setChunkProgress(runId: string, index: number, done: number, failed: number): Promise<void> {
    await this.redis.hset(this.keys.runProgress(runId), String(index), chunkProgress.format(done, failed));
  }

  async progress(runId: string): Promise<RunProgress> {
    const h = await this.redis.hgetall(this.keys.runProgress(runId));
    const out: RunProgress = new Map();
    for (const [field, value] of Object.entries(h)) out.set(Number(field), chunkProgress.parse(value));
    return out;
  }

  /** Images scored / with an error line over every written chunk, and the number of written chunks. */
  async progressTotals(runId: string): Promise<{ done: number; failed: number; parts: number }> {
    const values = await this.redis.hvals(this.keys.runProgress(runId));
    let done = 0;
    let failed = 0;
    for (const v of values) {
      const p = chunkProgress.parse(v);
      done += p.done;
      failed += p.failed;
    }
    return { done, failed, parts: values.length };
  }
}
