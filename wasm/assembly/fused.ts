// Fused kernels of src/backend/kernels.ts: optimizer updates (softmax, cross-entropy and batch
// norm follow). Optimizer updates compute in f64 like the TypeScript references and round to
// f32 only where the reference stores, so they agree with it to the last bit or nearly.
// Every kernel takes (tid, nt, wid) and processes share tid of nt (see elementwise.ts).

// @ts-ignore: decorator
@inline function share(total: i32, tid: i32, nt: i32): i32 { return <i32>(<i64>total * tid / nt); }
// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return <f64>load<f32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f32>(p + (<usize>i << 2), <f32>v); }

/** SGD step (Backend.sgdUpdate); buf = 0 when there is no momentum buffer. */
export function sgdUpdate(tid: i32, nt: i32, wid: i32, p: usize, g: usize, buf: usize, n: i32, lr: f64, wd: f64, sign: f64,
  mu: f64, bufScale: f64, nesterov: i32): void {
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  for (let i = i0; i < i1; i++) {
    const pi = ld(p, i);
    const d = sign * ld(g, i) + wd * pi;
    if (buf == 0) { st(p, i, pi - lr * d); continue; }
    const b = mu * ld(buf, i) + bufScale * d;
    st(buf, i, b);
    st(p, i, pi - lr * (nesterov != 0 ? d + mu * b : b));
  }
}

/** Adam/AdamW step (Backend.adamUpdate); vmax = 0 without AMSGrad. */
export function adamUpdate(tid: i32, nt: i32, wid: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, lr: f64,
  b1: f64, b2: f64, eps: f64, wd: f64, decoupled: i32, step: i32): void {
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  const stepSize = lr / (1 - Math.pow(b1, <f64>step));
  const invBc2 = 1 / Math.sqrt(1 - Math.pow(b2, <f64>step));
  const decay = decoupled != 0 ? 1 - lr * wd : 1.0;
  const l2 = decoupled != 0 ? 0.0 : wd;
  const c1 = 1 - b1, c2 = 1 - b2;
  for (let i = i0; i < i1; i++) {
    const w = ld(p, i) * decay;
    const d = ld(g, i) + l2 * w;
    const mi = b1 * ld(m, i) + c1 * d;
    const vi = b2 * ld(v, i) + c2 * d * d;
    st(m, i, mi); st(v, i, vi);
    let vv = vi;
    if (vmax != 0) {
      const old = ld(vmax, i);
      vv = old > vi || old != old ? old : vi; // NaN wins, as Math.max
      st(vmax, i, vv);
    }
    st(p, i, w - (stepSize * mi) / (Math.sqrt(vv) * invBc2 + eps));
  }
}

/** Adagrad step (Backend.adagradUpdate). */
export function adagradUpdate(tid: i32, nt: i32, wid: i32, p: usize, g: usize, sum: usize, n: i32, lr: f64, wd: f64, eps: f64): void {
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  for (let i = i0; i < i1; i++) {
    const pi = ld(p, i);
    const d = ld(g, i) + wd * pi;
    const s = ld(sum, i) + d * d;
    st(sum, i, s);
    st(p, i, pi - (lr * d) / (Math.sqrt(s) + eps));
  }
}

/** RMSprop step (Backend.rmspropUpdate); ga / mb = 0 when not centered / no momentum. */
export function rmspropUpdate(tid: i32, nt: i32, wid: i32, p: usize, g: usize, sq: usize, ga: usize, mb: usize, n: i32, lr: f64,
  alpha: f64, eps: f64, wd: f64, momentum: f64): void {
  const i0 = share(n, tid, nt), i1 = share(n, tid + 1, nt);
  for (let i = i0; i < i1; i++) {
    const pi = ld(p, i);
    const d = ld(g, i) + wd * pi;
    const s = alpha * ld(sq, i) + (1 - alpha) * d * d;
    st(sq, i, s);
    let avg: f64;
    if (ga != 0) {
      const mm = alpha * ld(ga, i) + (1 - alpha) * d;
      st(ga, i, mm);
      avg = Math.sqrt(s - mm * mm) + eps;
    } else {
      avg = Math.sqrt(s) + eps;
    }
    if (mb != 0) {
      const b = momentum * ld(mb, i) + d / avg;
      st(mb, i, b);
      st(p, i, pi - lr * b);
    } else {
      st(p, i, pi - (lr * d) / avg);
    }
  }
}
