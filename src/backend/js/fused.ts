/**
 * Reference fused kernels of the op layer: softmax / log-softmax forward and backward over one
 * axis, softmax cross-entropy on class indices, forward (loss and saved probabilities) and
 * backward, batch normalisation, and convolution with a fused activation epilogue. Arrays are
 * viewed as (outer, len, inner) around the axis; all sums in float64.
 */
import type { Conv2dGeometry, Pool2dGeometry } from '../backend.js';
import type { UnaryOp } from '../ops.js';
import { conv2d } from './conv.js';
import { unary } from './elementwise.js';
import { maxPool2d } from './pool.js';

/** Loss reductions of the fused loss kernels: 0 = 'none', 1 = 'mean', 2 = 'sum'. */
export const REDUCTION_CODE = { none: 0, mean: 1, sum: 2 } as const;

/** Writes softmax (log = false) or log-softmax of every slice of x (outer, len, inner) along the middle axis into y. */
export function softmax(
  x: Float32Array,
  outer: number,
  len: number,
  inner: number,
  log: boolean,
  y: Float32Array,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) {
      const start = base + i,
        end = start + len * inner;
      let m = -Infinity;
      for (let p = start; p < end; p += inner) if (x[p] > m) m = x[p];
      let s = 0;
      for (let p = start; p < end; p += inner) s += Math.exp(x[p] - m);
      if (log) {
        const shift = m + Math.log(s);
        for (let p = start; p < end; p += inner) y[p] = x[p] - shift;
      } else {
        const inv = 1 / s;
        for (let p = start; p < end; p += inner) y[p] = Math.exp(x[p] - m) * inv;
      }
    }
  }
}

/**
 * Backward of softmax from its output y: dx = y (dy - sum(dy y)); of log-softmax (log = true,
 * y = log-probabilities): dx = dy - exp(y) sum(dy). Sums over the middle axis of (outer, len, inner).
 */
export function softmaxBackward(
  y: Float32Array,
  dy: Float32Array,
  outer: number,
  len: number,
  inner: number,
  log: boolean,
  dx: Float32Array,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) {
      const start = base + i,
        end = start + len * inner;
      let s = 0;
      if (log) {
        for (let p = start; p < end; p += inner) s += dy[p];
        for (let p = start; p < end; p += inner) dx[p] = dy[p] - Math.exp(y[p]) * s;
      } else {
        for (let p = start; p < end; p += inner) s += dy[p] * y[p];
        for (let p = start; p < end; p += inner) dx[p] = y[p] * (dy[p] - s);
      }
    }
  }
}

/**
 * Softmax cross-entropy of logits z (n, c, inner) (classes on the middle axis) against class
 * indices target (n * inner): writes probs = softmax(z) over the classes, and loss: per position
 * (reduction 0, 'none'; 0 at ignored positions) or the total (2, 'sum') or the total divided by
 * the summed weights of the non-ignored targets (1, 'mean'), into loss[0]. Per position, with
 * l = log-sum-exp of the logits, wy = weight[y] (1 without weights), s = smoothing:
 * loss = -(1 - s) wy (z_y - l) - s / c * sum_k w_k (z_k - l). Positions whose target is
 * ignoreIndex contribute nothing; any other target outside [0, c) gives NaN (the op layer
 * rejects those before calling).
 */
export function crossEntropyForward(
  z: Float32Array,
  target: Int32Array,
  weight: Float32Array | null,
  n: number,
  c: number,
  inner: number,
  ignoreIndex: number,
  smoothing: number,
  reduction: number,
  probs: Float32Array,
  loss: Float32Array,
): void {
  let total = 0,
    denom = 0;
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < inner; j++) {
      const pos = b * inner + j,
        start = b * c * inner + j,
        end = start + c * inner;
      let m = -Infinity;
      for (let p = start; p < end; p += inner) if (z[p] > m) m = z[p];
      let s = 0;
      for (let p = start; p < end; p += inner) s += Math.exp(z[p] - m);
      const l = m + Math.log(s);
      for (let p = start; p < end; p += inner) probs[p] = Math.exp(z[p] - l);
      const y = target[pos];
      let v = 0;
      if (y !== ignoreIndex) {
        if (y < 0 || y >= c) {
          v = NaN;
        } else {
          const wy = weight !== null ? weight[y] : 1;
          denom += wy;
          v = -(1 - smoothing) * wy * (z[start + y * inner] - l);
          if (smoothing > 0) {
            let sm = 0;
            for (let k = 0, p = start; k < c; k++, p += inner) sm -= (weight !== null ? weight[k] : 1) * (z[p] - l);
            v += (smoothing / c) * sm;
          }
        }
      }
      if (reduction === 0) loss[pos] = v;
      else total += v;
    }
  }
  if (reduction === 2) loss[0] = total;
  else if (reduction === 1) loss[0] = total / denom;
}

