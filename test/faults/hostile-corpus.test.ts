import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { ErrorCode } from '../../src/core/errors/index.js';
import { buildHostileCorpus, EQUIVALENT_CODES, type HostileFile } from '../support/hostile-corpus.js';
import { samplePeakRss, spawnWorker, stopWorker, workerProcessSuite } from '../support/worker-process.js';
import {
  completeRun,
  countByImage,
  createRunDirect,
  samplePhotos,
  waitForSummary,
} from '../worker/helpers.js';

const PREFIX = '{zshostile}';
const RSS_LIMIT = 1.5 * 1024 ** 3;

describe('fault: a corpus of hostile image files', { timeout: 180_000 }, () => {
  const suite = workerProcessSuite('fault-hostile');
  let corpus: HostileFile[];
  const uriOf = new Map<string, HostileFile>();

  before(
    async () => {
      corpus = await buildHostileCorpus();
      mkdirSync(path.join(suite.dir, 'corpus'));
      for (const f of corpus) {
        const file = path.join(suite.dir, 'corpus', f.name);
        writeFileSync(file, f.data);
        uriOf.set(`file://${file}`, f);
      }
    },
    { timeout: 60_000 },
  );

  it('each file gets its expected outcome; the worker stays up with bounded RSS', async (t) => {
    assert.ok(corpus.length >= 30, `at least 30 files (${corpus.length})`);
    const worker = spawnWorker(suite.redis.url, PREFIX);
    suite.procs.push(worker);
    const rss = samplePeakRss(worker.child.pid as number);
    let peak = 0;

    try {
      const out = path.join(suite.dir, 'out');
      const { summary, lines } = await completeRun(
        out,
        {
          runId: 'hostile',
          redisUrl: suite.redis.url,
          prefix: PREFIX,
          images: [...uriOf.keys()],
          chunkSize: 8,
        },
        120_000,
      );
      const counts = countByImage(lines);
      for (const uri of uriOf.keys()) assert.equal(counts.get(uri), 1, `${uri} has exactly one line`);

      const wrong: string[] = [];
      for (const line of lines) {
        const f = uriOf.get(line.image) as HostileFile;
        const got: string = line.error ? line.error.code : 'ok';
        const allowed: string[] =
          f.expect === 'ok' ? ['ok'] : (EQUIVALENT_CODES[f.expect as ErrorCode] ?? [f.expect]);
        if (!allowed.includes(got)) {
          wrong.push(`${f.name} (${f.why}): expected ${f.expect}, got ${got} ${line.error?.message ?? ''}`);
        }
        if (line.error) assert.ok(line.error.message, `${f.name}: the error line has a message`);
      }
      assert.deepEqual(wrong, [], wrong.join('\n'));
      const failed = corpus.filter((f) => f.expect !== 'ok').length;
      assert.deepEqual(summary.counts, {
        images: corpus.length,
        ok: corpus.length - failed,
        failed,
        missing: 0,
      });
      assert.deepEqual(summary.chunks.failed, [], 'hostile files are error lines, not failed jobs');
      assert.equal(worker.child.exitCode, null, `the worker stayed up:\n${worker.output().slice(-2000)}`);

      // The same worker process still handles a normal run afterwards.
      const images = samplePhotos().slice(0, 12);
      await createRunDirect({
        runId: 'after-hostile',
        redisUrl: suite.redis.url,
        prefix: PREFIX,
        output: `file://${out}/`,
        images,
      });
      const next = await waitForSummary(out, 'after-hostile', 60_000);
      assert.deepEqual(next.counts, { images: 12, ok: 12, failed: 0, missing: 0 });
      assert.equal(worker.child.exitCode, null, 'still the same process');
    } finally {
      peak = await rss.stop();
    }
    t.diagnostic(`${corpus.length} files, peak worker RSS ${(peak / 1024 ** 2).toFixed(0)} MiB`);
    assert.ok(peak > 0, 'RSS was sampled');
    assert.ok(peak < RSS_LIMIT, `peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB under 1.5 GiB`);
    await stopWorker(worker);
  });
});
