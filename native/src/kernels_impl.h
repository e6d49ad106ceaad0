// Every kernel of the convkit native backend, compiled once per ISA. The including file
// defines CK_NS (a namespace unique to the ISA, so no inline function compiled with wide
// instructions can be merged into another ISA's code), CK_TABLE (the exported table name),
// CK_ISA_NAME and the GEMM tile macros. Semantics mirror src/backend/js exactly.
#include "common.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

namespace CK_NS {

#include "gemm_impl.h"

// ---- elementwise ----------------------------------------------------------------------

static inline float jsPow(float a, float b) {
  // Math.pow differs from C pow: pow(1, NaN) and pow(+-1, +-Infinity) are NaN in JS
  if (b != b) return NAN;
  if (fabsf(a) == 1.f && isinf(b)) return NAN;
  return powf(a, b);
}

static inline float unaryOne(int op, float v, float alpha) {
  switch (op) {
    case U_NEG: return -v;
    case U_EXP: return expf(v);
    case U_LOG: return logf(v);
    case U_SQRT: return sqrtf(v);
    case U_ABS: return fabsf(v);
    case U_SIGN: return v > 0 ? 1.f : v < 0 ? -1.f : 0.f;
    case U_SQUARE: return v * v;
    case U_RECIPROCAL: return 1.f / v;
    case U_RELU: return v > 0 ? v : 0.f;
    case U_SIGMOID:
      if (v >= 0) return 1.f / (1.f + expf(-v));
      else { float e = expf(v); return e / (1.f + e); }
    case U_TANH: return tanhf(v);
    case U_GELU: return 0.5f * v * (1.f + erff(v * 0.70710678118654752f));
    case U_SOFTPLUS: return v > 20 ? v : log1pf(expf(v));
    case U_LEAKY_RELU: return v > 0 ? v : alpha * v;
    case U_ELU: return v > 0 ? v : alpha * expm1f(v);
    case U_POW_SCALAR: return jsPow(v, alpha);
    case U_ADD_SCALAR: return v + alpha;
    case U_MUL_SCALAR: return v * alpha;
    case U_SIN: return sinf(v);
    case U_COS: return cosf(v);
    case U_FLOOR: return floorf(v);
    case U_CEIL: return ceilf(v);
    case U_ROUND: return (float)floor((double)v + 0.5);  // Math.round: halves go up
  }
  return NAN;
}

template <int OP>
static void unaryLoop(const float* __restrict x, float* out, long n, float alpha) {
  for (long i = 0; i < n; i++) out[i] = unaryOne(OP, x[i], alpha);
}

static void unaryRange(int op, const float* x, float* out, long n, float alpha) {
  switch (op) {
#define CK_U(o) case o: unaryLoop<o>(x, out, n, alpha); return;
    CK_U(U_NEG) CK_U(U_EXP) CK_U(U_LOG) CK_U(U_SQRT) CK_U(U_ABS) CK_U(U_SIGN) CK_U(U_SQUARE) CK_U(U_RECIPROCAL)
    CK_U(U_RELU) CK_U(U_SIGMOID) CK_U(U_TANH) CK_U(U_GELU) CK_U(U_SOFTPLUS) CK_U(U_LEAKY_RELU) CK_U(U_ELU)
    CK_U(U_POW_SCALAR) CK_U(U_ADD_SCALAR) CK_U(U_MUL_SCALAR) CK_U(U_SIN) CK_U(U_COS) CK_U(U_FLOOR) CK_U(U_CEIL)
    CK_U(U_ROUND)
#undef CK_U
  }
}

static const long kElemChunk = 1 << 15;
static const long kElemParallel = 1 << 17;

static void unaryK(int op, const float* x, float* out, long n, float alpha) {
  bool cheap = op == U_NEG || op == U_ABS || op == U_SQUARE || op == U_RELU || op == U_ADD_SCALAR ||
               op == U_MUL_SCALAR || op == U_LEAKY_RELU || op == U_SIGN;
  long threshold = cheap ? kElemParallel * 2 : kElemParallel / 8;
  if (n < threshold || ck_threads() == 1) { unaryRange(op, x, out, n, alpha); return; }
  long chunks = (n + kElemChunk - 1) / kElemChunk;
  auto task = [&](long t) {
    long a = t * kElemChunk, b = lmin(n, a + kElemChunk);
    unaryRange(op, x + a, out + a, b - a, alpha);
  };
  parallelFor(chunks, task);
}

template <int OP>
static inline float binOne(float a, float b) {
  switch (OP) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return jsPow(a, b);
    case B_MAXIMUM: return a > b || a != a ? a : b;
    case B_MINIMUM: return a < b || a != a ? a : b;
    case B_EQ: return a == b ? 1.f : 0.f;
    case B_NE: return a != b ? 1.f : 0.f;
    case B_LT: return a < b ? 1.f : 0.f;
    case B_LE: return a <= b ? 1.f : 0.f;
    case B_GT: return a > b ? 1.f : 0.f;
    case B_GE: return a >= b ? 1.f : 0.f;
  }
  return NAN;
}

