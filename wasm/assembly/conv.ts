// 2-D convolution as im2col + packed GEMM, forward and both gradients, split into
// independent tasks so threads never write the same output:
//   forward        tasks = (image, group, column chunk)   -> disjoint y columns
//   backward data  tasks = (image, group, channel range)  -> disjoint dx planes
//   backward weight tasks = (group, row range of dW)      -> disjoint dW columns
// conv2dAct is the forward with a bias + activation epilogue (any unary op) on each tile.
// Each thread owns a workspace: GEMM packing buffers followed by a column buffer of
// `colCap` floats. A 1x1, stride-1, unpadded convolution skips im2col entirely.
import { gemmCore, GEMM_WS_BYTES } from './gemm';
import { unaryHasSimd, unaryScalar, unaryVec } from './generated/ops';
import {
  CONV2D_C_IN, CONV2D_C_OUT, CONV2D_DILATION_H, CONV2D_DILATION_W, CONV2D_GROUPS, CONV2D_H, CONV2D_KH, CONV2D_KW, CONV2D_N,
  CONV2D_OUT_H, CONV2D_OUT_W, CONV2D_PAD_LEFT, CONV2D_PAD_TOP, CONV2D_STRIDE_H, CONV2D_STRIDE_W, CONV2D_W,
} from './generated/ops';

// Geometry shared by the three kernels, set by setConvGeometry (one call, then the kernel).
let N: i32 = 0, C: i32 = 0, H: i32 = 0, W: i32 = 0, O: i32 = 0, KH: i32 = 0, KW: i32 = 0;
let SH: i32 = 1, SW: i32 = 1, PT: i32 = 0, PL: i32 = 0, DH: i32 = 1, DW: i32 = 1, G: i32 = 1;
let OH: i32 = 0, OW: i32 = 0;

/** Loads the geometry (i32 fields at the generated CONV2D_* byte offsets) into globals. */
function loadGeometry(p: usize): void {
  N = load<i32>(p + CONV2D_N); C = load<i32>(p + CONV2D_C_IN); H = load<i32>(p + CONV2D_H); W = load<i32>(p + CONV2D_W);
  O = load<i32>(p + CONV2D_C_OUT); KH = load<i32>(p + CONV2D_KH); KW = load<i32>(p + CONV2D_KW);
  SH = load<i32>(p + CONV2D_STRIDE_H); SW = load<i32>(p + CONV2D_STRIDE_W); PT = load<i32>(p + CONV2D_PAD_TOP);
  PL = load<i32>(p + CONV2D_PAD_LEFT); DH = load<i32>(p + CONV2D_DILATION_H); DW = load<i32>(p + CONV2D_DILATION_W);
  G = load<i32>(p + CONV2D_GROUPS); OH = load<i32>(p + CONV2D_OUT_H); OW = load<i32>(p + CONV2D_OUT_W);
}

// @ts-ignore: decorator
@inline function isDirect(): bool {
  return KH == 1 && KW == 1 && SH == 1 && SW == 1 && PT == 0 && PL == 0 && OH == H && OW == W;
}

/** Valid output-column range [lo, hi) for a tap whose input column is ow*SW + off. */
// @ts-ignore: decorator
@inline function colLo(off: i32): i32 { return off >= 0 ? 0 : (-off + SW - 1) / SW; }
// @ts-ignore: decorator
@inline function colHi(off: i32): i32 { const r = W - 1 - off; return r < 0 ? 0 : min<i32>(OW, r / SW + 1); }

/** Copies n floats; short runs inline (V8 calls out of line for memory.copy). */
// @ts-ignore: decorator
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= 64) { memory.copy(dst, src, <usize>n << 2); return; }
  let i = 0;
  for (; i + 4 <= n; i += 4) { v128.store(dst, v128.load(src)); dst += 16; src += 16; }
  for (; i < n; i++) { store<f32>(dst, load<f32>(src)); dst += 4; src += 4; }
}

