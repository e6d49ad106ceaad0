/** Helpers to build parameter groups, e.g. weight decay (and L1) on weights but not on biases and norm gains. */
import { Tensor } from '../tensor/tensor.js';

/** A parameter group made by paramGroupsWithoutDecay. */
export interface DecayGroup {
  /** The group's parameters. */
  params: Tensor[];
  /** Its weight decay. */
  weightDecay: number;
  /** Its L1 lambda (only when the l1 option was given). */
  l1?: number;
}

/** Two groups from named parameters: decayed ones, and those skipped (1-D params and biases by default). */
export function paramGroupsWithoutDecay(
  named: Iterable<readonly [string, Tensor]>,
  weightDecay: number,
  options: {
    skip?: (name: string, param: Tensor) => boolean;
    /** An L1 lambda (optimizer option `l1`) for the decayed group too; the skipped group gets l1 0. */
    l1?: number;
  } = {},
): [DecayGroup, DecayGroup] {
  if (!(weightDecay >= 0))
    throw new RangeError(`paramGroupsWithoutDecay: weightDecay must be >= 0, got ${weightDecay}`);
  const l1 = options.l1;
  if (l1 !== undefined && !(l1 >= 0 && Number.isFinite(l1)))
    throw new RangeError(`paramGroupsWithoutDecay: l1 must be a finite number >= 0, got ${l1}`);
  const skip = options.skip ?? ((name: string, p: Tensor) => p.ndim <= 1 || name === 'bias' || name.endsWith('.bias'));
  const decay: Tensor[] = [],
    noDecay: Tensor[] = [];
  for (const [name, p] of named) {
    if (!(p instanceof Tensor)) throw new TypeError(`paramGroupsWithoutDecay: '${name}' is not a Tensor`);
    (skip(name, p) ? noDecay : decay).push(p);
  }
  if (l1 === undefined)
    return [
      { params: decay, weightDecay },
      { params: noDecay, weightDecay: 0 },
    ];
  return [
    { params: decay, weightDecay, l1 },
    { params: noDecay, weightDecay: 0, l1: 0 },
  ];
}
