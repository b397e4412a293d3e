// A dependency-free horizontal bar chart (SVG) of throughputs against the machine's bounds.

export interface Bar {
  label: string;
  value: number;
  kind: 'bound' | 'peer' | 'e2e';
  /** the bound measured around this run: drawn as a tick on the bar's row */
  marker?: number;
}

const COLORS: Record<Bar['kind'], string> = { bound: '#9aa5b1', peer: '#e4a11b', e2e: '#2b6cb0' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChartSvg(opts: {
  title: string;
  subtitle: string;
  unit: string;
  bars: Bar[];
  reference?: { label: string; value: number };
}): string {
  const bars = opts.bars.filter((b) => Number.isFinite(b.value));
  const labelW = 300;
  const plotW = 520;
  const rowH = 22;
  const top = 64;
  const height = top + bars.length * rowH + 48;
  const width = labelW + plotW + 110;
  // The axis is sized to the runs and the reference, not to the fastest single part (decode alone can be
  // 30× the bound): bars beyond it are clipped and marked with an arrow.
  const focus = bars.filter((b) => b.kind !== 'bound').map((b) => b.value);
  const max =
    Math.max(1e-9, ...(focus.length ? focus : bars.map((b) => b.value)), opts.reference?.value ?? 0) * 1.35;
  const x = (v: number) => labelW + (Math.min(v, max) / max) * plotW;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${esc(opts.title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="bold">${esc(opts.title)}</text>`,
    `<text x="12" y="42" fill="#555">${esc(opts.subtitle)}</text>`,
  );
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x(b.value) - labelW).toFixed(1)}" height="${rowH - 6}" fill="${COLORS[b.kind]}"/>`,
      `<text x="${(x(b.value) + 4).toFixed(1)}" y="${y + 15}">${b.value > max ? '→ ' : ''}${b.value.toFixed(1)}</text>`,
    );
    if (b.marker !== undefined && Number.isFinite(b.marker)) {
      const mx = x(b.marker).toFixed(1);
      out.push(
        `<line x1="${mx}" y1="${y + 1}" x2="${mx}" y2="${y + rowH - 1}" stroke="#c53030" stroke-width="2"/>`,
      );
    }
  });
  const axisY = top + bars.length * rowH + 4;
  out.push(`<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${axisY}" stroke="#333"/>`);
  if (opts.reference) {
    const rx = x(opts.reference.value).toFixed(1);
    const r90 = x(opts.reference.value * 0.9).toFixed(1);
    out.push(
      `<line x1="${rx}" y1="${top - 4}" x2="${rx}" y2="${axisY}" stroke="#c53030" stroke-dasharray="4 3"/>`,
      `<line x1="${r90}" y1="${top - 4}" x2="${r90}" y2="${axisY}" stroke="#c53030" stroke-opacity="0.4" stroke-dasharray="2 3"/>`,
      `<text x="${rx}" y="${axisY + 16}" fill="#c53030" text-anchor="middle">${esc(opts.reference.label)}</text>`,
    );
  }
  const legendY = height - 12;
  let lx = 12;
  for (const [kind, name] of [
    ['bound', 'bound (part alone)'],
    ['peer', 'transformers.js'],
    ['e2e', 'zeroshot end-to-end'],
  ] as const) {
    out.push(`<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[kind]}"/>`);
    out.push(`<text x="${lx + 16}" y="${legendY}">${name}</text>`);
    lx += 160;
  }
  out.push(
    `<line x1="${lx}" y1="${legendY - 10}" x2="${lx}" y2="${legendY + 2}" stroke="#c53030" stroke-width="2"/>`,
    `<text x="${lx + 6}" y="${legendY}">bound measured around that run</text>`,
  );
  out.push(
    `<text x="${width - 12}" y="${legendY}" text-anchor="end" fill="#555">${esc(opts.unit)}</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
