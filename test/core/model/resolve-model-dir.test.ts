import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelError } from '../../../src/core/errors/index.js';
import { cachedModelDir, DEFAULT_HUB_MODEL, resolveModelDir } from '../../../src/core/model/index.js';
import { TINY_MODEL_DIR } from '../../support/fixtures.js';

let cache: string;
before(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), 'zs-cache-'));
});
after(async () => {
  await rm(cache, { recursive: true, force: true });
});

async function fakeCached(repo: string): Promise<string> {
  const dir = cachedModelDir(repo, cache);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), '{}');
  return dir;
}

function notFound(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'MODEL_NOT_FOUND');
    assert.match(err.message, pattern);
    return true;
  };
}

describe('resolveModelDir', () => {
  it('lays out the cache as models/<owner>--<name>', () => {
    assert.equal(
      cachedModelDir('Xenova/clip-vit-base-patch32', '/c'),
      '/c/models/Xenova--clip-vit-base-patch32',
    );
    assert.throws(() => cachedModelDir('../etc', '/c'), /owner\/name/);
  });

  it('explains every way to provide a model when nothing is found', async () => {
    await assert.rejects(
      resolveModelDir({ env: { ZEROSHOT_CACHE_DIR: cache } }),
      notFound(/--model DIR[\s\S]*ZEROSHOT_MODEL[\s\S]*zeroshot model pull Xenova\/clip-vit-base-patch32/),
    );
  });

  it('prefers --model over ZEROSHOT_MODEL over the cached default', async () => {
    const cachedDefault = await fakeCached(DEFAULT_HUB_MODEL);
    const env = { ZEROSHOT_CACHE_DIR: cache };
    assert.equal(await resolveModelDir({ env }), cachedDefault);
    const other = await fakeCached('someone/other-clip');
    assert.equal(await resolveModelDir({ env: { ...env, ZEROSHOT_MODEL: 'someone/other-clip' } }), other);
    assert.equal(await resolveModelDir({ env: { ...env, ZEROSHOT_MODEL: TINY_MODEL_DIR } }), TINY_MODEL_DIR);
    assert.equal(
      await resolveModelDir({ model: TINY_MODEL_DIR, env: { ...env, ZEROSHOT_MODEL: 'someone/other-clip' } }),
      TINY_MODEL_DIR,
    );
  });

  it('names a --model or ZEROSHOT_MODEL that does not exist', async () => {
    const env = { ZEROSHOT_CACHE_DIR: cache };
    await assert.rejects(
      resolveModelDir({ model: '/no/such/dir', env }),
      notFound(/--model \/no\/such\/dir is not a directory/),
    );
    await assert.rejects(
      resolveModelDir({ env: { ...env, ZEROSHOT_MODEL: 'nobody/nothing' } }),
      notFound(/ZEROSHOT_MODEL nobody\/nothing is neither[\s\S]*zeroshot model pull nobody\/nothing/),
    );
  });
});
