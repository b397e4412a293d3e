import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './results.js';

/** A long-lived transformers.js process answering one timed pass per request (for interleaved rounds). */
export class PeerServer {
  private buffer = '';
  private waiters: Array<(line: string) => void> = [];
  private stderrTail = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiters.shift()?.(line);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    child.once('exit', (code) => {
      for (const w of this.waiters.splice(0))
        w(JSON.stringify({ error: `peer exited with ${code}: ${this.stderrTail}` }));
    });
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiters.push((line) => resolve(JSON.parse(line) as Record<string, unknown>));
    });
  }

  static async start(opts: { model: string; images: string; labels: string[]; threads?: number }) {
    const args = [
      path.join(REPO_ROOT, 'bench', 'peer-transformers.mjs'),
      '--serve',
      '--model',
      opts.model,
      '--images',
      opts.images,
      '--labels',
      opts.labels.join(','),
    ];
    if (opts.threads) args.push('--threads', String(opts.threads));
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new PeerServer(child);
    const ready = await server.next();
    if (!ready.ready) throw new Error(`transformers.js peer did not start: ${JSON.stringify(ready)}`);
    return { server, ready };
  }

  /** One timed pass over all photos: wall ms and the peer process's CPU ms. */
  async pass(): Promise<{ ms: number; cpuMs: number }> {
    const reply = this.next();
    this.child.stdin.write('pass\n');
    const r = await reply;
    if (typeof r.ms !== 'number') throw new Error(`transformers.js peer: ${JSON.stringify(r)}`);
    return { ms: r.ms, cpuMs: r.cpuMs as number };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
