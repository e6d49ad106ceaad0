/** Reductions over axes (sum, mean, max, min, arg-max/min, variance, logsumexp) and sumTo. */
import { record } from '../../autograd/engine.js';
import { getBackend, type ReduceOp } from '../../backend/index.js';
import { emptyUninit, f32Storage } from '../alloc.js';
import { fmt, normAxis, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, div, exp, log, mapBinary, mul, sub } from './elementwise.js';
import { expand, reshape } from './shape.js';

function normAxes(op: string, dim: number | number[] | undefined, rank: number): number[] {
  if (dim === undefined) return [...Array(rank).keys()];
  const list = Array.isArray(dim) ? dim : [dim];
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))];
  return out.sort((a, b) => a - b);
}

/** Options of the reductions (sum, mean, max, min, argmax, argmin, logsumexp). */
export interface ReduceOptions {
  /** Keep the reduced dims as size 1 (PyTorch's keepdim). Default false. */
  keepDim?: boolean;
}

/** Reads `{ keepDim }`; a bare boolean (the former positional form) is refused with the fix. */
export function keepDimOption(op: string, options: unknown): boolean {
  if (typeof options === 'boolean')
    throw new TypeError(`${op}: keepDim is an option: write x.${op}(dim, { keepDim: ${options} })`);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${op}: options must be an object like { keepDim: true }, got ${String(options)}`);
  for (const k of Object.keys(options))
    if (k !== 'keepDim') throw new TypeError(`${op}: unknown option '${k}' (known: keepDim)`);
  const keepDim = (options as ReduceOptions).keepDim ?? false;
  checkKeepDim(op, keepDim);
  return keepDim;
}

function checkKeepDim(op: string, keepDim: unknown): void {
  if (typeof keepDim !== 'boolean')
    throw new TypeError(
      `${op}: keepDim must be a boolean, got ${typeof keepDim === 'object' ? JSON.stringify(keepDim) : String(keepDim)}`,
    );
}

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function droppedShape(shape: readonly number[], axes: number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** Raw reduction of the consecutive axes first..last in one kernel call, keeping them as size 1. */
function reduceAxes(op: ReduceOp, x: Tensor, first: number, last: number): Tensor {
  const outer = sizeOf(x.shape.slice(0, first));
  const len = sizeOf(x.shape.slice(first, last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  const out = emptyUninit(x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)));
  getBackend().reduce(op, f32Storage(x), outer, len, inner, out.storageF32);
  return out;
}

function rawReduce(op: ReduceOp, name: string, x: Tensor, axes: number[]): Tensor {
  if ((op === 'max' || op === 'min') && axes.some((a) => x.shape[a] === 0)) {
    throw new RangeError(`${name}: cannot reduce an empty axis of a tensor of shape ${fmt(x.shape)}`);
  }
  let cur = x;
  // each run of consecutive axes (e.g. H, W of a bias gradient) is one kernel call
  for (let k = axes.length - 1; k >= 0; ) {
    let j = k;
    while (j > 0 && axes[j - 1] === axes[j] - 1) j--;
    cur = reduceAxes(op, cur, axes[j], axes[k]);
    k = j - 1;
  }
  if (cur === x) cur = new Tensor(Float32Array.from(x.data), x.shape);
  return cur;
}

/** Sums over axes (all when omitted). */
export function sum(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  checkKeepDim('sum', keepDim);
  const axes = normAxes('sum', dim, x.ndim);
  const kept = rawReduce('sum', 'sum', x, axes);
  const out = keepDim ? kept : reshape(kept.detach(), droppedShape(x.shape, axes));
  return record(out, 'sum', [x], (g) => [expand(reshape(g, keptShape(x.shape, axes)), x.shape.slice())]);
}

/** Mean over axes. */
export function mean(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  checkKeepDim('mean', keepDim);
  const axes = normAxes('mean', dim, x.ndim);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return mul(sum(x, axes, keepDim), 1 / count);
}

function extremum(op: 'max' | 'min', x: Tensor, dim: number | number[] | undefined, keepDim: boolean): Tensor {
  checkKeepDim(op, keepDim);
  const axes = normAxes(op, dim, x.ndim);
  const kept = rawReduce(op, op, x, axes);
  const out = keepDim ? kept : reshape(kept.detach(), droppedShape(x.shape, axes));
  return record(out, op, [x], (g) => {
    // the gradient is shared evenly by all elements equal to the extremum
    const mask = mapBinary(op, 'eq', x, kept);
    const count = rawReduce('sum', op, mask, axes);
    const share = div(reshape(g, keptShape(x.shape, axes)), count);
    return [mul(mask, share)];
  });
}

/** Max over axes (all when omitted). */
export function max(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  return extremum('max', x, dim, keepDim);
}
/** Min over axes (all when omitted). */
export function min(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  return extremum('min', x, dim, keepDim);
}

/**
 * torch.max / torch.min semantics: over everything when dim is omitted (a scalar), else
 * [values, indices] along one dim (indices int32, first extremum wins).
 */
export function extremumWithIndices(
  op: 'max' | 'min',
  x: Tensor,
  dim: unknown,
  options: unknown,
): Tensor | [Tensor, Tensor] {
  if (dim === undefined) {
    if (
      options !== undefined &&
      !(typeof options === 'object' && options !== null && Object.keys(options).length === 0)
    ) {
      throw new TypeError(
        `${op}: keepDim needs a dim; write x.${op}(dim, { keepDim: true }) or x.a${op}(undefined, { keepDim: true })`,
      );
    }
    return extremum(op, x, undefined, false);
  }
  if (typeof dim !== 'number')
    throw new TypeError(
      `${op}: dim must be one integer, got ${JSON.stringify(dim)}; for several dims use x.a${op}(dims)`,
    );
  const keepDim = keepDimOption(op, options);
  const values = extremum(op, x, dim, keepDim);
  // an empty tensor reduced along a non-empty dim has empty values and indices (as in PyTorch)
  if (values.size === 0) return [values, new Tensor(new Int32Array(0), values.shape)];
  return [values, argReduce(op === 'max' ? 'argmax' : 'argmin', x, dim, keepDim)];
}

/** argmax/argmin along a dim, or over the flattened tensor when axis is omitted; int32. */
export function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepDim: boolean): Tensor {
  checkKeepDim(op, keepDim);
  if (x.size === 0) throw new RangeError(`${op}: cannot take the ${op} of an empty tensor`);
  if (dim === undefined) {
    const out = new Int32Array(1);
    getBackend().argReduce(op, f32Storage(x), 1, x.size, 1, out);
    return new Tensor(out, keepDim ? x.shape.map(() => 1) : []);
  }
  const a = normAxis(op, dim, x.ndim);
  const outer = sizeOf(x.shape.slice(0, a)),
    len = x.shape[a],
    inner = sizeOf(x.shape.slice(a + 1));
  const out = new Int32Array(outer * inner);
  getBackend().argReduce(op, f32Storage(x), outer, len, inner, out);
  return new Tensor(out, keepDim ? keptShape(x.shape, [a]) : droppedShape(x.shape, [a]));
}

/** Variance over axes; unbiased divides by n-1 (Bessel), as torch.var does by default. */
export function variance(x: Tensor, dim: number | number[] | undefined, keepDim: boolean, unbiased: boolean): Tensor {
  checkKeepDim('var', keepDim);
  if (typeof unbiased !== 'boolean') throw new TypeError(`var: unbiased must be a boolean, got ${String(unbiased)}`);
  const axes = normAxes('var', dim, x.ndim);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const centered = sub(x, mean(x, axes, true));
  return div(sum(mul(centered, centered), axes, keepDim), Math.max(unbiased ? count - 1 : count, 0));
}

/** log(sum(exp(x), dim)), shifting by the max first so it never overflows. */
export function logsumexp(x: Tensor, dim: number, keepDim = false): Tensor {
  checkKeepDim('logsumexp', keepDim);
  const a = normAxis('logsumexp', dim, x.ndim);
  const m = rawReduce('max', 'logsumexp', x, [a]);
  // where the max is infinite the shift would give NaN; shift by 0 there
  const mf = m.f32;
  for (let i = 0; i < mf.length; i++) if (!Number.isFinite(mf[i])) mf[i] = 0;
  const s = add(log(sum(exp(sub(x, m)), a, true)), m);
  return keepDim ? s : reshape(s, droppedShape(x.shape, [a]));
}

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const r = axes.length > 0 ? rawReduce('sum', 'sumTo', g, axes) : g;
  return reshape(r, shape.slice());
}
