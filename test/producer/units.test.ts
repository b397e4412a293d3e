import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors/index.js';
import type { ChunkImage } from '../../src/jobs/index.js';
import { batched, chunked } from '../../src/producer/chunker.js';
import { splitCsvLine } from '../../src/producer/manifest.js';
import { parseEnqueueOptions } from '../../src/producer/options.js';
import { newRunId, scheduledRunId } from '../../src/producer/run-id.js';
import { listingFilter } from '../../src/producer/sources.js';
import { checkOutputUri, checkSourceUri } from '../../src/producer/uris.js';

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('producer building blocks', () => {
  it('run ids sort by time and schedule firings are deterministic', () => {
    const a = newRunId(new Date('2026-11-28T10:15:00Z'));
    const b = newRunId(new Date('2026-11-28T10:15:01Z'));
    assert.match(a, /^20261128-101500-[0-9a-f]{6}$/);
    assert.ok(a < b);
    assert.equal(
      scheduledRunId('nightly', Date.parse('2026-11-28T03:00:00Z')),
      'sched.nightly.20261128-030000',
    );
    assert.equal(scheduledRunId('n', Date.parse('2026-11-28T03:00:00.250Z')), 'sched.n.20261128-030000.250');
    assert.ok(scheduledRunId('x'.repeat(100), Date.parse('2026-11-28T03:00:00.250Z')).endsWith('.250'));
  });

  it('chunks by count and by payload bytes, deterministically', async () => {
    const imgs: ChunkImage[] = Array.from({ length: 10 }, (_, i) => ({ uri: `s3://bucket/${i}.jpg` }));
    assert.deepEqual(
      (await collect(chunked(from(imgs), 4))).map((c) => c.length),
      [4, 4, 2],
    );
    const long = Array.from({ length: 6 }, (_, i) => ({ uri: `s3://bucket/${'x'.repeat(1_000)}${i}` }));
    // ~1 KB per image and a 3.5 KB bound (512 bytes of envelope): two images per chunk.
    assert.deepEqual(
      (await collect(chunked(from(long), 100, 3_500))).map((c) => c.length),
      [2, 2, 2],
    );
    assert.deepEqual(await collect(batched(from([1, 2, 3, 4, 5]), 2)), [[1, 2], [3, 4], [5]]);
  });

  it('splits CSV records with quotes', () => {
    assert.deepEqual(splitCsvLine('a, "b,c" ,"say ""hi"""'), ['a', 'b,c', 'say "hi"']);
    assert.deepEqual(splitCsvLine('s3://b/k.jpg,,x'), ['s3://b/k.jpg', '', 'x']);
  });

  it('filters listed keys by extension and globs', () => {
    const f = listingFilter({ include: ['cats/**', '*.png'], exclude: ['**/tmp/**'] });
    assert.equal(f('cats/a.jpg'), true);
    assert.equal(f('dogs/b.png'), true, 'a glob without / matches the file name at any depth');
    assert.equal(f('dogs/b.jpg'), false);
    assert.equal(f('cats/tmp/c.jpg'), false);
    assert.equal(f('cats/readme.txt'), false);
    assert.equal(f('cats/'), false);
    assert.equal(listingFilter({})('x/NOEXT'), false);
    assert.equal(listingFilter({ extensions: ['bmp'] })('a/B.BMP'), true);
  });

  it('checks source and output URIs', () => {
    assert.deepEqual(checkSourceUri('s3://bucket/photos/'), { uri: 's3://bucket/photos/', prefix: true });
    assert.throws(() => checkSourceUri('s3://bucket'), /names no object/);
    assert.throws(() => checkSourceUri('http://host/a.jpg'), /unsupported scheme "http:"/);
    assert.equal(checkOutputUri('s3://bucket/out'), 's3://bucket/out/');
    assert.equal(checkOutputUri('s3://bucket'), 's3://bucket/');
    assert.throws(() => checkOutputUri('file:///'), /filesystem root/);
    assert.throws(() => checkOutputUri('s3://bucket/a/./b'), /segment "\." is not allowed/);
    assert.throws(() => checkOutputUri('s3://bucket/a\\b'), /backslash/);
  });
});

describe('run id namespace', () => {
  const base = { sources: ['file:///tmp/x/'], labels: ['a'], output: 'file:///tmp/out/' };
  it('enqueue --run-id refuses the reserved schedule namespace', () => {
    const id = scheduledRunId('nightly', Date.parse('2026-11-28T03:00:00Z'));
    assert.throws(
      () => parseEnqueueOptions({ ...base, runId: id }),
      (e: unknown) => e instanceof UsageError && /reserved for schedule firings/.test(e.message),
    );
    assert.throws(() => parseEnqueueOptions({ ...base, runId: 'sched.other' }), /reserved/);
    // Another schedule cannot claim nightly's ids either.
    assert.throws(() => parseEnqueueOptions({ ...base, runId: id, schedule: 'night' }), /reserved/);
    assert.equal(parseEnqueueOptions({ ...base, runId: id, schedule: 'nightly' }).runId, id);
    assert.equal(
      parseEnqueueOptions({ ...base, runId: 'nightly-20261128-030000' }).runId,
      'nightly-20261128-030000',
    );
  });
});
