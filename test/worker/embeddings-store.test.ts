import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { keys } from '../../src/jobs/names.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { packUri } from '../../src/runs/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import { createEmbeddingStore, indexField, type StoredRow } from '../../src/worker/embeddings/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';

const DIM = 32;
const PREFIX = '{zstest}';

function unitVector(seed: number, dim = DIM): Float32Array {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    const x = Math.sin(seed * 3.7 + i * 0.91) + 0.3 * Math.cos(seed + i * i);
    v[i] = x;
    n += x * x;
  }
  for (let i = 0; i < dim; i++) v[i] = (v[i] as number) / Math.sqrt(n);
  return v;
}

function rowsFor(base: string, n: number, seed0 = 0): StoredRow[] {
  return Array.from({ length: n }, (_, i) => ({
    uri: `${base}img-${i}.jpg`,
    etag: `etag-${i}`,
    embedding: unitVector(seed0 + i + 1),
  }));
}

function assertClose(actual: Float32Array | undefined, expected: Float32Array, what: string) {
  assert.ok(actual, `${what}: expected a stored embedding`);
  assert.equal(actual.length, expected.length);
  let dot = 0;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) < 1e-3, `${what}[${i}]`);
    dot += (actual[i] as number) * (expected[i] as number);
  }
  assert.ok(dot > 0.9999, `${what}: cosine ${dot}`);
}

let redisServer: RedisServerHandle;
let redis: Redis;

before(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
});

after(async () => {
  redis?.disconnect();
  await redisServer?.stop();
});

