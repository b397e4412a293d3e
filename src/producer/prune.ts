import { type ProducerContext, type ProducerDeps, withContext } from './deps.js';

export interface PruneOptions {
  /** Remove finished runs that ended more than this long ago (ms); default: the run retention (30 days). */
  olderThanMs?: number;
  now?: number;
}

export interface PruneReport {
  olderThanMs: number;
  /** Finished runs whose Redis records were deleted. */
  runs: number;
  /** Run-index entries of runs whose records had already expired. */
  staleIndexEntries: number;
  /** Stored-embedding index fields pointing into runs that no longer have a record. */
  embeddingIndexEntries: number;
  /** Incremental ETag maps of schedules that no longer exist. */
  scheduleEtagMaps: number;
}

const SCAN_COUNT = 1_000;

/**
 * `zeroshot runs prune`: bounds what Redis keeps. Finished run records older than the cutoff (TTL does
 * it too: ZEROSHOT_RUN_RETENTION), stale run-index entries, stored-embedding index entries whose run is
 * gone (the pack files stay in storage; those images are embedded again next time), and the ETag maps of
 * removed schedules. Running runs and live schedules are never touched.
 */
export async function pruneRuns(opts: PruneOptions = {}, deps?: ProducerDeps): Promise<PruneReport> {
  return withContext(deps, async (ctx) => {
    const olderThanMs = opts.olderThanMs ?? ctx.runs.retentionMs;
    const runs = await ctx.runs.prune(olderThanMs, opts.now);
    return {
      olderThanMs,
      ...runs,
      embeddingIndexEntries: await pruneEmbeddingIndexes(ctx),
      scheduleEtagMaps: await pruneScheduleEtags(ctx),
    };
  });
}

type Scanner = Pick<ProducerContext['redis'], 'scan'>;

/** Keys matching `pattern`; on Redis Cluster every master is scanned (SCAN is per node). */
async function scanKeys(ctx: ProducerContext, pattern: string): Promise<string[]> {
  const cluster = ctx.redis as unknown as { nodes?: (role: 'master') => Scanner[] };
  const nodes: Scanner[] = typeof cluster.nodes === 'function' ? cluster.nodes('master') : [ctx.redis];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      for (const k of batch) found.add(k);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}

/** `…/<runId>/embeddings/part-000001.f16#12` → runId (see src/runs/output-layout.ts). */
function packRunId(location: string): string | undefined {
  const parts = location.split('#')[0]?.split('/') ?? [];
  return parts.length >= 3 ? parts[parts.length - 3] : undefined;
}

async function pruneEmbeddingIndexes(ctx: ProducerContext): Promise<number> {
  const alive = new Map<string, boolean>();
  const runExists = async (runId: string) => {
    let ok = alive.get(runId);
    if (ok === undefined) {
      ok = await ctx.runs.exists(runId);
      alive.set(runId, ok);
    }
    return ok;
  };
  let removed = 0;
  for (const key of await scanKeys(ctx, ctx.keys.embeddingIndex('*'))) {
    let cursor = '0';
    do {
      const [next, flat] = await ctx.redis.hscan(key, cursor, 'COUNT', SCAN_COUNT);
      const dead: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const runId = packRunId(flat[i + 1] as string);
        if (!runId || !(await runExists(runId))) dead.push(flat[i] as string);
      }
      if (dead.length > 0) removed += await ctx.redis.hdel(key, ...dead);
      cursor = next;
    } while (cursor !== '0');
  }
  return removed;
}

async function pruneScheduleEtags(ctx: ProducerContext): Promise<number> {
  const names = new Set(await ctx.redis.hkeys(ctx.keys.schedules()));
  const pattern = ctx.keys.scheduleEtags('*');
  const [head, tail] = pattern.split('*') as [string, string];
  let removed = 0;
  for (const key of await scanKeys(ctx, pattern)) {
    const name = key.slice(head.length, key.length - tail.length);
    if (!names.has(name)) removed += await ctx.redis.del(key);
  }
  return removed;
}
