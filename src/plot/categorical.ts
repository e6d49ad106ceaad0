/** Per-class figures: accuracy bars and the confusion-matrix heatmap with its counts. */
import { figureSize, grid, panel, svgDocument, type FigureOptions, type Rect } from './frame.js';
import { el, text } from './svg.js';
import { color, viridis, viridisRgb } from './style.js';

/** Most classes a confusion matrix or bar chart draws (each needs a few pixels). */
export const MAX_CLASSES = 200;

/** A square matrix of counts as nested arrays, or flat row-major with its size. */
export type Matrix =
  | readonly (readonly number[])[]
  | {
      /** The counts, row-major. */
      data: ArrayLike<number>;
      /** [rows, columns]. */
      shape: readonly number[];
    };

/** Rows of a matrix input, checked square with finite non-negative entries. */
function rows(m: Matrix, op: string): number[][] {
  let r: number[][];
  if ('shape' in m && !Array.isArray(m)) {
    const { data, shape } = m as { data: ArrayLike<number>; shape: readonly number[] };
    if (shape.length !== 2 || data.length !== shape[0] * shape[1])
      throw new RangeError(
        `${op}: the matrix must be 2-D with shape[0]*shape[1] values, got shape [${shape.join(', ')}] and ${data.length} values`,
      );
    r = Array.from({ length: shape[0] }, (_, i) =>
      Array.from({ length: shape[1] }, (_, j) => Number(data[i * shape[1] + j])),
    );
  } else r = (m as readonly (readonly number[])[]).map((row) => [...row]);
  const n = r.length;
  if (n === 0) throw new RangeError(`${op}: the matrix is empty`);
  if (n > MAX_CLASSES) throw new RangeError(`${op}: ${n} classes; at most ${MAX_CLASSES} fit in a figure`);
  r.forEach((row, i) => {
    if (row.length !== n)
      throw new RangeError(`${op}: the matrix must be square (${n}x${n}); row ${i} has ${row.length} values`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v) || v < 0)
        throw new RangeError(`${op}: entry [${i}][${j}] must be a count >= 0, got ${v}`);
    });
  });
  return r;
}

/** Class names: given ones (checked against n), else '0'..'n-1'. */
function names(n: number, given: readonly string[] | undefined, op: string): string[] {
  if (given === undefined) return Array.from({ length: n }, (_, i) => String(i));
  if (given.length !== n) throw new RangeError(`${op}: ${given.length} class names for ${n} classes`);
  return [...given];
}

/** Options of confusionMatrix. */
export interface ConfusionOptions extends FigureOptions {
  /** Names of the classes for the axes (default: the class indices). */
  classNames?: readonly string[];
  /** Colour by row-normalised rate (recall) instead of count (default true); cells always print counts. */
  normalize?: boolean;
}

/**
 * The confusion matrix (rows: true class, columns: predicted) as a heatmap with the count in
 * every cell and a colour bar; from train.confusionMatrix's output or nested arrays.
 */
