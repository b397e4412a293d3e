import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { cachedModelDir, DEFAULT_HUB_MODEL, loadModelSpec } from '../../src/core/model/index.js';
import { DEMO_DTYPE, PULL_COMMAND, resolveDemoModel } from '../../src/demo/demo-model.js';
import { DISTRACTORS, expectedLabel, readDemoPhotos } from '../../src/demo/demo-photos.js';
import { runDemo } from '../../src/demo/run-demo.js';
import { startFakeHub } from '../core/model/fake-hub.js';
import { PHOTOS_DIR, TINY_MODEL_DIR } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

/** A non-TTY stream that keeps what is written. */
function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

/** The tiny model laid out as the hub's repository of the default model with only the demo's dtype. */
function fakeDefaultRepo(root: string): string {
  const dir = path.join(root, 'hub-repo');
  cpSync(TINY_MODEL_DIR, dir, { recursive: true });
  rmSync(path.join(dir, 'onnx', 'model.onnx'), { force: true });
  for (const kind of ['vision', 'text']) {
    renameSync(
      path.join(dir, 'onnx', `${kind}_model.onnx`),
      path.join(dir, 'onnx', `${kind}_model_${DEMO_DTYPE}.onnx`),
    );
  }
  return dir;
}

/** A few bundled photos (the demo labels every image of the folder). */
function photoDir(root: string, n = 4): string {
  const dir = path.join(root, 'photos');
  cpSync(PHOTOS_DIR, dir, { recursive: true });
  for (const f of readdirSync(dir).sort().slice(n)) rmSync(path.join(dir, f));
  return dir;
}

describe('npm run demo', () => {
  let tmp: string;
  let hub: Awaited<ReturnType<typeof startFakeHub>>;
  let redis: RedisServerHandle;
  let offline: string;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-demo-'));
    hub = await startFakeHub({ [DEFAULT_HUB_MODEL]: { dir: fakeDefaultRepo(tmp) } });
    redis = await startRedisServer();
    // A loopback port nobody listens on: the hub is "unreachable" at once.
    offline = `http://127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    await hub?.close();
    await redis?.stop({ removeData: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  const baseEnv = (cache: string, endpoint: string): NodeJS.ProcessEnv => ({
    ZEROSHOT_CACHE_DIR: cache,
    HF_ENDPOINT: endpoint,
    ZEROSHOT_PROVIDER: 'cpu',
    ZEROSHOT_INTRA_OP_THREADS: '1',
    ZEROSHOT_LOG_LEVEL: 'silent',
  });

  it('pulls the default model (demo dtype) from the hub with progress, then finds it in the cache like the CLI', async () => {
    const cache = path.join(tmp, 'cache-pull');
    const err = capture();
    const model = await resolveDemoModel({
      env: baseEnv(cache, hub.endpoint),
      bundledDir: TINY_MODEL_DIR,
      stderr: err.stream,
      retryDelayMs: 10,
    });
    assert.equal(model.source, 'pulled');
    assert.equal(model.dir, cachedModelDir(DEFAULT_HUB_MODEL, cache));
    assert.match(err.text(), new RegExp(`pulling ${DEFAULT_HUB_MODEL} \\(${DEMO_DTYPE}\\)`));
    assert.match(err.text(), new RegExp(`downloaded +onnx/vision_model_${DEMO_DTYPE}\\.onnx \\(\\d`));
    assert.match(err.text(), new RegExp(`downloaded +onnx/text_model_${DEMO_DTYPE}\\.onnx`));
    assert.ok(hub.requests.some((r) => r.url.includes(`vision_model_${DEMO_DTYPE}.onnx`)));
    // Loads without --dtype: the only variant present is picked.
    assert.equal((await loadModelSpec(model.dir)).dtype, DEMO_DTYPE);

    const before = hub.requests.length;
    const again = await resolveDemoModel({ env: baseEnv(cache, hub.endpoint), bundledDir: TINY_MODEL_DIR });
    assert.deepEqual([again.source, again.dir], ['cache', model.dir]);
    assert.equal(hub.requests.length, before, 'a cached model is used without asking the hub');
  });

  it('a configured model that does not exist is an error, not a pull or a fallback', async () => {
    const env = {
      ...baseEnv(path.join(tmp, 'cache-none'), hub.endpoint),
      ZEROSHOT_MODEL: path.join(tmp, 'nope'),
    };
    await assert.rejects(
      resolveDemoModel({ env, bundledDir: TINY_MODEL_DIR }),
      /MODEL_NOT_FOUND|not a directory/,
    );
  });

  it('online: labels the photos with the pulled model and counts the matching top labels', async () => {
    const cache = path.join(tmp, 'cache-run');
    const out = capture();
    const err = capture();
    const photos = photoDir(tmp);
    const res = await runDemo({
      redisUrl: redis.url,
      env: baseEnv(cache, hub.endpoint),
      photosDir: photos,
      bundledModelDir: TINY_MODEL_DIR,
      outDir: path.join(tmp, 'results-online'),
      prefix: '{demo-online}',
      stdout: out.stream,
      stderr: err.stream,
      retryDelayMs: 10,
    });
    assert.equal(res.model.source, 'pulled');
    assert.equal(res.total, 4);
    assert.equal(res.failed, 0);
    const text = out.text();
    assert.match(text, /PHOTO\s+SHOWS\s+TOP LABEL\s+SCORE\s+MATCH/);
    for (const f of readdirSync(photos)) assert.ok(text.includes(f), f);
    assert.match(text, new RegExp(`${res.matched}/4 top labels match what the photo shows`));
    assert.match(err.text(), /downloaded +onnx\/vision_model_fp16\.onnx/);
    // The fake hub serves the random stand-in, which says so in its config: the banner is still shown.
    assert.match(text, /MEANINGLESS/);
  });

  it('offline: falls back to the bundled random model with a banner naming the one command for real labels', async () => {
    const out = capture();
    const err = capture();
    const res = await runDemo({
      redisUrl: redis.url,
      env: baseEnv(path.join(tmp, 'cache-offline'), offline),
      photosDir: photoDir(path.join(tmp, 'offline'), 3),
      bundledModelDir: TINY_MODEL_DIR,
      outDir: path.join(tmp, 'results-offline'),
      prefix: '{demo-offline}',
      stdout: out.stream,
      stderr: err.stream,
      hubTimeoutMs: 2_000,
    });
    assert.equal(res.model.source, 'bundled');
    assert.equal(res.model.dir, TINY_MODEL_DIR);
    assert.equal(res.total, 3);
    const text = out.text();
    assert.match(text, /THESE LABELS ARE MEANINGLESS/);
    assert.match(text, /RANDOM weights/);
    assert.ok(text.includes(PULL_COMMAND), text);
    assert.match(text, /is not reachable/);
    assert.match(err.text(), /bundled, RANDOM weights/);
  });

  it('labels: one per photo from its file name, plus distractors', () => {
    assert.equal(expectedLabel('chelsea.png'), 'a cat');
    assert.equal(expectedLabel('motorcycle_left.png'), 'a motorcycle');
    assert.equal(expectedLabel('n01440764_tench.JPEG'), 'tench');
    assert.equal(expectedLabel('x.png', { 'x.png': 'a thing' }), 'a thing');
    const photos = readDemoPhotos(PHOTOS_DIR);
    assert.equal(photos.expected.size, readdirSync(PHOTOS_DIR).length);
    for (const d of DISTRACTORS) assert.ok(photos.labels.includes(d));
    assert.equal(new Set(photos.labels).size, photos.labels.length);
  });
});
