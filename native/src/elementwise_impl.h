// Unary and broadcasting binary kernels (mirror src/backend/js/elementwise.ts). Included by kernels_impl.h inside the per-ISA namespace.
// ---- elementwise ----------------------------------------------------------------------

static inline float jsPow(float a, float b) {
  // Math.pow differs from C pow: pow(1, NaN) and pow(+-1, +-Infinity) are NaN in JS
  if (b != b) return NAN;
  if (fabsf(a) == 1.f && isinf(b)) return NAN;
  return powf(a, b);
}

static inline float sigmoidf(float v) {
  if (v >= 0) return 1.f / (1.f + expf(-v));
  float e = expf(v);
  return e / (1.f + e);
}

// unaryOne(op, v, alpha), unaryGradOne(op, v, y, alpha) and binOne<OP>(a, b): generated from the
// `cpp` expressions of src/backend/ops.ts.
#include "generated/ops.h"

template <int OP>
static void unaryLoop(const float* __restrict x, float* out, long n, float alpha) {
  for (long i = 0; i < n; i++) out[i] = unaryOne(OP, x[i], alpha);
}

static void unaryRange(int op, const float* x, float* out, long n, float alpha) {
  switch (op) {
#define CK_U(o) case o: unaryLoop<o>(x, out, n, alpha); return;
    CK_UNARY_OPS(CK_U)
#undef CK_U
  }
}

static void unaryK(int op, const float* x, float* out, long n, float alpha) {
  bool cheap = ckUnaryCheap(op);
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
static void unaryGradLoop(const float* __restrict x, const float* __restrict y, const float* __restrict dy, float* dx,
                          long n, float alpha) {
  for (long i = 0; i < n; i++) dx[i] = dy[i] * unaryGradOne(OP, x[i], y[i], alpha);
}

static void unaryGradRange(int op, const float* x, const float* y, const float* dy, float* dx, long n, float alpha) {
  switch (op) {
#define CK_G(o) case o: unaryGradLoop<o>(x, y, dy, dx, n, alpha); return;
    CK_UNARY_GRAD_OPS(CK_G)
#undef CK_G
  }
}

// dx = dy * op'(x) for an op with a declared derivative (the caller checks ckUnaryHasGrad).
static void unaryBackwardK(int op, const float* x, const float* y, const float* dy, float* dx, long n, float alpha) {
  if (n < kElemParallel / 4 || ck_threads() == 1) { unaryGradRange(op, x, y, dy, dx, n, alpha); return; }
  long chunks = (n + kElemChunk - 1) / kElemChunk;
  auto task = [&](long t) {
    long a = t * kElemChunk, b = lmin(n, a + kElemChunk);
    unaryGradRange(op, x + a, y + a, dy + a, dx + a, b - a, alpha);
  };
  parallelFor(chunks, task);
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
    CK_BINARY_OPS(CK_B)
#undef CK_B
  }
}


// ---- fused backward and optimizer kernels (mirror src/backend/js elementwise.ts / optim.ts) ----

// dx[i] = y[i] > 0 ? dy[i] : 0 (NaN in y gives 0, as the reference).
static void reluBackwardK(const float* y, const float* dy, float* dx, long n) {
  auto range = [&](long a, long b) {
    // both loads unconditional, so the select vectorises (a conditional load would branch)
    for (long i = a; i < b; i++) {
      float v = y[i], d = dy[i];
      dx[i] = v > 0.f ? d : 0.f;
    }
  };
  if (n < kElemParallel * 2 || ck_threads() == 1) { range(0, n); return; }
  long chunks = (n + kElemChunk - 1) / kElemChunk;
  auto task = [&](long t) { range(t * kElemChunk, lmin(n, (t + 1) * kElemChunk)); };
  parallelFor(chunks, task);
}

// One SGD step in place, in double precision like the reference (JS numbers), rounding
// only where the reference stores into a Float32Array: see Backend.sgdUpdate.
static void sgdUpdateK(float* p, const float* g, float* buf, long n, double lr, double wd, double sign, double mu,
                       double bufScale, int nesterov) {
  auto range = [&](long a, long b) {
    if (!buf) {
      for (long i = a; i < b; i++) p[i] = (float)((double)p[i] - lr * (sign * g[i] + wd * p[i]));
      return;
    }
    if (nesterov) {
      for (long i = a; i < b; i++) {
        double d = sign * g[i] + wd * p[i];
        double m = mu * buf[i] + bufScale * d;
        buf[i] = (float)m;
        p[i] = (float)((double)p[i] - lr * (d + mu * m));
      }
    } else {
      for (long i = a; i < b; i++) {
        double d = sign * g[i] + wd * p[i];
        double m = mu * buf[i] + bufScale * d;
        buf[i] = (float)m;
        p[i] = (float)((double)p[i] - lr * m);
      }
    }
  };
  if (n < kElemParallel || ck_threads() == 1) { range(0, n); return; }
  long chunks = (n + kElemChunk - 1) / kElemChunk;
  auto task = [&](long t) { range(t * kElemChunk, lmin(n, (t + 1) * kElemChunk)); };
  parallelFor(chunks, task);
}
