/**
 * Sliding-window pooling with PyTorch's semantics: max pooling (the backward pass routes each
 * gradient to the argmax stored in the forward pass), average pooling, and power-average
 * (Lp, e.g. L2) pooling. 1-D ops are the 2-D ones with height 1. Inputs may be batched
 * (N, C, ...) or not (C, ...).
 */
import { isGradEnabled, record } from '../../autograd/engine.js';
import { getBackend, type Pool2dGeometry } from '../../backend/index.js';
import { gpuKernels, poolZero } from '../../backend/webgpu/residency.js';
import { emptyUninit } from '../../tensor/alloc.js';
import { Tensor } from '../../tensor/tensor.js';
import { boolOpt, checkOptionNames, show, type Size1, type Size2 } from './conv-args.js';
import { liftPoolInput, poolGeometry, poolOptions, unliftPool, windowArgs, type PoolInput } from './pool-args.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Options of `maxPool2d` (PyTorch names, camelCase). */
export interface MaxPool2dOptions {
  /** Window size, a number or [kH, kW]. */
  kernelSize: Size2;
  /** Window step; defaults to kernelSize. */
  stride?: Size2 | null;
  /** Implicit -infinity padding per side, at most half the kernel. Default 0. */
  padding?: Size2;
  /** Spacing between window taps. Default 1. */
  dilation?: Size2;
  /** Round the output size up (a last partial window that starts inside the input). Default false. */
  ceilMode?: boolean;
  /** Also return the argmax indices (flat h*W+w within each plane). Default false. */
  returnIndices?: boolean;
}

/** Options of `maxPool1d`. */
export interface MaxPool1dOptions {
  /** Window size. */
  kernelSize: Size1;
  /** Window step; defaults to kernelSize. */
  stride?: Size1 | null;
  /** Implicit -infinity padding per side. Default 0. */
  padding?: Size1;
  /** Spacing between window taps. Default 1. */
  dilation?: Size1;
  /** Round the output size up. Default false. */
  ceilMode?: boolean;
  /** Also return the argmax indices. Default false. */
  returnIndices?: boolean;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Window size, a number or [kH, kW]. */
  kernelSize: Size2;
  /** Window step; defaults to kernelSize. */
  stride?: Size2 | null;
  /** Implicit zero padding per side, at most half the kernel. Default 0. */
  padding?: Size2;
  /** Round the output size up. Default false. */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor. Default true (as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this number instead. */
  divisorOverride?: number | null;
}

/** Options of `avgPool1d`. */
export interface AvgPool1dOptions {
  /** Window size. */
  kernelSize: Size1;
  /** Window step; defaults to kernelSize. */
  stride?: Size1 | null;
  /** Implicit zero padding per side. Default 0. */
  padding?: Size1;
  /** Round the output size up. Default false. */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor. Default true. */
  countIncludePad?: boolean;
}

const MAX_OPTIONS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] as const;
const AVG2_OPTIONS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;
const AVG1_OPTIONS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad'] as const;

let scratch = new Int32Array(0);

/** A reusable index buffer of n entries for max pooling whose indices are not kept. */
function scratchIndices(n: number): Int32Array {
  if (scratch.length < n) scratch = new Int32Array(n);
  return scratch.subarray(0, n);
}

function maxPoolNd(op: string, dims: number, xIn: unknown, options: unknown): Tensor | [Tensor, Tensor] {
  const o = poolOptions(op, options, MAX_OPTIONS);
  const p = liftPoolInput(op, dims, xIn);
  const args = windowArgs(op, dims, o);
  if (o.returnIndices !== undefined && typeof o.returnIndices !== 'boolean')
    throw new TypeError(`${op}: returnIndices must be true or false, got ${show(o.returnIndices)}`);
  const g = poolGeometry(op, p, args);
  const x4 = p.x4;
  const y = emptyUninit([g.n, g.c, g.outH, g.outW]);
  // the argmax indices outlive the call only for backward or returnIndices; else reuse scratch
  const keep = o.returnIndices === true || (x4.requiresGrad && isGradEnabled());
  // (on the GPU: a new zero-filled array the device creates itself, never a scratch view to upload)
  const idx = keep || gpuKernels.active ? new Int32Array(y.size) : scratchIndices(y.size);
  if (gpuKernels.active) poolZero(idx);
  getBackend().maxPool2d(x4.storageF32, g, y.storageF32, idx);
  const out = record(y, op, [x4], (dy) => {
    const dx = emptyUninit(x4.shape);
    getBackend().maxPool2dBackward(dy.storageF32, idx, g, dx.storageF32);
    return [dx];
  });
  const values = unliftPool(out, p);
  if (o.returnIndices !== true) return values;
  return [values, new Tensor(idx, values.shape)];
}

