// Charts of the console: time series with uPlot (served from the installed package), sparklines
// as small inline SVG. Each chart says what it drew in data- attributes (points, markers, y
// range), set from uPlot's draw hook, so a test or a script can read what is on the canvas.
import uPlot from './uplot.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 180;

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * Points for values with no neighbour: a line with gaps (p95 has no value in a bucket without
 * calls) draws no segment for them, so they get a dot; everything else is drawn as a line only.
 */
function loneValues(values) {
  const lone = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null && (values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null) lone.push(i);
  }
  return lone.length === 0 ? { show: false } : { show: true, size: 5, filter: () => lone };
}

/**
 * Draws one time chart into `container` (its children are replaced).
 * @param {HTMLElement} container
 * @param {{
 *   metric: string,
 *   fromS: number, toS: number,
 *   t: number[],
 *   lines: Array<{ label: string, values: Array<number | null>, color: string }>,
 *   format: (v: number) => string,
 *   markers: Array<{ startS: number, endS?: number, severity: string, startsInRange: boolean }>,
 * }} spec
 * @returns {{ destroy(): void }}
 */
export function timeChart(container, spec) {
  container.replaceChildren();
  container.setAttribute('data-chart', spec.metric);
  const muted = cssVar('--muted', '#5f6b7a');
  const grid = cssVar('--line', '#dde1e7');
  const fmt = (v) => (v === null || v === undefined ? '–' : spec.format(v));
  const drawMarkers = (u) => {
    const { ctx, bbox } = u;
    let drawn = 0;
    for (const m of spec.markers) {
      const color = cssVar(`--${m.severity}`, '#c62828');
      const x0 = Math.round(u.valToPos(m.startS, 'x', true));
      const x1 = m.endS === undefined ? bbox.left + bbox.width : Math.round(u.valToPos(m.endS, 'x', true));
      if (x1 < bbox.left || x0 > bbox.left + bbox.width) continue;
      drawn++;
      ctx.save();
      ctx.fillStyle = color;
      ctx.globalAlpha = 0.12;
      ctx.fillRect(Math.max(x0, bbox.left), bbox.top, Math.max(1, Math.min(x1, bbox.left + bbox.width) - Math.max(x0, bbox.left)), bbox.height);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      if (m.startsInRange) {
        ctx.beginPath();
        ctx.moveTo(x0, bbox.top);
        ctx.lineTo(x0, bbox.top + bbox.height);
        ctx.stroke();
      }
      if (m.endS !== undefined) {
        ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(x1, bbox.top);
        ctx.lineTo(x1, bbox.top + bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    }
    container.setAttribute('data-points', String(u.data[0].length));
    container.setAttribute('data-markers-drawn', String(drawn));
    container.setAttribute('data-y-max', String(u.scales.y.max));
    container.setAttribute('data-drawn', 'true');
  };
  const opts = {
    width: Math.max(280, container.clientWidth || 560),
    height: HEIGHT,
    scales: {
      x: { time: true, range: () => [spec.fromS, spec.toS] },
      // From zero: a chart of volume that starts at its minimum makes noise look like a cliff.
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    series: [
      {},
      ...spec.lines.map((l) => ({ label: l.label, stroke: cssVar(l.color, '#2457c5'), width: 1.5, points: loneValues(l.values), value: (_u, v) => fmt(v) })),
    ],
    axes: [
      { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
      { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 64, values: (_u, splits) => splits.map(fmt) },
    ],
    legend: { live: true },
    hooks: { draw: [drawMarkers] },
  };
  const plot = new uPlot(opts, [spec.t, ...spec.lines.map((l) => l.values)], container);
  const resize = new ResizeObserver(() => {
    const width = Math.max(280, container.clientWidth);
    if (Math.abs(width - plot.width) > 4) plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(container);
  return {
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/**
 * A sparkline of `values` (one per bucket, zero-based scale) as inline SVG; `data-values` holds
 * the numbers drawn.
 * @param {number[]} values
 * @param {string} label what the line shows, for screen readers and the tooltip
 */
export function sparkline(values, label) {
  const w = 120;
  const h = 26;
  const max = Math.max(1, ...values);
  const step = w / Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`).join(' ');
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ class: 'spark', viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img', 'aria-label': label, preserveAspectRatio: 'none', 'data-values': values.join(',') })) {
    svg.setAttribute(k, String(v));
  }
  const title = document.createElementNS(SVG, 'title');
  title.textContent = label;
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  svg.append(title, line);
  return svg;
}
