// The peer: transformers.js' zero-shot-image-classification pipeline on the same model files and photos.
// Runs in its own process because @huggingface/transformers bundles a second onnxruntime-node.
// Plain JavaScript on purpose (not compiled): it only needs the published package.
//
//   node bench/peer-transformers.mjs --model DIR --images DIR [--labels a,b,c] [--passes N] [--warmup N]
//                                    [--threads N] [--serve]
// Prints one JSON object on the last stdout line: { imagesPerSecond, passes, images, ... }.
// With --serve it loads, warms up, prints {"ready":true,...} and then runs one timed pass per "pass" line
// on stdin, answering {"ms":...,"cpuMs":...} (so a bench can interleave it with its own measurements);
// "quit" or end of input exits.
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    images: { type: 'string' },
    labels: { type: 'string', default: 'cat,dog,bird,car,tree,house,person,food,boat,flower' },
    passes: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    threads: { type: 'string' },
    template: { type: 'string', default: 'This is a photo of {}.' },
    serve: { type: 'boolean', default: false },
  },
});
if (!values.model || !values.images) {
  process.stderr.write('usage: peer-transformers.mjs --model DIR --images DIR [--passes N]\n');
  process.exit(2);
}

const { env, pipeline } = await import('@huggingface/transformers');
const modelDir = path.resolve(values.model);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${path.dirname(modelDir)}${path.sep}`;
env.cacheDir = null;

const images = readdirSync(values.images)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
  .sort()
  .map((f) => path.join(values.images, f));
const labels = values.labels.split(',').map((s) => s.trim());
const passes = Number(values.passes);
const warmup = Number(values.warmup);

const sessionOptions = values.threads ? { intraOpNumThreads: Number(values.threads) } : {};
const t0 = performance.now();
const classify = await pipeline('zero-shot-image-classification', path.basename(modelDir), {
  dtype: 'fp32',
  device: 'cpu',
  session_options: sessionOptions,
});
const loadMs = performance.now() - t0;

const runPass = async () => {
  const out = await classify(images, labels, { hypothesis_template: values.template });
  if (out.length !== images.length) throw new Error(`expected ${images.length} results, got ${out.length}`);
  return out;
};

for (let i = 0; i < warmup; i++) await runPass();

if (values.serve) {
  const { createInterface } = await import('node:readline');
  const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  say({
    ready: true,
    version: env.version,
    images: images.length,
    labels: labels.length,
    loadMs: Math.round(loadMs),
  });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'quit') break;
    const c0 = process.cpuUsage();
    const s = performance.now();
    await runPass();
    const ms = performance.now() - s;
    const c = process.cpuUsage(c0);
    say({ ms, cpuMs: (c.user + c.system) / 1000 });
  }
  process.exit(0);
}

const passMs = [];
const cpu0 = process.cpuUsage();
let sample;
for (let i = 0; i < passes; i++) {
  const s = performance.now();
  sample = await runPass();
  passMs.push(performance.now() - s);
}
const cpu = process.cpuUsage(cpu0);
const sorted = [...passMs].sort((a, b) => a - b);
const mid = Math.floor(sorted.length / 2);
const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
const result = {
  peer: 'transformers.js',
  version: env.version,
  model: modelDir,
  images: images.length,
  labels: labels.length,
  passes,
  warmup,
  threads: values.threads ? Number(values.threads) : `ORT default (${os.availableParallelism()} cores)`,
  loadMs: Math.round(loadMs),
  passMs: passMs.map((m) => Math.round(m)),
  // the median pass: robust to other processes bursting on a shared machine
  imagesPerSecond: (images.length * 1000) / medianMs,
  cpuMsPerImage: (cpu.user + cpu.system) / 1000 / (images.length * passes),
  top1: sample?.[0]?.[0],
};
process.stdout.write(`${JSON.stringify(result)}\n`);
