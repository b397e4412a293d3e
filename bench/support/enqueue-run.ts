// One run through the product: `zeroshot enqueue <prefix> ... --wait --json` as a child process, timed
// from start to exit, then checked against the files the workers wrote (every image exactly once).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './results.js';
import type { BenchBucket } from './s3-bucket.js';
import { CLI } from './worker-process.js';

export interface RunRequest {
  runId: string;
  source: string;
  output: string;
  labels: string[];
  chunkSize?: number;
  storeEmbeddings?: boolean;
  reuseEmbeddings?: boolean;
  /** Expected number of images (checked against the result lines). */
  images: number;
}

export interface RunMeasure {
  runId: string;
  images: number;
  wallMs: number;
  /** images / wall-clock seconds of `enqueue --wait` (listing, queueing, work, finalization). */
  imagesPerSecond: number;
  /** what the run itself reported in _SUMMARY.json. */
  summary?: { durationSeconds?: number; imagesPerSecond?: number; counts?: Record<string, number> };
  resultLines: number;
  distinctImages: number;
  errorLines: number;
  exactlyOnce: boolean;
}

export async function runEnqueue(
  req: RunRequest,
  env: NodeJS.ProcessEnv,
  bucket: BenchBucket,
): Promise<RunMeasure> {
  const labelsFile = path.join(os.tmpdir(), `zeroshot-bench-labels-${process.pid}-${req.runId}.txt`);
  writeFileSync(labelsFile, `${req.labels.join('\n')}\n`);
  const args = [CLI, 'enqueue', req.source, '--labels-file', labelsFile, '--output', req.output];
  args.push('--run-id', req.runId, '--wait', '--json');
  if (req.chunkSize !== undefined) args.push('--chunk-size', String(req.chunkSize));
  if (req.storeEmbeddings) args.push('--store-embeddings');
  if (req.reuseEmbeddings) args.push('--reuse-embeddings');
  const start = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-8000);
      });
      child.once('error', reject);
      child.once('exit', (c) => resolve({ code: c, stdout: out, stderr: err }));
    },
  );
  const wallMs = performance.now() - start;
  if (code !== 0) {
    throw new Error(
      `enqueue ${req.runId} exited with ${code}: ${stderr.slice(-2000)} ${stdout.slice(-1000)}`,
    );
  }
  const check = await checkOutput(bucket, req);
  return {
    runId: req.runId,
    images: req.images,
    wallMs,
    imagesPerSecond: (req.images * 1000) / wallMs,
    summary: check.summary,
    resultLines: check.lines,
    distinctImages: check.distinct,
    errorLines: check.errors,
    exactlyOnce: check.lines === req.images && check.distinct === req.images,
  };
}

/** Reads `<output>/<runId>/part-*.jsonl` and `_SUMMARY.json` back from S3. */
async function checkOutput(bucket: BenchBucket, req: RunRequest) {
  const prefix = `${req.output.replace(/^s3:\/\/[^/]+\//, '').replace(/\/?$/, '/')}${req.runId}/`;
  const keys = await bucket.list(prefix);
  let lines = 0;
  let errors = 0;
  const seen = new Set<string>();
  for (const key of keys.filter((k) => /part-\d+\.jsonl$/.test(k))) {
    for (const line of (await bucket.getText(key)).split('\n')) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as { image: string; error?: unknown };
      lines++;
      seen.add(parsed.image);
      if (parsed.error) errors++;
    }
  }
  let summary: RunMeasure['summary'];
  if (keys.includes(`${prefix}_SUMMARY.json`)) {
    const s = JSON.parse(await bucket.getText(`${prefix}_SUMMARY.json`)) as Record<string, unknown>;
    summary = {
      durationSeconds: s.durationSeconds as number | undefined,
      imagesPerSecond: s.imagesPerSecond as number | undefined,
      counts: s.counts as Record<string, number> | undefined,
    };
  }
  return { lines, errors, distinct: seen.size, summary };
}
