/** Stochastic gradient descent with momentum (PyTorch's, the lecture's, or Sutskever's form), Nesterov and weight decay. */
import { getBackend } from '../backend/index.js';
import { Optimizer, buffer, type BaseHyper, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

/**
 * How the velocity is accumulated:
 * - 'pytorch': b <- momentum*b + (1-dampening)*g (b = g on the first step); w <- w - lr*b.
 * - 'lecture': the lecture's "SGD with momentum": v <- alpha*v + g (v starts at 0); w <- w - eta*v.
 *   With dampening 0 it gives the same numbers as 'pytorch'; dampening is not part of it.
 * - 'sutskever': v <- alpha*v + eta*g; w <- w - v (learning rate folded into the velocity, as
 *   in Sutskever et al. 2013 / CS231n); differs from the others when lr changes over time.
 */
export type MomentumForm = 'pytorch' | 'lecture' | 'sutskever';

/** SGD hyperparameters. */
export interface SGDHyper extends BaseHyper {
  /** Momentum factor (alpha); 0 disables momentum. */
  momentum: number;
  /** Dampening of the gradient added to the momentum buffer ('pytorch' form only). */
  dampening: number;
  /** L2 penalty coefficient added to the gradient (g += weightDecay * w). */
  weightDecay: number;
  /** Nesterov accelerated gradient (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Which momentum formula to use (see MomentumForm). */
  momentumForm: MomentumForm;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** Plain / momentum / Nesterov SGD, like torch.optim.SGD. */
export class SGD extends Optimizer<SGDHyper> {
  /** Its update is one kernel call (the arrays stay on the GPU with the webgpu backend). */
  protected override readonly updatesWithKernels = true;
  /** Creates the optimizer; `lr` is required. */
  constructor(params: ParamsInput<SGDHyper>, options: Partial<SGDHyper> & { lr: number }) {
    super('SGD', params, {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      momentumForm: 'pytorch',
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<SGDHyper>): void {
    super.validate(g);
    this.requireNonNegative(g, 'momentum', 'weightDecay');
    if (!['pytorch', 'lecture', 'sutskever'].includes(g.momentumForm))
      throw new RangeError(
        `SGD: unknown momentumForm '${g.momentumForm}' (expected 'pytorch', 'lecture' or 'sutskever')`,
      );
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0))
      throw new RangeError(
        `SGD: nesterov needs momentum > 0 and dampening 0 (got momentum ${g.momentum}, dampening ${g.dampening})`,
      );
    if (g.maximize && (g.l1 ?? 0) > 0)
      throw new RangeError(`SGD: l1 ${g.l1} penalizes a loss being minimized; it cannot be combined with maximize`);
    if (g.dampening !== 0 && g.momentumForm !== 'pytorch')
      throw new RangeError(
        `SGD: dampening ${g.dampening} applies only to momentumForm 'pytorch', not '${g.momentumForm}'`,
      );
  }

  protected updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<SGDHyper>): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov, momentumForm, maximize } = group;
    const sg = maximize ? -1 : 1;
    const be = getBackend();
    if (mu === 0) {
      be.sgdUpdate(p, g, null, lr, wd, sg, 0, 1, false);
      return;
    }
    const n = p.length;
    if (momentumForm === 'sutskever') {
      // v = mu v + lr d; p -= nesterov ? mu v + lr d : v: the kernel's form with the learning
      // rate folded into the gradient terms (d' = lr d) and a unit step
      be.sgdUpdate(p, g, buffer(state, 'momentumBuffer', n), 1, lr * wd, lr * sg, mu, 1, nesterov);
      return;
    }
    // 'pytorch' and 'lecture': the lecture's v starts at 0, so v = g on the first step either way
    const first = !(state.momentumBuffer instanceof Float32Array);
    const b = buffer(state, 'momentumBuffer', n);
    const keep = momentumForm === 'pytorch' && !first ? 1 - dampening : 1;
    be.sgdUpdate(p, g, b, lr, wd, sg, mu, keep, nesterov);
  }
}
