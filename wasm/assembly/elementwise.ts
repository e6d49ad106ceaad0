// Elementwise, reduction and layout kernels. Op codes and the per-op scalar/SIMD forms are
// generated from src/backend/ops.ts (./generated/ops.ts). Every kernel (here and in the other
// files) takes (tid, nt, wid): it processes share tid of nt equal shares of the work, on
// thread wid (which selects per-thread scratch); threads claim shares dynamically.

import {
  AR_ARGMAX, R_MAX, R_PROD, R_SUM, binaryHasSimd, binaryScalar, binaryVec, unaryGrad, unaryHasSimd, unaryScalar, unaryVec,
} from './generated/ops';

// @ts-ignore: decorator
@inline function share(total: i32, tid: i32, nt: i32): i32 { return <i32>(<i64>total * tid / nt); }

/** out[i] = op(x[i]) for this thread's share of n elements; out may equal x. */
export function unary(tid: i32, nt: i32, wid: i32, op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  let i = i0;
  const va = f32x4.splat(alpha);
  let px = x + (<usize>i << 2), po = out + (<usize>i << 2);
  if (unaryHasSimd(op)) {
    for (; i + 4 <= i1; i += 4) {
      v128.store(po, unaryVec(op, v128.load(px), va));
      px += 16; po += 16;
    }
  }
  for (; i < i1; i++) { store<f32>(po, unaryScalar(op, load<f32>(px), alpha)); px += 4; po += 4; }
}

/** dx[i] = dy[i] * op'(x[i], y[i]) for this thread's share (ops with a declared derivative). */
export function unaryBackward(tid: i32, nt: i32, wid: i32, op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * unaryGrad(op, load<f32>(x + o), load<f32>(y + o), alpha));
  }
}

/** One row: out[j] = op(a[j*ia], b[j*ib]) with element steps ia, ib in {0, 1, other}. */
function binaryRow(op: i32, a: usize, ia: i32, b: usize, ib: i32, out: usize, len: i32): void {
  let j = 0;
  if (binaryHasSimd(op)) {
    if (ia == 1 && ib == 1) {
      for (; j + 4 <= len; j += 4) { v128.store(out, binaryVec(op, v128.load(a), v128.load(b))); a += 16; b += 16; out += 16; }
    } else if (ia == 1 && ib == 0) {
      const vb = v128.load32_splat(b);
      for (; j + 4 <= len; j += 4) { v128.store(out, binaryVec(op, v128.load(a), vb)); a += 16; out += 16; }
    } else if (ia == 0 && ib == 1) {
      const va = v128.load32_splat(a);
      for (; j + 4 <= len; j += 4) { v128.store(out, binaryVec(op, va, v128.load(b))); b += 16; out += 16; }
    }
  }
  const sa = <usize>ia << 2, sb = <usize>ib << 2;
  for (; j < len; j++) { store<f32>(out, binaryScalar(op, load<f32>(a), load<f32>(b))); a += sa; b += sb; out += 4; }
}

/**
 * Broadcasting binary op. meta holds 3*rank i32: outShape, strides of a, strides of b
 * (elements, 0 on broadcast axes); the last axis is the contiguous inner loop.
 * idx is this thread's scratch for the multi-index (rank i32).
 */
