// `npm run bench`: the whole product on this machine — producer → Redis (BullMQ) → worker processes → S3 —
// with the ViT-B/32-shaped stand-in model, a private redis-server and s3rver. In one run: the machine's
// bounds (decode alone, vision alone, 1/(t_decode + t_infer)), transformers.js on the same files, end-to-end
// images/s, 1 vs 2 workers, batch size, max-wait, chunk size, label-set size, re-labeling with
// --reuse-embeddings, and a soak with the worker's RSS sampled. Prints a table and writes
// bench/results/<date>.json and <date>.svg.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ImagePreprocessor, loadModelSpec, VisionEncoder } from '../src/core/index.js';
import { cpuBound, measureDecode, measureVision, preparedBatch } from './support/bounds.js';
import { type RunMeasure, runEnqueue, type Via } from './support/enqueue-run.js';
import { machineInfo } from './support/machine.js';
import { DEFAULT_BENCH_MODEL, intListOption, intOption } from './support/options.js';
import { PeerServer } from './support/peer.js';
import { loadPhotos, makeLabels, PHOTOS_DIR } from './support/photos.js';
import { stamp, writeResult } from './support/results.js';
import { judgeRss, type RssVerdict, startRssSampler, thin } from './support/rss.js';
import { BenchBucket } from './support/s3-bucket.js';
import { type BenchServices, startServices } from './support/services.js';
import { type Bar, barChartSvg } from './support/svg-chart.js';
import { formatTable } from './support/table.js';
import { median, round } from './support/timing.js';
import {
  startWorkers,
  stopWorkers,
  type WorkerProcess,
  type WorkerSettings,
  workersCpuMs,
} from './support/worker-process.js';

const SCENARIOS = ['peer', 'baseline', 'scaling', 'batch', 'maxwait', 'chunk', 'labels', 'soak'] as const;
type ScenarioGroup = (typeof SCENARIOS)[number];

