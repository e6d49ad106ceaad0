/** Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), on the adamUpdate kernel. */
import { getBackend } from '../backend/index.js';
import { softThresholdScaledArray_ } from './proximal.js';
import {
  Optimizer,
  buffer,
  nextStep,
  type BaseHyper,
  type ParamGroup,
  type ParamsInput,
  type ParamState,
} from './optimizer.js';

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

function adamStep(
  p: Float32Array,
  g: Float32Array,
  state: ParamState,
  group: ParamGroup<AdamHyper>,
  decoupled: boolean,
): void {
  const {
    lr,
    betas: [b1, b2],
    eps,
    weightDecay: wd,
    amsgrad,
  } = group;
  const n = p.length;
  const step = nextStep(state);
  const m = buffer(state, 'expAvg', n);
  const v = buffer(state, 'expAvgSq', n);
  const vmax = amsgrad ? buffer(state, 'maxExpAvgSq', n) : null;
  getBackend().adamUpdate(p, g, m, v, vmax, lr, b1, b2, eps, wd, decoupled, step);
}

/**
 * Preconditioned proximal L1 step after an Adam/AdamW update (ProxGen, Yun et al. 2021):
 * per coordinate threshold lr * lambda / (sqrt(v_hat) + eps), the step size Adam used there.
 */
function adamProximalL1(p: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>, lambda: number): void {
  const { lr, eps, amsgrad } = group;
  const step = state.step as number;
  const v = (amsgrad ? state.maxExpAvgSq : state.expAvgSq) as Float32Array;
  const bc2 = Math.sqrt(1 - group.betas[1] ** step);
  softThresholdScaledArray_(p, lr * lambda, (i) => Math.sqrt(v[i]) / bc2 + eps);
}

function checkAdam(name: string, g: ParamGroup<AdamHyper>): void {
  const [b1, b2] = g.betas;
  if (!(b1 >= 0 && b1 < 1)) throw new RangeError(`${name}: invalid beta1 ${b1} (need 0 <= beta1 < 1)`);
  if (!(b2 >= 0 && b2 < 1)) throw new RangeError(`${name}: invalid beta2 ${b2} (need 0 <= beta2 < 1)`);
}

/** Adam, like torch.optim.Adam (weightDecay is an L2 term added to the gradient). */
export class Adam extends Optimizer<AdamHyper> {
  /** Its update is one kernel call (the arrays stay on the GPU with the webgpu backend). */
  protected override readonly updatesWithKernels = true;
  /** Creates the optimizer (lr 1e-3, betas [0.9, 0.999], eps 1e-8 by default). */
  constructor(params: ParamsInput<AdamHyper>, options: Partial<AdamHyper> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...options });
  }
  protected override validate(g: ParamGroup<AdamHyper>): void {
    super.validate(g);
    checkAdam('Adam', g);
    this.requireNonNegative(g, 'eps', 'weightDecay');
  }
  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>): void {
    adamStep(p, g, state, group, false);
  }
  protected override proximalL1(p: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>, l: number): void {
    adamProximalL1(p, state, group, l);
  }
}

/** AdamW, like torch.optim.AdamW: weight decay decoupled from the gradient (weightDecay 1e-2 by default). */
export class AdamW extends Optimizer<AdamHyper> {
  /** Its update is one kernel call (the arrays stay on the GPU with the webgpu backend). */
  protected override readonly updatesWithKernels = true;
  /** Creates the optimizer (lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2 by default). */
  constructor(params: ParamsInput<AdamHyper>, options: Partial<AdamHyper> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, ...options });
  }
  protected override validate(g: ParamGroup<AdamHyper>): void {
    super.validate(g);
    checkAdam('AdamW', g);
    this.requireNonNegative(g, 'eps', 'weightDecay');
  }
  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>): void {
    adamStep(p, g, state, group, true);
  }
  protected override proximalL1(p: Float32Array, state: ParamState, group: ParamGroup<AdamHyper>, l: number): void {
    adamProximalL1(p, state, group, l);
  }
}
