// The table at the end of `npm run bench:gpu`: per phase (engine fp32/fp16, end to end) the headline
// img/s, per-stage times (decode, vision per batch size, large-photo decode), and the GPU utilisation and
// memory sampled by nvidia-smi during that phase. Also writes <dir>/summary.json.
//
//   node scripts/gpu/report.mjs DIR PROVIDER_NOTE
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [dir, providerNote = ''] = process.argv.slice(2);
const phases = readFileSync(path.join(dir, 'phases.tsv'), 'utf8')
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [name, start, end, status, result] = line.split('\t');
    return { name, start: Number(start), end: Number(end), status, result };
  });

/** nvidia-smi rows: timestamp, gpu index, utilization %, memory MiB. */
const samples = existsSync(path.join(dir, 'gpu.csv'))
  ? readFileSync(path.join(dir, 'gpu.csv'), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ts, gpu, util, mem] = line.split(',').map((s) => s.trim());
        return {
          t: Date.parse(ts.replace(/\//g, '-').replace(' ', 'T')),
          gpu,
          util: Number(util),
          mem: Number(mem),
        };
      })
      .filter((s) => Number.isFinite(s.t))
  : [];

function gpuDuring(p) {
  const inside = samples.filter((s) => s.t >= p.start && s.t <= p.end);
  if (inside.length === 0) return { util: 'n/a', utilMax: 'n/a', memMax: 'n/a' };
  const util = inside.reduce((a, s) => a + s.util, 0) / inside.length;
  return {
    util: `${util.toFixed(0)} %`,
    utilMax: `${Math.max(...inside.map((s) => s.util))} %`,
    memMax: `${Math.max(...inside.map((s) => s.mem))} MiB`,
  };
}

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
const f = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
const rows = [];
for (const p of phases) {
  const r = read(p.result);
  const gpu = gpuDuring(p);
  const secs = ((p.end - p.start) / 1000).toFixed(0);
  if (!r) {
    rows.push([p.name, p.status, '-', '-', gpu.util, gpu.utilMax, gpu.memMax, `${secs} s`]);
    continue;
  }
  if (r.bench === 'engine') {
    const vis = (r.characterisation?.vision ?? [])
      .map((v) => `b${v.batchSize} ${f(v.imagesPerSecond, 0)} img/s ${f(v.msPerBatch, 1)} ms`)
      .join('; ');
    const dec = Math.max(...(r.characterisation?.decode ?? []).map((d) => d.imagesPerSecond));
    const large = (r.largePhotos?.rows ?? [])
      .map((l) => `${l.resize} ${f(l.imagesPerSecondPerCore)}/core`)
      .join(', ');
    rows.push([
      `${p.name} (${r.model?.provider ?? '?'}, ${r.model?.dtype ?? '?'})`,
      p.status,
      `classify ${f(r.classify?.imagesPerSecond)} img/s`,
      `decode ${f(dec, 0)} img/s; vision ${vis}; 12 MP decode ${large}`,
      gpu.util,
      gpu.utilMax,
      gpu.memMax,
      `${secs} s`,
    ]);
  } else {
    const base = (r.scenarios ?? []).find((s) => s.group === 'baseline' && s.run);
    rows.push([
      `${p.name} (${base?.workers ?? '?'} worker(s), ${r.model?.provider ?? '?'})`,
      p.status,
      `${f(base?.run?.imagesPerSecond)} img/s`,
      `decode alone ${f(base?.decodeBoundNearby, 0)} img/s → ${f((r.ratios?.baselineToNearbyDecodeBound ?? Number.NaN) * 100)} % of it; worker ${f(base?.workerCpuMsPerImage)} CPU ms/img`,
      gpu.util,
      gpu.utilMax,
      gpu.memMax,
      `${secs} s`,
    ]);
  }
}

const header = ['phase', 'status', 'throughput', 'per stage', 'GPU util', 'GPU max', 'GPU mem', 'time'];
const md = [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
process.stdout.write(
  `\nzeroshot GPU check — provider ${providerNote}, ${samples.length} nvidia-smi samples\n\n${md}\n\n`,
);
writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify({ providerNote, phases, rows }, null, 2)}\n`);
process.stdout.write(`wrote ${path.join(dir, 'summary.json')}\n`);
process.exit(phases.every((p) => p.status === 'ok') ? 0 : 1);
