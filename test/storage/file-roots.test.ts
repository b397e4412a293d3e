import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStorage, type StorageError } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import { removeDir, tempDir } from '../worker/helpers.js';

const isCode = (code: string) => (err: unknown) => {
  assert.equal((err as StorageError).code, code, (err as Error).message);
  return true;
};

describe('storage: file:// confinement to root directories (fileRoots / ZEROSHOT_FILE_ROOTS)', () => {
  let dir: string;
  let storage: Storage;

  before(() => {
    dir = tempDir('file-roots');
    mkdirSync(path.join(dir, 'root', 'sub'), { recursive: true });
    mkdirSync(path.join(dir, 'root-sibling'));
    writeFileSync(path.join(dir, 'root', 'sub', 'in.txt'), 'in');
    writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    writeFileSync(path.join(dir, 'root-sibling', 'x.txt'), 'x');
    symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'root', 'escape.txt'));
    symlinkSync(path.join(dir, 'root', 'sub', 'in.txt'), path.join(dir, 'root', 'inner-link.txt'));
    symlinkSync(dir, path.join(dir, 'root', 'up'));
    storage = createStorage({ fileRoots: [path.join(dir, 'root')] });
  });
  after(() => removeDir(dir));

  it('reads files inside a root, also through symlinks that stay inside', async () => {
    assert.equal((await storage.get(`file://${dir}/root/sub/in.txt`)).body.toString(), 'in');
    assert.equal((await storage.get(`file://${dir}/root/inner-link.txt`)).body.toString(), 'in');
  });

  it('refuses paths outside, symlinks escaping the root and look-alike siblings', async () => {
    await assert.rejects(storage.get(`file://${dir}/secret.txt`), isCode('STORAGE_OUTSIDE_ROOTS'));
    await assert.rejects(storage.get(`file://${dir}/root/escape.txt`), isCode('STORAGE_OUTSIDE_ROOTS'));
    await assert.rejects(storage.get(`file://${dir}/root/up/secret.txt`), isCode('STORAGE_OUTSIDE_ROOTS'));
    await assert.rejects(storage.get(`file://${dir}/root-sibling/x.txt`), isCode('STORAGE_OUTSIDE_ROOTS'));
    await assert.rejects(storage.get('file:///etc/hostname'), isCode('STORAGE_OUTSIDE_ROOTS'));
    // Missing paths outside say "outside", not whether they exist.
    await assert.rejects(storage.get(`file://${dir}/nope.txt`), isCode('STORAGE_OUTSIDE_ROOTS'));
    await assert.rejects(storage.get(`file://${dir}/root/nope.txt`), isCode('STORAGE_NOT_FOUND'));
  });

  it('the environment variable must list absolute directories', async () => {
    const { storageConfigFromEnv } = await import('../../src/storage/index.js');
    assert.deepEqual(storageConfigFromEnv({ ZEROSHOT_FILE_ROOTS: '/a:/b/c' }).fileRoots, ['/a', '/b/c']);
    assert.throws(() => storageConfigFromEnv({ ZEROSHOT_FILE_ROOTS: '/a:rel' }), /ZEROSHOT_FILE_ROOTS/);
  });
});
