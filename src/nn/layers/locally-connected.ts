/**
 * `LocallyConnected2d`: the lectures' "convolution without weight sharing". It slides a window
 * like Conv2d, but every output position (oh, ow) has its own filters, so the parameter count
 * grows with the output area: outH*outW*out*in*kH*kW weights plus out*outH*outW biases.
 * Implemented as an im2col unfold (a recorded op with a scatter-add backward) followed by one
 * batched matmul over positions.
 */
import { record } from '../../autograd/engine.js';
import { empty, f32 } from '../../tensor/alloc.js';
import { fmt } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { intTuple, resolvePadding, slidingOutputSize, type PaddingString } from '../functional/conv-args.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';

/** Window geometry of an unfold. */
interface UnfoldGeometry {
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  pT: number;
  pL: number;
  dH: number;
  dW: number;
  outH: number;
  outW: number;
}

/**
 * im2col: x (N, C, H, W) -> (outH*outW, N, C*kH*kW), position-major so that one batched matmul
 * applies each position's own filters. Zero padding is implicit; the backward scatter-adds.
 */
function unfoldPositions(x: Tensor, g: UnfoldGeometry): Tensor {
  const [n, c, h, w] = x.shape;
  const { kH, kW, sH, sW, pT, pL, dH, dW, outH, outW } = g;
  const ckk = c * kH * kW,
    L = outH * outW;
  // src[i] = flat input index feeding column entry i of one sample (-1 = padding)
  const src = new Int32Array(L * ckk);
  for (let oh = 0, i = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      for (let ci = 0; ci < c; ci++) {
        for (let ki = 0; ki < kH; ki++) {
          const ih = oh * sH - pT + ki * dH;
          for (let kj = 0; kj < kW; kj++, i++) {
            const iw = ow * sW - pL + kj * dW;
            src[i] = ih < 0 || ih >= h || iw < 0 || iw >= w ? -1 : (ci * h + ih) * w + iw;
          }
        }
      }
    }
  }
  const chw = c * h * w;
  const out = empty([L, n, ckk]),
    od = out.f32,
    xd = f32(x);
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < n; b++) {
      const o = (l * n + b) * ckk,
        s = l * ckk,
        xo = b * chw;
      for (let j = 0; j < ckk; j++) {
        const k = src[s + j];
        od[o + j] = k < 0 ? 0 : xd[xo + k];
      }
    }
  }
  return record(out, 'unfoldPositions', [x], (gy) => {
    const gx = empty(x.shape),
      gxd = gx.f32,
      gd = gy.f32;
    for (let l = 0; l < L; l++) {
      for (let b = 0; b < n; b++) {
        const o = (l * n + b) * ckk,
          s = l * ckk,
          xo = b * chw;
        for (let j = 0; j < ckk; j++) {
          const k = src[s + j];
          if (k >= 0) gxd[xo + k] += gd[o + j];
        }
      }
    }
    return [gx];
  });
}

/** Options of `LocallyConnected2d`. */
export interface LocallyConnected2dOptions {
  /** Step of the window. Default 1. */
  stride?: number | readonly [number, number];
  /** Zero padding per side, or 'valid' | 'same' (stride 1). Default 0. */
  padding?: number | readonly [number, number] | PaddingString;
  /** Spacing between kernel taps. Default 1. */
  dilation?: number | readonly [number, number];
  /** Learn one bias per output channel and position. Default true. */
  bias?: boolean;
}

/**
 * Unshared convolution over (N, C, H, W) input of a fixed spatial size: weight
 * (outH, outW, out, in, kH, kW), bias (out, outH, outW). Default init as Conv2d's:
 * U(±1/sqrt(in*kH*kW)) for weights and biases.
 */
export class LocallyConnected2d extends Module {
  static override readonly typeName: string = 'LocallyConnected2d';

  /** Per-position filters, shape (outH, outW, outChannels, inChannels, kH, kW). */
  weight: Tensor;
  /** Per-position biases, shape (outChannels, outH, outW), or null. */
  bias: Tensor | null;
  /** Input spatial size [H, W] the layer was built for. */
  readonly inputSize: readonly [number, number];
  /** Output spatial size [outH, outW]. */
  readonly outputSize: readonly [number, number];
  readonly #geom: UnfoldGeometry;
  readonly #kernel: readonly number[];

