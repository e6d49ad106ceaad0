// conv2dActPool's width-vectorised path, for layers with few output channels (LeNet's 1->6
// convolution: 6 of 8 lanes when the channels are the lanes) followed by the common 2x2 /
// stride 2 max pool. Included by kernels_impl.h inside the per-ISA namespace, after pool_impl.h
// and before direct_conv_impl.h (whose conv2dActPoolK picks this path).
//
// Stride-1 undilated ungrouped convolutions: the lanes are V vectors of adjacent output columns
// of one row (unaligned loads from a zero-padded copy of the image, wide enough that every
// block's loads stay inside it), a register tile of C output channels x V vectors accumulates
// over the taps with each weight broadcast. Two conv rows (one pooled row) are computed per
// tile; bias and activation are applied in registers, the two rows' maxima taken, then the
// column pairs' maxima by an even/odd lane shuffle, and the pooled row stored straight to its
// plane (no channel-last buffer, no transpose). Each output is summed in the same fixed order
// as the channel-lane path (bias, then taps in (ci, kh, kw) order): thread-count independent.
// NaN rule of the reference: a window holding a NaN pools to NaN.

// The activation on a tile's vectors in place (relu / leakyRelu inline, any other op through
// the shared kernel on the tile's contiguous floats).
template <int C, int V>
static inline __attribute__((always_inline)) void rowsAct(vf t[C][V], int act, float alpha) {
  if (act == U_RELU) {
#pragma GCC unroll 24
    for (int k = 0; k < C * V; k++) { vf& v = t[k / V][k % V]; v = v > 0 ? v : (vf){}; }
  } else if (act == U_LEAKY_RELU) {
#pragma GCC unroll 24
    for (int k = 0; k < C * V; k++) { vf& v = t[k / V][k % V]; v = v > 0 ? v : v * alpha; }
  } else {  // through a copy: the tile's address never taken, so it can live in registers
    float b[C * V * CK_VW] __attribute__((aligned(64)));
#pragma GCC unroll 24
    for (int k = 0; k < C * V; k++) *(vf*)(b + k * CK_VW) = t[k / V][k % V];
    ck_unary(act, b, b, C * V * CK_VW, alpha);
#pragma GCC unroll 24
    for (int k = 0; k < C * V; k++) t[k / V][k % V] = *(const vf*)(b + k * CK_VW);
  }
}

// max(a, b) of the reference's pool rule: NaN when either is (NAN false: neither is, a plain max).
template <bool NAN_>
static inline __attribute__((always_inline)) vf rowsMax(vf a, vf b) {
  if (NAN_) return (a > b) | (a != a) ? a : b;
  return a > b ? a : b;
}

// The pooled row of a tile: the two conv rows' maxima, then the column pairs' (an even/odd lane
// shuffle). A short store may write whole vectors when the lanes past the row land in the next
// row of the plane, which a later tile of this image rewrites (ph + 1 < outH).
template <int C, int V, bool NAN_>
static inline __attribute__((always_inline)) void rowsPool(vf top[C][V], vf bot[C][V], const CkPoolGeom& pg, long ph,
                                                           long pw0, float* yr0) {
  vi even, odd;
  for (int l = 0; l < CK_VW; l++) { even[l] = 2 * l; odd[l] = 2 * l + 1; }
  const long per = pg.outH * pg.outW;
  const bool spill = ph + 1 < pg.outH;
#pragma GCC unroll 8
  for (int c = 0; c < C; c++) {
    float* yr = yr0 + c * per;
#pragma GCC unroll 4
    for (int v = 0; v < V; v += 2) {
      vf a = rowsMax<NAN_>(top[c][v], bot[c][v]);
      vf b = a;  // V odd: the last vector pairs with itself (its upper half lies past the block, unstored)
      if (v + 1 < V) b = rowsMax<NAN_>(top[c][v + 1], bot[c][v + 1]);
      vf p = rowsMax<NAN_>(__builtin_shuffle(a, b, even), __builtin_shuffle(a, b, odd));
      long pw = pw0 + v * CK_VW / 2, cnt = lmin(v + 1 < V ? CK_VW : CK_VW / 2, pg.outW - pw);
      if (cnt == CK_VW || (spill && cnt > 0 && pw + CK_VW <= 2 * pg.outW)) *(vfu*)(yr + pw) = p;
      else if (cnt > 0) storeLanes(yr + pw, p, cnt);
    }
  }
}

