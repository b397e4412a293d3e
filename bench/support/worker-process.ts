// One `zeroshot worker` child process: started with flags, ready when /readyz answers 200, RSS sampled
// from /proc, stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/support/ports.js';
import { REPO_ROOT } from './results.js';

export const CLI = path.join(REPO_ROOT, 'bin', 'zeroshot.js');

export interface WorkerSettings {
  model: string;
  batchSize?: number;
  maxWaitMs?: number;
  concurrency?: number;
  intraOpThreads?: number;
  extraArgs?: string[];
  /** Spread the workers over this many GPUs: worker i sees only GPU i mod gpus (CUDA_VISIBLE_DEVICES). */
  gpus?: number;
}

export class WorkerProcess {
  private stderrTail = '';
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly metricsPort: number,
    readonly settings: WorkerSettings,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    child.stdout?.on('data', () => {});
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static async start(settings: WorkerSettings, env: NodeJS.ProcessEnv, readyTimeoutMs = 180_000) {
    const port = await freePort();
    const args = [CLI, 'worker', '--model', settings.model, '--metrics-port', String(port)];
    if (settings.batchSize !== undefined) args.push('--batch-size', String(settings.batchSize));
    if (settings.maxWaitMs !== undefined) args.push('--max-wait-ms', String(settings.maxWaitMs));
    if (settings.concurrency !== undefined) args.push('--concurrency', String(settings.concurrency));
    if (settings.intraOpThreads !== undefined)
      args.push('--intra-op-threads', String(settings.intraOpThreads));
    args.push(...(settings.extraArgs ?? []));
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const w = new WorkerProcess(child, port, settings);
    await w.waitReady(readyTimeoutMs);
    return w;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`worker exited with ${this.child.exitCode} before it was ready: ${this.stderrTail}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.metricsPort}/readyz`);
        if (res.status === 200) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
    await this.stop();
    throw new Error(`worker not ready after ${timeoutMs} ms: ${this.stderrTail}`);
  }

  /** Resident set size in bytes (Linux /proc), or undefined once the process is gone. */
  rssBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** user + system CPU ms of the process so far (Linux /proc; clock ticks of 10 ms). */
  cpuMs(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // fields after the ")" that ends the command name: state is field 3, utime 14, stime 15
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await done;
    clearTimeout(timer);
  }
}

/** Starts `n` workers with the same settings (in sequence: each loads the model on the shared cores). */
export async function startWorkers(n: number, settings: WorkerSettings, env: NodeJS.ProcessEnv) {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const own = settings.gpus ? { ...env, CUDA_VISIBLE_DEVICES: String(i % settings.gpus) } : env;
      workers.push(await WorkerProcess.start(settings, own));
    }
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.stop()));
    throw err;
  }
  return workers;
}

/** Summed CPU ms of the workers (those that are gone count 0). */
export function workersCpuMs(workers: WorkerProcess[]): number {
  return workers.reduce((sum, w) => sum + (w.cpuMs() ?? 0), 0);
}

export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  await Promise.allSettled(workers.map((w) => w.stop()));
}
