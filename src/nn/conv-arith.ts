/**
 * Conv arithmetic of the layers (used by `summary()` and by Grad-CAM's cam-geometry; it lives in nn
 * so that train and vision can both use it without a cycle): how each layer changes the receptive field (RF), the jump
 * (effective stride: input pixels between neighbouring output units) and the start (centre of
 * the first output unit's field, in input pixel coordinates where pixel i is centred at i), and
 * how many multiply-accumulates (MACs) it performs. The recurrences, per spatial axis, for a
 * window of k taps with dilation d (effective size k' = d(k-1)+1), stride s and padding p before:
 *
 *   rf_out = rf_in + (k' - 1) * jump_in
 *   jump_out = jump_in * s
 *   start_out = start_in + ((k' - 1)/2 - p) * jump_in
 *
 * Layers that flatten the spatial axes (Flatten, GlobalAvgPool) or act on all positions at once
 * make the field the hull of every position's field ("flat": no jump any more). Where branches
 * merge (ResNet's sum, Inception's concatenation) the field is the hull of the branches' fields,
 * which for centred branches, as in the zoo, is the largest of them.
 */
import type { Module } from './module.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from './layers/conv.js';
import { Linear } from './layers/linear.js';
import { LocallyConnected2d } from './layers/locally-connected.js';
import { Flatten, Unflatten } from './layers/flatten.js';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  ChannelMaxPool,
  GlobalAvgPool,
  LPPool1d,
  LPPool2d,
  MaxPool1d,
  MaxPool2d,
} from './layers/pooling.js';
import {
  ELU,
  GELU,
  Hardtanh,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  ReLU6,
  SELU,
  SiLU,
  Sigmoid,
  Softmax,
  Softmin,
  Softplus,
  Tanh,
} from './layers/activation.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm, LocalResponseNorm } from './layers/normalization.js';
import { Dropout, Dropout1d, Dropout2d } from './layers/dropout.js';
import { resolvePadding } from './functional/conv-args.js';

/** The field along one spatial axis of the input. */
export interface AxisField {
  /** Receptive field: input pixels that can influence one output unit. */
  rf: number;
  /** Input pixels between neighbouring output units (fractional after a transposed conv). */
  jump: number;
  /** Centre of output unit 0's field, in input pixels (pixel i centred at i; may be negative). */
  start: number;
}

/** A tensor's field: one AxisField per spatial axis of the model's input. */
export interface Field {
  axes: AxisField[];
  /** The spatial axes are gone (flattened or pooled globally): only the hull remains. */
  flat: boolean;
}

/** The field of the model's input: every pixel sees itself. */
export function inputField(spatialRank: number): Field {
  return { axes: Array.from({ length: spatialRank }, () => ({ rf: 1, jump: 1, start: 0 })), flat: false };
}

/** Hull of several fields of the same tensor position (branches merging); a string says why not. */
export function hullFields(fields: readonly Field[]): Field | string {
  const first = fields[0];
  if (fields.length === 1) return first;
  const axes: AxisField[] = [];
  for (let a = 0; a < first.axes.length; a++) {
    let lo = Infinity,
      hi = -Infinity;
    for (const f of fields) {
      if (f.axes.length !== first.axes.length) return 'branches with different numbers of spatial axes';
      const x = f.axes[a];
      if (!first.flat && !f.flat && Math.abs(x.jump - first.axes[a].jump) > 1e-9)
        return `branches with different jumps (${first.axes[a].jump} and ${x.jump}) merge`;
      lo = Math.min(lo, x.start - (x.rf - 1) / 2);
      hi = Math.max(hi, x.start + (x.rf - 1) / 2);
    }
    axes.push({ rf: hi - lo + 1, jump: first.axes[a].jump, start: (lo + hi) / 2 });
  }
  return { axes, flat: fields.some((f) => f.flat) };
}

/** Field of a whole axis of n units: the hull of all their fields (a global pool or a flatten). */
function wholeAxis(x: AxisField, n: number): AxisField {
  return { rf: x.rf + (n - 1) * x.jump, jump: x.jump, start: x.start + ((n - 1) / 2) * x.jump };
}

function flatten(f: Field, spatial: readonly number[]): Field {
  if (f.flat) return f;
  return { axes: f.axes.map((x, a) => wholeAxis(x, spatial[a] ?? 1)), flat: true };
}

