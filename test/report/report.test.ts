import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { collectResults } from '../../src/report/collect-results.js';
import { STYLE_HASH, writeRunReport } from '../../src/report/index.js';
import { TopN } from '../../src/report/top-n.js';
import { createStorage } from '../../src/storage/index.js';
import { CLI } from '../support/fixtures.js';
import { removeDir, tempDir, workerSuite } from '../worker/helpers.js';
import { type LabelledRun, labelledRun, REPORT_LABELS } from './labelled-run.js';

describe('report: bounded aggregation', () => {
  it('TopN keeps the best items whatever the order they come in', () => {
    const top = new TopN<number>(5, (a, b) => a > b);
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    for (const v of values) top.offer(v);
    assert.deepEqual(top.sorted(), [999, 998, 997, 996, 995]);
    assert.equal(top.size, 5);
  });

  it('folds many part files into counts, bins and per-label top/bottom-N (brute force agrees)', async () => {
    const dir = tempDir('report-collect');
    try {
      const runDir = path.join(dir, 'r1');
      mkdirSync(runDir, { recursive: true });
      const labels = ['x', 'y', 'z'];
      // biome-ignore lint/suspicious/noExplicitAny: result lines
      const all: any[] = [];
      let n = 0;
      for (let part = 0; part < 7; part++) {
        let text = '';
        for (let i = 0; i < 700; i++, n++) {
          const line =
            n % 97 === 0
              ? {
                  image: `file:///img/${n}.jpg`,
                  error: { code: n % 2 ? 'IMAGE_CORRUPT' : 'IMAGE_EMPTY', message: 'x' },
                }
              : {
                  image: `file:///img/${n}.jpg`,
                  labels: [
                    { label: labels[n % 3], score: (((n * 37) % 1000) + 1) / 1001 },
                    { label: labels[(n + 1) % 3], score: 0 },
                  ],
                  model: 'm',
                };
          all.push(line);
          text += `${JSON.stringify(line)}\n`;
        }
        if (part === 3) text += 'not json\n';
        writeFileSync(path.join(runDir, `part-${String(part).padStart(6, '0')}.jsonl`), text);
      }
      writeFileSync(path.join(runDir, '_SUMMARY.json'), '{}');
      writeFileSync(path.join(runDir, 'notes.txt'), 'ignored');
      const storage = createStorage();
      const res = await collectResults(storage, `${pathToFileURL(runDir).href}/`, {
        labels,
        perLabel: 4,
        bins: 10,
        examplesPerCode: 3,
        concurrency: 3,
      });
      storage.close();
      assert.equal(res.parts, 7);
      assert.equal(res.lines, 7 * 700 + 1);
      assert.equal(res.badLines, 1);
      const errors = all.filter((l) => l.error);
      assert.equal(res.errors, errors.length);
      assert.equal(res.ok, all.length - errors.length);
      assert.deepEqual(
        res.errorCodes.map((e) => [e.code, e.count, e.examples.length]).sort(),
        [
          ['IMAGE_CORRUPT', errors.filter((e) => e.error.code === 'IMAGE_CORRUPT').length, 3],
          ['IMAGE_EMPTY', errors.filter((e) => e.error.code === 'IMAGE_EMPTY').length, 3],
        ].sort(),
      );
      assert.equal(
        res.topScoreHistogram.reduce((a, b) => a + b, 0),
        res.ok,
      );
      for (const stats of res.labels) {
        const mine = all
          .filter((l) => l.labels && l.labels[0].label === stats.label)
          .map((l) => ({ image: l.image, score: l.labels[0].score }));
        assert.equal(stats.count, mine.length);
        assert.equal(
          stats.histogram.reduce((a, b) => a + b, 0),
          mine.length,
        );
        const desc = [...mine].sort((a, b) => b.score - a.score || (a.image < b.image ? -1 : 1));
        const asc = [...mine].sort((a, b) => a.score - b.score || (a.image < b.image ? -1 : 1));
        assert.deepEqual(stats.mostConfident, desc.slice(0, 4));
        assert.deepEqual(stats.leastConfident, asc.slice(0, 4));
      }
    } finally {
      removeDir(dir);
    }
  });
});

