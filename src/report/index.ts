/**
 * Run reports: one self-contained HTML page per run (label distribution, score histograms, thumbnails of
 * the most and least confident images per label, errors, timing), bounded in memory and size for runs of
 * millions of images. `writeRunReport` is `zeroshot report`; `buildReport` works from storage alone.
 */
export { buildReport, type ReportOptions, type ReportSource, type ReportStats } from './build-report.js';
export { type CollectedResults, collectResults, type LabelStats } from './collect-results.js';
export { renderReportHtml, STYLE_HASH, type SummaryView } from './render-html.js';
export { defaultReportPath, saveReport, type WriteReportOptions, writeRunReport } from './run-report.js';
export { makeThumbnails, type Thumbnail } from './thumbnails.js';