// One output row of `len` elements with per-operand steps (0 = broadcast, 1 = contiguous).
template <int OP>
static inline void binRow(const float* a, long ia, const float* b, long ib, float* out, long len) {
  if (ia == 1 && ib == 1) for (long j = 0; j < len; j++) out[j] = binOne<OP>(a[j], b[j]);
  else if (ia == 1 && ib == 0) { float bv = b[0]; for (long j = 0; j < len; j++) out[j] = binOne<OP>(a[j], bv); }
  else if (ia == 0 && ib == 1) { float av = a[0]; for (long j = 0; j < len; j++) out[j] = binOne<OP>(av, b[j]); }
  else for (long j = 0; j < len; j++) out[j] = binOne<OP>(a[j * ia], b[j * ib]);
}

struct BinPlan {
  int rank;
  long sa[16], sb[16], shape[16];
};

// Rows [r0, r1) of the broadcast loop; each row is the last (merged) axis.
template <int OP>
static void binRows(const BinPlan& pl, const float* a, const float* b, float* out, long r0, long r1) {
  int rank = pl.rank;
  long inner = pl.shape[rank - 1], ia = pl.sa[rank - 1], ib = pl.sb[rank - 1];
  long idx[16];
  long offA = 0, offB = 0, rem = r0;
  for (int d = rank - 2; d >= 0; d--) {
    idx[d] = rem % pl.shape[d];
    rem /= pl.shape[d];
    offA += idx[d] * pl.sa[d];
    offB += idx[d] * pl.sb[d];
  }
  for (long r = r0; r < r1; r++) {
    binRow<OP>(a + offA, ia, b + offB, ib, out + r * inner, inner);
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += pl.sa[d];
      offB += pl.sb[d];
      if (idx[d] < pl.shape[d]) break;
      offA -= pl.sa[d] * pl.shape[d];
      offB -= pl.sb[d] * pl.shape[d];
      idx[d] = 0;
    }
  }
}

template <int OP>
static void binaryOp(const BinPlan& pl, const float* a, const float* b, float* out, long total) {
  long inner = pl.shape[pl.rank - 1];
  long rows = inner > 0 ? total / inner : 0;
  if (total < kElemParallel || ck_threads() == 1 || rows < 2) { binRows<OP>(pl, a, b, out, 0, rows); return; }
  long rowsPer = lmax(1, kElemChunk / lmax(inner, 1));
  long chunks = (rows + rowsPer - 1) / rowsPer;
  auto task = [&](long t) { binRows<OP>(pl, a, b, out, t * rowsPer, lmin(rows, (t + 1) * rowsPer)); };
  parallelFor(chunks, task);
}

static void binaryK(int op, const float* a, const long* aShape, const float* b, const long* bShape, float* out,
                    const long* outShape, int rank) {
  // merge adjacent axes that broadcast the same way, so rows are as long as possible
  BinPlan pl;
  long total = 1;
  for (int d = 0; d < rank; d++) total *= outShape[d];
  if (total == 0) return;
  long sa[16], sb[16];
  long accA = 1, accB = 1;
  for (int d = rank - 1; d >= 0; d--) {
    sa[d] = aShape[d] == 1 ? 0 : accA; accA *= aShape[d];
    sb[d] = bShape[d] == 1 ? 0 : accB; accB *= bShape[d];
  }
  int r = 0;
  for (int d = 0; d < rank; d++) {
    if (outShape[d] == 1) continue;
    if (r > 0) {
      long ps = pl.shape[r - 1];
      if (pl.sa[r - 1] == sa[d] * outShape[d] && pl.sb[r - 1] == sb[d] * outShape[d]) {
        pl.shape[r - 1] = ps * outShape[d];
        pl.sa[r - 1] = sa[d];
        pl.sb[r - 1] = sb[d];
        continue;
      }
    }
    pl.shape[r] = outShape[d]; pl.sa[r] = sa[d]; pl.sb[r] = sb[d]; r++;
  }
  if (r == 0) { pl.shape[0] = 1; pl.sa[0] = 0; pl.sb[0] = 0; r = 1; }
  pl.rank = r;
  switch (op) {
#define CK_B(o) case o: binaryOp<o>(pl, a, b, out, total); return;
    CK_B(B_ADD) CK_B(B_SUB) CK_B(B_MUL) CK_B(B_DIV) CK_B(B_POW) CK_B(B_MAXIMUM) CK_B(B_MINIMUM)
    CK_B(B_EQ) CK_B(B_NE) CK_B(B_LT) CK_B(B_LE) CK_B(B_GT) CK_B(B_GE)
#undef CK_B
  }
}

