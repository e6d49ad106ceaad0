// conv2dActPool: convolution + bias + activation + max pooling in one pass per image, for the
// few-channel layers (LeNet's 1->6 and 6->16 convolutions) where an im2col GEMM has terrible
// shapes (M = 6 or 16, K = 25 or 150). Included by kernels_impl.h inside the per-ISA namespace,
// after conv_impl.h and pool_impl.h (the fallback composes their kernels).
//
// Fast path (ungrouped, cOut <= 2 vectors, small reduction and image): output channels are
// the vector lanes (weights re-laid out per call as [cIn*kh*kw][cOut padded to NB vectors], a
// few KB), a register tile of P output positions x NB vectors accumulates over the taps with
// each input value broadcast straight from the (zero-padded, when padding is needed) image: no
// im2col. The tile's bias + activation is applied in registers and stored channel-last to a
// per-thread buffer of the image's whole output (L1/L2 resident), which the max pool reads a
// vector of channels at a time. Threaded over images; each output is summed in one fixed order
// (bias, then taps in (ci, kh, kw) order), so results do not depend on the thread count.
// Anything else: conv2dAct into a temporary, then maxPool2d (indices discarded).

// Whether the direct path applies (else the composed fallback).
static bool directConvFits(const CkConvGeom& g) {
  long nb = (g.cOut + CK_VW - 1) / CK_VW;
  return g.groups == 1 && g.cOut >= 1 && nb <= 2 && g.cIn * g.kh * g.kw <= 4096 &&
         g.outH * g.outW * nb * CK_VW <= (1L << 18);
}

// One tile: P positions (image pointers pos[p], the tap at offset off[r] from each) x NB
// channel vectors; bias, taps in order, then the activation; stored to out[p * NB * CK_VW].
template <int NB, int P>
static inline __attribute__((always_inline)) void directTile(const float* const* pos, const long* off, long kdim,
                                                             const float* wp, const float* bp, int act, float alpha,
                                                             float* out, long cnt) {
  vf acc[P][NB];
#pragma GCC unroll 16
  for (int p = 0; p < P; p++)
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) acc[p][b] = *(const vf*)(bp + b * CK_VW);
  for (long r = 0; r < kdim; r++) {
    long o = off[r];
    vf wv[NB];
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) wv[b] = *(const vf*)(wp + (r * NB + b) * CK_VW);
#pragma GCC unroll 16
    for (int p = 0; p < P; p++) {
      float a = pos[p][o];  // scalar * vector: a broadcast load (a vector sum with zero would not fold)
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) acc[p][b] += a * wv[b];
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; p++)
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) {
      vf v = acc[p][b];
      if (act == U_RELU) v = v > 0 ? v : (vf){};
      else if (act == U_LEAKY_RELU) v = v > 0 ? v : v * alpha;
      else {  // any other op: the shared elementwise kernel on the vector's lanes
        float t[CK_VW] __attribute__((aligned(64)));
        *(vf*)t = v;
        ck_unary(act, t, t, CK_VW, alpha);
        v = *(const vf*)t;
      }
      acc[p][b] = v;
    }
  for (long p = 0; p < cnt; p++)
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) *(vf*)(out + (p * NB + b) * CK_VW) = acc[p][b];
}

// The whole image's conv output (channel-last, NB vectors per position) into s.
template <int NB, int P>
static void directImage(const float* xi, long Wp, const CkConvGeom& g, const long* off, long kdim, const float* wp,
                        const float* bp, int act, float alpha, float* s) {
  long positions = g.outH * g.outW, oh = 0, ow = 0;  // (oh, ow) of position p0, stepped (no divisions per tile)
  for (long p0 = 0; p0 < positions; p0 += P) {
    long cnt = lmin(P, positions - p0);
    const float* pos[P];
    for (long p = 0; p < P; p++) {
      pos[p] = xi + oh * g.strideH * Wp + ow * g.strideW;
      if (p < cnt - 1 && ++ow == g.outW) { ow = 0; oh++; }  // a short tile repeats its last position (not stored)
    }
    if (++ow == g.outW) { ow = 0; oh++; }
    directTile<NB, P>(pos, off, kdim, wp, bp, act, alpha, s + p0 * NB * CK_VW, cnt);
  }
}

// Max pool of one image from the channel-last buffer s into y (cOut planes of pg.outH x pg.outW),
// the reference's value rule: NaN if the window holds one, else its max (-inf when empty). The
// windows' tap ranges come precomputed (rows[2*ph], cols[2*pw]: first and one-past-last tap);
// pooled vectors go channel-last to pb, then one transpose writes the planes.
template <int NB>
static void poolImage(const float* s, const CkConvGeom& g, const CkPoolGeom& pg, const long* rows, const long* cols,
                      float* pb, float* y) {
  const long C = NB * CK_VW, per = pg.outH * pg.outW;
  for (long ph = 0; ph < pg.outH; ph++) {
    long h0 = ph * pg.strideH - pg.padTop, iLo = rows[2 * ph], iHi = rows[2 * ph + 1];
    for (long pw = 0; pw < pg.outW; pw++) {
      long w0 = pw * pg.strideW - pg.padLeft, jLo = cols[2 * pw], jHi = cols[2 * pw + 1];
      vf best[NB];
      vi nan[NB];
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) { best[b] = (vf){} - INFINITY; nan[b] = (vi){}; }
      for (long i = iLo; i < iHi; i++) {
        const float* row = s + ((h0 + i * pg.dilationH) * g.outW + w0) * C;
        for (long j = jLo; j < jHi; j++) {
          const float* c = row + j * pg.dilationW * C;
#pragma GCC unroll 4
          for (int b = 0; b < NB; b++) {
            vf v = *(const vf*)(c + b * CK_VW);
            best[b] = v > best[b] ? v : best[b];
            nan[b] |= v != v;
          }
        }
      }
      float* o = pb + (ph * pg.outW + pw) * C;
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) *(vf*)(o + b * CK_VW) = nan[b] ? (vf){} + NAN : best[b];
    }
  }
  for (long co = 0; co < g.cOut; co++)
    for (long p = 0; p < per; p++) y[co * per + p] = pb[p * C + co];
}

