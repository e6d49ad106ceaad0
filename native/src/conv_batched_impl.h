// Whole-batch convolution GEMMs for mid-size layers. When an image has few output positions
// (7x7, 14x14), one GEMM per image has a short side far from the micro-kernel's efficient
// regime; here the batch is one wide matrix instead: the forward GEMM's columns run over
// (image, position) pairs, and the weight gradient's reduction runs over all of them.
// Included by kernels_impl.h inside the per-ISA namespace, before conv_impl.h (which calls it).
// Deterministic for any thread count: work is split over output columns only, never over a
// reduction, and every output element is written (outputs may be recycled storage).

// dy of one group over the whole batch, as the A operand of the weight gradient: row i =
// output channel, column q = image * P + position.
struct BatchDyA {
  const float* dy;  // channel 0 of the group, image 0
  long imgStride, P;
  const float* packed(float* dst, long i0, long mc, long p0, long kc) const {
    for (long ir = 0; ir < mc; ir += MR) {
      int mr = (int)lmin(MR, mc - ir);
      float* d = dst + ir * kc;
      for (long s = p0, end = p0 + kc; s < end;) {
        long nn = s / P, pos = s - nn * P, len = lmin(end - s, P - pos);
        float* ds = d + (s - p0) * MR;
        const float* src = dy + nn * imgStride + (i0 + ir) * P + pos;
        for (int i = 0; i < mr; i++) {
          const float* si = src + i * P;
          for (long q = 0; q < len; q++) ds[q * MR + i] = si[q];
        }
        for (int i = mr; i < MR; i++)
          for (long q = 0; q < len; q++) ds[q * MR + i] = 0.f;
        s += len;
      }
    }
    return dst;
  }
};

// BatchDyA packed once for the whole matrix (every weight-column piece reads all of it),
// in PackedA's layout: the KC block at p0 holds MR-row panels of its kc columns.
struct PackedBatchDy {
  float* buf = nullptr;
  long mPad;
  PackedBatchDy(const BatchDyA& a, long m, long k, int T) : mPad((m + MR - 1) / MR * MR) {
    buf = alignedAlloc((size_t)(mPad * k));
    long blocks = (k + KC - 1) / KC;
    auto block = [&](long b) { a.packed(buf + b * KC * mPad, 0, m, b * KC, lmin(KC, k - b * KC)); };
    if (T > 1 && blocks > 1) parallelFor(blocks, block);
    else for (long b = 0; b < blocks; b++) block(b);
  }
  ~PackedBatchDy() { free(buf); }
  PackedBatchDy(const PackedBatchDy&) = delete;
  PackedBatchDy& operator=(const PackedBatchDy&) = delete;
  // i0 is a multiple of MR and p0 of KC (gemmBlock guarantees both)
  const float* packed(float*, long i0, long, long p0, long kc) const { return buf + p0 * mPad + i0 * kc; }
};

