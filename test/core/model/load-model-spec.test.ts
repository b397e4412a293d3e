import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelError, UsageError } from '../../../src/core/errors/index.js';
import { DTYPE_SUFFIX, loadModelSpec, modelFileName } from '../../../src/core/model/index.js';
import { TINY_MODEL_DIR, TINY_MODEL_ID } from '../../support/fixtures.js';

const temps: string[] = [];
after(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** A writable copy of the tiny model (without the 7 MB combined model.onnx, which zeroshot does not use). */
async function tinyCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zs-model-'));
  temps.push(dir);
  await cp(TINY_MODEL_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'model.onnx' });
  // Shared files are read-only; copies must be editable.
  await chmod(dir, 0o755);
  await chmod(path.join(dir, 'onnx'), 0o755);
  for (const f of await readdir(dir)) await chmod(path.join(dir, f), 0o644).catch(() => {});
  for (const f of await readdir(path.join(dir, 'onnx'))) await chmod(path.join(dir, 'onnx', f), 0o644);
  return dir;
}

async function editJson(file: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8'));
  edit(json);
  await writeFile(file, JSON.stringify(json));
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ModelError || err instanceof UsageError, String(err));
    assert.equal((err as ModelError).code, code, (err as Error).message);
    assert.match((err as Error).message, pattern);
    return true;
  });
}

