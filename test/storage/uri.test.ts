import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPrefixUri, joinUri, parseUri, StorageError } from '../../src/storage/index.js';

const invalid = (fn: () => unknown, pattern?: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StorageError);
    assert.equal(err.code, 'STORAGE_INVALID_URI');
    assert.equal(err.retryable, false);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });

describe('parseUri', () => {
  it('splits s3 URIs into bucket and key', () => {
    assert.deepEqual(parseUri('s3://my-bucket/photos/a b.jpg'), {
      scheme: 's3',
      bucket: 'my-bucket',
      key: 'photos/a b.jpg',
    });
    assert.deepEqual(parseUri('s3://my-bucket/'), { scheme: 's3', bucket: 'my-bucket', key: '' });
    assert.deepEqual(parseUri('s3://my-bucket'), { scheme: 's3', bucket: 'my-bucket', key: '' });
    assert.deepEqual(parseUri('S3://bkt/a//b'), { scheme: 's3', bucket: 'bkt', key: 'a//b' });
  });

  it('reads file URIs literally (no percent-decoding)', () => {
    assert.deepEqual(parseUri('file:///data/my photo%20.jpg'), {
      scheme: 'file',
      path: '/data/my photo%20.jpg',
      key: 'data/my photo%20.jpg',
    });
    assert.deepEqual(parseUri('file:///data/dir/'), { scheme: 'file', path: '/data/dir/', key: 'data/dir/' });
    assert.equal((parseUri('file://localhost/x') as { path: string }).path, '/x');
  });

  it('rejects malformed URIs, traversal and odd characters with STORAGE_INVALID_URI', () => {
    invalid(() => parseUri(''), /non-empty/);
    invalid(() => parseUri('/abs/path'), /s3:\/\/bucket\/key or file:/);
    invalid(() => parseUri('http://example.com/x'), /unsupported scheme "http:"/);
    invalid(() => parseUri('file://relative/path'), /absolute path/);
    invalid(() => parseUri('file:///data/../etc/passwd'), /"\.\."/);
    invalid(() => parseUri('file:///data/./x'), /"\."/);
    invalid(() => parseUri('file:///data//x'), /empty path segment/);
    invalid(() => parseUri('s3://bkt/a/../b'), /"\.\."/);
    invalid(() => parseUri('s3://bkt/..'), /"\.\."/);
    invalid(() => parseUri('s3://bkt//abs'), /starts with/);
    invalid(() => parseUri('s3://Bad_Bucket/x'), /bucket name/);
    invalid(() => parseUri('s3://ab/x'), /bucket name/);
    invalid(() => parseUri('s3://bkt/a\0b'), /NUL/);
    invalid(() => parseUri('file:///a\\b'), /backslash/);
    invalid(() => parseUri('s3://bkt/a\nb'), /control/);
  });
});

describe('joinUri', () => {
  it('appends parts under a prefix', () => {
    assert.equal(
      joinUri('s3://bkt/out/', 'run-1', 'part-000001.jsonl'),
      's3://bkt/out/run-1/part-000001.jsonl',
    );
    assert.equal(joinUri('s3://bkt/out', 'run-1/_SUMMARY.json'), 's3://bkt/out/run-1/_SUMMARY.json');
    assert.equal(joinUri('s3://bkt/', 'a'), 's3://bkt/a');
    assert.equal(joinUri('s3://bkt', 'a'), 's3://bkt/a');
    assert.equal(joinUri('file:///tmp/out/', 'run-1/'), 'file:///tmp/out/run-1/');
  });

  it('rejects .., ., empty, absolute, NUL and backslash parts', () => {
    invalid(() => joinUri('s3://bkt/out/', '..'));
    invalid(() => joinUri('s3://bkt/out/', 'a/../../etc'));
    invalid(() => joinUri('s3://bkt/out/', '.'));
    invalid(() => joinUri('s3://bkt/out/', ''));
    invalid(() => joinUri('s3://bkt/out/', 'a//b'));
    invalid(() => joinUri('s3://bkt/out/', 'a/', 'b'));
    invalid(() => joinUri('s3://bkt/out/', '/etc/passwd'), /absolute/);
    invalid(() => joinUri('file:///out/', 'C:/x'), /drive/);
    invalid(() => joinUri('file:///out/', 's3://other/x'), /URI/);
    invalid(() => joinUri('file:///out/', 'a\0b'), /NUL/);
    invalid(() => joinUri('file:///out/', '..\\x'), /backslash/);
    invalid(() => joinUri('not a uri', 'x'));
  });
});

describe('isPrefixUri', () => {
  it('is true exactly for URIs ending in /', () => {
    assert.equal(isPrefixUri('s3://bkt/photos/'), true);
    assert.equal(isPrefixUri('file:///data/'), true);
    assert.equal(isPrefixUri('s3://bkt/photos/a.jpg'), false);
    assert.equal(isPrefixUri('s3://bkt'), false);
  });
});