// One conv row of the tile: acc[c][v] = bias[c] + sum over taps of w[c][tap] * x(row, col0 + v*VW + lane + tap).
template <int C, int V>
static inline __attribute__((always_inline)) void rowsConv(const float* xr, long chan, long Wp, long cIn, long kh,
                                                           long kw, const float* wc, const float* bc, vf acc[C][V]) {
#pragma GCC unroll 8
  for (int c = 0; c < C; c++)
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) acc[c][v] = (vf){} + bc[c];
  for (long ci = 0; ci < cIn; ci++)
    for (long i = 0; i < kh; i++) {
      const float* xi = xr + ci * chan + i * Wp;
      for (long j = 0; j < kw; j++, wc += C) {
        vf xv[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
          xv[v] = *(const vfu*)(xi + j + v * CK_VW);
#if defined(__x86_64__) || defined(__i386__)
          asm("" : "+x"(xv[v]));  // one load per vector, held in a register (else folded into every FMA: C loads)
#endif
        }
#pragma GCC unroll 8
        for (int c = 0; c < C; c++) {
          float wv = wc[c];
#pragma GCC unroll 4
          for (int v = 0; v < V; v++) acc[c][v] += xv[v] * wv;
        }
      }
    }
}

// Pooled row ph, columns [col0, col0 + V*VW) of the conv output, channels c0..c0+C-1 of one image.
template <int C, int V>
static void rowsTile(const float* xp, long chan, long Wp, const CkConvGeom& g, const CkPoolGeom& pg, const float* wc,
                     const float* bc, int act, float alpha, long ph, long col0, float* yc) {
  vf top[C][V], acc[C][V];
  const float* xr = xp + 2 * ph * Wp + col0;
  rowsConv<C, V>(xr, chan, Wp, g.cIn, g.kh, g.kw, wc, bc, top);
  rowsConv<C, V>(xr + Wp, chan, Wp, g.cIn, g.kh, g.kw, wc, bc, acc);
  rowsAct<C, V>(top, act, alpha);
  rowsAct<C, V>(acc, act, alpha);
  float* yr0 = yc + ph * pg.outW;
  if (act == U_RELU) rowsPool<C, V, false>(top, acc, pg, ph, col0 / 2, yr0);  // relu gives no NaN
  else rowsPool<C, V, true>(top, acc, pg, ph, col0 / 2, yr0);
}

// C channels (1..Cmax) of one pooled row, dispatched to the tile with that many.
template <int V, int Cmax>
static void rowsTileAny(int C, const float* xp, long chan, long Wp, const CkConvGeom& g, const CkPoolGeom& pg,
                        const float* wc, const float* bc, int act, float alpha, long ph, long col0, float* yc) {
  switch (C) {
#define CK_ROWS_CASE(k) \
  case k: if (k <= Cmax) rowsTile<(k <= Cmax ? k : 1), V>(xp, chan, Wp, g, pg, wc, bc, act, alpha, ph, col0, yc); break;
    CK_ROWS_CASE(1) CK_ROWS_CASE(2) CK_ROWS_CASE(3) CK_ROWS_CASE(4) CK_ROWS_CASE(5) CK_ROWS_CASE(6)
#undef CK_ROWS_CASE
    default: break;
  }
}

// Vectors per column block: enough for the pooled columns, at most 2.
static long rowsVectors(const CkPoolGeom& pg) { return 2 * pg.outW <= CK_VW ? 1 : 2; }

// Whether the width-vectorised path applies, and beats the channel-lane path on lane use.
static bool rowsConvFits(const CkConvGeom& g, const CkPoolGeom& pg) {
  if (g.groups != 1 || g.strideH != 1 || g.strideW != 1 || g.dilationH != 1 || g.dilationW != 1) return false;
  if (pg.kh != 2 || pg.kw != 2 || pg.strideH != 2 || pg.strideW != 2 || pg.padTop != 0 || pg.padLeft != 0 ||
      pg.dilationH != 1 || pg.dilationW != 1)
    return false;
  if (g.cIn * g.kh * g.kw > 4096 || g.cOut > 64 || g.outW > 4096) return false;
  long V = rowsVectors(pg), blocks = (2 * pg.outW + V * CK_VW - 1) / (V * CK_VW);
  double widthUse = (double)(2 * pg.outW) / (double)(blocks * V * CK_VW);
  double chanUse = (double)g.cOut / (double)(((g.cOut + CK_VW - 1) / CK_VW) * CK_VW);
  return widthUse > chanUse;
}

