/**
 * customOp: a user-defined differentiable op from a forward and a backward function, like a
 * torch.autograd.Function with static forward/backward. Check the backward with gradcheck.
 */
import { expectTensor } from '../tensor/ops/check.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad, record } from './engine.js';

/**
 * The backward of a custom op: given the gradient of the loss with respect to the output (same
 * shape as the output), the op's inputs and its output, returns one gradient per input (same
 * shape as that input), or null for an input that gets none. A single-input op may return the
 * gradient alone.
 */
export type CustomBackward = (
  grad: Tensor,
  inputs: readonly Tensor[],
  output: Tensor,
) => readonly (Tensor | null)[] | Tensor | null;

/**
 * Defines a differentiable op. `forward` computes the output from the input tensors (it runs
 * without recording a graph, so it may use any tensor ops, or build the result from raw data);
 * `backward` returns the input gradients. The returned function checks its arguments, runs
 * forward and records backward for autograd:
 *
 *     const cube = customOp('cube', (x) => x.mul(x).mul(x), (g, [x]) => g.mul(x.square().mul(3)));
 *     gradcheck(cube, [randn([3])]); // true
 */
export function customOp(
  name: string,
  forward: (...inputs: Tensor[]) => Tensor,
  backward: CustomBackward,
): (...inputs: Tensor[]) => Tensor {
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`customOp: name must be a non-empty string, got ${String(name)}`);
  if (typeof forward !== 'function')
    throw new TypeError(`customOp '${name}': forward must be a function, got ${typeof forward}`);
  if (typeof backward !== 'function')
    throw new TypeError(`customOp '${name}': backward must be a function, got ${typeof backward}`);
  const op = (...inputs: Tensor[]): Tensor => {
    inputs.forEach((x, i) => expectTensor(name, `input ${i}`, x));
    let out = noGrad(() => forward(...inputs));
    if (!(out instanceof Tensor))
      throw new TypeError(
        `customOp '${name}': forward must return a Tensor, got ${out === null ? 'null' : typeof out}`,
      );
    // a forward that returns one of its inputs (or a view of its storage) gets a copy, so the
    // recorded node never replaces the input's own gradient function
    if (inputs.some((x) => x === out || x.data === out.data)) out = new Tensor(out.data.slice(), out.shape);
    const output = out;
    return record(output, name, inputs, (grad) => {
      const r = backward(grad, inputs, output);
      const grads = Array.isArray(r) ? r : [r as Tensor | null];
      if (grads.length !== inputs.length) {
        throw new RangeError(
          `customOp '${name}': backward returned ${grads.length} gradients for ${inputs.length} inputs`,
        );
      }
      return grads.map((g, i) => {
        if (g === null || g === undefined) return null;
        if (!(g instanceof Tensor))
          throw new TypeError(
            `customOp '${name}': backward returned ${typeof g} for input ${i}; return a Tensor or null`,
          );
        if (!sameShape(g.shape, inputs[i].shape)) {
          throw new RangeError(
            `customOp '${name}': backward returned a gradient of shape ${fmt(g.shape)} for input ${i} of shape ${fmt(inputs[i].shape)}`,
          );
        }
        return g;
      });
    });
  };
  Object.defineProperty(op, 'name', { value: name });
  return op;
}
