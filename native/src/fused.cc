// Fused kernels of src/backend/kernels.ts (see fused.h). Optimizer updates compute in double
// precision like the TypeScript references (JS numbers) and round only where the reference
// stores into a Float32Array, so they agree with it to the last bit or nearly (pow may differ
// by one ulp); large parameters are cut into chunks run on the thread pool.
#include "common.h"
#include "fused.h"
#include <math.h>
#include <stdlib.h>

namespace ck_fused {
#include "util_impl.h"

// Runs range(a, b) over [0, n), on the pool when n is large.
template <class R>
static void elementwise(long n, R& range) {
  if (n < kElemParallel || ck_threads() == 1) { range(0, n); return; }
  long chunks = (n + kElemChunk - 1) / kElemChunk;
  auto task = [&](long t) { range(t * kElemChunk, lmin(n, (t + 1) * kElemChunk)); };
  parallelFor(chunks, task);
}

static void adamUpdate(float* p, const float* g, float* m, float* v, float* vmax, long n, double lr, double b1,
                       double b2, double eps, double wd, int decoupled, long step) {
  const double stepSize = lr / (1 - pow(b1, (double)step));
  const double invBc2 = 1 / sqrt(1 - pow(b2, (double)step));
  const double decay = decoupled ? 1 - lr * wd : 1;
  const double l2 = decoupled ? 0 : wd;
  const double c1 = 1 - b1, c2 = 1 - b2;
  auto range = [&](long a, long b) {
    for (long i = a; i < b; i++) {
      double w = (double)p[i] * decay;
      double d = (double)g[i] + l2 * w;
      double mi = b1 * (double)m[i] + c1 * d;
      double vi = b2 * (double)v[i] + c2 * d * d;
      m[i] = (float)mi;
      v[i] = (float)vi;
      double vv = vi;
      if (vmax) {
        // the reference compares the float32 maximum with the float64 new value
        double old = (double)vmax[i];
        vv = (old > vi || old != old) ? old : vi;  // NaN wins, as Math.max
        vmax[i] = (float)vv;
      }
      p[i] = (float)(w - (stepSize * mi) / (sqrt(vv) * invBc2 + eps));
    }
  };
  elementwise(n, range);
}

static void adagradUpdate(float* p, const float* g, float* sum, long n, double lr, double wd, double eps) {
  auto range = [&](long a, long b) {
    for (long i = a; i < b; i++) {
      double d = (double)g[i] + wd * (double)p[i];
      double s = (double)sum[i] + d * d;
      sum[i] = (float)s;
      p[i] = (float)((double)p[i] - (lr * d) / (sqrt(s) + eps));
    }
  };
  elementwise(n, range);
}

static void rmspropUpdate(float* p, const float* g, float* sq, float* ga, float* mb, long n, double lr, double alpha,
                          double eps, double wd, double momentum) {
  auto range = [&](long a, long b) {
    for (long i = a; i < b; i++) {
      double d = (double)g[i] + wd * (double)p[i];
      double s = alpha * (double)sq[i] + (1 - alpha) * d * d;
      sq[i] = (float)s;
      double avg;
      if (ga) {
        double mm = alpha * (double)ga[i] + (1 - alpha) * d;
        ga[i] = (float)mm;
        avg = sqrt(s - mm * mm) + eps;
      } else {
        avg = sqrt(s) + eps;
      }
      if (mb) {
        double bb = momentum * (double)mb[i] + d / avg;
        mb[i] = (float)bb;
        p[i] = (float)((double)p[i] - lr * bb);
      } else {
        p[i] = (float)((double)p[i] - (lr * d) / avg);
      }
    }
  };
  elementwise(n, range);
}

// Runs range(a, b) over [0, count) items of `work` operations each, on the pool when large.
template <class R>
static void overItems(long count, long work, R& range) {
  const long kWork = 1 << 15;  // operations per task (exp-heavy loops: worth sharing early)
  long per = lmax(1, kWork / lmax(work, 1));
  if (count * work < 2 * kWork || ck_threads() == 1 || count < 2) { range(0, count); return; }
  long tasks = (count + per - 1) / per;
  auto task = [&](long t) { range(t * per, lmin(count, (t + 1) * per)); };
  parallelFor(tasks, task);
}

// Softmax / log-softmax of each slice (outer, len, inner) along the middle axis, in double like the reference.
static void softmax(const float* x, long outer, long len, long inner, int log, float* y) {
  auto range = [&](long a, long b) {
    for (long q = a; q < b; q++) {
      long o = q / inner, i = q % inner;
      const float* xs = x + o * len * inner + i;
      float* ys = y + o * len * inner + i;
      double m = -INFINITY;
      for (long k = 0; k < len; k++) if ((double)xs[k * inner] > m) m = xs[k * inner];
      double s = 0;
      for (long k = 0; k < len; k++) s += exp((double)xs[k * inner] - m);
      if (log) {
        double shift = m + ::log(s);
        for (long k = 0; k < len; k++) ys[k * inner] = (float)((double)xs[k * inner] - shift);
      } else {
        double inv = 1 / s;
        for (long k = 0; k < len; k++) ys[k * inner] = (float)(exp((double)xs[k * inner] - m) * inv);
      }
    }
  };
  overItems(outer * inner, len, range);
}

static void softmaxBackward(const float* y, const float* dy, long outer, long len, long inner, int log, float* dx) {
  auto range = [&](long a, long b) {
    for (long q = a; q < b; q++) {
      long off = (q / inner) * len * inner + q % inner;
      const float *ys = y + off, *ds = dy + off;
      float* xs = dx + off;
      double s = 0;
      if (log) {
        for (long k = 0; k < len; k++) s += ds[k * inner];
        for (long k = 0; k < len; k++) xs[k * inner] = (float)((double)ds[k * inner] - exp((double)ys[k * inner]) * s);
      } else {
        for (long k = 0; k < len; k++) s += (double)ds[k * inner] * (double)ys[k * inner];
        for (long k = 0; k < len; k++) xs[k * inner] = (float)((double)ys[k * inner] * ((double)ds[k * inner] - s));
      }
    }
  };
  overItems(outer * inner, len, range);
}

// Softmax cross-entropy on class indices (see the reference, src/backend/js/fused.ts). Positions
// run in parallel; the total and the weight sum are added up afterwards in position order, as
// the reference does.
static void crossEntropyForward(const float* z, const int32_t* t, const float* w, long n, long c, long inner, long ignore,
                                double sm, long red, float* probs, float* loss) {
  long P = n * inner;
  double* part = red == 0 ? nullptr : (double*)malloc(sizeof(double) * 2 * (size_t)lmax(P, 1));
  if (red != 0 && !part) abort();
  auto range = [&](long a, long b) {
    for (long pos = a; pos < b; pos++) {
      long bi = pos / inner, j = pos % inner;
      const float* zs = z + bi * c * inner + j;
      float* ps = probs + bi * c * inner + j;
      double m = -INFINITY;
      for (long k = 0; k < c; k++) if ((double)zs[k * inner] > m) m = zs[k * inner];
      double s = 0;
      for (long k = 0; k < c; k++) s += exp((double)zs[k * inner] - m);
      double l = m + log(s);
      for (long k = 0; k < c; k++) ps[k * inner] = (float)exp((double)zs[k * inner] - l);
      long y = t[pos];
      double v = 0, wy = 0;
      if (y != ignore) {
        if (y < 0 || y >= c) {
          v = NAN;
        } else {
          wy = w ? (double)w[y] : 1.0;
          v = -(1 - sm) * wy * ((double)zs[y * inner] - l);
          if (sm > 0) {
            double acc = 0;
            for (long k = 0; k < c; k++) acc -= (w ? (double)w[k] : 1.0) * ((double)zs[k * inner] - l);
            v += (sm / c) * acc;
          }
        }
      }
      if (red == 0) loss[pos] = (float)v;
      else { part[2 * pos] = v; part[2 * pos + 1] = wy; }
    }
  };
  overItems(P, 3 * c, range);
  if (red == 0) return;
  double total = 0, denom = 0;
  for (long pos = 0; pos < P; pos++) { total += part[2 * pos]; denom += part[2 * pos + 1]; }
  free(part);
  loss[0] = (float)(red == 2 ? total : total / denom);
}

static void crossEntropyBackward(const float* probs, const int32_t* t, const float* w, const float* gl, long n, long c,
                                 long inner, long ignore, double sm, long red, float* dz) {
  long P = n * inner;
  double wSum = (double)c;
  if (w) { wSum = 0; for (long k = 0; k < c; k++) wSum += w[k]; }
  double denom = 0;
  if (red == 1)
    for (long pos = 0; pos < P; pos++) {
      long y = t[pos];
      if (y != ignore && y >= 0 && y < c) denom += w ? (double)w[y] : 1.0;
    }
  auto range = [&](long a, long b) {
    for (long pos = a; pos < b; pos++) {
      long bi = pos / inner, j = pos % inner;
      const float* ps = probs + bi * c * inner + j;
      float* ds = dz + bi * c * inner + j;
      long y = t[pos];
      if (y == ignore || y < 0 || y >= c) {
        for (long k = 0; k < c; k++) ds[k * inner] = 0.f;
        continue;
      }
      double g = red == 0 ? (double)gl[pos] : red == 1 ? (double)gl[0] / denom : (double)gl[0];
      double av = g * (1 - sm) * (w ? (double)w[y] : 1.0), e = (g * sm) / c;
      double pc = av + e * wSum;
      for (long k = 0; k < c; k++) ds[k * inner] = (float)(pc * (double)ps[k * inner] - e * (w ? (double)w[k] : 1.0));
      ds[y * inner] = (float)((double)ds[y * inner] - av);
    }
  };
  overItems(P, c, range);
}

// Batch norm (see the reference, src/backend/js/fused.ts): channels are independent, so they
// run in parallel; within a channel the sums go in the reference's order (batch, then position).
static void batchNormForward(const float* x, const float* gw, const float* gb, float* rm, float* rv, long n, long c,
                             long inner, int training, double momentum, double eps, float* y, float* sMean,
                             float* sInv) {
  const long count = n * inner;
  auto range = [&](long c0, long c1) {
    for (long ch = c0; ch < c1; ch++) {
      double mu, is;
      if (training) {
        double s = 0;
        for (long b = 0; b < n; b++) {
          const float* xs = x + (b * c + ch) * inner;
          for (long j = 0; j < inner; j++) s += xs[j];
        }
        mu = s / count;
        double v = 0;
        for (long b = 0; b < n; b++) {
          const float* xs = x + (b * c + ch) * inner;
          for (long j = 0; j < inner; j++) { double d = (double)xs[j] - mu; v += d * d; }
        }
        is = 1 / sqrt(v / count + eps);
        if (rm && rv) {
          rm[ch] = (float)((1 - momentum) * (double)rm[ch] + momentum * mu);
          rv[ch] = (float)((1 - momentum) * (double)rv[ch] + momentum * (v / (double)(count - 1)));
        }
      } else {
        mu = rm[ch];
        is = 1 / sqrt((double)rv[ch] + eps);
      }
      sMean[ch] = (float)mu;
      sInv[ch] = (float)is;
      const double a = is * (gw ? (double)gw[ch] : 1.0), sh = gb ? (double)gb[ch] : 0.0;
      for (long b = 0; b < n; b++) {
        const float* xs = x + (b * c + ch) * inner;
        float* ys = y + (b * c + ch) * inner;
        for (long j = 0; j < inner; j++) ys[j] = (float)(((double)xs[j] - mu) * a + sh);
      }
    }
  };
  overItems(c, 3 * count, range);
}

static void batchNormBackward(const float* x, const float* dy, const float* gw, const float* sMean, const float* sInv,
                              long n, long c, long inner, int training, float* dx, float* dw, float* db) {
  const long count = n * inner;
  auto range = [&](long c0, long c1) {
    for (long ch = c0; ch < c1; ch++) {
      const double mu = sMean[ch], is = sInv[ch], gm = gw ? (double)gw[ch] : 1.0;
      double s1 = 0, s2 = 0;
      for (long b = 0; b < n; b++) {
        const float *xs = x + (b * c + ch) * inner, *gs = dy + (b * c + ch) * inner;
        for (long j = 0; j < inner; j++) {
          double gv = gs[j];
          s1 += gv;
          s2 += gv * ((double)xs[j] - mu) * is;
        }
      }
      if (db) db[ch] = (float)s1;
      if (dw) dw[ch] = (float)s2;
      if (!dx) continue;
      for (long b = 0; b < n; b++) {
        const float *xs = x + (b * c + ch) * inner, *gs = dy + (b * c + ch) * inner;
        float* os = dx + (b * c + ch) * inner;
        if (training) {
          const double k = (gm * is) / count;
          for (long j = 0; j < inner; j++)
            os[j] = (float)(k * ((double)count * (double)gs[j] - s1 - ((double)xs[j] - mu) * is * s2));
        } else {
          const double k = gm * is;
          for (long j = 0; j < inner; j++) os[j] = (float)(k * (double)gs[j]);
        }
      }
    }
  };
  overItems(c, 3 * count, range);
}

}  // namespace ck_fused

