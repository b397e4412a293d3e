// `npm run bench:engine`: the core engine on this machine with the ViT-B/32-shaped stand-in model.
// In one run: decode img/s, vision img/s per batch size, text encodings/s, the CPU bound
// 1/(t_decode + t_infer), end-to-end classify img/s on the shared photos, and transformers.js' pipeline
// on the same files in a separate process. Prints a table, writes bench/results/engine-<date>.json.
//
// The machine is shared, so the headline ratios come from interleaved ROUNDS: each round times a decode
// pass, vision inference at the best batch size, a classify pass and a transformers.js pass back to back,
// and the ratios are taken per round (then the median), so all sides see the same background load.
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import {
  createClassifier,
  ImagePreprocessor,
  loadModelSpec,
  parseDtype,
  TextEncoder,
  VisionEncoder,
} from '../src/core/index.js';
import { cpuBound, measureDecode, measureText, measureVision, preparedBatch } from './support/bounds.js';
import {
  LARGE_HEIGHT,
  LARGE_WIDTH,
  type LargeDecodeRow,
  makeLargePhotos,
  measureLargeDecode,
  pillowReference,
} from './support/large-photos.js';
import { machineInfo } from './support/machine.js';
import { DEFAULT_BENCH_MODEL, intListOption, intOption, optionalInt } from './support/options.js';
import { PeerServer } from './support/peer.js';
import { loadPhotos, makeLabels, PHOTOS_DIR } from './support/photos.js';
import { stamp, writeResult } from './support/results.js';
import { formatTable } from './support/table.js';
import { median, round, timeRepeated } from './support/timing.js';

const HELP = `usage: node dist/bench/engine.js [options]
  --model DIR                 model directory (default .cache/models/clip-b32-stand-in)
  --dtype DTYPE               weight variant (default: the engine's, fp16 on CUDA when present)
  --quick                     short smoke run (1 pass, batch 1/8, short timings)
  --rounds N                  interleaved rounds of decode / vision / classify / transformers.js (default 5)
  --batch-sizes LIST          vision batch sizes to time (default 1,8,16,32)
  --labels N                  labels per classify call (default 10)
  --classify-batch-size N     createClassifier batchSize (default: the engine's)
  --max-wait-ms N             createClassifier maxWaitMs (default: the engine's)
  --decode-concurrency N      createClassifier decodeConcurrency (default: the engine's)
  --max-in-flight N           createClassifier maxInFlight (default: the engine's)
  --intra-op-threads N        ORT intra-op threads for every session (default: the engine's)
  --sharp-concurrency N       sharp.concurrency() (libvips threads per image)
  --resize exact|fast         preprocessing mode for decode and classify (default exact)
  --large-photos N            4000×3000 JPEGs made at run time for the large-photo decode table
                              (default 8, --quick 3, 0 skips it)
  --large-only                only the large-photo decode table (exact vs fast, error against Pillow)
  --no-peer                   skip transformers.js
  --out NAME                  results file name under bench/results (default engine-<date>)`;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    dtype: { type: 'string' },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'batch-sizes': { type: 'string' },
    labels: { type: 'string' },
    'classify-batch-size': { type: 'string' },
    'max-wait-ms': { type: 'string' },
    'intra-op-threads': { type: 'string' },
    'decode-concurrency': { type: 'string' },
    'max-in-flight': { type: 'string' },
    'sharp-concurrency': { type: 'string' },
    resize: { type: 'string', default: 'exact' },
    'large-photos': { type: 'string' },
    'large-only': { type: 'boolean', default: false },
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
const rounds = intOption('rounds', values.rounds, quick ? 1 : 5);
const batchSizes = intListOption('batch-sizes', values['batch-sizes'], quick ? [1, 8] : [1, 8, 16, 32]);
const labelCount = intOption('labels', values.labels, 10);
const classifyBatchSize = optionalInt('classify-batch-size', values['classify-batch-size']);
const maxWaitMs = optionalInt('max-wait-ms', values['max-wait-ms'], 0);
const intraOpThreads = optionalInt('intra-op-threads', values['intra-op-threads']);
const decodeConcurrency = optionalInt('decode-concurrency', values['decode-concurrency']);
const maxInFlight = optionalInt('max-in-flight', values['max-in-flight']);
const sharpConcurrency = optionalInt('sharp-concurrency', values['sharp-concurrency']);
const largeCount = intOption('large-photos', values['large-photos'], quick ? 3 : 8);
const timing = quick ? { minMs: 1_000, minIterations: 2 } : { minMs: 5_000, minIterations: 3 };
const cores = os.availableParallelism();

