import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/fixtures.js';

/** Every PromQL expression of the Grafana dashboard and the alert rules, for the live Prometheus test. */

export interface PanelExpr {
  panel: string;
  refId: string;
  expr: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
}

/** Grafana's variables replaced the way Grafana would for "all workers" over a short test run. */
export function grafanaToPromql(expr: string, rateInterval = '1m', instance = '.*'): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, rateInterval)
    .replace(/\$\{?instance\}?/g, instance);
}

export function dashboardExprs(): PanelExpr[] {
  const dash = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'deploy/grafana/dashboards/zeroshot.json'), 'utf8'),
  ) as { panels: Panel[] };
  type Panel = { title?: string; panels?: Panel[]; targets?: Array<{ expr?: string; refId?: string }> };
  const out: PanelExpr[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      if (p.panels) walk(p.panels);
      for (const t of p.targets ?? []) {
        if (t.expr) out.push({ panel: p.title ?? '?', refId: t.refId ?? '?', expr: t.expr });
      }
    }
  };
  walk(dash.panels);
  return out;
}

/** The dashboard's template variable queries (`label_values(metric, label)`). */
export function dashboardVariables(): Array<{ name: string; metric: string; label: string }> {
  const dash = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'deploy/grafana/dashboards/zeroshot.json'), 'utf8'),
  ) as { templating?: { list?: Array<{ name: string; type: string; definition?: string }> } };
  return (dash.templating?.list ?? [])
    .filter((v) => v.type === 'query' && v.definition)
    .map((v) => {
      const m = /label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)/.exec(v.definition as string);
      if (!m) throw new Error(`variable ${v.name}: unsupported query ${v.definition}`);
      return { name: v.name, metric: m[1] as string, label: m[2] as string };
    });
}

export function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>;
  };
  return doc.groups.flatMap((g) =>
    g.rules.filter((r) => r.alert).map((r) => ({ alert: r.alert as string, expr: String(r.expr) })),
  );
}

const NOT_SELECTORS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The instant-vector selectors an expression reads (`metric{matchers}`, without range or function):
 * `sum(rate(a{x="1"}[5m])) / b > 0` → [`a{x="1"}`, `b`]. Grouping clauses (`by (...)`, `on(...)`) are
 * dropped first so their label names are not taken for metrics.
 */
export function selectorsOf(expr: string): string[] {
  const e = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const out = new Set<string>();
  const re = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\[[^\]]+\])?(\s*\()?/g;
  for (const m of e.matchAll(re)) {
    const [, name, matchers, , call] = m;
    if (call || NOT_SELECTORS.has((name as string).toLowerCase())) continue;
    out.add(`${name}${matchers ?? ''}`);
  }
  return [...out];
}
