// N-API entry points of the convkit native backend. Each call passes whole tensors as
// Float32Arrays (used in place, never copied); shapes and geometry travel through one
// Float64Array registered once with setParams, which costs far less than N-API property
// reads. The kernel table is chosen at load time from the CPU's features.
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include "common.h"

namespace {

const CkKernels* gKernels = nullptr;
// Per JS thread (main or worker_threads): each has its own Float64Array and env.
thread_local double* gParams = nullptr;
thread_local size_t gParamsLen = 0;
thread_local napi_ref gParamsRef = nullptr;

bool cpuHas(const char* isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (!strcmp(isa, "avx512"))
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
  if (!strcmp(isa, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return !strcmp(isa, "portable");
}

// The table of a level, or null where the build has none (a stub table has no name).
const CkKernels* tableFor(const char* isa) {
#if defined(__x86_64__) || defined(__i386__)
  if (!strcmp(isa, "avx512")) return ck_kernels_avx512.name ? &ck_kernels_avx512 : nullptr;
  if (!strcmp(isa, "avx2")) return ck_kernels_avx2.name ? &ck_kernels_avx2 : nullptr;
#endif
  if (!strcmp(isa, "portable")) return &ck_kernels_portable;
  return nullptr;
}

// Best level the CPU supports, lowered by CONVKIT_NATIVE_ISA if set.
const CkKernels* chooseKernels() {
  const char* order[] = {"avx512", "avx2", "portable"};
  int start = 0;
  const char* env = getenv("CONVKIT_NATIVE_ISA");
  if (env && *env) {
    for (int i = 0; i < 3; i++)
      if (!strcmp(env, order[i])) start = i;
  }
  for (int i = start; i < 3; i++)
    if (cpuHas(order[i]) && tableFor(order[i])) return tableFor(order[i]);
  return &ck_kernels_portable;
}

napi_value throwError(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, msg.c_str());
  return nullptr;
}

struct Args {
  napi_value v[8];
  size_t n = 8;
};

bool getArgs(napi_env env, napi_callback_info info, Args& a, size_t want, const char* fn) {
  if (napi_get_cb_info(env, info, &a.n, a.v, nullptr, nullptr) != napi_ok || a.n < want) {
    throwError(env, std::string("native ") + fn + ": expected " + std::to_string(want) + " arguments");
    return false;
  }
  return true;
}

template <class T>
bool getTyped(napi_env env, napi_value v, napi_typedarray_type want, T** ptr, long* len, const char* fn,
              const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (is) {
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) == napi_ok && type == want) {
      *ptr = (T*)data;
      *len = (long)length;
      return true;
    }
  }
  throwError(env, std::string("native ") + fn + ": " + name + " must be a " +
                      (want == napi_float32_array ? "Float32Array" : "Int32Array"));
  return false;
}

bool getF32(napi_env env, napi_value v, float** p, long* len, const char* fn, const char* name) {
  return getTyped(env, v, napi_float32_array, p, len, fn, name);
}
bool getI32(napi_env env, napi_value v, int32_t** p, long* len, const char* fn, const char* name) {
  return getTyped(env, v, napi_int32_array, p, len, fn, name);
}

bool needLen(napi_env env, long have, double need, const char* fn, const char* name) {
  if ((double)have < need) {
    char buf[256];
    snprintf(buf, sizeof buf, "native %s: %s has %ld elements but the shape needs %.0f", fn, name, have, need);
    throwError(env, buf);
    return false;
  }
  return true;
}

bool paramsReady(napi_env env, size_t count, const char* fn) {
  if (!gParams || gParamsLen < count) {
    throwError(env, std::string("native ") + fn + ": setParams was not called with a large enough Float64Array");
    return false;
  }
  return true;
}

double numArg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// ---- exported functions -------------------------------------------------------------------

