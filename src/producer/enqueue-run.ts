import { UsageError, ZeroshotError } from '../core/errors/index.js';
import { int } from '../core/options.js';
import type { RunSpec } from '../jobs/index.js';
import {
  type ChunkImage,
  type ChunkPayload,
  chunkImageSchema,
  chunkPayloadSchema,
  finalizePayloadSchema,
  JOB_NAMES,
  jobIds,
  PAYLOAD_VERSION,
  QUEUES,
} from '../jobs/index.js';
import { logger } from '../observability/logger.js';
import { DEFAULT_PRODUCER_LEASE_MS, runSpecOf, specDifferences } from '../runs/index.js';
import { waitForRoom } from './backpressure.js';
import { removePendingChunks } from './cancel-run.js';
import { batched, chunked } from './chunker.js';
import { type ProducerContext, type ProducerDeps, withContext } from './deps.js';
import { changedImages, recordEtags } from './incremental.js';
import { chunkJobOptions, finalizeJobOptions } from './job-options.js';
import { readManifest } from './manifest.js';
import { ENQUEUE_DEFAULTS, type EnqueueOptions, parseEnqueueOptions } from './options.js';
import { chunkQueue, closeAll, flowProducer, runsQueueKey } from './queues.js';
import { newRunId } from './run-id.js';
import { buildRunSpec } from './run-spec.js';
import { imageStream } from './sources.js';
import { checkOutputBucket, checkOutputUri, checkSourceUri, checkUri } from './uris.js';

export interface EnqueueResult {
  runId: string;
  /** Chunk jobs of the run (for an existing run: its recorded count). */
  chunks: number;
  images: number;
  /** false when the run id already existed (nothing was added) or an incremental firing found nothing new. */
  created: boolean;
  /** Incremental schedules: images skipped because their ETag did not change. */
  unchanged?: number;
}

/** Chunks per Redis round trip (the first group goes in the flow with the parent). */
const CHUNKS_PER_BATCH = 32;

/**
 * Creates a run: validates everything, writes the RunSpec once into the run hash, then streams the
 * images into chunk jobs under one `finalize` parent and seals the run (`sealed=1`, `chunks`, `images`).
 * Nothing reaches Redis before every option, label, URI and manifest line has been checked.
 */
export async function enqueueRun(options: EnqueueOptions, deps?: ProducerDeps): Promise<EnqueueResult> {
  const opts = parseEnqueueOptions(options);
  const now = new Date();
  const runId = opts.runId ?? newRunId(now);
  const output = checkOutputUri(opts.output);
  const sources = (opts.sources ?? []).map((s, i) => checkSourceUri(s, `source #${i + 1}`).uri);
  if (opts.manifest) checkUri(opts.manifest, '--manifest');
  const described = [...sources, ...(opts.manifest ? [`manifest:${opts.manifest}`] : [])];
  const spec = await buildRunSpec(opts, runId, output, described, now);
  const chunkSize = opts.chunkSize ?? ENQUEUE_DEFAULTS.chunkSize;

  return withContext(deps, async (ctx) => {
    const storage = await ctx.storage();
    if (opts.manifest) {
      // Validation pass: a bad line must be reported before anything is enqueued.
      for await (const _ of readManifest(storage, opts.manifest));
    }
    await checkOutputBucket(storage, output);
    const leaseMs = producerLeaseMs(ctx.env);
    const existing = await existingRun(ctx, spec);
    if (existing) return existing;

    let unchanged = 0;
    const log = logger().child({ runId });
    let images: AsyncIterable<ChunkImage> = validImages(
      imageStream(storage, { ...opts, sources, ...(opts.manifest ? { manifest: opts.manifest } : {}) }),
      (uri, why) => log.warn({ uri, why }, 'skipping a listed object whose URI cannot be enqueued'),
    );
    const etagsKey = opts.incremental && opts.schedule ? ctx.keys.scheduleEtags(opts.schedule) : undefined;
    if (etagsKey) images = changedImages(ctx.redis, etagsKey, storage, images, () => unchanged++);
    const groups = batched(chunked(images, chunkSize), CHUNKS_PER_BATCH)[Symbol.asyncIterator]();

    const first = await groups.next();
    if (first.done) {
      if (etagsKey) {
        await keepEtags(ctx, etagsKey);
        return { runId, chunks: 0, images: 0, created: false, unchanged };
      }
      throw new UsageError(
        'INVALID_OPTION',
        `no images found in ${described.join(', ')} (extensions, --include/--exclude filters?)`,
      );
    }

    // Claim the run id: whoever sets `spec` first creates the run.
    if (!(await ctx.runs.create(spec, { output, schedule: opts.schedule, producerLeaseMs: leaseMs }))) {
      await groups.return?.(undefined);
      return (await existingRun(ctx, spec)) ?? { runId, chunks: 0, images: 0, created: false };
    }
    // Held until the run is sealed: if this process dies, the lease lapses and finalize fails the run.
    const lease = ctx.runs.producerLease(runId, leaseMs);
    await lease.acquire();
    const alive = lease.keepAlive(() => log.warn({ leaseMs }, 'producer lease lost while enqueuing'));

    const jobOpts = chunkJobOptions(opts);
    const flow = flowProducer(ctx);
    const queue = chunkQueue(ctx);
    let chunks = 0;
    let total = 0;
    // Every payload goes through the same zod schema the worker applies (images were checked one by one
    // already; this guards the envelope).
    const payload = (imgs: ChunkImage[]): ChunkPayload =>
      chunkPayloadSchema.parse({ v: PAYLOAD_VERSION, runId, index: chunks++, images: imgs });
    try {
      let group: ChunkImage[][] | undefined = first.value;
      let isFirst = true;
      while (group) {
        const jobs = group.map(payload);
        const count = jobs.reduce((n, j) => n + j.images.length, 0);
        if (isFirst) {
          await flow.add({
            name: JOB_NAMES.finalize,
            queueName: QUEUES.runs,
            data: finalizePayloadSchema.parse({ v: PAYLOAD_VERSION, runId }),
            opts: finalizeJobOptions(jobIds.run(runId)),
            children: jobs.map((data) => ({
              name: JOB_NAMES.chunk,
              queueName: QUEUES.chunks,
              data,
              opts: { ...jobOpts, jobId: jobIds.chunk(runId, data.index) },
            })),
          });
          isFirst = false;
        } else {
          const parent = { id: jobIds.run(runId), queue: runsQueueKey(ctx.prefix) };
          await queue.addBulk(
            jobs.map((data) => ({
              name: JOB_NAMES.chunk,
              data,
              opts: { ...jobOpts, jobId: jobIds.chunk(runId, data.index), parent },
            })),
          );
        }
        total += count;
        if (etagsKey)
          await recordEtags(
            ctx.redis,
            etagsKey,
            jobs.flatMap((j) => j.images),
          );
        await ctx.runs.setCounts(runId, chunks, total);
        const ended = await waitForRoom(
          ctx,
          runId,
          opts.maxPendingChunks ?? ENQUEUE_DEFAULTS.maxPendingChunks,
          log,
        );
        if (ended === 'cancelled') {
          log.info({ chunks }, 'run cancelled while enqueuing: listing stopped');
          await groups.return?.(undefined);
          break;
        }
        if (ended || alive.lost) {
          await groups.return?.(undefined);
          throw new ZeroshotError(
            'RUN_PRODUCER_LOST',
            `run ${runId} was failed while this producer was still enqueuing: its lease ` +
              `(ZEROSHOT_PRODUCER_LEASE_MS=${leaseMs}) lapsed (Redis unreachable, or the process paused?); ` +
              `it ends with the ${chunks} chunks enqueued before`,
          );
        }
        const next = await groups.next();
        group = next.done ? undefined : next.value;
      }
      // Sealed: the finalize job may now write the summary once every chunk has ended.
      await ctx.runs.setCounts(runId, chunks, total, true);
      log.info({ chunks, images: total, unchanged }, 'run enqueued');
      if (etagsKey) await keepEtags(ctx, etagsKey);
      return { runId, chunks, images: total, created: true, ...(etagsKey ? { unchanged } : {}) };
    } catch (err) {
      // A listing or Redis failure half-way: cancel what was enqueued and seal, so the run ends (as
      // cancelled) instead of waiting forever for chunks that will never come.
      if ((await ctx.runs.state(runId).catch(() => undefined)) !== 'failed') {
        log.error({ err, chunks }, 'enqueue failed part-way; cancelling the run');
        await abandon(ctx, runId, chunks, total, err).catch((e) =>
          log.error({ err: e }, 'could not cancel the run'),
        );
      }
      throw err;
    } finally {
      alive.stop();
      await lease.release().catch(() => false);
      await closeAll(flow, queue);
    }
  });
}

