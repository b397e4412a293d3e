import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createStorage, type ObjectInfo, type Storage, StorageError } from '../../src/storage/index.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { startS3ServerProcess } from './s3rver-process.js';

const BUCKET = 'zeroshot-s3-test';

const isCode = (code: string) => (err: unknown) => {
  assert.ok(err instanceof StorageError, `expected StorageError, got ${String(err)}`);
  assert.equal(err.code, code);
  return true;
};

async function collect(it: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of it) out.push(o);
  return out;
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('s3:// backend against s3rver', () => {
  let s3: S3ServerHandle;
  let storage: Storage;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);

  before(async () => {
    process.on('warning', onWarning);
    s3 = await startS3ServerProcess([BUCKET]);
    storage = createStorage({ endpoint: s3.endpoint, credentials: s3.credentials, region: s3.region });
  });
  after(async () => {
    process.off('warning', onWarning);
    storage.close();
    await s3.stop();
  });

  it('put → get → head → delete with ETags', async () => {
    const uri = `s3://${BUCKET}/basic/a b+c.txt`;
    const { etag } = await storage.put(uri, 'hello', { contentType: 'text/plain' });
    assert.equal(etag, '5d41402abc4b2a76b9719d911017c592'); // md5("hello"), quotes stripped
    const got = await storage.get(uri);
    assert.equal(got.body.toString(), 'hello');
    assert.equal(got.etag, etag);
    const head = await storage.head(uri);
    assert.deepEqual({ uri: head?.uri, size: head?.size, etag: head?.etag }, { uri, size: 5, etag });
    assert.ok(head?.lastModified instanceof Date);
    await storage.delete(uri);
    assert.equal(await storage.head(uri), undefined);
    await storage.delete(uri); // idempotent
  });

  it('binary bodies round-trip byte for byte', async () => {
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    await storage.put(`s3://${BUCKET}/bin/x.bin`, body);
    assert.ok((await storage.get(`s3://${BUCKET}/bin/x.bin`)).body.equals(body));
  });

  // s3rver walks its directory store, so unlike S3 it puts "a/1" before "a-2": keys here avoid that case.
  it('lists in key order with ETags and sizes; skips folder markers', async () => {
    const keys = ['list/b.jpg', 'list/a/1.jpg', 'list/a2.jpg', 'list/c/d/e.jpg'];
    for (const k of keys) await storage.put(`s3://${BUCKET}/${k}`, k);
    // A "folder" marker as consoles create them (only possible through the SDK directly).
    const raw = new S3Client({
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      region: s3.region,
      forcePathStyle: true,
    });
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'list/folder/', Body: '' }));
    raw.destroy();
    const listed = await collect(storage.list(`s3://${BUCKET}/list/`));
    assert.deepEqual(
      listed.map((o) => o.uri),
      ['list/a/1.jpg', 'list/a2.jpg', 'list/b.jpg', 'list/c/d/e.jpg'].map((k) => `s3://${BUCKET}/${k}`),
    );
    for (const o of listed) {
      const { body, etag } = await storage.get(o.uri);
      assert.equal(o.size, body.length);
      assert.equal(o.etag, etag);
    }
    const sub = await collect(storage.list(`s3://${BUCKET}/list/a`));
    assert.deepEqual(
      sub.map((o) => o.uri),
      [`s3://${BUCKET}/list/a/1.jpg`, `s3://${BUCKET}/list/a2.jpg`],
    );
    assert.deepEqual(await collect(storage.list(`s3://${BUCKET}/list-nothing-here/`)), []);
  });

  it('paginates over more than 1000 keys without losing or repeating one', async () => {
    const keys = Array.from({ length: 1050 }, (_, i) => `many/${String(i).padStart(5, '0')}.jpg`);
    await inParallel(keys, 16, (k) => storage.put(`s3://${BUCKET}/${k}`, ''));
    const small = createStorage({ endpoint: s3.endpoint, credentials: s3.credentials, listPageSize: 100 });
    try {
      const viaSmallPages = (await collect(small.list(`s3://${BUCKET}/many/`))).map((o) => o.uri);
      assert.deepEqual(
        viaSmallPages,
        keys.map((k) => `s3://${BUCKET}/${k}`),
      );
      const resumed = await collect(
        small.list(`s3://${BUCKET}/many/`, { startAfter: `s3://${BUCKET}/many/01000.jpg` }),
      );
      assert.equal(resumed.length, 49);
    } finally {
      small.close();
    }
    // Default page size (1000): two pages.
    assert.equal((await collect(storage.list(`s3://${BUCKET}/many/`))).length, 1050);
  });

  it("listApi 'v1' pages with markers, also on an in-process s3rver without the OpenSSL legacy provider", async () => {
    const local = await startS3Server(['zeroshot-v1-test']);
    const v1 = createStorage({
      endpoint: local.endpoint,
      credentials: local.credentials,
      listPageSize: 40,
      listApi: 'v1',
    });
    try {
      const keys = Array.from({ length: 130 }, (_, i) => `v1/${String(i).padStart(4, '0')}.jpg`);
      await inParallel(keys, 8, (k) => v1.put(`s3://zeroshot-v1-test/${k}`, k));
      const listed = await collect(v1.list('s3://zeroshot-v1-test/v1/'));
      assert.deepEqual(
        listed.map((o) => o.uri),
        keys.map((k) => `s3://zeroshot-v1-test/${k}`),
      );
      assert.equal(listed[0]?.etag, (await v1.get(listed[0]!.uri)).etag);
      const resumed = await collect(
        v1.list('s3://zeroshot-v1-test/v1/', { startAfter: 's3://zeroshot-v1-test/v1/0099.jpg' }),
      );
      assert.equal(resumed.length, 30);
    } finally {
      v1.close();
      await local.stop();
    }
  });

  it('unicode and awkward keys round-trip through put, list and get', async () => {
    const keys = ['odd/ünï cødé/ü.jpg', 'odd/a+b=c&d.jpg', 'odd/100%.jpg', 'odd/日本語.png', 'odd/q?x#y.jpg'];
    for (const k of keys) await storage.put(`s3://${BUCKET}/${k}`, k);
    const listed = await collect(storage.list(`s3://${BUCKET}/odd/`));
    assert.deepEqual(new Set(listed.map((o) => o.uri)), new Set(keys.map((k) => `s3://${BUCKET}/${k}`)));
    for (const o of listed)
      assert.equal((await storage.get(o.uri)).body.toString(), o.uri.slice(`s3://${BUCKET}/`.length));
  });

  it('an aborted signal stops a listing', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(collect(storage.list(`s3://${BUCKET}/many/`, { signal: ac.signal })), {
      name: 'AbortError',
    });
  });

  it('streams the listing: the consumer can stop after the first page', async () => {
    const small = createStorage({ endpoint: s3.endpoint, credentials: s3.credentials, listPageSize: 10 });
    try {
      let n = 0;
      for await (const _ of small.list(`s3://${BUCKET}/many/`)) if (++n === 3) break;
      assert.equal(n, 3);
    } finally {
      small.close();
    }
  });

  it('maxBytes: STORAGE_TOO_LARGE above the limit, exact size accepted', async () => {
    const uri = `s3://${BUCKET}/limits/ten.bin`;
    await storage.put(uri, Buffer.alloc(10));
    await assert.rejects(storage.get(uri, { maxBytes: 9 }), isCode('STORAGE_TOO_LARGE'));
    assert.equal((await storage.get(uri, { maxBytes: 10 })).body.length, 10);
    await storage.put(`s3://${BUCKET}/limits/empty.bin`, Buffer.alloc(0));
    assert.equal((await storage.get(`s3://${BUCKET}/limits/empty.bin`)).body.length, 0);
  });

  it('missing key → STORAGE_NOT_FOUND; head → undefined', async () => {
    await assert.rejects(storage.get(`s3://${BUCKET}/nope.jpg`), isCode('STORAGE_NOT_FOUND'));
    assert.equal(await storage.head(`s3://${BUCKET}/nope.jpg`), undefined);
  });

  it('missing bucket → STORAGE_BUCKET_NOT_FOUND (permanent) on get, list, put', async () => {
    const missing = 's3://no-such-bucket-here';
    const perm = (code: string) => (err: unknown) => isCode(code)(err) && !(err as StorageError).retryable;
    await assert.rejects(storage.get(`${missing}/x.jpg`), perm('STORAGE_BUCKET_NOT_FOUND'));
    await assert.rejects(collect(storage.list(`${missing}/`)), perm('STORAGE_BUCKET_NOT_FOUND'));
    await assert.rejects(storage.put(`${missing}/x.jpg`, 'x'), perm('STORAGE_BUCKET_NOT_FOUND'));
  });

  it('wrong credentials → STORAGE_ACCESS_DENIED, and the secret never appears in the error', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY';
    const bad = createStorage({
      endpoint: s3.endpoint,
      credentials: { accessKeyId: 'AKIAWRONGWRONGWRONG', secretAccessKey: secret },
    });
    try {
      await assert.rejects(bad.get(`s3://${BUCKET}/basic/x`), (err: unknown) => {
        isCode('STORAGE_ACCESS_DENIED')(err);
        const e = err as StorageError;
        assert.equal(e.retryable, false);
        assert.ok(!JSON.stringify({ m: e.message, s: e.stack }).includes(secret));
        return true;
      });
    } finally {
      bad.close();
    }
  });

  it('bad URIs are rejected before any request', async () => {
    await assert.rejects(storage.get(`s3://${BUCKET}/a/../b`), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.get(`s3://${BUCKET}/`), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.put(`s3://${BUCKET}/dir/`, 'x'), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.get('s3://UPPER/x'), isCode('STORAGE_INVALID_URI'));
  });

  it('honours AWS_ENDPOINT_URL_S3 and the default credential chain from the environment', async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
      process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
      delete process.env.AWS_REGION; // falls back to us-east-1
      delete process.env.AWS_DEFAULT_REGION;
      delete process.env.ZEROSHOT_S3_ENDPOINT;
      const fromEnv = createStorage();
      try {
        await fromEnv.put(`s3://${BUCKET}/env/x.txt`, 'env');
        assert.equal((await fromEnv.get(`s3://${BUCKET}/env/x.txt`)).body.toString(), 'env');
      } finally {
        fromEnv.close();
      }
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('prints no AWS SDK Node version warning', () => {
    assert.deepEqual(
      warnings.filter((w) => /NodeVersionSupport/.test(w)),
      [],
    );
  });
});
