// Elementwise, reduction and layout kernels. They are memory-bound, so one build with the
// baseline flags (auto-vectorised for SSE2/NEON) serves every ISA table and keeps the
// install-time build short.
#include "common.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

namespace ck_shared {
#include "util_impl.h"
#include "elementwise_impl.h"
#include "reduce_impl.h"
}  // namespace ck_shared

extern "C" {
void ck_unary(int op, const float* x, float* out, long n, float alpha) { ck_shared::unaryK(op, x, out, n, alpha); }
void ck_binary(int op, const float* a, const long* aShape, const float* b, const long* bShape, float* out,
               const long* outShape, int rank) {
  ck_shared::binaryK(op, a, aShape, b, bShape, out, outShape, rank);
}
void ck_reduce(int op, const float* x, long outer, long len, long inner, float* out) {
  ck_shared::reduceK(op, x, outer, len, inner, out);
}
void ck_arg_reduce(int isMax, const float* x, long outer, long len, long inner, int32_t* out) {
  ck_shared::argReduceK(isMax, x, outer, len, inner, out);
}
void ck_permute(const float* x, const long* shape, const long* perm, int rank, float* out) {
  ck_shared::permuteK(x, shape, perm, rank, out);
}
void ck_relu_backward(const float* y, const float* dy, float* dx, long n) { ck_shared::reluBackwardK(y, dy, dx, n); }
void ck_unary_backward(int op, const float* x, const float* y, const float* dy, float* dx, long n, float alpha) {
  ck_shared::unaryBackwardK(op, x, y, dy, dx, n, alpha);
}
void ck_sgd_update(float* p, const float* g, float* buf, long n, double lr, double weightDecay, double gradSign,
                   double momentum, double bufScale, int nesterov) {
  ck_shared::sgdUpdateK(p, g, buf, n, lr, weightDecay, gradSign, momentum, bufScale, nesterov);
}
}
