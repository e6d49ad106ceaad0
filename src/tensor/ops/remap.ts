/**
 * Per-axis index remapping: out[i0, ..., ik] = x[m0[i0], ..., mk[ik]]. The engine behind flip
 * and repeat; its gradient scatter-adds back through the same map.
 */
import { record } from '../../autograd/engine.js';
import { allocStorage, empty } from '../alloc.js';
import { sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Builds out (shape = map lengths) from x through one source-index map per axis; keeps int32. */
export function remap(name: string, x: Tensor, maps: readonly Int32Array[]): Tensor {
  const rank = x.ndim;
  const outShape = maps.map((m) => m.length);
  const total = sizeOf(outShape);
  const inStrides = stridesOf(x.shape);
  const src = new Int32Array(total);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let p = 0;
    for (let d = 0; d < rank; d++) p += maps[d][idx[d]] * inStrides[d];
    src[o] = p;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  const data = x.dtype === 'int32' ? new Int32Array(total) : allocStorage(total);
  const xd = x.data;
  for (let o = 0; o < total; o++) data[o] = xd[src[o]];
  return record(new Tensor(data, outShape), name, [x], (g) => {
    const gx = empty(x.shape),
      gd = gx.f32,
      gs = g.data;
    for (let o = 0; o < total; o++) gd[src[o]] += gs[o];
    return [gx];
  });
}