napi_value SetParams(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 1, "setParams")) return nullptr;
  bool is = false;
  napi_is_typedarray(env, a.v[0], &is);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!is || napi_get_typedarray_info(env, a.v[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array)
    return throwError(env, "native setParams: expected a Float64Array");
  if (gParamsRef) napi_delete_reference(env, gParamsRef);
  napi_create_reference(env, a.v[0], 1, &gParamsRef);
  gParams = (double*)data;
  gParamsLen = length;
  return undef(env);
}

napi_value Describe(napi_env env, napi_callback_info) {
  std::string s = std::string("native ") + gKernels->name + ", " + std::to_string(ck_threads()) +
                  (ck_threads() == 1 ? " thread" : " threads");
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

napi_value Isa(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_string_utf8(env, gKernels->name, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, ck_threads(), &r);
  return r;
}

extern "C" int ck_set_threads(int n);  // pool.cc

// setThreads(n): the pool size, if the pool has not started yet; returns the size in effect.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v;
  double d = 0;
  if (napi_get_cb_info(env, info, &argc, &v, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_double(env, v, &d) != napi_ok || !(d >= 1 && d <= 1e6) || d != (double)(int)d)
    return throwError(env, "native setThreads: expected a positive integer");
  napi_value r;
  napi_create_int32(env, ck_set_threads((int)d), &r);
  return r;
}

napi_value SupportedIsas(napi_env env, napi_callback_info) {
  napi_value arr;
  napi_create_array(env, &arr);
  const char* order[] = {"avx512", "avx2", "portable"};
  uint32_t k = 0;
  for (int i = 0; i < 3; i++)
    if (cpuHas(order[i]) && tableFor(order[i])) {
      napi_value s;
      napi_create_string_utf8(env, order[i], NAPI_AUTO_LENGTH, &s);
      napi_set_element(env, arr, k++, s);
    }
  return arr;
}

napi_value SetIsa(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 1, "setIsa")) return nullptr;
  char buf[32];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, a.v[0], buf, sizeof buf, &len) != napi_ok)
    return throwError(env, "native setIsa: expected a string");
  if (!cpuHas(buf) || !tableFor(buf))
    return throwError(env, std::string("native setIsa: this CPU or build does not support '") + buf + "'");
  gKernels = tableFor(buf);
  return undef(env);
}

// Reads a kernel's parameter block into its generated struct (native/src/generated/kernels.h).
template <class P>
bool readParams(napi_env env, P& q, const char* fn) {
  if (!paramsReady(env, P::count, fn)) return false;
  return ckReadParams(gParams, gParamsLen, q);
}

// unary(op, x, out); params: alpha.
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 3, "unary")) return nullptr;
  int op = (int)numArg(env, a.v[0]);
  float *x, *out;
  long nx, no;
  if (!getF32(env, a.v[1], &x, &nx, "unary", "x") || !getF32(env, a.v[2], &out, &no, "unary", "out")) return nullptr;
  if (op < 0 || op >= U_COUNT) return throwError(env, "native unary: unknown op code");
  if (!needLen(env, no, (double)nx, "unary", "out")) return nullptr;
  CkUnaryParams q;
  if (!readParams(env, q, "unary")) return nullptr;
  gKernels->unary(op, x, out, nx, (float)q.alpha);
  return undef(env);
}

