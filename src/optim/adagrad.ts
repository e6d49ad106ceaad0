/** Adagrad: per-coordinate learning rates scaled by the root of the summed squared gradients (adagradUpdate kernel). */
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

/** Adagrad hyperparameters. */
export interface AdagradHyper extends BaseHyper {
  /** Learning-rate decay: lr_t = lr / (1 + (t-1) * lrDecay). */
  lrDecay: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Starting value of the squared-gradient sum. */
  initialAccumulatorValue: number;
  /** Added to the root of the sum for numerical stability. */
  eps: number;
}

/** Adagrad, like torch.optim.Adagrad. */
export class Adagrad extends Optimizer<AdagradHyper> {
  /** Its update is one kernel call (the arrays stay on the GPU with the webgpu backend). */
  protected override readonly updatesWithKernels = true;
  /** Creates the optimizer (lr defaults to 1e-2). */
  constructor(params: ParamsInput<AdagradHyper>, options: Partial<AdagradHyper> = {}) {
    super('Adagrad', params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<AdagradHyper>): void {
    super.validate(g);
    this.requireNonNegative(g, 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps');
  }

  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<AdagradHyper>): void {
    const { lr, lrDecay, weightDecay: wd, initialAccumulatorValue: init, eps } = group;
    const n = p.length;
    const step = nextStep(state);
    const sum = buffer(state, 'sum', n, init !== 0 ? new Float32Array(n).fill(init) : undefined);
    getBackend().adagradUpdate(p, g, sum, lr / (1 + (step - 1) * lrDecay), wd, eps);
  }

  /** Per-coordinate threshold clr * lambda / (sqrt(sum) + eps), as TensorFlow's ProximalAdagrad. */
  protected override proximalL1(p: Float32Array, state: ParamState, group: ParamGroup<AdagradHyper>, l: number): void {
    const clr = group.lr / (1 + ((state.step as number) - 1) * group.lrDecay);
    const sum = state.sum as Float32Array;
    softThresholdScaledArray_(p, clr * l, (i) => Math.sqrt(sum[i]) + group.eps);
  }
}
