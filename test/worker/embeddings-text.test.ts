import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { type Classifier, createClassifier } from '../../src/core/classifier.js';
import type { TemplateOptions } from '../../src/core/types.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { SharedTextEmbeddings } from '../../src/worker/embeddings/index.js';
import { TINY_MODEL_DIR } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

const PREFIX = '{ztext}';

/** The REAL text encoder of the tiny model, with a call log in front of it. */
interface CountingEncoder {
  calls: string[][];
  embedTexts(labels: string[], opts: TemplateOptions): Promise<Float32Array[]>;
}

let redisServer: RedisServerHandle;
let redis: Redis;
/** The real engine on the tiny model: `engine.embedTexts` is exactly what the worker passes in. */
let engine: Classifier;

function countingEncoder(): CountingEncoder {
  const calls: string[][] = [];
  return {
    calls,
    embedTexts: (labels, opts) => {
      calls.push([...labels]);
      return engine.embedTexts(labels, opts);
    },
  };
}

async function counter(m: Metrics, result: string, tier: string): Promise<number> {
  const data = await m.textCache.get();
  return data.values.find((v) => v.labels.result === result && v.labels.tier === tier)?.value ?? 0;
}

function worker(
  enc: CountingEncoder,
  extra: Partial<ConstructorParameters<typeof SharedTextEmbeddings>[0]> = {},
) {
  const metrics = createMetrics(new Registry());
  const texts = new SharedTextEmbeddings({
    redis,
    prefix: PREFIX,
    modelId: engine.info.id,
    embedTexts: enc.embedTexts,
    metrics,
    ...extra,
  });
  return { texts, metrics };
}

before(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
  engine = await createClassifier({ model: TINY_MODEL_DIR, providers: ['cpu'], intraOpThreads: 1 });
});

after(async () => {
  await engine?.close();
  redis?.disconnect();
  await redisServer?.stop();
});

