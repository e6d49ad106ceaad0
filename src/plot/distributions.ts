/** Distributions: weight and gradient histograms per layer, and 2-D embeddings coloured by class. */
import { extent, figureSize, grid, panel, svgDocument, type FigureOptions, type LegendItem } from './frame.js';
import { niceTicks } from './scale.js';
import { el } from './svg.js';
import { color } from './style.js';

/** Bin counts of values over [lo, hi] in `bins` equal bins (non-finite values are skipped). */
export function histogramCounts(values: ArrayLike<number>, bins: number, lo: number, hi: number): number[] {
  if (!Number.isInteger(bins) || bins < 1 || bins > 10_000)
    throw new RangeError(`plot: bins must be an integer from 1 to 10000, got ${bins}`);
  const counts = new Array<number>(bins).fill(0);
  const width = hi - lo || 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor(((v - lo) / width) * bins))]++;
  }
  return counts;
}

/** A count axis: whole numbers with a step of headroom when small, nice ticks otherwise. */
function countAxis(max: number): { max: number; integer: boolean } {
  return max <= 5 ? { max: max + 1, integer: true } : { max, integer: false };
}

/** One layer's values: its weights and, optionally, their gradients. */
export interface LayerValues {
  /** Layer (parameter) name. */
  name: string;
  /** Its weight values. */
  weights: ArrayLike<number>;
  /** Its gradient values, if any. */
  gradients?: ArrayLike<number> | null;
}

/** Something with named parameters (an nn.Module): its tensors' data and grads are read. */
export interface NamedParameters {
  /** The parameters by name, with their values and gradients (null before a backward pass). */
  namedParameters(): Iterable<
    readonly [
      string,
      {
        /** The parameter's values. */
        data: ArrayLike<number>;
        /** Its gradient, if one was computed. */
        grad: {
          /** The gradient's values. */
          data: ArrayLike<number>;
        } | null;
      },
    ]
  >;
}

/** Options of histograms. */
export interface HistogramOptions extends FigureOptions {
  /** Bins per histogram (default 40). */
  bins?: number;
  /** Panels per row (default: about the square root of the layer count). */
  columns?: number;
  /** At most this many layers (default 16): the first ones. */
  maxLayers?: number;
}

/**
 * Histograms of each layer's weights and, when given (or when the model's parameters have a
 * .grad), its gradients beside them, one panel each with its own value axis. Takes a model or a
 * list of {name, weights, gradients}.
 */
export function histograms(input: NamedParameters | readonly LayerValues[], options: HistogramOptions = {}): string {
  const op = 'plot.histograms';
  const layers: LayerValues[] = Array.isArray(input)
    ? [...(input as readonly LayerValues[])]
    : [...(input as NamedParameters).namedParameters()].map(([name, p]) => ({
        name,
        weights: p.data,
        gradients: p.grad ? p.grad.data : null,
      }));
  if (layers.length === 0) throw new RangeError(`${op}: no layers (the model has no parameters)`);
  const shown = layers.slice(0, options.maxLayers ?? 16);
  const bins = options.bins ?? 40;
  const anyGrad = shown.some((l) => l.gradients && l.gradients.length > 0);
  const panels: { name: string; values: ArrayLike<number>; grad: boolean }[] = [];
  for (const l of shown) {
    panels.push({ name: l.name, values: l.weights, grad: false });
    if (anyGrad) panels.push({ name: l.name, values: l.gradients ?? [], grad: true });
  }
  const cols = anyGrad ? 2 : (options.columns ?? Math.ceil(Math.sqrt(panels.length)));
  const rowsN = Math.ceil(panels.length / cols);
  const [w, h] = figureSize(options, Math.min(1600, 400 * cols + 130), Math.min(4000, 36 + 230 * rowsN));
  const rects = grid(w, h, panels.length, cols);
  let body = '';
  panels.forEach((p, k) => {
    const what = p.grad ? 'gradient' : 'weight';
    const c = color(p.grad ? 1 : 0);
    const legend: LegendItem[] = [{ label: p.grad ? 'gradients' : 'weights', color: c, kind: 'box' }];
    const [lo, hi] = extent(Array.from(p.values));
    if (Number.isNaN(lo)) {
      if (!p.grad) throw new RangeError(`${op}: layer '${p.name}' has no finite values`);
      body += panel(rects[k], {
        title: `${p.name}: no gradient`,
        x: { label: 'gradient value', min: 0, max: 1 },
        y: { label: 'count (values per bin)', min: 0, max: 1 },
        legend,
        draw: () => '',
      });
      return;
    }
    const t = niceTicks(lo, hi, 4, `'${p.name}' ${what}s`);
    const counts = histogramCounts(p.values, bins, t.min, t.max);
    body += panel(rects[k], {
      title: `${p.name}${p.grad ? ' gradient' : ''} (${p.values.length.toLocaleString('en-US')} values)`,
      x: { label: `${what} value`, min: t.min, max: t.max, fixed: true },
      y: { label: 'count (values per bin)', min: 0, ...countAxis(Math.max(...counts)) },
      legend,
      draw(sx, sy) {
        let out = '';
        const bw = (t.max - t.min) / bins;
        counts.forEach((n, i) => {
          if (n === 0) return;
          const x0 = sx(t.min + i * bw),
            x1 = sx(t.min + (i + 1) * bw);
          out += el('rect', {
            x: x0,
            y: sy(n),
            width: Math.max(0.5, x1 - x0),
            height: sy(0) - sy(n),
            fill: c,
            class: 'bar',
          });
        });
        return out;
      },
    });
  });
  const more = layers.length > shown.length ? ` (first ${shown.length} of ${layers.length} tensors)` : '';
  return svgDocument(
    w,
    h,
    (options.title ?? (anyGrad ? 'Weights and gradients per layer' : 'Weights per layer')) + more,
    body,
  );
}

