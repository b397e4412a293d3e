import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FlowProducer, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { keys } from '../../src/jobs/names.js';
import {
  type QueueDepthExporter,
  startQueueDepthExporter,
} from '../../src/observability/queue-depth-exporter.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

const PREFIX = '{zstest}';

async function depth(registry: Registry) {
  const json = await registry.getSingleMetric('zeroshot_queue_jobs')?.get();
  const out: Record<string, number> = {};
  for (const v of json?.values ?? []) out[`${v.labels.queue}/${v.labels.state}`] = v.value;
  return out;
}

describe('queue-depth exporter', () => {
  let redisServer: RedisServerHandle;
  let redis: Redis;
  const started: QueueDepthExporter[] = [];
  const start = (opts: Parameters<typeof startQueueDepthExporter>[0]) => {
    const e = startQueueDepthExporter({ redisUrl: redisServer.url, prefix: PREFIX, ...opts });
    started.push(e);
    return e;
  };

  before(async () => {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url);
    redis.on('error', () => {});
  });

  after(async () => {
    await Promise.all(started.map((e) => e.stop()));
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('gauges follow jobs added to a real BullMQ queue', async () => {
    const registry = new Registry();
    const exporter = start({ registry, intervalMs: 60_000 });
    const chunks = new Queue('chunks', { connection: { url: redisServer.url }, prefix: PREFIX });
    try {
      await exporter.refresh();
      let d = await depth(registry);
      assert.equal(exporter.isLeader(), true);
      assert.equal(d['chunks/waiting'], 0);
      assert.equal(d['runs/waiting-children'], 0);
      assert.equal(Object.keys(d).length, 3 * 7, 'three queues × seven states');

      await chunks.addBulk([1, 2, 3].map((i) => ({ name: 'chunk', data: { i } })));
      await chunks.add('chunk', { i: 4 }, { delay: 60_000 });
      await chunks.add('chunk', { i: 5 }, { priority: 5 });
      const flow = new FlowProducer({ connection: { url: redisServer.url }, prefix: PREFIX });
      await flow.add({
        name: 'finalize',
        queueName: 'runs',
        children: [{ name: 'chunk', queueName: 'chunks', data: {} }],
      });
      await flow.close();

      await exporter.refresh();
      d = await depth(registry);
      assert.equal(d['chunks/waiting'], 4);
      assert.equal(d['chunks/delayed'], 1);
      assert.equal(d['chunks/prioritized'], 1);
      assert.equal(d['runs/waiting-children'], 1);

      await chunks.drain(true);
      await exporter.refresh();
      d = await depth(registry);
      assert.equal(d['chunks/waiting'], 0);
      assert.equal(d['chunks/delayed'], 0);
    } finally {
      await chunks.close();
      await exporter.stop();
    }
    assert.deepEqual(await depth(registry), {}, 'stop() removes the series');
    assert.equal(await redis.exists(keys(PREFIX).exporterLease()), 0, 'stop() releases the lease');
  });

  it('two exporters elect one: only the lease holder publishes, the other takes over when it stops', async () => {
    const regA = new Registry();
    const regB = new Registry();
    const a = start({ registry: regA, intervalMs: 100, leaseMs: 400 });
    await a.refresh();
    const b = start({ registry: regB, intervalMs: 100, leaseMs: 400 });
    await b.refresh();
    await a.refresh();

    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.equal(Object.keys(await depth(regA)).length, 21);
    assert.deepEqual(await depth(regB), {}, 'the non-holder publishes nothing');
    assert.equal(
      await regB
        .getSingleMetric('zeroshot_queue_exporter_leader')
        ?.get()
        .then((m) => m.values[0]?.value),
      0,
    );

    // The lease is renewed: after several lease periods the holder is unchanged.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);

    await a.stop();
    await b.refresh();
    assert.equal(b.isLeader(), true, 'released lease is taken at the next read');
    assert.equal(Object.keys(await depth(regB)).length, 21);
    assert.deepEqual(await depth(regA), {});
    await b.stop();
  });

  it('a holder that dies without releasing is replaced after the lease expires', async () => {
    const lease = keys(PREFIX).exporterLease();
    await redis.set(lease, 'some-dead-process', 'PX', 300);
    const registry = new Registry();
    const e = start({ registry, intervalMs: 100, leaseMs: 400 });
    await e.refresh();
    assert.equal(e.isLeader(), false);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(e.isLeader(), true);
    assert.notEqual(await redis.get(lease), 'some-dead-process');
    await e.stop();
  });

  it('elect: false always publishes', async () => {
    const r1 = new Registry();
    const r2 = new Registry();
    const e1 = start({ registry: r1, intervalMs: 60_000, elect: false });
    const e2 = start({ registry: r2, intervalMs: 60_000, elect: false });
    await Promise.all([e1.refresh(), e2.refresh()]);
    assert.equal(Object.keys(await depth(r1)).length, 21);
    assert.equal(Object.keys(await depth(r2)).length, 21);
    await Promise.all([e1.stop(), e2.stop()]);
  });

  it('drops the series while Redis is down and publishes again when it is back', async () => {
    const registry = new Registry();
    const e = start({ registry, intervalMs: 60_000 });
    await e.refresh();
    assert.equal(Object.keys(await depth(registry)).length, 21);
    await redisServer.stop({ removeData: false });
    await e.refresh();
    assert.deepEqual(await depth(registry), {});
    await redisServer.restart();
    const deadline = Date.now() + 10_000;
    while (Object.keys(await depth(registry)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      await e.refresh();
    }
    assert.equal(Object.keys(await depth(registry)).length, 21);
    await e.stop();
  });

  it('rejects bad options naming them', () => {
    assert.throws(() => startQueueDepthExporter({ intervalMs: 0 }), /intervalMs must be an integer/);
    assert.throws(() => startQueueDepthExporter({ intervalMs: 1000, leaseMs: 500 }), /leaseMs must be/);
  });
});
