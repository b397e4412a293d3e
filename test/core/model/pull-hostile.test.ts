import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelError } from '../../../src/core/errors/index.js';
import { pullModel } from '../../../src/core/model/index.js';
import { TINY_MODEL_DIR } from '../../support/fixtures.js';
import { startFakeHub } from './fake-hub.js';

const TOKEN = 'hf_hostile_test_token';
const VISION = 'onnx/vision_model.onnx';
let hub: Awaited<ReturnType<typeof startFakeHub>>;
let other: Awaited<ReturnType<typeof startFakeHub>>;
let root: string;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'zs-hostile-'));
  // "other" is another origin (another port): a CDN, or an attacker collecting tokens.
  other = await startFakeHub({ 'test/tiny': { dir: TINY_MODEL_DIR } });
  hub = await startFakeHub({
    'test/escape': {
      dir: TINY_MODEL_DIR,
      extraEntries: [
        { type: 'file', path: `${VISION}_data/../../ESCAPED`, size: 4, oid: 'x' },
        { type: 'file', path: `${VISION}_data/../../../../ESCAPED2`, size: 4, oid: 'x' },
      ],
    },
    'test/absolute': {
      dir: TINY_MODEL_DIR,
      extraEntries: [{ type: 'file', path: '/etc/x', size: 1, oid: 'x' }],
    },
    'test/next': {
      dir: TINY_MODEL_DIR,
      nextPage: `${other.endpoint}/api/models/test/tiny/tree/main?recursive=true&cursor=2`,
    },
    'test/cdn': {
      dir: TINY_MODEL_DIR,
      redirect: { [VISION]: `${other.endpoint}/test/tiny/resolve/main/${VISION}` },
    },
  });
});
after(async () => {
  await hub?.close();
  await other?.close();
  await rm(root, { recursive: true, force: true });
});

const env = (cache: string) => ({ HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN, ZEROSHOT_CACHE_DIR: cache });

describe('model pull against a hostile hub', () => {
  it('a listed path that leaves the model directory is refused; nothing is written outside', async () => {
    const cache = path.join(root, 'escape', 'cache');
    for (const repo of ['test/escape', 'test/absolute']) {
      await assert.rejects(pullModel({ repo, env: env(cache), retryDelayMs: 10 }), (err: unknown) => {
        assert.ok(err instanceof ModelError, String(err));
        assert.equal(err.code, 'MODEL_DOWNLOAD_FAILED');
        assert.match(err.message, /unsafe path/);
        assert.doesNotMatch(err.message, new RegExp(TOKEN));
        return true;
      });
    }
    for (const p of ['ESCAPED', 'ESCAPED2', 'cache/ESCAPED', 'cache/models/ESCAPED']) {
      assert.ok(!existsSync(path.join(root, 'escape', p)), p);
    }
    assert.ok(!existsSync(path.join(root, 'ESCAPED2')));
  });

  it('a Link: rel=next to another origin is not followed and gets no token', async () => {
    const before = other.requests.length;
    await assert.rejects(
      pullModel({ repo: 'test/next', env: env(path.join(root, 'next')) }),
      (err: unknown) => err instanceof ModelError && /another origin/.test(err.message),
    );
    assert.equal(other.requests.length, before, 'the other origin was never contacted');
  });

  it('a download redirected to another origin is followed without the token; same origin keeps it', async () => {
    const before = other.requests.length;
    const res = await pullModel({ repo: 'test/cdn', env: env(path.join(root, 'cdn')), retryDelayMs: 10 });
    assert.ok(res.files.some((f) => f.path === VISION));
    const atOther = other.requests.slice(before);
    assert.ok(
      atOther.some((r) => r.url.endsWith(VISION)),
      'the redirect was followed',
    );
    for (const r of atOther) assert.equal(r.authorization, undefined, `token sent to ${r.url}`);
    const atHub = hub.requests.filter((r) => r.url.includes('/test/cdn/'));
    assert.ok(atHub.length > 0 && atHub.every((r) => r.authorization === `Bearer ${TOKEN}`));
  });
});
