/** Line charts: any series over x, and the learning-rate schedule. */
import { extent, figureSize, grid, panel, svgDocument, type FigureOptions, type LegendItem } from './frame.js';
import { el, num } from './svg.js';
import { color } from './style.js';

/** One line: its name (legend), points, and optional colour/dash. */
export interface Series {
  /** Legend entry. */
  name: string;
  /** x coordinates. */
  x: readonly number[];
  /** y coordinates, one per x (a non-finite point breaks the line). */
  y: readonly number[];
  /** Line colour (CSS colour; default: the palette colour of the series index). */
  color?: string;
  /** Draw dashed. */
  dashed?: boolean;
  /** Draw a dot at each point (default: when there are at most 30). */
  markers?: boolean;
}

/** A vertical marker line with a label (e.g. the early-stopping epoch). */
export interface VLine {
  /** Where the line is, in data coordinates. */
  x: number;
  /** Text written beside the line. */
  label: string;
  /** Line colour (CSS colour; default grey). */
  color?: string;
}

/** Options of lineChart. */
export interface LineChartOptions extends FigureOptions {
  /** x axis label (with units). */
  xLabel: string;
  /** y axis label (with units). */
  yLabel: string;
  /** Whole-number x ticks (epochs, steps). */
  integerX?: boolean;
  /** y range (default: the data's, widened to nice ticks). */
  yMin?: number;
  /** Upper end of the y range (default: the data's, widened to nice ticks). */
  yMax?: number;
  /** Vertical marker lines, in the legend too. */
  vlines?: readonly VLine[];
  /** Subtitle of the panel. */
  subtitle?: string;
  /** Legend right of the plot (default) or in rows under it. */
  legendAt?: 'right' | 'bottom';
}

/** The polyline path of a series; gaps (NaN) break the line. */
function path(s: Series, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i],
      y = s.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(sx(x))},${num(sy(y))}`;
    pen = true;
  }
  return d;
}

/** The panel spec of a line chart (used alone and inside multi-panel figures). */
export function linePanel(series: readonly Series[], o: LineChartOptions): Parameters<typeof panel>[1] {
  if (series.length === 0) throw new RangeError('plot.lineChart: no series to draw');
  for (const s of series)
    if (s.x.length !== s.y.length)
      throw new RangeError(`plot.lineChart: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
  const [x0, x1] = extent(series.flatMap((s) => [...s.x]));
  const [y0, y1] = extent(series.flatMap((s) => [...s.y]));
  if (Number.isNaN(x0) || Number.isNaN(y0))
    throw new RangeError(`plot.lineChart: no finite points in ${series.map((s) => `'${s.name}'`).join(', ')}`);
  const legend: LegendItem[] = series.map((s, i) => ({
    label: s.name,
    color: s.color ?? color(i),
    kind: s.dashed ? 'dashed' : 'line',
  }));
  for (const v of o.vlines ?? []) legend.push({ label: v.label, color: v.color ?? '#555555', kind: 'dashed' });
  return {
    title: o.subtitle,
    x: { label: o.xLabel, min: x0, max: x1, integer: o.integerX },
    y: { label: o.yLabel, min: o.yMin ?? y0, max: o.yMax ?? y1 },
    legend,
    legendAt: o.legendAt,
    draw(sx, sy, area) {
      let out = '';
      series.forEach((s, i) => {
        const c = s.color ?? color(i);
        out += el('path', {
          d: path(s, sx, sy),
          fill: 'none',
          stroke: c,
          'stroke-width': 2,
          'stroke-dasharray': s.dashed ? '6,4' : undefined,
          class: 'series',
          'data-name': s.name,
        });
        if (s.markers ?? s.x.length <= 30)
          for (let k = 0; k < s.x.length; k++)
            if (Number.isFinite(s.x[k]) && Number.isFinite(s.y[k]))
              out += el('circle', { cx: sx(s.x[k]), cy: sy(s.y[k]), r: 2.5, fill: c });
      });
      for (const v of o.vlines ?? []) {
        const x = sx(v.x);
        const c = v.color ?? '#555555';
        out += el('line', {
          x1: x,
          y1: area.y,
          x2: x,
          y2: area.y + area.h,
          stroke: c,
          'stroke-dasharray': '5,3',
          class: 'vline',
        });
      }
      return out;
    },
  };
}

/** A line chart of one or more series, as an SVG document (titled 'Line chart' unless `title` says otherwise). */
export function lineChart(series: readonly Series[], options: LineChartOptions): string {
  const [w, h] = figureSize(options);
  const [r] = grid(w, h, 1);
  return svgDocument(w, h, options.title ?? 'Line chart', panel(r, linePanel(series, options)));
}

/** Options of lrSchedule. */
export interface LRScheduleOptions extends FigureOptions {
  /** What one x step is (default 'epoch'). */
  unit?: 'epoch' | 'step';
  /** Log-scale the y values (default false): plots log10(lr). */
  log?: boolean;
}

/**
 * The learning-rate schedule: lr per epoch or per optimizer step. `lr` is the value at each
 * step (x = 1, 2, ...), or {x, lr} pairs.
 */
export function lrSchedule(
  lr: readonly number[] | { x: readonly number[]; lr: readonly number[] },
  options: LRScheduleOptions = {},
): string {
  const ys = Array.isArray(lr) ? (lr as readonly number[]) : (lr as { lr: readonly number[] }).lr;
  const xs = Array.isArray(lr) ? ys.map((_, i) => i + 1) : (lr as { x: readonly number[] }).x;
  if (ys.length === 0)
    throw new RangeError('plot.lrSchedule: no learning-rate values (log "lr" each epoch, as fit() does)');
  const unit = options.unit ?? 'epoch';
  const log = options.log ?? false;
  const y = log ? ys.map((v) => (v > 0 ? Math.log10(v) : NaN)) : ys;
  return lineChart([{ name: 'learning rate', x: xs, y, markers: xs.length <= 30 }], {
    ...options,
    title: options.title ?? 'Learning-rate schedule',
    xLabel: unit === 'epoch' ? 'epoch' : 'optimizer step',
    yLabel: log ? 'log10 learning rate (per step)' : 'learning rate (per step)',
    integerX: true,
    yMin: log ? undefined : 0,
  });
}
