import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { collectProcessMetrics, createMetrics } from '../../src/observability/metrics.js';
import { REPO_ROOT } from '../support/fixtures.js';

const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8');

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

/** Every PromQL expression in the Grafana dashboard (panels, rows, templating). */
function dashboardExprs(): Array<{ where: string; expr: string }> {
  const dash = JSON.parse(read('deploy/grafana/dashboards/zeroshot.json')) as {
    panels: Panel[];
    templating: { list: Array<{ name: string; query?: unknown }> };
  };
  const out: Array<{ where: string; expr: string }> = [];
  const walk = (ps: Panel[]) => {
    for (const p of ps) {
      for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating.list) {
    const q = v.query as { query?: string } | string | undefined;
    const expr = typeof q === 'string' ? q : q?.query;
    if (expr && /\(/.test(expr)) out.push({ where: `variable ${v.name}`, expr });
  }
  return out;
}

function alertExprs(): Array<{ where: string; expr: string }> {
  const rules = parse(read('deploy/prometheus/alerts.yml')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

const PROMQL_WORDS = new Set([
  // functions and keywords that look like identifiers
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'absent',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'label_values',
  'offset',
  'bool',
  'topk',
  'bottomk',
  'delta',
  'deriv',
  'clamp_min',
  'clamp_max',
  'vector',
  'time',
  'le',
]);

/** Metric names referenced by a PromQL expression: identifiers outside strings, braces, by(...) and ranges. */
function metricNames(expr: string): string[] {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '{}') // matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\$\w+/g, ''); // dashboard variables
  const ids = cleaned.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  // label_values(metric, label): the second argument is a label, not a metric.
  const labelArg = /label_values\(\s*[a-zA-Z_:][\w:]*\s*(?:\{\})?\s*,\s*(\w+)\s*\)/.exec(cleaned)?.[1];
  return ids.filter((id) => !PROMQL_WORDS.has(id) && id !== labelArg && !/^\d/.test(id));
}

/** Names a registry exposes, including the _bucket/_sum/_count series of histograms. */
async function exposedNames(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry);
  collectProcessMetrics(registry);
  const names = new Set<string>(['up']); // Prometheus' own per-target series
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}

describe('dashboards and alerts use only metrics the code exports', () => {
  it('the Grafana dashboard parses and every panel has a query', () => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 15, `found ${exprs.length} queries`);
    for (const { where, expr } of exprs) assert.ok(expr.trim(), `${where} has an empty query`);
  });

  it('the dashboard covers throughput, per-stage latency, queue depth, failures by code, provider, in-flight, batch size', () => {
    const all = dashboardExprs()
      .map((e) => e.expr)
      .join('\n');
    assert.match(all, /rate\(zeroshot_images_processed_total/);
    assert.match(
      all,
      /histogram_quantile\(0\.5, sum by \(le, stage\) \(rate\(zeroshot_stage_duration_seconds_bucket/,
    );
    assert.match(all, /histogram_quantile\(0\.95, sum by \(le, stage\)/);
    assert.match(all, /zeroshot_queue_jobs/);
    assert.match(all, /sum by \(code\) \(rate\(zeroshot_images_processed_total\{status="error"/);
    assert.match(all, /zeroshot_model_info/);
    assert.match(all, /zeroshot_images_in_flight/);
    assert.match(all, /zeroshot_batch_size_images/);
  });

  it('every metric name in the dashboard and the alert rules exists in the registry', async () => {
    const exposed = await exposedNames();
    const used = [...dashboardExprs(), ...alertExprs()];
    assert.ok(alertExprs().length >= 5);
    const missing: string[] = [];
    for (const { where, expr } of used) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where}: no metric found in ${expr}`);
      for (const n of names) if (!exposed.has(n)) missing.push(`${where}: ${n}`);
    }
    assert.deepEqual(missing, []);
  });

  it('the name check catches a typo', async () => {
    const exposed = await exposedNames();
    const names = metricNames('sum by (code) (rate(zeroshot_image_processed_total{status="error"}[5m]))');
    assert.deepEqual(names, ['zeroshot_image_processed_total']);
    assert.equal(exposed.has(names[0]!), false);
  });

  it('metric names follow Prometheus conventions', async () => {
    const registry = new Registry();
    createMetrics(registry);
    for (const m of await registry.getMetricsAsJSON()) {
      assert.match(m.name, /^zeroshot_[a-z0-9_]+$/, m.name);
      if (String(m.type) === 'counter') assert.match(m.name, /_total$/, `${m.name}: counters end in _total`);
      else assert.doesNotMatch(m.name, /_total$/, `${m.name}: only counters end in _total`);
      if (String(m.type) === 'histogram') {
        assert.match(m.name, /_(seconds|bytes|images)$/, `${m.name}: histograms carry their unit`);
      }
      assert.ok(m.help.length > 10, `${m.name} has help text`);
    }
  });
});
