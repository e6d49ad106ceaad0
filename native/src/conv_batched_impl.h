// Whole-batch convolution GEMMs for mid-size layers. When an image has few output positions
// (7x7, 14x14), one GEMM per image has a short side far from the micro-kernel's efficient
// regime; here the batch is one wide matrix instead: the forward GEMM's columns run over
// (image, position) pairs, and the weight gradient's reduction runs over all of them.
// Included by kernels_impl.h inside the per-ISA namespace, before conv_impl.h (which calls it).
// Deterministic for any thread count: work is split over output columns only, never over a
// reduction, and every output element is written (outputs may be recycled storage).

// im2col of every image of one group, as the B operand of the forward GEMM: row r =
// (c, ki, kj), column q = image * P + position, offset by q0 (the task's first column).
struct BatchColB {
  Im2col im;      // image 0 of the group
  long imgStride;  // floats from one image to the next
  long P, q0;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    float row[NC + NR] __attribute__((aligned(64)));
    long full = nc / NR * NR;
    for (long q = 0; q < kc; q++) {
      for (long j = j0 + q0, end = j0 + q0 + nc; j < end;) {
        long nn = j / P, pos = j - nn * P, len = lmin(end - j, P - pos);
        Im2col a = im;
        a.x = im.x + nn * imgStride;
        a.colRow(p0 + q, pos, len, LinearSink{row + (j - j0 - q0)});
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

// im2col transposed over the whole batch, as the B operand of the weight gradient: row q =
// image * P + position, column r = (c, ki, kj).
struct BatchColTB {
  Im2col im;
  long imgStride, P;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    const long QB = 64;
    float rows[NR][QB] __attribute__((aligned(64)));
    for (long jr = 0; jr < nc; jr += NR) {
      long nr = lmin(NR, nc - jr);
      float* d = dst + jr * kc;
      for (long q0 = 0; q0 < kc; q0 += QB) {
        long qn = lmin(QB, kc - q0);
        for (long s = p0 + q0, end = p0 + q0 + qn; s < end;) {
          long nn = s / P, pos = s - nn * P, len = lmin(end - s, P - pos);
          Im2col a = im;
          a.x = im.x + nn * imgStride;
          long off = s - p0 - q0;
          for (long j = 0; j < nr; j++) a.colRow(j0 + jr + j, pos, len, LinearSink{rows[j] + off});
          s += len;
        }
        for (long j = nr; j < NR; j++)
          for (long q = 0; q < qn; q++) rows[j][q] = 0.f;
        for (long q = 0; q < qn; q++) {
          float* dq = d + (q0 + q) * NR;
#pragma GCC unroll 32
          for (int j = 0; j < NR; j++) dq[j] = rows[j][q];
        }
      }
    }
  }
};

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

// ---- padded batch (unit column stride) ----------------------------------------------------
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

// dst[0..len) = src[0..len) for a run of at most 2 * CK_VW floats (one output row piece).
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

// Geometry of the padded batch as offsets: column q = image * P + position -> off(q), row
// r = (c, ki, kj) -> roff(r); element (r, q) of the batch's im2col is xp[roff(r) + off(q)].
struct PaddedIndex {
  const float* xp;  // group's first channel, image 0
  long imgStride, Hp, Wp, P, outW, sH, kh, kw, dH, dW;
  long off(long q) const {
    long nn = q / P, pos = q - nn * P, oh = pos / outW, ow = pos - oh * outW;
    return nn * imgStride + oh * sH * Wp + ow;
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

// The forward B operand from the padded batch (unit column stride): per panel, each run of
// columns is copied for all kc rows.
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
      for (long q = 0; q < kc; q++) copyShort(d + q * NR, s + roff[q], len[k]);
    }
    long full = nc / NR * NR;
    if (full < nc) {
      float* d = dst + full * kc;
      for (long q = 0; q < kc; q++)
        for (long j = nc - full; j < NR; j++) d[q * NR + j] = 0.f;
    }
  }
};

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
          for (long j = 0; j < nr; j++) copyShort(rows[j] + start[k], s + roff[j], len[k]);
        }
        for (long j = nr; j < NR; j++)
          for (long q = 0; q < qn; q++) rows[j][q] = 0.f;
        for (long q = 0; q < qn; q++) {
          float* dq = d + (q0 + q) * NR;
#pragma GCC unroll 32
          for (int j = 0; j < NR; j++) dq[j] = rows[j][q];
        }
      }
    }
  }
};

// Whether the forward (and the stride-1 data gradient, which runs as a forward convolution)
// should run as one GEMM over the batch: few output positions per image, a channel count the
// GEMM tile can fill, and more than one image.
static bool batchedForwardSuits(const CkConvGeom& g) {
  { const char* e = getenv("CK_BATCHED"); if (e && e[0] == '0') return false; }
  long cOutG = g.cOut / g.groups, kdim = g.cIn / g.groups * g.kh * g.kw, P = g.outH * g.outW;
  return g.n >= 2 && cOutG >= 16 && kdim >= 16 && P < 512;
}

// Column chunking shared by the batched kernels: `len` columns cut into pieces of whole
// tiles, at least `minPiece` columns each, about `perThread` pieces per thread.
static long batchedPieces(long len, int T, long minPiece, int perThread) {
  long units = (len + NR - 1) / NR;
  long pieces = lmin((long)T * perThread, lmax(1, len / minPiece));
  if (pieces < T) pieces = lmin(T, units);
  return lmax(1, lmin(pieces, units));
}

