// Batched GEMM entry point and the 2-D convolution kernels built on the GEMM core. Included by kernels_impl.h inside the per-ISA namespace.
// ---- GEMM -------------------------------------------------------------------------------

static void gemmK(int transA, int transB, long batch, long m, long n, long k, float alpha, const float* a, long strideA,
                  const float* b, long strideB, float beta, float* c, long strideC) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  int init = beta == 0.f ? INIT_OVERWRITE : INIT_BETA;
  long ars = transA ? 1 : k, acs = transA ? m : 1;
  long brs = transB ? 1 : n, bcs = transB ? k : 1;
  double flops = 2.0 * batch * m * n * k;
  int T = threadsFor(flops);
  if (T > 1 && batch >= 2 * T) {
    auto task = [&](long t) {
      MatA A{a + t * strideA, ars, acs};
      MatB B{b + t * strideB, brs, bcs};
      gemmBlock(0, m, 0, n, k, alpha, A, B, init, beta, c + t * strideC, n, nullptr);
    };
    parallelFor(batch, task);
    return;
  }
  for (long t = 0; t < batch; t++) {
    MatA A{a + t * strideA, ars, acs};
    MatB B{b + t * strideB, brs, bcs};
    gemmParallel(m, n, k, alpha, A, B, init, beta, c + t * strideC, n, nullptr, T);
  }
}

// ---- convolution ------------------------------------------------------------------------

// Range of output positions o with 0 <= o*stride + off < size (off = tap*dil - pad).
static inline void validRange(long off, long stride, long size, long outSize, long& lo, long& hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = size - 1 - off >= 0 ? (size - 1 - off) / stride + 1 : 0;
  if (hi > outSize) hi = outSize;
  if (lo > hi) lo = hi;
}

// Direct convolution for channel-sparse cases (depthwise, tiny groups), per output plane.
static void convDirectPlane(const float* x, const float* w, float bias, const CkConvGeom& g, long nn, long o, float* yPlane) {
  long cInG = g.cIn / g.groups, cOutG = g.cOut / g.groups, grp = o / cOutG;
  long plane = g.outH * g.outW;
  for (long i = 0; i < plane; i++) yPlane[i] = bias;
  for (long ci = 0; ci < cInG; ci++) {
    const float* xs = x + (nn * g.cIn + grp * cInG + ci) * g.h * g.w;
    for (long ki = 0; ki < g.kh; ki++) {
      long offH = ki * g.dilationH - g.padTop, ohLo, ohHi;
      validRange(offH, g.strideH, g.h, g.outH, ohLo, ohHi);
      for (long kj = 0; kj < g.kw; kj++) {
        long offW = kj * g.dilationW - g.padLeft, owLo, owHi;
        validRange(offW, g.strideW, g.w, g.outW, owLo, owHi);
        float wv = w[((o * cInG + ci) * g.kh + ki) * g.kw + kj];
        for (long oh = ohLo; oh < ohHi; oh++) {
          const float* xr = xs + (oh * g.strideH + offH) * g.w + offW;
          float* yr = yPlane + oh * g.outW;
          if (g.strideW == 1) for (long ow = owLo; ow < owHi; ow++) yr[ow] += wv * xr[ow];
          else for (long ow = owLo; ow < owHi; ow++) yr[ow] += wv * xr[ow * g.strideW];
        }
      }
    }
  }
}

