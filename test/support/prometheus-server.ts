import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export interface PrometheusHandle {
  url: string;
  dir: string;
  /** Instant query; throws when Prometheus answers an error (a PromQL syntax error, an unknown function). */
  query(expr: string): Promise<PromSeries[]>;
  /** Range query over the last `seconds`, one point per `stepSeconds`. */
  queryRange(expr: string, seconds: number, stepSeconds: number): Promise<PromSeries[]>;
  stop(): Promise<void>;
}

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

/**
 * A real, private Prometheus on a free loopback port with a temp data directory. `config` is the YAML of
 * prometheus.yml (rule files by absolute path); the binary comes from test/support/debian-package.ts.
 */
export async function startPrometheus(binary: string, config: string): Promise<PrometheusHandle> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-prometheus-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  let log = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => {
    log = `${log}${d.toString()}`.slice(-4_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with status ${child.exitCode}:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async (endpoint: string, params: Record<string, string>): Promise<PromSeries[]> => {
    const res = await fetch(`${url}/api/v1/${endpoint}`, {
      method: 'POST',
      body: new URLSearchParams(params),
    });
    const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
    if (body.status !== 'success') throw new Error(`${params.query}: ${body.error ?? res.status}`);
    return body.data?.result ?? [];
  };
  return {
    url,
    dir,
    query: (expr) => api('query', { query: expr }),
    queryRange: (expr, seconds, step) => {
      const end = Date.now() / 1000;
      return api('query_range', {
        query: expr,
        start: String(end - seconds),
        end: String(end),
        step: String(step),
      });
    },
    stop,
  };
}
