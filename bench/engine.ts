// `npm run bench:engine`: the core engine on this machine with the ViT-B/32-shaped stand-in model.
// In one run: decode img/s, vision img/s per batch size, text encodings/s, the CPU bound
// 1/(t_decode + t_infer), end-to-end classify img/s on the shared photos, and transformers.js' pipeline
// on the same files in a separate process. Prints a table, writes bench/results/engine-<date>.json.
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { cpuBound, measureDecode, measureText, measureVision, preparedBatch } from './support/bounds.js';
import { loadEngine } from './support/engine-api.js';
import { machineInfo } from './support/machine.js';
import { DEFAULT_BENCH_MODEL, intListOption, intOption, optionalInt } from './support/options.js';
import { runTransformersPeer } from './support/peer.js';
import { loadPhotos, makeLabels, PHOTOS_DIR } from './support/photos.js';
import { stamp, writeResult } from './support/results.js';
import { formatTable } from './support/table.js';
import { round, timeRepeated } from './support/timing.js';

const HELP = `usage: node dist/bench/engine.js [options]
  --model DIR                 model directory (default .cache/models/clip-b32-stand-in)
  --quick                     short smoke run (1 pass, batch 1/8, short timings)
  --passes N                  timed classify / transformers.js passes over the photos (default 3)
  --batch-sizes LIST          vision batch sizes to time (default 1,8,32)
  --labels N                  labels per classify call (default 10)
  --classify-batch-size N     createClassifier batchSize (default: the engine's)
  --max-wait-ms N             createClassifier maxWaitMs (default: the engine's)
  --intra-op-threads N        ORT intra-op threads for every session (default: the engine's)
  --sharp-concurrency N       sharp.concurrency() (libvips threads per image)
  --resize exact|fast         preprocessing mode for decode and classify (default exact)
  --no-peer                   skip transformers.js
  --out NAME                  results file name under bench/results (default engine-<date>)`;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    quick: { type: 'boolean', default: false },
    passes: { type: 'string' },
    'batch-sizes': { type: 'string' },
    labels: { type: 'string' },
    'classify-batch-size': { type: 'string' },
    'max-wait-ms': { type: 'string' },
    'intra-op-threads': { type: 'string' },
    'sharp-concurrency': { type: 'string' },
    resize: { type: 'string', default: 'exact' },
    'no-peer': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
if (values.resize !== 'exact' && values.resize !== 'fast') throw new Error('--resize must be exact or fast');
const resize = values.resize;
const quick = values.quick;
const modelDir = values.model ?? DEFAULT_BENCH_MODEL;
const passes = intOption('passes', values.passes, quick ? 1 : 3);
const batchSizes = intListOption('batch-sizes', values['batch-sizes'], quick ? [1, 8] : [1, 8, 32]);
const labelCount = intOption('labels', values.labels, 10);
const classifyBatchSize = optionalInt('classify-batch-size', values['classify-batch-size']);
const maxWaitMs = optionalInt('max-wait-ms', values['max-wait-ms'], 0);
const intraOpThreads = optionalInt('intra-op-threads', values['intra-op-threads']);
const sharpConcurrency = optionalInt('sharp-concurrency', values['sharp-concurrency']);
const timing = quick ? { minMs: 1_000, minIterations: 2 } : { minMs: 5_000, minIterations: 3 };
const cores = os.availableParallelism();

const log = (msg: string) => process.stderr.write(`[bench:engine] ${msg}\n`);

if (sharpConcurrency !== undefined) sharp.concurrency(sharpConcurrency);
const startedAt = new Date();
const machineBefore = machineInfo();
const photos = loadPhotos();
const labels = makeLabels(labelCount);
const engine = await loadEngine(['loadModelSpec', 'VisionEncoder', 'TextEncoder', 'ImagePreprocessor']);
const spec = await engine.loadModelSpec(modelDir);
const runtime = intraOpThreads === undefined ? {} : { intraOpThreads };
log(`model ${spec.id} (${modelDir}), ${photos.length} photos, ${cores} cores`);