/** Zeroes n floats; short runs inline. */
// @ts-ignore: decorator
@inline function zeroF32(dst: usize, n: i32): void {
  if (n >= 64) { memory.fill(dst, 0, <usize>n << 2); return; }
  let i = 0;
  for (; i + 4 <= n; i += 4) { v128.store(dst, f32x4.splat(0)); dst += 16; }
  for (; i < n; i++) { store<f32>(dst, 0); dst += 4; }
}

/**
 * Copies (add == false) or accumulates into the image (add == true) the im2col block for
 * rows [r0, r1) (row = channel * KH*KW + tap, channel relative to img) and output
 * positions [j0, j1); col is row-major with leading dimension j1 - j0.
 */
function im2col(col: usize, img: usize, r0: i32, r1: i32, j0: i32, j1: i32, add: bool): void {
  const khkw = KH * KW;
  const len = j1 - j0;
  for (let r = r0; r < r1; r++) {
    const c = r / khkw, t = r - c * khkw, ki = t / KW, kj = t - ki * KW;
    const plane = img + (<usize>(c * H * W) << 2);
    let dst = col + (<usize>((r - r0) * len) << 2);
    const offH = ki * DH - PT, offW = kj * DW - PL;
    let lo = colLo(offW), hi = colHi(offW);
    if (lo > hi) lo = hi;
    let oh = j0 / OW, ow = j0 - oh * OW;
    let j = j0;
    while (j < j1) {
      const cnt = min<i32>(j1 - j, OW - ow);
      const ih = oh * SH + offH;
      if (ih < 0 || ih >= H) {
        if (!add) zeroF32(dst, cnt);
      } else {
        const row = plane + (<usize>(ih * W) << 2);
        const end = ow + cnt;
        const a = min<i32>(max<i32>(ow, lo), end);
        const b = max<i32>(min<i32>(end, hi), a);
        if (!add) {
          if (a > ow) zeroF32(dst, a - ow);
          if (end > b) zeroF32(dst + (<usize>(b - ow) << 2), end - b);
        }
        let d = dst + (<usize>(a - ow) << 2);
        if (SW == 1) {
          let s = row + (<usize>(a + offW) << 2);
          if (!add) copyF32(d, s, b - a);
          else {
            let x = a;
            for (; x + 4 <= b; x += 4) { v128.store(s, f32x4.add(v128.load(s), v128.load(d))); s += 16; d += 16; }
            for (; x < b; x++) { store<f32>(s, load<f32>(s) + load<f32>(d)); s += 4; d += 4; }
          }
        } else {
          const step = <usize>SW << 2;
          let s = row + (<usize>(a * SW + offW) << 2);
          if (!add) for (let x = a; x < b; x++) { store<f32>(d, load<f32>(s)); s += step; d += 4; }
          else for (let x = a; x < b; x++) { store<f32>(s, load<f32>(s) + load<f32>(d)); s += step; d += 4; }
        }
      }
      dst += <usize>cnt << 2;
      j += cnt; oh++; ow = 0;
    }
  }
}

/** Chunk length for a column buffer of `cap` floats holding `rows` rows (multiple of 8). */
function chunkLen(cap: i32, rows: i32, total: i32): i32 {
  let l = cap / max<i32>(rows, 1);
  l = l & ~7;
  if (l < 8) l = 8;
  return min<i32>(l, total);
}

/** Forward: y = conv(x, w) + bias. Pointers are bytes; bias may be 0 (none). */
export function conv2d(tid: i32, nt: i32, wid: i32, geo: usize, x: usize, w: usize, bias: usize, y: usize,
  ws: usize, wsStride: i32, colCap: i32): void {
  convForward(tid, nt, wid, geo, x, w, bias, y, ws, wsStride, colCap, -1, 0);
}

/** Forward with a fused epilogue: y = act(conv(x, w) + bias), act a unary op code applied with alpha. */
export function conv2dAct(tid: i32, nt: i32, wid: i32, geo: usize, x: usize, w: usize, bias: usize, y: usize,
  ws: usize, wsStride: i32, colCap: i32, act: i32, alpha: f32): void {
  convForward(tid, nt, wid, geo, x, w, bias, y, ws, wsStride, colCap, act, alpha);
}

