/** Gradient clipping: by global norm (clipGradNorm_) and by value (clipGradValue_), in place. */
import { Tensor } from '../tensor/tensor.js';

function withGrads(params: Iterable<Tensor> | Tensor): Float32Array[] {
  const list = params instanceof Tensor ? [params] : [...params];
  const out: Float32Array[] = [];
  for (const p of list) if (p.grad) out.push(p.grad.f32);
  return out;
}

/**
 * Scales all gradients together so that their joint norm (of order normType; Infinity for the
 * max-abs norm) is at most maxNorm, like torch.nn.utils.clip_grad_norm_. Returns the total
 * norm before clipping. Throws on a non-finite norm when errorIfNonfinite is set.
 */
export function clipGradNorm_(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, options: { errorIfNonfinite?: boolean } = {}): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm_: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm_: normType must be > 0 (or Infinity), got ${normType}`);
  const grads = withGrads(params);
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) { const a = Math.abs(g[i]); if (a > total || Number.isNaN(a)) total = a; }
  } else {
    let acc = 0;
    for (const g of grads) {
      if (normType === 2) for (let i = 0; i < g.length; i++) acc += g[i] * g[i];
      else if (normType === 1) for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]);
      else for (let i = 0; i < g.length; i++) acc += Math.pow(Math.abs(g[i]), normType);
    }
    total = normType === 2 ? Math.sqrt(acc) : normType === 1 ? acc : Math.pow(acc, 1 / normType);
  }
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${total}`);
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return total;
}

/** Clamps every gradient element to [-clipValue, clipValue] in place (torch clip_grad_value_). */
export function clipGradValue_(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw new RangeError(`clipGradValue_: clipValue must be >= 0, got ${clipValue}`);
  for (const g of withGrads(params)) {
    for (let i = 0; i < g.length; i++) {
      const v = g[i];
      g[i] = v > clipValue ? clipValue : v < -clipValue ? -clipValue : v;
    }
  }
}
