import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { collectProcessMetrics } from '../../src/observability/metrics.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { labelledRun } from '../report/labelled-run.js';
import { debianTool } from '../support/debian-package.js';
import { freePort } from '../support/ports.js';
import { type PrometheusHandle, type PromSeries, startPrometheus } from '../support/prometheus-server.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { REPO_ROOT } from '../support/shared.js';
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
      await labelledRun({ redisUrl: redis.url, prefix: PREFIX, dir, runId: 'prom-1', photos: 16 });
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
});
