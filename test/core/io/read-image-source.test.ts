import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ImageError } from '../../../src/core/errors/index.js';
import { imageName, readImageSource } from '../../../src/core/io/index.js';
import { samplePhoto } from '../../support/images.js';

const photo = samplePhoto();
const MAX = 1_000_000;

async function rejectsWith(p: Promise<unknown>, code: string, retryable?: boolean) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImageError, String(err));
    assert.equal(err.code, code, err.message);
    if (retryable !== undefined) assert.equal(err.retryable, retryable);
    return true;
  });
}

describe('readImageSource: files and buffers', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zs-io-'));
    writeFileSync(path.join(dir, 'photo.jpg'), photo);
    writeFileSync(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a path and a file:// URL', async () => {
    const p = path.join(dir, 'photo.jpg');
    assert.deepEqual(await readImageSource(p, { maxBytes: MAX }), photo);
    assert.deepEqual(await readImageSource(pathToFileURL(p), { maxBytes: MAX }), photo);
    assert.deepEqual(await readImageSource(pathToFileURL(p).href, { maxBytes: MAX }), photo);
  });
  it('missing file → IMAGE_NOT_FOUND', () =>
    rejectsWith(readImageSource(path.join(dir, 'nope.jpg'), { maxBytes: MAX }), 'IMAGE_NOT_FOUND'));
  it('0-byte file → IMAGE_EMPTY', () =>
    rejectsWith(readImageSource(path.join(dir, 'empty.jpg'), { maxBytes: MAX }), 'IMAGE_EMPTY'));
  it('a directory → IMAGE_NOT_REGULAR_FILE', () =>
    rejectsWith(readImageSource(dir, { maxBytes: MAX }), 'IMAGE_NOT_REGULAR_FILE'));
  it('a named pipe with no writer → IMAGE_NOT_REGULAR_FILE, without blocking on open', async () => {
    const fifo = path.join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await rejectsWith(readImageSource(fifo, { maxBytes: MAX }), 'IMAGE_NOT_REGULAR_FILE');
  });
  it('a character device (/dev/zero) → IMAGE_NOT_REGULAR_FILE', () =>
    rejectsWith(readImageSource('/dev/zero', { maxBytes: MAX }), 'IMAGE_NOT_REGULAR_FILE'));
  it('file over the byte limit → IMAGE_TOO_LARGE (checked by stat, before reading)', () =>
    rejectsWith(readImageSource(path.join(dir, 'photo.jpg'), { maxBytes: 100 }), 'IMAGE_TOO_LARGE'));
  it('buffers pass through within limits', async () => {
    assert.equal(await readImageSource(photo, { maxBytes: MAX }), photo);
    await rejectsWith(readImageSource(Buffer.alloc(0), { maxBytes: MAX }), 'IMAGE_EMPTY');
    await rejectsWith(readImageSource(photo, { maxBytes: 10 }), 'IMAGE_TOO_LARGE');
  });
  it('unsupported URL schemes are refused', () =>
    rejectsWith(readImageSource('ftp://example.com/a.jpg', { maxBytes: MAX }), 'IMAGE_FETCH_FAILED'));
  it('names images as given, buffers by index', () => {
    assert.equal(imageName('a/b.jpg', 0), 'a/b.jpg');
    assert.equal(imageName(new URL('http://h/x.jpg'), 1), 'http://h/x.jpg');
    assert.equal(imageName(photo, 7), 'buffer:7');
  });
});

describe('readImageSource: http(s)', () => {
  let server: http.Server;
  let base: string;
  const hanging = new Set<http.ServerResponse>();
  before(async () => {
    server = http.createServer((req, res) => {
      switch (req.url) {
        case '/photo.jpg':
          res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length });
          res.end(photo);
          return;
        case '/chunked.jpg': // no content-length: the cap applies while streaming
          res.writeHead(200, { 'content-type': 'image/jpeg' });
          res.write(photo.subarray(0, 1000));
          res.end(photo.subarray(1000));
          return;
        case '/empty.jpg':
          res.writeHead(200, { 'content-length': 0 });
          res.end();
          return;
        case '/error':
          res.writeHead(503);
          res.end('busy');
          return;
        case '/forbidden':
          res.writeHead(403);
          res.end();
          return;
        case '/hang':
          hanging.add(res);
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('downloads an image', async () => {
    assert.deepEqual(await readImageSource(`${base}/photo.jpg`, { maxBytes: MAX }), photo);
    assert.deepEqual(await readImageSource(new URL(`${base}/chunked.jpg`), { maxBytes: MAX }), photo);
  });
  it('404 → IMAGE_NOT_FOUND', () =>
    rejectsWith(readImageSource(`${base}/missing.jpg`, { maxBytes: MAX }), 'IMAGE_NOT_FOUND'));
  it('5xx → IMAGE_FETCH_FAILED, retryable; 403 not retryable', async () => {
    await rejectsWith(readImageSource(`${base}/error`, { maxBytes: MAX }), 'IMAGE_FETCH_FAILED', true);
    await rejectsWith(readImageSource(`${base}/forbidden`, { maxBytes: MAX }), 'IMAGE_FETCH_FAILED', false);
  });
  it('empty body → IMAGE_EMPTY', () =>
    rejectsWith(readImageSource(`${base}/empty.jpg`, { maxBytes: MAX }), 'IMAGE_EMPTY'));
  it('too large by content-length or while streaming → IMAGE_TOO_LARGE', async () => {
    await rejectsWith(readImageSource(`${base}/photo.jpg`, { maxBytes: 5000 }), 'IMAGE_TOO_LARGE');
    await rejectsWith(readImageSource(`${base}/chunked.jpg`, { maxBytes: 5000 }), 'IMAGE_TOO_LARGE');
  });
  it('a server that never answers → IMAGE_FETCH_FAILED after the timeout', () =>
    rejectsWith(
      readImageSource(`${base}/hang`, { maxBytes: MAX, fetchTimeoutMs: 200 }),
      'IMAGE_FETCH_FAILED',
      true,
    ));
  it('connection refused → IMAGE_FETCH_FAILED', () =>
    rejectsWith(readImageSource('http://127.0.0.1:1/x.jpg', { maxBytes: MAX }), 'IMAGE_FETCH_FAILED', true));
});