export function binary(tid: i32, nt: i32, wid: i32, op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize,
  total: i32, idx: usize): void {
  const shp = meta, sa = meta + (<usize>rank << 2), sb = meta + (<usize>(2 * rank) << 2);
  const inner = load<i32>(shp + (<usize>(rank - 1) << 2));
  if (inner == 0) return;
  const rows = total / inner;
  const r0 = share(rows, tid, nt), r1 = share(rows, tid + 1, nt);
  if (r1 <= r0) return;
  const ia = load<i32>(sa + (<usize>(rank - 1) << 2)), ib = load<i32>(sb + (<usize>(rank - 1) << 2));
  const myIdx = idx + (<usize>(wid * 32) << 2);
  let offA = 0, offB = 0, rem = r0;
  for (let d = rank - 2; d >= 0; d--) {
    const sz = load<i32>(shp + (<usize>d << 2));
    const v = rem % sz; rem = rem / sz;
    store<i32>(myIdx + (<usize>d << 2), v);
    offA += v * load<i32>(sa + (<usize>d << 2));
    offB += v * load<i32>(sb + (<usize>d << 2));
  }
  for (let r = r0; r < r1; r++) {
    binaryRow(op, a + (<usize>offA << 2), ia, b + (<usize>offB << 2), ib, out + (<usize>(r * inner) << 2), inner);
    for (let d = rank - 2; d >= 0; d--) {
      const ip = myIdx + (<usize>d << 2);
      const v = load<i32>(ip) + 1;
      const s_a = load<i32>(sa + (<usize>d << 2)), s_b = load<i32>(sb + (<usize>d << 2));
      offA += s_a; offB += s_b;
      const sz = load<i32>(shp + (<usize>d << 2));
      if (v < sz) { store<i32>(ip, v); break; }
      offA -= s_a * sz; offB -= s_b * sz;
      store<i32>(ip, 0);
    }
  }
}

/**
 * Reduces x viewed as (outer, len, inner) over the middle axis (op: R_SUM, R_MAX, R_MIN,
 * R_PROD). Threads split the outer axis, or the inner axis when outer is too small.
 */
export function reduce(tid: i32, nt: i32, wid: i32, op: i32, x: usize, outer: i32, len: i32, inner: i32, out: usize): void {
  const splitInner = outer < nt && inner >= 4 * nt;
  const o0 = splitInner ? 0 : share(outer, tid, nt), o1 = splitInner ? outer : share(outer, tid + 1, nt);
  const i0 = splitInner ? share(inner, tid, nt) : 0, i1 = splitInner ? share(inner, tid + 1, nt) : inner;
  for (let o = o0; o < o1; o++) {
    const base = x + (<usize>(o * len) * <usize>inner << 2);
    const dst = out + (<usize>(o * inner) << 2);
    if (inner == 1) {
      store<f32>(dst, reduceRow(op, base, len));
      continue;
    }
    if (len == 0) {
      const init: f32 = op == R_SUM ? 0 : op == R_PROD ? 1 : op == R_MAX ? -Infinity : Infinity;
      for (let i = i0; i < i1; i++) store<f32>(dst + (<usize>i << 2), init);
      continue;
    }
    memory.copy(dst + (<usize>i0 << 2), base + (<usize>i0 << 2), <usize>(i1 - i0) << 2);
    for (let l = 1; l < len; l++) {
      let s = base + (<usize>(l * inner + i0) << 2);
      let d = dst + (<usize>i0 << 2);
      let i = i0;
      if (op != R_PROD) {
        for (; i + 4 <= i1; i += 4) {
          const v = v128.load(s), acc = v128.load(d);
          v128.store(d, op == R_SUM ? f32x4.add(acc, v) : op == R_MAX ? f32x4.max(acc, v) : f32x4.min(acc, v));
          s += 16; d += 16;
        }
      }
      for (; i < i1; i++) {
        const v = load<f32>(s), acc = load<f32>(d);
        let r: f32;
        if (op == R_SUM) r = acc + v;
        else if (op == R_PROD) r = acc * v;
        else if (op == R_MAX) r = v > acc || isNaN<f32>(v) || isNaN<f32>(acc) ? (isNaN<f32>(acc) ? acc : v) : acc;
        else r = v < acc || isNaN<f32>(v) || isNaN<f32>(acc) ? (isNaN<f32>(acc) ? acc : v) : acc;
        store<f32>(d, r);
        s += 4; d += 4;
      }
    }
  }
}