export function confusionMatrix(matrix: Matrix, options: ConfusionOptions = {}): string {
  const op = 'plot.confusionMatrix';
  const m = rows(matrix, op);
  const n = m.length;
  const cls = names(n, options.classNames, op);
  const normalize = options.normalize ?? true;
  const rowSum = m.map((r) => r.reduce((a, b) => a + b, 0));
  const value = (i: number, j: number): number => (normalize ? (rowSum[i] > 0 ? m[i][j] / rowSum[i] : 0) : m[i][j]);
  const vmax = normalize ? 1 : Math.max(1, ...m.flat());
  const total = rowSum.reduce((a, b) => a + b, 0);
  const correct = m.reduce((a, r, i) => a + r[i], 0);
  const [w, h] = figureSize(options, 640, 600);
  const [r] = grid(w, h, 1);
  const barW = 70;
  const body = panel(r, {
    title: `accuracy ${total > 0 ? ((100 * correct) / total).toFixed(2) : '0.00'}% of ${total} samples`,
    x: { label: 'predicted class', categories: cls },
    y: { label: 'true class', categories: cls },
    grid: false,
    extraRight: barW,
    draw(sx, sy) {
      let out = '';
      const cw = Math.abs(sx(1) - sx(0)),
        ch = Math.abs(sy(1) - sy(0));
      const fs = Math.max(7, Math.min(13, cw / 4, ch / 1.8));
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const t = value(i, j) / vmax;
          out += el('rect', { x: sx(j - 0.5), y: sy(i - 0.5), width: cw, height: ch, fill: viridis(t), class: 'cell' });
          const [rr, gg, bb] = viridisRgb(t);
          const light = 0.299 * rr + 0.587 * gg + 0.114 * bb > 140;
          out += text(sx(j), sy(i) + fs * 0.35, String(m[i][j]), {
            'text-anchor': 'middle',
            'font-size': fs,
            fill: light ? '#000000' : '#ffffff',
            class: 'count',
          });
        }
      return out;
    },
    drawRight(area: Rect) {
      // the colour bar is this figure's legend: colour -> rate (or count)
      const x = area.x + area.w + 14;
      let out = '';
      const steps = 32;
      for (let k = 0; k < steps; k++) {
        const y = area.y + (area.h * k) / steps;
        out += el('rect', { x, y, width: 14, height: area.h / steps + 0.5, fill: viridis(1 - k / steps) });
      }
      out += el('rect', { x, y: area.y, width: 14, height: area.h, fill: 'none', stroke: '#333333' });
      for (const f of [0, 0.25, 0.5, 0.75, 1]) {
        const y = area.y + area.h * (1 - f);
        const label = normalize ? `${Math.round(f * 100)}%` : String(Math.round(f * vmax));
        out += el('line', { x1: x + 14, y1: y, x2: x + 18, y2: y, stroke: '#333333' });
        out += text(x + 20, y + 4, label, { 'font-size': 10 });
      }
      out += text(x, area.y - 6, normalize ? 'row %' : 'count', { 'font-size': 10 });
      return el('g', { class: 'legend colorbar' }, out);
    },
  });
  return svgDocument(w, h, options.title ?? 'Confusion matrix', body);
}

/** Options of classAccuracy. */
export interface ClassAccuracyOptions extends FigureOptions {
  /** Names of the classes for the axis (default: the class indices). */
  classNames?: readonly string[];
}

/**
 * Accuracy of each class (the diagonal over the row sums of a confusion matrix, or given
 * fractions in [0, 1]) as bars, with the overall accuracy as a dashed line.
 */
export function classAccuracy(input: Matrix | readonly number[], options: ClassAccuracyOptions = {}): string {
  const op = 'plot.classAccuracy';
  let acc: number[];
  let overall: number;
  if (Array.isArray(input) && (input.length === 0 || typeof input[0] === 'number')) {
    acc = [...(input as readonly number[])];
    if (acc.length === 0) throw new RangeError(`${op}: no classes`);
    if (acc.length > MAX_CLASSES)
      throw new RangeError(`${op}: ${acc.length} classes; at most ${MAX_CLASSES} fit in a figure`);
    acc.forEach((a, i) => {
      if (!(a >= 0 && a <= 1)) throw new RangeError(`${op}: accuracy of class ${i} must be in [0, 1], got ${a}`);
    });
    overall = acc.reduce((a, b) => a + b, 0) / acc.length;
  } else {
    const m = rows(input as Matrix, op);
    acc = m.map((r, i) => {
      const s = r.reduce((a, b) => a + b, 0);
      return s > 0 ? r[i] / s : 0;
    });
    const total = m.flat().reduce((a, b) => a + b, 0);
    overall = total > 0 ? m.reduce((a, r, i) => a + r[i], 0) / total : 0;
  }
  const cls = names(acc.length, options.classNames, op);
  const [w, h] = figureSize(options, 720, 420);
  const [r] = grid(w, h, 1);
  const body = panel(r, {
    x: { label: 'class', categories: cls },
    y: { label: 'accuracy (%)', min: 0, max: 100, fixed: true },
    legend: [
      { label: 'class accuracy', color: color(0), kind: 'box' },
      { label: `overall ${(overall * 100).toFixed(1)}%`, color: '#d62728', kind: 'dashed' },
    ],
    draw(sx, sy, area) {
      let out = '';
      const bw = Math.abs(sx(1) - sx(0)) * 0.7;
      acc.forEach((a, i) => {
        const y = sy(a * 100);
        out += el('rect', { x: sx(i) - bw / 2, y, width: bw, height: sy(0) - y, fill: color(0), class: 'bar' });
        if (bw > 22) out += text(sx(i), y - 4, (a * 100).toFixed(1), { 'text-anchor': 'middle', 'font-size': 10 });
      });
      const oy = sy(overall * 100);
      out += el('line', {
        x1: area.x,
        y1: oy,
        x2: area.x + area.w,
        y2: oy,
        stroke: '#d62728',
        'stroke-dasharray': '6,4',
      });
      return out;
    },
  });
  return svgDocument(w, h, options.title ?? 'Accuracy per class', body);
}
