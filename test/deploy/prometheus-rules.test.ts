import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { debianTool } from '../support/debian-package.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { selectorsOf } from './promql-exprs.js';

const PROM_DIR = path.join(REPO_ROOT, 'deploy', 'prometheus');
const promtool = debianTool('promtool', 'prometheus', { services: ['prometheus'] });

function run(args: string[]): { status: number | null; output: string } {
  const res = spawnSync(promtool.path as string, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe('Prometheus config and alert rules (real promtool)', { skip: promtool.skipReason }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-promtool-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('promtool check config: deploy/prometheus/prometheus.yml with its rule file', () => {
    // The config names the rule file at its path inside the container; check it against the repo's copy.
    const config = readFileSync(path.join(PROM_DIR, 'prometheus.yml'), 'utf8');
    assert.match(config, /\/etc\/prometheus\/alerts\.yml/);
    copyFileSync(path.join(PROM_DIR, 'alerts.yml'), path.join(dir, 'alerts.yml'));
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      config.replace('/etc/prometheus/alerts.yml', path.join(dir, 'alerts.yml')),
    );
    const res = run(['check', 'config', path.join(dir, 'prometheus.yml')]);
    assert.equal(res.status, 0, res.output);
    assert.match(res.output, /SUCCESS: 1 rule files found/);
  });

  it('promtool check rules: deploy/prometheus/alerts.yml', () => {
    const res = run(['check', 'rules', path.join(PROM_DIR, 'alerts.yml')]);
    assert.equal(res.status, 0, res.output);
  });

  it('promtool test rules: deploy/prometheus/alerts.test.yml passes and fires every alert', () => {
    const res = run(['test', 'rules', path.join(PROM_DIR, 'alerts.test.yml')]);
    assert.equal(res.status, 0, res.output);

    const rules = parse(readFileSync(path.join(PROM_DIR, 'alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string }> }>;
    };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean) as string[];
    const tests = parse(readFileSync(path.join(PROM_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const fired = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    assert.deepEqual(
      alerts.filter((a) => !fired.has(a)),
      [],
      'every alert needs a case where it fires',
    );
    assert.deepEqual(
      alerts.filter((a) => !quiet.has(a)),
      [],
      'every alert needs a case where it stays quiet',
    );
  });
});

describe('selectorsOf (the live Prometheus test checks these selectors)', () => {
  it('keeps metric selectors, drops functions, ranges, grouping labels and thresholds', () => {
    assert.deepEqual(
      selectorsOf(
        'histogram_quantile(0.95, sum by (le, stage) (rate(a_bucket{x=~"1|2"}[5m]))) / on() b > 0.1 and c == 0',
      ),
      ['a_bucket{x=~"1|2"}', 'b', 'c'],
    );
    assert.deepEqual(selectorsOf('absent(zeroshot_model_info)'), ['zeroshot_model_info']);
  });
});