// ---- reductions and layout --------------------------------------------------------------

static void reduceRange(int op, const float* x, long o0, long o1, long len, long inner, float* out) {
  if (inner == 1) {
    for (long o = o0; o < o1; o++) {
      const float* p = x + o * len;
      if (op == R_SUM) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        long l = 0;
        for (; l + 4 <= len; l += 4) { s0 += p[l]; s1 += p[l + 1]; s2 += p[l + 2]; s3 += p[l + 3]; }
        for (; l < len; l++) s0 += p[l];
        out[o] = (float)((s0 + s1) + (s2 + s3));
      } else if (op == R_PROD) {
        double acc = 1;
        for (long l = 0; l < len; l++) acc *= p[l];
        out[o] = (float)acc;
      } else if (op == R_MAX) {
        float acc = -INFINITY;
        for (long l = 0; l < len; l++) { float v = p[l]; if (v > acc || v != v) acc = v; }
        out[o] = acc;
      } else {
        float acc = INFINITY;
        for (long l = 0; l < len; l++) { float v = p[l]; if (v < acc || v != v) acc = v; }
        out[o] = acc;
      }
    }
    return;
  }
  // inner > 1: walk rows of the (len, inner) slab, accumulating a whole row at a time
  double* acc = (double*)malloc(sizeof(double) * (size_t)inner);
  for (long o = o0; o < o1; o++) {
    const float* base = x + o * len * inner;
    float* dst = out + o * inner;
    if (op == R_SUM || op == R_PROD) {
      for (long i = 0; i < inner; i++) acc[i] = op == R_SUM ? 0.0 : 1.0;
      for (long l = 0; l < len; l++) {
        const float* row = base + l * inner;
        if (op == R_SUM) for (long i = 0; i < inner; i++) acc[i] += row[i];
        else for (long i = 0; i < inner; i++) acc[i] *= row[i];
      }
      for (long i = 0; i < inner; i++) dst[i] = (float)acc[i];
    } else {
      float init = op == R_MAX ? -INFINITY : INFINITY;
      for (long i = 0; i < inner; i++) dst[i] = init;
      for (long l = 0; l < len; l++) {
        const float* row = base + l * inner;
        if (op == R_MAX) for (long i = 0; i < inner; i++) { float v = row[i]; if (v > dst[i] || v != v) dst[i] = v; }
        else for (long i = 0; i < inner; i++) { float v = row[i]; if (v < dst[i] || v != v) dst[i] = v; }
      }
    }
  }
  free(acc);
}

static void reduceK(int op, const float* x, long outer, long len, long inner, float* out) {
  long total = outer * len * inner;
  if (total < kElemParallel || outer < 2 || ck_threads() == 1) { reduceRange(op, x, 0, outer, len, inner, out); return; }
  long per = lmax(1, kElemChunk / lmax(1, len * inner));
  long chunks = (outer + per - 1) / per;
  auto task = [&](long t) { reduceRange(op, x, t * per, lmin(outer, (t + 1) * per), len, inner, out); };
  parallelFor(chunks, task);
}

static void argReduceK(int isMax, const float* x, long outer, long len, long inner, int32_t* out) {
  for (long o = 0; o < outer; o++) {
    const float* base = x + o * len * inner;
    for (long i = 0; i < inner; i++) {
      float best = base[i];
      int32_t bi = 0;
      const float* p = base + i + inner;
      for (long l = 1; l < len; l++, p += inner) {
        float v = *p;
        if (isMax ? v > best : v < best) { best = v; bi = (int32_t)l; }
      }
      out[o * inner + i] = bi;
    }
  }
}