  /** A locally connected layer for inputs of spatial size inputSize. */
  constructor(
    /** Input channels. */
    readonly inChannels: number,
    /** Output channels. */
    readonly outChannels: number,
    kernelSize: number | readonly [number, number],
    inputSize: number | readonly [number, number],
    { stride = 1, padding = 0, dilation = 1, bias = true }: LocallyConnected2dOptions = {},
  ) {
    super();
    const op = 'LocallyConnected2d';
    for (const [n, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new RangeError(`${op}: ${n} must be a positive integer, got ${String(v)}`);
    }
    const [kH, kW] = intTuple(op, 'kernelSize', kernelSize, 2, 1);
    const [h, w] = intTuple(op, 'inputSize', inputSize, 2, 1);
    const [sH, sW] = intTuple(op, 'stride', stride, 2, 1);
    const [dH, dW] = intTuple(op, 'dilation', dilation, 2, 1);
    if (padding === 'same' && (sH !== 1 || sW !== 1))
      throw new RangeError(`${op}: padding='same' needs stride 1, got stride [${sH}, ${sW}]`);
    const pad = resolvePadding(op, padding, [kH, kW], [dH, dW]);
    const outH = slidingOutputSize(h, kH, sH, pad.before[0], pad.after[0], dH);
    const outW = slidingOutputSize(w, kW, sW, pad.before[1], pad.after[1], dW);
    if (outH < 1 || outW < 1)
      throw new RangeError(
        `${op}: kernel [${kH}, ${kW}] does not fit the input size [${h}, ${w}] with padding ${JSON.stringify(padding)}`,
      );
    // the unfold needs only the leading padding: cells past the input end read as zeros, so the
    // asymmetric 'same' padding of even kernels (one more cell after) comes for free
    this.#geom = { kH, kW, sH, sW, pT: pad.before[0], pL: pad.before[1], dH, dW, outH, outW };
    this.#kernel = Object.freeze([kH, kW]);
    this.inputSize = Object.freeze([h, w]) as readonly [number, number];
    this.outputSize = Object.freeze([outH, outW]) as readonly [number, number];
    this.weight = this.registerParameter('weight', empty([outH, outW, outChannels, inChannels, kH, kW]));
    this.bias = this.registerParameter('bias', bias ? empty([outChannels, outH, outW]) : null);
    this.resetParameters();
  }

  /** The resolved window: stride, leading padding [top, left] and dilation (read by exportPytorch). */
  get window(): {
    /** [height, width] stride. */
    stride: [number, number];
    /** Leading [top, left] padding. */
    padding: [number, number];
    /** [height, width] dilation. */
    dilation: [number, number];
  } {
    const g = this.#geom;
    return { stride: [g.sH, g.sW], padding: [g.pT, g.pL], dilation: [g.dH, g.dW] };
  }

  /** PyTorch-conv-like default: U(±1/sqrt(in*kH*kW)) for weights and biases. */
  resetParameters(): void {
    const b = 1 / Math.sqrt(this.inChannels * this.#kernel[0] * this.#kernel[1]);
    uniform_(this.weight, -b, b);
    if (this.bias) uniform_(this.bias, -b, b);
  }

  /** Applies each position's filters to x (N, C, H, W) or (C, H, W). */
  forward(x: Tensor): Tensor {
    const op = 'LocallyConnected2d';
    const batched = x.ndim === 4;
    if (x.ndim !== 3 && x.ndim !== 4)
      throw new RangeError(`${op}: input must be (N, C, H, W) or (C, H, W), got ${fmt(x.shape)}`);
    const x4 = batched ? x : x.reshape([1, ...x.shape]);
    const [n, c, h, w] = x4.shape;
    if (c !== this.inChannels)
      throw new RangeError(`${op}: input ${fmt(x.shape)} has ${c} channels but the layer expects ${this.inChannels}`);
    if (h !== this.inputSize[0] || w !== this.inputSize[1]) {
      throw new RangeError(
        `${op}: input ${fmt(x.shape)} has spatial size [${h}, ${w}] but the layer was built for ${fmt(this.inputSize)}`,
      );
    }
    const { outH, outW, kH, kW } = this.#geom;
    const L = outH * outW,
      ckk = c * kH * kW,
      o = this.outChannels;
    const cols = unfoldPositions(x4, this.#geom); // (L, N, ckk)
    const wt = this.weight.reshape([L, o, ckk]).transpose(1, 2); // (L, ckk, O)
    let y = cols.matmul(wt).permute([1, 2, 0]).reshape([n, o, outH, outW]); // (N, O, outH, outW)
    if (this.bias) y = y.add(this.bias);
    return batched ? y : y.reshape([o, outH, outW]);
  }

  override extraRepr(): string {
    const g = this.#geom;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.#kernel)}, inputSize=${fmt(this.inputSize)}, stride=[${g.sH}, ${g.sW}], padding=[${g.pT}, ${g.pL}]${this.bias ? '' : ', bias=false'}`;
  }
}
