import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/fixtures.js';

const PROBE = path.join(REPO_ROOT, 'dist', 'test', 'support', 'decode-overlap-probe.js');
const SIZER = path.join(REPO_ROOT, 'bin', 'size-thread-pool.cjs');

/** Runs the probe the way bin/zeroshot.js starts the CLI: the pool sizer first, then ES modules. */
function probe(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): { threadPool: string | null; maxInProcess: number } {
  const res = spawnSync(process.execPath, ['--require', SIZER, PROBE, ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout.trim().split('\n').pop() as string);
}

describe("libuv's thread pool is sized for parallel decodes", () => {
  const base = { ...process.env };
  delete base.UV_THREADPOOL_SIZE;

  it('more than 4 sharp decodes run at once (pool sized from the cores, at least 8)', (t) => {
    // Overlap is observed by sampling from the JS thread, which a loaded machine can starve while the pool
    // runs: take the best of a few probes (the claim is what the pool allows, not what one moment shows).
    let { threadPool, maxInProcess } = probe(base);
    for (let attempt = 1; attempt < 3 && maxInProcess <= 4; attempt++) {
      ({ threadPool, maxInProcess } = probe(base));
    }
    t.diagnostic(`UV_THREADPOOL_SIZE ${threadPool}: up to ${maxInProcess} of 8 decodes in flight at once`);
    assert.ok(Number(threadPool) >= 8, `UV_THREADPOOL_SIZE ${threadPool}`);
    assert.ok(maxInProcess > 4, `at most ${maxInProcess} decodes overlapped`);
  });

  it("keeps the user's UV_THREADPOOL_SIZE", () => {
    assert.equal(probe({ ...base, UV_THREADPOOL_SIZE: '3' }, '--env-only').threadPool, '3');
  });

  it('bin/zeroshot.js is CommonJS and sizes the pool before loading anything else', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'bin', 'package.json'), 'utf8'));
    assert.equal(pkg.type, 'commonjs');
    const launcher = await readFile(path.join(REPO_ROOT, 'bin', 'zeroshot.js'), 'utf8');
    const firstRequire = launcher.split('\n').find((l) => /require\(|import\(/.test(l));
    assert.equal(firstRequire, "require('./size-thread-pool.cjs');");
  });
});
