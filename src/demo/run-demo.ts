import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { count, safeText } from '../cli/output.js';
import { DEFAULT_HUB_MODEL } from '../core/model/index.js';
import { createLogger } from '../observability/logger.js';
import { enqueueRun, waitForRun } from '../producer/index.js';
import { startWorker } from '../worker/index.js';
import { type DemoModel, PULL_COMMAND, resolveDemoModel } from './demo-model.js';
import { readDemoPhotos } from './demo-photos.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean };

export interface DemoOptions {
  redisUrl: string;
  /** `npm run demo -- --model DIR`; else ZEROSHOT_MODEL, the cache, a pull, the bundled model. */
  model?: string;
  env?: NodeJS.ProcessEnv;
  photosDir: string;
  bundledModelDir: string;
  /** Results go to `<outDir>/<run id>/`. */
  outDir: string;
  /** BullMQ prefix of the demo's queues (never those of a deployment sharing REDIS_URL). */
  prefix?: string;
  stdout?: Out;
  stderr?: Out;
  hubTimeoutMs?: number;
  retryDelayMs?: number;
}

export interface DemoResult {
  model: DemoModel;
  matched: number;
  total: number;
  failed: number;
  runDir: string;
}

interface ResultLine {
  image: string;
  labels?: Array<{ label: string; score: number }>;
  error?: { code: string; message: string };
}

/** The warning printed with meaningless labels: what they are and the one command that gives real ones. */
function randomModelBanner(model: DemoModel): string {
  const lines = [
    'THESE LABELS ARE MEANINGLESS: the model above has RANDOM weights (the tiny test model bundled',
    'with the repository), so this run only shows that the whole pipeline works.',
    ...(model.reason ? [`No real model: ${model.reason}.`] : []),
    'For real labels, run once on a machine that reaches huggingface.co (or set HF_ENDPOINT to a mirror):',
    '',
    `    ${PULL_COMMAND}`,
    '',
    `then \`npm run demo\` again (or just \`npm run demo\` online: it pulls ${DEFAULT_HUB_MODEL} itself).`,
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '!'.repeat(width + 4);
  return `${[rule, ...lines.map((l) => `! ${l.padEnd(width)} !`), rule].join('\n')}\n`;
}

function readResults(runDir: string): ResultLine[] {
  return readdirSync(runDir)
    .filter((f) => f.startsWith('part-'))
    .sort()
    .flatMap((f) => readFileSync(path.join(runDir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as ResultLine);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n')}\n`;
}

/**
 * `npm run demo`: resolves a model (as the CLI does; pulls the default one when the hub answers, else the
 * bundled random one), runs a worker in this process, enqueues the bundled photos with a label per photo
 * plus distractors, waits, and prints each photo's top label and how many match.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const env = opts.env ?? process.env;
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  const say = (msg: string) => err.write(`[zeroshot] ${safeText(msg)}\n`);
  const prefix = opts.prefix ?? '{zeroshot-demo}';

  const model = await resolveDemoModel({
    ...(opts.model ? { model: opts.model } : {}),
    env,
    bundledDir: opts.bundledModelDir,
    stderr: err,
    ...(opts.hubTimeoutMs !== undefined ? { hubTimeoutMs: opts.hubTimeoutMs } : {}),
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
  });
  say(
    `model: ${model.dir} (${model.source}${model.meaningless ? ', RANDOM weights: labels are meaningless' : ''})`,
  );
  const photos = readDemoPhotos(opts.photosDir);

  const worker = startWorker({
    model: model.dir,
    redisUrl: opts.redisUrl,
    queuePrefix: prefix,
    metricsPort: 0,
    scheduler: false,
    queueExporter: false,
    env,
    registry: new Registry(),
    logger: createLogger({}, env),
  });
  try {
    await worker.ready;
    say(`worker ready: ${worker.model?.id} (${worker.model?.dtype}) on ${worker.model?.provider}`);
    mkdirSync(opts.outDir, { recursive: true });
    const runId = `demo-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    const deps = { redisUrl: opts.redisUrl, prefix };
    const res = await enqueueRun(
      {
        sources: [`file://${opts.photosDir}/`],
        labels: photos.labels,
        output: `file://${opts.outDir}/`,
        chunkSize: 16,
        runId,
      },
      deps,
    );
    say(
      `enqueued run ${res.runId}: ${count(res.images, 'photo')} in ${count(res.chunks, 'chunk')}, ${count(photos.labels.length, 'label')}`,
    );
    await waitForRun(res.runId, { pollMs: 250, timeoutMs: 10 * 60_000 }, deps);
    const runDir = path.join(opts.outDir, res.runId);
    const lines = readResults(runDir);
    let matched = 0;
    let failed = 0;
    const rows = lines.map((l) => {
      const name = decodeURIComponent(path.basename(new URL(l.image).pathname));
      const expected = photos.expected.get(name) ?? '?';
      if (l.error) {
        failed++;
        return [name, expected, `ERROR ${l.error.code}`, '', ''];
      }
      const top = l.labels?.[0];
      const hit = top?.label === expected;
      if (hit) matched++;
      return [name, expected, top?.label ?? '-', top ? top.score.toFixed(3) : '', hit ? 'yes' : ''];
    });
    const safeRows = rows.map((r) => r.map((c) => safeText(c)));
    out.write(`\n${table(['PHOTO', 'SHOWS', 'TOP LABEL', 'SCORE', 'MATCH'], safeRows)}\n`);
    out.write(
      `${matched}/${lines.length} top labels match what the photo shows` +
        `${failed ? ` (${failed} failed)` : ''} · ${photos.labels.length} candidate labels · model ${safeText(
          worker.model?.id ?? model.dir,
        )} (${worker.model?.dtype}) on ${worker.model?.provider}\n`,
    );
    out.write(`Results: ${runDir}/part-*.jsonl (one JSON line per photo) and _SUMMARY.json\n`);
    if (model.meaningless) out.write(`\n${randomModelBanner(model)}`);
    return { model, matched, total: lines.length, failed, runDir };
  } finally {
    await worker.close({ timeoutMs: 5_000 }).catch(() => {});
  }
}
