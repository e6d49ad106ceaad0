/**
 * Conv arithmetic with the formula filled in, as the lectures write it: the output size of a
 * convolution, a pooling window and a transposed convolution per spatial axis, including the
 * 'valid' / 'same' / 'full' paddings and dilation, the parameter count (k*k*Cin + 1)*Cout and
 * the multiply-accumulates. Used by `convkit arith` and by `layerArith` for a model's layers.
 * Errors are RangeError/TypeError naming the option at fault.
 */
import type { Module } from '../nn/module.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { AvgPool1d, AvgPool2d, LPPool1d, LPPool2d, MaxPool1d, MaxPool2d } from '../nn/layers/pooling.js';

/** A size per spatial axis: one number for every axis, or one per axis. */
export type AxisSizes = number | readonly number[];

/** The question: a window over an input (sizes without batch and channel axes). */
export interface ArithOptions {
  /** Input size per spatial axis: 32 is a 32x32 image, [32, 28] is H x W, [100] a 1-D signal. */
  input: AxisSizes;
  /** Kernel (window) size per axis. */
  kernel: AxisSizes;
  /** Step of the window (default 1; for pooling the kernel size). */
  stride?: AxisSizes;
  /** Padding per side, or 'valid' (0), 'same' (output = input, stride 1) or 'full' (d*(k-1) per side). Default 0. */
  padding?: AxisSizes | 'valid' | 'same' | 'full';
  /** Spacing of the kernel taps (default 1). */
  dilation?: AxisSizes;
  /** Transposed convolution only: extra cells on one side of the output (default 0). */
  outputPadding?: AxisSizes;
  /** Pooling only: round up (PyTorch's ceil_mode). Default false. */
  ceilMode?: boolean;
  /** Input channels (for parameters and MACs). */
  inChannels?: number;
  /** Output channels (for parameters and MACs). */
  outChannels?: number;
  /** Channel groups (default 1). */
  groups?: number;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
}

/** One spatial axis worked out. */
export interface AxisArith {
  /** Input size along this axis. */
  input: number;
  /** Kernel size along this axis. */
  kernel: number;
  /** Stride along this axis. */
  stride: number;
  /** Dilation along this axis. */
  dilation: number;
  /** Padding before the first element (top or left). */
  padBefore: number;
  /** Padding after the last element (bottom or right). */
  padAfter: number;
  /** Output size along this axis. */
  output: number;
  /** The formula, then the numbers filled in, then the result. */
  formula: string;
  /** Input cells past the last window (the floor drops them); 0 when the windows fit exactly. */
  uncovered: number;
}

/** The answer. */
export interface LayerArith {
  /** Which kind of layer. */
  kind: 'conv' | 'pool' | 'convTranspose' | 'linear';
  /** The arithmetic of each spatial axis (one for 1-D layers, [height, width] for 2-D). */
  axes: AxisArith[];
  /** Parameters (null without channel counts; 0 for pooling). */
  params: number | null;
  /** e.g. '(5*5*3 + 1)*10 = 760'. */
  paramsFormula: string | null;
  /** Multiply-accumulates per sample (null without channel counts). */
  macs: number | null;
  /** Output shape per sample ([C, ...spatial], or spatial only without outChannels). */
  outputShape: number[];
}