const log = (msg: string) => process.stderr.write(`[bench:engine] ${msg}\n`);

if (sharpConcurrency !== undefined) sharp.concurrency(sharpConcurrency);
const startedAt = new Date();
const machineBefore = machineInfo();
const photos = loadPhotos();
const labels = makeLabels(labelCount);
const dtype = values.dtype === undefined ? undefined : parseDtype(values.dtype, '--dtype');
const spec = await loadModelSpec(modelDir, { dtype });
const runtime = intraOpThreads === undefined ? {} : { intraOpThreads };
log(
  `model ${spec.id} (${modelDir}), ${photos.length} photos, ${cores} cores, load ${os.loadavg()[0]?.toFixed(2)}`,
);

// 0. Phone-sized photos: decode img/s per core of each resize mode and its error against Pillow
const large = largeCount > 0 ? await largePhotoTable() : undefined;
if (values['large-only']) {
  const file = writeResult(values.out ?? `engine-large-${stamp(startedAt)}`, {
    bench: 'engine',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
    model: { id: spec.id, dir: modelDir },
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    large,
  });
  process.stdout.write(`wrote ${file}\n`);
  process.exit(0);
}

async function largePhotoTable() {
  log(`making ${largeCount} ${LARGE_WIDTH}×${LARGE_HEIGHT} JPEGs ...`);
  const bigs = await makeLargePhotos(photos, largeCount);
  const references = [];
  for (const p of bigs) references.push(await pillowReference(spec.preprocess, p.data));
  const rows = [];
  for (const mode of ['exact', 'fast'] as const) {
    const p = new ImagePreprocessor(spec.preprocess, { resize: mode });
    const row = await measureLargeDecode(p, bigs, references, cores, quick ? 1 : 3);
    log(`large ${mode}: ${row.imagesPerSecond.toFixed(2)} img/s, ${row.cpuMsPerImage.toFixed(0)} CPU ms/img`);
    rows.push(row);
  }
  const [exact, fast] = rows as [LargeDecodeRow, LargeDecodeRow];
  const bytes = bigs.reduce((a, p) => a + p.data.length, 0) / bigs.length;
  process.stdout.write(
    `\nlarge photos: ${bigs.length} × ${LARGE_WIDTH}×${LARGE_HEIGHT} JPEG (q90, ${(bytes / 1e6).toFixed(1)} MB avg), ${cores} in flight, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}\n` +
      `error: per-photo mean abs error of the ${spec.preprocess.imageSize}² tensor against Pillow's pipeline (bit-exact JS re-implementation)\n\n` +
      `${formatTable(
        ['resize', 'img/s', 'CPU ms/img', 'img/s per core', 'MAE mean', 'MAE max'],
        rows.map((r) => [
          r.resize,
          r.imagesPerSecond,
          r.cpuMsPerImage,
          r.imagesPerSecondPerCore,
          r.maeMean.toFixed(4),
          r.maeMax.toFixed(4),
        ]),
      )}\n` +
      `fast / exact: ${round(fast.imagesPerSecondPerCore / exact.imagesPerSecondPerCore, 2)}× img/s per core\n\n`,
  );
  return { photos: bigs.length, width: LARGE_WIDTH, height: LARGE_HEIGHT, meanBytes: bytes, rows };
}

// 1. Characterisation, each part alone: decode per concurrency, vision per batch size, text encodings
const pre = new ImagePreprocessor(spec.preprocess, { resize });
const imageSize = spec.preprocess.imageSize;
const decode = [];
for (const concurrency of [...new Set([1, cores, cores * 2])]) {
  const d = await measureDecode(pre, photos, { concurrency, passes: quick ? 1 : 3, imageSize });
  log(`decode ${concurrency} in flight: ${d.imagesPerSecond.toFixed(1)} img/s`);
  decode.push(d);
}
const vision = await VisionEncoder.create(spec, runtime);
const provider = vision.provider;
const visionResults = [];
for (const b of batchSizes) {
  const pixels = await preparedBatch(pre, photos, b, imageSize);
  const v = await measureVision(vision, pixels, b, timing);
  log(`vision batch ${b}: ${v.imagesPerSecond.toFixed(1)} img/s (${v.msPerBatch.toFixed(0)} ms/batch)`);
  visionResults.push(v);
}
const text = await TextEncoder.create(spec, runtime);
const prompts = makeLabels(64).map((l) => `This is a photo of ${l}.`);
const textResult = await measureText(text, prompts, timing);
log(`text: ${textResult.encodingsPerSecond.toFixed(1)} encodings/s`);
await text.dispose();
const characterisedBound = cpuBound(decode, visionResults);
const bestDecode = decode.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
const bestBatch = characterisedBound.bestBatchSize;

