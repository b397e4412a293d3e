import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { REPO_ROOT } from '../support/fixtures.js';
import { freePort, waitForPort } from '../support/ports.js';
import { type ComposeService, readCompose } from './compose-schema.js';

const RAW = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = readCompose();
const svc = (name: string): ComposeService => {
  const s = compose.services[name];
  assert.ok(s, `service ${name} exists`);
  return s;
};

/** One inline command on a raw socket: the first reply line. */
function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`${command}\r\n`));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString());
    });
    sock.once('error', reject);
  });
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (`$$` is a literal `$`). */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}/g, (m, name, op, arg) => {
    if (m === '$$') return '$';
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === ':?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === ':-' ? arg : '';
  });
}

describe('docker-compose.yml: no default secrets, least privilege', () => {
  it('never falls back to a default password: every secret is required (VAR:?message)', () => {
    assert.doesNotMatch(RAW, /change-me/);
    const uses = [...RAW.matchAll(/\$\{([A-Z0-9_]*(?:PASSWORD|SECRET)[A-Z0-9_]*)(:[-?])?([^}]*)\}/g)];
    assert.ok(uses.length >= 8, `found ${uses.length} secret references`);
    for (const [text, name, op, arg] of uses) {
      // The dashboard (profile tools) refuses to start by itself when its password is empty.
      if (name === 'ZEROSHOT_DASHBOARD_PASSWORD') continue;
      assert.equal(op, ':?', `${text} must fail when unset`);
      assert.match(arg ?? '', /make-env\.sh/, `${text}: the message says how to set it`);
    }
    assert.throws(() => interpolate(RAW, {}), /REDIS_PASSWORD.*make-env/);
  });

  it('deploy/make-env.sh provides every required variable', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn('sh', [path.join(REPO_ROOT, 'deploy/make-env.sh')]);
      let text = '';
      c.stdout.on('data', (d) => {
        text += d;
      });
      c.on('error', reject);
      c.on('exit', () => resolve(text));
    });
    const env = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    for (const v of Object.values(env)) assert.match(v, /^[0-9a-f]{48}$/);
    const resolved = interpolate(RAW, env);
    assert.ok(resolved.includes(`redis://:${env.REDIS_PASSWORD}@redis:6379`));
  });

  it('workers get their own MinIO user, never the root credentials', () => {
    for (const name of ['worker', 'worker-gpu']) {
      const e = svc(name).environment ?? {};
      assert.equal(e.AWS_ACCESS_KEY_ID, `\${ZEROSHOT_WORKER_S3_USER:-zeroshot-worker}`);
      assert.match(e.AWS_SECRET_ACCESS_KEY ?? '', /^\$\{ZEROSHOT_WORKER_S3_SECRET:\?/);
      assert.doesNotMatch(JSON.stringify(e), /MINIO_ROOT/);
    }
    assert.match(svc('enqueue').environment?.AWS_ACCESS_KEY_ID ?? '', /ZEROSHOT_PRODUCER_S3_USER/);
    for (const [name, s] of Object.entries(compose.services)) {
      if (name === 'minio' || name === 'minio-bootstrap') continue;
      assert.doesNotMatch(JSON.stringify(s), /MINIO_ROOT/, `${name} sees no MinIO root credentials`);
    }
  });

  it("the worker policy reads the bucket, writes and lists only the results prefix; the producer's writes nothing", () => {
    const env = svc('minio-bootstrap').environment ?? {};
    const policy = (key: string) =>
      JSON.parse(interpolate(env[key] ?? '', {})) as {
        Statement: Array<{ Action: string[]; Resource: string[]; Condition?: unknown }>;
      };
    const worker = policy('WORKER_POLICY').Statement;
    const byAction = (a: string) => worker.filter((st) => st.Action.includes(a));
    assert.deepEqual(worker.flatMap((st) => st.Action).sort(), [
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    assert.deepEqual(byAction('s3:GetObject')[0]?.Resource, ['arn:aws:s3:::zeroshot/*']);
    assert.deepEqual(byAction('s3:PutObject')[0]?.Resource, ['arn:aws:s3:::zeroshot/results/*']);
    assert.deepEqual(byAction('s3:ListBucket')[0]?.Condition, {
      StringLike: { 's3:prefix': ['results/*'] },
    });
    const producer = policy('PRODUCER_POLICY').Statement.flatMap((st) => st.Action);
    assert.deepEqual(producer.sort(), ['s3:GetObject', 's3:ListBucket']);
    const cmd = JSON.stringify(svc('minio-bootstrap').command);
    assert.match(cmd, /mc admin policy attach local zeroshot-worker --user/);
    assert.doesNotMatch(cmd, /mc alias set/, 'root credentials come through MC_HOST_local, not argv');
  });

  it('redis gets its password through a file, not argv (checked on a real redis-server)', async () => {
    const command = svc('redis').command as string[];
    assert.deepEqual(command.slice(0, 2), ['sh', '-c']);
    const script = command[2] ?? '';
    assert.doesNotMatch(script, /--requirepass/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zs-compose-redis-'));
    const port = await freePort();
    const password = 'compose-test-redis-password';
    // The compose script as written, with its paths moved into a temp dir and a private port.
    const local = `${interpolate(script, {}).replaceAll('/run/redis-auth', dir)} --port ${port} --bind 127.0.0.1 --dir ${dir} --appendonly no --save ''`;
    const child = spawn('sh', ['-c', local], {
      env: { ...process.env, REDIS_PASSWORD: password },
      stdio: 'ignore',
    });
    try {
      await waitForPort(port);
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      assert.match(cmdline, /redis-server/, 'sh exec-ed into redis-server');
      assert.ok(!cmdline.includes(password), `argv: ${cmdline.replaceAll('\0', ' ')}`);
      assert.match(await rawCommand(port, 'PING'), /^-NOAUTH/);
      const authed = new Redis(port, '127.0.0.1', { password, lazyConnect: true, retryStrategy: () => null });
      await authed.connect();
      assert.equal(await authed.ping(), 'PONG');
      authed.disconnect();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