/**
 * An incremental schedule's ETag map lives as long as run records after its last firing
 * (ZEROSHOT_RUN_RETENTION): a schedule that stopped firing leaves nothing behind for ever.
 */
async function keepEtags(ctx: ProducerContext, etagsKey: string): Promise<void> {
  if (ctx.runs.retentionMs > 0) await ctx.redis.pexpire(etagsKey, ctx.runs.retentionMs);
}

/** `ZEROSHOT_PRODUCER_LEASE_MS`: how long a run may go unsealed without news from its producer. */
function producerLeaseMs(env: NodeJS.ProcessEnv): number {
  const raw = env.ZEROSHOT_PRODUCER_LEASE_MS;
  if (raw === undefined || raw === '') return DEFAULT_PRODUCER_LEASE_MS;
  return int(1_000, 86_400_000)(raw, 'ZEROSHOT_PRODUCER_LEASE_MS');
}

/**
 * The run already created under `spec.runId`, when there is one: the same spec again is idempotent
 * (`created: false`), another spec is RUN_ID_CONFLICT naming the fields that differ (exit status 2).
 */
async function existingRun(ctx: ProducerContext, spec: RunSpec): Promise<EnqueueResult | undefined> {
  const { runId } = spec;
  const run = await ctx.runs.load(runId);
  if (!run) return undefined;
  let stored: RunSpec | undefined;
  try {
    stored = runSpecOf(run);
  } catch {
    stored = undefined;
  }
  const differ = stored ? specDifferences(stored, spec) : ['spec'];
  if (differ.length > 0) {
    throw new UsageError(
      'RUN_ID_CONFLICT',
      `run id ${JSON.stringify(runId)} is already taken by a run with a different ${differ.join(', ')}; ` +
        'a run id means one run: choose another --run-id (or repeat the exact same options to attach to it)',
    );
  }
  return { runId, chunks: run.chunks, images: run.images, created: false };
}

async function* validImages(
  images: AsyncIterable<ChunkImage>,
  onSkip: (uri: string, why: string) => void,
): AsyncGenerator<ChunkImage> {
  for await (const img of images) {
    const res = chunkImageSchema.safeParse(img);
    if (res.success) yield res.data;
    else onSkip(img.uri, res.error.issues[0]?.message ?? 'invalid');
  }
}

async function abandon(ctx: ProducerContext, runId: string, chunks: number, images: number, err: unknown) {
  await ctx.runs.cancel(runId, `enqueue failed: ${(err as Error)?.message ?? String(err)}`);
  await removePendingChunks(ctx, runId);
  await ctx.runs.setCounts(runId, chunks, images, true);
}
