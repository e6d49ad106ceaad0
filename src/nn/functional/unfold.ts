/**
 * `F.unfold` (im2col) and `F.fold` (col2im), as torch.nn.functional.unfold / fold: unfold copies
 * every sliding window of an (N, C, H, W) input into a column of an (N, C*kH*kW, L) tensor, L
 * being the number of window positions; fold sums such columns back into an (N, C, H, W) image
 * (overlapping cells add up). Each is the other's adjoint, so each one's backward is the other.
 * A convolution is then `weight.view(out, -1) @ unfold(x)`: the lectures' "convolution as a
 * matrix product".
 */
import { record } from '../../autograd/engine.js';
import { empty, f32 } from '../../tensor/alloc.js';
import { fmt } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionNames, checkTensor, intTuple, type Size2 } from './conv-args.js';

/** Options of `unfold` and `fold` (PyTorch's dilation, padding, stride; padding is zeros on both sides). */
export interface UnfoldOptions {
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size2;
  /** Implicit zero padding on both sides of each spatial axis. Default 0. */
  padding?: Size2;
  /** Step of the window. Default 1. */
  stride?: Size2;
}

/** Window geometry shared by unfold and fold. */
interface Geometry {
  c: number;
  h: number;
  w: number;
  kH: number;
  kW: number;
  dH: number;
  dW: number;
  pH: number;
  pW: number;
  sH: number;
  sW: number;
  outH: number;
  outW: number;
}

const OPTION_NAMES = ['dilation', 'padding', 'stride'] as const;

/** Number of window positions along one axis, or a RangeError naming the op and the sizes. */
function blocks(op: string, axis: string, n: number, k: number, d: number, p: number, s: number): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  if (span < 0) {
    throw new RangeError(
      `${op}: the ${axis} kernel ${k} (dilation ${d}, effective size ${d * (k - 1) + 1}) does not fit in the padded ${axis} ${n + 2 * p} (size ${n}, padding ${p}); use a smaller kernel or more padding`,
    );
  }
  return Math.floor(span / s) + 1;
}

function geometry(op: string, c: number, h: number, w: number, kernelSize: Size2, o: UnfoldOptions): Geometry {
  checkOptionNames(op, o, OPTION_NAMES);
  const [kH, kW] = intTuple(op, 'kernelSize', kernelSize, 2, 1);
  const [dH, dW] = intTuple(op, 'dilation', o.dilation ?? 1, 2, 1);
  const [pH, pW] = intTuple(op, 'padding', o.padding ?? 0, 2, 0);
  const [sH, sW] = intTuple(op, 'stride', o.stride ?? 1, 2, 1);
  const outH = blocks(op, 'height', h, kH, dH, pH, sH);
  const outW = blocks(op, 'width', w, kW, dW, pW, sW);
  return { c, h, w, kH, kW, dH, dW, pH, pW, sH, sW, outH, outW };
}

/**
 * src[i] = offset in one sample's (C, H, W) image of entry i of its (C*kH*kW, L) column matrix,
 * or -1 where the window reads padding. Row r = (c*kH + ki)*kW + kj, column l = oh*outW + ow.
 */
function indexTable(g: Geometry): Int32Array {
  const L = g.outH * g.outW;
  const src = new Int32Array(g.c * g.kH * g.kW * L);
  let i = 0;
  for (let c = 0; c < g.c; c++) {
    for (let ki = 0; ki < g.kH; ki++) {
      for (let kj = 0; kj < g.kW; kj++) {
        for (let oh = 0; oh < g.outH; oh++) {
          const ih = oh * g.sH - g.pH + ki * g.dH;
          for (let ow = 0; ow < g.outW; ow++, i++) {
            const iw = ow * g.sW - g.pW + kj * g.dW;
            src[i] = ih < 0 || ih >= g.h || iw < 0 || iw >= g.w ? -1 : (c * g.h + ih) * g.w + iw;
          }
        }
      }
    }
  }
  return src;
}

/** Gathers windows: image (n, C, H, W) -> columns (n, C*kH*kW, L). */
function gather(x: Float32Array, n: number, g: Geometry, outShape: readonly number[]): Tensor {
  const src = indexTable(g);
  const chw = g.c * g.h * g.w,
    cols = src.length;
  const out = empty(outShape, 'unfold'),
    od = out.f32;
  for (let b = 0; b < n; b++) {
    const xo = b * chw,
      oo = b * cols;
    for (let i = 0; i < cols; i++) {
      const k = src[i];
      if (k >= 0) od[oo + i] = x[xo + k];
    }
  }
  return out;
}

