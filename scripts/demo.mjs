// `npm run demo`: the whole system on one machine, from a fresh clone with no manual step.
// Installs and builds what is missing (bootstrap), starts a private redis-server unless REDIS_URL is set,
// then src/demo/run-demo.ts: the model the CLI would use (--model, ZEROSHOT_MODEL, the cache), else the
// default model pulled from the hub, else (offline) the bundled random-weight model with a banner; a worker
// in this process labels the bundled photos; a table says how many top labels match.
// Plain JavaScript on purpose: it runs before anything is compiled.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bootstrap, fail, ROOT } from './bootstrap.mjs';

const say = (msg) => process.stderr.write(`[zeroshot] ${msg}\n`);

// Worker logs stay quiet: the demo prints what matters (model, provider, results) itself.
process.env.ZEROSHOT_LOG_LEVEL ??= 'error';
bootstrap({ redis: !process.env.REDIS_URL });

/** `npm run demo -- --model DIR` (or `--model=DIR`). */
function modelArg(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') return argv[i + 1];
    if (argv[i].startsWith('--model=')) return argv[i].slice('--model='.length);
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) fail(`redis-server exited with status ${child.exitCode} at start`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) fail(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A private redis-server: free port, temp dir, no persistence. Stopped at the end. */
async function startPrivateRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-demo-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  child.once('error', (err) =>
    fail(
      `cannot start redis-server: ${err.message}`,
      'sudo apt-get install -y redis-server   (or set REDIS_URL)',
    ),
  );
  await waitForPort(port, child);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const { runDemo } = await import('../dist/src/demo/run-demo.js');
  const { bundledFiles } = await import('../dist/src/demo/bundled.js');
  const { modelDir, photosDir } = bundledFiles();
  if (!modelDir || !photosDir) {
    fail(
      `the bundled test fixtures are missing (test/fixtures/: model ${modelDir ?? 'missing'}, photos ${photosDir ?? 'missing'})`,
      'a complete clone has them: git checkout -- test/fixtures',
    );
  }
  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis();
  const redisUrl = process.env.REDIS_URL ?? redis.url;
  say(redis ? `started a private redis-server at ${redisUrl}` : 'using REDIS_URL');
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => (redis ? redis.stop() : Promise.resolve()).finally(() => process.exit(130)));
  try {
    await runDemo({
      redisUrl,
      model: modelArg(process.argv.slice(2)),
      photosDir,
      bundledModelDir: modelDir,
      outDir: path.join(ROOT, '.cache', 'demo', 'results'),
    });
  } catch (err) {
    await redis?.stop();
    const code = err?.code ? `${err.code}: ` : '';
    fail(
      `${code}${err?.message ?? err}`,
      err?.code?.startsWith?.('MODEL_') ? 'check --model / ZEROSHOT_MODEL (see docs/MODELS.md)' : undefined,
    );
  }
  await redis?.stop();
}

await main();
// Worker libraries (ORT threads, timers) must not keep the demo alive once it is done.
process.exit(0);
