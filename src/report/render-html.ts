import { createHash } from 'node:crypto';
import { ERROR_CODES } from '../core/errors/index.js';
import { barChart, histogram } from './charts.js';
import type { CollectedResults, LabelStats, ScoredImage } from './collect-results.js';
import { escapeHtml as esc } from './escape.js';
import type { Thumbnail } from './thumbnails.js';

/** The parts of `_SUMMARY.json` the report shows (all optional: a running run has no summary yet). */
export interface SummaryView {
  state?: string;
  counts?: { images?: number; ok?: number; failed?: number; missing?: number };
  failuresByCode?: Record<string, number>;
  chunks?: { total?: number; written?: number; failed?: Array<{ index: number; reason: string }> };
  model?: { id?: string; dtype?: string; provider?: string };
  labels?: string[];
  templates?: string[];
  mode?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  imagesPerSecond?: number;
}

export interface ReportLimits {
  perLabel: number;
  thumbnailLabels: number;
  chartLabels: number;
  thumbnailSize: number;
}

export interface ReportModel {
  runId: string;
  runDir: string;
  state: string;
  labels: string[];
  mode: string;
  summary?: SummaryView;
  results: CollectedResults;
  thumbnails: Map<string, Thumbnail>;
  limits: ReportLimits;
  generatedAt: Date;
}

const STYLE = `
:root{color-scheme:light;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;background:#f6f7f9}
body{margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d9dde3;padding-bottom:4px}
section>h2:first-child{margin-top:0}
h3{font-size:15px;margin:0 0 6px}.muted{color:#5f6b7a}
section,.card{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:14px 16px;margin:0 0 14px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dl.facts dt{color:#5f6b7a}dl.facts dd{margin:0;word-break:break-all}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.stat{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:8px 14px;min-width:110px}
.stat b{display:block;font-size:20px}.stat.bad b{color:#b42318}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px;word-break:break-all}
.chart .bar{fill:#3b6ea8}.chart .hbar{fill:#6b8fc7}.chart .axis,.chart .value{font-size:11px;fill:#3d4652}.chart .baseline{stroke:#9aa4b1}
.labelcard{display:grid;grid-template-columns:320px 1fr;gap:16px}
.grid{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 10px}
figure.thumb{margin:0;width:96px;font-size:11px;text-align:center}
figure.thumb img{display:block;width:96px;height:96px;border-radius:4px;background:#eef0f3}
figure.thumb .missing{display:flex;align-items:center;justify-content:center;width:96px;height:96px;border-radius:4px;background:#fbe9e7;color:#b42318;word-break:break-all}
figure.thumb figcaption{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
footer{margin-top:28px;color:#5f6b7a;font-size:12px}
`;

