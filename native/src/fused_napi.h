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

// softmax(x, y); params: CkSoftmaxParams.
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "softmax";
  if (!getArgs(env, info, a, 2, fn)) return nullptr;
  float *x, *y;
  long nx, ny;
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &y, &ny, fn, "y")) return nullptr;
  CkSoftmaxParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (q.outer < 0 || q.len < 0 || q.inner < 0) return throwError(env, "native softmax: negative size");
  double total = (double)q.outer * q.len * q.inner;
  if (!needLen(env, nx, total, fn, "x") || !needLen(env, ny, total, fn, "y")) return nullptr;
  ck_softmax(x, q.outer, q.len, q.inner, q.log, y);
  return undef(env);
}

// softmaxBackward(y, dy, dx); params: CkSoftmaxBackwardParams.
napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "softmaxBackward";
  if (!getArgs(env, info, a, 3, fn)) return nullptr;
  float *y, *dy, *dx;
  long ny, ndy, ndx;
  if (!getF32(env, a.v[0], &y, &ny, fn, "y") || !getF32(env, a.v[1], &dy, &ndy, fn, "dy") ||
      !getF32(env, a.v[2], &dx, &ndx, fn, "dx"))
    return nullptr;
  CkSoftmaxBackwardParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (q.outer < 0 || q.len < 0 || q.inner < 0) return throwError(env, "native softmaxBackward: negative size");
  double total = (double)q.outer * q.len * q.inner;
  if (!needLen(env, ny, total, fn, "y") || !needLen(env, ndy, total, fn, "dy") || !needLen(env, ndx, total, fn, "dx"))
    return nullptr;
  ck_softmax_backward(y, dy, q.outer, q.len, q.inner, q.log, dx);
  return undef(env);
}

// Checks the sizes shared by the cross-entropy kernels.
bool ceSizes(napi_env env, const char* fn, long n, long c, long inner, long reduction, long nt, const float* w, long nw) {
  if (n < 0 || c < 1 || inner < 0) return throwError(env, std::string("native ") + fn + ": bad sizes"), false;
  if (reduction < 0 || reduction > 2)
    return throwError(env, std::string("native ") + fn + ": reduction code must be 0, 1 or 2"), false;
  return needLen(env, nt, (double)n * inner, fn, "target") && (!w || needLen(env, nw, (double)c, fn, "weight"));
}

// crossEntropyForward(z, target, weight | null, probs, loss); params: CkCrossEntropyForwardParams.
napi_value CrossEntropyForward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "crossEntropyForward";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  float *z, *w, *probs, *loss;
  int32_t* t;
  long nz, nt, nw, np, nl;
  if (!getF32(env, a.v[0], &z, &nz, fn, "z") || !getI32(env, a.v[1], &t, &nt, fn, "target") ||
      !getF32Opt(env, a.v[2], &w, &nw, fn, "weight") || !getF32(env, a.v[3], &probs, &np, fn, "probs") ||
      !getF32(env, a.v[4], &loss, &nl, fn, "loss"))
    return nullptr;
  CkCrossEntropyForwardParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (!ceSizes(env, fn, q.n, q.c, q.inner, q.reduction, nt, w, nw)) return nullptr;
  double total = (double)q.n * q.c * q.inner;
  if (!needLen(env, nz, total, fn, "z") || !needLen(env, np, total, fn, "probs") ||
      !needLen(env, nl, q.reduction == 0 ? (double)q.n * q.inner : 1.0, fn, "loss"))
    return nullptr;
  ck_cross_entropy_forward(z, t, w, q.n, q.c, q.inner, q.ignoreIndex, q.smoothing, q.reduction, probs, loss);
  return undef(env);
}

// crossEntropyBackward(probs, target, weight | null, gLoss, dz); params: CkCrossEntropyBackwardParams.
napi_value CrossEntropyBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "crossEntropyBackward";
  if (!getArgs(env, info, a, 5, fn)) return nullptr;
  float *probs, *w, *gl, *dz;
  int32_t* t;
  long np, nt, nw, ng, nd;
  if (!getF32(env, a.v[0], &probs, &np, fn, "probs") || !getI32(env, a.v[1], &t, &nt, fn, "target") ||
      !getF32Opt(env, a.v[2], &w, &nw, fn, "weight") || !getF32(env, a.v[3], &gl, &ng, fn, "gLoss") ||
      !getF32(env, a.v[4], &dz, &nd, fn, "dz"))
    return nullptr;
  CkCrossEntropyBackwardParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (!ceSizes(env, fn, q.n, q.c, q.inner, q.reduction, nt, w, nw)) return nullptr;
  double total = (double)q.n * q.c * q.inner;
  if (!needLen(env, np, total, fn, "probs") || !needLen(env, nd, total, fn, "dz") ||
      !needLen(env, ng, q.reduction == 0 ? (double)q.n * q.inner : 1.0, fn, "gLoss"))
    return nullptr;
  ck_cross_entropy_backward(probs, t, w, gl, q.n, q.c, q.inner, q.ignoreIndex, q.smoothing, q.reduction, dz);
  return undef(env);
}

