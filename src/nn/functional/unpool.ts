/**
 * Max unpooling: the partial inverse of max pooling used to visualise what a layer
 * responded to. Each value goes back to the position its argmax index names (from
 * `maxPool2d(x, {..., returnIndices: true})`); every other cell is zero.
 */
import { record } from '../../autograd/engine.js';
import { empty } from '../../tensor/alloc.js';
import { fmt, sameShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { intTuple, show, type Size1, type Size2 } from './conv-args.js';
import { liftPoolInput, poolOptions, unliftPool } from './pool-args.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Options of `maxUnpool2d` (as torch.nn.functional.max_unpool2d). */
export interface MaxUnpool2dOptions {
  /** Window size of the max pooling being inverted. */
  kernelSize: Size2;
  /** Its stride; defaults to kernelSize. */
  stride?: Size2 | null;
  /** Its padding. Default 0. */
  padding?: Size2;
  /** Output size [H, W] (or [N, C, H, W]) when the pooled size was ambiguous. */
  outputSize?: readonly number[] | null;
}

/** Options of `maxUnpool1d`. */
export interface MaxUnpool1dOptions {
  /** Window size of the max pooling being inverted. */
  kernelSize: Size1;
  /** Its stride; defaults to kernelSize. */
  stride?: Size1 | null;
  /** Its padding. Default 0. */
  padding?: Size1;
  /** Output length [L] (or [N, C, L]). */
  outputSize?: readonly number[] | null;
}

const OPTIONS = ['kernelSize', 'stride', 'padding', 'outputSize'] as const;

function unpoolNd(op: string, dims: number, xIn: unknown, indices: unknown, options: unknown): Tensor {
  const o = poolOptions(op, options, OPTIONS);
  const p = liftPoolInput(op, dims, xIn);
  expectTensor(op, 'indices', indices);
  if (!sameShape(indices.shape, p.shape))
    throw new RangeError(`${op}: indices ${fmt(indices.shape)} must have the shape of the input ${fmt(p.shape)}`);
  if (o.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
  const k = intTuple(op, 'kernelSize', o.kernelSize, dims, 1);
  const noStride = o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0);
  const s = noStride ? k.slice() : intTuple(op, 'stride', o.stride, dims, 1);
  const pad = intTuple(op, 'padding', o.padding ?? 0, dims, 0);
  const inSp = p.x4.shape.slice(4 - dims);
  const dflt = inSp.map((n, i) => (n - 1) * s[i] - 2 * pad[i] + k[i]);
  let size = dflt;
  if (o.outputSize !== undefined && o.outputSize !== null) {
    const os = o.outputSize;
    if (
      !Array.isArray(os) ||
      (os.length !== dims && os.length !== dims + 2) ||
      os.some((v) => !Number.isInteger(v) || v < 1)
    ) {
      throw new TypeError(`${op}: outputSize must list ${dims} (or ${dims + 2}) positive integers, got ${show(os)}`);
    }
    size = (os as number[]).slice(os.length - dims);
    size.forEach((v, i) => {
      if (v <= dflt[i] - s[i] || v >= dflt[i] + s[i]) {
        throw new RangeError(
          `${op}: outputSize ${fmt(size)} must be within the stride of the default size ${fmt(dflt)} (stride ${fmt(s)})`,
        );
      }
    });
  }
  if (size.some((v) => v < 1)) throw new RangeError(`${op}: output size ${fmt(size)} is empty`);
  const [n, c, h, w] = p.x4.shape;
  const [oh, ow] = dims === 2 ? size : [1, size[0]];
  const inPlane = h * w,
    outPlane = oh * ow;
  const idx = indices.data;
  const target = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= outPlane) {
      throw new RangeError(
        `${op}: index ${v} at flat position ${i} is out of range for an output of size ${fmt(size)}`,
      );
    }
    target[i] = Math.floor(i / inPlane) * outPlane + v;
  }
  const x4 = p.x4,
    xd = x4.f32;
  const y = empty([n, c, oh, ow], op),
    yd = y.f32;
  for (let i = 0; i < target.length; i++) yd[target[i]] = xd[i];
  const out = record(y, op, [x4], (dy) => {
    const dx = empty(x4.shape),
      dxd = dx.f32,
      g = dy.f32;
    for (let i = 0; i < target.length; i++) dxd[i] = g[target[i]];
    return [dx];
  });
  return unliftPool(out, p);
}

/** Puts pooled values (N, C, h, w) back at their argmax positions in a zero (N, C, H, W) map. */
export function maxUnpool2d(x: Tensor, indices: Tensor, options: Size2 | MaxUnpool2dOptions): Tensor {
  expectTensor('maxUnpool2d', 'input', x);
  expectTensor('maxUnpool2d', 'indices', indices);
  return unpoolNd('maxUnpool2d', 2, x, indices, options);
}

/** Puts pooled values (N, C, l) back at their argmax positions in a zero (N, C, L) signal. */
export function maxUnpool1d(x: Tensor, indices: Tensor, options: Size1 | MaxUnpool1dOptions): Tensor {
  expectTensor('maxUnpool1d', 'input', x);
  expectTensor('maxUnpool1d', 'indices', indices);
  return unpoolNd('maxUnpool1d', 1, x, indices, options);
}
