import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { collectProcessMetrics } from '../../src/observability/metrics.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { labelledRun } from '../report/labelled-run.js';
import {
  chromiumTool,
  distinctColours,
  launchChromium,
  saveReadmeImage,
  screenshot,
} from '../support/browser.js';
import { debianTool } from '../support/debian-package.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { type PanelData, renderPanelsHtml } from '../support/panel-render.js';
import { freePort } from '../support/ports.js';
import { type PrometheusHandle, type PromSeries, startPrometheus } from '../support/prometheus-server.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { removeDir, sleep, startTestWorker, tempDir } from '../worker/helpers.js';
import {
  alertRules,
  dashboardExprs,
  dashboardVariables,
  grafanaToPromql,
  selectorsOf,
} from './promql-exprs.js';

const prometheusBin = debianTool('prometheus', 'prometheus', { services: ['prometheus'] });
const PREFIX = '{zsprom}';

/** Polls until every expression returns at least one series (rate() needs two scrapes in its window). */
async function allReturnSeries(
  prom: PrometheusHandle,
  exprs: string[],
  timeoutMs: number,
): Promise<Map<string, PromSeries[]>> {
  const deadline = Date.now() + timeoutMs;
  const results = new Map<string, PromSeries[]>();
  for (;;) {
    for (const e of exprs) {
      if ((results.get(e)?.length ?? 0) === 0) results.set(e, await prom.query(e));
    }
    if ([...results.values()].every((r) => r.length > 0) || Date.now() > deadline) return results;
    await sleep(1_000);
  }
}

