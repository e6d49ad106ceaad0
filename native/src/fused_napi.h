// N-API wrappers of the fused kernels (fused.h). Included by addon.cc inside its anonymous
// namespace, after its argument helpers; CK_FUSED_FNS lists them for Init's table. Convention
// of the generated bindings: the array arguments in declaration order (null for an absent
// 'f32?'), every scalar in the parameter block (struct generated from src/backend/kernels.ts).
#include "fused.h"

// An 'f32?' argument: null/undefined gives nullptr (and length 0).
bool getF32Opt(napi_env env, napi_value v, float** p, long* len, const char* fn, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) { *p = nullptr; *len = 0; return true; }
  return getF32(env, v, p, len, fn, name);
}

// adamUpdate(p, g, m, v, vmax | null); params: CkAdamUpdateParams.
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "adamUpdate";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  float *p, *g, *m, *v, *vmax;
  long np, ng, nm, nv, nvmax;
  if (!getF32(env, a.v[0], &p, &np, fn, "p") || !getF32(env, a.v[1], &g, &ng, fn, "g") ||
      !getF32(env, a.v[2], &m, &nm, fn, "m") || !getF32(env, a.v[3], &v, &nv, fn, "v") ||
      !getF32Opt(env, a.v[4], &vmax, &nvmax, fn, "vmax"))
    return nullptr;
  if (!needLen(env, ng, (double)np, fn, "g") || !needLen(env, nm, (double)np, fn, "m") ||
      !needLen(env, nv, (double)np, fn, "v") || (vmax && !needLen(env, nvmax, (double)np, fn, "vmax")))
    return nullptr;
  CkAdamUpdateParams q;
  if (!readParams(env, q, fn)) return nullptr;
  ck_adam_update(p, g, m, v, vmax, np, q.lr, q.beta1, q.beta2, q.eps, q.weightDecay, q.decoupled, q.step);
  return undef(env);
}

// adagradUpdate(p, g, sum); params: CkAdagradUpdateParams.
napi_value AdagradUpdate(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "adagradUpdate";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *p, *g, *sum;
  long np, ng, ns;
  if (!getF32(env, a.v[0], &p, &np, fn, "p") || !getF32(env, a.v[1], &g, &ng, fn, "g") ||
      !getF32(env, a.v[2], &sum, &ns, fn, "sum"))
    return nullptr;
  if (!needLen(env, ng, (double)np, fn, "g") || !needLen(env, ns, (double)np, fn, "sum")) return nullptr;
  CkAdagradUpdateParams q;
  if (!readParams(env, q, fn)) return nullptr;
  ck_adagrad_update(p, g, sum, np, q.lr, q.weightDecay, q.eps);
  return undef(env);
}

// rmspropUpdate(p, g, squareAvg, gradAvg | null, momentumBuffer | null); params: CkRmspropUpdateParams.
napi_value RmspropUpdate(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "rmspropUpdate";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  float *p, *g, *sq, *ga, *mb;
  long np, ng, nsq, nga, nmb;
  if (!getF32(env, a.v[0], &p, &np, fn, "p") || !getF32(env, a.v[1], &g, &ng, fn, "g") ||
      !getF32(env, a.v[2], &sq, &nsq, fn, "squareAvg") || !getF32Opt(env, a.v[3], &ga, &nga, fn, "gradAvg") ||
      !getF32Opt(env, a.v[4], &mb, &nmb, fn, "momentumBuffer"))
    return nullptr;
  if (!needLen(env, ng, (double)np, fn, "g") || !needLen(env, nsq, (double)np, fn, "squareAvg") ||
      (ga && !needLen(env, nga, (double)np, fn, "gradAvg")) || (mb && !needLen(env, nmb, (double)np, fn, "momentumBuffer")))
    return nullptr;
  CkRmspropUpdateParams q;
  if (!readParams(env, q, fn)) return nullptr;
  ck_rmsprop_update(p, g, sq, ga, mb, np, q.lr, q.alpha, q.eps, q.weightDecay, q.momentum);
  return undef(env);
}

#define CK_FUSED_FNS {"adamUpdate", AdamUpdate}, {"adagradUpdate", AdagradUpdate}, {"rmspropUpdate", RmspropUpdate},
