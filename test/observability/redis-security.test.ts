import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { createRedis, redisOptions } from '../../src/jobs/connection.js';
import { createLogger } from '../../src/observability/logger.js';
import { startQueueDepthExporter } from '../../src/observability/queue-depth-exporter.js';
import { freePort, waitForPort } from '../support/ports.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

const PASSWORD = 'pw-Zs7!q/@:x';
const PREFIX = '{zssec}';

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return {
    logger: createLogger({}, { ZEROSHOT_LOG_LEVEL: 'debug' }, { destination }),
    text: () => lines.join(''),
  };
}

async function queueDepth(registry: Registry) {
  const m = await registry.getSingleMetric('zeroshot_queue_jobs')?.get();
  return m?.values.find((v) => v.labels.queue === 'chunks' && v.labels.state === 'waiting')?.value;
}

describe('Redis with a password', () => {
  let server: RedisServerHandle;
  before(async () => {
    server = await startRedisServer({ password: PASSWORD });
  });
  after(async () => {
    await server?.stop();
  });

  it('REDIS_URL carrying a URL-encoded password works for plain and BullMQ connections', async () => {
    assert.match(server.url, /^redis:\/\/:pw-Zs7!q%2F%40%3Ax@127\.0\.0\.1:\d+$/);
    const redis = createRedis(server.url);
    try {
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      redis.disconnect();
    }
    const { logger, text } = captureLogger();
    const registry = new Registry();
    const conn = createRedis(server.url);
    const queue = new Queue('chunks', { connection: conn, prefix: PREFIX });
    const exporter = startQueueDepthExporter({
      redisUrl: server.url,
      prefix: PREFIX,
      registry,
      intervalMs: 60_000,
      logger,
    });
    try {
      await queue.add('chunk', { n: 1 });
      await exporter.refresh();
      assert.equal(await queueDepth(registry), 1);
      const metricsText = await registry.metrics();
      for (const secret of [PASSWORD, encodeURIComponent(PASSWORD)]) {
        assert.ok(!text().includes(secret), 'the password is not logged');
        assert.ok(!metricsText.includes(secret), 'the password is not in metrics');
      }
      assert.match(text(), /redis:\/\/\*\*\*@127\.0\.0\.1/);
    } finally {
      await exporter.stop();
      await queue.close();
      conn.disconnect();
    }
  });

  it('a wrong password fails with NOAUTH/WRONGPASS, not a hang', async () => {
    const wrong = server.url.replace(encodeURIComponent(PASSWORD), 'nope');
    const redis = createRedis(wrong);
    redis.on('error', () => {});
    try {
      await assert.rejects(redis.ping(), /WRONGPASS|NOAUTH|invalid username-password/i);
    } finally {
      redis.disconnect();
    }
  });
});

describe('Redis over TLS (rediss://)', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let url: string;
  let caFile: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-tls-'));
    // Debian's redis-server 7 is built with TLS: it links libssl and accepts --tls-port.
    assert.match(execFileSync('ldd', ['/usr/bin/redis-server'], { encoding: 'utf8' }), /libssl/);
    caFile = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        caFile,
      ],
      { stdio: 'ignore' },
    );
    const port = await freePort();
    child = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--tls-cert-file',
        caFile,
        '--tls-key-file',
        key,
        '--tls-ca-cert-file',
        caFile,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        PASSWORD,
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
    url = `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`;
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects through src/jobs/connection.ts with ZEROSHOT_REDIS_TLS_CA as PEM text or as a file path', async () => {
    for (const ca of [readFileSync(caFile, 'utf8'), caFile]) {
      const opts = redisOptions(url, { env: { ZEROSHOT_REDIS_TLS_CA: ca } });
      assert.ok(opts.tls, 'rediss:// turns TLS on');
      const { Redis } = await import('ioredis');
      const redis = new Redis(opts);
      try {
        assert.equal(await redis.ping(), 'PONG');
      } finally {
        redis.disconnect();
      }
    }
  });

  it('refuses the self-signed server without the CA (certificate verification stays on)', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis({
      ...redisOptions(url, { env: {} }),
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const failed = new Promise<Error>((resolve) => redis.once('error', resolve));
    try {
      const err = await failed;
      assert.match(err.message, /self[- ]signed|certificate/i);
    } finally {
      redis.disconnect();
    }
  });

  it('the queue-depth exporter works over TLS with the CA from the environment', async () => {
    const saved = process.env.ZEROSHOT_REDIS_TLS_CA;
    process.env.ZEROSHOT_REDIS_TLS_CA = caFile;
    const registry = new Registry();
    const conn = createRedis(url);
    const queue = new Queue('chunks', { connection: conn, prefix: PREFIX });
    const exporter = startQueueDepthExporter({ redisUrl: url, prefix: PREFIX, registry, intervalMs: 60_000 });
    try {
      await queue.add('chunk', { n: 1 });
      await queue.add('chunk', { n: 2 });
      await exporter.refresh();
      assert.equal(await queueDepth(registry), 2);
    } finally {
      await exporter.stop();
      await queue.close();
      conn.disconnect();
      if (saved === undefined) delete process.env.ZEROSHOT_REDIS_TLS_CA;
      else process.env.ZEROSHOT_REDIS_TLS_CA = saved;
    }
  });
});
