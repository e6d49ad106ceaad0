/**
 * Regularizers from the lecture, as differentiable penalties added to the loss
 * (L1, L2, elastic net), and the max-norm constraint applied to weights after a step.
 */
import { noGrad } from '../autograd/engine.js';
import { fmt, normAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { where } from '../tensor/ops/where.js';

function sumOver(name: string, params: Iterable<Tensor>, term: (p: Tensor) => Tensor): Tensor {
  let total: Tensor | null = null;
  for (const p of params) {
    if (!(p instanceof Tensor)) throw new TypeError(`${name}: params must be Tensors`);
    const t = term(p);
    total = total ? total.add(t) : t;
  }
  return total ?? new Tensor(new Float32Array(1), []);
}

function checkLambda(name: string, lambda: number): void {
  if (!(lambda >= 0) || !Number.isFinite(lambda))
    throw new RangeError(`${name}: lambda must be a finite number >= 0, got ${lambda}`);
}

/** L1 penalty lambda * sum |w| over all params (a scalar Tensor to add to the loss). */
export function l1Penalty(params: Iterable<Tensor>, lambda: number): Tensor {
  checkLambda('l1Penalty', lambda);
  return sumOver('l1Penalty', params, (p) => p.abs().sum()).mul(lambda);
}

/**
 * L2 penalty (lambda / 2) * sum w^2 (the lecture's L_reg = lambda 1/2 ||W||^2, whose gradient
 * lambda * w equals SGD's weightDecay = lambda).
 */
export function l2Penalty(params: Iterable<Tensor>, lambda: number): Tensor {
  checkLambda('l2Penalty', lambda);
  return sumOver('l2Penalty', params, (p) => p.square().sum()).mul(lambda / 2);
}

/** Elastic net, as in the lecture: l1 * sum |w| + l2 * sum w^2 (note: no 1/2 on the L2 term). */
export function elasticNetPenalty(params: Iterable<Tensor>, l1: number, l2: number): Tensor {
  checkLambda('elasticNetPenalty', l1);
  checkLambda('elasticNetPenalty', l2);
  const list = [...params];
  return sumOver('elasticNetPenalty', list, (p) => p.abs().sum())
    .mul(l1)
    .add(sumOver('elasticNetPenalty', list, (p) => p.square().sum()).mul(l2));
}

/**
 * Max-norm constraint (the lecture's "clamp weights to some max norm", Keras max_norm,
 * torch.renorm): each slice of a param along `dim` (a unit's incoming weight vector when
 * dim = 0 for [out, in, ...] weights) whose L2 norm exceeds maxNorm is rescaled to norm
 * maxNorm (scale maxNorm / (norm + 1e-7), as torch.renorm). Applies in place, outside autograd.
 */
export function maxNormConstraint_(params: Iterable<Tensor>, maxNorm: number, dim = 0): void {
  if (!(maxNorm >= 0) || !Number.isFinite(maxNorm))
    throw new RangeError(`maxNormConstraint_: maxNorm must be a finite number >= 0, got ${maxNorm}`);
  noGrad(() => {
    for (const p of params) {
      if (p.ndim === 0) throw new RangeError('maxNormConstraint_: cannot renormalize a 0-d tensor');
      const ax = normAxis('maxNormConstraint_', dim, p.ndim);
      const units = p.shape[ax];
      const inner = p.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
      const outer = p.shape.slice(0, ax).reduce((a, b) => a * b, 1);
      if (units === 0 || outer * inner === 0) continue;
      if (p.size !== outer * units * inner)
        throw new RangeError(`maxNormConstraint_: bad tensor of shape ${fmt(p.shape)}`);
      // per unit: norm over the other axes; units above maxNorm scaled by maxNorm / (norm + 1e-7)
      const view = p.reshape([outer, units, inner]);
      const norm = view.square().sum([0, 2]).sqrt();
      const scale = where(norm.gt(maxNorm), norm.add(1e-7).pow(-1).mul(maxNorm), 1);
      p.copy_(view.mul(scale.reshape([1, units, 1])));
    }
  });
}
