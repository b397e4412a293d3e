import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ZeroshotError } from '../../src/core/errors/index.js';
import { packUri } from '../../src/runs/index.js';
import { decodePack, encodePack, rowKey } from '../../src/worker/embeddings/pack-format.js';

function unitVector(dim: number, seed: number): Float32Array {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    const x = Math.sin(seed * 7.13 + i * 1.618) + Math.cos(i * seed * 0.37);
    v[i] = x;
    n += x * x;
  }
  for (let i = 0; i < dim; i++) v[i] = (v[i] as number) / Math.sqrt(n);
  return v;
}

const corruptCode = (err: unknown) => err instanceof ZeroshotError && err.code === 'EMBEDDING_PACK_CORRUPT';

describe('embedding pack format', () => {
  const dim = 32;
  const rows = [0, 1, 2].map((i) => ({
    key: rowKey('model-a', `s3://b/img-${i}.jpg`, `etag-${i}`),
    embedding: unitVector(dim, i + 1),
  }));

  test('round trip: header, keys and float16 rows', () => {
    const buf = encodePack(dim, rows);
    assert.equal(buf.length, 24 + 3 * 8 + 3 * dim * 2 + 8);
    assert.equal(buf.subarray(0, 8).toString('latin1'), 'ZSEMBF16');
    const view = decodePack(buf);
    assert.equal(view.dim, dim);
    assert.equal(view.count, 3);
    rows.forEach((r, i) => {
      assert.ok(view.key(i).equals(r.key));
      const back = view.row(i);
      assert.equal(back.length, dim);
      for (let j = 0; j < dim; j++) {
        assert.ok(Math.abs((back[j] as number) - (r.embedding[j] as number)) <= 2 ** -11);
      }
    });
    assert.throws(() => view.row(3), corruptCode);
  });

  test('an empty pack is valid', () => {
    const view = decodePack(encodePack(dim, []));
    assert.equal(view.count, 0);
  });

  test('row keys bind model, uri and etag', () => {
    const k = rowKey('m', 's3://b/x.jpg', 'e1');
    assert.equal(k.length, 8);
    assert.ok(!k.equals(rowKey('m', 's3://b/x.jpg', 'e2')));
    assert.ok(!k.equals(rowKey('m2', 's3://b/x.jpg', 'e1')));
    assert.ok(!k.equals(rowKey('m', 's3://b/y.jpg', 'e1')));
  });

  test('truncation, a flipped bit, bad magic and other versions are detected', () => {
    const good = encodePack(dim, rows);
    assert.throws(() => decodePack(good.subarray(0, good.length - 1)), corruptCode);
    assert.throws(() => decodePack(good.subarray(0, 10)), corruptCode);
    assert.throws(() => decodePack(Buffer.alloc(0)), corruptCode);
    const flipped = Buffer.from(good);
    flipped[100] = (flipped[100] as number) ^ 0x01;
    assert.throws(() => decodePack(flipped), /checksum/);
    const magic = Buffer.from(good);
    magic[0] = 0x41;
    assert.throws(() => decodePack(magic), /magic/);
    const version = Buffer.from(good);
    version.writeUInt32LE(2, 8);
    assert.throws(() => decodePack(version), /version/);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xffffffff, 16);
    assert.throws(() => decodePack(huge), corruptCode);
    assert.throws(() => decodePack(Buffer.from('{"not":"a pack"}')), corruptCode);
  });

  test('encoding rejects rows of the wrong dimension', () => {
    assert.throws(
      () => encodePack(dim, [{ key: rows[0]!.key, embedding: new Float32Array(dim - 1) }]),
      /dim 32/,
    );
    assert.throws(() => encodePack(0, []), /dim must be/);
  });

  test('pack URIs sit next to the results, named like the parts', () => {
    assert.equal(packUri('s3://bkt/out/', 'run1', 7), 's3://bkt/out/run1/embeddings/part-000007.f16');
    assert.equal(packUri('file:///tmp/out', 'run1', 0), 'file:///tmp/out/run1/embeddings/part-000000.f16');
    assert.throws(() => packUri('s3://bkt/out/', '../x', 0), /runId/);
    assert.throws(() => packUri('s3://bkt/out/', 'r', -1), /chunk index/);
  });
});