// batchNormForward(x, weight?, bias?, runMean?, runVar?, y, saveMean, saveInvStd); params: CkBatchNormForwardParams.
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "batchNormForward";
  if (!getArgs(env, info, a, 8, fn)) return nullptr;
  float *x, *gw, *gb, *rm, *rv, *y, *sm, *si;
  long nx, ngw, ngb, nrm, nrv, ny, nsm, nsi;
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32Opt(env, a.v[1], &gw, &ngw, fn, "weight") ||
      !getF32Opt(env, a.v[2], &gb, &ngb, fn, "bias") || !getF32Opt(env, a.v[3], &rm, &nrm, fn, "runMean") ||
      !getF32Opt(env, a.v[4], &rv, &nrv, fn, "runVar") || !getF32(env, a.v[5], &y, &ny, fn, "y") ||
      !getF32(env, a.v[6], &sm, &nsm, fn, "saveMean") || !getF32(env, a.v[7], &si, &nsi, fn, "saveInvStd"))
    return nullptr;
  CkBatchNormForwardParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (q.n < 0 || q.c < 0 || q.inner < 0) return throwError(env, "native batchNormForward: negative size");
  if (!q.training && (!rm || !rv)) return throwError(env, "native batchNormForward: evaluation needs runMean and runVar");
  double total = (double)q.n * q.c * q.inner, c = (double)q.c;
  if (!needLen(env, nx, total, fn, "x") || !needLen(env, ny, total, fn, "y") || !needLen(env, nsm, c, fn, "saveMean") ||
      !needLen(env, nsi, c, fn, "saveInvStd") || (gw && !needLen(env, ngw, c, fn, "weight")) ||
      (gb && !needLen(env, ngb, c, fn, "bias")) || (rm && !needLen(env, nrm, c, fn, "runMean")) ||
      (rv && !needLen(env, nrv, c, fn, "runVar")))
    return nullptr;
  ck_batch_norm_forward(x, gw, gb, rm, rv, q.n, q.c, q.inner, q.training, q.momentum, q.eps, y, sm, si);
  return undef(env);
}

// batchNormBackward(x, dy, weight?, saveMean, saveInvStd, dx?, dweight?, dbias?); params: CkBatchNormBackwardParams.
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  Args a;
  const char* fn = "batchNormBackward";
  if (!getArgs(env, info, a, 8, fn)) return nullptr;
  float *x, *dy, *gw, *sm, *si, *dx, *dw, *db;
  long nx, ndy, ngw, nsm, nsi, ndx, ndw, ndb;
  if (!getF32(env, a.v[0], &x, &nx, fn, "x") || !getF32(env, a.v[1], &dy, &ndy, fn, "dy") ||
      !getF32Opt(env, a.v[2], &gw, &ngw, fn, "weight") || !getF32(env, a.v[3], &sm, &nsm, fn, "saveMean") ||
      !getF32(env, a.v[4], &si, &nsi, fn, "saveInvStd") || !getF32Opt(env, a.v[5], &dx, &ndx, fn, "dx") ||
      !getF32Opt(env, a.v[6], &dw, &ndw, fn, "dweight") || !getF32Opt(env, a.v[7], &db, &ndb, fn, "dbias"))
    return nullptr;
  CkBatchNormBackwardParams q;
  if (!readParams(env, q, fn)) return nullptr;
  if (q.n < 0 || q.c < 0 || q.inner < 0) return throwError(env, "native batchNormBackward: negative size");
  double total = (double)q.n * q.c * q.inner, c = (double)q.c;
  if (!needLen(env, nx, total, fn, "x") || !needLen(env, ndy, total, fn, "dy") || !needLen(env, nsm, c, fn, "saveMean") ||
      !needLen(env, nsi, c, fn, "saveInvStd") || (gw && !needLen(env, ngw, c, fn, "weight")) ||
      (dx && !needLen(env, ndx, total, fn, "dx")) || (dw && !needLen(env, ndw, c, fn, "dweight")) ||
      (db && !needLen(env, ndb, c, fn, "dbias")))
    return nullptr;
  ck_batch_norm_backward(x, dy, gw, sm, si, q.n, q.c, q.inner, q.training, dx, dw, db);
  return undef(env);
}

#define CK_FUSED_FNS {"adamUpdate", AdamUpdate}, {"adagradUpdate", AdagradUpdate}, {"rmspropUpdate", RmspropUpdate}, \
  {"softmax", Softmax}, {"softmaxBackward", SoftmaxBackward}, {"crossEntropyForward", CrossEntropyForward}, \
  {"crossEntropyBackward", CrossEntropyBackward}, {"batchNormForward", BatchNormForward}, \
  {"batchNormBackward", BatchNormBackward},
