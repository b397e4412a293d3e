// One run through the product — producer → Redis (BullMQ) → worker processes → S3 — timed from submission
// to completion, then checked against the files the workers wrote (every image exactly once).
// Submitted either with the CLI (`zeroshot enqueue ... --wait --json` as a child process) or with the
// producer API in this process (enqueueRun + waitForRun with a 100 ms poll).
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enqueueRun, waitForRun } from '../../src/producer/index.js';
import { REPO_ROOT } from './results.js';
import type { BenchBucket } from './s3-bucket.js';
import { CLI } from './worker-process.js';

export type Via = 'cli' | 'api';

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
  /** images / wall-clock seconds from submission to completion (listing, queueing, work, finalization). */
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
  via: Via = 'api',
): Promise<RunMeasure> {
  const start = performance.now();
  if (via === 'api') await submitApi(req, env);
  else await submitCli(req, env);
  const wallMs = performance.now() - start;
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

async function submitApi(req: RunRequest, env: NodeJS.ProcessEnv): Promise<void> {
  const deps = { env, redisUrl: env.REDIS_URL };
  const created = await enqueueRun(
    {
      sources: [req.source],
      labels: req.labels,
      output: req.output,
      runId: req.runId,
      ...(req.chunkSize === undefined ? {} : { chunkSize: req.chunkSize }),
      ...(req.storeEmbeddings ? { storeEmbeddings: true } : {}),
      ...(req.reuseEmbeddings ? { reuseEmbeddings: true } : {}),
    },
    deps,
  );
  if (created.images !== req.images) {
    throw new Error(`run ${req.runId}: enqueued ${created.images} images, expected ${req.images}`);
  }
  const status = await waitForRun(req.runId, { pollMs: 100 }, deps);
  if (status.state !== 'completed') {
    throw new Error(`run ${req.runId} ended ${status.state}: ${status.error ?? ''}`);
  }
}

async function submitCli(req: RunRequest, env: NodeJS.ProcessEnv): Promise<void> {
  const labelsFile = path.join(os.tmpdir(), `zeroshot-bench-labels-${process.pid}-${req.runId}.txt`);
  writeFileSync(labelsFile, `${req.labels.join('\n')}\n`);
  const args = [CLI, 'enqueue', req.source, '--labels-file', labelsFile, '--output', req.output];
  args.push('--run-id', req.runId, '--wait', '--json');
  if (req.chunkSize !== undefined) args.push('--chunk-size', String(req.chunkSize));
  if (req.storeEmbeddings) args.push('--store-embeddings');
  if (req.reuseEmbeddings) args.push('--reuse-embeddings');
  try {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
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
    });
    if (code !== 0) {
      throw new Error(
        `enqueue ${req.runId} exited with ${code}: ${stderr.slice(-2000)} ${stdout.slice(-1000)}`,
      );
    }
  } finally {
    rmSync(labelsFile, { force: true });
  }
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