napi_value Binary(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 4, "binary")) return nullptr;
  int op = (int)numArg(env, a.v[0]);
  float *x, *y, *out;
  long nx, ny, no;
  if (!getF32(env, a.v[1], &x, &nx, "binary", "a") || !getF32(env, a.v[2], &y, &ny, "binary", "b") ||
      !getF32(env, a.v[3], &out, &no, "binary", "out"))
    return nullptr;
  if (op < 0 || op >= B_COUNT) return throwError(env, "native binary: unknown op code");
  if (!paramsReady(env, 1, "binary")) return nullptr;
  int rank = (int)gParams[0];
  if (rank < 0 || rank > 16 || gParamsLen < (size_t)(1 + 3 * rank)) return throwError(env, "native binary: rank must be 0..16");
  long as[16], bs[16], os[16];
  double na = 1, nb = 1, nout = 1;
  for (int d = 0; d < rank; d++) {
    as[d] = (long)gParams[1 + d];
    bs[d] = (long)gParams[1 + rank + d];
    os[d] = (long)gParams[1 + 2 * rank + d];
    if ((as[d] != os[d] && as[d] != 1) || (bs[d] != os[d] && bs[d] != 1))
      return throwError(env, "native binary: operand shapes do not broadcast to the output shape");
    na *= as[d]; nb *= bs[d]; nout *= os[d];
  }
  if (!needLen(env, nx, na, "binary", "a") || !needLen(env, ny, nb, "binary", "b") ||
      !needLen(env, no, nout, "binary", "out"))
    return nullptr;
  if (rank == 0) { os[0] = as[0] = bs[0] = 1; rank = 1; }
  gKernels->binary(op, x, as, y, bs, out, os, rank);
  return undef(env);
}

napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 3, "reduce")) return nullptr;
  int op = (int)numArg(env, a.v[0]);
  float *x, *out;
  long nx, no;
  if (!getF32(env, a.v[1], &x, &nx, "reduce", "x") || !getF32(env, a.v[2], &out, &no, "reduce", "out")) return nullptr;
  if (op < 0 || op >= R_COUNT) return throwError(env, "native reduce: unknown op code");
  CkReduceParams q;
  if (!readParams(env, q, "reduce")) return nullptr;
  long outer = q.outer, len = q.len, inner = q.inner;
  if (!needLen(env, nx, (double)outer * len * inner, "reduce", "x") ||
      !needLen(env, no, (double)outer * inner, "reduce", "out"))
    return nullptr;
  gKernels->reduce(op, x, outer, len, inner, out);
  return undef(env);
}

napi_value ArgReduce(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 3, "argReduce")) return nullptr;
  int op = (int)numArg(env, a.v[0]);
  float* x;
  int32_t* out;
  long nx, no;
  if (!getF32(env, a.v[1], &x, &nx, "argReduce", "x") || !getI32(env, a.v[2], &out, &no, "argReduce", "out"))
    return nullptr;
  if (op < 0 || op >= AR_COUNT) return throwError(env, "native argReduce: unknown op code");
  CkArgReduceParams q;
  if (!readParams(env, q, "argReduce")) return nullptr;
  long outer = q.outer, len = q.len, inner = q.inner;
  if (len < 1) return throwError(env, "native argReduce: cannot reduce an empty axis");
  if (!needLen(env, nx, (double)outer * len * inner, "argReduce", "x") ||
      !needLen(env, no, (double)outer * inner, "argReduce", "out"))
    return nullptr;
  gKernels->argReduce(op == AR_ARGMAX, x, outer, len, inner, out);
  return undef(env);
}

