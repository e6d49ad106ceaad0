/**
 * Convolution layers' functional forms, with PyTorch's semantics: `conv1d`, `conv2d` (a
 * cross-correlation, as in every deep-learning framework) and their transposes
 * `convTranspose1d`, `convTranspose2d`. 1-D ops run as 2-D ones with height 1. The kernels are
 * the backend's conv2d / conv2dBackwardData / conv2dBackwardWeight; autograd goes through
 * `record`.
 */
import { isGradEnabled, record } from '../../autograd/engine.js';
import { getBackend, type Conv2dGeometry, type Pool2dGeometry } from '../../backend/index.js';
import { kernelSource } from '../../backend/kernels.js';
import type { UnaryOp } from '../../backend/ops.js';
import { emptyUninit } from '../../tensor/alloc.js';
import { fmt } from '../../tensor/shape.js';
import { pad, reshape } from '../../tensor/ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  checkOptionNames,
  checkTensor,
  intTuple,
  positiveInt,
  resolvePadding,
  show,
  slidingOutputSize,
  type PaddingMode,
  type PaddingString,
  type Size1,
  type Size2,
} from './conv-args.js';
import { expectTensor } from '../../tensor/ops/check.js';
import { maxPool2d, type MaxPool2dOptions } from './pool.js';
import { windowArgs, type WindowArgs } from './pool-args.js';

/** Options of `conv2d` (PyTorch names, camelCase). */
export interface Conv2dOptions {
  /** Step of the window; a number or [sH, sW]. Default 1. */
  stride?: Size2;
  /** Zero padding per side, [pH, pW], or 'valid' | 'same' | 'full'. Default 0. */
  padding?: Size2 | PaddingString;
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size2;
  /** Split channels into independent groups (groups = channels is depthwise). Default 1. */
  groups?: number;
  /** How the padded border is filled. Default 'zeros'. */
  paddingMode?: PaddingMode;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  /** Step of the window. Default 1. */
  stride?: Size1;
  /** Zero padding per side, or 'valid' | 'same' | 'full'. Default 0. */
  padding?: Size1 | PaddingString;
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size1;
  /** Channel groups. Default 1. */
  groups?: number;
  /** How the padded border is filled. Default 'zeros'. */
  paddingMode?: PaddingMode;
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  /** Upsampling factor (the stride of the convolution this transposes). Default 1. */
  stride?: Size2;
  /** Cells removed from each side of the output (the padding of the convolution this transposes). Default 0. */
  padding?: Size2;
  /** Extra cells added to one side of the output to pick among the sizes a strided conv maps onto the same size. Default 0. */
  outputPadding?: Size2;
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size2;
  /** Channel groups. Default 1. */
  groups?: number;
}

/** Options of `convTranspose1d`. */
export interface ConvTranspose1dOptions {
  /** Upsampling factor. Default 1. */
  stride?: Size1;
  /** Implicit padding. Default 0. */
  padding?: Size1;
  /** Extra cells on one side of the output. Default 0. */
  outputPadding?: Size1;
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size1;
  /** Channel groups. Default 1. */
  groups?: number;
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'paddingMode'] as const;
const CONV_T_OPTIONS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups'] as const;
const PADDING_MODES: readonly string[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** Input checked and lifted to (N, C, H, W); `batched` says whether to drop N at the end. */
interface Lifted {
  x4: Tensor;
  batched: boolean;
  n: number;
  c: number;
  spatial: number[];
}

function liftInput(op: string, dims: number, xIn: unknown): Lifted {
  const x = checkTensor(op, 'input', xIn);
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) {
    const names = dims === 2 ? '(C, H, W) or (N, C, H, W)' : '(C, L) or (N, C, L)';
    throw new RangeError(`${op}: input must be ${dims + 1}-D or ${dims + 2}-D ${names}, got shape ${fmt(x.shape)}`);
  }
  const batched = x.ndim === dims + 2;
  const n = batched ? x.shape[0] : 1;
  const c = x.shape[batched ? 1 : 0];
  const spatial = x.shape.slice(batched ? 2 : 1);
  const hw = dims === 2 ? spatial : [1, spatial[0]];
  return { x4: reshape(x, [n, c, hw[0], hw[1]]), batched, n, c, spatial };
}

