import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, then SIGKILL). Keeps the data directory unless `removeData`. */
  stop(opts?: { removeData?: boolean }): Promise<void>;
  /** Stops and starts again on the same port and directory (AOF replays when `appendonly`). */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  appendonly?: boolean;
  password?: string;
}

/** Starts a real, private `redis-server` on a free loopback port (installed by .ci/run / scripts). */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', opts.appendonly ? 'yes' : 'no');
    if (opts.appendonly) args.push('--appendfsync', 'always');
    if (opts.password) args.push('--requirepass', opts.password);
    const c = spawn('redis-server', args, { stdio: 'ignore' });
    child = c;
    const failed = new Promise<never>((_, reject) => {
      c.once('error', (err) =>
        reject(new Error(`cannot start redis-server (apt-get install -y redis-server): ${err.message}`)),
      );
      c.once('exit', (code) => reject(new Error(`redis-server exited with status ${code} at start`)));
    });
    await Promise.race([waitForPort(port), failed]);
    c.removeAllListeners('exit');
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    async stop(o = {}) {
      await stop();
      if (o.removeData !== false) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await launch();
    },
  };
}
