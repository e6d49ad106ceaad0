// Fused kernels (optimizer updates; softmax, cross-entropy and batch norm follow): the
// native versions of kernels declared in src/backend/kernels.ts, compiled once at -O3
// (fused.cc) and shared by every ISA table. Plain C signatures.
#pragma once
#include <stdint.h>

extern "C" {
void ck_adam_update(float* p, const float* g, float* m, float* v, float* vmax, long n, double lr, double beta1,
                    double beta2, double eps, double weightDecay, int decoupled, long step);
void ck_adagrad_update(float* p, const float* g, float* sum, long n, double lr, double weightDecay, double eps);
void ck_rmsprop_update(float* p, const float* g, float* sq, float* gradAvg, float* mom, long n, double lr,
                       double alpha, double eps, double weightDecay, double momentum);
void ck_softmax(const float* x, long outer, long len, long inner, int log, float* y);
void ck_softmax_backward(const float* y, const float* dy, long outer, long len, long inner, int log, float* dx);
void ck_cross_entropy_forward(const float* z, const int32_t* target, const float* weight, long n, long c, long inner,
                              long ignoreIndex, double smoothing, long reduction, float* probs, float* loss);
void ck_cross_entropy_backward(const float* probs, const int32_t* target, const float* weight, const float* gLoss, long n,
                               long c, long inner, long ignoreIndex, double smoothing, long reduction, float* dz);
void ck_batch_norm_forward(const float* x, const float* weight, const float* bias, float* runMean, float* runVar, long n,
                           long c, long inner, int training, double momentum, double eps, float* y, float* saveMean,
                           float* saveInvStd);
void ck_batch_norm_backward(const float* x, const float* dy, const float* weight, const float* saveMean,
                            const float* saveInvStd, long n, long c, long inner, int training, float* dx, float* dweight,
                            float* dbias);
}
