/**
 * Plain SVG charts with no dependency: horizontal bar groups (linear or log scale), CDF curves and a
 * line chart, stacked as panels into one document. Each panel knows its height and draws itself at a
 * vertical offset; the document adds a title and a white background so it reads well anywhere.
 */

export interface Panel {
  height: number;
  render(y: number, width: number): string;
}

export const PALETTE = ['#2f6db3', '#e07b39', '#4f9d57', '#b04f8c', '#8c7a3f', '#5b5b5b'];

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${r(x)}" y="${r(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

/** Rounds coordinates to 0.1 px to keep the file small. */
function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** "Nice" linear axis ticks from 0 to at least max: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Powers of ten spanning [min, max] (both > 0). */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  return ticks;
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** Text after the bar; defaults to the formatted value. */
  note?: string;
}

export interface BarPanelOptions {
  title: string;
  groups: { label: string; bars: Bar[] }[];
  format: (value: number) => string;
  log?: boolean;
  /** Vertical reference lines, drawn when inside the axis range (e.g. an SLO). */
  markers?: { value: number; label: string }[];
}

const LABEL_WIDTH = 230;
const BAR_HEIGHT = 14;
const BAR_GAP = 4;
const GROUP_GAP = 12;

export function barPanel(o: BarPanelOptions): Panel {
  const rows = o.groups.reduce((n, g) => n + g.bars.length, 0);
  const plotHeight = rows * (BAR_HEIGHT + BAR_GAP) + o.groups.length * (GROUP_GAP + 14);
  const height = 34 + plotHeight + 30;
  return {
    height,
    render(y0, width) {
      const left = LABEL_WIDTH;
      const right = width - 110;
      const values = o.groups
        .flatMap((g) => g.bars.map((b) => b.value))
        .filter((v) => Number.isFinite(v) && v > 0);
      const maxValue = Math.max(...values, 1e-9);
      let ticks: number[];
      let scale: (v: number) => number;
      if (o.log) {
        // One decade below the smallest value, so that the smallest bar is still visible.
        ticks = logTicks(Math.min(...values, maxValue) / 10, maxValue);
        const lo = Math.log10(ticks[0]!);
        const hi = Math.log10(ticks[ticks.length - 1]!);
        scale = (v) => left + ((Math.log10(Math.max(v, ticks[0]!)) - lo) / (hi - lo)) * (right - left);
      } else {
        ticks = niceTicks(maxValue);
        const top = ticks[ticks.length - 1]!;
        scale = (v) => left + (Math.max(0, v) / top) * (right - left);
      }
      const parts: string[] = [text(16, y0 + 20, o.title, 'font-size="15" font-weight="600"')];
      const plotTop = y0 + 34;
      const plotBottom = plotTop + plotHeight;
      for (const t of ticks) {
        const x = scale(t);
        parts.push(
          `<line x1="${r(x)}" y1="${r(plotTop)}" x2="${r(x)}" y2="${r(plotBottom)}" stroke="#e3e3e3"/>`,
        );
        parts.push(text(x, plotBottom + 16, o.format(t), 'font-size="11" fill="#666" text-anchor="middle"'));
      }
      let y = plotTop;
      for (const group of o.groups) {
        y += GROUP_GAP;
        parts.push(text(16, y + 10, group.label, 'font-size="12" font-weight="600" fill="#333"'));
        y += 14;
        group.bars.forEach((bar, i) => {
          const color = bar.color ?? PALETTE[i % PALETTE.length]!;
          parts.push(
            text(left - 8, y + BAR_HEIGHT - 3, bar.label, 'font-size="11" fill="#444" text-anchor="end"'),
          );
          if (Number.isFinite(bar.value)) {
            const w = Math.max(1, scale(bar.value) - left);
            parts.push(
              `<rect x="${left}" y="${r(y)}" width="${r(w)}" height="${BAR_HEIGHT}" fill="${color}" rx="2"/>`,
            );
            parts.push(
              text(
                left + w + 6,
                y + BAR_HEIGHT - 3,
                bar.note ?? o.format(bar.value),
                'font-size="11" fill="#222"',
              ),
            );
          } else {
            parts.push(
              text(left + 6, y + BAR_HEIGHT - 3, bar.note ?? 'not measured', 'font-size="11" fill="#999"'),
            );
          }
          y += BAR_HEIGHT + BAR_GAP;
        });
      }
      const axisMax = ticks[ticks.length - 1]!;
      for (const m of o.markers ?? []) {
        if (!(m.value <= axisMax)) continue;
        const x = scale(m.value);
        parts.push(
          `<line x1="${r(x)}" y1="${r(plotTop)}" x2="${r(x)}" y2="${r(plotBottom)}" stroke="#c0392b" stroke-dasharray="5,4"/>`,
        );
        parts.push(text(x + 4, plotTop + 10, m.label, 'font-size="11" fill="#c0392b"'));
      }
      parts.push(
        `<line x1="${left}" y1="${r(plotBottom)}" x2="${right}" y2="${r(plotBottom)}" stroke="#999"/>`,
      );
      return parts.join('\n');
    },
  };
}

export interface Series {
  label: string;
  points: [number, number][];
  color?: string;
}

export interface XYPanelOptions {
  title: string;
  series: Series[];
  xLabel: string;
  yLabel?: string;
  formatX: (value: number) => string;
  formatY: (value: number) => string;
  /** Logarithmic x axis (values ≤ 0 are drawn at the left edge). */
  logX?: boolean;
  /** Fixed y range (a CDF uses 0..1); otherwise 0..nice max. */
  yMax?: number;
  /** Dashed horizontal guides, e.g. p50 and p99 on a CDF. */
  guidesY?: { value: number; label: string }[];
  /** Dashed vertical lines with a label, e.g. phase boundaries. */
  markersX?: { value: number; label: string }[];
  step?: boolean;
}

export function xyPanel(o: XYPanelOptions): Panel {
  const plotHeight = 220;
  const legendRows = Math.ceil(o.series.length / 2);
  const markerRows = o.markersX && o.markersX.length > 0 ? 3 : 0;
  const height = 34 + legendRows * 16 + markerRows * 12 + plotHeight + 44;
  return {
    height,
    render(y0, width) {
      const left = 80;
      const right = width - 40;
      const xs = o.series.flatMap((s) => s.points.map((p) => p[0])).filter(Number.isFinite);
      const ys = o.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
      const parts: string[] = [text(16, y0 + 20, o.title, 'font-size="15" font-weight="600"')];
      let y = y0 + 34;
      o.series.forEach((s, i) => {
        const color = s.color ?? PALETTE[i % PALETTE.length]!;
        const lx = left + (i % 2) * ((right - left) / 2);
        const ly = y + Math.floor(i / 2) * 16;
        parts.push(`<rect x="${r(lx)}" y="${r(ly)}" width="14" height="4" fill="${color}"/>`);
        parts.push(text(lx + 20, ly + 6, s.label, 'font-size="11" fill="#333"'));
      });
      y += legendRows * 16 + markerRows * 12;
      const plotTop = y;
      const plotBottom = y + plotHeight;
      if (xs.length === 0) {
        parts.push(text(left, plotTop + 40, 'no data', 'font-size="12" fill="#999"'));
        return parts.join('\n');
      }
      let xTicks: number[];
      let sx: (v: number) => number;
      if (o.logX) {
        const positive = xs.filter((v) => v > 0);
        xTicks = logTicks(Math.min(...positive, 1), Math.max(...positive, 1));
        const lo = Math.log10(xTicks[0]!);
        const hi = Math.log10(xTicks[xTicks.length - 1]!);
        sx = (v) => left + ((Math.log10(Math.max(v, xTicks[0]!)) - lo) / (hi - lo)) * (right - left);
      } else {
        const minX = Math.min(0, ...xs);
        xTicks = niceTicks(Math.max(...xs) - minX).map((t) => t + minX);
        const span = xTicks[xTicks.length - 1]! - xTicks[0]! || 1;
        sx = (v) => left + ((v - xTicks[0]!) / span) * (right - left);
      }
      const yTicks = o.yMax !== undefined ? niceTicks(o.yMax, 4) : niceTicks(Math.max(...ys, 1e-9), 4);
      const yTop = o.yMax ?? yTicks[yTicks.length - 1]!;
      const sy = (v: number) => plotBottom - (Math.max(0, Math.min(v, yTop)) / yTop) * plotHeight;
      for (const t of xTicks) {
        parts.push(
          `<line x1="${r(sx(t))}" y1="${r(plotTop)}" x2="${r(sx(t))}" y2="${r(plotBottom)}" stroke="#e3e3e3"/>`,
        );
        parts.push(
          text(sx(t), plotBottom + 16, o.formatX(t), 'font-size="11" fill="#666" text-anchor="middle"'),
        );
      }
      for (const t of yTicks) {
        if (t > yTop) continue;
        parts.push(`<line x1="${left}" y1="${r(sy(t))}" x2="${right}" y2="${r(sy(t))}" stroke="#eeeeee"/>`);
        parts.push(text(left - 6, sy(t) + 4, o.formatY(t), 'font-size="11" fill="#666" text-anchor="end"'));
      }
      for (const g of o.guidesY ?? []) {
        parts.push(
          `<line x1="${left}" y1="${r(sy(g.value))}" x2="${right}" y2="${r(sy(g.value))}" stroke="#888" stroke-dasharray="3,3"/>`,
        );
        parts.push(text(right + 4, sy(g.value) + 4, g.label, 'font-size="10" fill="#666"'));
      }
      let labelled = 0;
      for (const m of o.markersX ?? []) {
        const x = sx(m.value);
        parts.push(
          `<line x1="${r(x)}" y1="${r(plotTop)}" x2="${r(x)}" y2="${r(plotBottom)}" stroke="#bbb" stroke-dasharray="4,3"/>`,
        );
        if (m.label)
          parts.push(text(x + 2, plotTop - 4 - (labelled++ % 3) * 12, m.label, 'font-size="10" fill="#777"'));
      }
      o.series.forEach((s, i) => {
        const color = s.color ?? PALETTE[i % PALETTE.length]!;
        const pts: string[] = [];
        let prevY: number | undefined;
        for (const [px, py] of s.points) {
          if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
          if (o.step && prevY !== undefined) pts.push(`${r(sx(px))},${r(prevY)}`);
          prevY = sy(py);
          pts.push(`${r(sx(px))},${r(prevY)}`);
        }
        if (pts.length > 0)
          parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
      });
      parts.push(
        `<line x1="${left}" y1="${r(plotBottom)}" x2="${right}" y2="${r(plotBottom)}" stroke="#999"/>`,
      );
      parts.push(`<line x1="${left}" y1="${r(plotTop)}" x2="${left}" y2="${r(plotBottom)}" stroke="#999"/>`);
      parts.push(
        text(
          (left + right) / 2,
          plotBottom + 34,
          o.xLabel,
          'font-size="12" fill="#444" text-anchor="middle"',
        ),
      );
      if (o.yLabel) {
        parts.push(
          text(
            18,
            (plotTop + plotBottom) / 2,
            o.yLabel,
            `font-size="12" fill="#444" text-anchor="middle" transform="rotate(-90 18 ${r((plotTop + plotBottom) / 2)})"`,
          ),
        );
      }
      return parts.join('\n');
    },
  };
}

/** Splits text into lines of at most `width` characters at spaces. */
export function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      out.push(current);
      current = `  ${word}`;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) out.push(current);
  return out;
}

/** A note panel: a few lines of small text, wrapped to the picture's width. */
export function notePanel(paragraphs: string[], width = 150): Panel {
  const lines = paragraphs.flatMap((p) => wrap(p, width));
  return {
    height: 14 + lines.length * 15,
    render(y0) {
      return lines
        .map((line, i) => text(16, y0 + 14 + i * 15, line, 'font-size="11" fill="#555"'))
        .join('\n');
    },
  };
}

export function svgDocument(title: string, subtitle: string, panels: Panel[], width = 960): string {
  let y = 56;
  const bodies: string[] = [];
  for (const panel of panels) {
    bodies.push(panel.render(y, width));
    y += panel.height + 10;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r(height)}" viewBox="0 0 ${width} ${r(height)}" role="img" ${FONT}>`,
    `<title>${escapeXml(`${title}: ${subtitle}`)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(16, 26, title, 'font-size="19" font-weight="700" fill="#111"'),
    text(16, 44, subtitle, 'font-size="12" fill="#666"'),
    ...bodies,
    '</svg>',
    '',
  ].join('\n');
}
