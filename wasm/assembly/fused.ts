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

// @ts-ignore: decorator
@inline function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }

/** Softmax (log = 0) or log-softmax over the middle axis of (outer, len, inner), this share of the slices. */
export function softmax(tid: i32, nt: i32, wid: i32, x: usize, outer: i32, len: i32, inner: i32, log: i32, y: usize): void {
  const total = outer * inner;
  const q0 = share(total, tid, nt), q1 = share(total, tid + 1, nt);
  for (let q = q0; q < q1; q++) {
    const start = (q / inner) * len * inner + q % inner;
    let m: f64 = -Infinity;
    for (let k = 0, p = start; k < len; k++, p += inner) { const v = ld(x, p); if (v > m) m = v; }
    let s: f64 = 0;
    for (let k = 0, p = start; k < len; k++, p += inner) s += Math.exp(ld(x, p) - m);
    if (log != 0) {
      const shift = m + Math.log(s);
      for (let k = 0, p = start; k < len; k++, p += inner) st(y, p, ld(x, p) - shift);
    } else {
      const inv = 1 / s;
      for (let k = 0, p = start; k < len; k++, p += inner) st(y, p, Math.exp(ld(x, p) - m) * inv);
    }
  }
}

/** Backward of softmax (from its output y) or log-softmax (log = 1), this share of the slices. */
export function softmaxBackward(tid: i32, nt: i32, wid: i32, y: usize, dy: usize, outer: i32, len: i32, inner: i32, log: i32,
  dx: usize): void {
  const total = outer * inner;
  const q0 = share(total, tid, nt), q1 = share(total, tid + 1, nt);
  for (let q = q0; q < q1; q++) {
    const start = (q / inner) * len * inner + q % inner;
    let s: f64 = 0;
    if (log != 0) {
      for (let k = 0, p = start; k < len; k++, p += inner) s += ld(dy, p);
      for (let k = 0, p = start; k < len; k++, p += inner) st(dx, p, ld(dy, p) - Math.exp(ld(y, p)) * s);
    } else {
      for (let k = 0, p = start; k < len; k++, p += inner) s += ld(dy, p) * ld(y, p);
      for (let k = 0, p = start; k < len; k++, p += inner) st(dx, p, ld(y, p) * (ld(dy, p) - s));
    }
  }
}

/**
 * Softmax cross-entropy forward (src/backend/js/fused.ts crossEntropyForward); w = 0 without
 * weights. Run as one share: the total is summed in position order, as the reference does.
 */
export function crossEntropyForward(tid: i32, nt: i32, wid: i32, z: usize, t: usize, w: usize, n: i32, c: i32, inner: i32,
  ignore: i32, sm: f64, red: i32, probs: usize, loss: usize): void {
  if (tid != 0) return;
  let total: f64 = 0, denom: f64 = 0;
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < inner; j++) {
      const pos = b * inner + j, start = b * c * inner + j;
      let m: f64 = -Infinity;
      for (let k = 0, p = start; k < c; k++, p += inner) { const v = ld(z, p); if (v > m) m = v; }
      let s: f64 = 0;
      for (let k = 0, p = start; k < c; k++, p += inner) s += Math.exp(ld(z, p) - m);
      const l = m + Math.log(s);
      for (let k = 0, p = start; k < c; k++, p += inner) st(probs, p, Math.exp(ld(z, p) - l));
      const y = ldi(t, pos);
      let v: f64 = 0;
      if (y != ignore) {
        if (y < 0 || y >= c) {
          v = NaN;
        } else {
          const wy = w != 0 ? ld(w, y) : 1.0;
          denom += wy;
          v = -(1 - sm) * wy * (ld(z, start + y * inner) - l);
          if (sm > 0) {
            let acc: f64 = 0;
            for (let k = 0, p = start; k < c; k++, p += inner) acc -= (w != 0 ? ld(w, k) : 1.0) * (ld(z, p) - l);
            v += (sm / <f64>c) * acc;
          }
        }
      }
      if (red == 0) st(loss, pos, v);
      else total += v;
    }
  }
  if (red == 2) st(loss, 0, total);
  else if (red == 1) st(loss, 0, total / denom);
}

