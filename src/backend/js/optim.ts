/** Reference optimizer-update kernels. */

/** One SGD step in place (see Backend.sgdUpdate for the formula). */
export function sgdUpdate(
  p: Float32Array,
  g: Float32Array,
  buf: Float32Array | null,
  lr: number,
  weightDecay: number,
  gradSign: number,
  momentum: number,
  bufScale: number,
  nesterov: boolean,
): void {
  const n = p.length;
  if (buf === null) {
    for (let i = 0; i < n; i++) p[i] -= lr * (gradSign * g[i] + weightDecay * p[i]);
    return;
  }
  for (let i = 0; i < n; i++) {
    const d = gradSign * g[i] + weightDecay * p[i];
    const b = momentum * buf[i] + bufScale * d;
    buf[i] = b;
    p[i] -= lr * (nesterov ? d + momentum * b : b);
  }
}

/**
 * One Adam/AdamW step in place (see Backend.adamUpdate). Per element, in float64 like the
 * optimizer always computed it: w = p * (decoupled ? 1 - lr * wd : 1); d = g + (decoupled ? 0 : wd) * w;
 * m = b1 m + (1 - b1) d; v = b2 v + (1 - b2) d^2; vmax = max(vmax, v) with AMSGrad (vmax not null);
 * p = w - lr / (1 - b1^step) * m / (sqrt(vmax or v) / sqrt(1 - b2^step) + eps).
 */
export function adamUpdate(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array | null,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  decoupled: boolean,
  step: number,
): void {
  const n = p.length;
  const stepSize = lr / (1 - Math.pow(beta1, step));
  const invBc2 = 1 / Math.sqrt(1 - Math.pow(beta2, step));
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const c1 = 1 - beta1,
    c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const w = p[i] * decay;
    const d = g[i] + l2 * w;
    const mi = beta1 * m[i] + c1 * d;
    const vi = beta2 * v[i] + c2 * d * d;
    m[i] = mi;
    v[i] = vi;
    let vv = vi;
    if (vmax !== null) {
      vv = Math.max(vmax[i], vi);
      vmax[i] = vv;
    }
    p[i] = w - (stepSize * mi) / (Math.sqrt(vv) * invBc2 + eps);
  }
}

/** One Adagrad step in place: d = g + wd p; sum += d^2; p -= lr d / (sqrt(sum) + eps) (lr already decayed). */
export function adagradUpdate(
  p: Float32Array,
  g: Float32Array,
  sum: Float32Array,
  lr: number,
  weightDecay: number,
  eps: number,
): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const d = g[i] + weightDecay * p[i];
    const s = sum[i] + d * d;
    sum[i] = s;
    p[i] -= (lr * d) / (Math.sqrt(s) + eps);
  }
}

/**
 * One RMSprop step in place: d = g + wd p; sq = alpha sq + (1 - alpha) d^2; centered (gradAvg not
 * null): ga = alpha ga + (1 - alpha) d, avg = sqrt(sq - ga^2) + eps, else avg = sqrt(sq) + eps;
 * with a momentum buffer: b = momentum b + d / avg, p -= lr b; else p -= lr d / avg.
 */
export function rmspropUpdate(
  p: Float32Array,
  g: Float32Array,
  squareAvg: Float32Array,
  gradAvg: Float32Array | null,
  momentumBuffer: Float32Array | null,
  lr: number,
  alpha: number,
  eps: number,
  weightDecay: number,
  momentum: number,
): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const d = g[i] + weightDecay * p[i];
    const s = alpha * squareAvg[i] + (1 - alpha) * d * d;
    squareAvg[i] = s;
    let avg: number;
    if (gradAvg !== null) {
      const m = alpha * gradAvg[i] + (1 - alpha) * d;
      gradAvg[i] = m;
      avg = Math.sqrt(s - m * m) + eps;
    } else {
      avg = Math.sqrt(s) + eps;
    }
    if (momentumBuffer !== null) {
      const b = momentum * momentumBuffer[i] + d / avg;
      momentumBuffer[i] = b;
      p[i] -= lr * b;
    } else {
      p[i] -= (lr * d) / avg;
    }
  }
}
