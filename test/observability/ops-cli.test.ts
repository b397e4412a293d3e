import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { createRedis } from '../../src/jobs/connection.js';
import { freePort } from '../support/ports.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { spawnCli, type WorkerProc } from '../support/worker-process.js';

const PASSWORD = 'dash-Secret-42';

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
  const procs: WorkerProc[] = [];

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
    const p = spawnCli(['exporter', '--port', String(port), '--interval-ms', '200'], {
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
      assert.equal((await p.exited).code, 0);
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
    const p = spawnCli(['dashboard', '--port', String(port)], {
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
    assert.equal((await p.exited).code, 0);
    assert.match(p.output(), /"auth":\{"user":"ops","password":"\*\*\*"\}/);
    assert.ok(!p.output().includes(PASSWORD), 'dashboard password not logged');
    assert.ok(!p.output().includes('redis-Secret-7'), 'redis password not logged');
  });

  it('usage errors exit 2 with one line naming the option', async () => {
    const bind = spawnCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], { REDIS_URL: redis.url });
    assert.equal((await bind.exited).code, 2);
    assert.match(bind.output(), /refusing to listen on 0\.0\.0\.0 without authentication/);
    const half = spawnCli(['dashboard', '--user', 'ops'], {
      REDIS_URL: redis.url,
      ZEROSHOT_DASHBOARD_PASSWORD: '',
    });
    assert.equal((await half.exited).code, 2);
    assert.match(half.output(), /give both --user and --password/);
    const port = spawnCli(['exporter', '--port', '70000']);
    assert.equal((await port.exited).code, 2);
    assert.match(port.output(), /--port \(ZEROSHOT_EXPORTER_PORT\) must be a port number/);
  });
});
