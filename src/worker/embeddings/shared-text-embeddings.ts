import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { UsageError } from '../../core/errors/index.js';
import { resolveTemplates } from '../../core/scoring/templates.js';
import type { TemplateOptions } from '../../core/types.js';
import { DEFAULT_PREFIX, keys } from '../../jobs/names.js';
import { RedisLease } from '../../jobs/redis-lease.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

export interface SharedTextEmbeddingsOptions {
  redis: Redis | Cluster;
  /** Key prefix (queue prefix with its hash tag). Default `{zeroshot}`. */
  prefix?: string;
  /** `classifier.info.id`: part of every key, so two models never share an entry. */
  modelId: string;
  /** `classifier.embedTexts`: one normalized (ensemble-averaged) embedding per label. */
  embedTexts: (labels: string[], opts: TemplateOptions) => Promise<Float32Array[]>;
  /** Turns template options into the template strings that are part of the key. Default: the engine's `resolveTemplates`. */
  resolveTemplates?: (opts: TemplateOptions) => string[];
  /** Redis TTL of an entry. Default 7 days. */
  ttlSeconds?: number;
  /** In-process LRU entries in front of Redis. Default 10,000. */
  memoryEntries?: number;
  /** Labels per encoder call when computing misses. Default: as many as make ~1,024 prompts (labels × templates). */
  batchSize?: number;
  /**
   * Thundering-herd guard: one worker computes a missing set under a `SET NX` lock with this TTL, kept alive
   * while it computes; the others wait for its results while the lock exists (a dead holder's lock expires
   * after this long). 0 disables. Default 10,000 ms.
   */
  lockWaitMs?: number;
  /** Longest a worker waits for another's computation before computing itself. Default 600,000 ms. */
  maxLockWaitMs?: number;
  metrics?: Metrics;
  /** Redis trouble is logged here (the labels are then encoded locally: never an error). */
  logger?: Logger;
}

type Tier = 'memory' | 'redis';

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError('INVALID_OPTION', `${name} must be an integer ≥ ${min} (got ${String(value)})`);
  }
  return value;
}

function toBytes(v: Float32Array): Buffer {
  const b = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) b.writeFloatLE(v[i] as number, i * 4);
  return b;
}

