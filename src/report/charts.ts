import { escapeHtml as esc } from './escape.js';

/** Inline SVG charts: no script, no external resource; colours come from the page's <style> classes. */

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bar chart, one row per bar, value written at the end of each bar. */
export function barChart(bars: Bar[], opts: { width?: number; title: string }): string {
  const width = opts.width ?? 720;
  const row = 20;
  const labelWidth = 200;
  const valueWidth = 70;
  const plot = width - labelWidth - valueWidth;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * row + 4;
  const rows = bars.map((b, i) => {
    const y = i * row + 2;
    const w = Math.max(b.value > 0 ? 1 : 0, (b.value / max) * plot);
    const name = b.label.length > 30 ? `${b.label.slice(0, 29)}…` : b.label;
    return (
      `<g class="row"><title>${esc(b.label)}: ${fmt(b.value)}</title>` +
      `<text class="axis" x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${esc(name)}</text>` +
      `<rect class="bar" x="${labelWidth}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 5}"/>` +
      `<text class="value" x="${(labelWidth + w + 4).toFixed(1)}" y="${y + 14}">${fmt(b.value)}</text></g>`
    );
  });
  return (
    `<svg class="chart bars" role="img" aria-label="${esc(opts.title)}" xmlns="http://www.w3.org/2000/svg" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg>`
  );
}

/** Histogram of counts in equal bins over [0, 1], with 0 / 0.5 / 1 ticks. */
export function histogram(
  counts: number[],
  opts: { width?: number; height?: number; title: string },
): string {
  const width = opts.width ?? 300;
  const height = opts.height ?? 90;
  const axis = 16;
  const plotH = height - axis - 4;
  const bw = width / Math.max(1, counts.length);
  const max = Math.max(1, ...counts);
  const bars = counts.map((c, i) => {
    const h = (c / max) * plotH;
    const lo = (i / counts.length).toFixed(2);
    const hi = ((i + 1) / counts.length).toFixed(2);
    return (
      `<rect class="hbar" x="${(i * bw + 0.5).toFixed(1)}" y="${(4 + plotH - h).toFixed(1)}" ` +
      `width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${lo}–${hi}: ${c}</title></rect>`
    );
  });
  const base = 4 + plotH;
  const ticks = [0, 0.5, 1].map((t) => {
    const x = t * width;
    const anchor = t === 0 ? 'start' : t === 1 ? 'end' : 'middle';
    return `<text class="axis" x="${x}" y="${height - 3}" text-anchor="${anchor}">${t}</text>`;
  });
  return (
    `<svg class="chart hist" role="img" aria-label="${esc(opts.title)}" xmlns="http://www.w3.org/2000/svg" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<line class="baseline" x1="0" y1="${base}" x2="${width}" y2="${base}"/>${bars.join('')}${ticks.join('')}</svg>`
  );
}