function liftWeight(op: string, dims: number, wIn: unknown, layout: string): Tensor {
  const w = checkTensor(op, 'weight', wIn);
  if (w.ndim !== dims + 2)
    throw new RangeError(`${op}: weight must be ${dims + 2}-D ${layout}, got shape ${fmt(w.shape)}`);
  const k = w.shape.slice(2);
  if (k.some((v) => v < 1)) throw new RangeError(`${op}: weight ${fmt(w.shape)} has an empty kernel`);
  return dims === 2 ? w : reshape(w, [w.shape[0], w.shape[1], 1, w.shape[2]]);
}

function checkBias(op: string, bIn: unknown, channels: number, w: Tensor): Tensor | null {
  if (bIn === null || bIn === undefined) return null;
  const b = checkTensor(op, 'bias', bIn);
  if (b.ndim !== 1 || b.shape[0] !== channels) {
    throw new RangeError(
      `${op}: bias shape ${fmt(b.shape)} does not match weight ${fmt(w.shape)} (expected [${channels}])`,
    );
  }
  return b;
}

/** Spatial option as a per-axis list for the 2-D kernel ([1, v] for 1-D ops). */
function lift2(dims: number, v: number[], one: number): number[] {
  return dims === 2 ? v : [one, v[0]];
}

/** Adds bias[o] to every cell of output channel o (raw, no autograd): one broadcasting add kernel, in place. */
function addBiasInPlace(y: Float32Array, bias: Float32Array, n: number, c: number, plane: number): void {
  const shape = [n, c, plane];
  getBackend().binary('add', y, shape, bias, [1, c, 1], y, shape);
}

/** The bias gradient: dy (N, C, H, W) summed over N, H and W, in two reduce kernel calls. */
function channelSums(dy: Tensor): Tensor {
  const [n, c, h, w] = dy.shape;
  const be = getBackend();
  const perImage = emptyUninit([n * c]);
  be.reduce('sum', dy.storageF32, n * c, h * w, 1, perImage.storageF32);
  const sums = emptyUninit([c]);
  be.reduce('sum', perImage.storageF32, 1, n, c, sums.storageF32);
  return sums;
}

/** Drops the lifted height axis (1-D ops) and the batch axis (unbatched input). */
function unlift(y: Tensor, dims: number, batched: boolean): Tensor {
  const [n, c, h, w] = y.shape;
  const spatial = dims === 2 ? [h, w] : [w];
  return reshape(y, batched ? [n, c, ...spatial] : [c, ...spatial]);
}

/**
 * Checks convolution options without an input (layer constructors): option names, stride,
 * dilation, padding (a size, a tuple or 'valid' | 'same' | 'full'), paddingMode, 'same' with stride 1.
 * `extra` lists further accepted names (a layer's `bias`).
 */
export function checkConvOptions(
  op: string,
  dims: number,
  kernelSize: readonly number[],
  opts: unknown,
  extra: readonly string[] = [],
): void {
  checkOptionNames(op, opts, [...CONV_OPTIONS, ...extra]);
  const o = (opts ?? {}) as Record<string, unknown>;
  const stride = intTuple(op, 'stride', o.stride ?? 1, dims, 1);
  const dil = intTuple(op, 'dilation', o.dilation ?? 1, dims, 1);
  const mode = o.paddingMode ?? 'zeros';
  if (typeof mode !== 'string' || !PADDING_MODES.includes(mode)) {
    throw new TypeError(`${op}: paddingMode must be one of ${PADDING_MODES.map(show).join(', ')}, got ${show(mode)}`);
  }
  if (o.padding === 'same' && stride.some((v) => v !== 1)) {
    throw new RangeError(
      `${op}: padding='same' is not supported for strided convolutions (stride=${fmt(stride)}), as in PyTorch`,
    );
  }
  resolvePadding(op, o.padding, kernelSize, dil);
}

