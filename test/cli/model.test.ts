import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startFakeHub } from '../core/model/fake-hub.js';
import { CLI, TINY_MODEL_DIR, TINY_MODEL_ID } from '../support/fixtures.js';

const run = promisify(execFile);

async function zeroshot(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let cache: string;
before(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), 'zs-cli-cache-'));
});
after(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe('zeroshot model inspect', () => {
  it('prints what it found in a model directory', async () => {
    const { code, stdout } = await zeroshot(['model', 'inspect', TINY_MODEL_DIR]);
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`model\\s+${TINY_MODEL_ID}`));
    assert.match(stdout, /type\s+clip/);
    assert.match(stdout, /embedding\s+32 dims/);
    assert.match(stdout, /image\s+224x224/);
    assert.match(stdout, /vision fp32\s+onnx\/vision_model\.onnx \(1\.2 MB\)/);
    assert.match(stdout, /pixel_values float32 \[batch_size, 3, 224, 224\]/);
    assert.match(stdout, /input_ids int64/);
    assert.match(stdout, /scale 100, bias 0 \(from default \(clip\)\)/);
    assert.match(stdout, /context 77/);
  });

  it('prints JSON with --json, resolving ZEROSHOT_MODEL', async () => {
    const { code, stdout } = await zeroshot(['model', 'inspect', '--json'], {
      ZEROSHOT_MODEL: TINY_MODEL_DIR,
    });
    assert.equal(code, 0);
    const r = JSON.parse(stdout);
    assert.equal(r.id, TINY_MODEL_ID);
    assert.equal(r.projectionDim, 32);
    assert.equal(r.dtype, 'fp32');
    assert.deepEqual(
      r.sessions.vision.outputs.map((o: { name: string }) => o.name),
      ['image_embeds', 'last_hidden_state'],
    );
    assert.equal(r.sessions.text.inputs[0].type, 'int64');
    assert.equal(r.tokenizer.contextLength, 77);
    assert.deepEqual(r.logit, { scale: 100, bias: 0, source: 'default (clip)' });
  });

  it('says how to provide a model when none is found', async () => {
    const env = { ZEROSHOT_CACHE_DIR: cache, ZEROSHOT_MODEL: '' };
    const { code, stderr } = await zeroshot(['model', 'inspect'], env);
    assert.equal(code, 3); // model errors exit 3 (src/cli/exit.ts)
    assert.match(stderr, /MODEL_NOT_FOUND/);
    assert.match(stderr, /--model DIR/);
    assert.match(stderr, /zeroshot model pull/);
  });

  it('rejects an unknown dtype as a usage error', async () => {
    const { code, stderr } = await zeroshot(['model', 'inspect', TINY_MODEL_DIR, '--dtype', 'fp8']);
    assert.equal(code, 2);
    assert.match(stderr, /fp8/);
  });
});

describe('zeroshot model pull', () => {
  let hub: Awaited<ReturnType<typeof startFakeHub>>;
  before(async () => {
    hub = await startFakeHub({ 'test/tiny': { dir: TINY_MODEL_DIR } });
  });
  after(async () => {
    await hub?.close();
  });

  it('downloads into --cache-dir with plain progress lines, then the model resolves by id', async () => {
    const env = { HF_ENDPOINT: hub.endpoint, HF_TOKEN: '' };
    const pulled = await zeroshot(['model', 'pull', 'test/tiny', '--cache-dir', cache], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stderr, /downloaded\s+onnx\/vision_model\.onnx \(1\.2 MB\)/);
    assert.match(pulled.stdout, /test\/tiny \(fp32\) is in .*test--tiny: 7 files downloaded/);
    const again = await zeroshot(['model', 'pull', 'test/tiny', '--cache-dir', cache], env);
    assert.match(again.stdout, /0 files downloaded \(0 B\), 7 already present/);
    const inspected = await zeroshot(['model', 'inspect', '--json'], {
      ZEROSHOT_CACHE_DIR: cache,
      ZEROSHOT_MODEL: 'test/tiny',
    });
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal(JSON.parse(inspected.stdout).id, TINY_MODEL_ID);
  });

  it('exits 3 with MODEL_DOWNLOAD_FAILED naming the URL and status', async () => {
    const { code, stderr } = await zeroshot(['model', 'pull', 'nobody/nothing', '--cache-dir', cache], {
      HF_ENDPOINT: hub.endpoint,
    });
    assert.equal(code, 3);
    assert.match(
      stderr,
      /MODEL_DOWNLOAD_FAILED: http:\/\/127\.0\.0\.1:\d+\/api\/models\/nobody\/nothing\/tree\/main\?recursive=true: HTTP 404/,
    );
  });

  it('secrets appear nowhere on the model-pull path: the token is in no output, message or cached file', async () => {
    const token = 'hf_cliSECRETtoken42';
    const own = await mkdtemp(path.join(os.tmpdir(), 'zs-cli-token-'));
    try {
      const env = { HF_ENDPOINT: hub.endpoint, HF_TOKEN: token, ZEROSHOT_LOG_LEVEL: 'debug' };
      const ok = await zeroshot(['model', 'pull', 'test/tiny', '--cache-dir', own], env);
      assert.equal(ok.code, 0, ok.stderr);
      const failed = await zeroshot(['model', 'pull', 'nobody/nothing', '--cache-dir', own], env);
      assert.equal(failed.code, 3);
      const files = (await readdir(own, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      assert.ok(files.length >= 7);
      const cached = await Promise.all(files.map((e) => readFile(path.join(e.parentPath, e.name))));
      const places = {
        out: ok.stdout + ok.stderr + failed.stdout + failed.stderr,
        cache: Buffer.concat(cached).toString('latin1'),
      };
      for (const [where, text] of Object.entries(places))
        assert.ok(!text.includes(token), `${where} contains the token`);
      assert.ok(
        hub.requests.some((r) => r.authorization === `Bearer ${token}`),
        'the token did go to the hub',
      );
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('rejects a malformed repository id as a usage error', async () => {
    const { code, stderr } = await zeroshot(['model', 'pull', '../../etc', '--cache-dir', cache]);
    assert.equal(code, 2);
    assert.match(stderr, /owner\/name/);
  });
});