// 1. decode alone
const pre = new engine.ImagePreprocessor(spec.preprocess, { resize });
const imageSize = spec.preprocess.imageSize;
const decodePasses = quick ? 1 : 4;
const decode = [];
for (const concurrency of [...new Set([1, cores, cores * 2])]) {
  const d = await measureDecode(pre, photos, { concurrency, passes: decodePasses, imageSize });
  log(`decode ${concurrency} in flight: ${d.imagesPerSecond.toFixed(1)} img/s`);
  decode.push(d);
}

// 2. vision inference alone, on preallocated tensors of real photos
const vision = await engine.VisionEncoder.create(spec, runtime);
const visionResults = [];
for (const b of batchSizes) {
  const pixels = await preparedBatch(pre, photos, b, imageSize);
  const v = await measureVision(vision, pixels, b, timing);
  log(`vision batch ${b}: ${v.imagesPerSecond.toFixed(1)} img/s (${v.msPerBatch.toFixed(0)} ms/batch)`);
  visionResults.push(v);
}
const provider = vision.provider;
await vision.dispose();

// 3. text encodings
const text = await engine.TextEncoder.create(spec, runtime);
const prompts = makeLabels(64).map((l) => `This is a photo of ${l}.`);
const textResult = await measureText(text, prompts, timing);
log(`text: ${textResult.encodingsPerSecond.toFixed(1)} encodings/s`);
await text.dispose();

const bound = cpuBound(decode, visionResults);
log(`CPU bound 1/(t_decode + t_infer) = ${bound.imagesPerSecond.toFixed(2)} img/s`);

// 4. end to end through createClassifier (paths in, scores out), after a warm-up pass
interface ClassifyResult {
  passMs: number[];
  imagesPerSecond: number;
  cpuMsPerImage: number;
}
async function classifyPasses(): Promise<ClassifyResult> {
  const { createClassifier } = await loadEngine(['createClassifier']);
  const classifier = await createClassifier({
    model: modelDir,
    resize,
    ...(classifyBatchSize === undefined ? {} : { batchSize: classifyBatchSize }),
    ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
    ...(intraOpThreads === undefined ? {} : { intraOpThreads }),
  });
  try {
    const paths = photos.map((p) => p.path);
    const warm = await classifier.classify(paths, labels);
    const failed = warm.filter((r) => 'error' in r);
    if (failed.length > 0) {
      throw new Error(`classify failed on ${failed.length} photos: ${JSON.stringify(failed[0])}`);
    }
    const t = await timeRepeated(() => classifier.classify(paths, labels), {
      minIterations: passes,
      minMs: 0,
      warmup: 0,
    });
    return {
      passMs: t.samplesMs,
      imagesPerSecond: (photos.length * 1000) / t.medianMs,
      cpuMsPerImage: t.cpuMsPerIteration / photos.length,
    };
  } finally {
    await classifier.close();
  }
}
let classify: ClassifyResult | { error: string };
try {
  classify = await classifyPasses();
  log(`classify: ${classify.imagesPerSecond.toFixed(2)} img/s`);
} catch (err) {
  classify = { error: (err as Error).message };
  log(`classify FAILED: ${classify.error}`);
}
const e2eImagesPerSecond = 'imagesPerSecond' in classify ? classify.imagesPerSecond : undefined;

// 5. the peer, alone on the machine (our sessions are closed)
let peer: Awaited<ReturnType<typeof runTransformersPeer>> | { error: string } | undefined;
if (!values['no-peer']) {
  try {
    peer = await runTransformersPeer({
      model: modelDir,
      images: PHOTOS_DIR,
      labels,
      passes,
      threads: intraOpThreads,
    });
    log(`transformers.js: ${peer.imagesPerSecond.toFixed(2)} img/s`);
  } catch (err) {
    peer = { error: (err as Error).message };
    log(`transformers.js peer failed: ${peer.error}`);
  }
}
const peerIps = peer && 'imagesPerSecond' in peer ? peer.imagesPerSecond : undefined;