static void permuteK(const float* x, const long* shape, const long* perm, int rank, float* out) {
  if (rank == 0) { out[0] = x[0]; return; }
  long inStride[16], outShape[16], st[16], idx[16];
  long acc = 1, n = 1;
  for (int d = rank - 1; d >= 0; d--) { inStride[d] = acc; acc *= shape[d]; }
  for (int d = 0; d < rank; d++) { outShape[d] = shape[perm[d]]; st[d] = inStride[perm[d]]; idx[d] = 0; n *= outShape[d]; }
  if (n == 0) return;
  long inner = outShape[rank - 1], si = st[rank - 1];
  // a 2-D transpose at the end (..., a, b) -> (..., b, a): copy in tiles for cache reuse
  if (rank >= 2 && si != 1 && st[rank - 2] == 1 && inner >= 16 && outShape[rank - 2] >= 16) {
    long rowsO = outShape[rank - 2];
    long planes = n / (inner * rowsO);
    long pidx[16] = {0};
    long off = 0;
    for (long pl = 0; pl < planes; pl++) {
      float* o = out + pl * inner * rowsO;
      for (long r0 = 0; r0 < rowsO; r0 += 32)
        for (long c0 = 0; c0 < inner; c0 += 32)
          for (long r = r0; r < lmin(rowsO, r0 + 32); r++)
            for (long c = c0; c < lmin(inner, c0 + 32); c++) o[r * inner + c] = x[off + r + c * si];
      for (int d = rank - 3; d >= 0; d--) {
        pidx[d]++; off += st[d];
        if (pidx[d] < outShape[d]) break;
        off -= st[d] * outShape[d]; pidx[d] = 0;
      }
    }
    return;
  }
  long off = 0;
  for (long o = 0; o < n; o += inner) {
    if (si == 1) memcpy(out + o, x + off, (size_t)inner * 4);
    else for (long j = 0, p = off; j < inner; j++, p += si) out[o + j] = x[p];
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++; off += st[d];
      if (idx[d] < outShape[d]) break;
      off -= st[d] * outShape[d]; idx[d] = 0;
    }
  }
}

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

static bool useDirect(const CkConvGeom& g) {
  long cInG = g.cIn / g.groups, cOutG = g.cOut / g.groups;
  return cOutG < 4 || cInG * g.kh * g.kw < 4;
}

static Im2col makeIm2col(const float* xg, const CkConvGeom& g) {
  return Im2col{xg, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outW};
}

static void conv2dK(const float* x, const float* w, const float* bias, const CkConvGeom* gp, float* y) {
  const CkConvGeom g = *gp;
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kdim = cInG * g.kh * g.kw, P = g.outH * g.outW;
  if (g.n == 0 || g.cOut == 0 || P == 0) return;
  double flops = 2.0 * g.n * g.cOut * kdim * P;
  int T = threadsFor(flops);
  if (useDirect(g)) {
    auto task = [&](long t) {
      long nn = t / g.cOut, o = t - nn * g.cOut;
      convDirectPlane(x, w, bias ? bias[o] : 0.f, g, nn, o, y + t * P);
    };
    if (T > 1) parallelFor(g.n * g.cOut, task);
    else for (long t = 0; t < g.n * g.cOut; t++) task(t);
    return;
  }
  long items = g.n * G;
  auto item = [&](long t, int parts) {
    long nn = t / G, grp = t - nn * G;
    MatA A{w + grp * cOutG * kdim, kdim, 1};
    ColB B{makeIm2col(x + (nn * g.cIn + grp * cInG) * g.h * g.w, g)};
    gemmParallel(cOutG, P, kdim, 1.f, A, B, bias ? INIT_BIAS : INIT_OVERWRITE, 0.f, y + (nn * g.cOut + grp * cOutG) * P,
                 P, bias ? bias + grp * cOutG : nullptr, parts);
  };
  if (T > 1 && (items >= 4 * T || items % T == 0)) {
    auto task = [&](long t) { item(t, 1); };
    parallelFor(items, task);
  } else {
    for (long t = 0; t < items; t++) item(t, T);
  }
}