/** Checks transposed-convolution options without an input (layer constructors). */
export function checkConvTransposeOptions(
  op: string,
  dims: number,
  opts: unknown,
  extra: readonly string[] = [],
): void {
  checkOptionNames(op, opts, [...CONV_T_OPTIONS, ...extra]);
  const o = (opts ?? {}) as Record<string, unknown>;
  if (typeof o.padding === 'string')
    throw new TypeError(
      `${op}: padding must be a non-negative integer or a ${dims}-tuple, got ${show(o.padding)} (PyTorch has no padding strings for transposed convolutions)`,
    );
  const stride = intTuple(op, 'stride', o.stride ?? 1, dims, 1);
  intTuple(op, 'padding', o.padding ?? 0, dims, 0);
  const outPad = intTuple(op, 'outputPadding', o.outputPadding ?? 0, dims, 0);
  const dil = intTuple(op, 'dilation', o.dilation ?? 1, dims, 1);
  outPad.forEach((p, i) => {
    if (p >= stride[i] && p >= dil[i]) {
      throw new RangeError(
        `${op}: outputPadding ${fmt(outPad)} must be smaller than either stride ${fmt(stride)} or dilation ${fmt(dil)}`,
      );
    }
  });
}

/** An activation fused into a convolution's epilogue (inference only): the unary op and its alpha. */
export interface FusedActivation {
  readonly op: UnaryOp;
  readonly alpha: number;
}

