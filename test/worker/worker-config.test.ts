import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors/index.js';
import { resolveWorkerConfig, WORKER_OPTIONS } from '../../src/worker/config.js';
import { CLI } from '../support/fixtures.js';

describe('worker configuration', () => {
  it('uses defaults, then the environment, then explicit options', () => {
    const defaults = resolveWorkerConfig({}, {});
    assert.equal(defaults.concurrency, 4);
    assert.equal(defaults.metricsPort, 9464);
    assert.equal(defaults.queuePrefix, '{zeroshot}');
    assert.equal(defaults.redisUrl, 'redis://127.0.0.1:6379');

    const env = {
      ZEROSHOT_CONCURRENCY: '8',
      ZEROSHOT_BATCH_SIZE: '32',
      REDIS_URL: 'redis://h:1',
      ZEROSHOT_PROVIDER: 'cpu',
    };
    const fromEnv = resolveWorkerConfig({}, env);
    assert.equal(fromEnv.concurrency, 8);
    assert.equal(fromEnv.batchSize, 32);
    assert.equal(fromEnv.redisUrl, 'redis://h:1');
    assert.deepEqual(fromEnv.providers, ['cpu']);

    const flags = resolveWorkerConfig({ concurrency: '2', providers: ['cuda', 'cpu'] }, env);
    assert.equal(flags.concurrency, 2);
    assert.deepEqual(flags.providers, ['cuda', 'cpu']);
    assert.equal(flags.batchSize, 32);
  });

  it('rejects bad values naming the flag, the env variable and what is allowed', () => {
    assert.throws(
      () => resolveWorkerConfig({ concurrency: 'many' }, {}),
      (err: unknown) =>
        err instanceof UsageError && /--concurrency must be an integer from 1 to 256/.test(err.message),
    );
    assert.throws(
      () => resolveWorkerConfig({}, { ZEROSHOT_BATCH_SIZE: '0' }),
      (err: unknown) =>
        err instanceof UsageError &&
        /ZEROSHOT_BATCH_SIZE \(--batch-size\) must be an integer from 1/.test(err.message),
    );
    assert.throws(() => resolveWorkerConfig({ providers: 'tpu' }, {}), /--provider must be one of cuda, cpu/);
    assert.throws(
      () => resolveWorkerConfig({}, { REDIS_URL: 'http://x' }),
      /REDIS_URL .* redis:\/\/ or rediss:\/\//,
    );
    assert.throws(() => resolveWorkerConfig({ scheduler: 'maybe' }, {}), /--scheduler must be true or false/);
  });

  it('has one env variable per option, all distinct', () => {
    const envs = WORKER_OPTIONS.map((o) => o.env);
    assert.equal(new Set(envs).size, envs.length);
    for (const o of WORKER_OPTIONS) assert.match(o.env, /^(REDIS_URL|ZEROSHOT_[A-Z_]+)$/);
  });

  it('`zeroshot worker --help` lists every flag with its env variable and default', () => {
    const res = spawnSync(process.execPath, [CLI, 'worker', '--help'], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const help = res.stdout.replace(/\s+/g, ' ');
    for (const o of WORKER_OPTIONS) {
      assert.ok(help.includes(o.flag), `help lists ${o.flag}`);
      assert.ok(help.includes(`env ${o.env};`), `help names ${o.env}`);
    }
  });

  it('`zeroshot worker` rejects a bad flag with exit status 2 and one clear line', () => {
    const res = spawnSync(process.execPath, [CLI, 'worker', '--concurrency', '0'], { encoding: 'utf8' });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /--concurrency must be an integer from 1 to 256 \(got "0"\)/);
  });
});