// ---- padded batch ------------------------------------------------------------------------
// Every image copied once per call with its padding applied as zeros, Hp x Wp per channel,
// so that im2col element (r, q) is xp[roff(r) + off(q)] with no bounds checks, and the
// columns of one output row are one contiguous run.
struct PaddedBatch {
  float* xp = nullptr;
  long Hp, Wp, imgStride;  // imgStride: floats per padded image (all channels)
  PaddedBatch(const float* x, const CkConvGeom& g, int T)
      : Hp((g.outH - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1),
        Wp((g.outW - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1), imgStride(g.cIn * Hp * Wp) {
    xp = alignedAlloc((size_t)(g.n * imgStride + CK_VW));
    for (long i = g.n * imgStride; i < g.n * imgStride + CK_VW; i++) xp[i] = 0.f;
    long wlo = lmin(lmax(g.padLeft, 0), Wp);          // first column holding input
    long whi = lmax(lmin(g.w + g.padLeft, Wp), wlo);  // end of the input columns
    long c0 = lmax(-g.padLeft, 0);                    // input column at wlo
    auto image = [&](long nn) {
      for (long c = 0; c < g.cIn; c++)
        for (long i = 0; i < Hp; i++) {
          float* row = xp + nn * imgStride + (c * Hp + i) * Wp;
          long ih = i - g.padTop;
          if (ih < 0 || ih >= g.h) { for (long j = 0; j < Wp; j++) row[j] = 0.f; continue; }
          const float* xr = x + ((nn * g.cIn + c) * g.h + ih) * g.w + c0;
          for (long j = 0; j < wlo; j++) row[j] = 0.f;
          for (long j = wlo; j < whi; j++) row[j] = xr[j - wlo];
          for (long j = whi; j < Wp; j++) row[j] = 0.f;
        }
    };
    if (T > 1 && g.n > 1) parallelFor(g.n, image);
    else for (long nn = 0; nn < g.n; nn++) image(nn);
  }
  ~PaddedBatch() { free(xp); }
  PaddedBatch(const PaddedBatch&) = delete;
  PaddedBatch& operator=(const PaddedBatch&) = delete;
};

// dst[0..len) = src[0..len) for a short run (a piece of one output row).
static inline void copyShort(float* __restrict dst, const float* __restrict src, long len) {
#if defined(__AVX512F__) && CK_VW == 16
  while (len > 0) {
    __mmask16 m = (__mmask16)(len >= 16 ? 0xFFFF : (1u << len) - 1);
    _mm512_mask_storeu_ps(dst, m, _mm512_maskz_loadu_ps(m, src));
    dst += 16; src += 16; len -= 16;
  }
#else
  if (len >= CK_VW) copyRun(dst, src, len);
  else for (long i = 0; i < len; i++) dst[i] = src[i];
#endif
}

// dst[i] = src[i * stride] for i < len (a run of one output row).
static inline void copyStrided(float* __restrict dst, const float* __restrict src, long len, long stride) {
  if (stride == 1) copyShort(dst, src, len);
  else for (long i = 0; i < len; i++) dst[i] = src[i * stride];
}

// Geometry of the padded batch as offsets: column q = image * P + position -> off(q), row
// r = (c, ki, kj) -> roff(r); element (r, q) of the batch's im2col is xp[roff(r) + off(q)].
struct PaddedIndex {
  const float* xp;  // group's first channel, image 0
  long imgStride, Hp, Wp, P, outW, sH, kh, kw, dH, dW, sW;
  long off(long q) const {
    long nn = q / P, pos = q - nn * P, oh = pos / outW, ow = pos - oh * outW;
    return nn * imgStride + oh * sH * Wp + ow * sW;
  }
  long roff(long r) const {
    long kk = kh * kw, c = r / kk, t = r - c * kk, ki = t / kw, kj = t - ki * kw;
    return (c * Hp + ki * dH) * Wp + kj * dW;
  }
  // Cuts columns [q0, q0 + n) into runs that stay inside one output row and one piece of
  // `piece` columns; returns how many (start: offset from q0, len, source offset).
  long runs(long q0, long n, long piece, int* start, int* len, long* src) const {
    long cnt = 0;
    for (long j = 0; j < n;) {
      long q = q0 + j, pos = q % P, ow = pos % outW;
      long l = lmin(lmin(outW - ow, n - j), piece - j % piece);
      start[cnt] = (int)j; len[cnt] = (int)l; src[cnt] = off(q);
      cnt++;
      j += l;
    }
    return cnt;
  }
};

// The forward B operand from the padded batch: per panel, each run of columns is copied for
// all kc rows.
struct PaddedColB {
  PaddedIndex ix;
  long q0;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    long roff[KC];
    for (long q = 0; q < kc; q++) roff[q] = ix.roff(p0 + q);
    int start[NC + NR], len[NC + NR];
    long src[NC + NR];
    long cnt = ix.runs(q0 + j0, nc, NR, start, len, src);
    for (long k = 0; k < cnt; k++) {
      long jr = start[k] / NR * NR, col = start[k] - jr;
      float* d = dst + jr * kc + col;
      const float* s = ix.xp + src[k];
      for (long q = 0; q < kc; q++) copyStrided(d + q * NR, s + roff[q], len[k], ix.sW);
    }
    long full = nc / NR * NR;
    if (full < nc) {
      float* d = dst + full * kc;
      for (long q = 0; q < kc; q++)
        for (long j = nc - full; j < NR; j++) d[q * NR + j] = 0.f;
    }
  }
};

#if defined(__AVX512F__) && CK_VW == 16
// dst[c * ds + i] = src[i * ss + c] for a 16 x 16 block (aligned rows): unpack pairs of rows,
// then pairs of pairs, then 128-bit lanes twice.
static inline void transpose16(const float* src, long ss, float* dst, long ds) {
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) r[i] = _mm512_load_ps(src + i * ss);
#pragma GCC unroll 8
  for (int a = 0; a < 8; a++) {
    t[2 * a] = _mm512_unpacklo_ps(r[2 * a], r[2 * a + 1]);
    t[2 * a + 1] = _mm512_unpackhi_ps(r[2 * a], r[2 * a + 1]);
  }
#pragma GCC unroll 4
  for (int b = 0; b < 4; b++) {
    __m512d a0 = _mm512_castps_pd(t[4 * b]), a1 = _mm512_castps_pd(t[4 * b + 1]);
    __m512d a2 = _mm512_castps_pd(t[4 * b + 2]), a3 = _mm512_castps_pd(t[4 * b + 3]);
    r[4 * b] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));      // column 4L + 0 of rows 4b..4b+3
    r[4 * b + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));  // column 4L + 1
    r[4 * b + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));  // column 4L + 2
    r[4 * b + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));  // column 4L + 3
  }
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) {
    __m512 v = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88), w = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xdd);
    __m512 v2 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88), w2 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xdd);
    _mm512_storeu_ps(dst + k * ds, _mm512_shuffle_f32x4(v, v2, 0x88));
    _mm512_storeu_ps(dst + (8 + k) * ds, _mm512_shuffle_f32x4(v, v2, 0xdd));
    _mm512_storeu_ps(dst + (4 + k) * ds, _mm512_shuffle_f32x4(w, w2, 0x88));
    _mm512_storeu_ps(dst + (12 + k) * ds, _mm512_shuffle_f32x4(w, w2, 0xdd));
  }
}
#endif

