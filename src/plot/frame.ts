/**
 * The parts every figure shares: the SVG document with its title, a panel (axes with ticks,
 * grid, axis labels and a legend beside it) and a legend box. Charts draw their marks into a
 * panel through the panel's scales.
 */
import { niceTicks, integerTicks, linear, type Ticks } from './scale.js';
import { el, esc, formatTick, num, text } from './svg.js';
import { FONT_FAMILY, textWidth } from './style.js';

/** Options every figure takes. */
export interface FigureOptions {
  /** Width in pixels (also the PNG's width). */
  width?: number;
  /** Height in pixels (also the PNG's height). */
  height?: number;
  /** The figure title (each figure has a default). */
  title?: string;
}

/** One entry of a legend: a line, a box or a dot in a colour, and its label. */
export interface LegendItem {
  /** The text. */
  label: string;
  /** CSS colour. */
  color: string;
  /** Symbol drawn: a line (default), a box, a dot or a dashed line. */
  kind?: 'line' | 'box' | 'dot' | 'dashed';
}

/** Where a panel sits in the figure (its outer box, margins included). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An axis: its label (with units) and its range, or category names. */
export interface AxisSpec {
  label: string;
  /** Data range; widened to nice ticks unless `integer` or `fixed`. */
  min?: number;
  max?: number;
  /** Whole-number ticks (epochs, steps) over exactly [min, max]. */
  integer?: boolean;
  /** Use [min, max] exactly, with nice ticks inside it. */
  fixed?: boolean;
  /** Category names: one tick per name at 0..n-1 (bars, heatmap rows). */
  categories?: readonly string[];
}

/** A panel: axes in a rectangle, a subtitle, a legend, and what to draw. */
export interface PanelSpec {
  title?: string;
  x: AxisSpec;
  y: AxisSpec;
  legend?: readonly LegendItem[];
  /** Legend title (e.g. "class"). */
  legendTitle?: string;
  /** Legend right of the plot area (default) or in rows under it. */
  legendAt?: 'right' | 'bottom';
  /** Draws the marks, given the scales from data to pixels and the plot area. */
  draw(sx: (v: number) => number, sy: (v: number) => number, area: Rect): string;
  /** Draw horizontal grid lines (default true). */
  grid?: boolean;
  /** Extra pixels right of the plot area (a colour bar). */
  extraRight?: number;
  /** Something to draw right of the plot area, given the plot area. */
  drawRight?(area: Rect): string;
}

/** Default figure size. */
export const DEFAULT_WIDTH = 720;
export const DEFAULT_HEIGHT = 440;

const FONT = 12;

/** The pixel size a figure will have, checked (positive integers up to 8192). */
export function figureSize(options: FigureOptions, w = DEFAULT_WIDTH, h = DEFAULT_HEIGHT): [number, number] {
  const width = options.width ?? w;
  const height = options.height ?? h;
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const)
    if (!Number.isInteger(v) || v < 64 || v > 8192)
      throw new RangeError(`plot: ${k} must be an integer from 64 to 8192 pixels, got ${v}`);
  return [width, height];
}

/** The whole SVG document: white background, the title on top, the given content. */
export function svgDocument(width: number, height: number, title: string, content: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT_FAMILY)}" font-size="${FONT}">` +
    el('title', {}, esc(title)) +
    el('rect', { width, height, fill: '#ffffff' }) +
    el(
      'g',
      { class: 'figure-title' },
      text(width / 2, 24, title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }),
    ) +
    content +
    '</svg>\n'
  );
}

/** Ticks for an axis spec, given the data range. */
function axisTicks(a: AxisSpec, name: string, count: number): Ticks {
  if (a.categories) {
    const n = a.categories.length;
    return { min: -0.5, max: n - 0.5, values: a.categories.map((_, i) => i), step: 1 };
  }
  const lo = a.min ?? 0,
    hi = a.max ?? 1;
  if (a.integer) {
    // whole-number ticks over [lo, hi], the domain padded a little so end points clear the frame
    const t = integerTicks(lo, hi > lo ? hi : lo + 1, count);
    const pad = Math.max(0.1, (t.max - t.min) * 0.03);
    return { ...t, min: t.min - pad, max: t.max + pad };
  }
  if (!a.fixed) return niceTicks(lo, hi, count, name);
  // exactly [lo, hi]: nice ticks inside it, finer until at least two fall inside
  let inside: Ticks = { min: lo, max: hi, values: [], step: hi - lo };
  for (let c = count; c <= count * 8 && inside.values.length < 2; c *= 2) {
    const t = niceTicks(lo, hi, c, name);
    inside = { min: lo, max: hi, values: t.values.filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9), step: t.step };
  }
  return inside;
}

