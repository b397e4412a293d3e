import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, jobLogger, redactUrl } from '../../src/observability/logger.js';

const REDIS_PASSWORD = 'r3dis-Pa55word-xyz';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const ENV = {
  ZEROSHOT_LOG_LEVEL: 'debug',
  REDIS_URL: `redis://default:${REDIS_PASSWORD}@redis.internal:6379/0`,
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  AWS_ACCESS_KEY_ID: AWS_KEY_ID,
};

function capture(env: NodeJS.ProcessEnv = ENV) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const log = createLogger({}, env, { destination });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes JSON lines with runId, jobId and chunk from job children', () => {
    const { log, records } = capture();
    jobLogger(log, { runId: 'run-1', jobId: 'run-run-1-chunk-000003', chunk: 3 }).info(
      { images: 256 },
      'chunk done',
    );
    const [rec] = records();
    assert.equal(rec?.msg, 'chunk done');
    assert.equal(rec?.runId, 'run-1');
    assert.equal(rec?.jobId, 'run-run-1-chunk-000003');
    assert.equal(rec?.chunk, 3);
    assert.equal(rec?.images, 256);
    assert.equal(rec?.level, 20 + 10);
  });

  it('takes the level from ZEROSHOT_LOG_LEVEL, then LOG_LEVEL, default info', () => {
    assert.equal(capture({ ZEROSHOT_LOG_LEVEL: 'warn', LOG_LEVEL: 'debug' }).log.level, 'warn');
    assert.equal(capture({ LOG_LEVEL: 'debug' }).log.level, 'debug');
    assert.equal(capture({}).log.level, 'info');
  });

  it('never writes the REDIS_URL password, AWS keys, authorization headers or password fields', () => {
    const { log, lines } = capture();
    log.info({ redis: ENV.REDIS_URL }, `connecting to ${ENV.REDIS_URL}`);
    log.info(
      { config: { s3: { credentials: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET } } } },
      'storage',
    );
    log.info({ deep: { a: { b: { c: { d: { password: 'hunter2-deep' } } } } } }, 'nested');
    log.info({ req: { headers: { authorization: 'Basic dXNlcjpodW50ZXIy' } } }, 'request');
    log.warn(`upstream said: Authorization: Bearer abcdefghijklmnop and key ${AWS_KEY_ID}`);
    log.error({ err: new Error(`cannot reach redis at ${ENV.REDIS_URL} with ${AWS_SECRET}`) }, 'failed');
    log.child({ url: `rediss://:${REDIS_PASSWORD}@host:6380` }).info('child binding');
    log.info('env dump %s', JSON.stringify(ENV));
    const out = lines.join('\n');
    assert.equal(lines.length, 8);
    for (const secret of [
      REDIS_PASSWORD,
      AWS_SECRET,
      AWS_KEY_ID,
      'hunter2-deep',
      'dXNlcjpodW50ZXIy',
      'abcdefghijklmnop',
    ]) {
      assert.ok(!out.includes(secret), `log output leaks ${secret}:\n${out}`);
    }
    assert.match(out, /redis:\/\/\*\*\*@redis\.internal:6379/);
    assert.match(
      out,
      /"message":"cannot reach redis at redis:\/\/\*\*\*@redis.internal:6379\/0 with \*\*\*"/,
    );
  });

  it('redactUrl hides user and password but keeps host, port and db', () => {
    assert.equal(redactUrl(`rediss://user:${REDIS_PASSWORD}@h:6380/2`), 'rediss://***:***@h:6380/2');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });
});