describe('zeroshot report on a real run (redis-server, worker, tiny model)', { timeout: 180_000 }, () => {
  const PREFIX = '{zsreport}';
  const suite = workerSuite('report-run', PREFIX, { finalizeRetryMs: 200 });
  let run: LabelledRun;

  before(
    async () => {
      run = await labelledRun({
        redisUrl: suite.redis.url,
        prefix: PREFIX,
        dir: suite.dir,
        runId: 'rep-1',
        photos: 24,
      });
    },
    { timeout: 120_000 },
  );

  it('writes one self-contained page: charts, thumbnails, errors, timing, strict CSP, no script', async () => {
    const out = path.join(suite.dir, 'report.html');
    const res = await writeRunReport(
      run.runId,
      { out, perLabel: 3 },
      { redisUrl: suite.redis.url, prefix: PREFIX },
    );
    assert.equal(res.out, out);
    const html = readFileSync(out, 'utf8');
    assert.equal(res.stats.bytes, Buffer.byteLength(html));
    assert.equal(res.stats.lines, run.images.length);
    assert.equal(res.stats.errors, 3);
    assert.equal(res.stats.ok, run.images.length - 3);
    // Self-contained: no script, no external reference, the one <style> allowed by its hash.
    assert.doesNotMatch(html, /<script|\son[a-z]+=|javascript:/i);
    assert.doesNotMatch(html, /(src|href)="(?!data:)/);
    assert.match(html, new RegExp(`style-src ${STYLE_HASH.replace(/[+/]/g, '\\$&')}`));
    assert.match(html, /default-src 'none'; img-src data:/);
    assert.doesNotMatch(html, /\sstyle="/);
    // Charts and thumbnails.
    assert.equal((html.match(/<svg class="chart bars"/g) ?? []).length, 1);
    const imgs = html.match(/<img src="data:image\/jpeg;base64,/g) ?? [];
    assert.equal(imgs.length, res.stats.thumbnails);
    assert.ok(res.stats.thumbnails >= 3, `${res.stats.thumbnails} thumbnails`);
    // Every run label is in the chart, escaped.
    for (const l of REPORT_LABELS) {
      const escaped = l
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
      assert.ok(html.includes(escaped), `label ${l} missing`);
    }
    assert.doesNotMatch(html, /<b>tag<\/b>/);
    // Errors with codes and example URIs; model, provider, timing from _SUMMARY.json.
    for (const code of Object.keys(run.summary.failuresByCode)) assert.ok(html.includes(code), code);
    assert.ok(html.includes('empty.jpg') && html.includes('missing.jpg'));
    assert.ok(html.includes(run.summary.model.id));
    assert.ok(html.includes(`${run.summary.imagesPerSecond} images/s`));
    assert.match(html, /Bounded for large runs/);
  });

  it('CLI: zeroshot report --json writes to a storage URI; --output reads storage without Redis', () => {
    const target = `${pathToFileURL(path.join(suite.dir, 'cli', 'r.html')).href}`;
    const res = spawnSync(
      process.execPath,
      [
        CLI,
        'report',
        run.runId,
        '--out',
        target,
        '--json',
        '--redis-url',
        suite.redis.url,
        '--queue-prefix',
        PREFIX,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(res.status, 0, res.stderr);
    const body = JSON.parse(res.stdout);
    assert.equal(body.out, target);
    assert.equal(body.stats.lines, run.images.length);
    assert.match(readFileSync(new URL(target), 'utf8'), /<!doctype html>/);

    const offline = path.join(suite.dir, 'offline.html');
    const res2 = spawnSync(
      process.execPath,
      [
        CLI,
        'report',
        run.runId,
        '--output',
        run.output,
        '--out',
        offline,
        '--redis-url',
        'redis://127.0.0.1:1',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(res2.status, 0, res2.stderr);
    assert.match(res2.stdout, /report written: .*offline\.html/);
    assert.ok(readFileSync(offline, 'utf8').includes(run.summary.model.id));
  });

  it('enqueue --report: the worker writes report.html next to _SUMMARY.json at finalize', async () => {
    const second = await labelledRun({
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      dir: path.join(suite.dir, 'with-report'),
      runId: 'rep-2',
      photos: 5,
      report: true,
    });
    const html = readFileSync(path.join(second.outDir, 'rep-2', 'report.html'), 'utf8');
    assert.match(html, /<title>zeroshot report · rep-2<\/title>/);
    assert.ok(html.includes(second.summary.model.id));
    assert.equal((html.match(/<img src="data:image\/jpeg/g) ?? []).length > 0, true);
    // The first run asked for no report.
    assert.equal(existsSync(path.join(run.outDir, run.runId, 'report.html')), false);
  });

  it('CLI: an unknown run id exits 1 with RUN_NOT_FOUND', () => {
    const res = spawnSync(
      process.execPath,
      [
        CLI,
        'report',
        'nope',
        '--redis-url',
        suite.redis.url,
        '--queue-prefix',
        PREFIX,
        '--out',
        path.join(suite.dir, 'x.html'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(res.status, 1);
    assert.match(res.stderr, /RUN_NOT_FOUND/);
  });
});
