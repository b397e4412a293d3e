import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DelayedError, type Job, WaitingChildrenError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type ChunkPayload, QUEUES, redisOptions } from '../../src/jobs/index.js';
import { RunStore } from '../../src/runs/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import { CLI } from '../support/fixtures.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

/** A temp directory with files at the given relative paths (content: the path itself). */
export function makeTree(files: string[]): { dir: string; uri: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-producer-'));
  for (const rel of files) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, rel);
  }
  return {
    dir,
    uri: `${pathToFileURL(dir).href}/`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type Tree = ReturnType<typeof makeTree>;

/** What redisSuite() gives a describe(): filled in by its before() hook. */
export interface RedisSuite {
  server: RedisServerHandle;
  redis: Redis;
  /** makeTree, removed again in after(). */
  tree(files: string[]): Tree;
}

/** Registers before/after hooks: a private redis-server and a client to it; after() also removes every tree(). */
export function redisSuite(): RedisSuite {
  const trees: Tree[] = [];
  const ctx = {
    tree: (files: string[]) => {
      const t = makeTree(files);
      trees.push(t);
      return t;
    },
  } as RedisSuite;
  before(async () => {
    ctx.server = await startRedisServer();
    ctx.redis = new Redis(ctx.server.url);
  });
  after(async () => {
    ctx.redis.disconnect();
    await ctx.server.stop();
    for (const t of trees) t.cleanup();
  });
  return ctx;
}

/** Every key under a prefix (to check that nothing was written). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  return redis.keys(`${prefix}*`);
}

export interface FakeWorkerOptions {
  redisUrl: string;
  prefix: string;
  /** Chunk indices that fail (always, so they exhaust their attempts). */
  failChunks?: (runId: string, index: number) => boolean;
  /** Delay per chunk in ms. */
  chunkDelayMs?: number;
}

/**
 * A tiny but real BullMQ worker that plays the part of `src/worker`: chunk jobs record their progress
 * (`done,failed` per chunk) or fail; the finalize job follows the run lifecycle contract (wait until
 * sealed, wait for pending children, then state=completed|cancelled with a summary).
 */
export function startFakeWorker(opts: FakeWorkerOptions) {
  const redis = new Redis(redisOptions(opts.redisUrl));
  const runs = new RunStore(redis, opts.prefix);
  const connection = redisOptions(opts.redisUrl, { blocking: true });
  const processedChunks: string[] = [];
  const chunkWorker = new Worker(
    QUEUES.chunks,
    async (job: Job<ChunkPayload>) => {
      const { runId, index, images } = job.data;
      if (opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
      if ((await runs.state(runId)) === 'cancelled') return { cancelled: true };
      if (opts.failChunks?.(runId, index)) throw new Error(`injected failure in chunk ${index}`);
      await runs.markStarted(runId);
      await runs.setChunkProgress(runId, index, images.length, 0);
      processedChunks.push(job.id as string);
      return { ok: images.length };
    },
    { connection: connection as never, prefix: opts.prefix, concurrency: 4 },
  );
  const finalizeWorker = new Worker(
    QUEUES.runs,
    async (job: Job, token?: string) => {
      const runId = (job.data as { runId: string }).runId;
      const run = await runs.require(runId);
      if (!run.sealed && run.state !== 'cancelled') {
        await job.moveToDelayed(Date.now() + 100, token);
        throw new DelayedError();
      }
      const pending = await job.getDependenciesCount({ unprocessed: true });
      if ((pending.unprocessed ?? 0) > 0 && token && (await job.moveToWaitingChildren(token))) {
        throw new WaitingChildrenError();
      }
      const failed = Object.keys(await job.getIgnoredChildrenFailures()).length;
      const state = run.state === 'cancelled' ? 'cancelled' : 'completed';
      const summary = { runId, state, chunks: { total: run.chunks, failed } };
      await runs.complete(runId, state, JSON.stringify(summary), new Date().toISOString());
      return summary;
    },
    { connection: connection as never, prefix: opts.prefix, concurrency: 2 },
  );
  // Quiet: injected failures are expected.
  chunkWorker.on('error', () => {});
  finalizeWorker.on('error', () => {});
  return {
    processedChunks,
    async close() {
      await Promise.all([chunkWorker.close(), finalizeWorker.close()]);
      redis.disconnect();
    },
  };
}

export async function until(cond: () => Promise<boolean>, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/zeroshot.js` as a child process (the built CLI) with extra environment variables. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ZEROSHOT_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Maps over items with at most `limit` running at once (CLI spawns: a few in parallel, not all). */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** The real storage backends whose listing awaits `hook` before yielding key number `at` (1-based). */
export function hookedListing(at: number, hook: () => Promise<void>): Storage {
  const real = createStorage();
  return {
    ...real,
    list: async function* (uri, o) {
      let i = 0;
      for await (const obj of real.list(uri, o)) {
        if (++i === at) await hook();
        yield obj;
      }
    },
    get: real.get.bind(real),
    head: real.head.bind(real),
    put: real.put.bind(real),
    delete: real.delete.bind(real),
    close: real.close.bind(real),
  };
}