/**
 * Gradient of crossEntropyForward with respect to the logits, from its saved probs and the
 * incoming gradient gLoss (per position for reduction 0, else gLoss[0]); overwrites dz. Per
 * position, g = its scale (gLoss, divided by the summed weights for 'mean'), W = sum of the
 * class weights (c without weights): dz_k = g [(1 - s) wy (p_k - [k = y]) + s / c (W p_k - w_k)];
 * 0 at ignored positions.
 */
export function crossEntropyBackward(
  probs: Float32Array,
  target: Int32Array,
  weight: Float32Array | null,
  gLoss: Float32Array,
  n: number,
  c: number,
  inner: number,
  ignoreIndex: number,
  smoothing: number,
  reduction: number,
  dz: Float32Array,
): void {
  let wSum = c;
  if (weight !== null) {
    wSum = 0;
    for (let k = 0; k < c; k++) wSum += weight[k];
  }
  let denom = 0;
  if (reduction === 1) {
    for (let pos = 0; pos < n * inner; pos++) {
      const y = target[pos];
      if (y !== ignoreIndex && y >= 0 && y < c) denom += weight !== null ? weight[y] : 1;
    }
  }
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < inner; j++) {
      const pos = b * inner + j,
        start = b * c * inner + j;
      const y = target[pos];
      if (y === ignoreIndex || y < 0 || y >= c) {
        for (let k = 0, p = start; k < c; k++, p += inner) dz[p] = 0;
        continue;
      }
      const g = reduction === 0 ? gLoss[pos] : reduction === 1 ? gLoss[0] / denom : gLoss[0];
      const a = g * (1 - smoothing) * (weight !== null ? weight[y] : 1),
        e = (g * smoothing) / c;
      const pCoef = a + e * wSum;
      for (let k = 0, p = start; k < c; k++, p += inner)
        dz[p] = pCoef * probs[p] - e * (weight !== null ? weight[k] : 1);
      dz[start + y * inner] -= a;
    }
  }
}

/**
 * Batch normalisation of x (n, c, inner) per channel (the middle axis), statistics in float64.
 * Training: batch mean and biased variance; runMean / runVar (when given) become
 * (1 - momentum) old + momentum stat, with the unbiased variance. Evaluation: the running
 * statistics. y = (x - mean) invStd weight + bias (weight 1 / bias 0 when null); the mean and
 * invStd used are written to saveMean / saveInvStd (c each) for the backward.
 */
export function batchNormForward(
  x: Float32Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
  runMean: Float32Array | null,
  runVar: Float32Array | null,
  n: number,
  c: number,
  inner: number,
  training: boolean,
  momentum: number,
  eps: number,
  y: Float32Array,
  saveMean: Float32Array,
  saveInvStd: Float32Array,
): void {
  const count = n * inner;
  for (let ch = 0; ch < c; ch++) {
    let mu: number, is: number;
    if (training) {
      let s = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * inner;
        for (let j = 0; j < inner; j++) s += x[base + j];
      }
      mu = s / count;
      let v = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * inner;
        for (let j = 0; j < inner; j++) {
          const d = x[base + j] - mu;
          v += d * d;
        }
      }
      is = 1 / Math.sqrt(v / count + eps);
      if (runMean !== null && runVar !== null) {
        runMean[ch] = (1 - momentum) * runMean[ch] + momentum * mu;
        runVar[ch] = (1 - momentum) * runVar[ch] + momentum * (v / (count - 1));
      }
    } else {
      mu = (runMean as Float32Array)[ch];
      is = 1 / Math.sqrt((runVar as Float32Array)[ch] + eps);
    }
    saveMean[ch] = mu;
    saveInvStd[ch] = is;
    const a = is * (weight !== null ? weight[ch] : 1),
      sh = bias !== null ? bias[ch] : 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * inner;
      for (let j = 0; j < inner; j++) y[base + j] = (x[base + j] - mu) * a + sh;
    }
  }
}