napi_value Permute(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 2, "permute")) return nullptr;
  float *x, *out;
  long nx, no;
  if (!getF32(env, a.v[0], &x, &nx, "permute", "x") || !getF32(env, a.v[1], &out, &no, "permute", "out")) return nullptr;
  if (!paramsReady(env, 1, "permute")) return nullptr;
  int rank = (int)gParams[0];
  if (rank < 0 || rank > 16 || gParamsLen < (size_t)(1 + 2 * rank)) return throwError(env, "native permute: rank must be 0..16");
  long shape[16], perm[16];
  double total = 1;
  bool seen[16] = {false};
  for (int d = 0; d < rank; d++) {
    shape[d] = (long)gParams[1 + d];
    perm[d] = (long)gParams[1 + rank + d];
    if (perm[d] < 0 || perm[d] >= rank || seen[perm[d]]) return throwError(env, "native permute: perm is not a permutation");
    seen[perm[d]] = true;
    total *= shape[d];
  }
  if (!needLen(env, nx, total, "permute", "x") || !needLen(env, no, total, "permute", "out")) return nullptr;
  gKernels->permute(x, shape, perm, rank, out);
  return undef(env);
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 3, "gemm")) return nullptr;
  float *pa, *pb, *pc;
  long na, nb, nc;
  if (!getF32(env, a.v[0], &pa, &na, "gemm", "a") || !getF32(env, a.v[1], &pb, &nb, "gemm", "b") ||
      !getF32(env, a.v[2], &pc, &nc, "gemm", "c"))
    return nullptr;
  CkGemmParams p;
  if (!readParams(env, p, "gemm")) return nullptr;
  int tA = p.transA, tB = p.transB;
  long batch = p.batch, m = p.m, n = p.n, k = p.k;
  float alpha = (float)p.alpha;
  long aOff = p.aOffset, sA = p.strideA, bOff = p.bOffset, sB = p.strideB;
  float beta = (float)p.beta;
  long cOff = p.cOffset, sC = p.strideC;
  if (batch < 0 || m < 0 || n < 0 || k < 0 || aOff < 0 || bOff < 0 || cOff < 0 || sA < 0 || sB < 0 || sC < 0)
    return throwError(env, "native gemm: sizes, offsets and strides must be non-negative");
  if (batch > 0 && m > 0 && n > 0) {
    double last = (double)(batch - 1);
    if ((k > 0 && !needLen(env, na, aOff + last * sA + (double)m * k, "gemm", "a")) ||
        (k > 0 && !needLen(env, nb, bOff + last * sB + (double)k * n, "gemm", "b")) ||
        !needLen(env, nc, cOff + last * sC + (double)m * n, "gemm", "c"))
      return nullptr;
    gKernels->gemm(tA, tB, batch, m, n, k, alpha, pa + aOff, sA, pb + bOff, sB, beta, pc + cOff, sC);
  }
  return undef(env);
}

bool readConv(napi_env env, CkConvGeom& g, const char* fn) {
  CkConv2dParams q;  // the three conv kernels share this layout: the geometry only
  if (!readParams(env, q, fn)) return false;
  g = q.g;
  bool ok = g.n >= 0 && g.cIn >= 0 && g.h >= 0 && g.w >= 0 && g.cOut >= 0 && g.kh >= 1 && g.kw >= 1 && g.strideH >= 1 &&
            g.strideW >= 1 && g.dilationH >= 1 && g.dilationW >= 1 && g.groups >= 1 && g.outH >= 0 && g.outW >= 0 &&
            g.cIn % g.groups == 0 && g.cOut % g.groups == 0;
  if (!ok) throwError(env, std::string("native ") + fn + ": invalid convolution geometry");
  return ok;
}

napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 4, "conv2d")) return nullptr;
  float *x, *w, *y, *bias = nullptr;
  long nx, nw, ny, nbias = 0;
  napi_valuetype bt;
  napi_typeof(env, a.v[2], &bt);
  if (!getF32(env, a.v[0], &x, &nx, "conv2d", "x") || !getF32(env, a.v[1], &w, &nw, "conv2d", "w") ||
      (bt != napi_null && bt != napi_undefined && !getF32(env, a.v[2], &bias, &nbias, "conv2d", "bias")) ||
      !getF32(env, a.v[3], &y, &ny, "conv2d", "y"))
    return nullptr;
  CkConvGeom g;
  if (!readConv(env, g, "conv2d")) return nullptr;
  if (!needLen(env, nx, (double)g.n * g.cIn * g.h * g.w, "conv2d", "x") ||
      !needLen(env, nw, (double)g.cOut * (g.cIn / g.groups) * g.kh * g.kw, "conv2d", "w") ||
      (bias && !needLen(env, nbias, (double)g.cOut, "conv2d", "bias")) ||
      !needLen(env, ny, (double)g.n * g.cOut * g.outH * g.outW, "conv2d", "y"))
    return nullptr;
  gKernels->conv2d(x, w, bias, &g, y);
  return undef(env);
}

