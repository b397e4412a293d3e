import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { type Dashboard, startDashboard } from '../../src/observability/dashboard.js';
import { requestWithHost } from '../support/http-host.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

const PREFIX = '{zsdash}';
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('zeroshot dashboard (Bull Board)', () => {
  let redisServer: RedisServerHandle;
  let dashboard: Dashboard;
  const auth = basic('ops', 's3cret-dash');

  before(async () => {
    redisServer = await startRedisServer();
    dashboard = await startDashboard({
      port: 0,
      redisUrl: redisServer.url,
      prefix: PREFIX,
      auth: { user: 'ops', password: 's3cret-dash' },
    });
  });

  after(async () => {
    await dashboard?.close();
    await redisServer?.stop();
  });

  it('answers 401 with a basic-auth challenge without or with wrong credentials', async () => {
    const none = await fetch(`${dashboard.url}/`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm="zeroshot dashboard"/);
    assert.equal((await fetch(`${dashboard.url}/api/queues`)).status, 401);
    assert.equal((await fetch(`${dashboard.url}/`, { headers: basic('ops', 'wrong') })).status, 401);
    assert.equal((await fetch(`${dashboard.url}/`, { headers: basic('root', 's3cret-dash') })).status, 401);
  });

  it('answers /healthz without credentials (container healthcheck)', async () => {
    const res = await fetch(`${dashboard.url}/healthz`);
    assert.equal(res.status, 200);
  });

  it('serves the UI and its assets with credentials', async () => {
    const res = await fetch(`${dashboard.url}/`, { headers: auth });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<title>zeroshot<\/title>/);
    const script = html.match(/src="([^"]+\.js)"/)?.[1];
    assert.ok(script, 'the page references its script');
    assert.equal((await fetch(new URL(script, `${dashboard.url}/`), { headers: auth })).status, 200);
  });

  it('lists the chunks, runs and schedules queues and retries a failed job', async () => {
    const connection = { url: redisServer.url };
    const chunks = new Queue('chunks', { connection, prefix: PREFIX });
    const events = new QueueEvents('chunks', { connection, prefix: PREFIX });
    await events.waitUntilReady();
    const worker = new Worker(
      'chunks',
      async () => {
        throw new Error('STORAGE_ACCESS_DENIED: no permission');
      },
      { connection, prefix: PREFIX },
    );
    try {
      const job = await chunks.add('chunk', { n: 1 }, { jobId: 'run-r1-chunk-000000', attempts: 1 });
      await assert.rejects(job.waitUntilFinished(events), /no permission/);
      await worker.close();

      const res = await fetch(`${dashboard.url}/api/queues?activeQueue=chunks&status=failed`, {
        headers: auth,
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        queues: Array<{
          name: string;
          counts: Record<string, number>;
          jobs: Array<{ id: string; failedReason: string }>;
        }>;
      };
      assert.deepEqual(body.queues.map((q) => q.name).sort(), ['chunks', 'runs', 'schedules']);
      const q = body.queues.find((x) => x.name === 'chunks');
      assert.equal(q?.counts.failed, 1);
      assert.equal(q?.jobs[0]?.id, 'run-r1-chunk-000000');
      assert.match(q?.jobs[0]?.failedReason ?? '', /no permission/);

      const retry = await fetch(
        `${dashboard.url}/api/queues/chunks/run-r1-chunk-000000/retry?status=failed`,
        {
          method: 'PUT',
          headers: auth,
        },
      );
      assert.ok(retry.status < 300, `retry answered ${retry.status}: ${await retry.text()}`);
      const counts = await chunks.getJobCounts('failed', 'waiting');
      assert.deepEqual(counts, { failed: 0, waiting: 1 });
    } finally {
      await worker.close();
      await events.close();
      await chunks.close();
    }
  });

  it('DNS rebinding: a loopback dashboard without auth answers 421 to a foreign Host, even for retry', async () => {
    const open = await startDashboard({ port: 0, redisUrl: redisServer.url, prefix: PREFIX });
    const named = await startDashboard({
      port: 0,
      redisUrl: redisServer.url,
      prefix: PREFIX,
      allowedHosts: ['dash.internal.example'],
    });
    try {
      const port = new URL(open.url).port;
      const retryAll = `${open.url}/api/queues/chunks/retry/failed`;
      assert.equal(await requestWithHost(retryAll, 'rebind.evil.example', 'PUT'), 421);
      assert.equal(await requestWithHost(`${open.url}/api/queues`, `rebind.evil.example:${port}`), 421);
      assert.equal(await requestWithHost(`${open.url}/api/queues`, '127.evil.example'), 421);
      assert.equal(await requestWithHost(`${open.url}/healthz`, 'evil.example'), 421);
      assert.equal(await requestWithHost(`${open.url}/api/queues`, `127.0.0.1:${port}`), 200);
      assert.equal(await requestWithHost(`${open.url}/api/queues`, `localhost:${port}`), 200);
      assert.equal(await requestWithHost(`${open.url}/api/queues`, `[::1]:${port}`), 200);
      assert.equal(await requestWithHost(`${named.url}/api/queues`, 'dash.internal.example'), 200);
      assert.equal(await requestWithHost(`${named.url}/api/queues`, 'rebind.evil.example'), 421);
    } finally {
      await open.close();
      await named.close();
    }
  });

  it('loopback is an address check: a name starting with 127. is not loopback', async () => {
    await assert.rejects(
      startDashboard({ port: 0, host: '127.evil.example', redisUrl: redisServer.url }),
      /refusing to listen on 127\.evil\.example without authentication/,
    );
  });

  it('refuses a non-loopback host without auth, unless insecureNoAuth', async () => {
    await assert.rejects(
      startDashboard({ port: 0, host: '0.0.0.0', redisUrl: redisServer.url }),
      /refusing to listen on 0\.0\.0\.0 without authentication.*--insecure-no-auth/,
    );
    await assert.rejects(
      startDashboard({ port: 0, redisUrl: redisServer.url, auth: { user: 'ops', password: '' } }),
      /needs both a user and a password/,
    );
    const open = await startDashboard({
      port: 0,
      host: '0.0.0.0',
      redisUrl: redisServer.url,
      insecureNoAuth: true,
    });
    try {
      const port = new URL(open.url).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/queues`)).status, 200);
    } finally {
      await open.close();
    }
  });
});
