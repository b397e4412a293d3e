import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { writeRunReport } from '../../src/report/index.js';
import { labelledRun, REPORT_LABELS } from '../report/labelled-run.js';
import {
  chromiumTool,
  distinctColours,
  launchChromium,
  saveReadmeImage,
  screenshot,
} from '../support/browser.js';
import { workerSuite } from '../worker/helpers.js';

// Functions passed to page.evaluate run in the browser; the tests compile without the DOM library.
// biome-ignore lint/suspicious/noExplicitAny: browser globals
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals
declare function getComputedStyle(element: unknown): any;

const chromium = chromiumTool();
const PREFIX = '{zsrepbrowser}';

describe('the run report in a real browser (Debian chromium via puppeteer-core)', {
  skip: chromium.skipReason,
  timeout: 240_000,
}, () => {
  const suite = workerSuite('report-browser', PREFIX, { finalizeRetryMs: 200 });
  let browser: Browser;
  let reportFile: string;
  let thumbnails: number;

  before(
    async () => {
      const { redis, dir } = suite;
      const run = await labelledRun({
        redisUrl: redis.url,
        prefix: PREFIX,
        dir,
        runId: 'browse-1',
        photos: 30,
      });
      const res = await writeRunReport(
        run.runId,
        { out: path.join(dir, 'report.html') },
        { redisUrl: redis.url, prefix: PREFIX },
      );
      reportFile = res.out;
      thumbnails = res.stats.thumbnails;
      browser = await launchChromium(chromium);
    },
    { timeout: 150_000 },
  );

  after(
    async () => {
      await browser?.close();
    },
    { timeout: 60_000 },
  );

  it('renders charts and thumbnails offline, without a CSP violation or any request', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1150, height: 1400 });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:')) requests.push(r.url());
    });
    const url = pathToFileURL(reportFile).href;
    const res = await page.goto(url, { waitUntil: 'load' });
    assert.ok(res?.ok());
    // The only request is the page itself: charts are inline SVG, thumbnails data: URIs, no fonts/scripts.
    assert.deepEqual(requests, [url]);

    const counts = await page.evaluate(() => ({
      bars: document.querySelectorAll('svg.chart.bars rect.bar').length,
      histograms: document.querySelectorAll('svg.chart.hist').length,
      histogramBars: document.querySelectorAll('svg.chart.hist rect.hbar').length,
      cards: document.querySelectorAll('.labelcard').length,
      images: document.querySelectorAll('figure.thumb img').length,
      decoded: [...document.querySelectorAll('figure.thumb img')].filter(
        (img) => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
      ).length,
      barWidth: Math.max(
        ...[...document.querySelectorAll('svg.chart.bars rect.bar')].map(
          (r) => r.getBoundingClientRect().width,
        ),
      ),
      errorRows: document.querySelectorAll('#errors tr').length,
      scripts: document.scripts.length,
      // The hashed <style> applied (a blocked one would leave the default white background).
      background: getComputedStyle(document.documentElement).backgroundColor,
    }));
    assert.equal(counts.bars, REPORT_LABELS.length);
    assert.equal(counts.histograms, 1 + counts.cards);
    assert.equal(counts.histogramBars, 20 * counts.histograms);
    assert.ok(counts.cards >= 1);
    assert.equal(counts.images, thumbnails);
    assert.equal(counts.decoded, counts.images, 'every thumbnail decodes');
    assert.ok(counts.barWidth > 50, `longest bar is ${counts.barWidth}px`);
    assert.ok(counts.errorRows >= 3, 'error table: header + IMAGE_* rows');
    assert.equal(counts.scripts, 0);
    assert.equal(counts.background, 'rgb(246, 247, 249)');
    assert.deepEqual(problems, [], 'console errors (a CSP violation is reported there)');

    const shot = await screenshot(page, 'report', { fullPage: true });
    const colours = await distinctColours(shot);
    assert.ok(colours > 1_000, `the screenshot has only ${colours} colours: blank or broken render?`);
    await saveReadmeImage(await screenshot(page, 'report-top', { fullPage: false }), 'report', 900);
    await page.close();
  });
});