/** Options of scatter. */
export interface ScatterOptions extends FigureOptions {
  /** Names of the classes, for the legend (default: the class indices). */
  classNames?: readonly string[];
  /** x axis label. */
  xLabel?: string;
  /** y axis label. */
  yLabel?: string;
}

/**
 * A 2-D embedding (PCA, t-SNE, ...) as points coloured by class with a legend. `points` is
 * n rows of [x, y] (or a flat [n*2] array with shape), `labels` the class of each point.
 */
export function scatter(
  points: readonly (readonly number[])[] | { data: ArrayLike<number>; shape: readonly number[] },
  labels: ArrayLike<number>,
  options: ScatterOptions = {},
): string {
  const op = 'plot.scatter';
  const pts: [number, number][] = Array.isArray(points)
    ? (points as readonly (readonly number[])[]).map((p, i) => {
        if (p.length !== 2) throw new RangeError(`${op}: point ${i} has ${p.length} coordinates, need 2`);
        return [p[0], p[1]];
      })
    : (() => {
        const { data, shape } = points as { data: ArrayLike<number>; shape: readonly number[] };
        if (shape.length !== 2 || shape[1] !== 2)
          throw new RangeError(`${op}: points must have shape [n, 2], got [${shape.join(', ')}]`);
        return Array.from({ length: shape[0] }, (_, i): [number, number] => [data[2 * i], data[2 * i + 1]]);
      })();
  if (pts.length === 0) throw new RangeError(`${op}: no points`);
  if (labels.length !== pts.length) throw new RangeError(`${op}: ${pts.length} points but ${labels.length} labels`);
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const names = options.classNames;
  for (const c of classes)
    if (!Number.isInteger(c) || c < 0 || (names && c >= names.length))
      throw new RangeError(`${op}: label ${c} is not a class index${names ? ` below ${names.length}` : ''}`);
  const [x0, x1] = extent(pts.map((p) => p[0]));
  const [y0, y1] = extent(pts.map((p) => p[1]));
  if (Number.isNaN(x0) || Number.isNaN(y0)) throw new RangeError(`${op}: no finite points`);
  const [w, h] = figureSize(options, 640, 520);
  const [r] = grid(w, h, 1);
  const body = panel(r, {
    x: { label: options.xLabel ?? 'component 1 (arbitrary units)', min: x0, max: x1 },
    y: { label: options.yLabel ?? 'component 2 (arbitrary units)', min: y0, max: y1 },
    legend: classes.map((c) => ({ label: names ? names[c] : `class ${c}`, color: color(c), kind: 'dot' as const })),
    legendTitle: 'class',
    draw(sx, sy) {
      let out = '';
      pts.forEach((p, i) => {
        if (Number.isFinite(p[0]) && Number.isFinite(p[1]))
          out += el('circle', {
            cx: sx(p[0]),
            cy: sy(p[1]),
            r: 3,
            fill: color(labels[i]),
            'fill-opacity': 0.75,
            class: 'point',
          });
      });
      return out;
    },
  });
  return svgDocument(w, h, options.title ?? '2-D embedding by class', body);
}
