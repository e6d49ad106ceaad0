// Max and average pooling kernels (mirror src/backend/js/pool.ts). Included by kernels_impl.h inside the per-ISA namespace.
// ---- pooling ----------------------------------------------------------------------------

template <class F>
static void forPlanes(const CkPoolGeom& g, double work, F& f) {
  long planes = g.n * g.c;
  if (work >= kElemParallel && planes >= 2 && ck_threads() > 1) {
    // tasks of several planes (about kElemChunk units of work each), at least 4 per thread
    long per = lmax(1, lmin((long)(kElemChunk * (double)planes / work), planes / (4L * ck_threads())));
    long tasks = (planes + per - 1) / per;
    auto task = [&](long t) { for (long p = t * per, e = lmin(planes, p + per); p < e; p++) f(p); };
    parallelFor(tasks, task);
  } else {
    for (long p = 0; p < planes; p++) f(p);
  }
}

// First and one-past-last window tap i with 0 <= start + i*dil < size.
static inline void tapRange(long start, long dil, long size, long k, long& lo, long& hi) {
  if (dil == 1) {
    lo = start >= 0 ? 0 : -start;
    hi = size - start;
  } else {
    lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
    hi = size - 1 - start >= 0 ? (size - 1 - start) / dil + 1 : 0;
  }
  if (hi > k) hi = k;
  if (lo > hi) lo = hi;
}

// One window of the reference's max rule, at any position (padding/dilation aware).
static inline void maxWindow(const float* xs, const CkPoolGeom& g, long h0, long w0, float* yo, int32_t* io) {
  long iLo, iHi, jLo, jHi;
  tapRange(h0, g.dilationH, g.h, g.kh, iLo, iHi);
  tapRange(w0, g.dilationW, g.w, g.kw, jLo, jHi);
  float best = -INFINITY;
  long bi = -1;
  for (long i = iLo; i < iHi; i++) {
    long ih = h0 + i * g.dilationH;
    const float* xr = xs + ih * g.w;
    for (long j = jLo; j < jHi; j++) {
      long iw = w0 + j * g.dilationW;
      float v = xr[iw];
      if (v > best || v != v || bi < 0) { best = v; bi = ih * g.w + iw; if (v != v) break; }  // a row stops at its first NaN
    }
  }
  *yo = best;
  *io = (int32_t)bi;
}

// Output positions o whose whole window lies inside [0, size): lo <= o < hi.
static inline void insideRange(long stride, long pad, long k, long dil, long size, long outSize, long& lo, long& hi) {
  lo = (pad + stride - 1) / stride;
  long last = size - 1 - (k - 1) * dil + pad;  // the window start (o*stride) may be at most this
  hi = last >= 0 ? last / stride + 1 : 0;
  if (hi > outSize) hi = outSize;
  if (lo > hi) lo = hi;
}

typedef int32_t vi __attribute__((vector_size(CK_VW * 4)));

// CK_VW window taps at columns base + lane*S (S = 1 or 2) of one row. Reads 2*CK_VW floats
// at most; near the end of the array they are copied to a zero-padded buffer first.
template <int S>
static inline vf loadTaps(const float* p, const float* end) {
  const long need = S == 1 ? CK_VW : 2 * CK_VW;
  float tmp[2 * CK_VW] __attribute__((aligned(64)));
  if (p + need > end) {
    long have = end - p;
    for (long i = 0; i < need; i++) tmp[i] = i < have ? p[i] : 0.f;
    p = tmp;
  }
  if (S == 1) return *(const vfu*)p;
  vf a = *(const vfu*)p, b = *(const vfu*)(p + CK_VW);
  vi even;
  for (int l = 0; l < CK_VW; l++) even[l] = 2 * l;
  return __builtin_shuffle(a, b, even);
}

// The first cnt lanes of v to y (a masked store where the ISA has one).
static inline void storeLanes(float* y, vf v, long cnt) {
  if (cnt == CK_VW) { *(vfu*)y = v; return; }
#if CK_VW == 16 && defined(__AVX512F__)
  _mm512_mask_storeu_ps(y, (__mmask16)((1u << cnt) - 1), (__m512)v);
#else
  for (long l = 0; l < cnt; l++) y[l] = v[l];
#endif
}
static inline void storeLanesI(int32_t* y, vi v, long cnt) {
  typedef int32_t viu __attribute__((vector_size(CK_VW * 4), aligned(4)));
  if (cnt == CK_VW) { *(viu*)y = v; return; }
#if CK_VW == 16 && defined(__AVX512F__)
  _mm512_mask_storeu_epi32(y, (__mmask16)((1u << cnt) - 1), (__m512i)v);
#else
  for (long l = 0; l < cnt; l++) y[l] = v[l];
#endif
}

