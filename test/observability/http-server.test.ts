import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { isAllowedHost, parseAllowedHosts } from '../../src/observability/http/host-check.js';
import { isLoopbackHost } from '../../src/observability/http/validate-listen.js';
import { startObservabilityServer } from '../../src/observability/http-server.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { readinessFromChecks, redisPingCheck } from '../../src/observability/readiness.js';
import { requestWithHost } from '../support/http-host.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

describe('observability HTTP server', () => {
  let redisServer: RedisServerHandle;
  let redis: Redis;
  let server: Awaited<ReturnType<typeof startObservabilityServer>>;
  const registry = new Registry();

  before(async () => {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    createMetrics(registry).imagesProcessed.inc({ status: 'ok', code: '' }, 3);
    server = await startObservabilityServer({
      port: 0,
      registry,
      isReady: readinessFromChecks({ redis: redisPingCheck(redis) }, { timeoutMs: 1_000 }),
    });
  });

  after(async () => {
    await server?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('answers 421 to a Host that is not an IP literal, localhost, the bind address or configured', async () => {
    assert.equal(await requestWithHost(`${server.url}/metrics`, 'rebind.evil.example'), 421);
    assert.equal(await requestWithHost(`${server.url}/metrics`, '127.evil.example:9464'), 421);
    assert.equal(await requestWithHost(`${server.url}/metrics`, new URL(server.url).host), 200);
    const named = await startObservabilityServer({ port: 0, registry, allowedHosts: ['worker-1'] });
    try {
      assert.equal(await requestWithHost(`${named.url}/healthz`, 'worker-1:9464'), 200);
      assert.equal(await requestWithHost(`${named.url}/healthz`, 'worker-2:9464'), 421);
    } finally {
      await named.close();
    }
  });

  it('host rules: loopback by address, not prefix; names compared exactly', () => {
    assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('127.1.2.3') && isLoopbackHost('::1'));
    assert.ok(isLoopbackHost('localhost'));
    assert.ok(!isLoopbackHost('127.evil.com') && !isLoopbackHost('localhost.evil.com'));
    const opts = { bindHost: '0.0.0.0', allowedHosts: ['metrics.example'] };
    assert.ok(isAllowedHost('10.0.0.5:9464', opts));
    assert.ok(isAllowedHost('METRICS.example.', opts));
    assert.ok(!isAllowedHost('metrics.example.evil', opts));
    assert.ok(!isAllowedHost(undefined, opts));
    assert.ok(isAllowedHost('anything', { bindHost: '127.0.0.1', allowedHosts: ['*'] }));
    assert.throws(() => parseAllowedHosts('http://x', '--allowed-host'), /--allowed-host/);
  });

  it('binds to loopback by default', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the registry on /metrics with the Prometheus content type and process metrics', async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), registry.contentType);
    const body = await res.text();
    assert.match(body, /^zeroshot_images_processed_total\{status="ok",code=""\} 3$/m);
    assert.match(body, /^process_cpu_user_seconds_total /m);
    assert.match(body, /^nodejs_eventloop_lag_seconds /m);
  });

  it('collects default process metrics once per registry even with two servers', async () => {
    const second = await startObservabilityServer({ port: 0, registry });
    try {
      const body = await (await fetch(`${second.url}/metrics`)).text();
      assert.equal(body.match(/^# TYPE process_cpu_user_seconds_total/gm)?.length, 1);
    } finally {
      await second.close();
    }
  });

  it('answers /healthz with 200', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { alive: true });
  });

  it('/readyz is 200 while Redis answers and 503 naming the failed check while it is down', async () => {
    let res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ready: true, checks: { redis: 'ok' } });

    await redisServer.stop({ removeData: false });
    res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { ready: boolean; checks: Record<string, string> };
    assert.equal(body.ready, false);
    assert.notEqual(body.checks.redis, 'ok');

    await redisServer.restart();
    const deadline = Date.now() + 10_000;
    do {
      res = await fetch(`${server.url}/readyz`);
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    assert.equal(res.status, 200);
  });

  it('/readyz is 503 when isReady throws, and the error becomes the check', async () => {
    const s = await startObservabilityServer({
      port: 0,
      registry: new Registry(),
      isReady: () => {
        throw new Error('model not loaded');
      },
    });
    try {
      const res = await fetch(`${s.url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { ready: false, checks: { readiness: 'model not loaded' } });
    } finally {
      await s.close();
    }
  });

  it('a hung check times out as not ready', async () => {
    const isReady = readinessFromChecks({ slow: () => new Promise(() => {}) }, { timeoutMs: 50 });
    assert.deepEqual(await isReady(), { ready: false, checks: { slow: 'timed out after 50 ms' } });
  });

  it('a port already in use gives a clear error', async () => {
    const port = Number(new URL(server.url).port);
    await assert.rejects(startObservabilityServer({ port, registry: new Registry() }), (err: Error) => {
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
      assert.equal((err as { code?: string }).code, 'INVALID_OPTION');
      return true;
    });
  });

  it('rejects a bad port or host up front, naming the option', async () => {
    await assert.rejects(
      startObservabilityServer({ port: 70000 }),
      /port must be an integer from 0 to 65535/,
    );
    await assert.rejects(startObservabilityServer({ port: 0, host: '' }), /host must be a non-empty address/);
  });
});