/** One sliding window per axis: kernel k, stride s, padding before p, dilation d. */
function sliding(f: Field, k: number[], s: number[], p: number[], d: number[]): Field | string {
  if (f.flat) return 'a sliding window over a flattened input';
  if (k.length !== f.axes.length)
    return `a ${k.length}-D window on an input with ${f.axes.length} spatial axes of the model's input`;
  return {
    flat: false,
    axes: f.axes.map((x, a) => {
      const ke = d[a] * (k[a] - 1) + 1;
      return { rf: x.rf + (ke - 1) * x.jump, jump: x.jump * s[a], start: x.start + ((ke - 1) / 2 - p[a]) * x.jump };
    }),
  };
}

/**
 * Transposed convolution: output o gathers inputs i = (o + p - t*d)/s. Units of one period of s
 * outputs gather different inputs, so their fields alternate: rf is the largest of the period
 * and start the average, so a unit's centre is start + o*jump within jump/2.
 */
function transposed(f: Field, k: number[], s: number[], p: number[], d: number[]): Field | string {
  if (f.flat || k.length !== f.axes.length) return 'a transposed convolution over a flattened input';
  return {
    flat: false,
    axes: f.axes.map((x, a) => {
      let rf = 0,
        offset = 0,
        seen = 0;
      const jump = x.jump / s[a];
      for (let o = 0; o < s[a]; o++) {
        let lo = Infinity,
          hi = -Infinity;
        for (let t = 0; t < k[a]; t++) {
          const num = o + p[a] - t * d[a];
          if (num % s[a] !== 0) continue;
          lo = Math.min(lo, num / s[a]);
          hi = Math.max(hi, num / s[a]);
        }
        if (lo > hi) continue;
        rf = Math.max(rf, (hi - lo) * x.jump + x.rf);
        offset += ((lo + hi) / 2) * x.jump - o * jump;
        seen++;
      }
      return { rf, jump, start: x.start + (seen > 0 ? offset / seen : 0) };
    }),
  };
}

/** Adaptive pooling from n to o cells: windows [floor(i*n/o), ceil((i+1)*n/o)); the jump is n/o on average. */
function adaptive(f: Field, inSpatial: readonly number[], outSpatial: readonly number[]): Field | string {
  if (f.flat) return 'an adaptive pool over a flattened input';
  return {
    flat: false,
    axes: f.axes.map((x, a) => {
      const n = inSpatial[a],
        o = outSpatial[a];
      let widest = 0;
      for (let i = 0; i < o; i++) widest = Math.max(widest, Math.ceil(((i + 1) * n) / o) - Math.floor((i * n) / o));
      const first = Math.ceil(n / o);
      return { rf: x.rf + (widest - 1) * x.jump, jump: (x.jump * n) / o, start: x.start + ((first - 1) / 2) * x.jump };
    }),
  };
}

function tuple(v: unknown, dims: number, dflt: number): number[] {
  if (v === undefined || v === null) return new Array<number>(dims).fill(dflt);
  if (typeof v === 'number') return new Array<number>(dims).fill(v);
  return [...(v as number[])];
}

/** Module classes that act on each position alone (spatially): the field passes through. */
const POINTWISE = [
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  Sigmoid,
  Tanh,
  Softplus,
  Hardtanh,
  ReLU6,
  SiLU,
  SELU,
  Identity,
  BatchNorm1d,
  BatchNorm2d,
  LocalResponseNorm,
  ChannelMaxPool,
  Dropout,
  Dropout1d,
  Dropout2d,
];

/**
 * The field of a leaf module's output from its input's field and shapes ((N, C, ...spatial));
 * a string gives the reason when it cannot be known.
 */
