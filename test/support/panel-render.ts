/**
 * A small stand-in for Grafana: the dashboard's panels drawn as SVG line charts from Prometheus range
 * queries, so a test can screenshot "the dashboard's queries on live data" without a Grafana server.
 */
export interface PanelData {
  title: string;
  series: Array<{ name: string; points: Array<[number, number]> }>;
}

const COLOURS = ['#5794f2', '#73bf69', '#f2cc0c', '#ff780a', '#f2495c', '#b877d9', '#8ab8ff', '#96d98d'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || a === 0) return v.toFixed(0);
  return v.toPrecision(2);
}

function chart(p: PanelData, width: number, height: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v));
  const t0 = Math.min(...pts.map(([t]) => t));
  const t1 = Math.max(...pts.map(([t]) => t));
  const vmax = Math.max(0, ...pts.map(([, v]) => v));
  const vmin = Math.min(0, ...pts.map(([, v]) => v));
  const span = vmax - vmin || 1;
  const x = (t: number) => 34 + ((t - t0) / (t1 - t0 || 1)) * (width - 40);
  const y = (v: number) => 6 + (1 - (v - vmin) / span) * (height - 24);
  const lines = p.series.slice(0, COLOURS.length).map((s, i) => {
    const d = s.points
      .filter(([, v]) => Number.isFinite(v))
      .map(([t, v], j) => `${j ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
      .join('');
    return `<path d="${d}" fill="none" stroke="${COLOURS[i]}" stroke-width="1.6"/>`;
  });
  const legend = p.series
    .slice(0, 4)
    .map((s, i) => `<span class="key"><i class="c${i}"></i>${esc(s.name)}</span>`)
    .join('');
  return `<div class="panel"><h3>${esc(p.title)}</h3><svg width="${width}" height="${height}">
<text x="30" y="${y(vmax) + 4}" text-anchor="end">${fmt(vmax)}</text>
<text x="30" y="${y(vmin)}" text-anchor="end">${fmt(vmin)}</text>
<line x1="34" x2="${width - 6}" y1="${y(vmin)}" y2="${y(vmin)}" stroke="#444"/>${lines.join('')}</svg>
<div class="legend">${legend}</div></div>`;
}

export function renderPanelsHtml(title: string, panels: PanelData[]): string {
  const keys = COLOURS.map((c, i) => `.c${i}{background:${c}}`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;padding:12px;width:max-content;background:#111217;color:#ccccdc;font:12px system-ui,sans-serif}
h1{font-size:15px;margin:0 0 10px}.grid{display:grid;grid-template-columns:repeat(4,300px);gap:8px}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:6px 8px}
h3{font-size:12px;margin:0 0 4px;font-weight:500;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
svg text{fill:#8e8e9e;font-size:10px}.legend{height:14px;overflow:hidden;white-space:nowrap;font-size:10px}
.key{margin-right:8px}.key i{display:inline-block;width:8px;height:3px;margin-right:3px;vertical-align:middle}${keys}
</style></head><body><h1>${esc(title)}</h1><div class="grid">${panels.map((p) => chart(p, 290, 110)).join('')}</div></body></html>`;
}