function convNd(
  op: string,
  dims: number,
  xIn: unknown,
  wIn: unknown,
  bIn: unknown,
  opts: unknown,
  act: FusedActivation | null = null,
  pool: WindowArgs | null = null,
): Tensor {
  checkOptionNames(op, opts, CONV_OPTIONS);
  const o = (opts ?? {}) as Record<string, unknown>;
  const kNames = dims === 2 ? '(out_channels, in_channels/groups, kH, kW)' : '(out_channels, in_channels/groups, kL)';
  const { x4: xLifted, batched, n, c, spatial } = liftInput(op, dims, xIn);
  const w4 = liftWeight(op, dims, wIn, kNames);
  const w = wIn as Tensor;
  const groups = positiveInt(op, 'groups', o.groups, 1);
  const cOut = w.shape[0],
    cInG = w.shape[1];
  const xShape = (xIn as Tensor).shape;
  if (cOut % groups !== 0)
    throw new RangeError(
      `${op}: weight ${fmt(w.shape)} has ${cOut} output channels, not divisible by groups=${groups}`,
    );
  if (c !== cInG * groups) {
    throw new RangeError(
      `${op}: input ${fmt(xShape)} has ${c} channels but weight ${fmt(w.shape)} expects ${cInG * groups} (groups=${groups})`,
    );
  }
  const bias = checkBias(op, bIn, cOut, w);
  const k = w.shape.slice(2);
  const stride = intTuple(op, 'stride', o.stride ?? 1, dims, 1);
  const dil = intTuple(op, 'dilation', o.dilation ?? 1, dims, 1);
  const mode = o.paddingMode ?? 'zeros';
  if (typeof mode !== 'string' || !PADDING_MODES.includes(mode)) {
    throw new TypeError(`${op}: paddingMode must be one of ${PADDING_MODES.map(show).join(', ')}, got ${show(mode)}`);
  }
  if (o.padding === 'same' && stride.some((s) => s !== 1)) {
    throw new RangeError(
      `${op}: padding='same' is not supported for strided convolutions (stride=${fmt(stride)}), as in PyTorch`,
    );
  }
  const padding = resolvePadding(op, o.padding, k, dil);
  let before = padding.before,
    after = padding.after;
  let x4 = xLifted;
  if (mode !== 'zeros' && [...before, ...after].some((p) => p > 0)) {
    spatial.forEach((size, i) => {
      const p = Math.max(before[i], after[i]);
      if (mode === 'reflect' && p >= size)
        throw new RangeError(
          `${op}: reflect padding ${p} must be smaller than the input size ${size} (input ${fmt(xShape)})`,
        );
      if (mode === 'circular' && p > size)
        throw new RangeError(
          `${op}: circular padding ${p} must not exceed the input size ${size} (input ${fmt(xShape)})`,
        );
    });
    const b2 = lift2(dims, before, 0),
      a2 = lift2(dims, after, 0);
    x4 = pad(x4, [b2[1], a2[1], b2[0], a2[0]], { mode: mode as 'reflect' | 'replicate' | 'circular' });
  }
  const padded = spatial.map((s, i) => s + before[i] + after[i]);
  let seen = spatial; // the sizes the kernel slides over, around which the backend pads zeros
  if (x4 !== xLifted) {
    seen = padded;
    before = before.map(() => 0);
    after = after.map(() => 0);
  }
  const outSpatial = seen.map((s, i) => slidingOutputSize(s, k[i], stride[i], before[i], after[i], dil[i]));
  if (outSpatial.some((v) => v < 1)) {
    const eff = k.map((kk, i) => dil[i] * (kk - 1) + 1);
    throw new RangeError(
      `${op}: kernel ${fmt(k)} (dilation ${fmt(dil)}, effective ${fmt(eff)}) is larger than the padded input ${fmt(padded)} of input ${fmt(xShape)}`,
    );
  }
  const [kh, kw] = lift2(dims, k, 1),
    [sH, sW] = lift2(dims, stride, 1),
    [dH, dW] = lift2(dims, dil, 1);
  const [pT, pL] = lift2(dims, before, 0),
    [outH, outW] = lift2(dims, outSpatial, 1);
  const g: Conv2dGeometry = {
    n,
    cIn: c,
    h: x4.shape[2],
    w: x4.shape[3],
    cOut,
    kh,
    kw,
    strideH: sH,
    strideW: sW,
    padTop: pT,
    padLeft: pL,
    dilationH: dH,
    dilationW: dW,
    groups,
    outH,
    outW,
  };
  if (act !== null && pool !== null && dims === 2) {
    // conv2dActPool: the pool's geometry over the convolution's output (too small: the unfused pool's error)
    const pg: Pool2dGeometry = {
      n,
      c: cOut,
      h: outH,
      w: outW,
      kh: pool.kernel[0],
      kw: pool.kernel[1],
      strideH: pool.stride[0],
      strideW: pool.stride[1],
      padTop: pool.padding[0],
      padLeft: pool.padding[1],
      dilationH: pool.dilation[0],
      dilationW: pool.dilation[1],
      outH: slidingOutputSize(
        outH,
        pool.kernel[0],
        pool.stride[0],
        pool.padding[0],
        pool.padding[0],
        pool.dilation[0],
        pool.ceilMode,
      ),
      outW: slidingOutputSize(
        outW,
        pool.kernel[1],
        pool.stride[1],
        pool.padding[1],
        pool.padding[1],
        pool.dilation[1],
        pool.ceilMode,
      ),
    };
    const be = getBackend();
    if (pg.outH >= 1 && pg.outW >= 1 && kernelSource(be, 'conv2dActPool') === 'backend') {
      if (isGradEnabled() && (x4.requiresGrad || w4.requiresGrad || (bias !== null && bias.requiresGrad)))
        throw new Error(`${op}: the fused ${act.op} + max pool epilogue is inference-only, but an input requires grad`);
      const yp = emptyUninit([n, cOut, pg.outH, pg.outW], op);
      be.conv2dActPool(
        x4.storageF32,
        w4.storageF32,
        bias ? bias.storageF32 : null,
        g,
        act.op,
        act.alpha,
        pg,
        yp.storageF32,
      );
      return unlift(yp, dims, batched);
    }
    return maxPool2d(convNd(op, dims, xIn, wIn, bIn, opts, act), {
      kernelSize: [pool.kernel[0], pool.kernel[1]],
      stride: [pool.stride[0], pool.stride[1]],
      padding: [pool.padding[0], pool.padding[1]],
      dilation: [pool.dilation[0], pool.dilation[1]],
      ceilMode: pool.ceilMode,
    });
  }
  const y = emptyUninit([n, cOut, outH, outW], op);
  if (act !== null) {
    if (isGradEnabled() && (x4.requiresGrad || w4.requiresGrad || (bias !== null && bias.requiresGrad)))
      throw new Error(`${op}: the fused ${act.op} epilogue is inference-only, but an input requires grad`);
    const be = getBackend();
    if (kernelSource(be, 'conv2dAct') === 'backend')
      be.conv2dAct(x4.storageF32, w4.storageF32, bias ? bias.storageF32 : null, g, act.op, act.alpha, y.storageF32);
    else {
      be.conv2d(x4.storageF32, w4.storageF32, bias ? bias.storageF32 : null, g, y.storageF32);
      be.unary(act.op, y.storageF32, y.storageF32, act.alpha);
    }
    return unlift(y, dims, batched);
  }
  getBackend().conv2d(x4.storageF32, w4.storageF32, bias ? bias.storageF32 : null, g, y.storageF32);
  const inputs = bias ? [x4, w4, bias] : [x4, w4];
  const out = record(y, op, inputs, (dy) => {
    const be = getBackend();
    let dx: Tensor | null = null,
      dw: Tensor | null = null,
      db: Tensor | null = null;
    if (x4.requiresGrad) {
      dx = emptyUninit(x4.shape);
      be.conv2dBackwardData(dy.storageF32, w4.storageF32, g, dx.storageF32);
    }
    if (w4.requiresGrad) {
      dw = emptyUninit(w4.shape);
      be.conv2dBackwardWeight(x4.storageF32, dy.storageF32, g, dw.storageF32);
    }
    if (bias && bias.requiresGrad) db = channelSums(dy);
    return [dx, dw, db];
  });
  return unlift(out, dims, batched);
}