// conv2dAct(x, w, bias | null, act, y); params: CkConv2dActParams (geometry, alpha).
napi_value Conv2dAct(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "conv2dAct";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  float *x, *w, *y, *bias = nullptr;
  long nx, nw, ny, nbias = 0;
  napi_valuetype bt;
  napi_typeof(env, a.v[2], &bt);
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &w, &nw, fn, "w") ||
      (bt != napi_null && bt != napi_undefined && !getF32(env, a.v[2], &bias, &nbias, fn, "bias")) ||
      !getF32(env, a.v[4], &y, &ny, fn, "y"))
    return nullptr;
  int act = (int)numArg(env, a.v[3]);
  if (act < 0 || act >= U_COUNT) return throwError(env, "native conv2dAct: unknown activation op code");
  CkConv2dActParams q;
  if (!readParams(env, q, fn)) return nullptr;
  CkConvGeom g = q.g;
  bool ok = g.n >= 0 && g.cIn >= 0 && g.h >= 0 && g.w >= 0 && g.cOut >= 0 && g.kh >= 1 && g.kw >= 1 && g.strideH >= 1 &&
            g.strideW >= 1 && g.dilationH >= 1 && g.dilationW >= 1 && g.groups >= 1 && g.outH >= 0 && g.outW >= 0 &&
            g.cIn % g.groups == 0 && g.cOut % g.groups == 0;
  if (!ok) return throwError(env, "native conv2dAct: invalid convolution geometry");
  if (!needLen(env, nx, (double)g.n * g.cIn * g.h * g.w, fn, "x") ||
      !needLen(env, nw, (double)g.cOut * (g.cIn / g.groups) * g.kh * g.kw, fn, "w") ||
      (bias && !needLen(env, nbias, (double)g.cOut, fn, "bias")) ||
      !needLen(env, ny, (double)g.n * g.cOut * g.outH * g.outW, fn, "y"))
    return nullptr;
  gKernels->conv2dAct(x, w, bias, &g, act, (float)q.alpha, y);
  return undef(env);
}

// conv2dActPool(x, w, bias | null, act, y); params: CkConv2dActPoolParams (conv geometry, alpha, pool geometry).
napi_value Conv2dActPool(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "conv2dActPool";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  float *x, *w, *y, *bias = nullptr;
  long nx, nw, ny, nbias = 0;
  napi_valuetype bt;
  napi_typeof(env, a.v[2], &bt);
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &w, &nw, fn, "w") ||
      (bt != napi_null && bt != napi_undefined && !getF32(env, a.v[2], &bias, &nbias, fn, "bias")) ||
      !getF32(env, a.v[4], &y, &ny, fn, "y"))
    return nullptr;
  int act = (int)numArg(env, a.v[3]);
  if (act < 0 || act >= U_COUNT) return throwError(env, "native conv2dActPool: unknown activation op code");
  CkConv2dActPoolParams q;
  if (!readParams(env, q, fn)) return nullptr;
  CkConvGeom g = q.g;
  CkPoolGeom pg = q.pg;
  bool ok = g.n >= 0 && g.cIn >= 0 && g.h >= 0 && g.w >= 0 && g.cOut >= 0 && g.kh >= 1 && g.kw >= 1 && g.strideH >= 1 &&
            g.strideW >= 1 && g.dilationH >= 1 && g.dilationW >= 1 && g.groups >= 1 && g.outH >= 0 && g.outW >= 0 &&
            g.cIn % g.groups == 0 && g.cOut % g.groups == 0;
  if (!ok) return throwError(env, "native conv2dActPool: invalid convolution geometry");
  bool pok = pg.kh >= 1 && pg.kw >= 1 && pg.strideH >= 1 && pg.strideW >= 1 && pg.dilationH >= 1 && pg.dilationW >= 1 &&
             pg.padTop >= 0 && pg.padLeft >= 0 && pg.outH >= 0 && pg.outW >= 0;
  if (!pok) return throwError(env, "native conv2dActPool: invalid pool geometry");
  if (pg.n != g.n || pg.c != g.cOut || pg.h != g.outH || pg.w != g.outW) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "native conv2dActPool: the pool's input (n %ld, c %ld, %ldx%ld) is not the convolution's output (n %ld, c %ld, %ldx%ld)",
             pg.n, pg.c, pg.h, pg.w, g.n, g.cOut, g.outH, g.outW);
    return throwError(env, msg);
  }
  if (!needLen(env, nx, (double)g.n * g.cIn * g.h * g.w, fn, "x") ||
      !needLen(env, nw, (double)g.cOut * (g.cIn / g.groups) * g.kh * g.kw, fn, "w") ||
      (bias && !needLen(env, nbias, (double)g.cOut, fn, "bias")) ||
      !needLen(env, ny, (double)pg.n * pg.c * pg.outH * pg.outW, fn, "y"))
    return nullptr;
  gKernels->conv2dActPool(x, w, bias, &g, act, (float)q.alpha, &pg, y);
  return undef(env);
}

