/** randperm: a random permutation of 0..n-1 as an int32 Tensor, like torch.randperm. */
import { randperm as permutation } from '../random.js';
import { Tensor } from '../tensor.js';

/** A random permutation of 0..n-1 (int32, shape [n]) drawn from the global generator (manualSeed). */
export function randperm(n: number): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`randperm: n must be a non-negative integer, got ${String(n)}`);
  return new Tensor(permutation(n), [n]);
}