/** Scatter-adds columns: (n, C*kH*kW, L) -> image (n, C, H, W). */
function scatter(cols: Float32Array, n: number, g: Geometry, outShape: readonly number[]): Tensor {
  const src = indexTable(g);
  const chw = g.c * g.h * g.w,
    m = src.length;
  const out = empty(outShape, 'fold'),
    od = out.f32;
  for (let b = 0; b < n; b++) {
    const oo = b * chw,
      co = b * m;
    for (let i = 0; i < m; i++) {
      const k = src[i];
      if (k >= 0) od[oo + k] += cols[co + i];
    }
  }
  return out;
}

/**
 * Extracts sliding local blocks: input (N, C, H, W) or unbatched (C, H, W) -> (N, C*kH*kW, L)
 * (or (C*kH*kW, L)), L = outH*outW with outH = floor((H + 2p - d(k-1) - 1)/s) + 1, as
 * torch.nn.functional.unfold. Rows are ordered channel-major then kernel row then column; columns
 * are the window positions in row-major order. Differentiable (the backward is `fold`).
 */
export function unfold(input: Tensor, kernelSize: Size2, options: UnfoldOptions = {}): Tensor {
  const op = 'unfold';
  checkTensor(op, 'input', input);
  const r = input.shape.length;
  if (r !== 3 && r !== 4)
    throw new RangeError(`${op}: input must be (N, C, H, W) or (C, H, W), got shape ${fmt(input.shape)}`);
  const [n, c, h, w] = r === 4 ? input.shape : [1, ...input.shape];
  const g = geometry(op, c, h, w, kernelSize, options);
  const ckk = c * g.kH * g.kW,
    L = g.outH * g.outW;
  const outShape = r === 4 ? [n, ckk, L] : [ckk, L];
  const out = gather(f32(input), n, g, outShape);
  const [kH, kW] = [g.kH, g.kW];
  return record(out, op, [input], (gy) => [
    fold(gy, [h, w], [kH, kW], { dilation: [g.dH, g.dW], padding: [g.pH, g.pW], stride: [g.sH, g.sW] }),
  ]);
}

/**
 * Combines sliding local blocks into an image, summing overlaps: input (N, C*kH*kW, L) or
 * (C*kH*kW, L) -> (N, C, outputSize[0], outputSize[1]) (or unbatched), as
 * torch.nn.functional.fold. L must equal the number of window positions in the output size.
 * The adjoint of `unfold` (fold(unfold(x)) multiplies each cell by the number of windows that
 * cover it). Differentiable (the backward is `unfold`).
 */
export function fold(input: Tensor, outputSize: Size2, kernelSize: Size2, options: UnfoldOptions = {}): Tensor {
  const op = 'fold';
  checkTensor(op, 'input', input);
  const r = input.shape.length;
  if (r !== 2 && r !== 3)
    throw new RangeError(`${op}: input must be (N, C*kH*kW, L) or (C*kH*kW, L), got shape ${fmt(input.shape)}`);
  const [n, ckk, L] = r === 3 ? input.shape : [1, ...input.shape];
  const [h, w] = intTuple(op, 'outputSize', outputSize, 2, 1);
  const [kH, kW] = intTuple(op, 'kernelSize', kernelSize, 2, 1);
  if (ckk % (kH * kW) !== 0) {
    throw new RangeError(
      `${op}: input's dimension 1 (${ckk}) must be divisible by the kernel area ${kH}*${kW} = ${kH * kW} (input shape ${fmt(input.shape)})`,
    );
  }
  const c = ckk / (kH * kW);
  const g = geometry(op, c, h, w, kernelSize, options);
  if (g.outH * g.outW !== L) {
    throw new RangeError(
      `${op}: input's last dimension must be the number of blocks ${g.outH}*${g.outW} = ${g.outH * g.outW} for outputSize [${h}, ${w}], kernel [${kH}, ${kW}] and these options, got ${L} (input shape ${fmt(input.shape)})`,
    );
  }
  const outShape = r === 3 ? [n, c, h, w] : [c, h, w];
  const out = scatter(f32(input), n, g, outShape);
  return record(out, op, [input], (gy) => [
    unfold(gy, [kH, kW], { dilation: [g.dH, g.dW], padding: [g.pH, g.pW], stride: [g.sH, g.sW] }),
  ]);
}
