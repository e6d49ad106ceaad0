/** Matrix multiplication with PyTorch's rules for 1-D operands and batch broadcasting. */
import { record } from '../../autograd/engine.js';
import { getBackend } from '../../backend/index.js';
import { emptyUninit, f32Storage } from '../alloc.js';
import { broadcastShapes, fmt, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { expand, reshape } from './shape.js';
import { expectTensor } from './check.js';

/** C = A @ B on the last two axes, leading axes broadcast. Uses the backend GEMM. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor('matmul', 'input', a);
  expectTensor('matmul', 'other', b);
  if (a.ndim === 0 || b.ndim === 0)
    throw new RangeError(`matmul: both operands need at least 1 axis, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const ka = a.shape[a.ndim - 1],
    kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (ka !== kb) throw new RangeError(`matmul: inner sizes differ: ${fmt(a.shape)} @ ${fmt(b.shape)} (${ka} vs ${kb})`);
  // 1-D operands become matrices and the added axis is dropped afterwards
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const out = matmulNd(a2, b2);
  let shape = out.shape.slice();
  if (a.ndim === 1) shape.splice(shape.length - 2, 1);
  if (b.ndim === 1) shape = shape.slice(0, -1);
  return a.ndim === 1 || b.ndim === 1 ? reshape(out, shape) : out;
}

function matmulNd(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2],
    k = a.shape[a.ndim - 1];
  const k2 = b.shape[b.ndim - 2],
    n = b.shape[b.ndim - 1];
  if (k !== k2) throw new RangeError(`matmul: inner sizes differ: ${fmt(a.shape)} @ ${fmt(b.shape)} (${k} vs ${k2})`);
  const batchShape = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  const aFull = sizeOf(a.shape.slice(0, -2)) === batch || a.ndim === 2 ? a : expand(a, [...batchShape, m, k]);
  const bFull = sizeOf(b.shape.slice(0, -2)) === batch || b.ndim === 2 ? b : expand(b, [...batchShape, k, n]);
  const out = emptyUninit([...batchShape, m, n], 'matmul');
  const sa = aFull.ndim === 2 ? 0 : m * k,
    sb = bFull.ndim === 2 ? 0 : k * n;
  getBackend().gemm(
    false,
    false,
    batch,
    m,
    n,
    k,
    1,
    f32Storage(aFull),
    0,
    sa,
    f32Storage(bFull),
    0,
    sb,
    0,
    out.storageF32,
    0,
    m * n,
  );
  return record(out, 'matmul', [a, b], (g) => {
    let ga: Tensor | null = null,
      gb: Tensor | null = null;
    if (a.requiresGrad) {
      // dA = dC @ B^T, per batch, then summed over broadcast batch axes
      const full = emptyUninit([...batchShape, m, k]);
      getBackend().gemm(
        false,
        true,
        batch,
        m,
        k,
        n,
        1,
        g.storageF32,
        0,
        m * n,
        f32Storage(bFull),
        0,
        sb,
        0,
        full.storageF32,
        0,
        m * k,
      );
      ga = sumTo(full, a.shape);
    }
    if (b.requiresGrad) {
      const full = emptyUninit([...batchShape, k, n]);
      getBackend().gemm(
        true,
        false,
        batch,
        k,
        n,
        m,
        1,
        f32Storage(aFull),
        0,
        sa,
        g.storageF32,
        0,
        m * n,
        0,
        full.storageF32,
        0,
        k * n,
      );
      gb = sumTo(full, b.shape);
    }
    return [ga, gb];
  });
}