/** `style-src` source for the one inline <style> block: strict CSP without 'unsafe-inline'. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const CSP = `default-src 'none'; img-src data:; style-src ${STYLE_HASH}; base-uri 'none'; form-action 'none'`;

const num = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en-US'));
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '–');

function facts(rows: Array<[string, string | undefined]>): string {
  return `<dl class="facts">${rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v as string)}</dd>`)
    .join('')}</dl>`;
}

function stat(name: string, value: string, bad = false): string {
  return `<div class="stat${bad ? ' bad' : ''}"><b>${esc(value)}</b>${esc(name)}</div>`;
}

function header(m: ReportModel): string {
  const s = m.summary;
  const r = m.results;
  const model = s?.model;
  return `<header><h1>zeroshot run <code>${esc(m.runId)}</code></h1>
<p class="muted">${esc(m.state)}${m.summary ? '' : ' · no _SUMMARY.json yet: partial results'} · ${esc(m.runDir)}</p></header>
<div class="stats">${stat('images', num(s?.counts?.images ?? r.lines))}${stat('scored', num(r.ok))}${stat(
    'error lines',
    num(r.errors),
    r.errors > 0,
  )}${s?.counts?.missing ? stat('missing (failed chunks)', num(s.counts.missing), true) : ''}${stat(
    'images/s',
    s?.imagesPerSecond === undefined ? '–' : String(s.imagesPerSecond),
  )}${stat('duration', s?.durationSeconds === undefined ? '–' : `${s.durationSeconds} s`)}</div>
<section><h2>Run</h2>${facts([
    ['model', model?.id],
    ['dtype', model?.dtype],
    ['provider', model?.provider],
    ['mode', m.mode],
    ['labels', `${m.labels.length}: ${m.labels.slice(0, 40).join(', ')}${m.labels.length > 40 ? ', …' : ''}`],
    ['templates', s?.templates?.join(' | ')],
    ['created', s?.createdAt],
    ['started', s?.startedAt],
    ['finished', s?.finishedAt],
    ['duration', s?.durationSeconds === undefined ? undefined : `${s.durationSeconds} s`],
    ['throughput', s?.imagesPerSecond === undefined ? undefined : `${s.imagesPerSecond} images/s`],
    [
      'chunks',
      s?.chunks
        ? `${num(s.chunks.written)} written of ${num(s.chunks.total)} · ${s.chunks.failed?.length ?? 0} failed`
        : `${r.parts} part files read`,
    ],
  ])}</section>`;
}

/** Labels largest first; ties in the run's label order, then by name. */
export function rankLabels(stats: LabelStats[], runLabels: string[]): LabelStats[] {
  const order = new Map(runLabels.map((l, i) => [l, i]));
  return [...stats].sort(
    (a, b) =>
      b.count - a.count ||
      (order.get(a.label) ?? 1e9) - (order.get(b.label) ?? 1e9) ||
      a.label.localeCompare(b.label),
  );
}

function distribution(m: ReportModel, labels: LabelStats[]): string {
  const shown = labels.slice(0, m.limits.chartLabels);
  const rest = labels.slice(m.limits.chartLabels);
  const restCount = rest.reduce((n, l) => n + l.count, 0);
  const assigned = labels.reduce((n, l) => n + l.count, 0);
  const what = m.mode === 'multilabel' ? 'images listing each label' : 'images whose top label it is';
  return `<section id="labels"><h2>Label distribution</h2><p class="muted">${esc(what)}; ${num(assigned)} in all${
    m.results.unlabeled
      ? ` · ${num(m.results.unlabeled)} scored images with no label above the threshold`
      : ''
  }</p>${barChart(
    shown.map((l) => ({ label: l.label, value: l.count })),
    { title: 'images per label' },
  )}${rest.length ? `<p class="muted">+ ${num(rest.length)} more labels with ${num(restCount)} images</p>` : ''}
<h3>Top score of every scored image</h3>${histogram(m.results.topScoreHistogram, {
    width: 720,
    height: 120,
    title: 'top score histogram',
  })}</section>`;
}

function thumb(t: Thumbnail | undefined, item: ScoredImage): string {
  const caption = `${item.score.toFixed(3)}`;
  const pic =
    t && 'dataUri' in t
      ? `<img src="${t.dataUri}" alt="${esc(item.image)}" width="96" height="96">`
      : `<div class="missing">${esc(t && 'error' in t ? t.error : 'no thumbnail')}</div>`;
  return `<figure class="thumb" title="${esc(item.image)} · ${caption}">${pic}<figcaption>${caption}</figcaption></figure>`;
}

/** The images a label card shows: most confident first, then the least confident not already shown. */
export function cardImages(l: LabelStats): { most: ScoredImage[]; least: ScoredImage[] } {
  const most = l.mostConfident;
  const seen = new Set(most.map((s) => s.image));
  return { most, least: l.leastConfident.filter((s) => !seen.has(s.image)) };
}

