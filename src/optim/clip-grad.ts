/**
 * Gradient clipping: by global norm (clipGradNorm_) and by value (clipGradValue_), in place.
 * Composed of tensor ops (reductions, clamp, scaling) run outside autograd; the results are
 * copied into the gradients' own storage, as PyTorch's in-place versions do.
 */
import { noGrad } from '../autograd/engine.js';
import { Tensor } from '../tensor/tensor.js';

function withGrads(params: Iterable<Tensor> | Tensor): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  const out: Tensor[] = [];
  for (const p of list) if (p.grad) out.push(p.grad);
  return out;
}

/** The norm of order normType of one gradient, before the root (max |g| for Infinity). */
function partialNorm(g: Tensor, normType: number): number {
  if (g.size === 0) return 0;
  if (normType === Infinity) return g.abs().max().item();
  if (normType === 2) return g.square().sum().item();
  if (normType === 1) return g.abs().sum().item();
  return g.abs().pow(normType).sum().item();
}

/**
 * Scales all gradients together so that their joint norm (of order normType; Infinity for the
 * max-abs norm) is at most maxNorm, like torch.nn.utils.clip_grad_norm_. Returns the total
 * norm before clipping. Throws on a non-finite norm when errorIfNonfinite is set.
 */
export function clipGradNorm_(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  options: { errorIfNonfinite?: boolean } = {},
): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm_: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm_: normType must be > 0 (or Infinity), got ${normType}`);
  const grads = withGrads(params);
  if (grads.length === 0) return 0;
  return noGrad(() => {
    let total = 0;
    if (normType === Infinity) {
      for (const g of grads) {
        const a = partialNorm(g, normType);
        if (a > total || Number.isNaN(a)) total = a;
      }
    } else {
      let acc = 0;
      for (const g of grads) acc += partialNorm(g, normType);
      total = normType === 2 ? Math.sqrt(acc) : normType === 1 ? acc : Math.pow(acc, 1 / normType);
    }
    if (options.errorIfNonfinite && !Number.isFinite(total)) {
      throw new RangeError(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${total}`);
    }
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) for (const g of grads) g.copy_(g.mul(coef));
    return total;
  });
}

/** Clamps every gradient element to [-clipValue, clipValue] in place (torch clip_grad_value_). */
export function clipGradValue_(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw new RangeError(`clipGradValue_: clipValue must be >= 0, got ${clipValue}`);
  noGrad(() => {
    for (const g of withGrads(params)) g.copy_(g.clamp(-clipValue, clipValue));
  });
}