const ratioToBound =
  e2eImagesPerSecond === undefined ? undefined : e2eImagesPerSecond / bound.imagesPerSecond;
const ratioToPeer = peerIps && e2eImagesPerSecond ? e2eImagesPerSecond / peerIps : undefined;
const result = {
  bench: 'engine',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick,
  machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
  model: { id: spec.id, dir: modelDir, provider, imageSize },
  settings: {
    passes,
    labels: labelCount,
    resize,
    classifyBatchSize: classifyBatchSize ?? 'engine default',
    maxWaitMs: maxWaitMs ?? 'engine default',
    intraOpThreads: intraOpThreads ?? 'engine default',
    sharpConcurrency: sharp.concurrency(),
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
  },
  decode,
  vision: visionResults,
  text: textResult,
  bound,
  classify: { images: photos.length, passes, ...classify },
  peer,
  ratios: {
    e2eToBound: ratioToBound,
    e2eToPeer: ratioToPeer,
    /** bound CPU ms per image / e2e CPU ms per image: the same ratio in CPU time, less sensitive to other load */
    cpuEfficiency: 'cpuMsPerImage' in classify ? bound.cpuMsPerImage / classify.cpuMsPerImage : undefined,
  },
  targets: {
    e2eAtLeast90PercentOfBound: ratioToBound === undefined ? null : ratioToBound >= 0.9,
    e2eAbovePeer: ratioToPeer === undefined ? null : ratioToPeer > 1,
  },
};

const e2eCpu = 'cpuMsPerImage' in classify ? classify.cpuMsPerImage : undefined;
const peerCpu = peer && 'cpuMsPerImage' in peer ? peer.cpuMsPerImage : undefined;
const rows: Array<Array<string | number>> = [
  ...decode.map((d) => [
    `decode (${d.concurrency} in flight)`,
    d.imagesPerSecond,
    'img/s',
    d.cpuMsPerImage,
    '',
  ]),
  ...visionResults.map((v) => [
    `vision batch ${v.batchSize}`,
    v.imagesPerSecond,
    'img/s',
    v.cpuMsPerImage,
    `${round(v.msPerBatch, 0)} ms/batch`,
  ]),
  ['text encodings', textResult.encodingsPerSecond, 'enc/s', '', `${prompts.length} per call`],
  [
    'CPU bound 1/(t_dec + t_inf)',
    bound.imagesPerSecond,
    'img/s',
    bound.cpuMsPerImage,
    `best batch ${bound.bestBatchSize}`,
  ],
  [
    'classify end-to-end',
    e2eImagesPerSecond ?? Number.NaN,
    'img/s',
    e2eCpu ?? '',
    ratioToBound === undefined
      ? 'FAILED'
      : `${round(ratioToBound * 100, 1)} % of bound (target ≥ 90 %); CPU-time efficiency ${e2eCpu ? `${round((bound.cpuMsPerImage / e2eCpu) * 100, 1)} %` : 'n/a'}`,
  ],
  [
    'transformers.js pipeline',
    peerIps ?? Number.NaN,
    'img/s',
    peerCpu ?? '',
    ratioToPeer === undefined ? 'n/a' : `zeroshot is ${round(ratioToPeer, 2)}× faster (target > 1)`,
  ],
];
process.stdout.write(
  `\nzeroshot engine bench — ${spec.id} on ${provider}, ${machineBefore.cpuModel} × ${cores}, Node ${machineBefore.node}, ORT ${machineBefore.onnxruntimeNode}\n` +
    `load average at start ${machineBefore.loadAverage.join(' ')} (shared machine: expect noise)\n\n` +
    `${formatTable(['measure', 'value', 'unit', 'CPU ms/img', 'note'], rows)}\n\n`,
);
const file = writeResult(values.out ?? `engine-${stamp(startedAt)}`, result);
process.stdout.write(`wrote ${file}\n`);
