/**
 * WGSL optimizer updates, one thread per parameter element, in place: SGD (momentum,
 * Nesterov, dampening via bufScale, gradient sign), Adam / AdamW (AMSGrad), Adagrad and
 * RMSprop (centered, momentum). Scalars that depend only on the step (bias corrections, decay
 * factors) are computed on the host in float64 and passed as float32 uniforms.
 */
import type { GpuRunner } from '../dispatch.js';
import { check, elementwise } from './common.js';

function sameLength(kernel: string, p: Float32Array, others: Record<string, Float32Array | null>): void {
  for (const [name, a] of Object.entries(others))
    if (a !== null) check(a.length >= p.length, kernel, `${name} has ${a.length} elements, p ${p.length}`);
}

/** One SGD step in place (see the kernel table for the formula). */
export function sgdUpdate(
  r: GpuRunner,
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
  sameLength('sgdUpdate', p, { g, buf });
  elementwise(
    r,
    `sgdUpdate${buf ? (nesterov ? ':nesterov' : ':momentum') : ''}`,
    p.length,
    [
      { name: 'PA', array: p, write: true },
      { name: 'G', array: g },
      { name: 'BUF', array: buf, write: true },
    ],
    [
      ['lr', 'f32', lr],
      ['wd', 'f32', weightDecay],
      ['gs', 'f32', gradSign],
      ['mom', 'f32', momentum],
      ['bs', 'f32', bufScale],
    ],
    buf === null
      ? 'PA[i] = PA[i] - P.lr * (P.gs * G[i] + P.wd * PA[i]);'
      : `let d = P.gs * G[i] + P.wd * PA[i];
  let b = P.mom * BUF[i] + P.bs * d;
  BUF[i] = b;
  PA[i] = PA[i] - P.lr * (${nesterov ? 'd + P.mom * b' : 'b'});`,
  );
}

/** One Adam / AdamW step in place (AMSGrad when vmax is given). */
export function adamUpdate(
  r: GpuRunner,
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
  sameLength('adamUpdate', p, { g, m, v, vmax });
  check(Number.isInteger(step) && step >= 1, 'adamUpdate', `step = ${step} (must be an integer >= 1)`);
  elementwise(
    r,
    `adamUpdate${vmax ? ':amsgrad' : ''}`,
    p.length,
    [
      { name: 'PA', array: p, write: true },
      { name: 'G', array: g },
      { name: 'M1', array: m, write: true },
      { name: 'V2', array: v, write: true },
      { name: 'VMAX', array: vmax, write: true },
    ],
    [
      ['stepSize', 'f32', lr / (1 - beta1 ** step)],
      ['invBc2', 'f32', 1 / Math.sqrt(1 - beta2 ** step)],
      ['decay', 'f32', decoupled ? 1 - lr * weightDecay : 1],
      ['l2', 'f32', decoupled ? 0 : weightDecay],
      ['b1', 'f32', beta1],
      ['b2', 'f32', beta2],
      ['c1', 'f32', 1 - beta1],
      ['c2', 'f32', 1 - beta2],
      ['eps', 'f32', eps],
    ],
    /* wgsl */ `
  let w = PA[i] * P.decay;
  let d = G[i] + P.l2 * w;
  let mi = P.b1 * M1[i] + P.c1 * d;
  let vi = P.b2 * V2[i] + P.c2 * d * d;
  M1[i] = mi;
  V2[i] = vi;
  ${vmax ? 'let vv = max(VMAX[i], vi); VMAX[i] = vv;' : 'let vv = vi;'}
  PA[i] = w - (P.stepSize * mi) / (sqrt(vv) * P.invBc2 + P.eps);`,
  );
}

/** One Adagrad step in place (lr already decayed). */
export function adagradUpdate(
  r: GpuRunner,
  p: Float32Array,
  g: Float32Array,
  sum: Float32Array,
  lr: number,
  weightDecay: number,
  eps: number,
): void {
  sameLength('adagradUpdate', p, { g, sum });
  elementwise(
    r,
    'adagradUpdate',
    p.length,
    [
      { name: 'PA', array: p, write: true },
      { name: 'G', array: g },
      { name: 'SUM', array: sum, write: true },
    ],
    [
      ['lr', 'f32', lr],
      ['wd', 'f32', weightDecay],
      ['eps', 'f32', eps],
    ],
    /* wgsl */ `
  let d = G[i] + P.wd * PA[i];
  let s = SUM[i] + d * d;
  SUM[i] = s;
  PA[i] = PA[i] - (P.lr * d) / (sqrt(s) + P.eps);`,
  );
}

/** One RMSprop step in place (centered when gradAvg is given, with momentum when momentumBuffer is). */
export function rmspropUpdate(
  r: GpuRunner,
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
  sameLength('rmspropUpdate', p, { g, squareAvg, gradAvg, momentumBuffer });
  elementwise(
    r,
    `rmspropUpdate${gradAvg ? ':centered' : ''}${momentumBuffer ? ':momentum' : ''}`,
    p.length,
    [
      { name: 'PA', array: p, write: true },
      { name: 'G', array: g },
      { name: 'SQ', array: squareAvg, write: true },
      { name: 'GA', array: gradAvg, write: true },
      { name: 'MB', array: momentumBuffer, write: true },
    ],
    [
      ['lr', 'f32', lr],
      ['alpha', 'f32', alpha],
      ['c', 'f32', 1 - alpha],
      ['eps', 'f32', eps],
      ['wd', 'f32', weightDecay],
      ['mom', 'f32', momentum],
    ],
    /* wgsl */ `
  let d = G[i] + P.wd * PA[i];
  let s = P.alpha * SQ[i] + P.c * d * d;
  SQ[i] = s;
  ${
    gradAvg
      ? 'let ga = P.alpha * GA[i] + P.c * d; GA[i] = ga; let avg = sqrt(s - ga * ga) + P.eps;'
      : 'let avg = sqrt(s) + P.eps;'
  }
  ${momentumBuffer ? 'let b = P.mom * MB[i] + d / avg; MB[i] = b; PA[i] = PA[i] - P.lr * b;' : 'PA[i] = PA[i] - (P.lr * d) / avg;'}`,
  );
}
