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
}
