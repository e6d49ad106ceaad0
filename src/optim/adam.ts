/** Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay). */
import { Optimizer, buffer, nextStep, type BaseHyper, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

/** Adam / AdamW hyperparameters. */
export interface AdamHyper extends BaseHyper {
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay w <- w*(1 - lr*weightDecay). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
}

function adamUpdate(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>, decoupled: boolean): void {
  const { lr, betas: [b1, b2], eps, weightDecay: wd, amsgrad } = group;
  const n = p.length;
  const step = nextStep(state);
  const m = buffer(state, 'expAvg', n);
  const v = buffer(state, 'expAvgSq', n);
  const vmax = amsgrad ? buffer(state, 'maxExpAvgSq', n) : null;
  const stepSize = lr / (1 - Math.pow(b1, step));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
  const decay = decoupled ? 1 - lr * wd : 1;
  const l2 = decoupled ? 0 : wd;
  const c1 = 1 - b1, c2 = 1 - b2, invBc2 = 1 / bc2Sqrt;
  for (let i = 0; i < n; i++) {
    const w = p[i] * decay;
    const d = g[i] + l2 * w;
    const mi = b1 * m[i] + c1 * d;
    const vi = b2 * v[i] + c2 * d * d;
    m[i] = mi; v[i] = vi;
    let vv = vi; // AMSGrad divides by the running maximum of the second moment
    if (vmax) { vv = Math.max(vmax[i], vi); vmax[i] = vv; }
    p[i] = w - (stepSize * mi) / (Math.sqrt(vv) * invBc2 + eps);
  }
}

function checkAdam(name: string, g: ParamGroup<AdamHyper>): void {
  const [b1, b2] = g.betas;
  if (!(b1 >= 0 && b1 < 1)) throw new RangeError(`${name}: invalid beta1 ${b1} (need 0 <= beta1 < 1)`);
  if (!(b2 >= 0 && b2 < 1)) throw new RangeError(`${name}: invalid beta2 ${b2} (need 0 <= beta2 < 1)`);
}

/** Adam, like torch.optim.Adam (weightDecay is an L2 term added to the gradient). */
export class Adam extends Optimizer<AdamHyper> {
  /** Creates the optimizer (lr 1e-3, betas [0.9, 0.999], eps 1e-8 by default). */
  constructor(params: ParamsInput<AdamHyper>, options: Partial<AdamHyper> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...options });
  }
  protected override validate(g: ParamGroup<AdamHyper>): void { super.validate(g); checkAdam('Adam', g); this.requireNonNegative(g, 'eps', 'weightDecay'); }
  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>): void {
    adamUpdate(p, g, state, group, false);
  }
}

/** AdamW, like torch.optim.AdamW: weight decay decoupled from the gradient (weightDecay 1e-2 by default). */
export class AdamW extends Optimizer<AdamHyper> {
  /** Creates the optimizer (lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2 by default). */
  constructor(params: ParamsInput<AdamHyper>, options: Partial<AdamHyper> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, ...options });
  }
  protected override validate(g: ParamGroup<AdamHyper>): void { super.validate(g); checkAdam('AdamW', g); this.requireNonNegative(g, 'eps', 'weightDecay'); }
  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>): void {
    adamUpdate(p, g, state, group, true);
  }
}