/** Max pooling over (N, C, H, W) or (C, H, W); `maxPool2d(x, 2)` is a 2x2 window with stride 2. */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, options: Size2 | (MaxPool2dOptions & { returnIndices?: false })): Tensor;
export function maxPool2d(x: Tensor, options: Size2 | MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function maxPool2d(x: Tensor, options: Size2 | MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  expectTensor('maxPool2d', 'input', x);
  return maxPoolNd('maxPool2d', 2, x, options);
}

/** Max pooling over (N, C, L) or (C, L). */
export function maxPool1d(x: Tensor, options: MaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(x: Tensor, options: Size1 | (MaxPool1dOptions & { returnIndices?: false })): Tensor;
export function maxPool1d(x: Tensor, options: Size1 | MaxPool1dOptions): Tensor | [Tensor, Tensor];
export function maxPool1d(x: Tensor, options: Size1 | MaxPool1dOptions): Tensor | [Tensor, Tensor] {
  expectTensor('maxPool1d', 'input', x);
  return maxPoolNd('maxPool1d', 1, x, options);
}

/** Per output cell, the number of window cells inside the unpadded input (for divisorOverride). */
function validCounts(g: Pool2dGeometry): Float32Array {
  const span = (o: number, s: number, p: number, k: number, n: number): number => {
    const start = o * s - p;
    return Math.max(0, Math.min(start + k, n) - Math.max(start, 0));
  };
  const c = new Float32Array(g.outH * g.outW);
  for (let oh = 0; oh < g.outH; oh++) {
    const rows = span(oh, g.strideH, g.padTop, g.kh, g.h);
    for (let ow = 0; ow < g.outW; ow++) c[oh * g.outW + ow] = rows * span(ow, g.strideW, g.padLeft, g.kw, g.w);
  }
  return c;
}

/** Multiplies each (outH, outW) plane of t in place by scale: one broadcasting mul kernel. */
function scalePlanes(t: Float32Array, scale: Float32Array): void {
  if (scale.length === 0) return;
  const shape = [t.length / scale.length, scale.length];
  getBackend().binary('mul', t, shape, scale, [1, scale.length], t, shape);
}

/** countIncludePad (default true) and divisorOverride (null or a non-zero number) of an average pool. */
function avgExtras(op: string, o: Record<string, unknown>): { countIncludePad: boolean; div: number | null } {
  const countIncludePad = o.countIncludePad === undefined ? true : o.countIncludePad;
  if (typeof countIncludePad !== 'boolean')
    throw new TypeError(`${op}: countIncludePad must be true or false, got ${show(countIncludePad)}`);
  const div = o.divisorOverride ?? null;
  if (div !== null && (typeof div !== 'number' || !Number.isFinite(div) || div === 0)) {
    throw new TypeError(`${op}: divisorOverride must be a non-zero number, got ${show(div)}`);
  }
  return { countIncludePad, div: div as number | null };
}

/**
 * Checks pooling options without an input (layer constructors): option names, kernelSize,
 * stride, padding (at most half the kernel), dilation, ceilMode and the kind's own flags.
 */
export function checkPoolOptions(op: string, dims: number, kind: 'max' | 'avg', options: unknown): void {
  const allowed = kind === 'max' ? MAX_OPTIONS : dims === 2 ? AVG2_OPTIONS : AVG1_OPTIONS;
  const o = poolOptions(op, options, allowed);
  windowArgs(op, dims, kind === 'avg' ? { ...o, dilation: 1 } : o);
  if (kind === 'avg') avgExtras(op, o);
  else if (o.returnIndices !== undefined && typeof o.returnIndices !== 'boolean')
    throw new TypeError(`${op}: returnIndices must be true or false, got ${show(o.returnIndices)}`);
}

function avgPoolNd(op: string, dims: number, xIn: unknown, options: unknown, allowed: readonly string[]): Tensor {
  const o = poolOptions(op, options, allowed);
  const p: PoolInput = liftPoolInput(op, dims, xIn);
  const args = windowArgs(op, dims, { ...o, dilation: 1 });
  const { countIncludePad, div } = avgExtras(op, o);
  const g = poolGeometry(op, p, args);
  const x4 = p.x4;
  // with a divisor override: average over the in-bounds cells, then rescale count/divisor
  const scale = div === null ? null : validCounts(g).map((c) => c / div);
  const inclPad = scale ? false : countIncludePad;
  const y = emptyUninit([g.n, g.c, g.outH, g.outW]);
  getBackend().avgPool2d(x4.storageF32, g, inclPad, y.storageF32);
  if (scale) scalePlanes(y.storageF32, scale);
  const out = record(y, op, [x4], (dy) => {
    let gy = dy.storageF32;
    if (scale) {
      gy = Float32Array.from(dy.f32);
      scalePlanes(gy, scale);
    }
    const dx = emptyUninit(x4.shape);
    getBackend().avgPool2dBackward(gy, g, inclPad, dx.storageF32);
    return [dx];
  });
  return unliftPool(out, p);
}

/** Average pooling over (N, C, H, W) or (C, H, W). */
export function avgPool2d(x: Tensor, options: Size2 | AvgPool2dOptions): Tensor {
  expectTensor('avgPool2d', 'input', x);
  return avgPoolNd('avgPool2d', 2, x, options, AVG2_OPTIONS);
}

/** Average pooling over (N, C, L) or (C, L). */
export function avgPool1d(x: Tensor, options: Size1 | AvgPool1dOptions): Tensor {
  expectTensor('avgPool1d', 'input', x);
  return avgPoolNd('avgPool1d', 1, x, options, AVG1_OPTIONS);
}

/** Options of `lpPool2d` (the norm and the window size are positional). */
export interface LPPool2dOptions {
  /** Window step; defaults to kernelSize. */
  stride?: Size2 | null;
  /** Round the output size up. Default false. */
  ceilMode?: boolean;
}

/** Options of `lpPool1d`. */
export interface LPPool1dOptions {
  /** Window step; defaults to kernelSize. */
  stride?: Size1 | null;
  /** Round the output size up. Default false. */
  ceilMode?: boolean;
}

const LP_OPTIONS = ['stride', 'ceilMode'] as const;

/** Checks normType and the options of an Lp pool; returns the window options for avgPoolNd. */
export function lpPoolArgs(
  op: string,
  dims: number,
  normType: unknown,
  kernelSize: unknown,
  options: unknown,
): Record<string, unknown> {
  if (typeof normType !== 'number' || !Number.isFinite(normType) || normType <= 0) {
    throw new TypeError(`${op}: normType must be a positive finite number, got ${show(normType)}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `${op}: options must be an object like { stride, ceilMode }, got ${show(options)} (stride and ceilMode are no longer positional; see CHANGELOG.md)`,
    );
  }
  checkOptionNames(op, options, LP_OPTIONS);
  const o = options as Record<string, unknown>;
  const opts = { kernelSize, stride: o.stride ?? null, ceilMode: boolOpt(op, 'ceilMode', o.ceilMode, false) };
  windowArgs(op, dims, opts);
  return opts;
}

function lpPoolNd(
  op: string,
  dims: number,
  x: Tensor,
  normType: number,
  kernelSize: Size2 | Size1,
  options: unknown,
): Tensor {
  const opts = lpPoolArgs(op, dims, normType, kernelSize, options);
  const area = windowArgs(op, dims, opts).kernel.reduce((s, v) => s * v, 1);
  // PyTorch: (sign(a) * relu(|a|) * kernel area) ^ (1/p) with a = avg_pool(x^p)
  const pooled = avgPoolNd(op, dims, x.pow(normType), opts, AVG1_OPTIONS);
  return pooled
    .sign()
    .mul(pooled.abs().relu())
    .mul(area)
    .pow(1 / normType);
}

/**
 * Power-average pooling over (N, C, H, W): (sum of x^p over the window)^(1/p); p = 2 is L2
 * pooling. As torch.nn.functional.lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode).
 */
export function lpPool2d(x: Tensor, normType: number, kernelSize: Size2, options: LPPool2dOptions = {}): Tensor {
  expectTensor('lpPool2d', 'input', x);
  return lpPoolNd('lpPool2d', 2, x, normType, kernelSize, options);
}

/** Power-average pooling over (N, C, L): (sum of x^p over the window)^(1/p). */
export function lpPool1d(x: Tensor, normType: number, kernelSize: Size1, options: LPPool1dOptions = {}): Tensor {
  expectTensor('lpPool1d', 'input', x);
  return lpPoolNd('lpPool1d', 1, x, normType, kernelSize, options);
}
