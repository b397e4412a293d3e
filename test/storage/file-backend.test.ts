import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStorage, type ObjectInfo, type Storage, StorageError } from '../../src/storage/index.js';

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

describe('file:// backend', () => {
  let dir: string;
  let root: string;
  let storage: Storage;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-storage-file-'));
    root = `file://${dir}/`;
    storage = createStorage({});
  });
  after(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('put creates parent directories; get returns body and etag; head agrees', async () => {
    const uri = `${root}put/deep/er/a.txt`;
    const { etag } = await storage.put(uri, 'hello');
    assert.match(etag ?? '', /^[0-9a-f]{32}$/);
    const got = await storage.get(uri);
    assert.equal(got.body.toString(), 'hello');
    assert.equal(got.etag, etag);
    const head = await storage.head(uri);
    assert.equal(head?.size, 5);
    assert.equal(head?.etag, etag);
    assert.ok(head?.lastModified instanceof Date);
    assert.equal(head?.uri, uri);
  });

  it('etag changes when the content is rewritten and is stable otherwise', async () => {
    const uri = `${root}etag/x.bin`;
    const a = await storage.put(uri, Buffer.alloc(10, 1));
    assert.equal((await storage.head(uri))?.etag, a.etag);
    const b = await storage.put(uri, Buffer.alloc(10, 2));
    assert.notEqual(a.etag, b.etag);
    // Same size, touched mtime: different etag.
    const p = path.join(dir, 'etag', 'x.bin');
    utimesSync(p, new Date(1_000_000), new Date(1_000_000));
    assert.notEqual((await storage.head(uri))?.etag, b.etag);
  });

  it('lists recursively in S3 key order with etags, skipping directories', async () => {
    const base = path.join(dir, 'order');
    const files = ['a/b.jpg', 'a-c.jpg', 'a/z/y.jpg', 'b.jpg', 'A.jpg', 'é.jpg', 'z/0.jpg', 'a.jpg'];
    for (const f of files) {
      mkdirSync(path.dirname(path.join(base, f)), { recursive: true });
      writeFileSync(path.join(base, f), f);
    }
    mkdirSync(path.join(base, 'empty-dir'));
    const listed = await collect(storage.list(`${root}order/`));
    const keys = listed.map((o) => o.uri.slice(`${root}order/`.length));
    const expected = [...files].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(keys, expected);
    for (const o of listed) {
      const rel = o.uri.slice(`${root}order/`.length);
      assert.equal(o.size, Buffer.byteLength(rel));
      assert.equal(o.etag, (await storage.get(o.uri)).etag);
    }
  });

  it('lists a non-slash prefix like S3 (keys starting with it) and resumes with startAfter', async () => {
    const listed = await collect(storage.list(`${root}order/a`));
    assert.deepEqual(
      listed.map((o) => o.uri.slice(`${root}order/`.length)),
      ['a-c.jpg', 'a.jpg', 'a/b.jpg', 'a/z/y.jpg'],
    );
    const resumed = await collect(storage.list(`${root}order/`, { startAfter: `${root}order/a/b.jpg` }));
    assert.deepEqual(
      resumed.map((o) => o.uri.slice(`${root}order/`.length)),
      ['a/z/y.jpg', 'b.jpg', 'z/0.jpg', 'é.jpg'],
    );
  });

  it('follows symlinked files, skips symlinked directories (no cycles)', async () => {
    const base = path.join(dir, 'links');
    mkdirSync(base);
    writeFileSync(path.join(base, 'real.jpg'), 'r');
    symlinkSync(path.join(base, 'real.jpg'), path.join(base, 'link.jpg'));
    symlinkSync(base, path.join(base, 'loop'));
    const keys = (await collect(storage.list(`${root}links/`))).map((o) => path.basename(o.uri));
    assert.deepEqual(keys, ['link.jpg', 'real.jpg']);
  });

  it('streams a large directory tree lazily (stops early without walking everything)', async () => {
    const base = path.join(dir, 'many');
    for (let d = 0; d < 20; d++) {
      mkdirSync(path.join(base, `d${String(d).padStart(2, '0')}`), { recursive: true });
      for (let f = 0; f < 100; f++)
        writeFileSync(path.join(base, `d${String(d).padStart(2, '0')}`, `${f}.jpg`), '');
    }
    let n = 0;
    for await (const _ of storage.list(`${root}many/`)) if (++n === 5) break;
    assert.equal(n, 5);
    const all = (await collect(storage.list(`${root}many/`))).map((o) => o.uri);
    assert.equal(new Set(all).size, 2000);
    const sorted = [...all].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(all, sorted);
  });

  it('honours an abort signal while listing', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(collect(storage.list(`${root}many/`, { signal: ac.signal })), {
      name: 'AbortError',
    });
  });

  it('not found: get → STORAGE_NOT_FOUND (a directory: STORAGE_NOT_REGULAR_FILE), head → undefined, list of a missing dir → STORAGE_NOT_FOUND', async () => {
    await assert.rejects(storage.get(`${root}nope.jpg`), isCode('STORAGE_NOT_FOUND'));
    await assert.rejects(storage.get(`${root}nope/deeper.jpg`), isCode('STORAGE_NOT_FOUND'));
    await assert.rejects(storage.get(`${root}order`), isCode('STORAGE_NOT_REGULAR_FILE')); // a directory
    assert.equal(await storage.head(`${root}nope.jpg`), undefined);
    assert.equal(await storage.head(`${root}order`), undefined);
    await assert.rejects(collect(storage.list(`${root}missing-dir/`)), isCode('STORAGE_NOT_FOUND'));
    await assert.rejects(collect(storage.list(`${root}put/deep/er/a.txt/`)), isCode('STORAGE_NOT_FOUND'));
  });

  it('maxBytes: rejects larger files with STORAGE_TOO_LARGE, accepts the exact size', async () => {
    const uri = `${root}limits/ten.bin`;
    await storage.put(uri, Buffer.alloc(10));
    await assert.rejects(storage.get(uri, { maxBytes: 9 }), isCode('STORAGE_TOO_LARGE'));
    assert.equal((await storage.get(uri, { maxBytes: 10 })).body.length, 10);
    await storage.put(`${root}limits/empty.bin`, Buffer.alloc(0));
    assert.equal((await storage.get(`${root}limits/empty.bin`)).body.length, 0);
  });

  it('delete removes the file and is idempotent', async () => {
    const uri = `${root}del/x.txt`;
    await storage.put(uri, 'x');
    await storage.delete(uri);
    assert.equal(await storage.head(uri), undefined);
    await storage.delete(uri);
  });

  it('rejects bad URIs and traversal with STORAGE_INVALID_URI', async () => {
    await assert.rejects(storage.get(`file://${dir}/../etc/passwd`), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.put('file://relative/x', 'x'), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.put(`${root}prefix/`, 'x'), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.get(`${root}a\0b`), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(storage.delete(`${root}x\\..\\y`), isCode('STORAGE_INVALID_URI'));
    await assert.rejects(collect(storage.list('ftp://host/x/')), isCode('STORAGE_INVALID_URI'));
  });

  it('access denied maps to STORAGE_ACCESS_DENIED', {
    skip: process.getuid?.() === 0 && 'root ignores modes',
  }, async () => {
    const p = path.join(dir, 'ro');
    mkdirSync(p, { mode: 0o500 });
    await assert.rejects(storage.put(`${root}ro/x.txt`, 'x'), isCode('STORAGE_ACCESS_DENIED'));
  });

  it('put is atomic: a concurrent reader sees the whole old or the whole new content, never part', async () => {
    const uri = `${root}atomic/big.bin`;
    const size = 8 * 1024 * 1024;
    const contents = [Buffer.alloc(size, 0x61), Buffer.alloc(size, 0x62)];
    await storage.put(uri, contents[0]!);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const { body } = await storage.get(uri);
        assert.equal(body.length, size, 'partial file visible');
        assert.ok(
          body[0] === body[size - 1] && (body[0] === 0x61 || body[0] === 0x62),
          'mixed content visible',
        );
        reads++;
      }
    })();
    for (let i = 0; i < 12; i++) await storage.put(uri, contents[i % 2]!);
    writing = false;
    await reader;
    assert.ok(reads > 0);
    // No temp files left behind, and none would be listed.
    assert.deepEqual(readdirSync(path.join(dir, 'atomic')), ['big.bin']);
  });
});