// Windows ow in [owA, owB) of output row (h0 = its first input row, inside the plane with
// every tap in bounds), CK_VW at a time, branch-free: the reference's visiting order, ties
// (first wins) and NaN rule (a NaN wins; a row stops at its first NaN) as lane selects.
template <int S>
static void maxRowVec(const float* xs, const float* end, const CkPoolGeom& g, long h0, long owA, long owB, float* y,
                      int32_t* idx) {
  vi iota;
  for (int l = 0; l < CK_VW; l++) iota[l] = l * S;
  for (long ow = owA; ow < owB; ow += CK_VW) {
    long cnt = lmin(CK_VW, owB - ow);
    long w0 = ow * S - g.padLeft;
    vf best = {};
    vi bi = {}, have = {};
    for (long i = 0; i < g.kh; i++) {
      long ih = h0 + i;
      const float* xr = xs + ih * g.w + w0;
      vi stop = {};
      for (long j = 0; j < g.kw; j++) {
        vf v = loadTaps<S>(xr + j, end);
        vi nan = v != v;
        vi take = ~stop & ((v > best) | nan | ~have);
        best = take ? v : best;
        bi = take ? iota + (int32_t)(ih * g.w + w0 + j) : bi;
        stop |= nan;
        have = have | -1;
      }
    }
    storeLanes(y + ow, best, cnt);
    storeLanesI(idx + ow, bi, cnt);
  }
}

// maxRowVec for 2x2 windows at stride 2 (the common max pool): each row's 2*CK_VW inputs are
// loaded once and split into the two taps by an even/odd shuffle (maxRowVec<2> loads and
// shuffles per tap); the same order, ties and NaN rule, the two rows unrolled. With spill (a
// later row of this plane follows, which its task rewrites whole) a short store writes whole
// vectors when the lanes past the row land in the next row.
static void maxRow22(const float* xs, const float* end, const CkPoolGeom& g, long h0, long owA, long owB, float* y,
                     int32_t* idx, bool spill) {
  vi even, odd, iota;
  for (int l = 0; l < CK_VW; l++) { even[l] = 2 * l; odd[l] = 2 * l + 1; iota[l] = 2 * l; }
  for (long ow = owA; ow < owB; ow += CK_VW) {
    long cnt = lmin(CK_VW, owB - ow);
    long w0 = ow * 2 - g.padLeft;
    vf best = {};
    vi bi = {};
    for (int i = 0; i < 2; i++) {
      const float* p = xs + (h0 + i) * g.w + w0;
      float tmp[2 * CK_VW] __attribute__((aligned(64)));
      if (p + 2 * CK_VW > end) {  // near the end of the array: through a zero-padded copy
        long have = end - p;
        for (long l = 0; l < 2 * CK_VW; l++) tmp[l] = l < have ? p[l] : 0.f;
        p = tmp;
      }
      vf a = *(const vfu*)p, b = *(const vfu*)(p + CK_VW);
      vf e = __builtin_shuffle(a, b, even), o = __builtin_shuffle(a, b, odd);
      vi base = iota + (int32_t)((h0 + i) * g.w + w0);
      vi stop = e != e;  // a row stops at its first NaN
      if (i == 0) {      // the window's first tap is always taken
        best = e;
        bi = base;
      } else {
        vi take = (e > best) | stop;
        best = take ? e : best;
        bi = take ? base : bi;
      }
      vi take = ~stop & ((o > best) | (o != o));
      best = take ? o : best;
      bi = take ? base + 1 : bi;
    }
    if (cnt == CK_VW || (spill && ow + CK_VW <= 2 * g.outW)) {
      *(vfu*)(y + ow) = best;
      typedef int32_t viu __attribute__((vector_size(CK_VW * 4), aligned(4)));
      *(viu*)(idx + ow) = bi;
    } else {
      storeLanes(y + ow, best, cnt);
      storeLanesI(idx + ow, bi, cnt);
    }
  }
}