function labelCards(m: ReportModel, labels: LabelStats[]): string {
  const withImages = labels.filter((l) => l.count > 0);
  const cards = withImages.slice(0, m.limits.thumbnailLabels).map((l) => {
    const { most, least } = cardImages(l);
    return `<div class="card labelcard" data-label="${esc(l.label)}"><div><h3>${esc(l.label)}</h3>
<p class="muted">${num(l.count)} images · score of this label</p>${histogram(l.histogram, {
      title: `score histogram of ${l.label}`,
    })}</div><div><div class="muted">most confident</div><div class="grid">${most
      .map((s) => thumb(m.thumbnails.get(s.image), s))
      .join('')}</div>${
      least.length
        ? `<div class="muted">least confident</div><div class="grid">${least
            .map((s) => thumb(m.thumbnails.get(s.image), s))
            .join('')}</div>`
        : ''
    }</div></div>`;
  });
  const skipped = withImages.length - cards.length;
  return `<section id="per-label"><h2>Per label</h2>${cards.join('\n')}${
    skipped > 0
      ? `<p class="muted">${num(skipped)} smaller labels have no thumbnails (limit ${m.limits.thumbnailLabels}).</p>`
      : ''
  }</section>`;
}

function errors(m: ReportModel): string {
  const codes = m.results.errorCodes;
  const failedChunks = m.summary?.chunks?.failed ?? [];
  if (codes.length === 0 && failedChunks.length === 0) {
    return `<section id="errors"><h2>Errors</h2><p>No image errors.</p></section>`;
  }
  const meaning = (code: string) => (ERROR_CODES as Record<string, string>)[code] ?? '';
  const rows = codes.map(
    (e) =>
      `<tr><td><code>${esc(e.code)}</code><div class="muted">${esc(meaning(e.code))}</div></td><td class="num">${num(
        e.count,
      )}</td><td class="num">${pct(e.count, m.results.lines)}</td><td>${e.examples
        .map((u) => `<code>${esc(u)}</code>`)
        .join('<br>')}</td></tr>`,
  );
  const chunks = failedChunks.length
    ? `<h3>Chunks that failed for good (their images have no line)</h3><table><tr><th>chunk</th><th>reason</th></tr>${failedChunks
        .slice(0, 50)
        .map(
          (c) =>
            `<tr><td class="num">${c.index}</td><td><code>${esc(c.reason.split('\n')[0] ?? '')}</code></td></tr>`,
        )
        .join('')}</table>`
    : '';
  return `<section id="errors"><h2>Errors</h2>${
    codes.length
      ? `<table><tr><th>code</th><th class="num">images</th><th class="num">share</th><th>examples</th></tr>${rows.join('')}</table>`
      : ''
  }${chunks}</section>`;
}

function footer(m: ReportModel): string {
  const r = m.results;
  return `<footer>Generated ${esc(m.generatedAt.toISOString())} by <code>zeroshot report</code> from ${num(
    r.parts,
  )} part files (${num(r.lines)} lines${r.badLines ? `, ${num(r.badLines)} unreadable` : ''}). Bounded for large runs: the part
files are read a few at a time and each line is folded into per-label counts, ${r.topScoreHistogram.length}-bin score
histograms and the ${m.limits.perLabel} most and ${m.limits.perLabel} least confident images per label (a heap each), so memory and page
size do not grow with the number of images. Only those images are fetched and thumbnailed (${m.limits.thumbnailSize} px JPEG, embedded),
for the ${m.limits.thumbnailLabels} largest labels; the chart shows the ${m.limits.chartLabels} largest labels. No script, no external resource.</footer>`;
}

/** One self-contained HTML page (inline SVG, data: thumbnails, hashed <style>, CSP without scripts). */
export function renderReportHtml(m: ReportModel): string {
  const labels = rankLabels(m.results.labels, m.labels);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zeroshot report · ${esc(m.runId)}</title>
<style>${STYLE}</style></head>
<body>
${header(m)}
${distribution(m, labels)}
${labelCards(m, labels)}
${errors(m)}
${footer(m)}
</body></html>
`;
}
