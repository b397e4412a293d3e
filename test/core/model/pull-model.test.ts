import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelError } from '../../../src/core/errors/index.js';
import { cachedModelDir, loadModelSpec, pullModel, resolveModelDir } from '../../../src/core/model/index.js';
import { TINY_MODEL_DIR, TINY_MODEL_ID } from '../../support/fixtures.js';
import { startFakeHub } from './fake-hub.js';

const VISION = 'onnx/vision_model.onnx';
const TEXT = 'onnx/text_model.onnx';
let hub: Awaited<ReturnType<typeof startFakeHub>>;
let cache: string;
let hubRepo: string;

before(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), 'zs-pull-'));
  // Like a real hub repository, test/tiny holds more than a pull needs: the combined graph and the slow
  // tokenizer's vocab.json / merges.txt.
  hubRepo = await mkdtemp(path.join(os.tmpdir(), 'zs-hub-repo-'));
  const full = path.join(hubRepo, 'tiny');
  await cp(TINY_MODEL_DIR, full, { recursive: true });
  await writeFile(path.join(full, 'onnx', 'model.onnx'), Buffer.alloc(4096, 1));
  await writeFile(path.join(full, 'vocab.json'), '{}');
  await writeFile(path.join(full, 'merges.txt'), '#version: 0.2\n');
  hub = await startFakeHub({
    'test/tiny': { dir: full, dropAfter: { [VISION]: 300_000 } },
    'test/short': { dir: TINY_MODEL_DIR, sizeDelta: { [TEXT]: 10 } },
    'test/long': { dir: TINY_MODEL_DIR, sizeDelta: { [TEXT]: -10 } },
    'test/private': { dir: TINY_MODEL_DIR, status: 401 },
  });
});
after(async () => {
  await hub?.close();
  await rm(cache, { recursive: true, force: true });
  await rm(hubRepo, { recursive: true, force: true });
});

const env = () => ({ HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_secret', ZEROSHOT_CACHE_DIR: cache });

function downloadFailed(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ModelError, String(err));
    assert.equal(err.code, 'MODEL_DOWNLOAD_FAILED');
    assert.match(err.message, pattern);
    return true;
  };
}

describe('pullModel', () => {
  it('downloads only the needed files, resumes a dropped connection, and verifies them', async () => {
    const progress = new Map<string, number>();
    const res = await pullModel({
      repo: 'test/tiny',
      env: env(),
      retryDelayMs: 10,
      onProgress: (f, b) => progress.set(f, b),
    });
    assert.equal(res.dir, cachedModelDir('test/tiny', cache));
    const got = res.files.map((f) => f.path);
    assert.deepEqual(
      new Set(got),
      new Set([
        VISION,
        TEXT,
        'config.json',
        'preprocessor_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'special_tokens_map.json',
      ]),
    );
    assert.equal(got.at(-1), 'config.json', 'config.json last: it marks the cache entry complete');
    assert.ok(
      !hub.requests.some((r) => r.url.includes('model.onnx') && !r.url.includes('_model.onnx')),
      'combined model.onnx not fetched',
    );
    assert.ok(!hub.requests.some((r) => r.url.endsWith('/vocab.json') || r.url.endsWith('/merges.txt')));

    const visionRequests = hub.requests.filter((r) => r.url.endsWith(`/resolve/main/${VISION}`));
    assert.equal(visionRequests.length, 2);
    assert.equal(visionRequests[0]!.range, undefined);
    // Resumed from what had arrived before the connection was lost (all 300,000 bytes, unless the kernel lost some).
    const resumedAt = Number(visionRequests[1]!.range?.match(/^bytes=(\d+)-$/)?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 300_000, `resumed with ${visionRequests[1]!.range}`);
    assert.ok(hub.requests.every((r) => r.authorization === 'Bearer hf_secret'));
    assert.ok(
      hub.requests.some((r) => r.url.includes('cursor=2')),
      'followed the listing pagination',
    );

    for (const f of got) {
      assert.deepEqual(
        await readFile(path.join(res.dir, f)),
        await readFile(path.join(TINY_MODEL_DIR, f)),
        f,
      );
      await assert.rejects(stat(path.join(res.dir, `${f}.part`)));
    }
    assert.equal(progress.get(VISION), (await stat(path.join(TINY_MODEL_DIR, VISION))).size);

    const spec = await loadModelSpec(res.dir);
    assert.equal(spec.id, TINY_MODEL_ID);
    assert.equal(
      await resolveModelDir({ env: { ZEROSHOT_CACHE_DIR: cache, ZEROSHOT_MODEL: 'test/tiny' } }),
      res.dir,
    );
  });

  it('skips complete files and resumes a .part left by an interrupted run', async () => {
    const dir = cachedModelDir('test/tiny', cache);
    await rm(path.join(dir, TEXT));
    const full = await readFile(path.join(TINY_MODEL_DIR, TEXT));
    await writeFile(path.join(dir, `${TEXT}.part`), full.subarray(0, 1000));
    const before = hub.requests.length;
    const res = await pullModel({ repo: 'test/tiny', env: env(), retryDelayMs: 10 });
    const fetched = hub.requests.slice(before).filter((r) => r.url.includes('/resolve/'));
    assert.deepEqual(
      fetched.map((r) => [r.url.split('/resolve/main/')[1], r.range]),
      [[TEXT, 'bytes=1000-']],
    );
    assert.deepEqual(await readFile(path.join(dir, TEXT)), full);
    assert.equal(res.files.filter((f) => !f.skipped).length, 1);
  });

  it('fails with the URL when the server has fewer bytes than listed', async () => {
    await assert.rejects(
      pullModel({ repo: 'test/short', env: env(), retryDelayMs: 10 }),
      downloadFailed(/\/test\/short\/resolve\/main\/onnx\/text_model\.onnx: size mismatch/),
    );
    await assert.rejects(stat(path.join(cachedModelDir('test/short', cache), TEXT)));
  });

  it('fails with the URL when the server sends more bytes than listed', async () => {
    await assert.rejects(
      pullModel({ repo: 'test/long', env: env(), retryDelayMs: 10 }),
      downloadFailed(/\/test\/long\/resolve\/main\/onnx\/text_model\.onnx: size mismatch/),
    );
  });

  it('names the URL and HTTP status of a refused listing, without the token', async () => {
    await assert.rejects(pullModel({ repo: 'test/private', env: env() }), (err: unknown) => {
      downloadFailed(/\/api\/models\/test\/private\/tree\/main.*HTTP 401.*HF_TOKEN/)(err);
      assert.doesNotMatch((err as Error).message, /hf_secret/);
      return true;
    });
    await assert.rejects(pullModel({ repo: 'test/absent', env: env() }), downloadFailed(/HTTP 404/));
  });

  it('lists the dtype variants the repository has when the requested one is missing', async () => {
    await assert.rejects(pullModel({ repo: 'test/tiny', dtype: 'fp16', env: env() }), (err: unknown) => {
      assert.ok(err instanceof ModelError);
      assert.equal(err.code, 'MODEL_UNSUPPORTED');
      assert.match(err.message, /onnx\/vision_model_fp16\.onnx.*variants present: fp32/);
      return true;
    });
  });

  it('reports an unreachable hub', async () => {
    await mkdir(cache, { recursive: true });
    await assert.rejects(
      pullModel({ repo: 'test/tiny', env: { ...env(), HF_ENDPOINT: 'http://127.0.0.1:1' } }),
      downloadFailed(/127\.0\.0\.1:1\/api\/models\/test\/tiny.*request failed/),
    );
  });
});