static void maxPool2dK(const float* x, const CkPoolGeom* gp, float* y, int32_t* indices) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  const float* end = x + g.n * g.c * hw;
  // fast rows: unit dilation and stride 1 or 2 (every common max pool), windows inside the plane
  bool fast = g.dilationH == 1 && g.dilationW == 1 && (g.strideW == 1 || g.strideW == 2);
  long ohLo = 0, ohHi = 0, owLo = 0, owHi = 0;
  if (fast) {
    insideRange(g.strideH, g.padTop, g.kh, 1, g.h, g.outH, ohLo, ohHi);
    insideRange(g.strideW, g.padLeft, g.kw, 1, g.w, g.outW, owLo, owHi);
  }
  auto plane = [&](long p) {
    const float* xs = x + p * hw;
    float* yp = y + p * per;
    int32_t* ip = indices + p * per;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop;
      float* yr = yp + oh * g.outW;
      int32_t* ir = ip + oh * g.outW;
      if (fast && oh >= ohLo && oh < ohHi && owHi > owLo) {
        for (long ow = 0; ow < owLo; ow++) maxWindow(xs, g, h0, ow * g.strideW - g.padLeft, yr + ow, ir + ow);
        if (g.kh == 2 && g.kw == 2 && g.strideW == 2) maxRow22(xs, end, g, h0, owLo, owHi, yr, ir, oh + 1 < g.outH);
        else if (g.strideW == 1) maxRowVec<1>(xs, end, g, h0, owLo, owHi, yr, ir);
        else maxRowVec<2>(xs, end, g, h0, owLo, owHi, yr, ir);
        for (long ow = owHi; ow < g.outW; ow++) maxWindow(xs, g, h0, ow * g.strideW - g.padLeft, yr + ow, ir + ow);
      } else {
        for (long ow = 0; ow < g.outW; ow++) maxWindow(xs, g, h0, ow * g.strideW - g.padLeft, yr + ow, ir + ow);
      }
    }
  };
  forPlanes(g, (double)g.n * g.c * per * g.kh * g.kw, plane);
}

static void maxPool2dBackwardK(const float* dy, const int32_t* indices, const CkPoolGeom* gp, float* dx) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  // per plane: zero it and scatter into it while it is in L1 (measured faster than a
  // one-pass select over the windows for LeNet's small planes)
  auto plane = [&](long p) {
    float* d = dx + p * hw;
    memset(d, 0, (size_t)hw * 4);
    for (long o = p * per; o < (p + 1) * per; o++) {
      int32_t idx = indices[o];
      if (idx >= 0) d[idx] += dy[o];
    }
  };
  forPlanes(g, (double)g.n * g.c * (hw + per), plane);
}

static inline long windowCount(const CkPoolGeom& g, long h0, long w0, int countIncludePad) {
  if (countIncludePad) {
    long hEnd = lmin(h0 + (g.kh - 1) * g.dilationH + 1, g.h + g.padTop);
    long wEnd = lmin(w0 + (g.kw - 1) * g.dilationW + 1, g.w + g.padLeft);
    long a = hEnd - h0, b = wEnd - w0;
    long ch = a > 0 ? (a + g.dilationH - 1) / g.dilationH : -((-a) / g.dilationH);
    long cw = b > 0 ? (b + g.dilationW - 1) / g.dilationW : -((-b) / g.dilationW);
    return ch * cw;
  }
  long cnt = 0;
  for (long i = 0; i < g.kh; i++) {
    long ih = h0 + i * g.dilationH;
    if (ih < 0 || ih >= g.h) continue;
    for (long j = 0; j < g.kw; j++) { long iw = w0 + j * g.dilationW; if (iw >= 0 && iw < g.w) cnt++; }
  }
  return cnt;
}

// Average of one window at any position (padding/dilation aware), as the reference.
static inline float avgWindow(const float* xs, const CkPoolGeom& g, long h0, long w0, int cip) {
  double s = 0;
  for (long i = 0; i < g.kh; i++) {
    long ih = h0 + i * g.dilationH;
    if (ih < 0 || ih >= g.h) continue;
    for (long j = 0; j < g.kw; j++) {
      long iw = w0 + j * g.dilationW;
      if (iw >= 0 && iw < g.w) s += xs[ih * g.w + iw];
    }
  }
  return (float)(s / (double)windowCount(g, h0, w0, cip));
}

// Windows ow in [owA, owB) of an output row whose windows lie inside the plane, CK_VW at a
// time (the divisor is then the full window either way).
template <int S>
static void avgRowVec(const float* xs, const float* end, const CkPoolGeom& g, long h0, long owA, long owB, float* y) {
  vf cnt = (vf){} + (float)(g.kh * g.kw);
  for (long ow = owA; ow < owB; ow += CK_VW) {
    long lanes = lmin(CK_VW, owB - ow);
    long w0 = ow * S - g.padLeft;
    vf sum = {};
    for (long i = 0; i < g.kh; i++) {
      const float* xr = xs + (h0 + i) * g.w + w0;
      for (long j = 0; j < g.kw; j++) sum += loadTaps<S>(xr + j, end);
    }
    storeLanes(y + ow, sum / cnt, lanes);
  }
}

