/** cumsum: running sums along a dim. */
import { record } from '../../autograd/engine.js';
import { allocStorage } from '../alloc.js';
import { normAxis, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { flip } from './flip.js';
import { expectTensor } from './check.js';

/**
 * out[..., i, ...] = sum of x[..., 0..i, ...] along `dim` (accumulated in float64, stored in
 * x's dtype). The gradient is the reversed cumulative sum of the incoming gradient.
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  expectTensor('cumsum', 'input', x);
  const a = normAxis('cumsum', dim, x.ndim);
  const outer = sizeOf(x.shape.slice(0, a)),
    len = x.shape[a],
    inner = sizeOf(x.shape.slice(a + 1));
  const out = x.dtype === 'int32' ? new Int32Array(x.size) : allocStorage(x.size);
  const xd = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let l = 0, p = o * len * inner + i; l < len; l++, p += inner) {
        acc += xd[p];
        out[p] = acc;
      }
    }
  }
  return record(new Tensor(out, x.shape), 'cumsum', [x], (g) => [flip(cumsum(flip(g, a), a), a)]);
}
