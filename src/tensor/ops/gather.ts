/** gather: picks one element per position along an axis by an index tensor (torch.gather). */
import { record } from '../../autograd/engine.js';
import { allocStorage, empty } from '../alloc.js';
import { fmt, normAxis, sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectTensor } from './check.js';

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (and likewise for any axis and rank).
 * `index` is an integer tensor of x's rank whose sizes do not exceed x's outside `dim`; the
 * result has index's shape. Negative indices count from the end. The gradient scatter-adds
 * into x (repeated indices accumulate), which makes gather the natural way to pick the
 * target-class log-probability in a loss.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  expectTensor('gather', 'input', x);
  expectTensor('gather', 'index', index);
  const a = normAxis('gather', dim, x.ndim);
  if (index.ndim !== x.ndim || index.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new RangeError(
      `gather: index of shape ${fmt(index.shape)} does not fit input of shape ${fmt(x.shape)} along axis ${dim} (same rank, sizes no larger outside the axis)`,
    );
  }
  const n = x.shape[a];
  const outShape = index.shape.slice();
  const total = sizeOf(outShape);
  const xs = stridesOf(x.shape);
  const src = new Int32Array(total);
  const pos = new Array<number>(outShape.length).fill(0);
  const id = index.data;
  for (let o = 0; o < total; o++) {
    const k = id[o];
    if (!Number.isInteger(k) || k < -n || k >= n)
      throw new RangeError(
        `gather: index ${k} is out of range for axis ${dim} of size ${n} (input shape ${fmt(x.shape)})`,
      );
    let p = 0;
    for (let d = 0; d < outShape.length; d++) p += (d === a ? (k < 0 ? k + n : k) : pos[d]) * xs[d];
    src[o] = p;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++pos[d] < outShape[d]) break;
      pos[d] = 0;
    }
  }
  const data = x.dtype === 'int32' ? new Int32Array(total) : allocStorage(total);
  const xd = x.data;
  for (let o = 0; o < total; o++) data[o] = xd[src[o]];
  return record(new Tensor(data, outShape), 'gather', [x], (g) => {
    const gx = empty(x.shape),
      gd = gx.f32,
      gs = g.data;
    for (let o = 0; o < total; o++) gd[src[o]] += gs[o];
    return [gx];
  });
}