const HELP = `usage: node dist/bench/e2e.js [options]
  --model DIR            model directory (default .cache/models/clip-b32-stand-in)
  --quick                short smoke run (small image counts, fewer settings)
  --images N             images in the headline run (default 392 = 49 photos × 8; quick 98)
  --sweep-images N       images per sweep run: batch, max-wait, chunk, labels, scaling (default 196; quick 49)
  --soak-images N        images in the soak / re-labeling first pass (default 10000; quick 196)
  --batch-sizes LIST     worker --batch-size values (default 1,8,32; quick 1,32)
  --max-waits LIST       worker --max-wait-ms values with batch 32 (default 0,10,100; quick 0,100)
  --chunk-sizes LIST     enqueue --chunk-size values (default 16,64,256; quick 16)
  --label-counts LIST    label-set sizes (default 10,100,1000; quick 10,100)
  --via api|cli          submit runs with the producer API in this process (default) or with
                         \`zeroshot enqueue ... --wait --json\` child processes
  --gpus N               baseline with workers spread over N GPUs (worker i: CUDA_VISIBLE_DEVICES=i mod N)
  --workers-per-gpu K    with --gpus: K workers per GPU (default 1)
  --repeat N             baseline (headline) runs, each with its own bound probes (default 3; quick 1)
  --only LIST            run only these groups: ${SCENARIOS.join(',')}
  --out NAME             results name under bench/results (default <date>)`;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    quick: { type: 'boolean', default: false },
    images: { type: 'string' },
    'sweep-images': { type: 'string' },
    'soak-images': { type: 'string' },
    'batch-sizes': { type: 'string' },
    'max-waits': { type: 'string' },
    'chunk-sizes': { type: 'string' },
    'label-counts': { type: 'string' },
    only: { type: 'string' },
    repeat: { type: 'string' },
    gpus: { type: 'string' },
    'workers-per-gpu': { type: 'string' },
    via: { type: 'string', default: 'api' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const quick = values.quick;
const modelDir = values.model ?? DEFAULT_BENCH_MODEL;
const mainImages = intOption('images', values.images, quick ? 98 : 392);
const sweepImages = intOption('sweep-images', values['sweep-images'], quick ? 49 : 196);
const soakImages = intOption('soak-images', values['soak-images'], quick ? 196 : 10_000);
const batchSizes = intListOption('batch-sizes', values['batch-sizes'], quick ? [1, 32] : [1, 8, 32]);
const maxWaits = values['max-waits']
  ? values['max-waits'].split(',').map((v) => intOption('max-waits', v, 0, 0))
  : quick
    ? [0, 100]
    : [0, 10, 100];
const chunkSizes = intListOption('chunk-sizes', values['chunk-sizes'], quick ? [16] : [16, 64, 256]);
const labelCounts = intListOption(
  'label-counts',
  values['label-counts'],
  quick ? [10, 100] : [10, 100, 1000],
);
const repeat = intOption('repeat', values.repeat, quick ? 1 : 3);
const gpus = values.gpus === undefined ? undefined : intOption('gpus', values.gpus, 1);
const workersPerGpu = intOption('workers-per-gpu', values['workers-per-gpu'], 1);
const only = new Set<string>(values.only ? values.only.split(',').map((s) => s.trim()) : SCENARIOS);
for (const g of only) {
  if (!(SCENARIOS as readonly string[]).includes(g))
    throw new Error(`--only: unknown group ${g} (${SCENARIOS.join(', ')})`);
}
const wants = (g: ScenarioGroup) => only.has(g);
if (values.via !== 'api' && values.via !== 'cli') throw new Error('--via must be api or cli');
const via: Via = values.via;

const log = (msg: string) =>
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const startedAt = new Date();
const tag = stamp(startedAt).replace(/[^A-Za-z0-9]/g, '');
const cores = os.availableParallelism();
const machineBefore = machineInfo();
const photos = loadPhotos();

// ---------------------------------------------------------------------------------------------------------
// 1. Bounds, in this process, before any worker starts (the parts alone on the whole machine)
log(`bounds: decode and vision alone (${modelDir})`);
const spec = await loadModelSpec(modelDir);
const imageSize = spec.preprocess.imageSize;
const pre = new ImagePreprocessor(spec.preprocess, { resize: 'exact' });
const decode = [];
for (const concurrency of [...new Set([1, cores, cores * 2])]) {
  decode.push(await measureDecode(pre, photos, { concurrency, passes: quick ? 1 : 3, imageSize }));
}
const vision = await VisionEncoder.create(spec);
const visionResults = [];
for (const b of quick ? [8] : [1, 8, 32]) {
  const pixels = await preparedBatch(pre, photos, b, imageSize);
  visionResults.push(
    await measureVision(
      vision,
      pixels,
      b,
      quick ? { minMs: 1_000, minIterations: 2 } : { minMs: 4_000, minIterations: 3 },
    ),
  );
}
const provider = vision.provider;
const bound = cpuBound(decode, visionResults);
log(
  `decode ${round(bound.decodeImagesPerSecond, 1)} img/s, vision ${round(bound.visionImagesPerSecond, 1)} img/s (batch ${bound.bestBatchSize}), bound ${round(bound.imagesPerSecond, 2)} img/s`,
);

// 2. The peer, alone on the machine; it stays loaded so it can run again next to the headline run
let peerServer: PeerServer | undefined;
let peer:
  | (Record<string, unknown> & { passes: PeerPass[]; imagesPerSecond?: number; cpuMsPerImage?: number })
  | { error: string }
  | undefined;
if (wants('peer')) {
  log('transformers.js peer');
  try {
    const started = await PeerServer.start({ model: modelDir, images: PHOTOS_DIR, labels: makeLabels(10) });
    peerServer = started.server;
    const passes: PeerPass[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) passes.push(await peerPass());
    peer = { ...started.ready, passes };
  } catch (err) {
    peer = { error: (err as Error).message };
    log(`peer failed: ${peer.error}`);
  }
}
interface PeerPass {
  imagesPerSecond: number;
  cpuMsPerImage: number;
}
async function peerPass(): Promise<PeerPass> {
  const r = await peerServer!.pass();
  return { imagesPerSecond: (photos.length * 1000) / r.ms, cpuMsPerImage: r.cpuMs / photos.length };
}

/** The bound again, right now: one decode pass and ≥ 32 images (quick: 16) of inference at the best batch size. */
const probePixels = await preparedBatch(pre, photos, bound.bestBatchSize, imageSize);
const probeDecodeConcurrency = decode.reduce((a, b) =>
  b.imagesPerSecond > a.imagesPerSecond ? b : a,
).concurrency;
async function probeBound(): Promise<{ bound: number; decode: number }> {
  const d = await measureDecode(pre, photos, {
    concurrency: probeDecodeConcurrency,
    passes: 1,
    imageSize,
    warmup: 0,
  });
  const v = await measureVision(vision, probePixels, bound.bestBatchSize, {
    minMs: 0,
    minIterations: Math.max(1, Math.ceil((quick ? 16 : 32) / bound.bestBatchSize)),
    warmup: 0,
  });
  return { bound: 1 / (1 / d.imagesPerSecond + 1 / v.imagesPerSecond), decode: d.imagesPerSecond };
}

// ---------------------------------------------------------------------------------------------------------
// 3. The product: services, photos in S3 under many keys, worker processes, runs
interface ScenarioResult {
  group: ScenarioGroup | 'warmup';
  name: string;
  workers: number;
  worker: Omit<WorkerSettings, 'model'>;
  chunkSize?: number;
  labels: number;
  run?: RunMeasure;
  /** CPU ms the worker processes spent per image during the run (Redis, S3 and the producer excluded). */
  workerCpuMsPerImage?: number;
  /** CPU ms per image of this bench process during the run: s3rver serving the images and taking the
   * results, and the producer (enqueue + polling). On a 2-core box it competes with the worker. */
  storageAndProducerCpuMsPerImage?: number;
  /** the bound probed right before and right after the run (mean): the run's own yardstick */
  boundNearby?: number;
  /** decode alone (no inference), probed right before and after the run: the inference-free ceiling */
  decodeBoundNearby?: number;
  /** transformers.js passes right before and after the run (headline run only) */
  peerNearby?: PeerPass[];
  error?: string;
}
const scenarios: ScenarioResult[] = [];
let soak:
  | {
      run?: RunMeasure;
      workerCpuMsPerImage?: number;
      rss?: RssVerdict;
      rssSamples?: Array<[number, number]>;
      error?: string;
    }
  | undefined;
let relabel:
  | { first?: RunMeasure; reuse?: RunMeasure; speedup?: number; workerCpuMsPerImage?: number; error?: string }
  | undefined;

let services: BenchServices | undefined;
let bucket: BenchBucket | undefined;
let live: WorkerProcess[] = [];
const cleanup = async () => {
  await peerServer?.close();
  await vision.dispose().catch(() => {});
  await stopWorkers(live);
  live = [];
  bucket?.close();
  await services?.stop();
};
process.once('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

const pct = (x: number, of: number) => `${round((x / of) * 100, 1)} %`;
const prefixes = {
  main: 'photos/main/',
  sweep: 'photos/sweep/',
  soak: 'photos/soak/',
  warmup: 'photos/warmup/',
};
const WARMUP_IMAGES = 8;
const output = () => bucket!.uri('results/');
let runCounter = 0;
const runId = (name: string) => `bench-${tag}-${String(++runCounter).padStart(2, '0')}-${name}`;

/** Starts `workers` with `settings`, does a small warm-up run, then `runs` in order; always stops them. */
async function group(
  g: ScenarioGroup,
  workers: number,
  settings: Omit<WorkerSettings, 'model'>,
  runs: RunPlan[],
  opts: { peerNearby?: boolean } = {},
) {
  log(`${g}: ${workers} worker(s) ${JSON.stringify(settings)}`);
  try {
    live = await startWorkers(workers, { model: modelDir, ...settings }, services!.env);
    await runEnqueue(
      {
        runId: runId('warmup'),
        source: bucket!.uri(prefixes.warmup),
        output: output(),
        labels: makeLabels(10),
        images: WARMUP_IMAGES,
      },
      services!.env,
      bucket!,
      via,
    );
    for (const r of runs) {
      const result: ScenarioResult = {
        group: g,
        name: r.name,
        workers,
        worker: settings,
        labels: r.labels.length,
      };
      if (r.chunkSize !== undefined) result.chunkSize = r.chunkSize;
      const before = await probeBound();
      const peerBefore = opts.peerNearby && peerServer ? await peerPass() : undefined;
      const cpu0 = workersCpuMs(live);
      const benchCpu0 = process.cpuUsage();
      try {
        result.run = await runEnqueue(
          {
            runId: runId(r.name),
            source: bucket!.uri(r.prefix),
            output: output(),
            labels: r.labels,
            chunkSize: r.chunkSize,
            images: r.images,
          },
          services!.env,
          bucket!,
          via,
        );
        result.workerCpuMsPerImage = (workersCpuMs(live) - cpu0) / r.images;
        const benchCpu = process.cpuUsage(benchCpu0);
        result.storageAndProducerCpuMsPerImage = (benchCpu.user + benchCpu.system) / 1000 / r.images;
        const peerAfter = peerBefore ? await peerPass() : undefined;
        const after = await probeBound();
        result.boundNearby = (before.bound + after.bound) / 2;
        result.decodeBoundNearby = (before.decode + after.decode) / 2;
        if (peerBefore && peerAfter) result.peerNearby = [peerBefore, peerAfter];
        log(
          `  ${r.name}: ${round(result.run.imagesPerSecond, 2)} img/s (${pct(result.run.imagesPerSecond, result.boundNearby)} of the bound ${round(result.boundNearby, 2)} around it), ${round(result.workerCpuMsPerImage, 1)} worker + ${round(result.storageAndProducerCpuMsPerImage, 1)} s3rver/producer CPU ms/img, exactly once: ${result.run.exactlyOnce}`,
        );
      } catch (err) {
        result.error = (err as Error).message;
        log(`  ${r.name} FAILED: ${result.error}`);
      }
      scenarios.push(result);
    }
  } catch (err) {
    scenarios.push({
      group: g,
      name: `${g} (setup)`,
      workers,
      worker: settings,
      labels: 0,
      error: (err as Error).message,
    });
    log(`${g} FAILED: ${(err as Error).message}`);
  } finally {
    await stopWorkers(live);
    live = [];
  }
}

interface RunPlan {
  name: string;
  prefix: string;
  images: number;
  labels: string[];
  chunkSize?: number;
}
const labels10 = makeLabels(10);
/** A sweep run: `sweepImages` images of the sweep prefix. */
const sweep = (name: string, labels = labels10, chunkSize?: number): RunPlan => ({
  name,
  prefix: prefixes.sweep,
  images: sweepImages,
  labels,
  ...(chunkSize === undefined ? {} : { chunkSize }),
});

try {
  services = await startServices();
  bucket = new BenchBucket(services);
  log(`uploading ${mainImages} + ${sweepImages} photos to ${bucket.uri('photos/')}`);
  await bucket.uploadPhotos(prefixes.main, photos, mainImages);
  await bucket.uploadPhotos(prefixes.sweep, photos, sweepImages);
  await bucket.uploadPhotos(prefixes.warmup, photos, WARMUP_IMAGES);

  if (wants('baseline')) {
    await group(
      'baseline',
      gpus ? gpus * workersPerGpu : 1,
      gpus ? { gpus } : {},
      Array.from({ length: repeat }, (_, i) => ({
        name: repeat > 1 ? `baseline-${i + 1}` : 'baseline',
        prefix: prefixes.main,
        images: mainImages,
        labels: labels10,
      })),
      {
        peerNearby: true,
      },
    );
  }
  if (wants('scaling')) {
    await group('scaling', 1, {}, [sweep('1-worker')]);
    await group('scaling', 2, {}, [sweep('2-workers')]);
    // two workers that split the cores instead of both running ORT on all of them
    const half = Math.max(1, Math.floor(cores / 2));
    await group('scaling', 2, { intraOpThreads: half }, [sweep(`2-workers-${half}-thread`)]);
  }
  if (wants('batch')) {
    for (const b of batchSizes) await group('batch', 1, { batchSize: b }, [sweep(`batch-${b}`)]);
  }
  if (wants('maxwait')) {
    for (const w of maxWaits) {
      await group('maxwait', 1, { batchSize: 32, maxWaitMs: w }, [sweep(`batch-32-maxwait-${w}`)]);
    }
  }
  if (wants('chunk')) {
    await group(
      'chunk',
      1,
      {},
      chunkSizes.map((c) => sweep(`chunk-${c}`, labels10, c)),
    );
  }
  if (wants('labels')) {
    const runs: RunPlan[] = [];
    for (const n of labelCounts) {
      // label texts unique to this size: the first run of each size is cold, the second warm (cached)
      const labels = makeLabels(n).map((l) => `${l} (set ${n})`);
      runs.push(sweep(`labels-${n}-cold`, labels), sweep(`labels-${n}-warm`, labels));
    }
    await group('labels', 1, {}, runs);
  }

  // 4. Soak (first pass with --store-embeddings) with RSS sampled, then re-labeling with --reuse-embeddings
  if (wants('soak')) {
    soak = {};
    relabel = {};
    try {
      log(`soak: uploading ${soakImages} images to ${bucket.uri(prefixes.soak)}`);
      await bucket.uploadPhotos(prefixes.soak, photos, soakImages);
      live = await startWorkers(1, { model: modelDir }, services.env);
      const worker = live[0]!;
      const sampler = startRssSampler(() => worker.rssBytes());
      let cpu0 = workersCpuMs(live);
      try {
        soak.run = await runEnqueue(
          {
            runId: runId('soak'),
            source: bucket.uri(prefixes.soak),
            output: output(),
            labels: labels10,
            storeEmbeddings: true,
            images: soakImages,
          },
          services.env,
          bucket,
          via,
        );
      } finally {
        const samples = sampler.stop();
        soak.rssSamples = thin(samples);
        // judged only for a completed soak: a run that failed early says nothing about growth
        if (soak.run) soak.rss = judgeRss(samples);
      }
      soak.workerCpuMsPerImage = (workersCpuMs(live) - cpu0) / soakImages;
      log(`soak: ${round(soak.run.imagesPerSecond, 2)} img/s, RSS ${JSON.stringify(soak.rss)}`);
      relabel.first = soak.run;
      cpu0 = workersCpuMs(live);
      relabel.reuse = await runEnqueue(
        {
          runId: runId('relabel'),
          source: bucket.uri(prefixes.soak),
          output: output(),
          labels: makeLabels(12).map((l) => `a picture of ${l}`),
          reuseEmbeddings: true,
          images: soakImages,
        },
        services.env,
        bucket,
        via,
      );
      relabel.workerCpuMsPerImage = (workersCpuMs(live) - cpu0) / soakImages;
      relabel.speedup = relabel.first.wallMs / relabel.reuse.wallMs;
      log(`re-labeling: ${round(relabel.speedup, 1)}× faster than the first pass`);
    } catch (err) {
      const msg = (err as Error).message;
      if (!soak.run) soak.error = msg;
      relabel.error = msg;
      log(`soak/relabel FAILED: ${msg}`);
    } finally {
      await stopWorkers(live);
      live = [];
    }
  }
} finally {
  await cleanup();
}

// ---------------------------------------------------------------------------------------------------------
// 5. Report
// The headline: the baseline runs (defaults, 1 worker), each compared with the bound and transformers.js
// measured right around it; the median over the repeats.
const baselines = scenarios.filter((s) => s.group === 'baseline' && s.run);
const medianOf = (xs: Array<number | undefined>) => {
  const ys = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return ys.length ? median(ys) : undefined;
};
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const peerPasses = peer && 'passes' in peer ? peer.passes : [];
if (peer && 'passes' in peer) {
  peer.imagesPerSecond = median(peerPasses.map((p) => p.imagesPerSecond));
  peer.cpuMsPerImage = median(peerPasses.map((p) => p.cpuMsPerImage));
}
const peerIps = peer && 'imagesPerSecond' in peer ? peer.imagesPerSecond : undefined;
const peerCpu = peer && 'cpuMsPerImage' in peer ? peer.cpuMsPerImage : undefined;
const ratio = (x: number | undefined, y: number | undefined) => (x && y ? x / y : undefined);
const baselineIps = medianOf(baselines.map((s) => s.run?.imagesPerSecond));
const baselineBound = medianOf(baselines.map((s) => s.boundNearby));
const baselinePeer = medianOf(baselines.map((s) => avg(s.peerNearby?.map((p) => p.imagesPerSecond) ?? [])));
const baselineToBound = medianOf(baselines.map((s) => ratio(s.run?.imagesPerSecond, s.boundNearby)));
const baselineToDecode = medianOf(baselines.map((s) => ratio(s.run?.imagesPerSecond, s.decodeBoundNearby)));
const baselineDecode = medianOf(baselines.map((s) => s.decodeBoundNearby));
const baselineToPeer = medianOf(
  baselines.map((s) => ratio(s.run?.imagesPerSecond, avg(s.peerNearby?.map((p) => p.imagesPerSecond) ?? []))),
);
const baselineCpu = medianOf(baselines.map((s) => s.workerCpuMsPerImage));
const baselineInfraCpu = medianOf(baselines.map((s) => s.storageAndProducerCpuMsPerImage));
const result = {
  bench: 'e2e',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick,
  machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
  model: { id: spec.id, dir: modelDir, provider, imageSize },
  settings: {
    via,
    repeat,
    mainImages,
    sweepImages,
    soakImages,
    batchSizes,
    maxWaits,
    chunkSizes,
    labelCounts,
  },
  bounds: { decode, vision: visionResults, cpu: bound },
  peer,
  scenarios,
  soak,
  relabel,
  ratios: {
    baselineRuns: baselines.length,
    /** median over the baseline runs of (run img/s ÷ the bound probed right before and after it) */
    baselineToNearbyBound: baselineToBound,
    baselineToStartBound: ratio(baselineIps, bound.imagesPerSecond),
    /** median over the baseline runs of (run img/s ÷ decode alone probed right before and after it): with
     * an inference-free model (the tiny one) this is the ceiling a fast GPU would leave */
    baselineToNearbyDecodeBound: baselineToDecode,
    bestToNearbyBound: Math.max(
      0,
      ...scenarios.map((s) => (s.run && s.boundNearby ? s.run.imagesPerSecond / s.boundNearby : 0)),
    ),
    baselineToNearbyPeer: baselineToPeer,
    baselineToStartPeer: ratio(baselineIps, peerIps),
    /** CPU ms per image: bound (decode + vision alone) / worker during the baseline runs */
    baselineCpuEfficiency: ratio(bound.cpuMsPerImage, baselineCpu),
    /** s3rver + producer CPU ms per image next to the worker's, during the baseline runs */
    baselineStorageAndProducerCpuMsPerImage: baselineInfraCpu,
    relabelSpeedup: relabel?.speedup,
  },
  targets: {
    e2eAtLeast90PercentOfBound: baselineToBound === undefined ? null : baselineToBound >= 0.9,
    inferenceFreeAtLeast90PercentOfDecode: baselineToDecode === undefined ? null : baselineToDecode >= 0.9,
    e2eAbovePeer: baselineToPeer === undefined ? null : baselineToPeer > 1,
    relabelAtLeast50x: relabel?.speedup === undefined ? null : relabel.speedup >= 50,
    soakNoRssGrowth: soak?.rss ? soak.rss.noGrowth : null,
    everyRunExactlyOnce:
      scenarios.every((s) => !s.run || s.run.exactlyOnce) && (soak?.run?.exactlyOnce ?? true),
  },
};

const exactly = (r: RunMeasure) =>
  r.exactlyOnce ? `yes (${r.images})` : `NO ${r.distinctImages}/${r.images} in ${r.resultLines} lines`;
const rows: Array<Array<string | number>> = [
  ['decode alone', '', '', '', '', bound.decodeImagesPerSecond, '', '', ''],
  [`vision alone (batch ${bound.bestBatchSize})`, '', '', '', '', bound.visionImagesPerSecond, '', '', ''],
  ['CPU bound 1/(t_dec+t_inf)', '', '', '', '', bound.imagesPerSecond, '100 %', bound.cpuMsPerImage, ''],
  [
    'transformers.js (1 process)',
    '',
    '',
    '',
    10,
    peerIps ?? Number.NaN,
    peerIps ? pct(peerIps, bound.imagesPerSecond) : 'n/a',
    peerCpu ?? '',
    '',
  ],
  ...scenarios.map((s) => [
    s.name,
    s.workers,
    s.worker.batchSize ?? 'def',
    s.chunkSize ?? 'def',
    s.labels,
    s.run?.imagesPerSecond ?? Number.NaN,
    s.run ? pct(s.run.imagesPerSecond, s.boundNearby ?? bound.imagesPerSecond) : 'FAILED',
    s.workerCpuMsPerImage ?? '',
    s.run ? exactly(s.run) : '',
  ]),
];
if (soak?.run) {
  rows.push([
    `soak ${soak.run.images} (+store-emb)`,
    1,
    'def',
    'def',
    10,
    soak.run.imagesPerSecond,
    pct(soak.run.imagesPerSecond, bound.imagesPerSecond),
    soak.workerCpuMsPerImage ?? '',
    exactly(soak.run),
  ]);
}
if (relabel?.reuse) {
  rows.push([
    're-label --reuse-embeddings',
    1,
    'def',
    'def',
    12,
    relabel.reuse.imagesPerSecond,
    `${round(relabel.speedup ?? 0, 1)}× first`,
    relabel.workerCpuMsPerImage ?? '',
    exactly(relabel.reuse),
  ]);
}
const verdict = (v: boolean | null) => (v === null ? 'not measured' : v ? 'MET' : 'MISSED');
process.stdout.write(
  `\nzeroshot end-to-end bench — ${spec.id} on ${provider}, ${machineBefore.cpuModel} × ${cores}, Node ${machineBefore.node}, ORT ${machineBefore.onnxruntimeNode}\n` +
    `load average at start ${machineBefore.loadAverage.join(' ')}, at end ${result.machine.loadAverageAfter.join(' ')} (shared machine: expect noise)\n\n` +
    `${formatTable(['run', 'workers', 'batch', 'chunk', 'labels', 'img/s', 'vs bound', 'CPU ms/img', 'exactly once'], rows)}\n\n` +
    `headline (median of ${baselines.length} baseline run(s)): ${baselineIps ? round(baselineIps, 2) : '-'} img/s = ${baselineToBound ? `${round(baselineToBound * 100, 1)} %` : '-'} of the bound measured around it (${baselineBound ? round(baselineBound, 2) : '-'} img/s), ` +
    `${baselineToPeer ? round(baselineToPeer, 2) : '-'}× transformers.js measured around it (${baselinePeer ? round(baselinePeer, 2) : '-'} img/s); ` +
    `CPU-time efficiency ${result.ratios.baselineCpuEfficiency ? `${round(result.ratios.baselineCpuEfficiency * 100, 1)} %` : '-'}` +
    ` (worker ${baselineCpu ? round(baselineCpu, 1) : '-'} CPU ms/img, plus s3rver/producer ${baselineInfraCpu ? round(baselineInfraCpu, 1) : '-'} on the same cores)\n` +
    `decode ceiling: ${baselineIps ? round(baselineIps, 2) : '-'} img/s = ${baselineToDecode ? `${round(baselineToDecode * 100, 1)} %` : '-'} of decode alone measured around it (${baselineDecode ? round(baselineDecode, 2) : '-'} img/s; with an inference-free model this is what a fast GPU would leave)\n` +
    `targets: e2e ≥ 90 % of bound: ${verdict(result.targets.e2eAtLeast90PercentOfBound)}` +
    `; ≥ 90 % of decode alone: ${verdict(result.targets.inferenceFreeAtLeast90PercentOfDecode)}` +
    `; above transformers.js: ${verdict(result.targets.e2eAbovePeer)}` +
    `; re-labeling ≥ 50×: ${verdict(result.targets.relabelAtLeast50x)}` +
    `; soak RSS flat: ${verdict(result.targets.soakNoRssGrowth)}` +
    `${soak?.rss ? ` (warm ${soak.rss.warmMiB} MiB → end ${soak.rss.endMiB} MiB, max ${soak.rss.maxMiB})` : ''}\n`,
);

const bars: Bar[] = [
  { label: 'decode alone', value: bound.decodeImagesPerSecond, kind: 'bound' },
  { label: `vision alone (batch ${bound.bestBatchSize})`, value: bound.visionImagesPerSecond, kind: 'bound' },
  { label: 'CPU bound 1/(t_dec + t_inf)', value: bound.imagesPerSecond, kind: 'bound' },
  ...(peerIps ? [{ label: 'transformers.js pipeline', value: peerIps, kind: 'peer' as const }] : []),
  ...scenarios
    .filter((s) => s.run)
    .map((s) => ({
      label: s.name,
      value: s.run!.imagesPerSecond,
      kind: 'e2e' as const,
      ...(s.boundNearby ? { marker: s.boundNearby } : {}),
    })),
  ...(soak?.run
    ? [{ label: `soak (${soak.run.images} images)`, value: soak.run.imagesPerSecond, kind: 'e2e' as const }]
    : []),
];
const name = values.out ?? stamp(startedAt);
const svg = barChartSvg({
  title: `zeroshot end-to-end throughput — ${spec.id} on ${provider}`,
  subtitle: `${machineBefore.cpuModel} × ${cores} cores, ${startedAt.toISOString().slice(0, 16)}Z${relabel?.speedup ? `; re-labeling ${round(relabel.speedup, 1)}× faster than the first pass` : ''}`,
  unit: 'images/s',
  bars,
  reference: { label: `CPU bound ${round(bound.imagesPerSecond, 1)}`, value: bound.imagesPerSecond },
});
const jsonFile = writeResult(name, result);
const svgFile = writeResult(name, svg, 'svg');
process.stdout.write(`wrote ${jsonFile}\nwrote ${svgFile}\n`);
