import { UsageError } from '../core/errors/index.js';
import { runDirUri, summaryUri } from '../runs/output-layout.js';
import { StorageError } from '../storage/storage-error.js';
import type { Storage } from '../storage/types.js';
import { collectResults } from './collect-results.js';
import {
  cardImages,
  type ReportLimits,
  rankLabels,
  renderReportHtml,
  type SummaryView,
} from './render-html.js';
import { makeThumbnails } from './thumbnails.js';

export interface ReportOptions {
  /** Most / least confident images kept and shown per label. Default 6. */
  perLabel?: number;
  /** Labels (largest first) that get a card with thumbnails. Default 50. */
  thumbnailLabels?: number;
  /** Labels (largest first) drawn in the distribution chart. Default 40. */
  chartLabels?: number;
  /** Thumbnail edge in pixels. Default 96. */
  thumbnailSize?: number;
  /** Histogram bins over [0, 1]. Default 20. */
  bins?: number;
  /** Part files read and thumbnails made at once. Default 4. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** What the report is about: the run's output prefix plus what Redis knows (all optional). */
export interface ReportSource {
  runId: string;
  /** The run's output prefix (RunSpec.output): results are under `<output>/<runId>/`. */
  output: string;
  labels?: string[];
  mode?: string;
  state?: string;
  /** `_SUMMARY.json` content; read from storage when absent. */
  summary?: SummaryView;
}

export interface ReportStats {
  parts: number;
  lines: number;
  ok: number;
  errors: number;
  labels: number;
  thumbnails: number;
  bytes: number;
}

function checkCount(name: string, value: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      'INVALID_OPTION',
      `report: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

async function readSummary(
  storage: Storage,
  output: string,
  runId: string,
): Promise<SummaryView | undefined> {
  try {
    const { body } = await storage.get(summaryUri(output, runId), { maxBytes: 16 * 1024 * 1024 });
    return JSON.parse(body.toString('utf8')) as SummaryView;
  } catch (err) {
    if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return undefined;
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/**
 * Builds the HTML report of one run from its result files: streams the parts into bounded per-label state
 * (collectResults), thumbnails only the kept images, renders one self-contained page.
 */
export async function buildReport(
  source: ReportSource,
  storage: Storage,
  opts: ReportOptions = {},
): Promise<{ html: string; stats: ReportStats }> {
  const limits: ReportLimits = {
    perLabel: checkCount('perLabel', opts.perLabel, 1, 100) ?? 6,
    thumbnailLabels: checkCount('thumbnailLabels', opts.thumbnailLabels, 0, 1_000) ?? 50,
    chartLabels: checkCount('chartLabels', opts.chartLabels, 1, 1_000) ?? 40,
    thumbnailSize: checkCount('thumbnailSize', opts.thumbnailSize, 16, 512) ?? 96,
  };
  const bins = checkCount('bins', opts.bins, 2, 200) ?? 20;
  const runDir = runDirUri(source.output, source.runId);
  const summary = source.summary ?? (await readSummary(storage, source.output, source.runId));
  const labels = source.labels ?? summary?.labels ?? [];
  const mode = source.mode ?? summary?.mode ?? 'softmax';
  const results = await collectResults(storage, runDir, {
    labels,
    mode,
    perLabel: limits.perLabel,
    bins,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const carded = rankLabels(results.labels, labels)
    .filter((l) => l.count > 0)
    .slice(0, limits.thumbnailLabels);
  const uris = carded.flatMap((l) => {
    const { most, least } = cardImages(l);
    return [...most, ...least].map((s) => s.image);
  });
  const thumbnails = await makeThumbnails(storage, uris, {
    size: limits.thumbnailSize,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  const html = renderReportHtml({
    runId: source.runId,
    runDir,
    state: source.state ?? summary?.state ?? 'running',
    labels,
    mode,
    ...(summary ? { summary } : {}),
    results,
    thumbnails,
    limits,
    generatedAt: new Date(),
  });
  return {
    html,
    stats: {
      parts: results.parts,
      lines: results.lines,
      ok: results.ok,
      errors: results.errors,
      labels: results.labels.length,
      thumbnails: [...thumbnails.values()].filter((t) => 'dataUri' in t).length,
      bytes: Buffer.byteLength(html),
    },
  };
}
