import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { removeDir, sleep, tempDir } from '../worker/helpers.js';
import { CLI, TINY_MODEL_DIR } from './fixtures.js';
import { type RedisServerHandle, type RedisServerOptions, startRedisServer } from './redis-server.js';

/** A `zeroshot <command>` child process with its combined stdout and stderr. */
export interface WorkerProc {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Spawns `bin/zeroshot.js <args>` with JSON info logs; stdout and stderr are collected together. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): WorkerProc {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ZEROSHOT_LOG_LEVEL: 'info', ZEROSHOT_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => out };
}

/** `zeroshot worker` flags for the tiny model on CPU, with no metrics server, scheduler or exporter. */
export function quietWorkerArgs(redisUrl: string, prefix?: string): string[] {
  return [
    '--model',
    TINY_MODEL_DIR,
    '--provider',
    'cpu',
    '--redis-url',
    redisUrl,
    ...(prefix === undefined ? [] : ['--queue-prefix', prefix]),
    '--metrics-port',
    '0',
    '--scheduler',
    'false',
    '--queue-exporter',
    'false',
  ];
}

/** Spawns `bin/zeroshot.js worker` (quietWorkerArgs, concurrency 2, batches of 4) plus `extra` flags. */
export function spawnWorker(
  redisUrl: string,
  prefix: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): WorkerProc {
  return spawnCli(
    ['worker', ...quietWorkerArgs(redisUrl, prefix), '--concurrency', '2', '--batch-size', '4', ...extra],
    env,
  );
}

export const isRunning = (p: WorkerProc) => p.child.exitCode === null && p.child.signalCode === null;

/** SIGKILLs every worker still running and waits for them to exit. */
export async function killAll(procs: WorkerProc[]): Promise<void> {
  for (const p of procs) if (isRunning(p)) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
}

/** SIGTERMs a worker and waits for it (SIGKILL after `graceMs`). */
export async function stopWorker(p: WorkerProc, graceMs = 10_000): Promise<void> {
  if (!isRunning(p)) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (undefined once it is gone). */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples rssBytes(pid) every 50 ms until stop(), which resolves to the peak seen (0 if never sampled). */
export function samplePeakRss(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssBytes(pid) ?? 0);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      sampling = false;
      await sampler;
      return peak;
    },
  };
}

/** What workerProcessSuite() gives a describe(): filled in by its before() hook. */
export interface WorkerProcessSuite {
  redis: RedisServerHandle;
  /** A temp directory, removed in after(). */
  dir: string;
  /** Push every spawned worker here: after() SIGKILLs those still running. */
  procs: WorkerProc[];
}

/** Registers before/after hooks (60 s each): a private redis-server and a temp dir; after() also kills `procs`. */
export function workerProcessSuite(name: string, redisOpts: RedisServerOptions = {}): WorkerProcessSuite {
  const ctx = { procs: [] as WorkerProc[] } as WorkerProcessSuite;
  before(
    async () => {
      ctx.redis = await startRedisServer(redisOpts);
      ctx.dir = tempDir(name);
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await killAll(ctx.procs);
      await ctx.redis?.stop();
      removeDir(ctx.dir);
    },
    { timeout: 60_000 },
  );
  return ctx;
}
