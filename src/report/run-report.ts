import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZeroshotError } from '../core/errors/index.js';
import type { ProducerDeps } from '../producer/deps.js';
import { withContext } from '../producer/deps.js';
import type { Storage } from '../storage/types.js';
import { buildReport, type ReportOptions, type ReportSource, type ReportStats } from './build-report.js';
import type { SummaryView } from './render-html.js';

export interface WriteReportOptions extends ReportOptions {
  /**
   * Where the page goes: a local path, or a `file://` / `s3://` URI (written through storage).
   * Default `./zeroshot-report-<run-id>.html`.
   */
  out?: string;
  /**
   * The run's output prefix: read the results from storage alone, without Redis (a run whose record
   * expired, or a copy of its results elsewhere).
   */
  output?: string;
}

const parse = <T>(text: string | undefined): T | undefined => {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
};

export const defaultReportPath = (runId: string) => `zeroshot-report-${runId}.html`;

/** Writes `html` to a local path or a storage URI; returns where it went. */
export async function saveReport(storage: Storage, out: string, html: string): Promise<string> {
  if (/^(s3|file):\/\//.test(out)) {
    await storage.put(out, html, { contentType: 'text/html; charset=utf-8' });
    return out;
  }
  const file = path.resolve(out);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, html);
  return file;
}

/**
 * `zeroshot report <run-id>`: finds the run's output and labels in its Redis record (or uses
 * `opts.output`), builds the report from storage, writes it. Returns where it went and what it holds.
 */
export async function writeRunReport(
  runId: string,
  opts: WriteReportOptions = {},
  deps?: ProducerDeps,
): Promise<{ out: string; stats: ReportStats }> {
  const go = async (storage: Storage, source: ReportSource) => {
    const { html, stats } = await buildReport(source, storage, opts);
    return { out: await saveReport(storage, opts.out ?? defaultReportPath(runId), html), stats };
  };
  if (opts.output) {
    const { createStorage, storageConfigFromEnv } = await import('../storage/index.js');
    const storage = deps?.storage ?? createStorage(storageConfigFromEnv(deps?.env ?? process.env));
    try {
      return await go(storage, { runId, output: opts.output });
    } finally {
      if (!deps?.storage) storage.close();
    }
  }
  return withContext(deps, async (ctx) => {
    const run = await ctx.runs.require(runId);
    const spec = parse<{ output?: string; labels?: string[]; mode?: string }>(run.spec) ?? {};
    const summary = parse<SummaryView>(run.summary);
    const output = run.output ?? spec.output;
    if (!output)
      throw new ZeroshotError('JOB_INVALID_PAYLOAD', `run ${runId} has no output prefix in its record`);
    return go(await ctx.storage(), {
      runId,
      output,
      state: run.state,
      ...(spec.labels ? { labels: spec.labels } : {}),
      ...(spec.mode ? { mode: spec.mode } : {}),
      ...(summary ? { summary } : {}),
    });
  });
}
