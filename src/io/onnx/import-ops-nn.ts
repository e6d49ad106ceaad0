/**
 * The layer ops of ONNX import, evaluated with convkit's functional ops so that autograd works:
 * Conv / ConvTranspose (1-D and 2-D; pads, auto_pad, strides, dilations, group, output_padding,
 * output_shape), MaxPool / AveragePool (ceil_mode, count_include_pad, asymmetric pads),
 * GlobalAveragePool / GlobalMaxPool, BatchNormalization, LRN and Gemm. ONNX padding that
 * PyTorch's functions cannot express (before != after, or more than half a pooling window) is
 * applied with an explicit pad first.
 */
import { fmt } from '../../tensor/shape.js';
import { pad } from '../../tensor/ops/shape.js';
import { matmul } from '../../tensor/ops/matmul.js';
import { ones } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { conv1d, conv2d, convTranspose1d, convTranspose2d } from '../../nn/functional/conv.js';
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../../nn/functional/pool.js';
import { batchNorm } from '../../nn/functional/normalization.js';
import { linear } from '../../nn/functional/linear.js';
import { type OpContext, type OpTable, floatIn, optFloatIn } from './import-op-context.js';

/** Spatial padding before and after each axis. */
interface Pads {
  begin: number[];
  end: number[];
}

/** A 2-entry list as PyTorch's (H, W) pair. */
const two = (v: readonly number[]): [number, number] => [v[0], v[1]];

const isSymmetric = (p: Pads): boolean => p.begin.every((b, i) => b === p.end[i]);

/** F.pad's list (last axis first) for spatial pads of an (N, C, ...) tensor. */
function torchPads(p: Pads): number[] {
  const out: number[] = [];
  for (let i = p.begin.length - 1; i >= 0; i--) out.push(p.begin[i], p.end[i]);
  return out;
}

/** A per-axis INTS attribute with `dims` entries of at least `min` (default `dflt`). */
function axisInts(ctx: OpContext, name: string, dims: number, dflt: number, min: number): number[] {
  const v = ctx.attrs.ints(name, new Array<number>(dims).fill(dflt));
  if (v.length !== dims) throw new RangeError(`${ctx.label}: ${name} [${v.join(', ')}] must have ${dims} entries`);
  for (const x of v) {
    if (x < min || x > 1 << 20) throw new RangeError(`${ctx.label}: ${name} [${v.join(', ')}] is out of range`);
  }
  return v;
}

/** Spatial rank of a conv or pool from its input, checked to be 1 or 2. */
function spatialRank(ctx: OpContext, x: Tensor, what: string): number {
  const dims = x.ndim - 2;
  if (dims !== 1 && dims !== 2)
    throw new RangeError(
      `${ctx.label}: ${what} supports 1-D and 2-D data, (N, C, L) or (N, C, H, W), got input shape ${fmt(x.shape)}`,
    );
  return dims;
}

/**
 * The pads of a conv or pool: explicit `pads`, or auto_pad SAME_UPPER / SAME_LOWER (output =
 * ceil(input / stride), the odd cell after resp. before) or VALID.
 */
function resolvePads(
  ctx: OpContext,
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): Pads {
  const dims = spatial.length;
  const auto = ctx.attrs.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET' || auto === '') {
    const p = ctx.attrs.ints('pads', new Array<number>(2 * dims).fill(0));
    if (p.length !== 2 * dims)
      throw new RangeError(`${ctx.label}: pads [${p.join(', ')}] must have ${2 * dims} entries`);
    if (p.some((v) => v < 0 || v > 1 << 20))
      throw new RangeError(`${ctx.label}: pads [${p.join(', ')}] are out of range`);
    return { begin: p.slice(0, dims), end: p.slice(dims) };
  }
  if (auto === 'VALID') return { begin: new Array<number>(dims).fill(0), end: new Array<number>(dims).fill(0) };
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER')
    throw new RangeError(`${ctx.label}: auto_pad '${auto}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const begin: number[] = [],
    end: number[] = [];
  for (let i = 0; i < dims; i++) {
    const out = Math.ceil(spatial[i] / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_UPPER' ? small : total - small);
    end.push(total - begin[i]);
  }
  return { begin, end };
}

/** Checks a kernel_shape attribute, when present, against the weight's kernel. */
function checkKernelAttr(ctx: OpContext, kernel: readonly number[]): void {
  if (!ctx.attrs.has('kernel_shape')) return;
  const k = ctx.attrs.ints('kernel_shape');
  if (k.length !== kernel.length || k.some((v, i) => v !== kernel[i]))
    throw new RangeError(
      `${ctx.label}: kernel_shape [${k.join(', ')}] does not match the weight's kernel ${fmt(kernel)}`,
    );
}