template <int NB, int P>
static void directConvPool(const float* x, const float* w, const float* bias, const CkConvGeom& g, int act,
                           float alpha, const CkPoolGeom& pg, float* y) {
  const long C = NB * CK_VW, kk = g.kh * g.kw, kdim = g.cIn * kk;
  // the padded image covers every tap of every output position
  long Hp = lmax(g.padTop + g.h, (g.outH - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1);
  long Wp = lmax(g.padLeft + g.w, (g.outW - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1);
  bool copy = g.padTop > 0 || g.padLeft > 0 || Hp > g.h || Wp > g.w;
  long imageFloats = copy ? g.cIn * Hp * Wp : 0, outFloats = g.outH * g.outW * C;
  long pooledFloats = pg.outH * pg.outW * C;
  long T = ck_threads(), perThread = (imageFloats + outFloats + pooledFloats + 15) / 16 * 16;
  float* wp = alignedAlloc((size_t)((kdim + 1) * C + T * perThread));
  float* bp = wp + kdim * C;
  float* bufs = bp + C;
  long* off = (long*)malloc((size_t)(kdim + 2 * (pg.outH + pg.outW)) * sizeof(long));
  long *rows = off + kdim, *cols = rows + 2 * pg.outH;
  for (long ph = 0; ph < pg.outH; ph++)
    tapRange(ph * pg.strideH - pg.padTop, pg.dilationH, pg.h, pg.kh, rows[2 * ph], rows[2 * ph + 1]);
  for (long pw = 0; pw < pg.outW; pw++)
    tapRange(pw * pg.strideW - pg.padLeft, pg.dilationW, pg.w, pg.kw, cols[2 * pw], cols[2 * pw + 1]);
  for (long r = 0; r < kdim; r++) {
    long ci = r / kk, t = r - ci * kk, i = t / g.kw, j = t - i * g.kw;
    off[r] = ci * Hp * Wp + i * g.dilationH * Wp + j * g.dilationW;
    for (long co = 0; co < C; co++) wp[r * C + co] = co < g.cOut ? w[co * kdim + r] : 0.f;
  }
  for (long co = 0; co < C; co++) bp[co] = bias && co < g.cOut ? bias[co] : 0.f;
  long inPer = g.cIn * g.h * g.w, outPer = g.cOut * pg.outH * pg.outW;
  auto image = [&](long n) {
    float* buf = bufs + ck_thread_index() * perThread;
    const float* xi = x + n * inPer;
    if (copy) {
      float* xp = buf + outFloats + pooledFloats;
      memset(xp, 0, (size_t)imageFloats * 4);
      for (long ci = 0; ci < g.cIn; ci++)
        for (long ih = 0; ih < g.h; ih++)
          memcpy(xp + (ci * Hp + ih + g.padTop) * Wp + g.padLeft, xi + (ci * g.h + ih) * g.w, (size_t)g.w * 4);
      xi = xp;
    }
    directImage<NB, P>(xi, Wp, g, off, kdim, wp, bp, act, alpha, buf);
    poolImage<NB>(buf, g, pg, rows, cols, buf + outFloats, y + n * outPer);
  };
  if (g.n > 1 && T > 1) parallelFor(g.n, image);
  else
    for (long n = 0; n < g.n; n++) image(n);
  free(off);
  free(wp);
}

static void conv2dActPoolK(const float* x, const float* w, const float* bias, const CkConvGeom* gp, int act,
                           float alpha, const CkPoolGeom* pgp, float* y) {
  const CkConvGeom g = *gp;
  const CkPoolGeom pg = *pgp;
  if (g.n == 0 || pg.outH * pg.outW * g.cOut == 0) return;
  if (rowsConvFits(g, pg)) {  // few channels, 2x2 / 2 pool: output columns in the lanes (direct_conv_rows_impl.h)
    rowsConvPoolAny(x, w, bias, g, act, alpha, pg, y);
    return;
  }
  if (directConvFits(g)) {
    // one channel vector: 10 positions (12 spill position pointers: measured 8% slower on LeNet conv1)
    if (g.cOut <= CK_VW) directConvPool<1, 10>(x, w, bias, g, act, alpha, pg, y);
    else directConvPool<2, 6>(x, w, bias, g, act, alpha, pg, y);
    return;
  }
  long convFloats = g.n * g.cOut * g.outH * g.outW, pooled = pg.n * pg.c * pg.outH * pg.outW;
  float* t = alignedAlloc((size_t)convFloats);
  int32_t* idx = (int32_t*)malloc((size_t)lmax(1, pooled) * sizeof(int32_t));
  conv2dActK(x, w, bias, &g, act, alpha, t);
  maxPool2dK(t, &pg, y, idx);
  free(idx);
  free(t);
}