/**
 * Backward of batchNormForward from the saved mean / invStd: dbias = sum(dy), dweight =
 * sum(dy x_hat) per channel (each written when not null); dx (when not null) = weight invStd / M
 * (M dy - sum(dy) - x_hat sum(dy x_hat)) in training (M = n inner), weight invStd dy in evaluation.
 */
export function batchNormBackward(
  x: Float32Array,
  dy: Float32Array,
  weight: Float32Array | null,
  saveMean: Float32Array,
  saveInvStd: Float32Array,
  n: number,
  c: number,
  inner: number,
  training: boolean,
  dx: Float32Array | null,
  dweight: Float32Array | null,
  dbias: Float32Array | null,
): void {
  const count = n * inner;
  for (let ch = 0; ch < c; ch++) {
    const mu = saveMean[ch],
      is = saveInvStd[ch],
      gm = weight !== null ? weight[ch] : 1;
    let s1 = 0,
      s2 = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * inner;
      for (let j = 0; j < inner; j++) {
        const gv = dy[base + j];
        s1 += gv;
        s2 += gv * (x[base + j] - mu) * is;
      }
    }
    if (dbias !== null) dbias[ch] = s1;
    if (dweight !== null) dweight[ch] = s2;
    if (dx === null) continue;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * inner;
      if (training) {
        const k = (gm * is) / count;
        for (let j = 0; j < inner; j++) dx[base + j] = k * (count * dy[base + j] - s1 - (x[base + j] - mu) * is * s2);
      } else {
        const k = gm * is;
        for (let j = 0; j < inner; j++) dx[base + j] = k * dy[base + j];
      }
    }
  }
}

/**
 * Convolution with its activation fused: y = act(conv(x, w) + bias) over the
 * (n, cOut, outH, outW) output, act applied with its alpha after the bias (conv2d, then the
 * unary op in place on the output's cells).
 */
export function conv2dAct(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  act: UnaryOp,
  alpha: number,
  y: Float32Array,
): void {
  conv2d(x, w, bias, g, y);
  const cells = y.subarray(0, g.n * g.cOut * g.outH * g.outW);
  unary(act, cells, cells, alpha);
}

/**
 * Convolution, activation and max pooling fused (inference): y = maxPool(act(conv(x, w) + bias))
 * with the pool geometry pg over the convolution's output; the composition of conv2dAct and
 * maxPool2d (indices discarded). Throws when pg does not describe the convolution's output.
 */
export function conv2dActPool(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  act: UnaryOp,
  alpha: number,
  pg: Pool2dGeometry,
  y: Float32Array,
): void {
  checkActPoolGeometry(g, pg);
  const t = new Float32Array(g.n * g.cOut * g.outH * g.outW);
  conv2dAct(x, w, bias, g, act, alpha, t);
  maxPool2d(t, pg, y, new Int32Array(pg.n * pg.c * pg.outH * pg.outW));
}

/** Throws unless the pool geometry pg runs over the output of the convolution geometry g. */
export function checkActPoolGeometry(g: Conv2dGeometry, pg: Pool2dGeometry): void {
  if (pg.n !== g.n || pg.c !== g.cOut || pg.h !== g.outH || pg.w !== g.outW)
    throw new RangeError(
      `conv2dActPool: the pool's input (n ${pg.n}, c ${pg.c}, ${pg.h}x${pg.w}) is not the convolution's output (n ${g.n}, c ${g.cOut}, ${g.outH}x${g.outW})`,
    );
}