function conv(ctx: OpContext, inputs: readonly unknown[]): Tensor {
  let x = floatIn(ctx, inputs, 0, 'X');
  const w = floatIn(ctx, inputs, 1, 'W');
  const b = optFloatIn(ctx, inputs, 2, 'B');
  const dims = spatialRank(ctx, x, 'Conv');
  if (w.ndim !== dims + 2)
    throw new RangeError(`${ctx.label}: weight ${fmt(w.shape)} must have ${dims + 2} axes for input ${fmt(x.shape)}`);
  const kernel = w.shape.slice(2);
  checkKernelAttr(ctx, kernel);
  const strides = axisInts(ctx, 'strides', dims, 1, 1);
  const dilations = axisInts(ctx, 'dilations', dims, 1, 1);
  const groups = ctx.attrs.int('group', 1);
  const pads = resolvePads(ctx, x.shape.slice(2), kernel, strides, dilations);
  let padding = pads.begin;
  if (!isSymmetric(pads)) {
    x = pad(x, torchPads(pads));
    padding = padding.map(() => 0);
  }
  return dims === 2
    ? conv2d(x, w, b, { stride: two(strides), padding: two(padding), dilation: two(dilations), groups })
    : conv1d(x, w, b, { stride: strides[0], padding: padding[0], dilation: dilations[0], groups });
}

