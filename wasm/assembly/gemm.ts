// Packed, cache-blocked single-precision GEMM with a 4x8 f32x4 register tile.
//
// C(m x n) = alpha * A(m x k) * B(k x n) + beta * C, where A(i, p) = a[i*sai + p*sap] and
// B(p, j) = b[p*sbp + j*sbj] (element strides), so transposes are just stride choices.
// Loop nest (GotoBLAS): columns in NC blocks, depth in KC blocks (B block packed once),
// rows in MC blocks (A block packed, alpha folded in), then 8-column x 4-row micro-tiles.
// The tile keeps 8 f32x4 accumulators + 2 B vectors + 1 broadcast A value in registers:
// V8 has 16 vector registers and a 6x8 tile spills.

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 512;
/** 1 in the relaxed-SIMD (fused multiply-add) build, 0 in the plain one: the loader's describe() reads it. */
export const RELAXED_SIMD: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
/** Bytes of per-thread workspace gemmCore needs: packed A block, packed B block, edge tile. */
export const GEMM_WS_BYTES: i32 = (MC * KC + KC * NC + MR * NR) * 4;

/** Packs an mc x kc block of A (alpha folded in) into MR-row panels, zero-padded. */
function packA(dst: usize, a: usize, sai: i32, sap: i32, mc: i32, kc: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  for (let i = 0; i < mc; i += MR) {
    const rows = min<i32>(MR, mc - i);
    if (rows == MR && sai == 1) {
      // A stored transposed: the 4 rows of one depth step are contiguous
      let src = a + (<usize>i << 2);
      const step = <usize>sap << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, f32x4.mul(v128.load(src), va));
        src += step; dst += 16;
      }
    } else if (rows == MR && sap == 1) {
      const r0 = a + (<usize>(i * sai) << 2);
      const rs = <usize>sai << 2;
      const r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p << 2;
        // 4x4 transpose of rows r0..r3, columns p..p+3
        const x0 = v128.load(r0 + off), x1 = v128.load(r1 + off);
        const x2 = v128.load(r2 + off), x3 = v128.load(r3 + off);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        v128.store(dst, f32x4.mul(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), va));
        v128.store(dst, f32x4.mul(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), va), 16);
        v128.store(dst, f32x4.mul(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), va), 32);
        v128.store(dst, f32x4.mul(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), va), 48);
        dst += 64;
      }
      for (; p < kc; p++) {
        const off = <usize>p << 2;
        store<f32>(dst, load<f32>(r0 + off) * alpha);
        store<f32>(dst, load<f32>(r1 + off) * alpha, 4);
        store<f32>(dst, load<f32>(r2 + off) * alpha, 8);
        store<f32>(dst, load<f32>(r3 + off) * alpha, 12);
        dst += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < rows ? load<f32>(a + (<usize>((i + r) * sai + p * sap) << 2)) * alpha : 0;
          store<f32>(dst + (<usize>r << 2), v);
        }
        dst += 16;
      }
    }
  }
}

/** Packs a kc x nc block of B into NR-column panels, zero-padded. */
function packB(dst: usize, b: usize, sbp: i32, sbj: i32, kc: i32, nc: i32): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min<i32>(NR, nc - j);
    if (cols == NR && sbj == 1) {
      let src = b + (<usize>j << 2);
      const step = <usize>sbp << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += step; dst += 32;
      }
    } else if (cols == NR && sbp == 1) {
      // B stored transposed: each column is contiguous over p
      for (let c = 0; c < NR; c++) {
        let src = b + (<usize>((j + c) * sbj) << 2);
        let d = dst + (<usize>c << 2);
        for (let p = 0; p < kc; p++) { store<f32>(d, load<f32>(src)); src += 4; d += 32; }
      }
      dst += <usize>kc << 5;
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < cols ? load<f32>(b + (<usize>(p * sbp + (j + c) * sbj) << 2)) : 0;
          store<f32>(dst + (<usize>c << 2), v);
        }
        dst += 32;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow(c: usize, x0: v128, x1: v128, beta: f32): void {
  if (beta == 0) {
    v128.store(c, x0); v128.store(c, x1, 16);
  } else if (beta == 1) {
    v128.store(c, f32x4.add(v128.load(c), x0));
    v128.store(c, f32x4.add(v128.load(c, 16), x1), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(v128.load(c), vb), x0));
    v128.store(c, f32x4.add(f32x4.mul(v128.load(c, 16), vb), x1), 16);
  }
}

/**
 * c + a * b. In the relaxed-SIMD build (wasm/build/convkit-fma.wasm, loaded on request: the
 * `simd: 'relaxed'` option or CONVKIT_WASM_SIMD; needs Chromium >= 114 or Node >= 22) a fused
 * multiply-add where the CPU has one: one instruction instead of two, which on Zen 3 made
 * GEMM 1024 31 -> 41 GFLOPS per thread (V8 turns the mul + add pair into two ops that share the
 * front end with the loads and loop overhead). The plain build (convkit.wasm, the default) keeps mul then add: its results are
 * the same bits on every engine and CPU.
 */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? f32x4.relaxed_madd(a, b, c) : f32x4.add(c, f32x4.mul(a, b));
}

/** One 4x8 tile: C(4x8) = Apanel * Bpanel + beta * C; partial tiles go through tmp. */
function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldcBytes: usize, beta: f32,
  mr: i32, nr: i32, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 16; pb += 32;
  }
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, beta); c += ldcBytes;
    storeRow(c, c10, c11, beta); c += ldcBytes;
    storeRow(c, c20, c21, beta); c += ldcBytes;
    storeRow(c, c30, c31, beta);
    return;
  }
  v128.store(tmp, c00); v128.store(tmp, c01, 16); v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80); v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  for (let r = 0; r < mr; r++) {
    const row = c + <usize>r * ldcBytes;
    const t = tmp + (<usize>(r * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(t + o);
      store<f32>(row + o, beta == 0 ? v : v + beta * load<f32>(row + o));
    }
  }
}