napi_value Conv2dBackwardData(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "conv2dBackwardData";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *dy, *w, *dx;
  long ndy, nw, ndx;
  if (!getF32(env, a.v[0], &dy, &ndy, fn, "dy") || !getF32(env, a.v[1], &w, &nw, fn, "w") ||
      !getF32(env, a.v[2], &dx, &ndx, fn, "dx"))
    return nullptr;
  CkConvGeom g;
  if (!readConv(env, g, fn)) return nullptr;
  if (!needLen(env, ndy, (double)g.n * g.cOut * g.outH * g.outW, fn, "dy") ||
      !needLen(env, nw, (double)g.cOut * (g.cIn / g.groups) * g.kh * g.kw, fn, "w") ||
      !needLen(env, ndx, (double)g.n * g.cIn * g.h * g.w, fn, "dx"))
    return nullptr;
  gKernels->conv2dBackwardData(dy, w, &g, dx);
  return undef(env);
}

napi_value Conv2dBackwardWeight(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "conv2dBackwardWeight";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *x, *dy, *dw;
  long nx, ndy, ndw;
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &dy, &ndy, fn, "dy") ||
      !getF32(env, a.v[2], &dw, &ndw, fn, "dw"))
    return nullptr;
  CkConvGeom g;
  if (!readConv(env, g, fn)) return nullptr;
  if (!needLen(env, nx, (double)g.n * g.cIn * g.h * g.w, fn, "x") ||
      !needLen(env, ndy, (double)g.n * g.cOut * g.outH * g.outW, fn, "dy") ||
      !needLen(env, ndw, (double)g.cOut * (g.cIn / g.groups) * g.kh * g.kw, fn, "dw"))
    return nullptr;
  gKernels->conv2dBackwardWeight(x, dy, &g, dw);
  return undef(env);
}

// The pooling kernels' parameter blocks: the geometry, then (avgPool2d*) countIncludePad.
bool readPool(napi_env env, CkPoolGeom& g, int* countIncludePad, const char* fn) {
  CkAvgPool2dParams q;  // maxPool2d's layout is its prefix
  if (!readParams(env, q, fn)) return false;
  g = q.g;
  if (countIncludePad) *countIncludePad = q.countIncludePad;
  bool ok = g.n >= 0 && g.c >= 0 && g.h >= 0 && g.w >= 0 && g.kh >= 1 && g.kw >= 1 && g.strideH >= 1 && g.strideW >= 1 &&
            g.dilationH >= 1 && g.dilationW >= 1 && g.outH >= 0 && g.outW >= 0;
  if (!ok) throwError(env, std::string("native ") + fn + ": invalid pooling geometry");
  return ok;
}

napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "maxPool2d";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *x, *y;
  int32_t* idx;
  long nx, ny, ni;
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &y, &ny, fn, "y") ||
      !getI32(env, a.v[2], &idx, &ni, fn, "indices"))
    return nullptr;
  CkPoolGeom g;
  if (!readPool(env, g, nullptr, fn)) return nullptr;
  double outN = (double)g.n * g.c * g.outH * g.outW;
  if (!needLen(env, nx, (double)g.n * g.c * g.h * g.w, fn, "x") || !needLen(env, ny, outN, fn, "y") ||
      !needLen(env, ni, outN, fn, "indices"))
    return nullptr;
  gKernels->maxPool2d(x, &g, y, idx);
  return undef(env);
}

napi_value MaxPool2dBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "maxPool2dBackward";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *dy, *dx;
  int32_t* idx;
  long ndy, ndx, ni;
  if (!getF32(env, a.v[0], &dy, &ndy, fn, "dy") || !getI32(env, a.v[1], &idx, &ni, fn, "indices") ||
      !getF32(env, a.v[2], &dx, &ndx, fn, "dx"))
    return nullptr;
  CkPoolGeom g;
  if (!readPool(env, g, nullptr, fn)) return nullptr;
  double outN = (double)g.n * g.c * g.outH * g.outW;
  if (!needLen(env, ndy, outN, fn, "dy") || !needLen(env, ni, outN, fn, "indices") ||
      !needLen(env, ndx, (double)g.n * g.c * g.h * g.w, fn, "dx"))
    return nullptr;
  long hw = g.h * g.w;
  for (long i = 0; i < (long)outN; i++)
    if (idx[i] >= hw) return throwError(env, "native maxPool2dBackward: an index lies outside its input plane");
  gKernels->maxPool2dBackward(dy, idx, &g, dx);
  return undef(env);
}

napi_value AvgPool2d(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "avgPool2d";
  if (!getArgs(env, info, a, 2, fn)) return nullptr;
  float *x, *y;
  long nx, ny;
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &y, &ny, fn, "y")) return nullptr;
  CkPoolGeom g;
  int includePad = 0;
  if (!readPool(env, g, &includePad, fn)) return nullptr;
  if (!needLen(env, nx, (double)g.n * g.c * g.h * g.w, fn, "x") ||
      !needLen(env, ny, (double)g.n * g.c * g.outH * g.outW, fn, "y"))
    return nullptr;
  gKernels->avgPool2d(x, &g, includePad, y);
  return undef(env);
}

napi_value AvgPool2dBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "avgPool2dBackward";
  if (!getArgs(env, info, a, 2, fn)) return nullptr;
  float *dy, *dx;
  long ndy, ndx;
  if (!getF32(env, a.v[0], &dy, &ndy, fn, "dy") || !getF32(env, a.v[1], &dx, &ndx, fn, "dx")) return nullptr;
  CkPoolGeom g;
  int includePad = 0;
  if (!readPool(env, g, &includePad, fn)) return nullptr;
  if (!needLen(env, ndy, (double)g.n * g.c * g.outH * g.outW, fn, "dy") ||
      !needLen(env, ndx, (double)g.n * g.c * g.h * g.w, fn, "dx"))
    return nullptr;
  gKernels->avgPool2dBackward(dy, &g, includePad, dx);
  return undef(env);
}

napi_value ReluBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "reluBackward";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *y, *dy, *dx;
  long ny, ndy, ndx;
  if (!getF32(env, a.v[0], &y, &ny, fn, "y") || !getF32(env, a.v[1], &dy, &ndy, fn, "dy") ||
      !getF32(env, a.v[2], &dx, &ndx, fn, "dx"))
    return nullptr;
  if (!needLen(env, ndy, (double)ny, fn, "dy") || !needLen(env, ndx, (double)ny, fn, "dx")) return nullptr;
  ck_relu_backward(y, dy, dx, ny);
  return undef(env);
}

