/** Reference optimizer-update kernels. */

/** One SGD step in place (see Backend.sgdUpdate for the formula). */
export function sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array | null, lr: number, weightDecay: number,
  gradSign: number, momentum: number, bufScale: number, nesterov: boolean): void {
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
