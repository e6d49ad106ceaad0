// Shared declarations of the convkit native addon: geometry structs, the per-ISA kernel
// table and the thread pool API. Plain C types only, so the ISA translation units (built
// with different -m flags) never share inline C++ library code with each other.
#pragma once
#include <stdint.h>

// Op codes (CkUnary, CkBinary, CkReduce, CkArgReduce), geometry structs and parameter-block
// layouts, generated from src/backend/kernels.ts and ops.ts by scripts/gen-kernels.mjs.
#include "generated/kernels.h"

struct CkKernels {
  const char* name;
  void (*unary)(int op, const float* x, float* out, long n, float alpha);
  void (*binary)(int op, const float* a, const long* aShape, const float* b, const long* bShape,
                 float* out, const long* outShape, int rank);
  void (*reduce)(int op, const float* x, long outer, long len, long inner, float* out);
  void (*argReduce)(int isMax, const float* x, long outer, long len, long inner, int32_t* out);
  void (*permute)(const float* x, const long* shape, const long* perm, int rank, float* out);
  void (*gemm)(int transA, int transB, long batch, long m, long n, long k, float alpha,
               const float* a, long strideA, const float* b, long strideB, float beta, float* c, long strideC);
  void (*conv2d)(const float* x, const float* w, const float* bias, const CkConvGeom* g, float* y);
  void (*conv2dBackwardData)(const float* dy, const float* w, const CkConvGeom* g, float* dx);
  void (*conv2dBackwardWeight)(const float* x, const float* dy, const CkConvGeom* g, float* dw);
  void (*maxPool2d)(const float* x, const CkPoolGeom* g, float* y, int32_t* idx);
  void (*maxPool2dBackward)(const float* dy, const int32_t* idx, const CkPoolGeom* g, float* dx);
  void (*avgPool2d)(const float* x, const CkPoolGeom* g, int countIncludePad, float* y);
  void (*avgPool2dBackward)(const float* dy, const CkPoolGeom* g, int countIncludePad, float* dx);
  // y = act(conv(x, w) + bias) for a unary op code act (relu fused into the epilogue where the path allows)
  void (*conv2dAct)(const float* x, const float* w, const float* bias, const CkConvGeom* g, int act, float alpha, float* y);
  // y = maxPool(act(conv(x, w) + bias)), pg the pool's geometry over the conv output (direct_conv_impl.h)
  void (*conv2dActPool)(const float* x, const float* w, const float* bias, const CkConvGeom* g, int act, float alpha,
                        const CkPoolGeom* pg, float* y);
};

extern "C" {
// Kernel tables, one per ISA translation unit (null where the TU was built without the ISA).
extern const CkKernels ck_kernels_avx512;
extern const CkKernels ck_kernels_avx2;
extern const CkKernels ck_kernels_portable;

// Elementwise, reduction and layout kernels: compiled once, shared by every table.
void ck_unary(int op, const float* x, float* out, long n, float alpha);
void ck_binary(int op, const float* a, const long* aShape, const float* b, const long* bShape, float* out,
               const long* outShape, int rank);
void ck_reduce(int op, const float* x, long outer, long len, long inner, float* out);
void ck_arg_reduce(int isMax, const float* x, long outer, long len, long inner, int32_t* out);
void ck_permute(const float* x, const long* shape, const long* perm, int rank, float* out);
// Fused kernels of the optional Backend methods (shared by every table).
void ck_relu_backward(const float* y, const float* dy, float* dx, long n);
// dx = dy * op'(x, y) for a unary op with a declared derivative (ckUnaryHasGrad).
void ck_unary_backward(int op, const float* x, const float* y, const float* dy, float* dx, long n, float alpha);
void ck_sgd_update(float* p, const float* g, float* buf, long n, double lr, double weightDecay, double gradSign,
                   double momentum, double bufScale, int nesterov);

typedef void (*ck_task_fn)(void* ctx, long task);
// Runs fn(ctx, 0..ntasks-1) on the pool (the caller takes part); returns when all are done.
void ck_parallel(long ntasks, ck_task_fn fn, void* ctx);
// Threads the pool uses (>= 1).
int ck_threads(void);
// Index of the calling thread inside the pool: 0 for the caller, 1..ck_threads()-1 for workers.
int ck_thread_index(void);
}