// 2. The contenders, loaded and warmed up: our classifier in this process, transformers.js in its own
const classifier = await createClassifier({
  model: modelDir,
  dtype: spec.dtype,
  resize,
  ...(classifyBatchSize === undefined ? {} : { batchSize: classifyBatchSize }),
  ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
  ...(intraOpThreads === undefined ? {} : { intraOpThreads }),
  ...(decodeConcurrency === undefined ? {} : { decodeConcurrency }),
  ...(maxInFlight === undefined ? {} : { maxInFlight }),
});
const paths = photos.map((p) => p.path);
const warm = await classifier.classify(paths, labels);
const failed = warm.filter((r) => 'error' in r);
if (failed.length > 0)
  throw new Error(`classify failed on ${failed.length} photos: ${JSON.stringify(failed[0])}`);
let peer: PeerServer | undefined;
let peerInfo: Record<string, unknown> | { error: string } | undefined;
if (!values['no-peer']) {
  try {
    const started = await PeerServer.start({
      model: modelDir,
      images: PHOTOS_DIR,
      labels,
      threads: intraOpThreads,
    });
    peer = started.server;
    peerInfo = started.ready;
  } catch (err) {
    peerInfo = { error: (err as Error).message };
    log(`transformers.js peer failed: ${peerInfo.error}`);
  }
}

// 3. Interleaved rounds
const visionPixels = await preparedBatch(pre, photos, bestBatch, imageSize);
const visionCalls = Math.max(1, Math.ceil(16 / bestBatch));
interface Round {
  decodeImagesPerSecond: number;
  visionImagesPerSecond: number;
  bound: number;
  classifyImagesPerSecond: number;
  classifyCpuMsPerImage: number;
  boundCpuMsPerImage: number;
  peerImagesPerSecond?: number;
  peerCpuMsPerImage?: number;
}
const roundResults: Round[] = [];
for (let r = 0; r < rounds; r++) {
  const dec = await measureDecode(pre, photos, {
    concurrency: bestDecode.concurrency,
    passes: 1,
    imageSize,
    warmup: 0,
  });
  const vis = await measureVision(vision, visionPixels, bestBatch, {
    minMs: 0,
    minIterations: visionCalls,
    warmup: 0,
  });
  const cls = await timeRepeated(() => classifier.classify(paths, labels), {
    minIterations: 1,
    minMs: 0,
    warmup: 0,
  });
  const pr = peer ? await peer.pass() : undefined;
  const round_: Round = {
    decodeImagesPerSecond: dec.imagesPerSecond,
    visionImagesPerSecond: vis.imagesPerSecond,
    bound: 1 / (1 / dec.imagesPerSecond + 1 / vis.imagesPerSecond),
    classifyImagesPerSecond: (photos.length * 1000) / cls.medianMs,
    classifyCpuMsPerImage: cls.cpuMsPerIteration / photos.length,
    boundCpuMsPerImage: dec.cpuMsPerImage + vis.cpuMsPerImage,
  };
  if (pr) {
    round_.peerImagesPerSecond = (photos.length * 1000) / pr.ms;
    round_.peerCpuMsPerImage = pr.cpuMs / photos.length;
  }
  roundResults.push(round_);
  log(
    `round ${r + 1}/${rounds}: bound ${round_.bound.toFixed(2)}, classify ${round_.classifyImagesPerSecond.toFixed(2)}, transformers.js ${round_.peerImagesPerSecond?.toFixed(2) ?? '-'} img/s (load ${os.loadavg()[0]?.toFixed(2)})`,
  );
}
await classifier.close();
await vision.dispose();
await peer?.close();