/**
 * Bias and activation on the rows [0, og) of a just-computed output tile (row stride P floats,
 * len columns), one pass while the tile is in cache; act < 0: none; bias 0: none.
 */
function epilogue(yp: usize, og: i32, P: i32, len: i32, bias: usize, act: i32, alpha: f32): void {
  const simd = act < 0 || unaryHasSimd(act);
  const va = f32x4.splat(alpha);
  for (let o = 0; o < og; o++) {
    const b: f32 = bias != 0 ? load<f32>(bias + (<usize>o << 2)) : 0;
    const bv = f32x4.splat(b);
    let p = yp + (<usize>(o * P) << 2);
    let i = 0;
    if (simd) {
      if (act < 0) for (; i + 4 <= len; i += 4) { v128.store(p, f32x4.add(v128.load(p), bv)); p += 16; }
      else for (; i + 4 <= len; i += 4) { v128.store(p, unaryVec(act, f32x4.add(v128.load(p), bv), va)); p += 16; }
    }
    if (act < 0) for (; i < len; i++) { store<f32>(p, load<f32>(p) + b); p += 4; }
    else for (; i < len; i++) { store<f32>(p, unaryScalar(act, load<f32>(p) + b, alpha)); p += 4; }
  }
}

function convForward(tid: i32, nt: i32, wid: i32, geo: usize, x: usize, w: usize, bias: usize, y: usize,
  ws: usize, wsStride: i32, colCap: i32, act: i32, alpha: f32): void {
  loadGeometry(geo);
  const cg = C / G, og = O / G, khkw = KH * KW, kd = cg * khkw, P = OH * OW;
  const direct = isDirect();
  let L = direct ? P : chunkLen(colCap, kd, P);
  let chunks = (P + L - 1) / L;
  const ng = N * G;
  if (ng * chunks < nt) {
    const want = (nt + ng - 1) / ng;
    if (P >= 8 * want) { L = (((P + want - 1) / want) + 7) & ~7; chunks = (P + L - 1) / L; }
  }
  const T = ng * chunks;
  const t0 = <i32>(<i64>T * tid / nt), t1 = <i32>(<i64>T * (tid + 1) / nt);
  const myws = ws + <usize>wid * <usize>wsStride;
  const col = myws + <usize>GEMM_WS_BYTES;
  for (let t = t0; t < t1; t++) {
    const ch = t % chunks, q = t / chunks, g = q % G, n = q / G;
    const j0 = ch * L, j1 = min<i32>(P, j0 + L), len = j1 - j0;
    const xg = x + (<usize>((n * C + g * cg) * H * W) << 2);
    const yp = y + (<usize>((n * O + g * og) * P + j0) << 2);
    const wp = w + (<usize>(g * og * kd) << 2);
    if (direct) {
      gemmCore(og, len, kd, 1, wp, kd, 1, xg + (<usize>j0 << 2), P, 1, 0, yp, P, myws);
    } else {
      im2col(col, xg, 0, kd, j0, j1, false);
      gemmCore(og, len, kd, 1, wp, kd, 1, col, len, 1, 0, yp, P, myws);
    }
    if (bias != 0 || act >= 0) epilogue(yp, og, P, len, bias != 0 ? bias + (<usize>(g * og) << 2) : 0, act, alpha);
  }
}

