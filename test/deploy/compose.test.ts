import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { WORKER_DEFAULTS } from '../../src/worker/config.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { type ComposeService, composeValidator, readCompose } from './compose-schema.js';

const compose = readCompose();
const svc = (name: string): ComposeService => {
  const s = compose.services[name];
  assert.ok(s, `service ${name} exists`);
  return s;
};
const ZEROSHOT_SERVICES = ['worker', 'worker-gpu', 'exporter', 'enqueue', 'dashboard'];

describe('docker-compose.yml', () => {
  it('validates against the compose-spec JSON schema', () => {
    const errors = composeValidator()(compose);
    assert.deepEqual(
      errors.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`),
      [],
    );
  });

  it('the schema check is not vacuous: a broken file fails it', () => {
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.worker!.deploy = { replicas: 'two' };
    broken.services.worker!.helthcheck = {};
    const errors = composeValidator()(broken).map((e) => `${e.instancePath} ${e.message}`);
    assert.ok(errors.includes('/services/worker/deploy/replicas must be integer'), errors.join('\n'));
    assert.ok(errors.includes('/services/worker must NOT have additional properties'), errors.join('\n'));
  });

  it('has every service, with the optional ones behind profiles', () => {
    const names = Object.keys(compose.services).sort();
    for (const n of [
      'redis',
      'minio',
      'minio-bootstrap',
      'worker',
      'worker-gpu',
      'exporter',
      'enqueue',
      'prometheus',
      'grafana',
    ]) {
      assert.ok(names.includes(n), `missing service ${n}`);
    }
    assert.deepEqual(svc('worker-gpu').profiles, ['gpu']);
    assert.deepEqual(svc('enqueue').profiles, ['example']);
    assert.equal(svc('worker').profiles, undefined, 'CPU workers start by default');
  });

  it('redis keeps an append-only file and has a healthcheck', () => {
    const redis = svc('redis');
    assert.match(JSON.stringify(redis.command), /--appendonly yes/);
    assert.match(JSON.stringify(redis.command), /requirepass/);
    assert.deepEqual(redis.healthcheck?.test, ['CMD', 'redis-cli', 'ping']);
    assert.ok(redis.volumes?.some((v) => typeof v === 'string' && v.endsWith(':/data')));
  });

  it('minio has its bucket created by a one-shot mc service that workers wait for', () => {
    const boot = svc('minio-bootstrap');
    assert.match(boot.image ?? '', /^minio\/mc:/);
    assert.match(JSON.stringify(boot.command), /mc mb --ignore-existing/);
    assert.match(JSON.stringify(boot.command), /mc admin policy create local zeroshot-worker/);
    assert.equal(boot.depends_on?.minio?.condition, 'service_healthy');
    assert.equal(svc('worker').depends_on?.['minio-bootstrap']?.condition, 'service_completed_successfully');
    assert.ok(svc('minio').healthcheck?.test);
  });

  it('workers are built from deploy/Dockerfile, scale with replicas and mount the model read-only', () => {
    const w = svc('worker');
    assert.equal(w.build?.dockerfile, 'deploy/Dockerfile');
    assert.equal(typeof w.deploy?.replicas, 'number');
    assert.ok((w.deploy?.replicas ?? 0) >= 1);
    assert.equal(w.ports, undefined, 'no fixed host port, so `--scale worker=N` cannot collide');
    for (const name of ['worker', 'worker-gpu']) {
      const s = svc(name);
      const models = s.volumes?.find((v) => typeof v === 'object' && v.target === '/models');
      assert.ok(
        models && typeof models === 'object' && models.read_only === true,
        `${name}: /models read-only`,
      );
      assert.match(s.environment?.ZEROSHOT_MODEL ?? '', /^\/models\//);
      assert.match(s.environment?.REDIS_URL ?? '', /^redis:\/\/:.+@redis:6379$/);
      assert.equal(s.environment?.ZEROSHOT_METRICS_HOST, '0.0.0.0');
      assert.equal(s.environment?.ZEROSHOT_METRICS_PORT, String(WORKER_DEFAULTS.metricsPort));
      assert.deepEqual(s.expose, [String(WORKER_DEFAULTS.metricsPort)]);
      assert.deepEqual(s.healthcheck?.test, ['CMD', 'node', '/app/deploy/healthcheck.mjs']);
      assert.equal(s.read_only, true, `${name}: read-only root filesystem`);
      assert.deepEqual(s.cap_drop, ['ALL']);
    }
  });

  it('the GPU worker reserves NVIDIA devices and is built from deploy/Dockerfile.cuda', () => {
    const g = svc('worker-gpu');
    assert.equal(g.build?.dockerfile, 'deploy/Dockerfile.cuda');
    const devices = g.deploy?.resources?.reservations?.devices ?? [];
    assert.equal(devices[0]?.driver, 'nvidia');
    assert.deepEqual(devices[0]?.capabilities, ['gpu']);
    assert.match(g.environment?.ZEROSHOT_PROVIDER ?? '', /^cuda/);
  });

  it('every zeroshot container has a healthcheck (or explicitly none for one-shots) and no secret in an image', () => {
    for (const name of ZEROSHOT_SERVICES) {
      const s = svc(name);
      assert.ok(s.healthcheck?.test || s.healthcheck?.disable, `${name} healthcheck`);
      assert.match(s.image ?? '', /^zeroshot:/);
      assert.ok(s.build, `${name} builds the image it runs (no pull of a local tag)`);
      assert.equal(s.user, '10001:10001', `${name} runs as the image's non-root user`);
      assert.equal(s.read_only, true, `${name}: read-only root filesystem`);
    }
    for (const name of ['prometheus', 'grafana', 'redis', 'minio'])
      assert.ok(svc(name).healthcheck?.test, name);
  });

  it('published ports bind to 127.0.0.1 only', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p}`);
    }
  });

  it('the dashboard needs a password from the environment', () => {
    const d = svc('dashboard');
    assert.equal(d.environment?.ZEROSHOT_DASHBOARD_PASSWORD, `\${ZEROSHOT_DASHBOARD_PASSWORD:-}`);
  });

  it('prometheus scrapes every worker replica by DNS and the exporter, on the ports the services expose', () => {
    const prom = svc('prometheus');
    assert.ok(prom.volumes?.includes('./deploy/prometheus:/etc/prometheus:ro'));
    const cfg = parse(readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{
        job_name: string;
        dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>;
      }>;
    };
    const job = (n: string) => cfg.scrape_configs.find((j) => j.job_name === n);
    const workers = job('zeroshot-worker')?.dns_sd_configs?.[0];
    assert.deepEqual(workers?.names, ['worker', 'worker-gpu']);
    assert.equal(workers?.type, 'A');
    assert.equal(workers?.port, WORKER_DEFAULTS.metricsPort);
    const exporter = job('zeroshot-exporter')?.dns_sd_configs?.[0];
    assert.deepEqual(exporter?.names, ['exporter']);
    assert.deepEqual(svc('exporter').expose, [String(exporter?.port)]);
    assert.match(JSON.stringify(svc('exporter').command), new RegExp(`"--port","${exporter?.port}"`));
    assert.deepEqual(cfg.rule_files, ['/etc/prometheus/alerts.yml']);
  });

  it('grafana is provisioned with the Prometheus datasource and the zeroshot dashboard', () => {
    const g = svc('grafana');
    assert.ok(g.volumes?.includes('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro'));
    assert.ok(g.volumes?.includes('./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro'));
    const ds = parse(
      readFileSync(path.join(REPO_ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: Array<{ uid: string; type: string; url: string }> };
    assert.equal(ds.datasources[0]?.type, 'prometheus');
    assert.equal(ds.datasources[0]?.url, 'http://prometheus:9090');
    const dash = parse(
      readFileSync(path.join(REPO_ROOT, 'deploy/grafana/provisioning/dashboards/zeroshot.yml'), 'utf8'),
    ) as { providers: Array<{ options: { path: string } }> };
    assert.equal(dash.providers[0]?.options.path, '/var/lib/grafana/dashboards');
  });
});