function convTranspose(ctx: OpContext, inputs: readonly unknown[]): Tensor {
  const x = floatIn(ctx, inputs, 0, 'X');
  const w = floatIn(ctx, inputs, 1, 'W');
  const b = optFloatIn(ctx, inputs, 2, 'B');
  const dims = spatialRank(ctx, x, 'ConvTranspose');
  if (w.ndim !== dims + 2)
    throw new RangeError(`${ctx.label}: weight ${fmt(w.shape)} must have ${dims + 2} axes for input ${fmt(x.shape)}`);
  const kernel = w.shape.slice(2);
  checkKernelAttr(ctx, kernel);
  const strides = axisInts(ctx, 'strides', dims, 1, 1);
  const dilations = axisInts(ctx, 'dilations', dims, 1, 1);
  const outPad = axisInts(ctx, 'output_padding', dims, 0, 0);
  const groups = ctx.attrs.int('group', 1);
  const spatial = x.shape.slice(2);
  // the full output (no padding) has (in - 1) * s + d (k - 1) + 1 cells per axis
  const full = spatial.map((n, i) => (n - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1);
  let pads: Pads;
  const auto = ctx.attrs.string('auto_pad', 'NOTSET');
  if (ctx.attrs.has('output_shape') || auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    let target = ctx.attrs.has('output_shape') ? ctx.attrs.ints('output_shape') : spatial.map((n, i) => n * strides[i]);
    if (target.length === dims + 2) target = target.slice(2);
    if (target.length !== dims)
      throw new RangeError(`${ctx.label}: output_shape [${target.join(', ')}] must have ${dims} spatial entries`);
    const total = target.map((t, i) => full[i] + outPad[i] - t);
    if (total.some((t) => t < 0))
      throw new RangeError(
        `${ctx.label}: output_shape [${target.join(', ')}] is larger than the full output ${fmt(full)}`,
      );
    // ONNX: SAME_UPPER puts the odd padding cell at the start of the output, else at the end
    const begin = total.map((t) => (auto === 'SAME_UPPER' ? t - Math.floor(t / 2) : Math.floor(t / 2)));
    pads = { begin, end: total.map((t, i) => t - begin[i]) };
  } else {
    pads = resolvePads(ctx, spatial, kernel, strides, dilations);
  }
  const simple = isSymmetric(pads) && outPad.every((p, i) => p < Math.max(strides[i], dilations[i]));
  if (simple) {
    if (dims === 2) {
      const o = { padding: two(pads.begin), outputPadding: two(outPad), dilation: two(dilations), groups };
      return convTranspose2d(x, w, b, { ...o, stride: two(strides) });
    }
    return convTranspose1d(x, w, b, {
      stride: strides[0],
      padding: pads.begin[0],
      outputPadding: outPad[0],
      dilation: dilations[0],
      groups,
    });
  }
  // general case: the full output, output_padding appended, pads cropped, then the bias
  let y =
    dims === 2
      ? convTranspose2d(x, w, null, { stride: two(strides), dilation: two(dilations), groups })
      : convTranspose1d(x, w, null, { stride: strides[0], dilation: dilations[0], groups });
  y = pad(y, torchPads({ begin: pads.begin.map((p) => -p), end: pads.end.map((p, i) => outPad[i] - p) }));
  if (b) y = y.add(b.reshape([b.shape[0], ...new Array<number>(dims).fill(1)]));
  return y;
}

function pool(ctx: OpContext, inputs: readonly unknown[], kind: 'max' | 'avg'): Tensor {
  let x = floatIn(ctx, inputs, 0, 'X');
  const dims = spatialRank(ctx, x, kind === 'max' ? 'MaxPool' : 'AveragePool');
  const kernel = ctx.attrs.ints('kernel_shape');
  if (kernel.length !== dims || kernel.some((k) => k < 1 || k > 1 << 20))
    throw new RangeError(`${ctx.label}: kernel_shape [${kernel.join(', ')}] must hold ${dims} positive sizes`);
  const strides = axisInts(ctx, 'strides', dims, 1, 1);
  const dilations = axisInts(ctx, 'dilations', dims, 1, 1);
  if (kind === 'avg' && dilations.some((d) => d !== 1))
    throw new RangeError(`${ctx.label}: AveragePool with dilations [${dilations.join(', ')}] is not supported`);
  const ceilMode = ctx.attrs.int('ceil_mode', 0) === 1;
  const countIncludePad = ctx.attrs.int('count_include_pad', 0) === 1;
  const pads = resolvePads(ctx, x.shape.slice(2), kernel, strides, dilations);
  const fits = isSymmetric(pads) && pads.begin.every((p, i) => p <= Math.floor(kernel[i] / 2));
  let padding = pads.begin;
  const run = (t: Tensor, incl: boolean): Tensor => {
    if (dims === 2) {
      const o = { kernelSize: two(kernel), stride: two(strides), padding: two(padding), ceilMode };
      return kind === 'max'
        ? maxPool2d(t, { ...o, dilation: two(dilations) })
        : avgPool2d(t, { ...o, countIncludePad: incl });
    }
    const o = { kernelSize: kernel[0], stride: strides[0], padding: padding[0], ceilMode };
    return kind === 'max'
      ? maxPool1d(t, { ...o, dilation: dilations[0] })
      : avgPool1d(t, { ...o, countIncludePad: incl });
  };
  if (fits) return run(x, countIncludePad);
  // padding PyTorch's pools cannot express: pad explicitly (with -inf for max pooling)
  padding = padding.map(() => 0);
  const tp = torchPads(pads);
  if (kind === 'max') return run(pad(x, tp, { value: -Infinity }), false);
  x = pad(x, tp);
  if (countIncludePad) return run(x, true);
  // average over the real cells only: window means of the padded data over those of a 0/1 mask
  const mask = pad(ones([1, 1, ...x.shape.slice(2).map((n, i) => n - pads.begin[i] - pads.end[i])]), tp);
  return run(x, true).div(run(mask, true));
}

function globalPool(ctx: OpContext, inputs: readonly unknown[], kind: 'max' | 'avg'): Tensor {
  const x = floatIn(ctx, inputs, 0, 'X');
  if (x.ndim < 3)
    throw new RangeError(`${ctx.label}: input must be (N, C, ...) with spatial axes, got ${fmt(x.shape)}`);
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  return kind === 'avg' ? x.mean(axes, { keepDim: true }) : x.amax(axes, { keepDim: true });
}

function batchNormalization(ctx: OpContext, inputs: readonly unknown[], outputs: number): Tensor {
  const x = floatIn(ctx, inputs, 0, 'X');
  const scale = floatIn(ctx, inputs, 1, 'scale');
  const bias = floatIn(ctx, inputs, 2, 'B');
  const mean = floatIn(ctx, inputs, 3, 'input_mean');
  const variance = floatIn(ctx, inputs, 4, 'input_var');
  if (outputs > 1 || ctx.attrs.int('training_mode', 0) !== 0)
    throw new RangeError(
      `${ctx.label}: training-mode BatchNormalization (running statistics as outputs) is not supported; export the model in eval mode`,
    );
  if (ctx.attrs.int('spatial', 1) !== 1)
    throw new RangeError(`${ctx.label}: BatchNormalization with spatial=0 is not supported`);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const momentum = ctx.attrs.float('momentum', 0.9);
  // convkit's module.train() uses batch statistics and updates the running ones, as PyTorch
  return batchNorm(x, mean, variance, scale, bias, { training: ctx.training, momentum: 1 - momentum, eps });
}

/**
 * ONNX LRN: y = x / (bias + alpha / size * sum of x^2 over the channels
 * [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta, a composite of tensor ops.
 */
function lrn(ctx: OpContext, inputs: readonly unknown[]): Tensor {
  const x = floatIn(ctx, inputs, 0, 'X');
  if (x.ndim < 3)
    throw new RangeError(`${ctx.label}: input must be (N, C, ...) with spatial axes, got ${fmt(x.shape)}`);
  const size = ctx.attrs.int('size');
  if (size < 1 || size > 1 << 16) throw new RangeError(`${ctx.label}: size ${size} must be a positive window size`);
  const alpha = ctx.attrs.float('alpha', 1e-4),
    beta = ctx.attrs.float('beta', 0.75),
    bias = ctx.attrs.float('bias', 1);
  const [n, c] = x.shape;
  const x3 = x.reshape([n, c, -1]);
  const lo = Math.floor((size - 1) / 2),
    hi = Math.ceil((size - 1) / 2);
  const padded = pad(x3.square(), [0, 0, lo, hi]);
  let window = padded.slice(1, 0, c);
  for (let d = 1; d < size; d++) window = window.add(padded.slice(1, d, d + c));
  return x3
    .div(
      window
        .mul(alpha / size)
        .add(bias)
        .pow(beta),
    )
    .reshape([...x.shape]);
}

function gemm(ctx: OpContext, inputs: readonly unknown[]): Tensor {
  const a = floatIn(ctx, inputs, 0, 'A');
  const b = floatIn(ctx, inputs, 1, 'B');
  const c = optFloatIn(ctx, inputs, 2, 'C');
  if (a.ndim !== 2 || b.ndim !== 2)
    throw new RangeError(`${ctx.label}: A and B must be matrices, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const transA = ctx.attrs.int('transA', 0) === 1,
    transB = ctx.attrs.int('transB', 0) === 1;
  const alpha = ctx.attrs.float('alpha', 1),
    beta = ctx.attrs.float('beta', 1);
  // the Linear layer's form, y = x W^T + b, in one fused call
  if (!transA && transB && alpha === 1 && (!c || (beta === 1 && c.ndim === 1 && c.shape[0] === b.shape[0])))
    return linear(a, b, c);
  let y = matmul(transA ? a.transpose(0, 1) : a, transB ? b.transpose(0, 1) : b);
  if (alpha !== 1) y = y.mul(alpha);
  if (c && beta !== 0) y = y.add(beta === 1 ? c : c.mul(beta));
  return y;
}

/** The layer ops by ONNX op type. */
export const NN_OPS: OpTable = {
  Conv: (ctx, ins) => [conv(ctx, ins)],
  ConvTranspose: (ctx, ins) => [convTranspose(ctx, ins)],
  MaxPool: (ctx, ins, outputs) => {
    if (outputs > 1) throw new RangeError(`${ctx.label}: MaxPool's Indices output is not supported`);
    return [pool(ctx, ins, 'max')];
  },
  AveragePool: (ctx, ins) => [pool(ctx, ins, 'avg')],
  GlobalAveragePool: (ctx, ins) => [globalPool(ctx, ins, 'avg')],
  GlobalMaxPool: (ctx, ins) => [globalPool(ctx, ins, 'max')],
  BatchNormalization: (ctx, ins, outputs) => [batchNormalization(ctx, ins, outputs)],
  LRN: (ctx, ins) => [lrn(ctx, ins)],
  Gemm: (ctx, ins) => [gemm(ctx, ins)],
};
