/**
 * Max pooling across channels (maxout): each output channel is the max of a group of
 * consecutive input channels at the same position, giving invariance to which filter fired
 * (e.g. "a large response for any edge, regardless of its orientation").
 */
import { record } from '../../autograd/engine.js';
import { empty } from '../../tensor/alloc.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor, intTuple, show } from './conv-args.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Options of `channelMaxPool`. */
export interface ChannelMaxPoolOptions {
  /** Channels per group. */
  kernelSize: number;
  /** Step between groups; defaults to kernelSize (disjoint groups, as in maxout). */
  stride?: number | null;
}

/**
 * Max over groups of channels of x (N, C, ...): output channel j is the max of input channels
 * j*stride .. j*stride+kernelSize-1. The gradient goes to the winning channel.
 */
export function channelMaxPool(x: Tensor, options: number | ChannelMaxPoolOptions): Tensor {
  expectTensor('channelMaxPool', 'input', x);
  const op = 'channelMaxPool';
  const o: Record<string, unknown> =
    typeof options === 'number' ? { kernelSize: options } : (options as unknown as Record<string, unknown>);
  if (o === null || typeof o !== 'object')
    throw new TypeError(`${op}: expected a kernel size or an options object, got ${show(options)}`);
  for (const key of Object.keys(o))
    if (key !== 'kernelSize' && key !== 'stride')
      throw new TypeError(`${op}: unknown option '${key}' (known: kernelSize, stride)`);
  const t = checkTensor(op, 'input', x);
  if (t.ndim < 2) throw new RangeError(`${op}: input must have a channel axis (N, C, ...), got shape ${fmt(t.shape)}`);
  if (o.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
  const [k] = intTuple(op, 'kernelSize', o.kernelSize, 1, 1);
  const [s] = o.stride === undefined || o.stride === null ? [k] : intTuple(op, 'stride', o.stride, 1, 1);
  const n = t.shape[0],
    c = t.shape[1],
    inner = sizeOf(t.shape.slice(2));
  if (k > c) throw new RangeError(`${op}: kernelSize ${k} is larger than the ${c} channels of input ${fmt(t.shape)}`);
  const cOut = Math.floor((c - k) / s) + 1;
  const y = empty([n, cOut, ...t.shape.slice(2)]),
    yd = y.f32,
    xd = t.f32;
  const arg = new Int32Array(y.size); // flat input index of each winner
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < cOut; j++) {
      for (let q = 0; q < inner; q++) {
        let bi = (b * c + j * s) * inner + q,
          best = xd[bi];
        for (let u = 1; u < k && !Number.isNaN(best); u++) {
          const i = (b * c + j * s + u) * inner + q;
          if (xd[i] > best || Number.isNaN(xd[i])) {
            best = xd[i];
            bi = i;
          }
        }
        const o2 = (b * cOut + j) * inner + q;
        yd[o2] = best;
        arg[o2] = bi;
      }
    }
  }
  return record(y, op, [t], (dy) => {
    const dx = empty(t.shape),
      dxd = dx.f32,
      g = dy.f32;
    for (let i = 0; i < arg.length; i++) dxd[arg[i]] += g[i];
    return [dx];
  });
}