function reduceRow(op: i32, p: usize, len: i32): f32 {
  if (op == R_PROD) {
    let acc: f64 = 1;
    for (let l = 0; l < len; l++) acc *= <f64>load<f32>(p + (<usize>l << 2));
    return <f32>acc;
  }
  let l = 0;
  if (op == R_SUM) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (; l + 8 <= len; l += 8) {
      a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16)); p += 32;
    }
    a0 = f32x4.add(a0, a1);
    let s: f64 = <f64>f32x4.extract_lane(a0, 0) + <f64>f32x4.extract_lane(a0, 1) + <f64>f32x4.extract_lane(a0, 2) + <f64>f32x4.extract_lane(a0, 3);
    for (; l < len; l++) { s += <f64>load<f32>(p); p += 4; }
    return <f32>s;
  }
  let acc: f32 = op == R_MAX ? -Infinity : Infinity;
  if (len >= 8) {
    let v = f32x4.splat(acc);
    for (; l + 4 <= len; l += 4) { v = op == R_MAX ? f32x4.max(v, v128.load(p)) : f32x4.min(v, v128.load(p)); p += 16; }
    for (let k = 0; k < 4; k++) {
      const e = k == 0 ? f32x4.extract_lane(v, 0) : k == 1 ? f32x4.extract_lane(v, 1) : k == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
      if (isNaN<f32>(e)) return e;
      if (op == R_MAX ? e > acc : e < acc) acc = e;
    }
  }
  for (; l < len; l++) {
    const v = load<f32>(p); p += 4;
    if (isNaN<f32>(v)) return v;
    if (op == R_MAX ? v > acc : v < acc) acc = v;
  }
  return acc;
}

/** Index of the first max (op AR_ARGMAX) or min (AR_ARGMIN) over the middle axis of (outer, len, inner). */
export function argReduce(tid: i32, nt: i32, wid: i32, op: i32, x: usize, outer: i32, len: i32, inner: i32, out: usize): void {
  const isMax = op == AR_ARGMAX;
  const total = outer * inner;
  const q0 = share(total, tid, nt), q1 = share(total, tid + 1, nt);
  const step = <usize>inner << 2;
  for (let q = q0; q < q1; q++) {
    const o = q / inner, i = q - o * inner;
    let p = x + (<usize>(o * len * inner + i) << 2);
    let best = load<f32>(p), bi = 0;
    p += step;
    for (let l = 1; l < len; l++) {
      const v = load<f32>(p); p += step;
      if (isMax ? v > best : v < best) { best = v; bi = l; }
    }
    store<i32>(out + (<usize>q << 2), bi);
  }
}

/**
 * out = x with permuted axes. meta holds 2*rank i32: out shape, then the input stride (in
 * elements) of each out axis. idx is per-thread scratch as in `binary`.
 */
export function permute(tid: i32, nt: i32, wid: i32, x: usize, out: usize, rank: i32, meta: usize, total: i32, idx: usize): void {
  const shp = meta, st = meta + (<usize>rank << 2);
  const inner = load<i32>(shp + (<usize>(rank - 1) << 2));
  if (inner == 0) return;
  const rows = total / inner;
  const r0 = share(rows, tid, nt), r1 = share(rows, tid + 1, nt);
  if (r1 <= r0) return;
  const si = <usize>load<i32>(st + (<usize>(rank - 1) << 2)) << 2;
  const myIdx = idx + (<usize>(wid * 32) << 2);
  let off = 0, rem = r0;
  for (let d = rank - 2; d >= 0; d--) {
    const sz = load<i32>(shp + (<usize>d << 2));
    const v = rem % sz; rem = rem / sz;
    store<i32>(myIdx + (<usize>d << 2), v);
    off += v * load<i32>(st + (<usize>d << 2));
  }
  for (let r = r0; r < r1; r++) {
    let s = x + (<usize>off << 2);
    let d = out + (<usize>(r * inner) << 2);
    if (si == 4) memory.copy(d, s, <usize>inner << 2);
    else for (let j = 0; j < inner; j++) { store<f32>(d, load<f32>(s)); s += si; d += 4; }
    for (let dd = rank - 2; dd >= 0; dd--) {
      const ip = myIdx + (<usize>dd << 2);
      const v = load<i32>(ip) + 1;
      const sd = load<i32>(st + (<usize>dd << 2));
      off += sd;
      const sz = load<i32>(shp + (<usize>dd << 2));
      if (v < sz) { store<i32>(ip, v); break; }
      off -= sd * sz;
      store<i32>(ip, 0);
    }
  }
}

/** Fills n floats at p with v (used to zero reused tensor storage). */
export function fill(p: usize, n: i32, v: f32): void {
  if (v == 0) { memory.fill(p, 0, <usize>n << 2); return; }
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), v);
}
