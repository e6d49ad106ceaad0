// Max and average pooling kernels (mirror src/backend/js/pool.ts). Included by kernels_impl.h inside the per-ISA namespace.
// ---- pooling ----------------------------------------------------------------------------

template <class F>
static void forPlanes(const CkPoolGeom& g, double work, F& f) {
  long planes = g.n * g.c;
  if (work >= kElemParallel && planes >= 2 && ck_threads() > 1) parallelFor(planes, f);
  else for (long p = 0; p < planes; p++) f(p);
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

static void maxPool2dK(const float* x, const CkPoolGeom* gp, float* y, int32_t* indices) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  auto plane = [&](long p) {
    const float* xs = x + p * hw;
    long o = p * per;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop, iLo, iHi;
      tapRange(h0, g.dilationH, g.h, g.kh, iLo, iHi);
      for (long ow = 0; ow < g.outW; ow++, o++) {
        long w0 = ow * g.strideW - g.padLeft, jLo, jHi;
        tapRange(w0, g.dilationW, g.w, g.kw, jLo, jHi);
        // same visiting order and tie/NaN rules as the reference, without per-cell bounds tests
        float best = -INFINITY;
        long bi = -1;
        for (long i = iLo; i < iHi; i++) {
          long ih = h0 + i * g.dilationH;
          const float* xr = xs + ih * g.w;
          bool stop = false;  // the reference leaves a row at its first NaN
          for (long j = jLo; j < jHi; j++) {
            long iw = w0 + j * g.dilationW;
            float v = xr[iw];
            bool nan = v != v;
            bool take = (!stop) && ((v > best) | nan | (bi < 0));
            best = take ? v : best;
            bi = take ? ih * g.w + iw : bi;
            stop |= nan;
          }
        }
        y[o] = best;
        indices[o] = (int32_t)bi;
      }
    }
  };
  forPlanes(g, (double)g.n * g.c * per * g.kh * g.kw, plane);
}

static void maxPool2dBackwardK(const float* dy, const int32_t* indices, const CkPoolGeom* gp, float* dx) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
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

static void avgPool2dK(const float* x, const CkPoolGeom* gp, int cip, float* y) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  auto plane = [&](long p) {
    const float* xs = x + p * hw;
    long o = p * per;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop;
      for (long ow = 0; ow < g.outW; ow++, o++) {
        long w0 = ow * g.strideW - g.padLeft;
        double s = 0;
        for (long i = 0; i < g.kh; i++) {
          long ih = h0 + i * g.dilationH;
          if (ih < 0 || ih >= g.h) continue;
          for (long j = 0; j < g.kw; j++) {
            long iw = w0 + j * g.dilationW;
            if (iw >= 0 && iw < g.w) s += xs[ih * g.w + iw];
          }
        }
        y[o] = (float)(s / (double)windowCount(g, h0, w0, cip));
      }
    }
  };
  forPlanes(g, (double)g.n * g.c * per * g.kh * g.kw, plane);
}

static void avgPool2dBackwardK(const float* dy, const CkPoolGeom* gp, int cip, float* dx) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  auto plane = [&](long p) {
    float* d = dx + p * hw;
    memset(d, 0, (size_t)hw * 4);
    long o = p * per;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop;
      for (long ow = 0; ow < g.outW; ow++, o++) {
        long w0 = ow * g.strideW - g.padLeft;
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

