import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ImageError, UsageError } from '../../../src/core/errors/index.js';
import {
  fetchImageUrlHashed,
  type HttpSourcePolicy,
  NO_HTTP_SOURCES,
  parseHttpSources,
  readImageSource,
} from '../../../src/core/io/index.js';
import { isLoopbackAddress, isPublicAddress } from '../../../src/core/net/index.js';
import { resolveWorkerConfig } from '../../../src/worker/config.js';
import { fetchImage } from '../../../src/worker/fetch-image.js';
import { samplePhoto } from '../../support/images.js';

const photo = samplePhoto();
const MAX = 1_000_000;

async function rejectsWith(p: Promise<unknown>, code: string, forbidden: RegExp[] = []) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImageError, String(err));
    assert.equal(err.code, code, err.message);
    for (const re of forbidden) assert.doesNotMatch(err.message, re);
    return true;
  });
}

function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

describe('address ranges', () => {
  it('loopback is an address check, not a string prefix', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      assert.ok(isLoopbackAddress(a), a);
    }
    for (const a of ['127.evil.example', 'localhost.evil.example', '128.0.0.1', '::2', '']) {
      assert.ok(!isLoopbackAddress(a), a);
    }
  });
  it('private, link-local, CGNAT and mapped addresses are not public', () => {
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      'example.com',
    ]) {
      assert.ok(!isPublicAddress(a), a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.ok(isPublicAddress(a), a);
  });
});