template <int V, int Cmax>
static void rowsConvPool(const float* x, const float* w, const float* bias, const CkConvGeom& g, int act, float alpha,
                         const CkPoolGeom& pg, float* y) {
  const long kk = g.kh * g.kw, kdim = g.cIn * kk, bw = V * CK_VW;
  const long blocks = (2 * pg.outW + bw - 1) / bw;
  // padded image: rows up to the last pooled row's taps, columns up to the last block's loads
  const long Hp = lmax(g.padTop + g.h, 2 * pg.outH + g.kh - 1);
  const long Wp = lmax(g.padLeft + g.w, blocks * bw + g.kw - 1), chan = Hp * Wp;
  const long groups = (g.cOut + Cmax - 1) / Cmax;
  const long T = ck_threads(), perThread = (g.cIn * chan + 15) / 16 * 16;
  // weights per channel group as [tap][C] scalars (the group's taps contiguous), then the bias
  float* wr = alignedAlloc((size_t)(kdim * g.cOut + g.cOut + T * perThread));
  float* br = wr + kdim * g.cOut;
  float* bufs = br + g.cOut;
  for (long c0 = 0; c0 < g.cOut; c0 += Cmax) {
    long C = lmin(Cmax, g.cOut - c0);
    for (long r = 0; r < kdim; r++)
      for (long c = 0; c < C; c++) wr[c0 * kdim + r * C + c] = w[(c0 + c) * kdim + r];
  }
  for (long c = 0; c < g.cOut; c++) br[c] = bias ? bias[c] : 0.f;
  // zero every thread's buffer once: each image rewrites the same interior, the border stays 0
  memset(bufs, 0, (size_t)(T * perThread) * 4);
  const long inPer = g.cIn * g.h * g.w, outPer = g.cOut * pg.outH * pg.outW;
  auto image = [&](long n) {
    float* xp = bufs + ck_thread_index() * perThread;
    const float* xi = x + n * inPer;
    for (long ci = 0; ci < g.cIn; ci++)
      for (long ih = 0; ih < g.h; ih++)
        memcpy(xp + ci * chan + (ih + g.padTop) * Wp + g.padLeft, xi + (ci * g.h + ih) * g.w, (size_t)g.w * 4);
    float* yi = y + n * outPer;
    for (long ph = 0; ph < pg.outH; ph++)
      for (long gi = 0; gi < groups; gi++) {
        long c0 = gi * Cmax;
        int C = (int)lmin(Cmax, g.cOut - c0);
        for (long b = 0; b < blocks; b++)
          rowsTileAny<V, Cmax>(C, xp, chan, Wp, g, pg, wr + c0 * kdim, br + c0, act, alpha, ph, b * bw,
                               yi + c0 * pg.outH * pg.outW);
      }
  };
  if (g.n > 1 && T > 1) parallelFor(g.n, image);
  else
    for (long n = 0; n < g.n; n++) image(n);
  free(wr);
}

// The width-vectorised conv2dActPool (rowsConvFits holds).
static void rowsConvPoolAny(const float* x, const float* w, const float* bias, const CkConvGeom& g, int act,
                            float alpha, const CkPoolGeom& pg, float* y) {
  // 6 channels x 2 vectors: 12 accumulators, 2 input vectors and a broadcast weight in the 16
  // registers (measured on LeNet conv1, AVX2: 1.0 ms per batch of 256 on one thread; 3 x 4
  // vectors: 1.65 ms, 2 x 4: 1.0-1.2 ms, unrolling the 5 taps of a row: slower)
  if (rowsVectors(pg) == 1) rowsConvPool<1, 6>(x, w, bias, g, act, alpha, pg, y);
  else rowsConvPool<2, 6>(x, w, bias, g, act, alpha, pg, y);
}