/** Softmax cross-entropy backward (src/backend/js/fused.ts crossEntropyBackward), this share of the positions. */
export function crossEntropyBackward(tid: i32, nt: i32, wid: i32, probs: usize, t: usize, w: usize, gl: usize, n: i32, c: i32,
  inner: i32, ignore: i32, sm: f64, red: i32, dz: usize): void {
  const P = n * inner;
  let wSum: f64 = <f64>c;
  if (w != 0) { wSum = 0; for (let k = 0; k < c; k++) wSum += ld(w, k); }
  let denom: f64 = 0;
  if (red == 1) {
    for (let pos = 0; pos < P; pos++) {
      const y = ldi(t, pos);
      if (y != ignore && y >= 0 && y < c) denom += w != 0 ? ld(w, y) : 1.0;
    }
  }
  const p0 = share(P, tid, nt), p1 = share(P, tid + 1, nt);
  for (let pos = p0; pos < p1; pos++) {
    const start = (pos / inner) * c * inner + pos % inner;
    const y = ldi(t, pos);
    if (y == ignore || y < 0 || y >= c) {
      for (let k = 0, p = start; k < c; k++, p += inner) st(dz, p, 0);
      continue;
    }
    const g = red == 0 ? ld(gl, pos) : red == 1 ? ld(gl, 0) / denom : ld(gl, 0);
    const a = g * (1 - sm) * (w != 0 ? ld(w, y) : 1.0), e = (g * sm) / <f64>c;
    const pc = a + e * wSum;
    for (let k = 0, p = start; k < c; k++, p += inner) st(dz, p, pc * ld(probs, p) - e * (w != 0 ? ld(w, k) : 1.0));
    const py = start + y * inner;
    st(dz, py, ld(dz, py) - a);
  }
}

/**
 * Batch norm forward (src/backend/js/fused.ts batchNormForward), this share of the channels;
 * optional arrays are 0 when absent.
 */
export function batchNormForward(tid: i32, nt: i32, wid: i32, x: usize, gw: usize, gb: usize, rm: usize, rv: usize, n: i32, c: i32,
  inner: i32, training: i32, momentum: f64, eps: f64, y: usize, sMean: usize, sInv: usize): void {
  const count = n * inner;
  const c0 = share(c, tid, nt), c1 = share(c, tid + 1, nt);
  for (let ch = c0; ch < c1; ch++) {
    let mu: f64, is: f64;
    if (training != 0) {
      let s: f64 = 0;
      for (let b = 0; b < n; b++) { const base = (b * c + ch) * inner; for (let j = 0; j < inner; j++) s += ld(x, base + j); }
      mu = s / <f64>count;
      let v: f64 = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * inner;
        for (let j = 0; j < inner; j++) { const d = ld(x, base + j) - mu; v += d * d; }
      }
      is = 1 / Math.sqrt(v / <f64>count + eps);
      if (rm != 0 && rv != 0) {
        st(rm, ch, (1 - momentum) * ld(rm, ch) + momentum * mu);
        st(rv, ch, (1 - momentum) * ld(rv, ch) + momentum * (v / <f64>(count - 1)));
      }
    } else {
      mu = ld(rm, ch);
      is = 1 / Math.sqrt(ld(rv, ch) + eps);
    }
    st(sMean, ch, mu); st(sInv, ch, is);
    const a = is * (gw != 0 ? ld(gw, ch) : 1.0), sh = gb != 0 ? ld(gb, ch) : 0.0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * inner;
      for (let j = 0; j < inner; j++) st(y, base + j, (ld(x, base + j) - mu) * a + sh);
    }
  }
}

/** Batch norm backward (src/backend/js/fused.ts batchNormBackward), this share of the channels. */
export function batchNormBackward(tid: i32, nt: i32, wid: i32, x: usize, dy: usize, gw: usize, sMean: usize, sInv: usize, n: i32,
  c: i32, inner: i32, training: i32, dx: usize, dw: usize, db: usize): void {
  const count = n * inner;
  const c0 = share(c, tid, nt), c1 = share(c, tid + 1, nt);
  for (let ch = c0; ch < c1; ch++) {
    const mu = ld(sMean, ch), is = ld(sInv, ch), gm = gw != 0 ? ld(gw, ch) : 1.0;
    let s1: f64 = 0, s2: f64 = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * inner;
      for (let j = 0; j < inner; j++) { const gv = ld(dy, base + j); s1 += gv; s2 += gv * (ld(x, base + j) - mu) * is; }
    }
    if (db != 0) st(db, ch, s1);
    if (dw != 0) st(dw, ch, s2);
    if (dx == 0) continue;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * inner;
      if (training != 0) {
        const k = (gm * is) / <f64>count;
        for (let j = 0; j < inner; j++) st(dx, base + j, k * (<f64>count * ld(dy, base + j) - s1 - (ld(x, base + j) - mu) * is * s2));
      } else {
        const k = gm * is;
        for (let j = 0; j < inner; j++) st(dx, base + j, k * ld(dy, base + j));
      }
    }
  }
}