export function layerField(
  m: Module,
  f: Field,
  inShape: readonly number[],
  outShape: readonly number[],
): Field | string {
  const inSpatial = inShape.slice(2),
    outSpatial = outShape.slice(2);
  const spatialIn = !f.flat && inShape.length >= 3;
  if (POINTWISE.some((C) => m instanceof C)) return f;
  if (m instanceof Conv2d || m instanceof Conv1d) {
    const dims = m.kernelSize.length;
    const d = tuple(m.options.dilation, dims, 1);
    const pad = resolvePadding(m.typeName, m.options.padding, m.kernelSize, d);
    return sliding(f, [...m.kernelSize], tuple(m.options.stride, dims, 1), pad.before, d);
  }
  if (m instanceof ConvTranspose2d || m instanceof ConvTranspose1d) {
    const dims = m.kernelSize.length;
    const o = m.options;
    return transposed(
      f,
      [...m.kernelSize],
      tuple(o.stride, dims, 1),
      tuple(o.padding, dims, 0),
      tuple(o.dilation, dims, 1),
    );
  }
  if (
    m instanceof MaxPool2d ||
    m instanceof MaxPool1d ||
    m instanceof AvgPool2d ||
    m instanceof AvgPool1d ||
    m instanceof LPPool2d ||
    m instanceof LPPool1d
  ) {
    const dims = m instanceof MaxPool1d || m instanceof AvgPool1d || m instanceof LPPool1d ? 1 : 2;
    const k = tuple(m.kernelSize, dims, 1);
    const o = m.options as { stride?: unknown; padding?: unknown; dilation?: unknown };
    return sliding(
      f,
      k,
      tuple(o.stride, dims, 0).map((s, a) => s || k[a]),
      tuple(o.padding, dims, 0),
      tuple(o.dilation, dims, 1),
    );
  }
  if (
    m instanceof AdaptiveAvgPool2d ||
    m instanceof AdaptiveAvgPool1d ||
    m instanceof AdaptiveMaxPool2d ||
    m instanceof AdaptiveMaxPool1d
  )
    return adaptive(f, inSpatial, outSpatial);
  if (m instanceof GlobalAvgPool || m instanceof Flatten) return spatialIn ? flatten(f, inSpatial) : f;
  if (m instanceof Linear) {
    if (!spatialIn) return f;
    // a Linear on (N, C, H, W) mixes the last axis only
    const axes = f.axes.slice();
    axes[axes.length - 1] = wholeAxis(axes[axes.length - 1], inSpatial[inSpatial.length - 1]);
    return { axes, flat: false };
  }
  if (m instanceof Softmax || m instanceof LogSoftmax || m instanceof Softmin) {
    const dim = m.dim < 0 ? m.dim + inShape.length : m.dim;
    if (!spatialIn || dim <= 1) return f;
    return 'a softmax along a spatial axis mixes that axis (not tracked)';
  }
  if (m instanceof LayerNorm) {
    if (!spatialIn) return f;
    return m.normalizedShape.length > inShape.length - 2 ? flatten(f, inSpatial) : 'a LayerNorm over spatial axes';
  }
  // every position of an unflattened vector sees the whole hull: jump 0
  if (m instanceof Unflatten) return f.flat ? { flat: false, axes: f.axes.map((x) => ({ ...x, jump: 0 })) } : f;
  // ResNet's option-A shortcut: keep every stride-th cell (a 1x1 window), pad channels
  // (recognised by its declared name: train must not import models, which imports train)
  if (m.typeName === 'PadShortcut' && typeof (m as { stride?: unknown }).stride === 'number') {
    const stride = (m as unknown as { stride: number }).stride;
    const dims = f.axes.length;
    return sliding(
      f,
      new Array<number>(dims).fill(1),
      new Array<number>(dims).fill(stride),
      new Array<number>(dims).fill(0),
      new Array<number>(dims).fill(1),
    );
  }
  if (m instanceof LocallyConnected2d) return 'LocallyConnected2d does not expose its stride and padding';
  return `${m.typeName} is not a layer whose window summary knows`;
}

/**
 * Multiply-accumulates of one call (for the whole batch): Conv = output elements x in/groups x
 * kernel area; ConvTranspose = input elements x out/groups x kernel area; Linear = output elements
 * x inFeatures; LocallyConnected2d = output elements x in x kernel area. Bias additions,
 * normalisation, activations and pooling are not MACs and count 0.
 */
export function layerMacs(m: Module, inShape: readonly number[], outShape: readonly number[]): number {
  const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  if (m instanceof ConvTranspose2d || m instanceof ConvTranspose1d)
    return size(inShape) * (m.outChannels / m.groups) * size(m.kernelSize);
  if (m instanceof Conv2d || m instanceof Conv1d)
    return size(outShape) * (m.inChannels / m.groups) * size(m.kernelSize);
  if (m instanceof Linear) return size(outShape) * m.inFeatures;
  if (m instanceof LocallyConnected2d) {
    const [, , , , kH, kW] = m.weight.shape;
    return size(outShape) * m.inChannels * kH * kW;
  }
  return 0;
}
