/** where: elementwise selection between two tensors by a condition, with broadcasting. */
import { noGrad, record } from '../../autograd/engine.js';
import { asTensor, empty, f32 } from '../alloc.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { expand } from './shape.js';
import { expectTensor, expectTensorOrNumber } from './check.js';

/** The values of x broadcast to shape (a copy only when the shape differs). */
function broadcastValues(x: Tensor, shape: readonly number[]): Float32Array {
  return sameShape(x.shape, shape) ? f32(x) : f32(noGrad(() => expand(x.detach(), shape.slice())));
}

/**
 * out = cond ? a : b elementwise (cond is true where nonzero), like torch.where. The three
 * operands broadcast together; a and b may be numbers. The gradient flows to a where cond
 * holds and to b elsewhere; cond gets none. Infinities and NaN in the unselected operand
 * never leak into the result.
 */
export function where(cond: Tensor, aIn: Tensor | number, bIn: Tensor | number): Tensor {
  expectTensor('where', 'condition', cond);
  expectTensorOrNumber('where', 'input', aIn);
  expectTensorOrNumber('where', 'other', bIn);
  const a = asTensor(aIn),
    b = asTensor(bIn);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const c = broadcastValues(cond, shape),
    av = broadcastValues(a, shape),
    bv = broadcastValues(b, shape);
  const out = empty(shape),
    od = out.f32;
  for (let i = 0; i < od.length; i++) od[i] = c[i] !== 0 ? av[i] : bv[i];
  return record(out, 'where', [a, b], (g) => {
    const gs = g.f32;
    const ga = a.requiresGrad ? empty(shape) : null,
      gb = b.requiresGrad ? empty(shape) : null;
    for (let i = 0; i < gs.length; i++) {
      if (c[i] !== 0) {
        if (ga) ga.f32[i] = gs[i];
      } else if (gb) gb.f32[i] = gs[i];
    }
    return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
  });
}
