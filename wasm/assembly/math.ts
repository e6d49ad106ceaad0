// Math helpers of the generated elementwise code (wasm/assembly/generated/ops.ts): erf for GELU,
// sigmoid and a 4-lane exp.

/** Erf by Abramowitz-Stegun 7.1.26 refined (as src/backend/ops.ts). */
export function erf(x: f64): f64 {
  const s: f64 = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * exp on 4 lanes: Cephes' expf scheme (n = round(x log2 e), r = x - n ln 2 in two steps,
 * degree-6 polynomial, result scaled by 2^n as two halves so that n = -150..128 stays
 * exact); relative error ~2 ulp. Overflow gives +Infinity, NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  const hi = f32x4.splat(88.72283935546875);
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-104)), hi);
  const fx = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(fx, f32x4.splat(2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), f32x4.splat(1));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1), n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  y = f32x4.mul(f32x4.mul(y, i32x4.shl(i32x4.add(n1, bias), 23)), i32x4.shl(i32x4.add(n2, bias), 23));
  return v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, hi));
}

/** 1 / (1 + e^-v) without overflow. */
export function sigmoidf(v: f32): f32 {
  if (v >= 0) return <f32>1 / (1 + Mathf.exp(-v));
  const e = Mathf.exp(v);
  return e / (1 + e);
}

/** SiLU's derivative s (1 + v (1 - s)), s = sigmoid(v), with one exp. */
export function siluGradf(v: f32): f32 {
  const s = sigmoidf(v);
  return s * (1 + v * (1 - s));
}