static void avgPool2dK(const float* x, const CkPoolGeom* gp, int cip, float* y) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  const float* end = x + g.n * g.c * hw;
  bool fast = g.dilationH == 1 && g.dilationW == 1 && (g.strideW == 1 || g.strideW == 2);
  long ohLo = 0, ohHi = 0, owLo = 0, owHi = 0;
  if (fast) {
    insideRange(g.strideH, g.padTop, g.kh, 1, g.h, g.outH, ohLo, ohHi);
    insideRange(g.strideW, g.padLeft, g.kw, 1, g.w, g.outW, owLo, owHi);
  }
  auto plane = [&](long p) {
    const float* xs = x + p * hw;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop;
      float* yr = y + p * per + oh * g.outW;
      long a = 0, b = 0;  // [a, b): the vector part of this row
      if (fast && oh >= ohLo && oh < ohHi && owHi > owLo) {
        a = owLo; b = owHi;
        if (g.strideW == 1) avgRowVec<1>(xs, end, g, h0, a, b, yr);
        else avgRowVec<2>(xs, end, g, h0, a, b, yr);
      }
      for (long ow = 0; ow < a; ow++) yr[ow] = avgWindow(xs, g, h0, ow * g.strideW - g.padLeft, cip);
      for (long ow = b > a ? b : 0; ow < g.outW; ow++) yr[ow] = avgWindow(xs, g, h0, ow * g.strideW - g.padLeft, cip);
    }
  };
  forPlanes(g, (double)g.n * g.c * per * g.kh * g.kw, plane);
}

static void avgPool2dBackwardK(const float* dy, const CkPoolGeom* gp, int cip, float* dx) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  // non-overlapping windows inside the plane: each cell gets its window's share, one pass
  bool tiled = g.strideH == g.kh && g.strideW == g.kw && g.padTop == 0 && g.padLeft == 0 && g.dilationH == 1 &&
               g.dilationW == 1 && g.outH * g.kh <= g.h && g.outW * g.kw <= g.w;
  double cnt = (double)(g.kh * g.kw);  // the divisor of every window inside the plane
  bool unitDil = g.dilationH == 1 && g.dilationW == 1;
  long ohLo = 0, ohHi = 0, owLo = 0, owHi = 0;
  if (unitDil) {
    insideRange(g.strideH, g.padTop, g.kh, 1, g.h, g.outH, ohLo, ohHi);
    insideRange(g.strideW, g.padLeft, g.kw, 1, g.w, g.outW, owLo, owHi);
  }
  auto plane = [&](long p) {
    float* d = dx + p * hw;
    if (tiled) {
      const float* dp = dy + p * per;
      for (long ih = 0; ih < g.h; ih++) {
        float* row = d + ih * g.w;
        long oh = ih / g.kh;
        if (oh >= g.outH) { memset(row, 0, (size_t)g.w * 4); continue; }
        const float* dr = dp + oh * g.outW;
        if (g.kw == 2) {
          for (long ow = 0; ow < g.outW; ow++) { float v = (float)(dr[ow] / cnt); row[2 * ow] = v; row[2 * ow + 1] = v; }
        } else {
          for (long ow = 0; ow < g.outW; ow++) {
            float v = (float)(dr[ow] / cnt);
            for (long j = 0; j < g.kw; j++) row[ow * g.kw + j] = v;
          }
        }
        for (long iw = g.outW * g.kw; iw < g.w; iw++) row[iw] = 0.f;
      }
      return;
    }
    memset(d, 0, (size_t)hw * 4);
    long o = p * per;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop;
      bool rowInside = unitDil && oh >= ohLo && oh < ohHi;
      for (long ow = 0; ow < g.outW; ow++, o++) {
        long w0 = ow * g.strideW - g.padLeft;
        if (rowInside && ow >= owLo && ow < owHi) {
          // the whole window is in the plane: no bounds tests, the full divisor
          float share = (float)((double)dy[o] / cnt);
          float* dw = d + h0 * g.w + w0;
          for (long i = 0; i < g.kh; i++, dw += g.w)
            for (long j = 0; j < g.kw; j++) dw[j] += share;
          continue;
        }
        float share = (float)((double)dy[o] / (double)windowCount(g, h0, w0, cip));
        for (long i = 0; i < g.kh; i++) {
          long ih = h0 + i * g.dilationH;
          if (ih < 0 || ih >= g.h) continue;
          for (long j = 0; j < g.kw; j++) {
            long iw = w0 + j * g.dilationW;
            if (iw >= 0 && iw < g.w) d[ih * g.w + iw] += share;
          }
        }
      }
    }
  };
  forPlanes(g, (double)g.n * g.c * per * g.kh * g.kw, plane);
}

