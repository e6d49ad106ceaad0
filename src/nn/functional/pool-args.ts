/**
 * Shared set-up of the sliding-window pooling ops: input rank checks (batched or not, 1-D ops
 * lifted to height 1), PyTorch's argument rules (padding at most half the kernel, positive
 * output) and the backend's Pool2dGeometry.
 */
import type { Pool2dGeometry } from '../../backend/index.js';
import { reshape } from '../../tensor/ops/shape.js';
import { fmt } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { boolOpt, checkTensor, intTuple, show, slidingOutputSize } from './conv-args.js';

/** A pooling input lifted to (N, C, H, W), with what is needed to put the result back. */
export interface PoolInput {
  x4: Tensor;
  /** Whether the input had a batch axis. */
  batched: boolean;
  /** Spatial axes of the op (1 or 2). */
  dims: number;
  /** The original input shape, for messages. */
  shape: readonly number[];
}

/** Checks the rank of a pooling input and lifts it to (N, C, H, W). */
export function liftPoolInput(op: string, dims: number, xIn: unknown): PoolInput {
  const x = checkTensor(op, 'input', xIn);
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) {
    const names = dims === 2 ? '(C, H, W) or (N, C, H, W)' : '(C, L) or (N, C, L)';
    throw new RangeError(`${op}: input must be ${dims + 1}-D or ${dims + 2}-D ${names}, got shape ${fmt(x.shape)}`);
  }
  const batched = x.ndim === dims + 2;
  const lead = batched ? x.shape.slice(0, 2) : [1, x.shape[0]];
  const sp = x.shape.slice(batched ? 2 : 1);
  if (sp.some((v) => v < 1)) throw new RangeError(`${op}: input ${fmt(x.shape)} has an empty spatial axis`);
  const hw = dims === 2 ? sp : [1, sp[0]];
  return { x4: reshape(x, [lead[0], lead[1], hw[0], hw[1]]), batched, dims, shape: x.shape };
}

/** Puts a (N, C, H, W) result back into the caller's layout (drops the lifted axes). */
export function unliftPool(y: Tensor, p: PoolInput): Tensor {
  const [n, c, h, w] = y.shape;
  const sp = p.dims === 2 ? [h, w] : [w];
  return reshape(y, p.batched ? [n, c, ...sp] : [c, ...sp]);
}

/** Window options after parsing, per spatial axis of the op. */
export interface WindowArgs {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

/** Parses kernelSize / stride (default = kernelSize) / padding / dilation / ceilMode. */
export function windowArgs(op: string, dims: number, o: Record<string, unknown>): WindowArgs {
  if (o.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
  const kernel = intTuple(op, 'kernelSize', o.kernelSize, dims, 1);
  const noStride = o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0);
  const stride = noStride ? kernel.slice() : intTuple(op, 'stride', o.stride, dims, 1);
  const padding = intTuple(op, 'padding', o.padding ?? 0, dims, 0);
  const dilation = intTuple(op, 'dilation', o.dilation ?? 1, dims, 1);
  const ceilMode = boolOpt(op, 'ceilMode', o.ceilMode, false);
  padding.forEach((p, i) => {
    if (p > Math.floor(kernel[i] / 2)) {
      throw new RangeError(`${op}: padding ${show(o.padding)} must be at most half the kernel size ${fmt(kernel)}`);
    }
  });
  return { kernel, stride, padding, dilation, ceilMode };
}

/** The backend geometry of a pooling op, or a clear error if the output would be empty. */
export function poolGeometry(op: string, p: PoolInput, a: WindowArgs): Pool2dGeometry {
  const [n, c, h, w] = p.x4.shape;
  const lift = (v: number[], one: number): number[] => (p.dims === 2 ? v : [one, v[0]]);
  const [kh, kw] = lift(a.kernel, 1),
    [sH, sW] = lift(a.stride, 1),
    [pT, pL] = lift(a.padding, 0),
    [dH, dW] = lift(a.dilation, 1);
  const outH = slidingOutputSize(h, kh, sH, pT, pT, dH, a.ceilMode);
  const outW = slidingOutputSize(w, kw, sW, pL, pL, dW, a.ceilMode);
  if (outH < 1 || outW < 1) {
    const out = p.dims === 2 ? [outH, outW] : [outW];
    throw new RangeError(
      `${op}: input ${fmt(p.shape)} is too small for kernel ${fmt(a.kernel)} (dilation ${fmt(a.dilation)}, padding ${fmt(a.padding)}): output size would be ${fmt(out)}`,
    );
  }
  return {
    n,
    c,
    h,
    w,
    kh,
    kw,
    strideH: sH,
    strideW: sW,
    padTop: pT,
    padLeft: pL,
    dilationH: dH,
    dilationW: dW,
    outH,
    outW,
  };
}

/** Normalises the `options` argument of a pooling op: a bare kernel size or an options object. */
export function poolOptions(op: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof options === 'number' || Array.isArray(options)) return { kernelSize: options };
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${op}: expected a kernel size or an options object, got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option '${key}' (known: ${allowed.join(', ')})`);
  }
  return options as Record<string, unknown>;
}
