/**
 * Argument parsing shared by the convolution and pooling ops: PyTorch-style "a number or a
 * tuple" options, padding strings ('valid' | 'same' | 'full'), and the output-size formula
 * from the lectures, floor((n + 2p - d(k-1) - 1) / s) + 1. Every error names the op and the
 * option at fault.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** One size per spatial axis: a number (used for every axis) or a tuple, as in PyTorch. */
export type Size2 = number | readonly [number, number];
/** A 1-D size: a number or a one-element tuple. */
export type Size1 = number | readonly [number];
/** Padding given by name: no padding, output as large as the input, or kernel-1 per side. */
export type PaddingString = 'valid' | 'same' | 'full';
/** How a convolution fills its border (PyTorch's padding_mode). */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Formats an option value for an error message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** Rejects a non-object options argument and unknown option names (typos like padding_mode). */
export function checkOptionNames(op: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${op}: options must be an object, got ${show(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option '${key}' (known: ${allowed.join(', ')})`);
  }
}

/**
 * Reads an integer option given as a number or a tuple of `dims` numbers and returns one
 * value per axis. `min` is the smallest accepted value (1 for sizes/strides, 0 for padding).
 */
export function intTuple(op: string, name: string, v: unknown, dims: number, min: number): number[] {
  const what = min >= 1 ? 'a positive integer' : 'a non-negative integer';
  const tuple = dims === 1 ? 'a 1-tuple' : `a ${dims}-tuple`;
  const bad = (): never => {
    throw new TypeError(`${op}: ${name} must be ${what} or ${tuple} of them, got ${show(v)}`);
  };
  let vals: number[];
  if (typeof v === 'number') vals = new Array<number>(dims).fill(v);
  else if (Array.isArray(v) && v.length === dims) vals = v as number[];
  else return bad();
  for (const x of vals) if (typeof x !== 'number' || !Number.isInteger(x) || x < min) bad();
  return vals.slice();
}

/** Reads a boolean option. */
export function boolOpt(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${show(v)}`);
  return v;
}

/** Reads a positive integer option (groups). */
export function positiveInt(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new TypeError(`${op}: ${name} must be a positive integer, got ${show(v)}`);
  return v;
}

/** Checks that x is a float32 Tensor (named `what` in messages). */
export function checkTensor(op: string, what: string, x: unknown): Tensor {
  expectTensor(op, what, x);
  if (x.dtype !== 'float32')
    throw new TypeError(`${op}: ${what} must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  return x;
}

/** Padding before and after each spatial axis. */
export interface ResolvedPadding {
  before: number[];
  after: number[];
}

/**
 * Resolves `padding` for kernels `k` and dilations `d`. 'same' pads d*(k-1) in total per axis,
 * the extra cell going after (right/bottom) for even kernels, exactly like PyTorch.
 */
export function resolvePadding(
  op: string,
  padding: unknown,
  k: readonly number[],
  d: readonly number[],
): ResolvedPadding {
  const dims = k.length;
  if (padding === undefined) return { before: new Array<number>(dims).fill(0), after: new Array<number>(dims).fill(0) };
  if (typeof padding === 'string') {
    const total = k.map((kk, i) => d[i] * (kk - 1));
    if (padding === 'valid') return { before: total.map(() => 0), after: total.map(() => 0) };
    if (padding === 'full') return { before: total.slice(), after: total.slice() };
    if (padding === 'same') {
      const before = total.map((t) => Math.floor(t / 2));
      return { before, after: total.map((t, i) => t - before[i]) };
    }
    throw new TypeError(
      `${op}: padding must be a non-negative integer, a ${dims}-tuple, 'valid', 'same' or 'full', got ${show(padding)}`,
    );
  }
  const p = intTuple(op, 'padding', padding, dims, 0);
  return { before: p, after: p.slice() };
}

/**
 * Output length of a sliding window (convolution or pooling) along one axis, PyTorch's
 * pooling_output_shape: floor((n + padBefore + padAfter - d(k-1) - 1 + (ceilMode ? s-1 : 0)) / s) + 1,
 * rounding towards minus infinity, so with ceilMode a dilated window longer than the padded input
 * still gives one output when it starts inside it; the last window must start inside the input or
 * the left padding. 0 or less means no output.
 */
export function slidingOutputSize(
  n: number,
  k: number,
  s: number,
  padBefore: number,
  padAfter: number,
  d: number,
  ceilMode = false,
): number {
  const span = n + padBefore + padAfter - d * (k - 1) - 1;
  let out = Math.floor((span + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && out > 0 && (out - 1) * s >= n + padBefore) out--;
  return Math.max(out, 0);
}

/** Options of `convOutputSize`. */
export interface ConvOutputSizeOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding on each side, or 'valid', 'same' or 'full' (default 0). */
  padding?: number | PaddingString;
  /** Dilation (default 1). */
  dilation?: number;
  /** Round up instead of down (pooling's ceil_mode). */
  ceilMode?: boolean;
}

/**
 * The lectures' output-size formula, floor((n + 2p - d(k-1) - 1)/s) + 1, e.g. a 32x32 input
 * with a 3x3 kernel gives 30 (p=0, s=1), 32 (p=1, s=1) and 17 (p=2, s=2).
 */
export function convOutputSize(inputSize: number, kernelSize: number, options: ConvOutputSizeOptions = {}): number {
  const op = 'convOutputSize';
  checkOptionNames(op, options, ['stride', 'padding', 'dilation', 'ceilMode']);
  const [n] = intTuple(op, 'inputSize', inputSize, 1, 0);
  const [k] = intTuple(op, 'kernelSize', kernelSize, 1, 1);
  const [s] = intTuple(op, 'stride', options.stride ?? 1, 1, 1);
  const [d] = intTuple(op, 'dilation', options.dilation ?? 1, 1, 1);
  const pad = resolvePadding(op, options.padding, [k], [d]);
  if (options.padding === 'same' && s !== 1)
    throw new RangeError(`${op}: padding='same' needs stride 1, got stride ${s}`);
  const out = slidingOutputSize(
    n,
    k,
    s,
    pad.before[0],
    pad.after[0],
    d,
    boolOpt(op, 'ceilMode', options.ceilMode, false),
  );
  if (out < 1) {
    throw new RangeError(
      `${op}: kernel ${k} (dilation ${d}, effective size ${d * (k - 1) + 1}) does not fit in the padded input of size ${n + pad.before[0] + pad.after[0]}`,
    );
  }
  return out;
}
