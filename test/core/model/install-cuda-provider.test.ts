import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../support/fixtures.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-cuda-provider.mjs');
const exec = promisify(execFile);

async function install(args: string[], pkgDir?: string) {
  const env = { ...process.env, ...(pkgDir ? { ZEROSHOT_ORT_PACKAGE_DIR: pkgDir } : {}) };
  try {
    const { stdout, stderr } = await exec(process.execPath, [SCRIPT, ...args], { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let tmp: string;
/** A stand-in onnxruntime-node package: package.json with a version and an empty binding directory. */
async function fakeOrt(version: string): Promise<{ pkg: string; binding: string }> {
  const pkg = await mkdtemp(path.join(tmp, 'ort-'));
  const binding = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  await mkdir(binding, { recursive: true });
  await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', version }));
  await writeFile(path.join(binding, 'onnxruntime_binding.node'), 'stand-in');
  return { pkg, binding };
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'zs-cuda-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('npm run cuda:install', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  it('explains itself with --help', async () => {
    const { code, stdout } = await install(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--from DIR/);
    assert.match(stdout, /libonnxruntime_providers_cuda\.so/);
  });

  it('refuses the default package when onnxruntime-node is not 1.29.0, saying why', async () => {
    const { pkg } = await fakeOrt('1.28.1');
    const { code, stderr } = await install([], pkg);
    assert.equal(code, 1);
    assert.match(stderr, /onnxruntime-node 1\.28\.1 is installed.*ONNX Runtime 1\.29\.0/);
    assert.match(stderr, /same ONNX Runtime\s+release/);
  });

  it('copies the provider libraries from --from next to the binding', async () => {
    const { pkg, binding } = await fakeOrt('1.29.0');
    const src = path.join(tmp, 'libs', 'runtimes', 'linux-x64', 'native');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'libonnxruntime_providers_cuda.so'), 'cuda');
    await writeFile(path.join(src, 'libonnxruntime_providers_shared.so'), 'shared');
    const { code, stdout, stderr } = await install(['--from', path.join(tmp, 'libs')], pkg);
    assert.equal(code, 0, stderr);
    assert.equal(await readFile(path.join(binding, 'libonnxruntime_providers_cuda.so'), 'utf8'), 'cuda');
    assert.equal(await readFile(path.join(binding, 'libonnxruntime_providers_shared.so'), 'utf8'), 'shared');
    assert.match(stdout, /CUDA provider installed/);
    const check = await install(['--check'], pkg);
    assert.equal(check.code, 0);
    assert.match(check.stdout, /installed in .* \(onnxruntime-node 1\.29\.0\)/);
    // sha256 of the text "cuda": what an operator compares with Microsoft's release files.
    assert.match(
      check.stdout,
      /sha256 e636c973d999a634277daa3a43db4adb0e7fde4ef22d47c8e833adb29bd2e99f {2}libonnxruntime_providers_cuda\.so/,
    );
  });

  it('names what is missing in --from and rejects unknown options', async () => {
    const { pkg } = await fakeOrt('1.29.0');
    const empty = await mkdtemp(path.join(tmp, 'empty-'));
    const missing = await install(['--from', empty], pkg);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /does not contain libonnxruntime_providers_cuda\.so, libonnxruntime_providers_shared\.so/,
    );
    const bad = await install(['--frm', empty], pkg);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --frm/);
    const check = await install(['--check'], pkg);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /not installed/);
  });
});