/** Legend width in pixels for these items. */
export function legendWidth(items: readonly LegendItem[], title?: string): number {
  if (items.length === 0) return 0;
  const longest = Math.max(...items.map((i) => textWidth(i.label, FONT)), title ? textWidth(title, FONT) : 0);
  return Math.ceil(longest + 40);
}

/** A legend box at (x, y): a swatch and a label per item. */
export function legend(x: number, y: number, items: readonly LegendItem[], title?: string): string {
  const w = legendWidth(items, title) - 8;
  const row = 18;
  let body = '';
  let yy = y + 14;
  if (title) {
    body += text(x + 8, yy, title, { 'font-weight': 'bold' });
    yy += row;
  }
  for (const it of items) {
    const cy = yy - 4;
    if (it.kind === 'box') body += el('rect', { x: x + 8, y: cy - 6, width: 14, height: 12, fill: it.color });
    else if (it.kind === 'dot') body += el('circle', { cx: x + 15, cy, r: 4, fill: it.color });
    else
      body += el('line', {
        x1: x + 6,
        y1: cy,
        x2: x + 24,
        y2: cy,
        stroke: it.color,
        'stroke-width': 2,
        'stroke-dasharray': it.kind === 'dashed' ? '5,3' : undefined,
      });
    body += text(x + 30, yy, it.label, { class: 'legend-label' });
    yy += row;
  }
  const h = yy - y - row + 8;
  return el(
    'g',
    { class: 'legend' },
    el('rect', { x, y, width: w, height: h, fill: '#ffffff', stroke: '#cccccc', rx: 3 }) + body,
  );
}

/** Splits legend items into rows that fit `width` pixels. */
function bottomLegendRows(items: readonly LegendItem[], width: number): LegendItem[][] {
  const rows: LegendItem[][] = [[]];
  let used = 0;
  for (const it of items) {
    const w = textWidth(it.label, FONT) + 44;
    if (used + w > width && rows[rows.length - 1].length > 0) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1].push(it);
    used += w;
  }
  return rows;
}

/** A legend in rows under a plot (swatch and label per item). */
function bottomLegend(x: number, y: number, rows: readonly LegendItem[][]): string {
  let body = '';
  rows.forEach((row, i) => {
    let xx = x;
    const cy = y + 10 + i * 18;
    for (const it of row) {
      if (it.kind === 'box') body += el('rect', { x: xx, y: cy - 6, width: 14, height: 12, fill: it.color });
      else if (it.kind === 'dot') body += el('circle', { cx: xx + 7, cy, r: 4, fill: it.color });
      else
        body += el('line', {
          x1: xx,
          y1: cy,
          x2: xx + 18,
          y2: cy,
          stroke: it.color,
          'stroke-width': 2,
          'stroke-dasharray': it.kind === 'dashed' ? '5,3' : undefined,
        });
      body += text(xx + 24, cy + 4, it.label, { class: 'legend-label' });
      xx += textWidth(it.label, FONT) + 44;
    }
  });
  return el('g', { class: 'legend' }, body);
}

/**
 * A panel: the plot area inside `r` (margins for ticks, labels and legend), its frame, grid,
 * ticks with nice numbers, axis labels, subtitle and legend, and the chart's marks.
 */