describe('a real Prometheus scraping a live worker: every dashboard and alert expression has data', {
  skip: prometheusBin.skipReason,
  timeout: 240_000,
}, () => {
  let redis: RedisServerHandle;
  let worker: RunningWorker;
  let prom: PrometheusHandle;
  let dir: string;

  before(
    async () => {
      redis = await startRedisServer();
      dir = tempDir('prometheus-live');
      const registry = new Registry();
      collectProcessMetrics(registry); // process_* as the worker CLI exports them
      const metricsPort = await freePort();
      worker = startTestWorker({
        redisUrl: redis.url,
        queuePrefix: PREFIX,
        finalizeRetryMs: 200,
        metricsPort,
        queueExporter: true,
        registry,
      });
      await worker.ready;
      copyFileSync(path.join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), path.join(dir, 'alerts.yml'));
      // The same worker twice: as a CPU worker and as a member of the worker-gpu service (so the
      // GPU-on-CPU alert has its series); `service` is what the deploy config's relabeling sets.
      prom = await startPrometheus(
        prometheusBin.path as string,
        `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${JSON.stringify(path.join(dir, 'alerts.yml'))}]
scrape_configs:
  - job_name: zeroshot-worker
    static_configs:
      - targets: ["127.0.0.1:${metricsPort}"]
        labels: { service: worker }
      - targets: ["localhost:${metricsPort}"]
        labels: { service: worker-gpu }
`,
      );
      // Work only after the first scrapes, in two bursts, so rates move while Prometheus watches.
      await allReturnSeries(prom, ['up{job="zeroshot-worker"} == 1'], 30_000);
      await sleep(2_000);
      await labelledRun({ redisUrl: redis.url, prefix: PREFIX, dir, runId: 'prom-1', photos: 24 });
      await sleep(4_000);
      const second = path.join(dir, 'second');
      await labelledRun({ redisUrl: redis.url, prefix: PREFIX, dir: second, runId: 'prom-2', photos: 40 });
    },
    { timeout: 150_000 },
  );

  after(
    async () => {
      await prom?.stop();
      await worker?.close({ timeoutMs: 5_000 });
      await redis?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  it('every Grafana panel query returns series (variables: $instance=.*, $__rate_interval=1m)', async () => {
    const panels = dashboardExprs();
    assert.ok(panels.length >= 20, `only ${panels.length} panel queries found`);
    const exprs = panels.map((p) => grafanaToPromql(p.expr));
    const results = await allReturnSeries(prom, exprs, 60_000);
    const empty = panels.filter((p) => (results.get(grafanaToPromql(p.expr))?.length ?? 0) === 0);
    assert.deepEqual(
      empty.map((p) => `${p.panel} [${p.refId}]: ${p.expr}`),
      [],
      'panels without data (renamed metric, label or typo?)',
    );
  });

  it('every dashboard variable has values (label_values through the series API)', async () => {
    for (const v of dashboardVariables()) {
      const res = await fetch(
        `${prom.url}/api/v1/label/${v.label}/values?match[]=${encodeURIComponent(v.metric)}`,
      );
      const body = (await res.json()) as { data: string[] };
      assert.ok(body.data.length > 0, `variable ${v.name}: label_values(${v.metric}, ${v.label}) is empty`);
    }
  });

  it('every alert expression evaluates, and every metric selector in it returns series', async () => {
    // An alert's expression is normally empty (nothing is wrong), so "it returns data" proves nothing.
    // Instead: the whole expression must be valid PromQL for this Prometheus, and each selector it reads
    // (metric name + label matchers, thresholds and functions stripped) must match live series.
    const rules = alertRules();
    assert.ok(rules.length >= 8);
    const selectors = [...new Set(rules.flatMap((r) => selectorsOf(r.expr)))];
    const results = await allReturnSeries(prom, selectors, 60_000);
    const missing: string[] = [];
    for (const r of rules) {
      await prom.query(r.expr); // throws on a PromQL error
      const sels = selectorsOf(r.expr);
      assert.ok(sels.length > 0, `${r.alert}: no selector found in ${r.expr}`);
      for (const s of sels) if ((results.get(s)?.length ?? 0) === 0) missing.push(`${r.alert}: ${s}`);
    }
    assert.deepEqual(missing, [], 'alert selectors without series');
  });

  it('the absent() alerts are quiet and the GPU-on-CPU alert sees the worker-gpu target on CPU', async () => {
    for (const r of alertRules().filter((x) => x.expr.startsWith('absent('))) {
      assert.deepEqual(await prom.query(r.expr), [], `${r.alert} would fire with a healthy worker`);
    }
    const gpu = alertRules().find((r) => r.alert === 'ZeroshotGpuWorkerOnCpu');
    const firing = await prom.query(gpu?.expr as string);
    assert.equal(firing.length, 1);
    assert.equal(firing[0]?.metric.service, 'worker-gpu');
  });

  it('draws the dashboard panels from the live data (a Grafana stand-in, screenshot in a real browser)', async (t) => {
    const chromium = chromiumTool();
    if (chromium.skipReason) return t.skip(chromium.skipReason);
    // One of the two targets (the other is the same worker seen as a GPU worker, see before()).
    const byPanel = new Map<string, PanelData>();
    for (const p of dashboardExprs()) {
      const panel = byPanel.get(p.panel) ?? { title: p.panel, series: [] };
      byPanel.set(p.panel, panel);
      for (const s of await prom.queryRange(grafanaToPromql(p.expr, '15s', '127.0.0.1:.*'), 60, 1)) {
        const name = Object.entries(s.metric)
          .filter(([k]) => !['__name__', 'job'].includes(k))
          .map(([, v]) => v)
          .join(' ');
        panel.series.push({
          name: name || p.panel,
          points: (s.values ?? []).map(([ts, v]) => [ts, Number(v)] as [number, number]),
        });
      }
    }
    const file = path.join(dir, 'panels.html');
    writeFileSync(
      file,
      renderPanelsHtml('zeroshot dashboard queries on a live worker (last 60 s, 1 s scrapes)', [
        ...byPanel.values(),
      ]),
    );
    const browser = await launchChromium(chromium);
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const drawn = await page.evaluate(`document.querySelectorAll('.panel path').length`);
      assert.ok(Number(drawn) >= byPanel.size, `${drawn} lines for ${byPanel.size} panels`);
      const shot = await screenshot(page, 'grafana-panels', { fullPage: true });
      assert.ok((await distinctColours(shot)) > 50);
      await saveReadmeImage(shot, 'grafana-panels', 1100);
    } finally {
      await browser.close();
    }
  });
});
