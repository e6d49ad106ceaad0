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
}