describe('http(s) image sources: opt-in, allow-listed, coarse errors', () => {
  let origin: http.Server;
  let other: http.Server;
  let port: number;
  let otherPort: number;
  let otherHits = 0;
  before(async () => {
    ({ server: other, port: otherPort } = await listen((_req, res) => {
      otherHits++;
      res.end(photo);
    }));
    ({ server: origin, port } = await listen((req, res) => {
      switch (req.url) {
        case '/photo.jpg':
          res.writeHead(200, { etag: '"secret-etag"', 'x-internal': 'token=abc' });
          res.end(photo);
          return;
        case '/same-origin':
          res.writeHead(301, { location: '/photo.jpg' });
          res.end();
          return;
        case '/other-port':
          res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/photo.jpg` });
          res.end();
          return;
        case '/other-name':
          res.writeHead(307, { location: `http://localhost:${port}/photo.jpg` });
          res.end();
          return;
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          res.end();
          return;
        case '/401':
          res.writeHead(401, { 'www-authenticate': 'Basic realm="internal admin"' });
          res.end('Unauthorized: internal admin');
          return;
        case '/503':
          res.writeHead(503);
          res.end('busy');
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    }));
  });
  after(() => {
    origin.closeAllConnections();
    other.closeAllConnections();
    origin.close();
    other.close();
  });

  const only = (...hosts: string[]): HttpSourcePolicy => ({ allowHosts: hosts });
  const get = (p: string, policy: HttpSourcePolicy, host = `127.0.0.1:${port}`) =>
    fetchImageUrlHashed(new URL(`http://${host}${p}`), { maxBytes: MAX, policy });

  it('refused without an allow-list (the worker default)', async () => {
    await rejectsWith(get('/photo.jpg', NO_HTTP_SOURCES), 'IMAGE_SOURCE_FORBIDDEN');
    const config = resolveWorkerConfig({}, {});
    assert.deepEqual(config.httpSources, []);
    await rejectsWith(
      fetchImage({} as never, `http://127.0.0.1:${port}/photo.jpg`, {
        maxBytes: MAX,
        httpSources: { allowHosts: config.httpSources },
      }),
      'IMAGE_SOURCE_FORBIDDEN',
    );
  });
  it('allowed with the allow-list; the result carries our sha256, never the ETag', async () => {
    const got = await get('/photo.jpg', only(`127.0.0.1:${port}`));
    assert.deepEqual(got.body, photo);
    assert.equal(got.contentHash, createHash('sha256').update(photo).digest('hex').slice(0, 32));
    assert.ok(!JSON.stringify(Object.keys(got)).includes('etag'));
    const viaWorker = await fetchImage({} as never, `http://127.0.0.1:${port}/photo.jpg`, {
      maxBytes: MAX,
      httpSources: only('127.0.0.1'),
    });
    assert.equal(viaWorker.etag, `sha256-${got.contentHash}`);
  });
  it('a host or port not on the list is refused', async () => {
    await rejectsWith(get('/photo.jpg', only(`127.0.0.1:${otherPort}`)), 'IMAGE_SOURCE_FORBIDDEN');
    await rejectsWith(get('/photo.jpg', only('images.example.com')), 'IMAGE_SOURCE_FORBIDDEN');
  });
  it('`*` checks the resolved address: loopback names and literals are refused unless listed', async () => {
    await rejectsWith(get('/photo.jpg', only('*')), 'IMAGE_SOURCE_FORBIDDEN');
    await rejectsWith(get('/photo.jpg', only('*'), `localhost:${port}`), 'IMAGE_SOURCE_FORBIDDEN');
    await rejectsWith(get('/photo.jpg', only('*'), `[::ffff:127.0.0.1]:${port}`), 'IMAGE_SOURCE_FORBIDDEN');
    await rejectsWith(get('/photo.jpg', only('*'), `169.254.169.254`), 'IMAGE_SOURCE_FORBIDDEN');
    // Listed explicitly, the name is trusted.
    assert.deepEqual((await get('/photo.jpg', only('*', 'localhost'), `localhost:${port}`)).body, photo);
  });
  it('redirects: same origin followed, another port or host refused unless listed too', async () => {
    assert.deepEqual((await get('/same-origin', only(`127.0.0.1:${port}`))).body, photo);
    const before = otherHits;
    await rejectsWith(get('/other-port', only(`127.0.0.1:${port}`)), 'IMAGE_SOURCE_FORBIDDEN', [
      new RegExp(String(otherPort)),
    ]);
    assert.equal(otherHits, before, 'the other port was never contacted');
    await rejectsWith(get('/other-name', only(`127.0.0.1:${port}`)), 'IMAGE_SOURCE_FORBIDDEN');
    assert.deepEqual(
      (await get('/other-port', only(`127.0.0.1:${port}`, `127.0.0.1:${otherPort}`))).body,
      photo,
    );
    await rejectsWith(get('/loop', only(`127.0.0.1:${port}`)), 'IMAGE_FETCH_FAILED');
  });
  it('HTTP status details stay out of messages (no port probing)', async () => {
    const policy = only(`127.0.0.1:${port}`);
    await rejectsWith(get('/401', policy), 'IMAGE_FETCH_FAILED', [/401/, /realm|admin|Unauthorized/i]);
    await rejectsWith(get('/503', policy), 'IMAGE_FETCH_FAILED', [/503/, /busy/]);
    await rejectsWith(get('/nope', policy), 'IMAGE_NOT_FOUND', [/404/]);
    await rejectsWith(
      fetchImageUrlHashed(new URL('http://127.0.0.1:1/x.jpg'), { maxBytes: MAX, policy: only('127.0.0.1') }),
      'IMAGE_FETCH_FAILED',
      [/ECONNREFUSED/],
    );
  });
  it('the library and classify CLI keep http open by default; an allow-list restricts them', async () => {
    assert.deepEqual(await readImageSource(`http://127.0.0.1:${port}/photo.jpg`, { maxBytes: MAX }), photo);
    await rejectsWith(
      readImageSource(`http://127.0.0.1:${port}/photo.jpg`, { maxBytes: MAX, httpSources: only('*') }),
      'IMAGE_SOURCE_FORBIDDEN',
    );
  });
  it('allow-list entries are validated with the option name', () => {
    assert.deepEqual(parseHttpSources('a.example, b.example:8080,*,[::1]:9000'), [
      'a.example',
      'b.example:8080',
      '*',
      '[::1]:9000',
    ]);
    for (const bad of ['http://a.example', 'a.example:0', 'a.example:70000', 'a b', '[nothost]:1']) {
      assert.throws(
        () => parseHttpSources(bad, '--allow-http-host'),
        (e: unknown) => e instanceof UsageError && /--allow-http-host/.test(e.message),
        bad,
      );
    }
    assert.throws(
      () => resolveWorkerConfig({}, { ZEROSHOT_HTTP_SOURCES: 'ftp://x' }),
      /ZEROSHOT_HTTP_SOURCES/,
    );
    assert.deepEqual(resolveWorkerConfig({ httpSources: ['a.example', 'b.example'] }, {}).httpSources, [
      'a.example',
      'b.example',
    ]);
  });
});
