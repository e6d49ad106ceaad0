/**
 * Adaptive pooling: the caller picks the output size and each output cell i pools the input
 * window [floor(i*in/out), ceil((i+1)*in/out)) along each axis, exactly as PyTorch does.
 * `adaptiveAvgPool2d(x, 1)` is global average pooling.
 */
import { record } from '../../autograd/engine.js';
import { getBackend, type Pool2dGeometry } from '../../backend/index.js';
import { empty } from '../../tensor/alloc.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkOptionNames, show } from './conv-args.js';
import { liftPoolInput, unliftPool, type PoolInput } from './pool-args.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Output size of a 2-D adaptive pool: a number, or [H, W] where null keeps the input size. */
export type AdaptiveSize2 = number | readonly [number | null, number | null];
/** Output size of a 1-D adaptive pool. */
export type AdaptiveSize1 = number | readonly [number | null];

function outputSizes(op: string, p: PoolInput, v: unknown): [number, number] {
  const [, , h, w] = p.x4.shape;
  const inSizes = p.dims === 2 ? [h, w] : [w];
  let vals: unknown[];
  if (typeof v === 'number') vals = inSizes.map(() => v);
  else if (Array.isArray(v) && v.length === p.dims) vals = v;
  else
    throw new TypeError(
      `${op}: outputSize must be a positive integer or a ${p.dims}-tuple of them (null keeps the input size), got ${show(v)}`,
    );
  const out = vals.map((x, i) => {
    if (x === null) return inSizes[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) {
      throw new TypeError(
        `${op}: outputSize must be a positive integer or a ${p.dims}-tuple of them (null keeps the input size), got ${show(v)}`,
      );
    }
    return x;
  });
  return p.dims === 2 ? [out[0], out[1]] : [1, out[0]];
}

/** Window bounds [start, end) of each output cell along one axis. */
function windows(inSize: number, outSize: number): [Int32Array, Int32Array] {
  const start = new Int32Array(outSize),
    end = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    start[i] = Math.floor((i * inSize) / outSize);
    end[i] = Math.ceil(((i + 1) * inSize) / outSize);
  }
  return [start, end];
}

interface Plan {
  planes: number;
  h: number;
  w: number;
  outH: number;
  outW: number;
  hs: Int32Array;
  he: Int32Array;
  ws: Int32Array;
  we: Int32Array;
}

function plan(p: PoolInput, outH: number, outW: number): Plan {
  const [n, c, h, w] = p.x4.shape;
  const [hs, he] = windows(h, outH),
    [ws, we] = windows(w, outW);
  return { planes: n * c, h, w, outH, outW, hs, he, ws, we };
}

/** Calls fn(outIndex, inIndex) for every input cell of every output window. */
function eachCell(
  q: Plan,
  fn: (o: number, i: number) => void,
  start: (o: number) => void,
  finish: (o: number, count: number) => void,
): void {
  let o = 0;
  for (let pl = 0; pl < q.planes; pl++) {
    const base = pl * q.h * q.w;
    for (let oh = 0; oh < q.outH; oh++) {
      for (let ow = 0; ow < q.outW; ow++, o++) {
        start(o);
        for (let ih = q.hs[oh]; ih < q.he[oh]; ih++) {
          for (let iw = q.ws[ow]; iw < q.we[ow]; iw++) fn(o, base + ih * q.w + iw);
        }
        finish(o, (q.he[oh] - q.hs[oh]) * (q.we[ow] - q.ws[ow]));
      }
    }
  }
}

function adaptiveAvg(op: string, dims: number, xIn: unknown, outputSize: unknown): Tensor {
  const p = liftPoolInput(op, dims, xIn);
  const [outH, outW] = outputSizes(op, p, outputSize);
  const q = plan(p, outH, outW);
  const x4 = p.x4,
    xd = x4.f32;
  const y = empty([x4.shape[0], x4.shape[1], outH, outW]),
    yd = y.f32;
  let acc = 0;
  eachCell(
    q,
    (_o, i) => {
      acc += xd[i];
    },
    () => {
      acc = 0;
    },
    (o, count) => {
      yd[o] = acc / count;
    },
  );
  const out = record(y, op, [x4], (dy) => {
    const dx = empty(x4.shape),
      dxd = dx.f32,
      g = dy.f32;
    const share = new Float32Array(g.length);
    eachCell(
      q,
      () => undefined,
      () => undefined,
      (o, count) => {
        share[o] = g[o] / count;
      },
    );
    eachCell(
      q,
      (o, i) => {
        dxd[i] += share[o];
      },
      () => undefined,
      () => undefined,
    );
    return [dx];
  });
  return unliftPool(out, p);
}