describe('text embeddings shared through Redis', () => {
  test('first call encodes once, the same worker then hits memory, another worker hits Redis', async () => {
    const labels = ['a tench', 'a goldfish', 'a great white shark'];
    const encA = countingEncoder();
    const a = worker(encA);
    const fresh = await engine.embedTexts(labels, {});
    const first = await a.texts.getLabelEmbeddings(labels);
    assert.deepEqual(encA.calls, [labels]);
    first.forEach((v, i) => {
      assert.deepEqual([...v], [...(fresh[i] as Float32Array)]);
    });
    assert.equal(await counter(a.metrics, 'miss', 'memory'), 3);
    assert.equal(await counter(a.metrics, 'miss', 'redis'), 3);

    const again = await a.texts.getLabelEmbeddings(labels);
    assert.equal(encA.calls.length, 1, 'memory hit: encoder not called');
    assert.equal(await counter(a.metrics, 'hit', 'memory'), 3);
    assert.deepEqual(again, first);

    const encB = countingEncoder();
    const b = worker(encB);
    const fromRedis = await b.texts.getLabelEmbeddings(labels);
    assert.equal(encB.calls.length, 0, 'second worker must not run its encoder');
    assert.equal(await counter(b.metrics, 'hit', 'redis'), 3);
    fromRedis.forEach((v, i) => {
      assert.deepEqual([...v], [...(first[i] as Float32Array)], 'float32 bytes are exact');
    });

    const stored = await redis.keys(`${PREFIX}:temb:*`);
    assert.equal(stored.filter((k) => !k.endsWith(':lock')).length, 3);
    for (const k of stored) {
      const t = await redis.ttl(k);
      assert.ok(t > 0 && t <= 7 * 24 * 3600, `${k} has TTL ${t}`);
    }
  });

  test('only the missing labels are encoded, in batches', async () => {
    const enc = countingEncoder();
    const w = worker(enc, { batchSize: 2 });
    await w.texts.getLabelEmbeddings(['a tench', 'a goldfish']);
    assert.equal(enc.calls.length, 0, 'already in Redis from the previous test');
    const labels = ['a tench', 'label one', 'label two', 'label three', 'label four', 'label five'];
    const out = await w.texts.getLabelEmbeddings(labels);
    assert.equal(out.length, labels.length);
    assert.deepEqual(enc.calls, [['label one', 'label two'], ['label three', 'label four'], ['label five']]);
    const fresh = await engine.embedTexts(labels, {});
    out.forEach((v, i) => {
      assert.deepEqual([...v], [...(fresh[i] as Float32Array)]);
    });
  });

  test('templates and model id are part of the key', async () => {
    const enc = countingEncoder();
    const w = worker(enc);
    const plain = await w.texts.getLabelEmbeddings(['a tench']);
    assert.equal(enc.calls.length, 0);
    const opts = { templates: ['a blurry photo of {}.', 'a sketch of {}.'] };
    const templated = await w.texts.getLabelEmbeddings(['a tench'], opts);
    assert.deepEqual(enc.calls, [['a tench']]);
    assert.notDeepEqual([...(templated[0] as Float32Array)], [...(plain[0] as Float32Array)]);
    const fresh = await engine.embedTexts(['a tench'], opts);
    assert.deepEqual([...(templated[0] as Float32Array)], [...(fresh[0] as Float32Array)]);

    const other = countingEncoder();
    await worker(other, { modelId: 'another-model' }).texts.getLabelEmbeddings(['a tench']);
    assert.deepEqual(other.calls, [['a tench']]);
  });

  test('two workers asking for the same new label set at once: it is encoded once (SET NX lock)', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => `herd label ${i}`);
    const encs = [countingEncoder(), countingEncoder(), countingEncoder()];
    const results = await Promise.all(encs.map((e) => worker(e).texts.getLabelEmbeddings(labels)));
    const encoded = encs.reduce((n, e) => n + e.calls.flat().length, 0);
    assert.equal(encoded, labels.length, 'exactly one worker encoded the set');
    const [head, ...rest] = results as [Float32Array[], ...Float32Array[][]];
    for (const r of rest) {
      r.forEach((v, i) => {
        assert.deepEqual([...v], [...(head[i] as Float32Array)]);
      });
    }
  });

  test('a slow holder keeps its lock alive: the other worker waits instead of encoding too', async () => {
    const labels = ['slow label 1', 'slow label 2', 'slow label 3'];
    const slow = countingEncoder();
    const slowEmbed = slow.embedTexts;
    let holding: () => void = () => {};
    const holds = new Promise<void>((r) => {
      holding = r;
    });
    slow.embedTexts = async (ls, opts) => {
      holding();
      await new Promise((r) => setTimeout(r, 2_500)); // 2.5× the lock TTL below
      return slowEmbed(ls, opts);
    };
    const other = countingEncoder();
    // A TTL well above a loaded machine's timer delays, so only a holder that stops renewing loses it.
    const holder = worker(slow, { lockWaitMs: 1_000 }).texts.getLabelEmbeddings(labels);
    await holds; // the holder has the lock and is encoding
    const waiter = await worker(other, { lockWaitMs: 1_000 }).texts.getLabelEmbeddings(labels);
    await holder;
    assert.equal(slow.calls.length, 1);
    assert.equal(other.calls.length, 0, 'the waiter got the holder’s results from Redis');
    assert.equal(waiter.length, 3);
  });

  test('prompt ensembles: keys use the resolved templates, batches are sized by prompts', async () => {
    const enc = countingEncoder();
    const labels = Array.from({ length: 30 }, (_, i) => `ensemble label ${i}`);
    const out = await worker(enc).texts.getLabelEmbeddings(labels, { ensemble: 'imagenet80' });
    assert.deepEqual(
      enc.calls.map((c) => c.length),
      [12, 12, 6],
      '80 templates: 12 labels (960 prompts) per encoder call',
    );
    const fresh = await engine.embedTexts(labels.slice(0, 2), { ensemble: 'imagenet80' });
    assert.deepEqual([...(out[1] as Float32Array)], [...(fresh[1] as Float32Array)]);
    const again = countingEncoder();
    await worker(again).texts.getLabelEmbeddings(labels.slice(0, 3), { ensemble: 'imagenet80' });
    assert.equal(again.calls.length, 0);
    await assert.rejects(worker(again).texts.getLabelEmbeddings(['x'], { ensemble: 'nope' }), /nope/);
  });

  test('concurrent calls in one process share in-flight work', async () => {
    const enc = countingEncoder();
    const w = worker(enc, { lockWaitMs: 0 });
    const labels = ['inflight a', 'inflight b'];
    const [x, y] = await Promise.all([
      w.texts.getLabelEmbeddings(labels),
      w.texts.getLabelEmbeddings(labels),
    ]);
    assert.equal(enc.calls.length, 1);
    assert.deepEqual(x, y);
  });

  test('a corrupt Redis value is a miss and gets rewritten', async () => {
    const enc = countingEncoder();
    const w = worker(enc);
    await w.texts.getLabelEmbeddings(['corrupt me']);
    const all = await redis.keys(`${PREFIX}:temb:*`);
    for (const key of all) await redis.set(key, 'abc'); // 3 bytes: not float32 data
    const enc2 = countingEncoder();
    const out = await worker(enc2).texts.getLabelEmbeddings(['corrupt me']);
    assert.deepEqual(enc2.calls, [['corrupt me']]);
    assert.equal(out[0]?.length, engine.info.projectionDim);
    const enc3 = countingEncoder();
    await worker(enc3).texts.getLabelEmbeddings(['corrupt me']);
    assert.equal(enc3.calls.length, 0, 'rewritten by the previous call');
  });

  test('Redis unreachable: labels are encoded locally, never an error', async () => {
    const down = new Redis({
      port: await freePort(),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const enc = countingEncoder();
    const texts = new SharedTextEmbeddings({
      redis: down,
      modelId: engine.info.id,
      embedTexts: enc.embedTexts,
    });
    const out = await texts.getLabelEmbeddings(['offline a', 'offline b']);
    assert.equal(out.length, 2);
    assert.deepEqual(enc.calls, [['offline a', 'offline b']]);
    await texts.getLabelEmbeddings(['offline a']);
    assert.equal(enc.calls.length, 1, 'the in-process tier still works');
    down.disconnect();
  });

  test('bad options are rejected naming the option', () => {
    const enc = countingEncoder();
    assert.throws(() => worker(enc, { modelId: '' }), /modelId/);
    assert.throws(() => worker(enc, { ttlSeconds: 0 }), /ttlSeconds/);
    assert.throws(() => worker(enc, { batchSize: 1.5 }), /batchSize/);
  });
});