// The weight-gradient B operand (rows q, columns r) from the padded batch: NR im2col rows are
// gathered run by run, then transposed into the panel in L1-sized pieces.
struct PaddedColTB {
  PaddedIndex ix;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    const long QB = 64;
    float rows[NR][QB] __attribute__((aligned(64)));
    int start[QB], len[QB];
    long src[QB];
    long roff[NR];
    for (long jr = 0; jr < nc; jr += NR) {
      long nr = lmin(NR, nc - jr);
      for (long j = 0; j < nr; j++) roff[j] = ix.roff(j0 + jr + j);
      float* d = dst + jr * kc;
      for (long q0 = 0; q0 < kc; q0 += QB) {
        long qn = lmin(QB, kc - q0);
        long cnt = ix.runs(p0 + q0, qn, QB, start, len, src);
        for (long k = 0; k < cnt; k++) {
          const float* s = ix.xp + src[k];
          for (long j = 0; j < nr; j++) copyStrided(rows[j] + start[k], s + roff[j], len[k], ix.sW);
        }
        for (long j = nr; j < NR; j++)
          for (long q = 0; q < qn; q++) rows[j][q] = 0.f;
        long qv = 0;
#if defined(__AVX512F__) && CK_VW == 16
        // whole 16 x 16 blocks transposed in registers
        for (; qv + 16 <= qn; qv += 16)
          for (int jb = 0; jb < NR; jb += 16) transpose16(&rows[jb][qv], QB, d + (q0 + qv) * NR + jb, NR);
#endif
        for (long q = qv; q < qn; q++) {
          float* dq = d + (q0 + q) * NR;
#pragma GCC unroll 32
          for (int j = 0; j < NR; j++) dq[j] = rows[j][q];
        }
      }
    }
  }
};