function suite(
  name: string,
  setup: () => Promise<{ storage: Storage; output: string; cleanup(): Promise<void> }>,
) {
  describe(`embedding store on ${name}`, () => {
    let storage: Storage;
    let output: string;
    let cleanup: () => Promise<void>;
    const model = `model-${name}`;

    before(async () => {
      ({ storage, output, cleanup } = await setup());
    });
    after(async () => {
      storage?.close();
      await cleanup?.();
    });

    const store = (o: Partial<Parameters<typeof createEmbeddingStore>[0]> = {}) =>
      createEmbeddingStore({ storage, redis, prefix: PREFIX, modelId: model, dim: DIM, ...o });

    test('writePack then lookup from another store instance (separate caches)', async () => {
      const rows = rowsFor('s3://photos/a/', 5);
      const written = await store().writePack(output, 'run-1', 3, rows);
      assert.deepEqual(written, { uri: packUri(output, 'run-1', 3), count: 5 });
      const stored = await storage.get(written.uri);
      assert.equal(stored.body.subarray(0, 8).toString('latin1'), 'ZSEMBF16');
      assert.equal(
        await redis.hget(keys(PREFIX).embeddingIndex(model), indexField(rows[2]!.uri, 'etag-2')),
        `${written.uri}#2`,
      );

      const got = await store().lookup(rows.map(({ uri, etag }) => ({ uri, etag })));
      rows.forEach((r, i) => {
        assertClose(got[i], r.embedding, r.uri);
      });
    });

    test('changed ETag, unknown image, no ETag and another model are misses', async () => {
      const rows = rowsFor('s3://photos/b/', 3);
      await store().writePack(output, 'run-2', 0, rows);
      const got = await store().lookup([
        { uri: rows[0]!.uri, etag: 'changed' },
        { uri: 's3://photos/b/never-seen.jpg', etag: 'x' },
        { uri: rows[1]!.uri },
        { uri: rows[2]!.uri, etag: 'etag-2' },
      ]);
      assert.equal(got[0], undefined);
      assert.equal(got[1], undefined);
      assert.equal(got[2], undefined);
      assertClose(got[3], rows[2]!.embedding, 'unchanged image');
      const other = await store({ modelId: 'another-model' }).lookup([{ uri: rows[2]!.uri, etag: 'etag-2' }]);
      assert.deepEqual(other, [undefined]);
    });

    test('lookups are counted as hits and misses', async () => {
      const rows = rowsFor('s3://photos/m/', 3);
      await store().writePack(output, 'run-m', 0, rows);
      const metrics = createMetrics(new Registry());
      await store({ metrics }).lookup([
        { uri: rows[0]!.uri, etag: 'etag-0' },
        { uri: rows[1]!.uri, etag: 'etag-1' },
        { uri: rows[2]!.uri, etag: 'other' },
        { uri: rows[2]!.uri },
      ]);
      const values = (await metrics.imageEmbeddingReuse.get()).values;
      const count = (result: string) => values.find((v) => v.labels.result === result)?.value;
      assert.equal(count('hit'), 2);
      assert.equal(count('miss'), 2);
    });

    test('rows without an ETag are not stored; a chunk with none writes nothing', async () => {
      const rows = rowsFor('s3://photos/c/', 2);
      const none = await store().writePack(
        output,
        'run-3',
        0,
        rows.map((r) => ({ ...r, etag: undefined })),
      );
      assert.equal(none, undefined);
      assert.equal(await storage.head(packUri(output, 'run-3', 0)), undefined);
      const mixed = await store().writePack(output, 'run-3', 1, [{ ...rows[0]!, etag: undefined }, rows[1]!]);
      assert.equal(mixed?.count, 1);
      const got = await store().lookup([{ uri: rows[1]!.uri, etag: 'etag-1' }]);
      assertClose(got[0], rows[1]!.embedding, 'stored row');
    });

    test('a corrupt or missing pack is a miss, never an error', async () => {
      const rows = rowsFor('s3://photos/d/', 4);
      const written = await store().writePack(output, 'run-4', 0, rows);
      assert.ok(written);
      const refs = rows.map(({ uri, etag }) => ({ uri, etag }));

      const body = Buffer.from((await storage.get(written.uri)).body);
      body[40] = (body[40] as number) ^ 0xff;
      await storage.put(written.uri, body);
      assert.deepEqual(await store().lookup(refs), [undefined, undefined, undefined, undefined]);

      await storage.put(written.uri, body.subarray(0, 50));
      assert.deepEqual(await store().lookup(refs), [undefined, undefined, undefined, undefined]);

      // Something huge at the pack URI is not buffered (above the largest possible pack): a miss.
      await storage.put(written.uri, Buffer.alloc(2 * 1024 * 1024, 7));
      assert.deepEqual(await store().lookup(refs), [undefined, undefined, undefined, undefined]);

      await storage.delete(written.uri);
      assert.deepEqual(await store().lookup(refs), [undefined, undefined, undefined, undefined]);

      // A pack of another dimension is ignored too.
      await store().writePack(output, 'run-4', 1, rowsFor('s3://photos/d/', 2));
      const wrongDim = await store({ dim: DIM * 2 }).lookup(refs.slice(0, 2));
      assert.deepEqual(wrongDim, [undefined, undefined]);
    });

    test('an index entry pointing at a row rewritten for another ETag is a miss (row keys)', async () => {
      const s = store();
      const first = rowsFor('s3://photos/e/', 2);
      await s.writePack(output, 'run-5', 0, first);
      const refs = first.map(({ uri, etag }) => ({ uri, etag }));
      assertClose((await s.lookup(refs))[0], first[0]!.embedding, 'first write'); // now cached in `s`
      // A retried chunk saw a new ETag for img-0 and overwrote the pack; the old index entry still points at row 0.
      const second: StoredRow[] = [{ ...first[0]!, etag: 'etag-0-v2', embedding: unitVector(99) }, first[1]!];
      const writer = store();
      await writer.writePack(output, 'run-5', 0, second);
      for (const [reader, fresh] of [
        [s, false],
        [store(), true],
      ] as const) {
        const got = await reader.lookup([...refs, { uri: first[0]!.uri, etag: 'etag-0-v2' }]);
        // The old ETag never gets the new embedding: a fresh reader misses, a reader still holding the old
        // pack in its cache may return the old (correct for that ETag) embedding.
        if (fresh || got[0] === undefined)
          assert.equal(got[0], undefined, 'old ETag must not get the new embedding');
        else assertClose(got[0], first[0]!.embedding, 'old ETag from the cached old pack');
        assertClose(got[1], first[1]!.embedding, 'unchanged row');
        assertClose(got[2], second[0]!.embedding, 'new ETag (re-read despite the cache)');
      }
    });

    test('a garbage index value is a miss', async () => {
      await redis.hset(
        keys(PREFIX).embeddingIndex(model),
        indexField('s3://photos/f/x.jpg', 'e'),
        'no-row-here',
      );
      await redis.hset(
        keys(PREFIX).embeddingIndex(model),
        indexField('s3://photos/f/y.jpg', 'e'),
        `${output}nope#3`,
      );
      const got = await store().lookup([
        { uri: 's3://photos/f/x.jpg', etag: 'e' },
        { uri: 's3://photos/f/y.jpg', etag: 'e' },
      ]);
      assert.deepEqual(got, [undefined, undefined]);
    });

    test('one chunk of 300 images: one HMGET, one GET per distinct pack', async () => {
      const a = rowsFor('s3://photos/g/', 150, 0);
      const b = rowsFor('s3://photos/h/', 150, 1000);
      await store().writePack(output, 'run-6', 0, a);
      await store().writePack(output, 'run-6', 1, b);
      let gets = 0;
      const counting: Storage = {
        list: (u, o) => storage.list(u, o),
        get: (u, o) => {
          gets++;
          return storage.get(u, o);
        },
        head: (u) => storage.head(u),
        put: (u, b, o) => storage.put(u, b, o),
        delete: (u) => storage.delete(u),
        close: () => {},
      };
      const got = await store({ storage: counting }).lookup(
        [...a, ...b].map(({ uri, etag }) => ({ uri, etag })),
      );
      assert.equal(gets, 2);
      [...a, ...b].forEach((r, i) => {
        assertClose(got[i], r.embedding, r.uri);
      });

      // Two chunks looking up the same pack at once share one GET.
      gets = 0;
      const shared = store({ storage: counting });
      const refs = a.map(({ uri, etag }) => ({ uri, etag }));
      const [x, y] = await Promise.all([shared.lookup(refs.slice(0, 50)), shared.lookup(refs.slice(50))]);
      assert.equal(gets, 1);
      assert.equal([...x, ...y].filter(Boolean).length, 150);
    });
  });
}

suite('file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-emb-'));
  writeFileSync(path.join(dir, '.keep'), '');
  return {
    storage: createStorage(),
    output: `file://${dir}/out/`,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

suite('s3', async () => {
  const s3: S3ServerHandle = await startS3Server(['zeroshot-emb']);
  return {
    storage: createStorage({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: s3.credentials,
      maxAttempts: 2,
    }),
    output: 's3://zeroshot-emb/results/',
    async cleanup() {
      await s3.stop();
    },
  };
});
