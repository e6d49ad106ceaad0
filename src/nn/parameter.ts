/**
 * `nn.Parameter(t)`: marks a tensor as a parameter, as `torch.nn.Parameter` does. A marked
 * tensor assigned to a property of a Module registers itself as that module's parameter
 * (`this.scale = nn.Parameter(ones([1]))`); a plain tensor assigned to a property stays an
 * ordinary attribute (kept state, not trained), as in PyTorch. Every tensor registered with
 * `registerParameter` (a layer's `weight` and `bias`) is marked too, so `nn.isParameter` and
 * `p instanceof nn.Parameter` hold for it.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';

/** The tensors marked as parameters (a WeakSet: marking keeps nothing alive). */
const marked = new WeakSet<Tensor>();

/** Whether `value` is a tensor marked as a parameter (by `nn.Parameter` or `registerParameter`). */
export function isParameter(value: unknown): value is Tensor {
  return value instanceof Tensor && marked.has(value);
}

/** Marks `t` as a parameter (Module.registerParameter does this for every tensor it registers). */
export function markParameter(t: Tensor): void {
  marked.add(t);
}

/**
 * The type of `nn.Parameter`: called as `nn.Parameter(t)` (like Python, without `new`);
 * `x instanceof nn.Parameter` tests the mark (and narrows nothing: a parameter is a Tensor).
 */
export interface ParameterConstructor {
  /** Marks `data` as a parameter (see `Parameter`). */
  (data: Tensor, requiresGrad?: boolean): Tensor;
  /** `x instanceof nn.Parameter`: whether x is a tensor marked as a parameter. */
  [Symbol.hasInstance](value: unknown): boolean;
}

function makeParameter(data: Tensor, requiresGrad = true): Tensor {
  if (!(data instanceof Tensor))
    throw new TypeError(
      `nn.Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}; wrap values first, e.g. nn.Parameter(tensor([1, 2]))`,
    );
  if (data.dtype !== 'float32')
    throw new TypeError(
      `nn.Parameter: only float32 tensors can be parameters, got ${data.dtype} (shape ${fmt(data.shape)}); convert it with .float()`,
    );
  // PyTorch's Parameter(t) is a leaf sharing t's storage: a leaf is marked as it is, a tensor
  // computed in a graph is cut from it first (detach shares the storage)
  const p = data.isLeaf ? data : data.detach();
  p.requiresGrad_(requiresGrad);
  marked.add(p);
  return p;
}

/**
 * Marks a float32 tensor as a trainable parameter (requiresGrad set unless `requiresGrad` is
 * false) and returns it: a leaf tensor itself, a tensor computed in a graph detached first
 * (sharing its storage), as `torch.nn.Parameter(data, requires_grad)`. Assign the result to a
 * module property to register it: `this.alpha = nn.Parameter(full([1], 0.25))`.
 */
export const Parameter: ParameterConstructor = makeParameter as unknown as ParameterConstructor;
Object.defineProperty(Parameter, Symbol.hasInstance, { value: isParameter });
