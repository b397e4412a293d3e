import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { type ConnectionOptions, FlowProducer, Queue } from 'bullmq';
import { Registry } from 'prom-client';
import {
  type ChunkImage,
  createRedis,
  JOB_NAMES,
  jobIds,
  PAYLOAD_VERSION,
  QUEUES,
  type RunSpec,
  redisOptions,
} from '../../src/jobs/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { RunStore } from '../../src/runs/index.js';
import { type RunningWorker, type StartWorkerOptions, startWorker } from '../../src/worker/index.js';
import { PHOTO_CORPUS_SIZE, photoCorpus, stagePhotos, TINY_MODEL_DIR } from '../support/fixtures.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tempDir(name: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `zeroshot-${name}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** file:// URIs of the photo corpus (PHOTO_CORPUS_SIZE staged fixture photos), sorted. */
export function samplePhotos(): string[] {
  return photoCorpus().map((f) => `file://${f}`);
}

/** Writes `copies` × PHOTO_CORPUS_SIZE photos under `dir`/images/ (distinct names); returns their file:// URIs. */
export function copySampleImages(dir: string, copies: number): string[] {
  return stagePhotos(path.join(dir, 'images'), copies * PHOTO_CORPUS_SIZE).map((f) => `file://${f}`);
}

export const connection = (redisUrl: string) =>
  redisOptions(redisUrl, { blocking: true }) as ConnectionOptions;

export interface DirectRun {
  runId: string;
  redisUrl: string;
  prefix: string;
  output: string;
  images: Array<string | ChunkImage>;
  labels?: string[];
  chunkSize?: number;
  attempts?: number;
  backoffMs?: number;
  sealed?: boolean;
  state?: 'running' | 'cancelled';
  spec?: Partial<RunSpec>;
}

/**
 * Creates a run exactly as the contract in docs/ARCHITECTURE.md describes (run hash + one BullMQ flow of a
 * finalize parent and chunk children with ignoreDependencyOnFailure), without the producer: lets worker
 * tests build precise situations (unsealed runs, odd payloads).
 */
export async function createRunDirect(r: DirectRun): Promise<{ chunks: ChunkImage[][] }> {
  const chunkSize = r.chunkSize ?? 16;
  const chunks: ChunkImage[][] = [];
  for (let i = 0; i < r.images.length; i += chunkSize) {
    chunks.push(r.images.slice(i, i + chunkSize).map((im) => (typeof im === 'string' ? { uri: im } : im)));
  }
  const spec: RunSpec = {
    v: PAYLOAD_VERSION,
    runId: r.runId,
    labels: r.labels ?? ['a dog', 'a cat', 'a car', 'a bird'],
    mode: 'softmax',
    output: r.output,
    source: ['test'],
    createdAt: new Date().toISOString(),
    incremental: false,
    storeEmbeddings: false,
    reuseEmbeddings: false,
    ...r.spec,
  };
  const redis = createRedis(r.redisUrl);
  const runs = new RunStore(redis, r.prefix);
  await runs.create(spec, { output: r.output });
  await runs.setCounts(r.runId, chunks.length, r.images.length, r.sealed !== false);
  if (r.state === 'cancelled') await runs.cancel(r.runId);
  await redis.quit();
  const flow = new FlowProducer({ connection: connection(r.redisUrl), prefix: r.prefix });
  await flow.add({
    name: JOB_NAMES.finalize,
    queueName: QUEUES.runs,
    data: { v: PAYLOAD_VERSION, runId: r.runId },
    opts: { jobId: jobIds.run(r.runId), attempts: 5 },
    children: chunks.map((images, index) => ({
      name: JOB_NAMES.chunk,
      queueName: QUEUES.chunks,
      data: { v: PAYLOAD_VERSION, runId: r.runId, index, images },
      opts: {
        jobId: jobIds.chunk(r.runId, index),
        attempts: r.attempts ?? 3,
        backoff: { type: 'exponential', delay: r.backoffMs ?? 200 },
        ignoreDependencyOnFailure: true,
      },
    })),
  });
  await flow.close();
  return { chunks };
}

export function openQueue(redisUrl: string, prefix: string, name: string = QUEUES.chunks): Queue {
  return new Queue(name, { connection: connection(redisUrl), prefix });
}

/** Waits for `<outputDir>/<runId>/_SUMMARY.json` and returns it parsed. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked field by field by the tests
export async function waitForSummary(outputDir: string, runId: string, timeoutMs = 45_000): Promise<any> {
  const file = path.join(outputDir, runId, '_SUMMARY.json');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {}
    if (Date.now() > deadline) throw new Error(`no ${file} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Every result line of a run in a file:// output, by part file. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines
export function readParts(outputDir: string, runId: string): { parts: string[]; lines: any[] } {
  const dir = path.join(outputDir, runId);
  const parts = readdirSync(dir)
    .filter((f) => /^part-\d{6}\.jsonl$/.test(f))
    .sort();
  const lines = parts.flatMap((p) =>
    readFileSync(path.join(dir, p), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  );
  return { parts, lines };
}

/**
 * createRunDirect with a file:// output under `outputDir`, then waits for its _SUMMARY.json and reads its
 * part files.
 */
export async function completeRun(
  outputDir: string,
  r: Omit<DirectRun, 'output'>,
  timeoutMs?: number,
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked field by field by the tests
): Promise<{ summary: any; parts: string[]; lines: any[] }> {
  await createRunDirect({ ...r, output: `file://${outputDir}/` });
  const summary = await waitForSummary(outputDir, r.runId, timeoutMs);
  return { summary, ...readParts(outputDir, r.runId) };
}

/** Asserts-friendly: image URI → occurrences. */
export function countByImage(lines: Array<{ image: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.image, (m.get(l.image) ?? 0) + 1);
  return m;
}

/**
 * startWorker on the tiny model, CPU only, with no metrics port, scheduler or queue exporter, its own
 * registry, and a logger that is silent unless ZEROSHOT_LOG_LEVEL says otherwise; `opts` override any of it.
 */
export function startTestWorker(opts: StartWorkerOptions): RunningWorker {
  return startWorker({
    env: {},
    model: TINY_MODEL_DIR,
    providers: ['cpu'],
    metricsPort: 0,
    scheduler: false,
    queueExporter: false,
    registry: new Registry(),
    logger: createLogger({}, { ZEROSHOT_LOG_LEVEL: process.env.ZEROSHOT_LOG_LEVEL ?? 'silent' }),
    ...opts,
  });
}

/** What workerSuite() gives a describe(): filled in by its before() hook. */
export interface WorkerSuite {
  redis: RedisServerHandle;
  /** A temp directory, removed in after(). */
  dir: string;
  worker: RunningWorker;
}

/**
 * Registers before/after hooks (60 s each): a private redis-server, a temp dir and startTestWorker on
 * `prefix` with `options`; after() closes them in reverse. The caller's own before() hooks run after these.
 */
export function workerSuite(
  name: string,
  prefix: string,
  options: Omit<StartWorkerOptions, 'redisUrl' | 'queuePrefix'> = {},
): WorkerSuite {
  const ctx = {} as WorkerSuite;
  before(
    async () => {
      ctx.redis = await startRedisServer();
      ctx.dir = tempDir(name);
      ctx.worker = startTestWorker({ redisUrl: ctx.redis.url, queuePrefix: prefix, ...options });
      await ctx.worker.ready;
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await ctx.worker?.close({ timeoutMs: 5_000 });
      await ctx.redis?.stop();
      removeDir(ctx.dir);
    },
    { timeout: 60_000 },
  );
  return ctx;
}