/** Data gradient: dx = conv_transpose(dy, w), overwriting dx. */
export function conv2dBackwardData(tid: i32, nt: i32, wid: i32, geo: usize, dy: usize, w: usize, dx: usize,
  ws: usize, wsStride: i32, colCap: i32): void {
  loadGeometry(geo);
  const cg = C / G, og = O / G, khkw = KH * KW, kd = cg * khkw, P = OH * OW, HW = H * W;
  const direct = isDirect();
  const ng = N * G;
  let parts = 1;
  if (ng < nt) parts = min<i32>(cg, (nt + ng - 1) / ng);
  const T = ng * parts;
  const t0 = <i32>(<i64>T * tid / nt), t1 = <i32>(<i64>T * (tid + 1) / nt);
  const myws = ws + <usize>wid * <usize>wsStride;
  const col = myws + <usize>GEMM_WS_BYTES;
  for (let t = t0; t < t1; t++) {
    const part = t % parts, q = t / parts, g = q % G, n = q / G;
    const c0 = <i32>(<i64>cg * part / parts), c1 = <i32>(<i64>cg * (part + 1) / parts);
    if (c1 <= c0) continue;
    const dxp = dx + (<usize>((n * C + g * cg + c0) * HW) << 2);
    const dyg = dy + (<usize>((n * O + g * og) * P) << 2);
    const wt = w + (<usize>(g * og * kd + c0 * khkw) << 2); // W^T(r, o) = w[o*kd + r]
    if (direct) {
      gemmCore(c1 - c0, P, og, 1, wt, 1, kd, dyg, P, 1, 0, dxp, P, myws);
      continue;
    }
    memory.fill(dxp, 0, <usize>((c1 - c0) * HW) << 2);
    const R = (c1 - c0) * khkw;
    // chunks depend on the geometry only (not on how many parts there are), so that the
    // order of accumulation, hence every bit of dx, is the same on any number of threads
    const L = chunkLen(colCap, kd, P);
    for (let j0 = 0; j0 < P; j0 += L) {
      const j1 = min<i32>(P, j0 + L), len = j1 - j0;
      gemmCore(R, len, og, 1, wt, 1, kd, dyg + (<usize>j0 << 2), P, 1, 0, col, len, myws);
      im2col(col, dxp, 0, R, j0, j1, true);
    }
  }
}

/** Weight gradient: dw = sum over images of dy * im2col(x)^T, overwriting dw. */
export function conv2dBackwardWeight(tid: i32, nt: i32, wid: i32, geo: usize, x: usize, dy: usize, dw: usize,
  ws: usize, wsStride: i32, colCap: i32): void {
  loadGeometry(geo);
  const cg = C / G, og = O / G, khkw = KH * KW, kd = cg * khkw, P = OH * OW;
  const direct = isDirect();
  let parts = 1;
  if (G < nt) parts = min<i32>((kd + 7) / 8, (nt + G - 1) / G);
  const RL = (((kd + parts - 1) / parts) + 7) & ~7;
  parts = (kd + RL - 1) / RL;
  const T = G * parts;
  const t0 = <i32>(<i64>T * tid / nt), t1 = <i32>(<i64>T * (tid + 1) / nt);
  const myws = ws + <usize>wid * <usize>wsStride;
  const col = myws + <usize>GEMM_WS_BYTES;
  for (let t = t0; t < t1; t++) {
    const part = t % parts, g = t / parts;
    const r0 = part * RL, r1 = min<i32>(kd, r0 + RL), R = r1 - r0;
    const dwp = dw + (<usize>(g * og * kd + r0) << 2);
    if (N == 0 || P == 0) {
      for (let o = 0; o < og; o++) memory.fill(dwp + (<usize>(o * kd) << 2), 0, <usize>R << 2);
      continue;
    }
    let beta: f32 = 0;
    for (let n = 0; n < N; n++) {
      const dyg = dy + (<usize>((n * O + g * og) * P) << 2);
      const xg = x + (<usize>((n * C + g * cg) * H * W) << 2);
      if (direct) {
        gemmCore(og, R, P, 1, dyg, P, 1, xg + (<usize>(r0 * P) << 2), 1, P, beta, dwp, kd, myws);
        beta = 1;
        continue;
      }
      const L = chunkLen(colCap, kd, P); // thread-count independent, as in backward data
      for (let j0 = 0; j0 < P; j0 += L) {
        const j1 = min<i32>(P, j0 + L), len = j1 - j0;
        im2col(col, xg, r0, r1, j0, j1, false);
        gemmCore(og, R, len, 1, dyg + (<usize>j0 << 2), P, 1, col, 1, len, beta, dwp, kd, myws);
        beta = 1;
      }
    }
  }
}
