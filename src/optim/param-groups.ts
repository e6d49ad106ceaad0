/** Helpers to build parameter groups, e.g. weight decay on weights but not on biases and norm gains. */
import { Tensor } from '../tensor/tensor.js';

/** Two groups from named parameters: decayed ones, and those skipped (1-D params and biases by default). */
export function paramGroupsWithoutDecay(
  named: Iterable<readonly [string, Tensor]>,
  weightDecay: number,
  options: { skip?: (name: string, param: Tensor) => boolean } = {},
): [{ params: Tensor[]; weightDecay: number }, { params: Tensor[]; weightDecay: number }] {
  if (!(weightDecay >= 0))
    throw new RangeError(`paramGroupsWithoutDecay: weightDecay must be >= 0, got ${weightDecay}`);
  const skip = options.skip ?? ((name: string, p: Tensor) => p.ndim <= 1 || name === 'bias' || name.endsWith('.bias'));
  const decay: Tensor[] = [],
    noDecay: Tensor[] = [];
  for (const [name, p] of named) {
    if (!(p instanceof Tensor)) throw new TypeError(`paramGroupsWithoutDecay: '${name}' is not a Tensor`);
    (skip(name, p) ? noDecay : decay).push(p);
  }
  return [
    { params: decay, weightDecay },
    { params: noDecay, weightDecay: 0 },
  ];
}