/** C = beta * C for an m x n block (used when k == 0). */
function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(o, beta == 0 ? 0 : beta * load<f32>(o));
    }
  }
}

/** Single-threaded GEMM on byte pointers with element strides; ws = GEMM_WS_BYTES of workspace. */
export function gemmCore(m: i32, n: i32, k: i32, alpha: f32, a: usize, sai: i32, sap: i32,
  b: usize, sbp: i32, sbj: i32, beta: f32, c: usize, ldc: i32, ws: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) { scaleC(m, n, beta, c, ldc); return; }
  const abuf = ws;
  const bbuf = ws + (<usize>(MC * KC) << 2);
  const tmp = bbuf + (<usize>(KC * NC) << 2);
  const ldcBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min<i32>(KC, k - pc);
      packB(bbuf, b + (<usize>(pc * sbp + jc * sbj) << 2), sbp, sbj, kc, nc);
      const be: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(MC, m - ic);
        packA(abuf, a + (<usize>(ic * sai + pc * sap) << 2), sai, sap, mc, kc, alpha);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min<i32>(NR, nc - jr);
          const pb = bbuf + (<usize>(jr * kc) << 2);
          let cp = c + (<usize>(ic * ldc + jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(kc, abuf + (<usize>(ir * kc) << 2), pb, cp, ldcBytes, be, min<i32>(MR, mc - ir), nr, tmp);
            cp += ldcBytes << 2;
          }
        }
      }
    }
  }
}

/**
 * Batched GEMM, share tid of nt (wid: the calling thread, which picks its workspace). Pointers are bytes (offsets included),
 * batch strides are elements. Whole matrices are shared out when the batch is large,
 * otherwise each matrix is split along its larger side on tile boundaries.
 */
export function gemm(tid: i32, nt: i32, wid: i32, transA: i32, transB: i32, batch: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, strideA: i32, b: usize, strideB: i32, beta: f32, c: usize, strideC: i32,
  ws: usize, wsStride: i32): void {
  const sai = transA ? 1 : k, sap = transA ? m : 1;
  const sbp = transB ? 1 : n, sbj = transB ? k : 1;
  const w = ws + <usize>wid * <usize>wsStride;
  if (nt == 1 || batch >= 2 * nt || (batch >= nt && batch % nt == 0)) {
    const b0 = <i32>(<i64>batch * tid / nt), b1 = <i32>(<i64>batch * (tid + 1) / nt);
    for (let bt = b0; bt < b1; bt++) {
      gemmCore(m, n, k, alpha, a + (<usize>(bt * strideA) << 2), sai, sap,
        b + (<usize>(bt * strideB) << 2), sbp, sbj, beta, c + (<usize>(bt * strideC) << 2), n, w);
    }
    return;
  }
  // Each share computes a block of C and packs its own rows of A and columns of B: split C
  // into sm x sn blocks (sm * sn = nt) with the least packing, k (m sn + n sm); a 1-D split
  // packs the whole of A (or B) once per share. Every element keeps its k order: results
  // are the same on any number of threads.
  const tm = (m + MR - 1) / MR, tn = (n + NR - 1) / NR;
  let sm = 0, sn = 0;
  let best: i64 = i64.MAX_VALUE;
  for (let r = 1; r <= nt; r++) {
    if (nt % r != 0) continue;
    const q = nt / r;
    if (r > tm || q > tn) continue;
    const cost = <i64>m * q + <i64>n * r;
    if (cost < best) { best = cost; sm = r; sn = q; }
  }
  for (let bt = 0; bt < batch; bt++) {
    const ab = a + (<usize>(bt * strideA) << 2), bb = b + (<usize>(bt * strideB) << 2);
    const cb = c + (<usize>(bt * strideC) << 2);
    if (sm > 0) {
      const bi = tid / sn, bj = tid - bi * sn;
      const i0 = min<i32>(m, <i32>(<i64>tm * bi / sm) * MR), i1 = min<i32>(m, <i32>(<i64>tm * (bi + 1) / sm) * MR);
      const j0 = min<i32>(n, <i32>(<i64>tn * bj / sn) * NR), j1 = min<i32>(n, <i32>(<i64>tn * (bj + 1) / sn) * NR);
      if (i1 > i0 && j1 > j0)
        gemmCore(i1 - i0, j1 - j0, k, alpha, ab + (<usize>(i0 * sai) << 2), sai, sap, bb + (<usize>(j0 * sbj) << 2),
          sbp, sbj, beta, cb + (<usize>(i0 * n + j0) << 2), n, w);
    } else if (n >= m) {
      const tiles = (n + NR - 1) / NR;
      const j0 = min<i32>(n, <i32>(<i64>tiles * tid / nt) * NR), j1 = min<i32>(n, <i32>(<i64>tiles * (tid + 1) / nt) * NR);
      if (j1 > j0) gemmCore(m, j1 - j0, k, alpha, ab, sai, sap, bb + (<usize>(j0 * sbj) << 2), sbp, sbj, beta, cb + (<usize>j0 << 2), n, w);
    } else {
      const tiles = (m + MR - 1) / MR;
      const i0 = min<i32>(m, <i32>(<i64>tiles * tid / nt) * MR), i1 = min<i32>(m, <i32>(<i64>tiles * (tid + 1) / nt) * MR);
      if (i1 > i0) gemmCore(i1 - i0, n, k, alpha, ab + (<usize>(i0 * sai) << 2), sai, sap, bb, sbp, sbj, beta, cb + (<usize>(i0 * n) << 2), n, w);
    }
  }
}
