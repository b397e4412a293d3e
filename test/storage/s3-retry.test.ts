import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createMetrics, metrics } from '../../src/observability/metrics.js';
import {
  createStorage,
  type ObjectInfo,
  type RetryInfo,
  type Storage,
  type StorageConfig,
  StorageError,
} from '../../src/storage/index.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import type { S3ServerHandle } from '../support/s3-server.js';
import { startS3ServerProcess } from './s3rver-process.js';

const BUCKET = 'zeroshot-retry-test';

async function storageRetries(): Promise<number> {
  const m = await metrics().retries.get();
  return m.values.find((v) => v.labels.kind === 'storage')?.value ?? 0;
}

async function collect(it: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of it) out.push(o);
  return out;
}

describe('S3 retries through a fault-injecting proxy', () => {
  let s3: S3ServerHandle;
  let proxy: S3FaultProxy;
  let storage: Storage;
  let retries: RetryInfo[] = [];
  const config = (extra: Partial<StorageConfig> = {}): StorageConfig => ({
    endpoint: proxy.endpoint,
    credentials: s3.credentials,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 50,
    requestTimeoutMs: 1500,
    onRetry: (info) => retries.push(info),
    ...extra,
  });

  before(async () => {
    s3 = await startS3ServerProcess([BUCKET]);
    proxy = await startS3FaultProxy({
      target: s3.endpoint,
      rate: 0,
      faults: ['5xx', 'reset'],
      seed: 7,
      slowMs: 4000,
    });
    storage = createStorage(config());
    await storage.put(`s3://${BUCKET}/fixed/body.bin`, Buffer.alloc(200_000, 0x5a));
  });
  after(async () => {
    storage.close();
    await proxy.stop();
    await s3.stop();
  });
  beforeEach(() => {
    retries = [];
    proxy.setRate(0);
    proxy.failNext(0);
  });

  it('retries 5xx (500 InternalError, 503 SlowDown) and succeeds; counts zeroshot_retries_total{kind="storage"}', async () => {
    const before = proxy.stats.requests;
    const metricBefore = await storageRetries();
    proxy.failNext(3, '5xx');
    const { etag } = await storage.put(`s3://${BUCKET}/r/5xx.txt`, 'after 5xx');
    assert.ok(etag);
    assert.equal(proxy.stats.requests - before, 4);
    assert.equal(retries.length, 3);
    for (const r of retries) {
      assert.equal(r.operation, 'put');
      assert.ok(r.error instanceof StorageError && r.error.code === 'STORAGE_TRANSIENT');
      assert.ok([500, 503].includes((r.error as StorageError).status ?? 0));
    }
    assert.deepEqual(
      retries.map((r) => r.attempt),
      [1, 2, 3],
    );
    assert.equal((await storageRetries()) - metricBefore, 3);
    assert.equal((await storage.get(`s3://${BUCKET}/r/5xx.txt`)).body.toString(), 'after 5xx');
  });

  it('retries connection resets, before the response and in the middle of a GET body', async () => {
    const expected = Buffer.alloc(200_000, 0x5a);
    const midBefore = proxy.stats.midBodyResets;
    for (let i = 0; i < 8; i++) {
      proxy.failNext(1, 'reset');
      const { body } = await storage.get(`s3://${BUCKET}/fixed/body.bin`);
      assert.ok(body.equals(expected));
    }
    assert.equal(retries.length, 8);
    const mid = proxy.stats.midBodyResets - midBefore;
    assert.ok(mid > 0 && mid < 8, `both kinds of reset happened (mid-body: ${mid} of 8)`);
    proxy.failNext(2, 'reset');
    await storage.put(`s3://${BUCKET}/r/reset.txt`, 'after reset');
    assert.equal((await storage.head(`s3://${BUCKET}/r/reset.txt`))?.size, 'after reset'.length);
  });

  it('times out a slow response and retries it', async () => {
    const slowProxy = await startS3FaultProxy({
      target: s3.endpoint,
      rate: 0,
      faults: ['slow'],
      slowMs: 4000,
    });
    const fast = createStorage({ ...config(), endpoint: slowProxy.endpoint, requestTimeoutMs: 500 });
    try {
      slowProxy.failNext(1);
      const t0 = Date.now();
      const { body } = await fast.get(`s3://${BUCKET}/fixed/body.bin`);
      assert.equal(body.length, 200_000);
      assert.ok(Date.now() - t0 < 4000, 'did not wait for the slow response');
      assert.ok(retries.length >= 1); // more only if this shared machine is very slow
      assert.match(retries[0]!.error.message, /TimeoutError|timed out|exceeded/i);
    } finally {
      fast.close();
      await slowProxy.stop();
    }
  });

  it('gives up after maxAttempts with a retryable STORAGE_TRANSIENT; counts into a custom registry', async () => {
    const registry = new Registry();
    const custom = createMetrics(registry);
    const few = createStorage(config({ maxAttempts: 3, metrics: custom }));
    try {
      const before = proxy.stats.requests;
      proxy.failNext(100, '5xx');
      await assert.rejects(few.get(`s3://${BUCKET}/fixed/body.bin`), (err: unknown) => {
        assert.ok(err instanceof StorageError);
        assert.equal(err.code, 'STORAGE_TRANSIENT');
        assert.equal(err.retryable, true);
        assert.match(err.message, /gave up after 3 attempts/);
        return true;
      });
      assert.equal(proxy.stats.requests - before, 3);
      const counted = (await custom.retries.get()).values.find((v) => v.labels.kind === 'storage')?.value;
      assert.equal(counted, 2);
    } finally {
      few.close();
    }
  });

  it('does not retry permanent errors (not found, bucket missing, access denied, too large)', async () => {
    const before = proxy.stats.requests;
    await assert.rejects(storage.get(`s3://${BUCKET}/r/missing.txt`), { code: 'STORAGE_NOT_FOUND' });
    await assert.rejects(storage.get('s3://no-such-bucket-x/a.txt'), { code: 'STORAGE_BUCKET_NOT_FOUND' });
    await assert.rejects(storage.get(`s3://${BUCKET}/fixed/body.bin`, { maxBytes: 10 }), {
      code: 'STORAGE_TOO_LARGE',
    });
    const denied = createStorage(
      config({ credentials: { accessKeyId: 'NOPE', secretAccessKey: 'nopenopenope' } }),
    );
    try {
      await assert.rejects(denied.put(`s3://${BUCKET}/r/x.txt`, 'x'), { code: 'STORAGE_ACCESS_DENIED' });
    } finally {
      denied.close();
    }
    assert.equal(proxy.stats.requests - before, 4);
    assert.equal(retries.length, 0);
  });

  it('with 25% random faults (5xx, resets, slow) every put, get and paged listing completes correctly', async () => {
    const chaos = await startS3FaultProxy({
      target: s3.endpoint,
      rate: 0.25,
      faults: ['5xx', 'reset', 'slow'],
      seed: 1234,
      slowMs: 1500,
    });
    const st = createStorage({
      ...config(),
      endpoint: chaos.endpoint,
      requestTimeoutMs: 800,
      maxAttempts: 10,
      listPageSize: 7,
    });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `chaos/${String(i).padStart(3, '0')}.txt`);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < keys.length) {
            const key = keys[next++]!;
            await st.put(`s3://${BUCKET}/${key}`, `content of ${key}`);
            const { body } = await st.get(`s3://${BUCKET}/${key}`);
            assert.equal(body.toString(), `content of ${key}`);
          }
        }),
      );
      const listed = await collect(st.list(`s3://${BUCKET}/chaos/`));
      assert.deepEqual(
        listed.map((o) => o.uri),
        keys.map((k) => `s3://${BUCKET}/${k}`),
      );
      const f = chaos.stats.faults;
      assert.ok(
        f['5xx'] > 0 && f.reset > 0 && f.slow > 0,
        `every fault kind was injected: ${JSON.stringify(f)}`,
      );
      assert.ok(retries.length >= f['5xx'] + f.reset, 'each fault caused a retry');
    } finally {
      st.close();
      await chaos.stop();
    }
  });
});
