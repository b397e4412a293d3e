import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface RedisClusterHandle {
  /** URL of one seed node (use with `ZEROSHOT_REDIS_CLUSTER=1`). */
  url: string;
  ports: number[];
  /** URL of a node that does NOT own `key`'s slot: a plain (non-cluster) client would get MOVED there. */
  urlNotOwning(key: string): string;
  stop(): Promise<void>;
}

/** Starts a real three-master Redis Cluster (redis-server + `redis-cli --cluster create`) on loopback. */
export async function startRedisCluster(nodes = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const urlNotOwning = (key: string) => {
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', String(ports[0]), ...args], { encoding: 'utf8' }).stdout.trim();
    const slot = Number(cli('cluster', 'keyslot', key));
    // CLUSTER NODES lines: id addr@bus flags master ping pong epoch state slot-range...
    const nodesOut = cli('cluster', 'nodes');
    for (const line of nodesOut.split('\n')) {
      const [, addr, , , , , , , ...ranges] = line.split(' ');
      const port = Number(addr?.split('@')[0]?.split(':')[1]);
      const owns = ranges.some((r) => {
        const [a, b] = r.split('-').map(Number);
        return slot >= (a as number) && slot <= ((b ?? a) as number);
      });
      if (!owns && ports.includes(port)) return `redis://127.0.0.1:${port}`;
    }
    throw new Error(`every node owns slot ${slot}?`);
  };
  try {
    for (let i = 0; i < nodes; i++) {
      const port = await freePort();
      const nodeDir = path.join(dir, String(port));
      spawnSync('mkdir', ['-p', nodeDir]);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--save', ''];
      args.push('--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf');
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
      ports.push(port);
    }
    await Promise.all(ports.map((p) => waitForPort(p)));
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (let i = 0; i < 100; i++) {
      const info = spawnSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' });
      if (info.stdout.includes('cluster_state:ok')) {
        return { url: `redis://127.0.0.1:${ports[0]}`, ports, urlNotOwning, stop };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the Redis Cluster did not reach cluster_state:ok');
  } catch (err) {
    await stop();
    throw err;
  }
}
