/** Reference reduction and layout kernels. */
import { reduceSpec, type ArgReduceOp, type ReduceOp } from '../ops.js';

/** Reduces x viewed as (outer, len, inner) over the middle axis. */
export function reduce(
  op: ReduceOp,
  x: Float32Array,
  outer: number,
  len: number,
  inner: number,
  out: Float32Array,
): void {
  const init = op === 'sum' ? 0 : reduceSpec(op).identity; // (throws on an unknown op)
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) {
      let acc = init;
      for (let l = 0, p = base + i; l < len; l++, p += inner) {
        const v = x[p];
        if (op === 'sum') acc += v;
        else if (op === 'prod') acc *= v;
        else if (op === 'max') {
          if (v > acc || Number.isNaN(v)) acc = v;
        } else if (v < acc || Number.isNaN(v)) acc = v;
      }
      out[o * inner + i] = acc;
    }
  }
}

/** Index of the first max (or min) over the middle axis. */
export function argReduce(
  op: ArgReduceOp,
  x: Float32Array,
  outer: number,
  len: number,
  inner: number,
  out: Int32Array,
): void {
  if (op !== 'argmax' && op !== 'argmin')
    throw new Error(`argReduce: unknown op '${String(op)}' (known: argmax, argmin)`);
  const isMax = op === 'argmax';
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i],
        bi = 0;
      for (let l = 1, p = base + i + inner; l < len; l++, p += inner) {
        const v = x[p];
        if (isMax ? v > best : v < best) {
          best = v;
          bi = l;
        }
      }
      out[o * inner + i] = bi;
    }
  }
}

/** Copies x into out with axes permuted: out.shape[d] = shape[perm[d]]. */
export function permute(x: Float32Array, shape: readonly number[], perm: readonly number[], out: Float32Array): void {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = acc;
    acc *= shape[d];
  }
  const outShape = perm.map((p) => shape[p]);
  const st = perm.map((p) => inStrides[p]);
  const idx = new Array<number>(rank).fill(0);
  const n = out.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const inner = outShape[rank - 1],
    si = st[rank - 1];
  let off = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, p = off; j < inner; j++, p += si) out[o + j] = x[p];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < outShape[d]) break;
      off -= st[d] * outShape[d];
      idx[d] = 0;
    }
  }
}