const med = (pick: (r: Round) => number | undefined) => {
  const xs = roundResults.map(pick).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
};
const bound = {
  ...characterisedBound,
  /** the median over the interleaved rounds (what the ratios use) */
  imagesPerSecond: med((r) => r.bound)!,
  decodeImagesPerSecond: med((r) => r.decodeImagesPerSecond)!,
  visionImagesPerSecond: med((r) => r.visionImagesPerSecond)!,
  cpuMsPerImage: med((r) => r.boundCpuMsPerImage)!,
  decodeConcurrency: bestDecode.concurrency,
};
const e2eImagesPerSecond = med((r) => r.classifyImagesPerSecond)!;
const e2eCpu = med((r) => r.classifyCpuMsPerImage)!;
const peerIps = med((r) => r.peerImagesPerSecond);
const peerCpu = med((r) => r.peerCpuMsPerImage);
const ratioToBound = med((r) => r.classifyImagesPerSecond / r.bound)!;
const ratioToPeer = med((r) =>
  r.peerImagesPerSecond ? r.classifyImagesPerSecond / r.peerImagesPerSecond : undefined,
);
const cpuEfficiency = med((r) => r.boundCpuMsPerImage / r.classifyCpuMsPerImage)!;

const result = {
  bench: 'engine',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick,
  machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
  model: { id: spec.id, dir: modelDir, dtype: spec.dtype, provider, imageSize },
  settings: {
    rounds,
    labels: labelCount,
    resize,
    classifyBatchSize: classifyBatchSize ?? 'engine default',
    maxWaitMs: maxWaitMs ?? 'engine default',
    intraOpThreads: intraOpThreads ?? 'engine default',
    decodeConcurrency: decodeConcurrency ?? 'engine default',
    maxInFlight: maxInFlight ?? 'engine default',
    sharpConcurrency: sharp.concurrency(),
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
  },
  largePhotos: large,
  characterisation: { decode, vision: visionResults, text: textResult, bound: characterisedBound },
  rounds: roundResults,
  bound,
  classify: { images: photos.length, imagesPerSecond: e2eImagesPerSecond, cpuMsPerImage: e2eCpu },
  peer: peerInfo && { ...peerInfo, imagesPerSecond: peerIps, cpuMsPerImage: peerCpu },
  ratios: {
    e2eToBound: ratioToBound,
    e2eToPeer: ratioToPeer,
    /** bound CPU ms per image / classify CPU ms per image: the same ratio in CPU time */
    cpuEfficiency,
  },
  targets: {
    e2eAtLeast90PercentOfBound: ratioToBound >= 0.9,
    e2eAbovePeer: ratioToPeer === undefined ? null : ratioToPeer > 1,
  },
};

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
  [`rounds (median of ${rounds}):`, '', '', '', ''],
  ['  decode', bound.decodeImagesPerSecond, 'img/s', '', `${bound.decodeConcurrency} in flight`],
  ['  vision', bound.visionImagesPerSecond, 'img/s', '', `batch ${bestBatch}`],
  ['  CPU bound 1/(t_dec + t_inf)', bound.imagesPerSecond, 'img/s', bound.cpuMsPerImage, ''],
  [
    '  classify end-to-end',
    e2eImagesPerSecond,
    'img/s',
    e2eCpu,
    `${round(ratioToBound * 100, 1)} % of bound (target ≥ 90 %); CPU-time ${round(cpuEfficiency * 100, 1)} %`,
  ],
  [
    '  transformers.js pipeline',
    peerIps ?? Number.NaN,
    'img/s',
    peerCpu ?? '',
    ratioToPeer === undefined ? 'n/a' : `zeroshot is ${round(ratioToPeer, 2)}× its speed (target > 1)`,
  ],
];
process.stdout.write(
  `\nzeroshot engine bench — ${spec.id} on ${provider}, ${machineBefore.cpuModel} × ${cores}, Node ${machineBefore.node}, ORT ${machineBefore.onnxruntimeNode}\n` +
    `load average at start ${machineBefore.loadAverage.join(' ')}, at end ${result.machine.loadAverageAfter.join(' ')} (shared machine: expect noise)\n\n` +
    `${formatTable(['measure', 'value', 'unit', 'CPU ms/img', 'note'], rows)}\n\n`,
);
const file = writeResult(values.out ?? `engine-${stamp(startedAt)}`, result);
process.stdout.write(`wrote ${file}\n`);