export function panel(r: Rect, spec: PanelSpec): string {
  const hasLegend = spec.legend !== undefined && spec.legend.length > 0;
  const atBottom = spec.legendAt === 'bottom';
  const legendW = hasLegend && !atBottom ? legendWidth(spec.legend ?? [], spec.legendTitle) + 10 : 0;
  const legendRows = hasLegend && atBottom ? bottomLegendRows(spec.legend ?? [], r.w - 40) : [];
  const legendH = legendRows.length * 18 + (legendRows.length > 0 ? 8 : 0);
  const yTicksProbe = axisTicks(spec.y, 'y axis', Math.max(2, Math.round(r.h / 60)));
  const yLabels = yTicksProbe.values.map((v) =>
    spec.y.categories ? spec.y.categories[v] : formatTick(v, yTicksProbe.step),
  );
  const yLabelW = Math.max(...yLabels.map((s) => textWidth(s, FONT - 1)), 10);
  const left = r.x + 30 + yLabelW;
  const top = r.y + (spec.title ? 28 : 10);
  const xCat = spec.x.categories;
  const rotate =
    xCat !== undefined && xCat.some((c) => textWidth(c, FONT - 1) > (r.w - legendW - 80) / Math.max(1, xCat.length));
  const bottomH = rotate ? 40 + Math.min(80, Math.max(...xCat.map((c) => textWidth(c, FONT - 1))) * 0.7) : 44;
  const area: Rect = {
    x: left,
    y: top,
    w: Math.max(20, r.x + r.w - 10 - legendW - (spec.extraRight ?? 0) - left),
    h: Math.max(20, r.y + r.h - bottomH - legendH - top),
  };
  const xt = axisTicks(spec.x, 'x axis', Math.max(2, Math.round(area.w / 80)));
  const yt = axisTicks(spec.y, 'y axis', Math.max(2, Math.round(area.h / 50)));
  const sx = linear(xt.min, xt.max, area.x, area.x + area.w);
  // categories on y run top to bottom (row 0 at the top), numbers bottom to top
  const sy = spec.y.categories
    ? linear(yt.min, yt.max, area.y, area.y + area.h)
    : linear(yt.min, yt.max, area.y + area.h, area.y);

  let grid = '';
  let xAxis = '';
  let yAxis = '';
  for (const v of yt.values) {
    const y = sy(v);
    if (spec.grid !== false && !spec.y.categories)
      grid += el('line', { x1: area.x, y1: y, x2: area.x + area.w, y2: y, stroke: '#e6e6e6' });
    yAxis += el('line', { x1: area.x - 5, y1: y, x2: area.x, y2: y, stroke: '#333333' });
    const label = spec.y.categories ? spec.y.categories[v] : formatTick(v, yt.step);
    yAxis += text(area.x - 8, y + 4, label, { 'text-anchor': 'end', 'font-size': FONT - 1, class: 'tick-label' });
  }
  for (const v of xt.values) {
    const x = sx(v);
    if (spec.grid !== false && !xCat)
      grid += el('line', { x1: x, y1: area.y, x2: x, y2: area.y + area.h, stroke: '#f0f0f0' });
    xAxis += el('line', { x1: x, y1: area.y + area.h, x2: x, y2: area.y + area.h + 5, stroke: '#333333' });
    const label = xCat ? xCat[v] : formatTick(v, xt.step);
    const ty = area.y + area.h + 18;
    xAxis += rotate
      ? text(x, ty - 6, label, {
          'text-anchor': 'end',
          'font-size': FONT - 1,
          class: 'tick-label',
          transform: `rotate(-40 ${num(x)} ${num(ty - 6)})`,
        })
      : text(x, ty, label, { 'text-anchor': 'middle', 'font-size': FONT - 1, class: 'tick-label' });
  }
  xAxis += text(area.x + area.w / 2, r.y + r.h - 8 - legendH, spec.x.label, {
    'text-anchor': 'middle',
    class: 'axis-label',
  });
  const ly = area.y + area.h / 2;
  const lx = r.x + 14;
  yAxis += text(lx, ly, spec.y.label, {
    'text-anchor': 'middle',
    class: 'axis-label',
    transform: `rotate(-90 ${num(lx)} ${num(ly)})`,
  });

  let out = el('g', { class: 'grid' }, grid);
  out += el('g', { class: 'marks' }, spec.draw(sx, sy, area));
  out += el('rect', { x: area.x, y: area.y, width: area.w, height: area.h, fill: 'none', stroke: '#333333' });
  out += el('g', { class: 'x-axis' }, xAxis);
  out += el('g', { class: 'y-axis' }, yAxis);
  if (spec.title)
    out += el(
      'g',
      { class: 'panel-title' },
      text(area.x + area.w / 2, r.y + 18, spec.title, { 'text-anchor': 'middle', 'font-size': 13 }),
    );
  if (spec.drawRight) out += spec.drawRight(area);
  if (hasLegend && atBottom) out += bottomLegend(area.x, r.y + r.h - legendH, legendRows);
  else if (hasLegend) out += legend(r.x + r.w - legendW, area.y, spec.legend ?? [], spec.legendTitle);
  return el('g', { class: 'panel' }, out);
}

/** Lays n panels out in a grid inside the figure below the title. */
export function grid(width: number, height: number, n: number, cols?: number): Rect[] {
  const c = Math.max(1, Math.min(n, cols ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.ceil(n / c);
  const top = 36;
  const w = width / c,
    h = (height - top) / rows;
  return Array.from({ length: n }, (_, i) => ({ x: (i % c) * w, y: top + Math.floor(i / c) * h, w, h }));
}

/** The range of finite values (NaN when there are none). */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}