extern "C" {
void ck_adam_update(float* p, const float* g, float* m, float* v, float* vmax, long n, double lr, double beta1,
                    double beta2, double eps, double weightDecay, int decoupled, long step) {
  ck_fused::adamUpdate(p, g, m, v, vmax, n, lr, beta1, beta2, eps, weightDecay, decoupled, step);
}
void ck_adagrad_update(float* p, const float* g, float* sum, long n, double lr, double weightDecay, double eps) {
  ck_fused::adagradUpdate(p, g, sum, n, lr, weightDecay, eps);
}
void ck_rmsprop_update(float* p, const float* g, float* sq, float* gradAvg, float* mom, long n, double lr,
                       double alpha, double eps, double weightDecay, double momentum) {
  ck_fused::rmspropUpdate(p, g, sq, gradAvg, mom, n, lr, alpha, eps, weightDecay, momentum);
}
void ck_softmax(const float* x, long outer, long len, long inner, int log, float* y) {
  ck_fused::softmax(x, outer, len, inner, log, y);
}
void ck_softmax_backward(const float* y, const float* dy, long outer, long len, long inner, int log, float* dx) {
  ck_fused::softmaxBackward(y, dy, outer, len, inner, log, dx);
}
void ck_cross_entropy_forward(const float* z, const int32_t* target, const float* weight, long n, long c, long inner,
                              long ignoreIndex, double smoothing, long reduction, float* probs, float* loss) {
  ck_fused::crossEntropyForward(z, target, weight, n, c, inner, ignoreIndex, smoothing, reduction, probs, loss);
}
void ck_cross_entropy_backward(const float* probs, const int32_t* target, const float* weight, const float* gLoss, long n,
                               long c, long inner, long ignoreIndex, double smoothing, long reduction, float* dz) {
  ck_fused::crossEntropyBackward(probs, target, weight, gLoss, n, c, inner, ignoreIndex, smoothing, reduction, dz);
}
void ck_batch_norm_forward(const float* x, const float* weight, const float* bias, float* runMean, float* runVar, long n,
                           long c, long inner, int training, double momentum, double eps, float* y, float* saveMean,
                           float* saveInvStd) {
  ck_fused::batchNormForward(x, weight, bias, runMean, runVar, n, c, inner, training, momentum, eps, y, saveMean, saveInvStd);
}
void ck_batch_norm_backward(const float* x, const float* dy, const float* weight, const float* saveMean,
                            const float* saveInvStd, long n, long c, long inner, int training, float* dx, float* dweight,
                            float* dbias) {
  ck_fused::batchNormBackward(x, dy, weight, saveMean, saveInvStd, n, c, inner, training, dx, dweight, dbias);
}
}