function convTransposeNd(op: string, dims: number, xIn: unknown, wIn: unknown, bIn: unknown, opts: unknown): Tensor {
  checkOptionNames(op, opts, CONV_T_OPTIONS);
  const o = (opts ?? {}) as Record<string, unknown>;
  const kNames = dims === 2 ? '(in_channels, out_channels/groups, kH, kW)' : '(in_channels, out_channels/groups, kL)';
  const { x4, batched, n, c, spatial } = liftInput(op, dims, xIn);
  const w4 = liftWeight(op, dims, wIn, kNames);
  const w = wIn as Tensor;
  const xShape = (xIn as Tensor).shape;
  const groups = positiveInt(op, 'groups', o.groups, 1);
  if (c !== w.shape[0])
    throw new RangeError(
      `${op}: input ${fmt(xShape)} has ${c} channels but weight ${fmt(w.shape)} expects ${w.shape[0]} (groups=${groups})`,
    );
  if (c % groups !== 0)
    throw new RangeError(`${op}: weight ${fmt(w.shape)} has ${c} input channels, not divisible by groups=${groups}`);
  const cOut = w.shape[1] * groups;
  const bias = checkBias(op, bIn, cOut, w);
  const k = w.shape.slice(2);
  if (typeof o.padding === 'string')
    throw new TypeError(
      `${op}: padding must be a non-negative integer or a ${dims}-tuple, got ${show(o.padding)} (PyTorch has no padding strings for transposed convolutions)`,
    );
  const stride = intTuple(op, 'stride', o.stride ?? 1, dims, 1);
  const padding = intTuple(op, 'padding', o.padding ?? 0, dims, 0);
  const outPad = intTuple(op, 'outputPadding', o.outputPadding ?? 0, dims, 0);
  const dil = intTuple(op, 'dilation', o.dilation ?? 1, dims, 1);
  outPad.forEach((p, i) => {
    if (p >= stride[i] && p >= dil[i]) {
      throw new RangeError(
        `${op}: outputPadding ${fmt(outPad)} must be smaller than either stride ${fmt(stride)} or dilation ${fmt(dil)}`,
      );
    }
  });
  const outSpatial = spatial.map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dil[i] * (k[i] - 1) + outPad[i] + 1);
  if (outSpatial.some((v) => v < 1)) {
    throw new RangeError(
      `${op}: input ${fmt(xShape)} with kernel ${fmt(k)}, stride ${fmt(stride)}, padding ${fmt(padding)} gives a non-positive output size ${fmt(outSpatial)}`,
    );
  }
  const [kh, kw] = lift2(dims, k, 1),
    [sH, sW] = lift2(dims, stride, 1),
    [dH, dW] = lift2(dims, dil, 1);
  const [pT, pL] = lift2(dims, padding, 0),
    [hOut, wOut] = lift2(dims, outSpatial, 1);
  // the convolution this op transposes: it maps the (N, cOut, hOut, wOut) result back to x
  const g: Conv2dGeometry = {
    n,
    cIn: cOut,
    h: hOut,
    w: wOut,
    cOut: c,
    kh,
    kw,
    strideH: sH,
    strideW: sW,
    padTop: pT,
    padLeft: pL,
    dilationH: dH,
    dilationW: dW,
    groups,
    outH: x4.shape[2],
    outW: x4.shape[3],
  };
  const y = emptyUninit([n, cOut, hOut, wOut], op);
  getBackend().conv2dBackwardData(x4.storageF32, w4.storageF32, g, y.storageF32);
  if (bias) addBiasInPlace(y.storageF32, bias.storageF32, n, cOut, hOut * wOut);
  const inputs = bias ? [x4, w4, bias] : [x4, w4];
  const out = record(y, op, inputs, (dy) => {
    const be = getBackend();
    let dx: Tensor | null = null,
      dw: Tensor | null = null,
      db: Tensor | null = null;
    if (x4.requiresGrad) {
      dx = emptyUninit(x4.shape);
      be.conv2d(dy.storageF32, w4.storageF32, null, g, dx.storageF32);
    }
    if (w4.requiresGrad) {
      dw = emptyUninit(w4.shape);
      be.conv2dBackwardWeight(dy.storageF32, x4.storageF32, g, dw.storageF32);
    }
    if (bias && bias.requiresGrad) db = channelSums(dy);
    return [dx, dw, db];
  });
  return unlift(out, dims, batched);
}