static void conv2dBackwardWeightK(const float* x, const float* dy, const CkConvGeom* gp, float* dw) {
  const CkConvGeom g = *gp;
  long G = g.groups, cInG = g.cIn / G, cOutG = g.cOut / G, kk = g.kh * g.kw, kdim = cInG * kk, P = g.outH * g.outW;
  long dwSize = g.cOut * kdim;
  double flops = 2.0 * g.n * g.cOut * kdim * P;
  int T = threadsFor(flops);
  if (g.n == 0 || P == 0) { memset(dw, 0, (size_t)dwSize * 4); return; }
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
            if (g.strideW == 1) for (long ow = owLo; ow < owHi; ow++) s += xr[ow] * yr[ow];
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
    float* partial = alignedAlloc((size_t)dwSize * (T - 1));
    auto task = [&](long t) {
      long n0 = g.n * t / T, n1 = g.n * (t + 1) / T;
      float* dst = t == 0 ? dw : partial + (t - 1) * dwSize;
      for (long nn = n0; nn < n1; nn++) image(nn, dst, nn == n0, 1);
    };
    parallelFor(T, task);
    for (long t = 1; t < T; t++) {
      const float* p = partial + (t - 1) * dwSize;
      for (long i = 0; i < dwSize; i++) dw[i] += p[i];
    }
    free(partial);
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
  if (g.strideH == 1 && g.strideW == 1) {
    // stride 1: dx is a forward convolution of dy with the flipped, transposed kernel
    float* wt = alignedAlloc((size_t)(g.cIn * cOutG * kk));
    for (long grp = 0; grp < G; grp++)
      for (long ol = 0; ol < cOutG; ol++)
        for (long ci = 0; ci < cInG; ci++)
          for (long ki = 0; ki < g.kh; ki++)
            for (long kj = 0; kj < g.kw; kj++)
              wt[(((grp * cInG + ci) * cOutG + ol) * g.kh + (g.kh - 1 - ki)) * g.kw + (g.kw - 1 - kj)] =
                  w[(((grp * cOutG + ol) * cInG + ci) * g.kh + ki) * g.kw + kj];
    CkConvGeom t = g;
    t.cIn = g.cOut; t.cOut = g.cIn; t.h = g.outH; t.w = g.outW; t.outH = g.h; t.outW = g.w;
    t.padTop = g.dilationH * (g.kh - 1) - g.padTop;
    t.padLeft = g.dilationW * (g.kw - 1) - g.padLeft;
    conv2dK(dy, wt, nullptr, &t, dx);
    free(wt);
    return;
  }
  // strided: dcol = W_g^T * dy_ng, then scatter-add the columns into dx (col2im)
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
          for (long ow = owLo; ow < owHi; ow++) xr[ow * g.strideW] += c[ow];
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

// ---- pooling ----------------------------------------------------------------------------

template <class F>
static void forPlanes(const CkPoolGeom& g, double work, F& f) {
  long planes = g.n * g.c;
  if (work >= kElemParallel && planes >= 2 && ck_threads() > 1) parallelFor(planes, f);
  else for (long p = 0; p < planes; p++) f(p);
}

static void maxPool2dK(const float* x, const CkPoolGeom* gp, float* y, int32_t* indices) {
  const CkPoolGeom g = *gp;
  long hw = g.h * g.w, per = g.outH * g.outW;
  auto plane = [&](long p) {
    const float* xs = x + p * hw;
    long o = p * per;
    for (long oh = 0; oh < g.outH; oh++) {
      long h0 = oh * g.strideH - g.padTop;
      for (long ow = 0; ow < g.outW; ow++, o++) {
        long w0 = ow * g.strideW - g.padLeft;
        float best = -INFINITY;
        long bi = -1;
        for (long i = 0; i < g.kh; i++) {
          long ih = h0 + i * g.dilationH;
          if (ih < 0 || ih >= g.h) continue;
          for (long j = 0; j < g.kw; j++) {
            long iw = w0 + j * g.dilationW;
            if (iw < 0 || iw >= g.w) continue;
            float v = xs[ih * g.w + iw];
            if (v > best || v != v || bi < 0) { best = v; bi = ih * g.w + iw; if (v != v) break; }
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

}  // namespace CK_NS

extern "C" const CkKernels CK_TABLE = {
  CK_ISA_NAME,
  CK_NS::unaryK, CK_NS::binaryK, CK_NS::reduceK, CK_NS::argReduceK, CK_NS::permuteK, CK_NS::gemmK,
  CK_NS::conv2dK, CK_NS::conv2dBackwardDataK, CK_NS::conv2dBackwardWeightK,
  CK_NS::maxPool2dK, CK_NS::maxPool2dBackwardK, CK_NS::avgPool2dK, CK_NS::avgPool2dBackwardK,
};