function sizes(op: string, name: string, v: unknown, dims: number, min: number): number[] {
  const vals = typeof v === 'number' ? new Array<number>(dims).fill(v) : Array.isArray(v) ? [...(v as number[])] : null;
  if (!vals || vals.length !== dims || vals.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
    throw new TypeError(
      `${op}: ${name} must be ${min >= 1 ? 'a positive' : 'a non-negative'} integer or ${dims} of them, got ${JSON.stringify(v)}`,
    );
  }
  return vals;
}

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new TypeError(`${op}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** One number is a square n x n image (the lectures' case); a list gives the axes (one for 1-D). */
function dimsOf(o: ArithOptions): number {
  return typeof o.input === 'number' ? 2 : o.input.length;
}

/** 'd*(k-1)' with numbers, or 'k-1' shapes when d = 1 are still printed in full, as the lectures do. */
function slidingAxis(
  n: number,
  k: number,
  s: number,
  pb: number,
  pa: number,
  d: number,
  ceil: boolean,
  op: string,
): AxisArith {
  const pad = pb === pa ? `2*${pb}` : `${pb} + ${pa}`;
  const padSym = pb === pa ? '2*p' : 'p_before + p_after';
  const span = n + pb + pa - d * (k - 1) - 1;
  if (span < 0) {
    throw new RangeError(
      `${op}: the kernel ${k} (dilation ${d}, effective size ${d * (k - 1) + 1}) does not fit in the padded input ${n + pb + pa} (input ${n}, padding ${pb === pa ? pb : `${pb}+${pa}`}); use a smaller kernel or more padding`,
    );
  }
  const round = ceil ? 'ceil' : 'floor';
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  let note = '';
  if (ceil && (out - 1) * s >= n + pb) {
    out--;
    note = ` - 1 (the last window would start in the right padding, so PyTorch drops it) = ${out}`;
  }
  const raw = ceil ? Math.ceil(span / s) : Math.floor(span / s);
  const formula =
    `out = ${round}((n + ${padSym} - d*(k-1) - 1)/s) + 1 = ${round}((${n} + ${pad} - ${d}*(${k}-1) - 1)/${s}) + 1` +
    ` = ${round}(${span}/${s}) + 1 = ${raw + 1}${note}`;
  return {
    input: n,
    kernel: k,
    stride: s,
    dilation: d,
    padBefore: pb,
    padAfter: pa,
    output: out,
    formula,
    uncovered: ceil ? 0 : span % s,
  };
}

function resolvePad(
  op: string,
  o: ArithOptions,
  k: number[],
  d: number[],
  s: number[],
): { before: number[]; after: number[] } {
  const dims = k.length;
  const p = o.padding ?? 0;
  if (typeof p === 'string') {
    const total = k.map((kk, i) => d[i] * (kk - 1));
    if (p === 'valid') return { before: total.map(() => 0), after: total.map(() => 0) };
    if (p === 'full') return { before: total, after: total.slice() };
    if (p === 'same') {
      if (s.some((x) => x !== 1))
        throw new RangeError(`${op}: padding 'same' needs stride 1, got stride ${s.join('x')} (give a number instead)`);
      const before = total.map((t) => Math.floor(t / 2));
      return { before, after: total.map((t, i) => t - before[i]) };
    }
    throw new TypeError(`${op}: padding must be a non-negative integer, 'valid', 'same' or 'full', got '${p}'`);
  }
  const v = sizes(op, 'padding', p, dims, 0);
  return { before: v, after: v.slice() };
}

function product(v: readonly number[]): number {
  return v.reduce((a, b) => a * b, 1);
}

/** 'k*k' for a square kernel of numbers ('5*5'), or '3*5'. */
function kernelProduct(k: readonly number[]): string {
  return k.join('*');
}

function channels(op: string, o: ArithOptions): { cin: number; cout: number; g: number } | null {
  if (o.inChannels === undefined && o.outChannels === undefined) return null;
  if (o.inChannels === undefined || o.outChannels === undefined)
    throw new TypeError(`${op}: give both inChannels and outChannels (or neither)`);
  const cin = positive(op, 'inChannels', o.inChannels),
    cout = positive(op, 'outChannels', o.outChannels),
    g = positive(op, 'groups', o.groups ?? 1);
  if (cin % g !== 0 || cout % g !== 0)
    throw new RangeError(`${op}: inChannels ${cin} and outChannels ${cout} must both be divisible by groups ${g}`);
  return { cin, cout, g };
}

/** Output size, parameters and MACs of a convolution (Conv1d/Conv2d), formulas filled in. */
export function convArith(o: ArithOptions): LayerArith {
  const op = 'conv';
  const dims = dimsOf(o);
  const n = sizes(op, 'input', o.input, dims, 1),
    k = sizes(op, 'kernel', o.kernel, dims, 1),
    s = sizes(op, 'stride', o.stride ?? 1, dims, 1),
    d = sizes(op, 'dilation', o.dilation ?? 1, dims, 1);
  const pad = resolvePad(op, o, k, d, s);
  const axes = n.map((nn, i) => slidingAxis(nn, k[i], s[i], pad.before[i], pad.after[i], d[i], false, op));
  const ch = channels(op, o);
  const out = axes.map((a) => a.output);
  if (!ch) return { kind: 'conv', axes, params: null, paramsFormula: null, macs: null, outputShape: out };
  const bias = o.bias ?? true;
  const perOut = product(k) * (ch.cin / ch.g);
  const params = (perOut + (bias ? 1 : 0)) * ch.cout;
  const cinTerm = ch.g === 1 ? `${ch.cin}` : `(${ch.cin}/${ch.g})`;
  const paramsFormula = bias
    ? `(${kernelProduct(k)}*${cinTerm} + 1)*${ch.cout} = ${params}`
    : `${kernelProduct(k)}*${cinTerm}*${ch.cout} = ${params}`;
  return {
    kind: 'conv',
    axes,
    params,
    paramsFormula,
    macs: product(out) * ch.cout * perOut,
    outputShape: [ch.cout, ...out],
  };
}

/** Output size of a pooling window (stride defaults to the window, as in PyTorch). */
export function poolArith(o: ArithOptions): LayerArith {
  const op = 'pool';
  const dims = dimsOf(o);
  const n = sizes(op, 'input', o.input, dims, 1),
    k = sizes(op, 'kernel', o.kernel, dims, 1),
    s = sizes(op, 'stride', o.stride ?? o.kernel, dims, 1),
    d = sizes(op, 'dilation', o.dilation ?? 1, dims, 1);
  if (typeof o.padding === 'string')
    throw new TypeError(
      `pool: padding must be a number for pooling (PyTorch has no '${o.padding}' pooling), got '${o.padding}'`,
    );
  const p = sizes(op, 'padding', o.padding ?? 0, dims, 0);
  p.forEach((pp, i) => {
    if (pp > (d[i] * (k[i] - 1) + 1) / 2)
      throw new RangeError(
        `pool: padding ${pp} must be at most half the window (${d[i] * (k[i] - 1) + 1}/2), as in PyTorch`,
      );
  });
  const axes = n.map((nn, i) => slidingAxis(nn, k[i], s[i], p[i], p[i], d[i], o.ceilMode ?? false, op));
  const out = axes.map((a) => a.output);
  const shape = o.inChannels === undefined ? out : [positive(op, 'inChannels', o.inChannels), ...out];
  return { kind: 'pool', axes, params: 0, paramsFormula: 'pooling has no parameters: 0', macs: 0, outputShape: shape };
}

/** Output size and parameters of a transposed convolution: (n-1)*s - 2p + d*(k-1) + output_padding + 1. */
export function convTransposeArith(o: ArithOptions): LayerArith {
  const op = 'convTranspose';
  const dims = dimsOf(o);
  const n = sizes(op, 'input', o.input, dims, 1),
    k = sizes(op, 'kernel', o.kernel, dims, 1),
    s = sizes(op, 'stride', o.stride ?? 1, dims, 1),
    d = sizes(op, 'dilation', o.dilation ?? 1, dims, 1),
    op_ = sizes(op, 'outputPadding', o.outputPadding ?? 0, dims, 0);
  if (typeof o.padding === 'string')
    throw new TypeError(`convTranspose: padding must be a number (no '${o.padding}' for transposed convolutions)`);
  const p = sizes(op, 'padding', o.padding ?? 0, dims, 0);
  const axes = n.map((nn, i): AxisArith => {
    if (op_[i] >= Math.max(s[i], d[i]))
      throw new RangeError(
        `convTranspose: outputPadding ${op_[i]} must be smaller than the stride ${s[i]} or the dilation ${d[i]}`,
      );
    const out = (nn - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op_[i] + 1;
    if (out < 1) throw new RangeError(`convTranspose: padding ${p[i]} leaves no output (${out}) for input ${nn}`);
    const formula = `out = (n - 1)*s - 2*p + d*(k-1) + output_padding + 1 = (${nn} - 1)*${s[i]} - 2*${p[i]} + ${d[i]}*(${k[i]}-1) + ${op_[i]} + 1 = ${out}`;
    return {
      input: nn,
      kernel: k[i],
      stride: s[i],
      dilation: d[i],
      padBefore: p[i],
      padAfter: p[i],
      output: out,
      formula,
      uncovered: 0,
    };
  });
  const ch = channels(op, o);
  const out = axes.map((a) => a.output);
  if (!ch) return { kind: 'convTranspose', axes, params: null, paramsFormula: null, macs: null, outputShape: out };
  const bias = o.bias ?? true;
  const w = product(k) * (ch.cout / ch.g) * ch.cin;
  const params = w + (bias ? ch.cout : 0);
  const coutTerm = ch.g === 1 ? `${ch.cout}` : `(${ch.cout}/${ch.g})`;
  const paramsFormula = `${kernelProduct(k)}*${coutTerm}*${ch.cin}${bias ? ` + ${ch.cout}` : ''} = ${params}`;
  return { kind: 'convTranspose', axes, params, paramsFormula, macs: product(n) * w, outputShape: [ch.cout, ...out] };
}

function opt(v: unknown): AxisSizes | undefined {
  return v === undefined || v === null ? undefined : (v as AxisSizes);
}

/**
 * The arithmetic of one layer of a model for its input shape (N, C, ...spatial): Conv, transposed
 * Conv, pooling and Linear layers; null for other layers.
 */
export function layerArith(m: Module, inputShape: readonly number[]): LayerArith | null {
  const spatial = inputShape.slice(2);
  if (m instanceof Conv2d || m instanceof Conv1d) {
    const o = m.options as Record<string, unknown>;
    return convArith({
      input: spatial,
      kernel: m.kernelSize,
      stride: opt(o.stride),
      padding: o.padding as ArithOptions['padding'],
      dilation: opt(o.dilation),
      inChannels: m.inChannels,
      outChannels: m.outChannels,
      groups: m.groups,
      bias: m.bias !== null,
    });
  }
  if (m instanceof ConvTranspose2d || m instanceof ConvTranspose1d) {
    const o = m.options as Record<string, unknown>;
    return convTransposeArith({
      input: spatial,
      kernel: m.kernelSize,
      stride: opt(o.stride),
      padding: opt(o.padding),
      dilation: opt(o.dilation),
      outputPadding: opt(o.outputPadding),
      inChannels: m.inChannels,
      outChannels: m.outChannels,
      groups: m.groups,
      bias: m.bias !== null,
    });
  }
  if (
    m instanceof MaxPool2d ||
    m instanceof MaxPool1d ||
    m instanceof AvgPool2d ||
    m instanceof AvgPool1d ||
    m instanceof LPPool2d ||
    m instanceof LPPool1d
  ) {
    const o = m.options as Record<string, unknown>;
    return poolArith({
      input: spatial,
      kernel: m.kernelSize as AxisSizes,
      stride: opt(o.stride),
      padding: opt(o.padding),
      dilation: opt(o.dilation),
      ceilMode: o.ceilMode === true,
      inChannels: inputShape[1],
    });
  }
  if (m instanceof Linear) {
    const bias = m.bias !== null;
    const params = (m.inFeatures + (bias ? 1 : 0)) * m.outFeatures;
    return {
      kind: 'linear',
      axes: [],
      params,
      paramsFormula: bias
        ? `(${m.inFeatures} + 1)*${m.outFeatures} = ${params}`
        : `${m.inFeatures}*${m.outFeatures} = ${params}`,
      macs: (product(inputShape.slice(1)) / m.inFeatures) * m.inFeatures * m.outFeatures,
      outputShape: [...inputShape.slice(1, -1), m.outFeatures],
    };
  }
  return null;
}