/**
 * 2-D convolution (cross-correlation) of x (N, C, H, W) or (C, H, W) with weight
 * (out, C/groups, kH, kW), plus an optional bias (out); as torch.nn.functional.conv2d, with
 * Conv2d's paddingMode on top.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  expectTensor('conv2d', 'input', x);
  expectTensor('conv2d', 'weight', weight);
  return convNd('conv2d', 2, x, weight, bias, options);
}

/**
 * Inference-only conv2d with its activation fused: act(conv2d(x, weight, bias, options)), one
 * conv2dAct kernel where the backend has it (else conv2d + the unary op in place), no graph.
 * Throws when grad mode is on and an input requires grad (the caller, inference fusion in
 * Sequential, checks that first).
 */
export function conv2dActInference(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
  act: FusedActivation,
): Tensor {
  expectTensor('conv2d', 'input', x);
  expectTensor('conv2d', 'weight', weight);
  return convNd('conv2d', 2, x, weight, bias, options, act);
}

/**
 * Inference-only conv2d with its activation and a max pool fused:
 * maxPool2d(act(conv2d(x, weight, bias, options)), poolOptions), one conv2dActPool kernel where
 * the backend has its own (else conv2dActInference then maxPool2d), no graph, no indices. Throws
 * as conv2dActInference, and as maxPool2d for pool options it refuses.
 */
export function conv2dActPoolInference(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
  act: FusedActivation,
  poolOptions: MaxPool2dOptions,
): Tensor {
  expectTensor('conv2d', 'input', x);
  expectTensor('conv2d', 'weight', weight);
  const o = { ...poolOptions, returnIndices: false } as Record<string, unknown>;
  const pool = windowArgs('maxPool2d', 2, o);
  if (kernelSource(getBackend(), 'conv2dActPool') !== 'backend')
    return maxPool2d(convNd('conv2d', 2, x, weight, bias, options, act), { ...poolOptions, returnIndices: false });
  return convNd('conv2d', 2, x, weight, bias, options, act, pool);
}

/** 1-D convolution (cross-correlation) of x (N, C, L) or (C, L) with weight (out, C/groups, k). */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv1dOptions = {}): Tensor {
  expectTensor('conv1d', 'input', x);
  expectTensor('conv1d', 'weight', weight);
  return convNd('conv1d', 1, x, weight, bias, options);
}

/**
 * 2-D transposed convolution ("deconvolution", fractionally strided convolution) of
 * x (N, in, H, W) with weight (in, out/groups, kH, kW): the gradient of conv2d with respect to
 * its input. Output size (H-1)*stride - 2*padding + dilation*(k-1) + outputPadding + 1.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  expectTensor('convTranspose2d', 'input', x);
  expectTensor('convTranspose2d', 'weight', weight);
  return convTransposeNd('convTranspose2d', 2, x, weight, bias, options);
}

/** 1-D transposed convolution of x (N, in, L) with weight (in, out/groups, k). */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTranspose1dOptions = {},
): Tensor {
  expectTensor('convTranspose1d', 'input', x);
  expectTensor('convTranspose1d', 'weight', weight);
  return convTransposeNd('convTranspose1d', 1, x, weight, bias, options);
}
