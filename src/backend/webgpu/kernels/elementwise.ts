/**
 * WGSL elementwise kernels: unary ops, their backward (from ops.ts's `grad`), ReLU's backward
 * from its output, and binary ops with NumPy broadcasting. Broadcast shapes are collapsed first
 * (size-1 output axes dropped, axes merged where both operands stay contiguous), so the shader
 * decodes at most a few axes per element; equal shapes take an index-free path.
 */
import type { GpuRunner } from '../dispatch.js';
import type { BinaryOp, UnaryOp } from '../../ops.js';
import { check, elementwise, type Param } from './common.js';
import { binaryWgsl, GRAD_HELPERS, OP_HELPERS, unaryGradWgsl, unaryWgsl } from './wgsl-ops.js';

/** out[i] = op(x[i]); `out` may be `x`. */
export function unary(r: GpuRunner, op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void {
  const e = unaryWgsl(op);
  check(out.length >= x.length, 'unary', `out has ${out.length} elements, x ${x.length}`);
  elementwise(
    r,
    `unary:${op}`,
    x.length,
    [
      { name: 'x', array: x },
      { name: 'out', array: out, write: true },
    ],
    [['alpha', 'f32', alpha]],
    `let v = x[i]; let alpha = P.alpha; out[i] = ${e};`,
    OP_HELPERS,
  );
}

/** dx[i] = dy[i] * op'(x[i]) with y the op's output. */
export function unaryBackward(
  r: GpuRunner,
  op: UnaryOp,
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  alpha: number,
): void {
  const e = unaryGradWgsl(op);
  elementwise(
    r,
    `unaryBackward:${op}`,
    dx.length,
    [
      { name: 'x', array: x },
      { name: 'y', array: y },
      { name: 'dy', array: dy },
      { name: 'dx', array: dx, write: true },
    ],
    [['alpha', 'f32', alpha]],
    `let v = x[i]; let y_ = y[i]; let alpha = P.alpha; dx[i] = dy[i] * (${e.replace(/\by\b/g, 'y_')});`,
    OP_HELPERS + GRAD_HELPERS,
  );
}

/** dx[i] = y[i] > 0 ? dy[i] : 0. */
export function reluBackward(r: GpuRunner, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  elementwise(
    r,
    'reluBackward',
    y.length,
    [
      { name: 'y', array: y },
      { name: 'dy', array: dy },
      { name: 'dx', array: dx, write: true },
    ],
    [],
    'dx[i] = select(0.0, dy[i], y[i] > 0.0);',
  );
}

/** Collapsed broadcast geometry: output dims (outer to inner) and each operand's element strides (0 = broadcast). */
export interface Collapsed {
  /** Output dims after dropping size-1 axes and merging, outer to inner. */
  readonly dims: number[];
  /** a's element stride per dim (0 where a broadcasts). */
  readonly sa: number[];
  /** b's element stride per dim (0 where b broadcasts). */
  readonly sb: number[];
}

/** Drops size-1 output axes and merges neighbouring axes along which both operands are contiguous. */
export function collapseBroadcast(
  aShape: readonly number[],
  bShape: readonly number[],
  outShape: readonly number[],
): Collapsed {
  const rank = outShape.length;
  const sa = new Array<number>(rank).fill(0);
  const sb = new Array<number>(rank).fill(0);
  let accA = 1;
  let accB = 1;
  for (let d = rank - 1; d >= 0; d--) {
    sa[d] = aShape[d] === 1 ? 0 : accA;
    accA *= aShape[d];
    sb[d] = bShape[d] === 1 ? 0 : accB;
    accB *= bShape[d];
  }
  const dims: number[] = [];
  const ra: number[] = [];
  const rb: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (outShape[d] === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && ra[k] === sa[d] * outShape[d] && rb[k] === sb[d] * outShape[d]) {
      dims[k] *= outShape[d];
      ra[k] = sa[d];
      rb[k] = sb[d];
    } else {
      dims.push(outShape[d]);
      ra.push(sa[d]);
      rb.push(sb[d]);
    }
  }
  return { dims, sa: ra, sb: rb };
}

/** out = op(a, b) with broadcasting (aShape and bShape padded to outShape's rank). */
export function binary(
  r: GpuRunner,
  op: BinaryOp,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  out: Float32Array,
  outShape: readonly number[],
): void {
  const e = binaryWgsl(op);
  check(
    aShape.length === outShape.length && bShape.length === outShape.length,
    'binary',
    `shapes [${aShape}] and [${bShape}] are not padded to the output's rank ${outShape.length}`,
  );
  const n = outShape.reduce((p, d) => p * d, 1);
  const { dims, sa, sb } = collapseBroadcast(aShape, bShape, outShape);
  const bufs = [
    { name: 'a', array: a },
    { name: 'b', array: b },
    { name: 'out', array: out, write: true },
  ];
  if (dims.length === 1 && sa[0] === 1 && sb[0] === 1) {
    elementwise(r, `binary:${op}:same`, n, bufs, [], `let a_ = a[i]; let b_ = b[i]; out[i] = ${expr(e)};`, OP_HELPERS);
    return;
  }
  const R = dims.length;
  const params: Param[] = [];
  let decode = 'var rem = i; var ia = 0u; var ib = 0u;';
  for (let d = R - 1; d >= 0; d--) {
    params.push([`d${d}`, 'u32', dims[d]], [`sa${d}`, 'u32', sa[d]], [`sb${d}`, 'u32', sb[d]]);
    if (d > 0) decode += ` { let q = rem % P.d${d}; rem = rem / P.d${d}; ia += q * P.sa${d}; ib += q * P.sb${d}; }`;
    else decode += ' ia += rem * P.sa0; ib += rem * P.sb0;';
  }
  elementwise(
    r,
    `binary:${op}:r${R}`,
    n,
    bufs,
    params,
    `${decode} let a_ = a[ia]; let b_ = b[ib]; out[i] = ${expr(e)};`,
    OP_HELPERS,
  );
}

function expr(e: string): string {
  return e.replace(/\ba\b/g, 'a_').replace(/\bb\b/g, 'b_');
}