// unaryBackward(op, x, y, dy, dx); params: alpha. dx = dy * op'(x, y) for ops with a declared derivative.
napi_value UnaryBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "unaryBackward";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  int op = (int)numArg(env, a.v[0]);
  float *x, *y, *dy, *dx;
  long nx, ny, ndy, ndx;
  if (!getF32(env, a.v[1], &x, &nx, fn, "x") || !getF32(env, a.v[2], &y, &ny, fn, "y") ||
      !getF32(env, a.v[3], &dy, &ndy, fn, "dy") || !getF32(env, a.v[4], &dx, &ndx, fn, "dx"))
    return nullptr;
  if (op < 0 || op >= U_COUNT) return throwError(env, "native unaryBackward: unknown op code");
  if (!ckUnaryHasGrad(op))
    return throwError(env, "native unaryBackward: this op declares no gradient (add 'grad' to it in src/backend/ops.ts)");
  if (!needLen(env, nx, (double)ndx, fn, "x") || !needLen(env, ny, (double)ndx, fn, "y") ||
      !needLen(env, ndy, (double)ndx, fn, "dy"))
    return nullptr;
  CkUnaryBackwardParams q;
  if (!readParams(env, q, fn)) return nullptr;
  ck_unary_backward(op, x, y, dy, dx, ndx, (float)q.alpha);
  return undef(env);
}

// sgdUpdate(p, g, buf | null); params: CkSgdUpdateParams.
napi_value SgdUpdate(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "sgdUpdate";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *p, *g, *buf = nullptr;
  long np, ng, nbuf = 0;
  napi_valuetype bt;
  napi_typeof(env, a.v[2], &bt);
  if (!getF32(env, a.v[0], &p, &np, fn, "p") || !getF32(env, a.v[1], &g, &ng, fn, "g") ||
      (bt != napi_null && bt != napi_undefined && !getF32(env, a.v[2], &buf, &nbuf, fn, "buf")))
    return nullptr;
  CkSgdUpdateParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (!needLen(env, ng, (double)np, fn, "g") || (buf && !needLen(env, nbuf, (double)np, fn, "buf"))) return nullptr;
  ck_sgd_update(p, g, buf, np, q.lr, q.weightDecay, q.gradSign, q.momentum, q.bufScale, q.nesterov);
  return undef(env);
}

// adamUpdate, softmax, cross-entropy, batch norm ... (fused.h, fused_napi.h)
#include "fused_napi.h"

napi_value Init(napi_env env, napi_value exports) {
  gKernels = chooseKernels();
  struct { const char* name; napi_callback cb; } fns[] = {
    {"setParams", SetParams}, {"describe", Describe}, {"isa", Isa}, {"threads", Threads}, {"setThreads", SetThreads},
    {"supportedIsas", SupportedIsas}, {"setIsa", SetIsa}, {"unary", Unary}, {"binary", Binary},
    {"reduce", Reduce}, {"argReduce", ArgReduce}, {"permute", Permute}, {"gemm", Gemm}, {"conv2d", Conv2d}, {"conv2dAct", Conv2dAct}, {"conv2dActPool", Conv2dActPool},
    {"conv2dBackwardData", Conv2dBackwardData}, {"conv2dBackwardWeight", Conv2dBackwardWeight},
    {"maxPool2d", MaxPool2d}, {"maxPool2dBackward", MaxPool2dBackward}, {"avgPool2d", AvgPool2d},
    {"avgPool2dBackward", AvgPool2dBackward}, {"reluBackward", ReluBackward}, {"unaryBackward", UnaryBackward}, {"sgdUpdate", SgdUpdate},
    CK_FUSED_FNS
  };
  for (auto& f : fns) {
    napi_value fnv;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fnv);
    napi_set_named_property(env, exports, f.name, fnv);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
