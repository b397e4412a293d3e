import type { Storage } from '../storage/types.js';
import { TopN } from './top-n.js';

/** One scored image kept for the thumbnail grids. */
export interface ScoredImage {
  image: string;
  score: number;
}

export interface LabelStats {
  label: string;
  /** Images assigned to this label (top-1 label; every listed label in multilabel mode). */
  count: number;
  /** Counts of the assigned images' scores for this label in `bins` equal bins over [0, 1]. */
  histogram: number[];
  /** Highest scores first. */
  mostConfident: ScoredImage[];
  /** Lowest scores first. */
  leastConfident: ScoredImage[];
}

export interface ErrorStats {
  code: string;
  count: number;
  /** The first few image URIs with this code. */
  examples: string[];
}

export interface CollectedResults {
  parts: number;
  lines: number;
  ok: number;
  errors: number;
  /** Lines that were not valid JSON result lines (counted, never fatal). */
  badLines: number;
  /** Scored lines that listed no label (multilabel mode: nothing above the threshold). */
  unlabeled: number;
  /** Histogram of every scored image's top score (all labels together). */
  topScoreHistogram: number[];
  labels: LabelStats[];
  errorCodes: ErrorStats[];
}

export interface CollectOptions {
  /** Labels of the run, in order (labels seen in the parts but not here are appended). */
  labels?: string[];
  /** `multilabel`: every listed label counts; otherwise only the first (top-1). */
  mode?: string;
  /** Images kept per label and side (most / least confident). Default 6. */
  perLabel?: number;
  /** Histogram bins over [0, 1]. Default 20. */
  bins?: number;
  /** Example URIs kept per error code. Default 5. */
  examplesPerCode?: number;
  /** Distinct error codes kept; the rest are counted under OTHER. Default 50. */
  maxErrorCodes?: number;
  /** Distinct labels tracked (labels beyond it in the parts are counted under OTHER). Default 10000. */
  maxLabels?: number;
  /** Part files read at once. Default 4. */
  concurrency?: number;
  /** Largest part file read (bytes). Default 512 MiB. */
  maxPartBytes?: number;
  signal?: AbortSignal;
}

const PART_PATTERN = /(^|\/)part-\d+\.jsonl$/;

const higher = (a: ScoredImage, b: ScoredImage) =>
  a.score > b.score || (a.score === b.score && a.image < b.image);
const lower = (a: ScoredImage, b: ScoredImage) =>
  a.score < b.score || (a.score === b.score && a.image < b.image);

class LabelAccumulator {
  count = 0;
  readonly histogram: number[];
  readonly top: TopN<ScoredImage>;
  readonly bottom: TopN<ScoredImage>;

  constructor(
    readonly label: string,
    bins: number,
    perLabel: number,
  ) {
    this.histogram = new Array(bins).fill(0);
    this.top = new TopN(perLabel, higher);
    this.bottom = new TopN(perLabel, lower);
  }

  add(image: string, score: number): void {
    this.count++;
    const bin = binOf(score, this.histogram.length);
    this.histogram[bin] = (this.histogram[bin] ?? 0) + 1;
    const item = { image, score };
    this.top.offer(item);
    this.bottom.offer(item);
  }

  stats(): LabelStats {
    return {
      label: this.label,
      count: this.count,
      histogram: this.histogram,
      mostConfident: this.top.sorted(),
      leastConfident: this.bottom.sorted(),
    };
  }
}

function binOf(score: number, bins: number): number {
  if (!(score > 0)) return 0;
  return Math.min(bins - 1, Math.floor(score * bins));
}

const OTHER = 'OTHER';

/**
 * Reads every `part-*.jsonl` under `runDirUri` (a prefix URI ending in `/`), a few parts at a time, and
 * folds each line into bounded per-label state: a count, histogram bins and the top/bottom-N images. Memory
 * is O(labels × perLabel + concurrency × part size) however many lines the run has.
 */
export async function collectResults(
  storage: Storage,
  runDirUri: string,
  opts: CollectOptions = {},
): Promise<CollectedResults> {
  const bins = opts.bins ?? 20;
  const perLabel = opts.perLabel ?? 6;
  const examplesPerCode = opts.examplesPerCode ?? 5;
  const maxErrorCodes = opts.maxErrorCodes ?? 50;
  const maxLabels = opts.maxLabels ?? 10_000;
  const multilabel = opts.mode === 'multilabel';
  const labels = new Map<string, LabelAccumulator>();
  const codes = new Map<string, ErrorStats>();
  const out: CollectedResults = {
    parts: 0,
    lines: 0,
    ok: 0,
    errors: 0,
    badLines: 0,
    unlabeled: 0,
    topScoreHistogram: new Array(bins).fill(0),
    labels: [],
    errorCodes: [],
  };
  const labelFor = (name: string) => {
    let acc = labels.get(name);
    if (!acc) {
      const key = labels.size < maxLabels ? name : OTHER;
      acc = labels.get(key) ?? new LabelAccumulator(key, bins, perLabel);
      labels.set(key, acc);
    }
    return acc;
  };
  for (const l of opts.labels ?? []) labelFor(l);

  const addLine = (text: string) => {
    if (text.trim() === '') return;
    out.lines++;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      out.badLines++;
      return;
    }
    const l = line as {
      image?: unknown;
      labels?: Array<{ label?: unknown; score?: unknown }>;
      error?: { code?: unknown };
    };
    const image = typeof l?.image === 'string' ? l.image : undefined;
    if (image === undefined) {
      out.badLines++;
      return;
    }
    if (l.error && typeof l.error === 'object') {
      out.errors++;
      const code = typeof l.error.code === 'string' ? l.error.code : 'UNKNOWN';
      const key = codes.has(code) || codes.size < maxErrorCodes ? code : OTHER;
      const e = codes.get(key) ?? { code: key, count: 0, examples: [] };
      e.count++;
      if (e.examples.length < examplesPerCode) e.examples.push(image);
      codes.set(key, e);
      return;
    }
    if (!Array.isArray(l.labels)) {
      out.badLines++;
      return;
    }
    out.ok++;
    const scored = l.labels.filter(
      (s): s is { label: string; score: number } =>
        typeof s?.label === 'string' && typeof s.score === 'number' && Number.isFinite(s.score),
    );
    if (scored.length === 0) {
      out.unlabeled++;
      return;
    }
    // Lines are written sorted by descending score; take the maximum anyway.
    const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
    const bin = binOf(best.score, bins);
    out.topScoreHistogram[bin] = (out.topScoreHistogram[bin] ?? 0) + 1;
    for (const s of multilabel ? scored : [best]) labelFor(s.label).add(image, s.score);
  };

  const readPart = async (uri: string) => {
    const { body } = await storage.get(uri, {
      maxBytes: opts.maxPartBytes ?? 512 * 1024 * 1024,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const text = body.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      addLine(nl === -1 ? text.slice(start) : text.slice(start, nl));
      if (nl === -1) break;
      start = nl + 1;
    }
    out.parts++;
  };

  const running = new Set<Promise<void>>();
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let failure: unknown;
  for await (const obj of storage.list(runDirUri, opts.signal ? { signal: opts.signal } : {})) {
    if (!PART_PATTERN.test(obj.uri)) continue;
    const p: Promise<void> = readPart(obj.uri)
      .catch((err) => {
        failure ??= err;
      })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= concurrency) await Promise.race(running);
    if (failure) break;
  }
  await Promise.all(running);
  if (failure) throw failure;

  out.labels = [...labels.values()].map((a) => a.stats());
  out.errorCodes = [...codes.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  return out;
}