function adaptiveMax(
  op: string,
  dims: number,
  xIn: unknown,
  outputSize: unknown,
  returnIndices: unknown,
): Tensor | [Tensor, Tensor] {
  if (typeof returnIndices !== 'boolean')
    throw new TypeError(`${op}: returnIndices must be true or false, got ${show(returnIndices)}`);
  const p = liftPoolInput(op, dims, xIn);
  const [outH, outW] = outputSizes(op, p, outputSize);
  const q = plan(p, outH, outW);
  const x4 = p.x4,
    xd = x4.f32;
  const y = empty([x4.shape[0], x4.shape[1], outH, outW]),
    yd = y.f32;
  const idx = new Int32Array(y.size);
  const plane = q.h * q.w;
  let best = -Infinity,
    bi = -1;
  eachCell(
    q,
    (_o, i) => {
      const v = xd[i];
      // first maximum wins; a NaN wins and sticks, as in PyTorch
      if (bi < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
        best = v;
        bi = i;
      }
    },
    () => {
      best = -Infinity;
      bi = -1;
    },
    (o) => {
      yd[o] = best;
      idx[o] = bi % plane;
    },
  );
  const g: Pool2dGeometry = {
    n: x4.shape[0],
    c: x4.shape[1],
    h: q.h,
    w: q.w,
    kh: 1,
    kw: 1,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
    dilationH: 1,
    dilationW: 1,
    outH,
    outW,
  };
  const out = record(y, op, [x4], (dy) => {
    const dx = empty(x4.shape);
    getBackend().maxPool2dBackward(dy.storageF32, idx, g, dx.storageF32);
    return [dx];
  });
  const values = unliftPool(out, p);
  return returnIndices ? [values, new Tensor(idx, values.shape)] : values;
}

/** Average pooling to a fixed output size (H, W) of (N, C, H, W) or (C, H, W). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize2): Tensor {
  expectTensor('adaptiveAvgPool2d', 'input', x);
  return adaptiveAvg('adaptiveAvgPool2d', 2, x, outputSize);
}

/** Average pooling to a fixed output length of (N, C, L) or (C, L). */
export function adaptiveAvgPool1d(x: Tensor, outputSize: AdaptiveSize1): Tensor {
  expectTensor('adaptiveAvgPool1d', 'input', x);
  return adaptiveAvg('adaptiveAvgPool1d', 1, x, outputSize);
}

/** Options of `adaptiveMaxPool1d` / `adaptiveMaxPool2d`. */
export interface AdaptiveMaxPoolOptions {
  /** Also return the argmax positions (flat h*W+w within each plane). Default false. */
  returnIndices?: boolean;
}

function returnIndicesOption(op: string, options: unknown): boolean {
  if (typeof options === 'boolean')
    throw new TypeError(`${op}: returnIndices is an option: write ${op}(x, outputSize, { returnIndices: ${options} })`);
  checkOptionNames(op, options, ['returnIndices']);
  const v = (options as AdaptiveMaxPoolOptions | undefined)?.returnIndices ?? false;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: returnIndices must be true or false, got ${show(v)}`);
  return v;
}

/** Max pooling to a fixed output size; with returnIndices also the flat argmax per plane. */
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize2,
  options: { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize2, options?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize2,
  options?: AdaptiveMaxPoolOptions,
): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize2,
  options: AdaptiveMaxPoolOptions = {},
): Tensor | [Tensor, Tensor] {
  expectTensor('adaptiveMaxPool2d', 'input', x);
  return adaptiveMax('adaptiveMaxPool2d', 2, x, outputSize, returnIndicesOption('adaptiveMaxPool2d', options));
}

/** Max pooling to a fixed output length; with returnIndices also the argmax positions. */
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: AdaptiveSize1,
  options: { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool1d(x: Tensor, outputSize: AdaptiveSize1, options?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: AdaptiveSize1,
  options?: AdaptiveMaxPoolOptions,
): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: AdaptiveSize1,
  options: AdaptiveMaxPoolOptions = {},
): Tensor | [Tensor, Tensor] {
  expectTensor('adaptiveMaxPool1d', 'input', x);
  return adaptiveMax('adaptiveMaxPool1d', 1, x, outputSize, returnIndicesOption('adaptiveMaxPool1d', options));
}
