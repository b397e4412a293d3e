import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { createRedis } from '../../src/jobs/connection.js';
import { freePort } from '../support/ports.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { CLI } from '../support/shared.js';

const PASSWORD = 'dash-Secret-42';

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitForHttp(url: string, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('zeroshot exporter and zeroshot dashboard (CLI processes)', () => {
  let redis: RedisServerHandle;
  const procs: Proc[] = [];

  before(async () => {
    redis = await startRedisServer({ password: 'redis-Secret-7' });
  });

  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('zeroshot exporter serves queue depth, is ready, and exits 0 on SIGTERM; the Redis password is never logged', async () => {
    const port = await freePort();
    const conn = createRedis(redis.url);
    const chunks = new Queue('chunks', { connection: conn, prefix: '{zeroshot}' });
    await chunks.add('chunk', { n: 1 });
    const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz';
    const p = run(['exporter', '--port', String(port), '--interval-ms', '200'], {
      REDIS_URL: redis.url,
      AWS_ACCESS_KEY_ID: 'AKIAZZZZZZZZZZZZZZZZ',
      AWS_SECRET_ACCESS_KEY: awsSecret,
      ZEROSHOT_LOG_LEVEL: 'debug',
    });
    procs.push(p);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/healthz`);
      const deadline = Date.now() + 10_000;
      let text = '';
      while (Date.now() < deadline) {
        text = await (await fetch(`${base}/metrics`)).text();
        if (/zeroshot_queue_jobs\{queue="chunks",state="waiting"\} 1/.test(text)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(text, /zeroshot_queue_jobs\{queue="chunks",state="waiting"\} 1/);
      assert.match(text, /zeroshot_queue_exporter_leader 1/);
      assert.match(text, /process_resident_memory_bytes/);
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      for (const secret of ['redis-Secret-7', awsSecret, 'AKIAZZZZZZZZZZZZZZZZ']) {
        assert.ok(!p.output().includes(secret), `log leaks ${secret}: ${p.output()}`);
        assert.ok(!text.includes(secret), `metrics leak ${secret}`);
      }
      assert.equal(await conn.exists('{zeroshot}:exporter:lease'), 0, 'the lease is released on exit');
    } finally {
      await chunks.close();
      conn.disconnect();
    }
  });

  it('zeroshot dashboard requires basic auth from the environment, and redacts the password in its log', async () => {
    const port = await freePort();
    const p = run(['dashboard', '--port', String(port)], {
      REDIS_URL: redis.url,
      ZEROSHOT_DASHBOARD_USER: 'ops',
      ZEROSHOT_DASHBOARD_PASSWORD: PASSWORD,
    });
    procs.push(p);
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await waitForHttp(`${base}/`)).status, 401);
    const ok = await fetch(`${base}/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}` },
    });
    assert.equal(ok.status, 200);
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0);
    assert.match(p.output(), /"auth":\{"user":"ops","password":"\*\*\*"\}/);
    assert.ok(!p.output().includes(PASSWORD), 'dashboard password not logged');
    assert.ok(!p.output().includes('redis-Secret-7'), 'redis password not logged');
  });

  it('usage errors exit 2 with one line naming the option', async () => {
    const bind = run(['dashboard', '--host', '0.0.0.0', '--port', '0'], { REDIS_URL: redis.url });
    assert.equal(await bind.exited, 2);
    assert.match(bind.output(), /refusing to listen on 0\.0\.0\.0 without authentication/);
    const half = run(['dashboard', '--user', 'ops'], {
      REDIS_URL: redis.url,
      ZEROSHOT_DASHBOARD_PASSWORD: '',
    });
    assert.equal(await half.exited, 2);
    assert.match(half.output(), /give both --user and --password/);
    const port = run(['exporter', '--port', '70000']);
    assert.equal(await port.exited, 2);
    assert.match(port.output(), /--port \(ZEROSHOT_EXPORTER_PORT\) must be a port number/);
  });
});
