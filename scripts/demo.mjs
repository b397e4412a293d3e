// `npm run demo`: the whole system on one machine, from a fresh clone with no manual step.
// Installs and builds what is missing (bootstrap), starts a private redis-server unless REDIS_URL is set,
// enqueues the bundled photos (test/fixtures/photos) with a label set, runs a worker in this process until the run
// completes, then prints a results table and where the result files are (file:// under .cache/demo/).
// Plain JavaScript on purpose: it runs before anything is compiled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bootstrap, fail, ROOT } from './bootstrap.mjs';

const say = (msg) => process.stderr.write(`[zeroshot] ${msg}\n`);
const PREFIX = '{zeroshot-demo}'; // never touches the queues of a real deployment sharing REDIS_URL
const DISTRACTORS = ['a cat', 'a person', 'a car', 'a pizza', 'a mountain'];

process.env.ZEROSHOT_LOG_LEVEL ??= 'warn';
bootstrap({ redis: !process.env.REDIS_URL });

const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const IMAGES = path.join(FIXTURES, 'photos');

/** A real model: ZEROSHOT_MODEL, else the bundled random-weight stand-in (test/fixtures/tiny-clip). */
function pickModel() {
  if (process.env.ZEROSHOT_MODEL) return { dir: process.env.ZEROSHOT_MODEL, standIn: false };
  const modelsDir = FIXTURES;
  const dirs = existsSync(modelsDir) ? readdirSync(modelsDir).sort() : [];
  let standIn;
  for (const name of dirs) {
    const dir = path.join(modelsDir, name);
    let config;
    try {
      config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    } catch {
      continue;
    }
    if (config.stand_in === undefined) return { dir, standIn: false };
    standIn ??= dir;
  }
  if (standIn) return { dir: standIn, standIn: true };
  fail(
    `no model found (ZEROSHOT_MODEL is not set and ${modelsDir} has no model directory)`,
    'ZEROSHOT_MODEL=/path/to/clip-model npm run demo   (or: npx zeroshot model pull Xenova/clip-vit-base-patch32)',
  );
}

/** "n01440764_tench.JPEG" → "tench"; "n02088094_Afghan_hound.JPEG" → "Afghan hound" */
const classOf = (file) =>
  path
    .parse(file)
    .name.replace(/^n\d+_/, '')
    .replaceAll('_', ' ');

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

function printTable(lines, summary, standIn) {
  const rows = lines.map((l) => {
    const name = path.basename(new URL(l.image).pathname);
    if (l.error) return [name, `ERROR ${l.error.code}`, '', ''];
    const top = l.labels[0];
    return [name, top.label, top.score.toFixed(3), top.label === classOf(name) ? 'yes' : ''];
  });
  const head = ['image', 'top label', 'score', 'matches file name'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  const correct = rows.filter((r) => r[3] === 'yes').length;
  console.log('');
  console.log(
    `${summary.counts.ok} images labeled, ${summary.counts.failed} failed, ` +
      `${correct}/${rows.length} top labels match the file name, ${summary.imagesPerSecond} images/s ` +
      `(model ${summary.model.id}, ${summary.model.provider}).`,
  );
  if (standIn) {
    console.log(
      'NOTE: this is the tiny STAND-IN model with RANDOM weights: its scores are meaningless. ' +
        'Run with ZEROSHOT_MODEL=/path/to/a/real/clip-model for real labels.',
    );
  }
}

async function main() {
  if (!existsSync(IMAGES)) {
    fail(`the sample photos are missing: ${IMAGES}`, 'restore test/fixtures/ from git');
  }
  const photos = readdirSync(IMAGES).filter((f) => /\.(jpe?g|png|webp)$/i.test(f));
  const model = pickModel();
  say(
    `model: ${model.dir}${model.standIn ? '  (stand-in with RANDOM weights: scores are meaningless)' : ''}`,
  );

  const { startWorker } = await import('../dist/src/worker/index.js');
  const { enqueueRun, waitForRun } = await import('../dist/src/producer/index.js');

  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis();
  const redisUrl = process.env.REDIS_URL ?? redis.url;
  say(redis ? `started a private redis-server at ${redisUrl}` : 'using REDIS_URL');
  let worker;
  const cleanup = async () => {
    await worker?.close({ timeoutMs: 5_000 }).catch(() => {});
    await redis?.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => cleanup().finally(() => process.exit(130)));

  try {
    const outDir = path.join(ROOT, '.cache', 'demo', 'results');
    mkdirSync(outDir, { recursive: true });
    const labels = [...new Set([...photos.map(classOf), ...DISTRACTORS])];
    worker = startWorker({
      model: model.dir,
      redisUrl,
      queuePrefix: PREFIX,
      metricsPort: 0,
      scheduler: false,
      queueExporter: false,
    });
    await worker.ready;
    say(`worker ready (${worker.model.id}, provider ${worker.model.provider})`);

    const runId = `demo-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    const res = await enqueueRun(
      { sources: [`file://${IMAGES}/`], labels, output: `file://${outDir}/`, chunkSize: 16, runId },
      { redisUrl, prefix: PREFIX },
    );
    say(`enqueued run ${res.runId}: ${res.images} images in ${res.chunks} chunks, ${labels.length} labels`);
    await waitForRun(
      res.runId,
      {
        pollMs: 250,
        timeoutMs: 10 * 60_000,
        onProgress: (s) => {
          if (process.stderr.isTTY) {
            process.stderr.write(`\r[zeroshot] ${s.images.done + s.images.failed}/${s.images.total} images`);
          }
        },
      },
      { redisUrl, prefix: PREFIX },
    );
    if (process.stderr.isTTY) process.stderr.write('\n');

    const runDir = path.join(outDir, res.runId);
    const summary = JSON.parse(readFileSync(path.join(runDir, '_SUMMARY.json'), 'utf8'));
    const lines = readdirSync(runDir)
      .filter((f) => f.startsWith('part-'))
      .sort()
      .flatMap((f) => readFileSync(path.join(runDir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l));
    console.log('');
    printTable(lines, summary, model.standIn);
    console.log(`\nResults: ${runDir}/part-*.jsonl (one JSON line per image) and ${runDir}/_SUMMARY.json`);
  } catch (err) {
    await cleanup();
    const code = err?.code ? `${err.code}: ` : '';
    fail(
      `${code}${err?.message ?? err}`,
      err?.code?.startsWith?.('MODEL_') ? 'set ZEROSHOT_MODEL to a model directory' : undefined,
    );
  }
  await cleanup();
}

await main();
// Worker libraries (ORT threads, timers) must not keep the demo alive once it is done.
process.exit(0);