// Floats of the padded copy of the batch (PaddedBatch); the batched routes keep it under 32 MB,
// which the allocator recycles instead of mapping fresh pages on every call.
static long paddedFloats(const CkConvGeom& g) {
  long Hp = (g.outH - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1;
  long Wp = (g.outW - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1;
  return g.n * g.cIn * Hp * Wp;
}
static const long kPaddedMaxFloats = 8L << 20;

// Whether the forward (and the stride-1 data gradient, which runs as a forward convolution)
// should run as one GEMM over the batch: at most 1024 output positions per image (measured:
// from 7x7 to 32x32 the whole-batch GEMM is as fast or faster), a channel count the GEMM tile
// can fill, and more than one image.
static bool batchedForwardSuits(const CkConvGeom& g) {
  long cOutG = g.cOut / g.groups, kdim = g.cIn / g.groups * g.kh * g.kw, P = g.outH * g.outW;
  return g.n >= 2 && cOutG >= 16 && kdim >= 16 && P <= 1024 && paddedFloats(g) <= kPaddedMaxFloats;
}

// Column chunking shared by the batched kernels: `len` columns cut into pieces of whole
// tiles, at least `minPiece` columns each, about `perThread` pieces per thread.
static long batchedPieces(long len, int T, long minPiece, int perThread) {
  long units = (len + NR - 1) / NR;
  long pieces = lmin((long)T * perThread, lmax(1, len / minPiece));
  if (pieces < T) pieces = lmin(T, units);
  return lmax(1, lmin(pieces, units));
}

// y = conv(x, w) + bias (then max(., 0) if relu) as one GEMM per group over all images: the columns are cut into
// pieces, each computed into a per-thread buffer while in cache and scattered to y.
static void convForwardBatched(const float* x, const float* w, const float* bias, const CkConvGeom& g, int T, bool relu,
                               float* y) {
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kdim = cInG * g.kh * g.kw, P = g.outH * g.outW;
  long NP = g.n * P;
  PackedA** packs = (PackedA**)malloc(sizeof(PackedA*) * (size_t)G);
  for (long grp = 0; grp < G; grp++) packs[grp] = new PackedA(MatA{w + grp * cOutG * kdim, kdim, 1}, cOutG, kdim);
  long pieces = batchedPieces(NP, T, 384, 4);
  long units = (NP + NR - 1) / NR;
  // im2col from a padded copy of the batch, one run per output row piece
  PaddedBatch pad(x, g, T);
  auto task = [&](long t) {
    long grp = t / pieces, pc = t - grp * pieces;
    long a = lmin(units * pc / pieces * NR, NP), b = lmin(units * (pc + 1) / pieces * NR, NP);
    if (b <= a) return;
    long len = b - a;
    float* tmp = scratch((size_t)(cOutG * len));
    const float* bg = bias ? bias + grp * cOutG : nullptr;
    PaddedIndex ix{pad.xp + grp * cInG * pad.Hp * pad.Wp, pad.imgStride, pad.Hp, pad.Wp, P, g.outW, g.strideH,
                   g.kh, g.kw, g.dilationH, g.dilationW, g.strideW};
    gemmBlock(0, cOutG, 0, len, kdim, 1.f, *packs[grp], PaddedColB{ix, a}, bg ? INIT_BIAS : INIT_OVERWRITE, 0.f, tmp,
              len, bg);
    // scatter: column q = image * P + position of channel o goes to y[image][grp*cOutG + o][position]
    for (long q = a; q < b;) {
      long nn = q / P, pos = q - nn * P, run = lmin(b - q, P - pos);
      float* yb = y + (nn * g.cOut + grp * cOutG) * P + pos;
      const float* tb = tmp + (q - a);
      if (relu) {
        for (long o = 0; o < cOutG; o++)
          for (long i = 0; i < run; i++) yb[o * P + i] = tb[o * len + i] > 0.f ? tb[o * len + i] : 0.f;
      } else {
        for (long o = 0; o < cOutG; o++) copyRun(yb + o * P, tb + o * len, run);
      }
      q += run;
    }
  };
  long tasks = G * pieces;
  if (T > 1 && tasks > 1) parallelFor(tasks, task);
  else for (long t = 0; t < tasks; t++) task(t);
  for (long grp = 0; grp < G; grp++) delete packs[grp];
  free(packs);
}

// Whether the weight gradient should run as one GEMM per group whose reduction runs over the
// whole batch (K = images * positions): few positions per image and at least 64 weights per
// output channel (the GEMM's columns; with fewer, or at 28x28, the row kernel of conv_impl.h
// is faster, measured), channels that fill the tile.
static bool batchedWeightSuits(const CkConvGeom& g) {
  long cOutG = g.cOut / g.groups, kdim = g.cIn / g.groups * g.kh * g.kw, P = g.outH * g.outW;
  return g.n >= 2 && cOutG >= 16 && kdim >= 64 && P < 512 && paddedFloats(g) <= kPaddedMaxFloats;
}

// dW_g (cOutG x kdim) = dy_g (cOutG x N*P) * cols_g^T (N*P x kdim), split over weight columns
// only: each task owns its columns and sums the whole batch in one fixed order.
static void convBackwardWeightBatched(const float* x, const float* dy, const CkConvGeom& g, int T, float* dw) {
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kdim = cInG * g.kh * g.kw, P = g.outH * g.outW;
  long NP = g.n * P;
  // each piece repacks all of dy, so pieces stay wide (>= 256 weight columns)
  long pieces = batchedPieces(kdim, T, 256, 2);
  long units = (kdim + NR - 1) / NR;
  PaddedBatch pad(x, g, T);
  PackedBatchDy** dys = (PackedBatchDy**)malloc(sizeof(PackedBatchDy*) * (size_t)G);
  for (long grp = 0; grp < G; grp++) dys[grp] = new PackedBatchDy(BatchDyA{dy + grp * cOutG * P, g.cOut * P, P}, cOutG, NP, T);
  auto task = [&](long t) {
    long grp = t / pieces, pc = t - grp * pieces;
    long a = lmin(units * pc / pieces * NR, kdim), b = lmin(units * (pc + 1) / pieces * NR, kdim);
    if (b <= a) return;
    PaddedIndex ix{pad.xp + grp * cInG * pad.Hp * pad.Wp, pad.imgStride, pad.Hp, pad.Wp, P, g.outW, g.strideH,
                   g.kh, g.kw, g.dilationH, g.dilationW, g.strideW};
    gemmBlock(0, cOutG, a, b, NP, 1.f, *dys[grp], PaddedColTB{ix}, INIT_OVERWRITE, 0.f, dw + grp * cOutG * kdim, kdim,
              nullptr);
  };
  long tasks = G * pieces;
  if (T > 1 && tasks > 1) parallelFor(tasks, task);
  else for (long t = 0; t < tasks; t++) task(t);
  for (long grp = 0; grp < G; grp++) delete dys[grp];
  free(dys);
}

// dy of one group over a run of whole images, as the B operand of the data gradient: row p =
// output channel, column q = image * P + position (images counted from the run's first).
struct BatchDyB {
  const float* dy;  // channel 0 of the group, first image of the run
  long imgStride, P;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    float row[NC + NR] __attribute__((aligned(64)));
    long full = nc / NR * NR;
    for (long q = 0; q < kc; q++) {
      for (long j = j0, end = j0 + nc; j < end;) {
        long nn = j / P, pos = j - nn * P, len = lmin(end - j, P - pos);
        copyRun(row + (j - j0), dy + nn * imgStride + (p0 + q) * P + pos, len);
        j += len;
      }
      for (long jr = 0; jr < full; jr += NR) {
        float* dq = dst + jr * kc + q * NR;
#pragma GCC unroll 8
        for (int j = 0; j < NRV; j++) *(vf*)(dq + j * CK_VW) = *(const vf*)(row + jr + j * CK_VW);
      }
      if (full < nc) {
        float* dq = dst + full * kc + q * NR;
        long j = 0;
        for (; j < nc - full; j++) dq[j] = row[full + j];
        for (; j < NR; j++) dq[j] = 0.f;
      }
    }
  }
};

// Whether the data gradient's column route (strided, or few input channels) should run one
// GEMM per run of whole images: few positions per image, output channels (the GEMM's K)
// enough to be worth it, and more than one image.
static bool batchedDataSuits(const CkConvGeom& g) {
  long cOutG = g.cOut / g.groups, kdim = g.cIn / g.groups * g.kh * g.kw, P = g.outH * g.outW;
  return g.n >= 2 && cOutG >= 32 && kdim >= 16 && P >= 1 && P < 512;
}

// dcol (kdim x images*P) = W_g^T * dy over runs of whole images, then each image's columns
// scatter-added into its dx (col2im). A task owns whole images, so every dx element is
// written by one task, in a fixed order.
static void convBackwardDataBatched(const float* dy, const float* w, const CkConvGeom& g, int T, float* dx) {
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kk = g.kh * g.kw, kdim = cInG * kk, P = g.outH * g.outW;
  long HW = g.h * g.w;
  // about 256 columns per run, and at least two runs per thread when the batch allows
  long per = lmax(1, lmin((256 + P - 1) / P, (g.n + 2L * T - 1) / (2L * T)));
  long runs = (g.n + per - 1) / per;
  PackedA** packs = (PackedA**)malloc(sizeof(PackedA*) * (size_t)G);
  for (long grp = 0; grp < G; grp++) packs[grp] = new PackedA(MatA{w + grp * cOutG * kdim, 1, kdim}, kdim, cOutG);
  auto task = [&](long t) {
    long n0 = t * per, n1 = lmin(g.n, n0 + per), len = (n1 - n0) * P;
    float* col = scratch((size_t)(kdim * len));
    memset(dx + n0 * g.cIn * HW, 0, (size_t)((n1 - n0) * g.cIn * HW) * 4);
    for (long grp = 0; grp < G; grp++) {
      BatchDyB B{dy + (n0 * g.cOut + grp * cOutG) * P, g.cOut * P, P};
      gemmBlock(0, kdim, 0, len, cOutG, 1.f, *packs[grp], B, INIT_OVERWRITE, 0.f, col, len, nullptr);
      for (long nn = n0; nn < n1; nn++) {
        float* dxg = dx + (nn * g.cIn + grp * cInG) * HW;
        for (long r = 0; r < kdim; r++) {
          long ci = r / kk, tap = r - ci * kk, ki = tap / g.kw, kj = tap - ki * g.kw;
          long offH = ki * g.dilationH - g.padTop, offW = kj * g.dilationW - g.padLeft;
          long ohLo, ohHi, owLo, owHi;
          // output positions whose input lies inside the image (as validRange in conv_impl.h)
          ohLo = offH >= 0 ? 0 : (-offH + g.strideH - 1) / g.strideH;
          ohHi = lmin(g.h - 1 - offH >= 0 ? (g.h - 1 - offH) / g.strideH + 1 : 0, g.outH);
          owLo = offW >= 0 ? 0 : (-offW + g.strideW - 1) / g.strideW;
          owHi = lmin(g.w - 1 - offW >= 0 ? (g.w - 1 - offW) / g.strideW + 1 : 0, g.outW);
          float* xs = dxg + ci * HW;
          const float* cr = col + r * len + (nn - n0) * P;
          for (long oh = ohLo; oh < ohHi; oh++) {
            float* xr = xs + (oh * g.strideH + offH) * g.w + offW;
            const float* c = cr + oh * g.outW;
            if (g.strideW == 1) for (long ow = owLo; ow < owHi; ow++) xr[ow] += c[ow];
            else for (long ow = owLo; ow < owHi; ow++) xr[ow * g.strideW] += c[ow];
          }
        }
      }
    }
  };
  if (T > 1 && runs > 1) parallelFor(runs, task);
  else for (long t = 0; t < runs; t++) task(t);
  for (long grp = 0; grp < G; grp++) delete packs[grp];
  free(packs);
}
