import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TextEncoder, VisionEncoder } from '../../../src/core/encoders/index.js';
import { ModelError } from '../../../src/core/errors/index.js';
import { loadModelSpec } from '../../../src/core/model/index.js';
import { cudaProviderInstalled } from '../../../src/core/runtime/index.js';
import type { ModelSpec } from '../../../src/core/types.js';
import { TINY_MODEL_DIR } from '../../support/fixtures.js';

const SIDE = 224;
/** On a host where `npm run cuda:install` was run, CUDA may really work: the fallback tests do not apply. */
const cudaSkip = cudaProviderInstalled().installed ? 'the CUDA provider is installed on this host' : false;
const PER_IMAGE = 3 * SIDE * SIDE;
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

function noise(count: number, seed: number): Float32Array {
  const out = new Float32Array(count * PER_IMAGE);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = (s / 0x7fffffff) * 4 - 2;
  }
  return out;
}

const temps: string[] = [];
let spec: ModelSpec;
let vision: VisionEncoder;
let text: TextEncoder;
const warnings: string[] = [];

before(async () => {
  spec = await loadModelSpec(TINY_MODEL_DIR);
  const runtime = {
    providers: ['cuda', 'cpu'] as const,
    intraOpThreads: 1,
    onWarning: (m: string) => warnings.push(m),
  };
  vision = await VisionEncoder.create(spec, { ...runtime, providers: [...runtime.providers] });
  text = await TextEncoder.create(spec, { ...runtime, providers: [...runtime.providers] });
});

after(async () => {
  await vision?.dispose();
  await text?.dispose();
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('VisionEncoder', () => {
  it('falls back from CUDA to CPU with exactly one warning for both encoders', { skip: cudaSkip }, () => {
    assert.equal(vision.provider, 'cpu');
    assert.equal(text.provider, 'cpu');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /CUDA.*using CPU.*cuda:install/);
  });

  it('reports the model shape', () => {
    assert.equal(vision.imageSize, 224);
    assert.equal(vision.dim, 32);
    assert.deepEqual(
      vision.inputs.map((i) => [i.name, i.type]),
      [['pixel_values', 'float32']],
    );
  });

  it('returns one L2-normalized embedding per image, batch-independent', async () => {
    const pixels = noise(3, 7);
    const batch = await vision.embed(pixels, 3);
    assert.equal(batch.length, 3);
    for (const e of batch) {
      assert.equal(e.length, 32);
      assert.ok(Math.abs(norm(e) - 1) < 1e-5);
    }
    const single = await vision.embed(pixels.slice(PER_IMAGE, 2 * PER_IMAGE), 1);
    for (let i = 0; i < 32; i++) assert.ok(Math.abs(single[0]![i]! - batch[1]![i]!) < 1e-4);
    assert.ok(Math.abs(batch[0]![0]! - batch[1]![0]!) > 1e-6, 'different images give different embeddings');
  });

  it('reads only the first count images of a larger preallocated batch', async () => {
    const pixels = noise(4, 3);
    const two = await vision.embed(pixels, 2);
    const full = await vision.embed(pixels, 4);
    for (let i = 0; i < 32; i++) assert.ok(Math.abs(two[1]![i]! - full[1]![i]!) < 1e-4);
  });

  it('rejects a pixel buffer that is too short', async () => {
    await assert.rejects(vision.embed(new Float32Array(10), 1), /fewer than 1 images/);
  });
});

describe('TextEncoder', () => {
  it('returns L2-normalized embeddings in input order, independent of batching and padding', async () => {
    const texts = ['a photo of a cat', 'a photo of a very long and winding road in the mountains', 'dog', ''];
    const all = await text.embed(texts);
    assert.equal(all.length, 4);
    for (const e of all) {
      assert.equal(e.length, 32);
      assert.ok(Math.abs(norm(e) - 1) < 1e-5);
    }
    const alone = await text.embed(['dog']);
    for (let i = 0; i < 32; i++) assert.ok(Math.abs(alone[0]![i]! - all[2]![i]!) < 1e-4);
    assert.deepEqual(await text.embed([]), []);
  });

  it('handles more texts than one ORT batch', async () => {
    const texts = Array.from({ length: 150 }, (_, i) => `label number ${i}`);
    const out = await text.embed(texts);
    assert.equal(out.length, 150);
    const again = await text.embed([texts[149]!]);
    for (let i = 0; i < 32; i++) assert.ok(Math.abs(again[0]![i]! - out[149]![i]!) < 1e-4);
  });

  it('truncates an over-long label with one warning', async () => {
    const msgs: string[] = [];
    const enc = await TextEncoder.create(spec, {
      providers: ['cpu'],
      intraOpThreads: 1,
      onWarning: (m) => msgs.push(m),
    });
    try {
      const long = `a ${'very '.repeat(100)}long thing`;
      const out = await enc.embed([long, long, 'cat']);
      await enc.embed([long]);
      assert.equal(out.length, 3);
      assert.equal(msgs.length, 1);
      assert.match(msgs[0]!, /truncated/);
    } finally {
      await enc.dispose();
    }
  });
});

describe('encoder errors', () => {
  async function copyWith(file: string, bytes: Buffer | string): Promise<ModelSpec> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'zs-enc-'));
    temps.push(dir);
    await cp(TINY_MODEL_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'model.onnx' });
    await chmod(path.join(dir, 'onnx'), 0o755);
    await chmod(path.join(dir, 'onnx', file), 0o644);
    await writeFile(path.join(dir, 'onnx', file), bytes);
    return loadModelSpec(dir);
  }

  it('names a truncated vision graph as corrupt', async () => {
    const bytes = await readFile(path.join(TINY_MODEL_DIR, 'onnx', 'vision_model.onnx'));
    const broken = await copyWith('vision_model.onnx', bytes.subarray(0, 5000));
    await assert.rejects(VisionEncoder.create(broken, { providers: ['cpu'] }), (err: unknown) => {
      assert.ok(err instanceof ModelError);
      assert.equal(err.code, 'MODEL_FILE_CORRUPT');
      assert.match(err.message, /vision model .*vision_model\.onnx/);
      return true;
    });
  });

  it('names a text graph that is not ONNX at all as corrupt, with CUDA requested too', async () => {
    const broken = await copyWith('text_model.onnx', 'this is not a protobuf');
    await assert.rejects(
      TextEncoder.create(broken, { providers: ['cuda', 'cpu'], onWarning: () => {} }),
      (err: unknown) => {
        assert.ok(err instanceof ModelError);
        assert.equal(err.code, 'MODEL_FILE_CORRUPT');
        assert.match(err.message, /text_model\.onnx/);
        return true;
      },
    );
  });

  it('refuses CUDA alone when it is not installed', { skip: cudaSkip }, async () => {
    await assert.rejects(VisionEncoder.create(spec, { providers: ['cuda'] }), (err: unknown) => {
      assert.ok(err instanceof ModelError);
      assert.equal(err.code, 'PROVIDER_UNAVAILABLE');
      return true;
    });
  });

  it('rejects bad runtime options by name', async () => {
    await assert.rejects(VisionEncoder.create(spec, { providers: ['tpu' as never] }), /providers/);
    await assert.rejects(VisionEncoder.create(spec, { intraOpThreads: 0 }), /intraOpThreads/);
  });
});