// y = conv(x, w) + bias as one GEMM per group over all images: the columns are cut into
// pieces, each computed into a per-thread buffer while in cache and scattered to y.
static void convForwardBatched(const float* x, const float* w, const float* bias, const CkConvGeom& g, int T,
                                  float* y) {
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kdim = cInG * g.kh * g.kw, P = g.outH * g.outW;
  long NP = g.n * P;
  PackedA** packs = (PackedA**)malloc(sizeof(PackedA*) * (size_t)G);
  for (long grp = 0; grp < G; grp++) packs[grp] = new PackedA(MatA{w + grp * cOutG * kdim, kdim, 1}, cOutG, kdim);
  long pieces = batchedPieces(NP, T, 384, 4);
  long units = (NP + NR - 1) / NR;
  // unit column stride: im2col from a padded copy of the batch, one run per output row piece
  PaddedBatch* pad = g.strideW == 1 ? new PaddedBatch(x, g, T) : nullptr;
  auto task = [&](long t) {
    long grp = t / pieces, pc = t - grp * pieces;
    long a = lmin(units * pc / pieces * NR, NP), b = lmin(units * (pc + 1) / pieces * NR, NP);
    if (b <= a) return;
    long len = b - a;
    float* tmp = scratch((size_t)(cOutG * len));
    const float* bg = bias ? bias + grp * cOutG : nullptr;
    int init = bg ? INIT_BIAS : INIT_OVERWRITE;
    if (pad) {
      PaddedIndex ix{pad->xp + grp * cInG * pad->Hp * pad->Wp, pad->imgStride, pad->Hp, pad->Wp, P, g.outW, g.strideH,
                     g.kh, g.kw, g.dilationH, g.dilationW};
      gemmBlock(0, cOutG, 0, len, kdim, 1.f, *packs[grp], PaddedColB{ix, a}, init, 0.f, tmp, len, bg);
    } else {
      Im2col im{x + grp * cInG * g.h * g.w, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft,
                g.dilationH, g.dilationW, g.outW};
      gemmBlock(0, cOutG, 0, len, kdim, 1.f, *packs[grp], BatchColB{im, g.cIn * g.h * g.w, P, a}, init, 0.f, tmp, len,
                bg);
    }
    // scatter: column q = image * P + position of channel o goes to y[image][grp*cOutG + o][position]
    for (long q = a; q < b;) {
      long nn = q / P, pos = q - nn * P, run = lmin(b - q, P - pos);
      float* yb = y + (nn * g.cOut + grp * cOutG) * P + pos;
      const float* tb = tmp + (q - a);
      for (long o = 0; o < cOutG; o++) copyRun(yb + o * P, tb + o * len, run);
      q += run;
    }
  };
  long tasks = G * pieces;
  if (T > 1 && tasks > 1) parallelFor(tasks, task);
  else for (long t = 0; t < tasks; t++) task(t);
  delete pad;
  for (long grp = 0; grp < G; grp++) delete packs[grp];
  free(packs);
}

// Whether the weight gradient should run as one GEMM per group whose reduction runs over the
// whole batch (K = images * positions): few positions per image, channels that fill the tile.
static bool batchedWeightSuits(const CkConvGeom& g) {
  { const char* e = getenv("CK_BATCHED"); if (e && e[0] == '0') return false; }
  long cOutG = g.cOut / g.groups, kdim = g.cIn / g.groups * g.kh * g.kw, P = g.outH * g.outW;
  return g.n >= 2 && cOutG >= 16 && kdim >= 16 && P < 512;
}

// dW_g (cOutG x kdim) = dy_g (cOutG x N*P) * cols_g^T (N*P x kdim), split over weight columns
// only: each task owns its columns and sums the whole batch in one fixed order.
static void convBackwardWeightBatched(const float* x, const float* dy, const CkConvGeom& g, int T, float* dw) {
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kdim = cInG * g.kh * g.kw, P = g.outH * g.outW;
  long NP = g.n * P;
  // each piece repacks all of dy, so pieces stay wide (>= 256 weight columns)
  long pieces = batchedPieces(kdim, T, 256, 2);
  long units = (kdim + NR - 1) / NR;
  PaddedBatch* pad = g.strideW == 1 ? new PaddedBatch(x, g, T) : nullptr;
  auto task = [&](long t) {
    long grp = t / pieces, pc = t - grp * pieces;
    long a = lmin(units * pc / pieces * NR, kdim), b = lmin(units * (pc + 1) / pieces * NR, kdim);
    if (b <= a) return;
    BatchDyA A{dy + grp * cOutG * P, g.cOut * P, P};
    float* dwg = dw + grp * cOutG * kdim;
    if (pad) {
      PaddedIndex ix{pad->xp + grp * cInG * pad->Hp * pad->Wp, pad->imgStride, pad->Hp, pad->Wp, P, g.outW, g.strideH,
                     g.kh, g.kw, g.dilationH, g.dilationW};
      gemmBlock(0, cOutG, a, b, NP, 1.f, A, PaddedColTB{ix}, INIT_OVERWRITE, 0.f, dwg, kdim, nullptr);
    } else {
      Im2col im{x + grp * cInG * g.h * g.w, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft,
                g.dilationH, g.dilationW, g.outW};
      gemmBlock(0, cOutG, a, b, NP, 1.f, A, BatchColTB{im, g.cIn * g.h * g.w, P}, INIT_OVERWRITE, 0.f, dwg, kdim, nullptr);
    }
  };
  long tasks = G * pieces;
  if (T > 1 && tasks > 1) parallelFor(tasks, task);
  else for (long t = 0; t < tasks; t++) task(t);
  delete pad;
}
