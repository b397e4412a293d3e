import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Browser, Page } from 'puppeteer-core';
import { createRedis, jobIds, keys } from '../../src/jobs/index.js';
import { type Dashboard, startDashboard } from '../../src/observability/dashboard.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { chromiumTool, distinctColours, launchChromium, screenshot } from '../support/browser.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/worker-process.js';
import {
  createRunDirect,
  openQueue,
  removeDir,
  samplePhotos,
  startTestWorker,
  tempDir,
} from '../worker/helpers.js';

// Functions passed to page.evaluate run in the browser; the tests compile without the DOM library.
// biome-ignore lint/suspicious/noExplicitAny: browser globals
declare const document: any;

const chromium = chromiumTool();
const PREFIX = '{zsdashbrowser}';
const RUN = 'dash-1';
const JOB = jobIds.chunk(RUN, 0);
const USER = 'ops';
const PASSWORD = 'browser-s3cret';

describe('zeroshot dashboard in a real browser: basic auth, the run queue, retry a failed chunk', {
  skip: chromium.skipReason,
  timeout: 240_000,
}, () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let worker: RunningWorker;
  let dashboard: Dashboard;
  let chunks: Queue;
  let browser: Browser;
  let dir: string;
  let outDir: string;
  let savedRun: Record<string, string>;

  before(
    async () => {
      server = await startRedisServer();
      redis = createRedis(server.url);
      dir = tempDir('dashboard-browser');
      outDir = path.join(dir, 'out');
      // A real run whose chunk fails for good: its run record is missing when the worker takes it
      // (RUN_NOT_FOUND is not retryable). The record comes back before the retry from the UI.
      await createRunDirect({
        runId: RUN,
        redisUrl: server.url,
        prefix: PREFIX,
        output: `${pathToFileURL(outDir).href}/`,
        images: samplePhotos().slice(0, 4),
        chunkSize: 8,
        attempts: 1,
      });
      savedRun = await redis.hgetall(keys(PREFIX).run(RUN));
      await redis.del(keys(PREFIX).run(RUN));
      chunks = openQueue(server.url, PREFIX);
      worker = startTestWorker({ redisUrl: server.url, queuePrefix: PREFIX, finalizeRetryMs: 200 });
      await worker.ready;
      await waitFor('the chunk to fail', async () => (await chunks.getJobState(JOB)) === 'failed', 60_000);
      dashboard = await startDashboard({
        port: 0,
        redisUrl: server.url,
        prefix: PREFIX,
        auth: { user: USER, password: PASSWORD },
      });
      browser = await launchChromium(chromium);
    },
    { timeout: 150_000 },
  );

  after(
    async () => {
      await browser?.close();
      await dashboard?.close();
      await chunks?.close();
      await worker?.close({ timeoutMs: 5_000 });
      redis?.disconnect();
      await server?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  async function newPage(): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    return page;
  }

  it('refuses a browser without or with wrong credentials', async () => {
    // Chromium ends an unanswered 401 challenge with ERR_INVALID_AUTH_CREDENTIALS (or shows the 401).
    const refused = (outcome: unknown) =>
      outcome === 401 || /ERR_INVALID_AUTH_CREDENTIALS/.test(String(outcome));
    for (const creds of [undefined, { username: USER, password: 'wrong' }]) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      if (creds) await page.authenticate(creds);
      const outcome = await page.goto(`${dashboard.url}/`).then(
        (r) => r?.status(),
        (err: Error) => err.message,
      );
      assert.ok(refused(outcome), `credentials ${JSON.stringify(creds)}: ${String(outcome)}`);
      await context.close();
    }
  });

  it('shows the queues and the failed chunk; Retry in the UI re-queues it and the worker completes it', async () => {
    const page = await newPage();
    await page.authenticate({ username: USER, password: PASSWORD });
    await page.goto(`${dashboard.url}/`, { waitUntil: 'networkidle0' });
    for (const q of ['chunks', 'runs', 'schedules']) {
      await page.waitForSelector(`::-p-text(${q})`, { timeout: 20_000 });
    }
    const overview = await screenshot(page, 'dashboard-queues', { fullPage: false });
    assert.ok((await distinctColours(overview)) > 50);

    await page.goto(`${dashboard.url}/queue/chunks?status=failed`, { waitUntil: 'networkidle0' });
    await page.waitForSelector(`::-p-text(${JOB})`, { timeout: 20_000 });
    await page.waitForSelector('::-p-text(RUN_NOT_FOUND)', { timeout: 20_000 });
    await screenshot(page, 'dashboard-failed-chunk', { fullPage: false });

    // Fix the cause (the run record is back), then retry the job from its card.
    await redis.hset(keys(PREFIX).run(RUN), savedRun);
    const retried = page.waitForResponse(
      (r) => r.request().method() === 'PUT' && r.url().endsWith(`/api/queues/chunks/${JOB}/retry`),
      { timeout: 20_000 },
    );
    const clicked = await page.evaluate((jobId) => {
      // The job card: the smallest element that shows the job id and holds the action buttons; the first
      // action is Retry (the icon buttons have no text).
      const label = [...document.querySelectorAll('*')].find(
        (e) => e.children.length === 0 && e.textContent?.trim() === jobId,
      );
      let card = label?.parentElement;
      while (card && card.querySelectorAll('button').length < 4) card = card.parentElement;
      const button = card?.querySelector('button');
      button?.click();
      return !!button;
    }, JOB);
    assert.ok(clicked, 'found the job card and its Retry button');
    const confirm = await page.waitForSelector('::-p-text(Are you sure that you want to retry this job?)');
    assert.ok(confirm);
    await screenshot(page, 'dashboard-retry-confirm', { fullPage: false });
    await (await page.waitForSelector('button::-p-text(Confirm)'))?.click();
    const res = await retried;
    assert.ok(res.status() < 300, `retry answered ${res.status()}`);

    await waitFor(
      'the retried chunk to complete',
      async () => (await chunks.getJobState(JOB)) === 'completed',
      60_000,
    );
    assert.ok(existsSync(path.join(outDir, RUN, 'part-000000.jsonl')), 'the retried chunk wrote its part');

    await page.goto(`${dashboard.url}/queue/chunks?status=completed`, { waitUntil: 'networkidle0' });
    await page.waitForSelector(`::-p-text(${JOB})`, { timeout: 20_000 });
    await screenshot(page, 'dashboard-retried-chunk', { fullPage: false });
    await page.close();
  });
});