function fromBytes(b: Buffer): Float32Array | undefined {
  if (b.length === 0 || b.length % 4 !== 0) return undefined;
  const v = new Float32Array(b.length / 4);
  for (let i = 0; i < v.length; i++) {
    const x = b.readFloatLE(i * 4);
    if (!Number.isFinite(x)) return undefined;
    v[i] = x;
  }
  return v;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A run's label embeddings computed once and shared by every worker: in-process LRU → Redis
 * (`keys().textEmbedding(sha256(model id, templates, label))`, float32 LE bytes, with a TTL) → the text
 * encoder for what is still missing, in batches. Concurrent calls in one process share in-flight work;
 * across workers a short `SET NX` lock lets one compute a missing set while the others wait for it.
 */
export class SharedTextEmbeddings {
  readonly ttlSeconds: number;
  private readonly redis: Redis | Cluster;
  private readonly keys: ReturnType<typeof keys>;
  private readonly modelId: string;
  private readonly embedTexts: SharedTextEmbeddingsOptions['embedTexts'];
  private readonly resolve: (opts: TemplateOptions) => string[];
  private readonly batchSize: number | undefined;
  private readonly lockWaitMs: number;
  private readonly maxLockWaitMs: number;
  private readonly metrics: Metrics | undefined;
  private readonly log: Logger | undefined;
  private readonly memory: LRUCache<string, Float32Array>;
  private readonly inflight = new Map<string, Promise<Float32Array>>();
  private dim: number | undefined;

  constructor(opts: SharedTextEmbeddingsOptions) {
    if (typeof opts.modelId !== 'string' || opts.modelId.length === 0) {
      throw new UsageError('INVALID_OPTION', 'modelId must be a non-empty string (classifier.info.id)');
    }
    if (typeof opts.embedTexts !== 'function') {
      throw new UsageError('INVALID_OPTION', 'embedTexts must be a function (classifier.embedTexts)');
    }
    this.redis = opts.redis;
    this.keys = keys(opts.prefix ?? DEFAULT_PREFIX);
    this.modelId = opts.modelId;
    this.embedTexts = opts.embedTexts;
    this.resolve = opts.resolveTemplates ?? resolveTemplates;
    this.ttlSeconds = positiveInt('ttlSeconds', opts.ttlSeconds, 7 * 24 * 3600);
    this.batchSize = opts.batchSize === undefined ? undefined : positiveInt('batchSize', opts.batchSize, 1);
    this.lockWaitMs = positiveInt('lockWaitMs', opts.lockWaitMs, 10_000, 0);
    this.maxLockWaitMs = positiveInt('maxLockWaitMs', opts.maxLockWaitMs, 600_000, 0);
    this.metrics = opts.metrics;
    // Every tier × result exported at 0 from the start, so the dashboard's hit ratio is 0 (not "no data")
    // until the first hit.
    for (const tier of ['memory', 'redis'] as const) {
      for (const result of ['hit', 'miss']) this.metrics?.textCache.inc({ tier, result }, 0);
    }
    this.log = opts.logger;
    this.memory = new LRUCache({ max: positiveInt('memoryEntries', opts.memoryEntries, 10_000) });
  }

  /** One embedding per label, in order. */
  async getLabelEmbeddings(labels: string[], templateOpts: TemplateOptions = {}): Promise<Float32Array[]> {
    const templates = this.resolve(templateOpts);
    const hashes = labels.map((label) =>
      createHash('sha256')
        .update(JSON.stringify([this.modelId, templates, label]))
        .digest('hex'),
    );
    const out = new Array<Float32Array | undefined>(labels.length);
    const waits: Promise<void>[] = [];
    const todo = new Map<string, string>(); // hash → label, looked up in Redis by this call

    hashes.forEach((h, i) => {
      const hit = this.memory.get(h);
      this.count('memory', hit !== undefined);
      if (hit) {
        out[i] = hit;
        return;
      }
      const pending = this.inflight.get(h);
      if (pending) {
        waits.push(
          pending.then((v) => {
            out[i] = v;
          }),
        );
        return;
      }
      todo.set(h, labels[i] as string);
    });

    if (todo.size > 0) {
      const work = this.fetchOrCompute(todo, templateOpts);
      for (const h of todo.keys()) {
        const p = work.then((m) => m.get(h) as Float32Array);
        p.catch(() => {}); // the caller awaits `work`; waiters in other calls await `p`
        this.inflight.set(h, p);
      }
      try {
        const got = await work;
        hashes.forEach((h, i) => {
          const v = got.get(h);
          if (v) out[i] = v;
        });
      } finally {
        for (const h of todo.keys()) this.inflight.delete(h);
      }
    }
    await Promise.all(waits);
    return out as Float32Array[];
  }

  private count(tier: Tier, hit: boolean, n = 1): void {
    if (n > 0) this.metrics?.textCache.inc({ tier, result: hit ? 'hit' : 'miss' }, n);
  }

  private remember(h: string, v: Float32Array): boolean {
    if (this.dim === undefined) this.dim = v.length;
    if (v.length !== this.dim) return false;
    this.memory.set(h, v);
    return true;
  }

  /** Reads what Redis has for `hashes`; remembers and returns the valid entries. */
  private async readRedis(hashes: string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (hashes.length === 0) return found;
    const values = await this.redis.mgetBuffer(...hashes.map((h) => this.keys.textEmbedding(h)));
    hashes.forEach((h, i) => {
      const b = values[i];
      const v = b ? fromBytes(b) : undefined;
      if (v && this.remember(h, v)) found.set(h, v);
    });
    return found;
  }

  private async fetchOrCompute(
    todo: Map<string, string>,
    opts: TemplateOptions,
  ): Promise<Map<string, Float32Array>> {
    const templates = this.resolve(opts).length;
    const result = await this.soft('read', () => this.readRedis([...todo.keys()]), undefined);
    if (!result) return this.compute([...todo.keys()], todo, opts, templates, new Map(), undefined);
    this.count('redis', true, result.size);
    let missing = [...todo.keys()].filter((h) => !result.has(h));
    this.count('redis', false, missing.length);
    if (missing.length === 0) return result;

    const lease = this.lease(missing);
    const lock = lease && (await this.soft('lock', async () => (await lease.acquire()) && lease, undefined));
    if (lock === false) {
      // Another worker is computing this very set: wait while its lock lives, then compute what is left.
      const deadline = Date.now() + this.maxLockWaitMs;
      let delay = 25;
      let holderGone = false;
      while (missing.length > 0 && !holderGone && Date.now() < deadline) {
        await sleep(delay);
        delay = Math.min(delay * 2, 250);
        holderGone = (await this.soft('wait', () => this.redis.exists(lease!.key), 0)) === 0; // before reading: no lost update
        const got = await this.soft('read', () => this.readRedis(missing), new Map<string, Float32Array>());
        for (const [h, v] of got) result.set(h, v);
        missing = missing.filter((h) => !got.has(h));
      }
      if (missing.length === 0) return result;
    }
    return this.compute(missing, todo, opts, templates, result, lock || undefined);
  }

  /** Encodes `missing` in batches, writes each batch to Redis (best effort) and releases the lock. */
  private async compute(
    missing: string[],
    todo: Map<string, string>,
    opts: TemplateOptions,
    templates: number,
    result: Map<string, Float32Array>,
    lock: RedisLease | undefined,
  ): Promise<Map<string, Float32Array>> {
    const keepAlive = lock?.keepAlive();
    const perBatch = this.batchSize ?? Math.max(1, Math.floor(1024 / Math.max(1, templates)));
    try {
      for (let i = 0; i < missing.length; i += perBatch) {
        const batch = missing.slice(i, i + perBatch);
        const vectors = await this.embedTexts(
          batch.map((h) => todo.get(h) as string),
          opts,
        );
        if (vectors.length !== batch.length) {
          throw new Error(`embedTexts returned ${vectors.length} embeddings for ${batch.length} labels`);
        }
        const write = this.redis.multi();
        batch.forEach((h, j) => {
          const v = vectors[j] as Float32Array;
          this.remember(h, v);
          result.set(h, v);
          write.set(this.keys.textEmbedding(h), toBytes(v), 'EX', this.ttlSeconds);
        });
        await this.soft('write', () => write.exec(), null);
      }
    } finally {
      keepAlive?.stop();
      await lock?.release().catch(() => {});
    }
    return result;
  }

  /** Redis is a cache here: a failure is logged and replaced by `fallback`, never surfaced. */
  private async soft<T, F>(what: string, fn: () => Promise<T>, fallback: F): Promise<T | F> {
    try {
      return await fn();
    } catch (err) {
      this.log?.warn(
        { err: (err as Error).message, op: what },
        'text-embedding cache: Redis failed; encoding locally',
      );
      return fallback;
    }
  }

  /** The lease under which one worker computes this set of labels (undefined when locking is off). */
  private lease(hashes: string[]): RedisLease | undefined {
    if (this.lockWaitMs === 0) return undefined;
    const id = createHash('sha256')
      .update([...hashes].sort().join(','))
      .digest('hex');
    return new RedisLease(this.redis, `${this.keys.textEmbedding(id)}:lock`, this.lockWaitMs);
  }
}