// sum a[i] * b[i] in vector lanes (a plain loop would not vectorise without reassociation)
static inline float dotRow(const float* a, const float* b, long n) {
  vf acc = {};
  long i = 0;
  for (; i + CK_VW <= n; i += CK_VW) acc += *(const vfu*)(a + i) * *(const vfu*)(b + i);
  float s = 0;
  for (int l = 0; l < CK_VW; l++) s += acc[l];
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

static bool useDirect(const CkConvGeom& g) {
  long cInG = g.cIn / g.groups, cOutG = g.cOut / g.groups;
  return cOutG < 4 || cInG * g.kh * g.kw < 4;
}

static Im2col makeIm2col(const float* xg, const CkConvGeom& g) {
  return Im2col{xg, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outW};
}

// Stride-1 row kernels. The image planes are copied with their padding applied as zeros,
// Hr x Wc each with Wc = outW + (kw-1)*dilationW, and output position (oh, ow) is handled at
// flat position p = oh*Wc + ow: the input of tap (ci, ki, kj) is then xp[p + roff], one
// contiguous run across all rows. Lanes at ow >= outW compute values nobody keeps.
struct RowsLayout {
  long cInG, kk, kdim, Hr, Wc, Pv;  // Pv: outH*Wc rounded up to whole vectors
  explicit RowsLayout(const CkConvGeom& g)
      : cInG(g.cIn / g.groups), kk(g.kh * g.kw), kdim(cInG * kk),
        Hr(g.outH + (g.kh - 1) * g.dilationH), Wc(g.outW + (g.kw - 1) * g.dilationW),
        Pv((g.outH * Wc + CK_VW - 1) / CK_VW * CK_VW) {}
  // floats of the padded image, with a zero tail for the reads of the last vectors
  long imageFloats() const { return cInG * Hr * Wc + Pv + Wc + CK_VW; }
  long offset(const CkConvGeom& g, long r) const {
    long ci = r / kk, t = r - ci * kk, ki = t / g.kw, kj = t - ki * g.kw;
    return (ci * Hr + ki * g.dilationH) * Wc + kj * g.dilationW;
  }
  void pad(const float* xg, const CkConvGeom& g, float* xp) const {
    // columns [ja, jb) of a padded row hold input columns [ja - padLeft, jb - padLeft)
    long ja = lmin(lmax(g.padLeft, 0), Wc), jb = lmax(ja, lmin(Wc, g.w + g.padLeft));
    for (long ci = 0; ci < cInG; ci++)
      for (long i = 0; i < Hr; i++) {
        float* row = xp + (ci * Hr + i) * Wc;
        long ih = i - g.padTop;
        if (ih < 0 || ih >= g.h) { for (long j = 0; j < Wc; j++) row[j] = 0.f; continue; }
        const float* xr = xg + (ci * g.h + ih) * g.w;
        for (long j = 0; j < ja; j++) row[j] = 0.f;
        copyRun(row + ja, xr + ja - g.padLeft, jb - ja);
        for (long j = jb; j < Wc; j++) row[j] = 0.f;
      }
    for (long j = cInG * Hr * Wc; j < imageFloats(); j++) xp[j] = 0.f;
  }
  // lanes wasted on columns nobody keeps, as a fraction of all lanes
  static double waste(const CkConvGeom& g) {
    RowsLayout l(g);
    return 1.0 - (double)(g.outH * g.outW) / (double)l.Pv;
  }
};

// Forward convolution of one image and group on the row layout, in a register tile of TO
// output channels (weights broadcast from memory).
static void convRowsForward(const float* xg, const float* wg, const float* biasg, const CkConvGeom& g, bool relu,
                            float* yg) {
  const int TO = 8;
  RowsLayout l(g);
  long cOutG = g.cOut / g.groups, kdim = l.kdim;
  // scratch: tap offsets (kdim longs), the tile's flat outputs, the padded image
  float* buf = scratch((size_t)(2 * kdim + TO * l.Pv + l.imageFloats()));
  long* roff = (long*)buf;
  float* tmp = buf + 2 * kdim;
  float* xp = tmp + TO * l.Pv;
  l.pad(xg, g, xp);
  for (long r = 0; r < kdim; r++) roff[r] = l.offset(g, r);
  for (long o0 = 0; o0 < cOutG; o0 += TO) {
    long ob = lmin(TO, cOutG - o0);
    // the tile's weights as wpk[r][b] (zeros past the last channel) and its bias
    float* wpk = scratch2((size_t)(kdim * TO));
    float bt[TO];
    for (long r = 0; r < kdim; r++)
      for (int b = 0; b < TO; b++) wpk[r * TO + b] = b < ob ? wg[(o0 + b) * kdim + r] : 0.f;
    for (int b = 0; b < TO; b++) bt[b] = biasg && b < ob ? biasg[o0 + b] : 0.f;
    for (long p = 0; p < l.Pv; p += CK_VW) {
      vf acc[TO];
#pragma GCC unroll 8
      for (int b = 0; b < TO; b++) acc[b] = (vf){} + bt[b];
      const float* xb = xp + p;
      const float* wr = wpk;
      for (long r = 0; r < kdim; r++, wr += TO) {
        vf xv = *(const vfu*)(xb + roff[r]);
#pragma GCC unroll 8
        for (int b = 0; b < TO; b++) acc[b] += wr[b] * xv;
      }
#pragma GCC unroll 8
      for (int b = 0; b < TO; b++) *(vfu*)(tmp + b * l.Pv + p) = acc[b];
    }
    for (long b = 0; b < ob; b++)
      for (long oh = 0; oh < g.outH; oh++) {
        float* yr = yg + ((o0 + b) * g.outH + oh) * g.outW;
        const float* tr = tmp + b * l.Pv + oh * l.Wc;
        if (relu) for (long ow = 0; ow < g.outW; ow++) yr[ow] = tr[ow] > 0.f ? tr[ow] : 0.f;
        else copyRun(yr, tr, g.outW);
      }
  }
}

// Whether the row kernel beats the im2col GEMM for a forward convolution: stride 1, at most
// 16 output channels per group (the GEMM then spends its time packing), few wasted lanes.
static bool rowsForwardSuits(const CkConvGeom& g) {
  long cOutG = g.cOut / g.groups;
  return g.strideH == 1 && g.strideW == 1 && !useDirect(g) && cOutG <= 16 && RowsLayout::waste(g) <= 0.34;
}

// Forward convolution; `relu` asks for max(., 0) on the result, and is set to false by the
// paths that applied it in their epilogue (the caller applies it otherwise).
static void conv2dImpl(const float* x, const float* w, const float* bias, const CkConvGeom& g, bool& relu, float* y) {
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kdim = cInG * g.kh * g.kw, P = g.outH * g.outW;
  if (g.n == 0 || g.cOut == 0 || P == 0) return;
  double flops = 2.0 * g.n * g.cOut * kdim * P;
  int T = threadsFor(flops);
  if (winogradSuits(g)) {
    convWinograd(x, w, bias, g, T, relu, y);
    relu = false;
    return;
  }
  if (rowsForwardSuits(g)) {
    auto task = [&](long t) {
      long nn = t / G, grp = t - nn * G;
      convRowsForward(x + (nn * g.cIn + grp * cInG) * g.h * g.w, w + grp * cOutG * kdim, bias ? bias + grp * cOutG : nullptr,
                      g, relu, y + (nn * g.cOut + grp * cOutG) * P);
    };
    if (T > 1) parallelFor(g.n * G, task);
    else for (long t = 0; t < g.n * G; t++) task(t);
    relu = false;
    return;
  }
  if (useDirect(g)) {
    auto task = [&](long t) {
      long nn = t / g.cOut, o = t - nn * g.cOut;
      convDirectPlane(x, w, bias ? bias[o] : 0.f, g, nn, o, y + t * P);
    };
    if (T > 1) parallelFor(g.n * g.cOut, task);
    else for (long t = 0; t < g.n * g.cOut; t++) task(t);
    return;
  }
  // few positions per image: one GEMM over the whole batch (conv_batched_impl.h)
  if (batchedForwardSuits(g)) {
    convForwardBatched(x, w, bias, g, T, relu, y);
    relu = false;
    return;
  }
  // the weights are packed once per call and shared by every image and thread
  PackedA** packs = (PackedA**)malloc(sizeof(PackedA*) * (size_t)G);
  for (long grp = 0; grp < G; grp++) packs[grp] = new PackedA(MatA{w + grp * cOutG * kdim, kdim, 1}, cOutG, kdim);
  long items = g.n * G;
  auto item = [&](long t, int parts) {
    long nn = t / G, grp = t - nn * G;
    ColB B{makeIm2col(x + (nn * g.cIn + grp * cInG) * g.h * g.w, g)};
    gemmParallel(cOutG, P, kdim, 1.f, *packs[grp], B, bias ? INIT_BIAS : INIT_OVERWRITE, 0.f,
                 y + (nn * g.cOut + grp * cOutG) * P, P, bias ? bias + grp * cOutG : nullptr, parts);
  };
  if (T > 1 && (items >= 4 * T || items % T == 0)) {
    auto task = [&](long t) { item(t, 1); };
    parallelFor(items, task);
  } else {
    for (long t = 0; t < items; t++) item(t, T);
  }
  for (long grp = 0; grp < G; grp++) delete packs[grp];
  free(packs);
}

static void conv2dK(const float* x, const float* w, const float* bias, const CkConvGeom* gp, float* y) {
  bool relu = false;
  conv2dImpl(x, w, bias, *gp, relu, y);
}

// y = act(conv(x, w) + bias): relu inside the paths that have an epilogue for it, otherwise
// (and for every other op) the elementwise kernel in place on y.
static void conv2dActK(const float* x, const float* w, const float* bias, const CkConvGeom* gp, int act, float alpha,
                       float* y) {
  const CkConvGeom g = *gp;
  bool relu = act == U_RELU;
  conv2dImpl(x, w, bias, g, relu, y);
  if (act == U_RELU && !relu) return;
  ck_unary(act, y, y, g.n * g.cOut * g.outH * g.outW, alpha);
}

// Weight gradient of one image and group on the row layout (dy copied to the same flat
// positions, zero where ow >= outW): every weight is a sum of vector products, in a register
// tile of TO output channels x TR weights; no transposes as in an im2col GEMM. Adds into dwg.
static void bwdWeightRows(const float* xg, const float* dyg, const CkConvGeom& g, float* dwg) {
  const int TO = CK_VW == 16 ? 6 : 3, TR = 4;
  RowsLayout l(g);
  long cOutG = g.cOut / g.groups, kdim = l.kdim;
  long cOutP = (cOutG + TO - 1) / TO * TO;
  float* xp = scratch((size_t)(l.imageFloats() + cOutP * l.Pv));
  float* dyp = xp + l.imageFloats();
  l.pad(xg, g, xp);
  for (long o = 0; o < cOutP; o++) {
    float* d = dyp + o * l.Pv;
    for (long p = 0; p < l.Pv; p++) d[p] = 0.f;
    if (o < cOutG)
      for (long oh = 0; oh < g.outH; oh++)
        memcpy(d + oh * l.Wc, dyg + (o * g.outH + oh) * g.outW, (size_t)g.outW * 4);
  }
  for (long o0 = 0; o0 < cOutG; o0 += TO) {
    for (long r0 = 0; r0 < kdim; r0 += TR) {
      const float* xrow[TR];
      for (int q = 0; q < TR; q++) xrow[q] = xp + l.offset(g, lmin(r0 + q, kdim - 1));
      vf acc[TO][TR];
#pragma GCC unroll 8
      for (int b = 0; b < TO; b++)
#pragma GCC unroll 8
        for (int q = 0; q < TR; q++) acc[b][q] = (vf){};
      const float* yr = dyp + o0 * l.Pv;
      for (long p = 0; p < l.Pv; p += CK_VW) {
        vf xv[TR];
#pragma GCC unroll 8
        for (int q = 0; q < TR; q++) xv[q] = *(const vfu*)(xrow[q] + p);
#pragma GCC unroll 8
        for (int b = 0; b < TO; b++) {
          vf yv = *(const vfu*)(yr + b * l.Pv + p);
#pragma GCC unroll 8
          for (int q = 0; q < TR; q++) acc[b][q] += yv * xv[q];
        }
      }
      for (long b = 0; b < TO && o0 + b < cOutG; b++)
        for (long q = 0; q < TR && r0 + q < kdim; q++) {
          float sum = 0;
          for (int l2 = 0; l2 < CK_VW; l2++) sum += acc[b][q][l2];
          dwg[(o0 + b) * kdim + r0 + q] += sum;
        }
    }
  }
}

static void conv2dBackwardWeightK(const float* x, const float* dy, const CkConvGeom* gp, float* dw) {
  const CkConvGeom g = *gp;
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kk = g.kh * g.kw, kdim = cInG * kk, P = g.outH * g.outW;
  long dwSize = g.cOut * kdim;
  double flops = 2.0 * g.n * g.cOut * kdim * P;
  int T = threadsFor(flops);
  if (g.n == 0 || P == 0) { memset(dw, 0, (size_t)dwSize * 4); return; }
  // 3x3 stride 1: Winograd (winograd_impl.h)
  if (winogradSuits(g)) { convWinogradBwdWeight(x, dy, g, T, dw); return; }
  // few positions per image: one GEMM whose reduction runs over the whole batch (conv_batched_impl.h)
  if (batchedWeightSuits(g)) { convBackwardWeightBatched(x, dy, g, T, dw); return; }
  // stride 1: the row kernel, unless its unused lanes are over a quarter of all on many
  // channels, or too few images are there to share out
  if (g.strideH == 1 && g.strideW == 1 && (cOutG <= 8 || RowsLayout::waste(g) <= 0.25) && (T == 1 || g.n * G >= T)) {
    // fixed chunks of (image, group) items, each summed in order into its own buffer (chunk
    // 0: dw itself), then the buffers added in chunk order: the result does not depend on
    // which thread ran which chunk or when
    sumInChunks(g.n * G, T, dwSize, dw, [&](long t, float* dst) {
      long nn = t / G, grp = t - nn * G;
      bwdWeightRows(x + (nn * g.cIn + grp * cInG) * g.h * g.w, dy + (nn * g.cOut + grp * cOutG) * P, g,
                    dst + grp * cOutG * kdim);
    });
    return;
  }
  if (useDirect(g)) {
    // one task per output channel: dw[o] = sum over images and positions of x * dy
    auto task = [&](long o) {
      long grp = o / cOutG;
      for (long r = 0; r < kdim; r++) {
        long ci = r / kk, t = r - ci * kk, ki = t / g.kw, kj = t - ki * g.kw;
        long offH = ki * g.dilationH - g.padTop, offW = kj * g.dilationW - g.padLeft;
        long ohLo, ohHi, owLo, owHi;
        validRange(offH, g.strideH, g.h, g.outH, ohLo, ohHi);
        validRange(offW, g.strideW, g.w, g.outW, owLo, owHi);
        double acc = 0;
        for (long nn = 0; nn < g.n; nn++) {
          const float* xs = x + (nn * g.cIn + grp * cInG + ci) * g.h * g.w;
          const float* ys = dy + (nn * g.cOut + o) * P;
          for (long oh = ohLo; oh < ohHi; oh++) {
            const float* xr = xs + (oh * g.strideH + offH) * g.w + offW;
            const float* yr = ys + oh * g.outW;
            float s = 0;
            if (g.strideW == 1) s = dotRow(xr + owLo, yr + owLo, owHi - owLo);
            else for (long ow = owLo; ow < owHi; ow++) s += xr[ow * g.strideW] * yr[ow];
            acc += s;
          }
        }
        dw[o * kdim + r] = (float)acc;
      }
    };
    if (T > 1) parallelFor(g.cOut, task);
    else for (long o = 0; o < g.cOut; o++) task(o);
    return;
  }
  // dW_g (cOutG x kdim) = sum_n dy_ng (cOutG x P) * col_ng^T (P x kdim)
  auto image = [&](long nn, float* dst, bool first, int parts) {
    for (long grp = 0; grp < G; grp++) {
      MatA A{dy + (nn * g.cOut + grp * cOutG) * P, P, 1};
      ColTB B{makeIm2col(x + (nn * g.cIn + grp * cInG) * g.h * g.w, g)};
      gemmParallel(cOutG, kdim, P, 1.f, A, B, first ? INIT_OVERWRITE : INIT_ACCUM, 0.f, dst + grp * cOutG * kdim, kdim,
                   nullptr, parts);
    }
  };
  if (T > 1 && g.n >= T) {
    sumInChunks(g.n, T, dwSize, dw, [&](long nn, float* dst) { image(nn, dst, false, 1); });
  } else {
    for (long nn = 0; nn < g.n; nn++) image(nn, dw, nn == 0, T);
  }
}

static void conv2dBackwardDataK(const float* dy, const float* w, const CkConvGeom* gp, float* dx) {
  const CkConvGeom g = *gp;
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kk = g.kh * g.kw, kdim = cInG * kk, P = g.outH * g.outW;
  long HW = g.h * g.w;
  if (g.n == 0 || g.cIn == 0) return;
  double flops = 2.0 * g.n * g.cOut * kdim * P;
  int T = threadsFor(flops);
  if (useDirect(g)) {
    // one task per (image, group): the group's dx planes receive only from its own outputs
    auto task = [&](long t) {
      long nn = t / G, grp = t - nn * G;
      float* dxg = dx + (nn * g.cIn + grp * cInG) * HW;
      memset(dxg, 0, (size_t)(cInG * HW) * 4);
      for (long ol = 0; ol < cOutG; ol++) {
        long o = grp * cOutG + ol;
        const float* ys = dy + (nn * g.cOut + o) * P;
        for (long ci = 0; ci < cInG; ci++) {
          float* xs = dxg + ci * HW;
          for (long ki = 0; ki < g.kh; ki++) {
            long offH = ki * g.dilationH - g.padTop, ohLo, ohHi;
            validRange(offH, g.strideH, g.h, g.outH, ohLo, ohHi);
            for (long kj = 0; kj < g.kw; kj++) {
              long offW = kj * g.dilationW - g.padLeft, owLo, owHi;
              validRange(offW, g.strideW, g.w, g.outW, owLo, owHi);
              float wv = w[((o * cInG + ci) * g.kh + ki) * g.kw + kj];
              for (long oh = ohLo; oh < ohHi; oh++) {
                float* xr = xs + (oh * g.strideH + offH) * g.w + offW;
                const float* yr = ys + oh * g.outW;
                if (g.strideW == 1) for (long ow = owLo; ow < owHi; ow++) xr[ow] += wv * yr[ow];
                else for (long ow = owLo; ow < owHi; ow++) xr[ow * g.strideW] += wv * yr[ow];
              }
            }
          }
        }
      }
    };
    if (T > 1) parallelFor(g.n * G, task);
    else for (long t = 0; t < g.n * G; t++) task(t);
    return;
  }
  // stride 1: dx is a forward convolution of dy with the flipped, transposed kernel, worth it
  // when that convolution's GEMM has cInG >= 8 rows; with fewer (LeNet sizes) the column
  // route below is faster than both that GEMM and the row kernel (measured)
  if (g.strideH == 1 && g.strideW == 1 && cInG >= 8) {
    CkConvGeom t = g;
    t.cIn = g.cOut; t.cOut = g.cIn; t.h = g.outH; t.w = g.outW; t.outH = g.h; t.outW = g.w;
    t.padTop = g.dilationH * (g.kh - 1) - g.padTop;
    t.padLeft = g.dilationW * (g.kw - 1) - g.padLeft;
    float* wt = alignedAlloc((size_t)(g.cIn * cOutG * kk));
    for (long grp = 0; grp < G; grp++)
      for (long ol = 0; ol < cOutG; ol++)
        for (long ci = 0; ci < cInG; ci++)
          for (long ki = 0; ki < g.kh; ki++)
            for (long kj = 0; kj < g.kw; kj++)
              wt[(((grp * cInG + ci) * cOutG + ol) * g.kh + (g.kh - 1 - ki)) * g.kw + (g.kw - 1 - kj)] =
                  w[(((grp * cOutG + ol) * cInG + ci) * g.kh + ki) * g.kw + kj];
    bool relu = false;
    conv2dImpl(dy, wt, nullptr, t, relu, dx);
    free(wt);
    return;
  }
  // few positions per image: the column route over runs of whole images (conv_batched_impl.h)
  if (batchedDataSuits(g)) { convBackwardDataBatched(dy, w, g, T, dx); return; }
  // strided or few input channels: dcol = W_g^T * dy_ng, then scatter-add the columns into dx (col2im)
  auto image = [&](long nn, int parts) {
    float* col = scratch((size_t)(kdim * P));
    memset(dx + nn * g.cIn * HW, 0, (size_t)(g.cIn * HW) * 4);
    for (long grp = 0; grp < G; grp++) {
      MatA A{w + grp * cOutG * kdim, 1, kdim};
      MatB B{dy + (nn * g.cOut + grp * cOutG) * P, P, 1};
      gemmParallel(kdim, P, cOutG, 1.f, A, B, INIT_OVERWRITE, 0.f, col, P, nullptr, parts);
      float* dxg = dx + (nn * g.cIn + grp * cInG) * HW;
      for (long r = 0; r < kdim; r++) {
        long ci = r / kk, t = r - ci * kk, ki = t / g.kw, kj = t - ki * g.kw;
        long offH = ki * g.dilationH - g.padTop, offW = kj * g.dilationW - g.padLeft;
        long ohLo, ohHi, owLo, owHi;
        validRange(offH, g.strideH, g.h, g.outH, ohLo, ohHi);
        validRange(offW, g.strideW, g.w, g.outW, owLo, owHi);
        float* xs = dxg + ci * HW;
        const float* cr = col + r * P;
        for (long oh = ohLo; oh < ohHi; oh++) {
          float* xr = xs + (oh * g.strideH + offH) * g.w + offW;
          const float* c = cr + oh * g.outW;
          if (g.strideW == 1) for (long ow = owLo; ow < owHi; ow++) xr[ow] += c[ow];
          else for (long ow = owLo; ow < owHi; ow++) xr[ow * g.strideW] += c[ow];
        }
      }
    }
  };
  if (T > 1 && g.n >= T) {
    auto task = [&](long nn) { image(nn, 1); };
    parallelFor(g.n, task);
  } else {
    for (long nn = 0; nn < g.n; nn++) image(nn, T);
  }
}