describe('loadModelSpec', () => {
  it('reads the tiny CLIP model', async () => {
    const spec = await loadModelSpec(TINY_MODEL_DIR);
    assert.equal(spec.id, TINY_MODEL_ID);
    assert.equal(spec.modelType, 'clip');
    assert.equal(spec.projectionDim, 32);
    assert.equal(spec.dtype, 'fp32');
    assert.equal(spec.contextLength, 77);
    assert.equal(spec.logitScale, 100);
    assert.equal(spec.logitBias, 0);
    assert.equal(spec.visionModelPath, path.join(TINY_MODEL_DIR, 'onnx', 'vision_model.onnx'));
    assert.equal(spec.textModelPath, path.join(TINY_MODEL_DIR, 'onnx', 'text_model.onnx'));
    assert.deepEqual(spec.preprocess, {
      shortestEdge: 224,
      crop: { width: 224, height: 224 },
      rescaleFactor: 0.00392156862745098,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
      imageSize: 224,
    });
    assert.equal((spec.tokenizerConfig as { model_max_length: number }).model_max_length, 77);
    assert.ok(spec.tokenizerJson.model);
  });

  it('maps dtypes to file suffixes', () => {
    assert.deepEqual(DTYPE_SUFFIX, {
      fp32: '',
      fp16: '_fp16',
      q8: '_quantized',
      int8: '_int8',
      uint8: '_uint8',
      q4: '_q4',
      q4f16: '_q4f16',
      bnb4: '_bnb4',
    });
    assert.equal(modelFileName('vision', 'q8'), 'vision_model_quantized.onnx');
  });

  it('falls back to the directory name without _name_or_path and reads nested model types', async () => {
    const dir = await tinyCopy();
    await editJson(path.join(dir, 'config.json'), (c) => {
      delete c._name_or_path;
      delete c.model_type;
      (c.text_config as Record<string, unknown>).model_type = 'clip_text_model';
    });
    const spec = await loadModelSpec(dir);
    assert.equal(spec.id, path.basename(dir));
    assert.equal(spec.modelType, 'clip');
  });

  it('applies the zeroshot.json logit override', async () => {
    const dir = await tinyCopy();
    await writeFile(path.join(dir, 'zeroshot.json'), JSON.stringify({ logit_scale: 50, logit_bias: -1.5 }));
    const spec = await loadModelSpec(dir);
    assert.equal(spec.logitScale, 50);
    assert.equal(spec.logitBias, -1.5);
    await writeFile(path.join(dir, 'zeroshot.json'), JSON.stringify({ logit_scael: 50 }));
    await rejectsWith(loadModelSpec(dir), 'MODEL_CONFIG_INVALID', /zeroshot\.json.*logit_scael/);
  });

  it('reads SigLIP configs with exact-size resize and a 64-token default context', async () => {
    const dir = await tinyCopy();
    await editJson(path.join(dir, 'config.json'), (c) => {
      c.model_type = 'siglip';
      delete c.projection_dim;
      delete (c.text_config as Record<string, unknown>).max_position_embeddings;
    });
    await writeFile(
      path.join(dir, 'preprocessor_config.json'),
      JSON.stringify({
        size: { height: 224, width: 224 },
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
        rescale_factor: 1 / 255,
      }),
    );
    await editJson(path.join(dir, 'tokenizer_config.json'), (c) => {
      c.model_max_length = 1e30;
    });
    const spec = await loadModelSpec(dir);
    assert.equal(spec.modelType, 'siglip');
    assert.equal(spec.contextLength, 64);
    assert.equal(spec.projectionDim, 64); // vision hidden size
    assert.deepEqual(spec.preprocess.resizeTo, { width: 224, height: 224 });
    assert.equal(spec.preprocess.crop, undefined);
    assert.ok(spec.logitScale > 0 && spec.logitBias < 0);
  });

  it('rejects an unknown dtype with the allowed values', async () => {
    await rejectsWith(
      loadModelSpec(TINY_MODEL_DIR, { dtype: 'fp8' as never }),
      'INVALID_OPTION',
      /fp32, fp16, q8/,
    );
  });

  it('lists the variants present when the requested dtype is missing', async () => {
    await rejectsWith(
      loadModelSpec(TINY_MODEL_DIR, { dtype: 'fp16' }),
      'MODEL_UNSUPPORTED',
      /vision_model_fp16\.onnx.*variants present: fp32 \(vision_model\.onnx\)/,
    );
  });

  it('picks a dtype variant when present', async () => {
    const dir = await tinyCopy();
    await cp(
      path.join(dir, 'onnx', 'vision_model.onnx'),
      path.join(dir, 'onnx', 'vision_model_quantized.onnx'),
    );
    await cp(path.join(dir, 'onnx', 'text_model.onnx'), path.join(dir, 'onnx', 'text_model_quantized.onnx'));
    const spec = await loadModelSpec(dir, { dtype: 'q8' });
    assert.equal(path.basename(spec.visionModelPath), 'vision_model_quantized.onnx');
  });

  for (const [file, code, pattern] of [
    ['config.json', 'MODEL_FILE_MISSING', /model config not found: .*config\.json/],
    [
      'preprocessor_config.json',
      'MODEL_FILE_MISSING',
      /preprocessor config not found: .*preprocessor_config\.json/,
    ],
    ['tokenizer.json', 'MODEL_FILE_MISSING', /tokenizer not found: .*tokenizer\.json/],
    ['onnx/vision_model.onnx', 'MODEL_FILE_MISSING', /vision model not found: .*vision_model\.onnx/],
    ['onnx/text_model.onnx', 'MODEL_FILE_MISSING', /text model not found: .*text_model\.onnx/],
  ] as const) {
    it(`names a missing ${file}`, async () => {
      const dir = await tinyCopy();
      await unlink(path.join(dir, file));
      await rejectsWith(loadModelSpec(dir), code, pattern);
    });
  }

  for (const file of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    it(`names a truncated ${file}`, async () => {
      const dir = await tinyCopy();
      await truncate(path.join(dir, file), 40);
      await rejectsWith(
        loadModelSpec(dir),
        'MODEL_FILE_CORRUPT',
        new RegExp(`not valid JSON: .*${file.replace('.', '\\.')}`),
      );
    });
  }

  it('rejects unknown model types and invalid config values', async () => {
    const dir = await tinyCopy();
    await editJson(path.join(dir, 'config.json'), (c) => {
      c.model_type = 'bert';
      delete c.text_config;
      delete c.vision_config;
    });
    await rejectsWith(loadModelSpec(dir), 'MODEL_UNSUPPORTED', /model_type .*"bert".*clip and siglip/);
    await editJson(path.join(dir, 'config.json'), (c) => {
      c.model_type = 'clip';
      c.projection_dim = -3;
    });
    await rejectsWith(loadModelSpec(dir), 'MODEL_CONFIG_INVALID', /projection_dim in .*config\.json/);
    await editJson(path.join(dir, 'config.json'), (c) => {
      c.projection_dim = 32;
    });
    await editJson(path.join(dir, 'preprocessor_config.json'), (c) => {
      c.image_mean = [0.5, 0.5];
    });
    await rejectsWith(
      loadModelSpec(dir),
      'MODEL_CONFIG_INVALID',
      /image_mean in .*preprocessor_config\.json/,
    );
  });

  it('says when the directory does not exist', async () => {
    await rejectsWith(loadModelSpec('/nonexistent/model'), 'MODEL_NOT_FOUND', /\/nonexistent\/model/);
  });
});
