/** RMSprop: gradients divided by a running root-mean-square, optionally centered and with momentum (rmspropUpdate kernel). */
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

/** RMSprop hyperparameters. */
export interface RMSpropHyper extends BaseHyper {
  /** Smoothing constant of the squared-gradient average. */
  alpha: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Momentum factor applied to the normalized step. */
  momentum: number;
  /** Normalize by the estimated variance (subtracting the squared mean gradient). */
  centered: boolean;
}

/** RMSprop, like torch.optim.RMSprop. */
export class RMSprop extends Optimizer<RMSpropHyper> {
  /** Its update is one kernel call (the arrays stay on the GPU with the webgpu backend). */
  protected override readonly updatesWithKernels = true;
  /** Creates the optimizer (lr defaults to 1e-2). */
  constructor(params: ParamsInput<RMSpropHyper>, options: Partial<RMSpropHyper> = {}) {
    super('RMSprop', params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<RMSpropHyper>): void {
    super.validate(g);
    this.requireNonNegative(g, 'alpha', 'eps', 'momentum', 'weightDecay');
  }

  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<RMSpropHyper>): void {
    const { lr, alpha, eps, weightDecay: wd, momentum, centered } = group;
    const n = p.length;
    nextStep(state);
    const sq = buffer(state, 'squareAvg', n);
    const ga = centered ? buffer(state, 'gradAvg', n) : null;
    const mb = momentum > 0 ? buffer(state, 'momentumBuffer', n) : null;
    getBackend().rmspropUpdate(p, g, sq, ga, mb, lr, alpha, eps, wd, momentum);
  }

  /** Per-coordinate threshold lr * lambda / (sqrt(squareAvg [- gradAvg^2]) + eps), RMSprop's step size. */
  protected override proximalL1(p: Float32Array, state: ParamState, group: ParamGroup<RMSpropHyper>, l: number): void {
    const sq = state.squareAvg as Float32Array;
    const ga = group.centered ? (state.gradAvg as Float32Array) : null;
    softThresholdScaledArray_(p, group.lr * l, (i) => Math.sqrt(ga ? sq[i] - ga[i] * ga[i] : sq[i]) + group.eps);
  }
}
