/** isclose and allclose: tolerance comparisons of tensors, as in torch.isclose/allclose. */
import { asTensor, f32, empty } from '../alloc.js';
import { noGrad } from '../../autograd/engine.js';
import { broadcastShapes, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { expand } from './shape.js';
import { expectTensor } from './check.js';

/** Tolerances of isclose/allclose: |a - b| <= atol + rtol * |b|; NaN equals NaN only if equalNan. */
export interface CloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Whether NaN equals NaN (default false). */
  equalNan?: boolean;
}

/** The values of x broadcast to shape (a copy only when the shape differs). */
function values(x: Tensor, shape: readonly number[]): Float32Array {
  return sameShape(x.shape, shape) ? f32(x) : f32(noGrad(() => expand(x.detach(), shape.slice())));
}

/** 1 where a and b (broadcast) are close, else 0; equal infinities are close. Not differentiable. */
export function isclose(a: Tensor, bIn: Tensor | number, options: CloseOptions = {}): Tensor {
  expectTensor('isclose', 'input', a);
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  if (typeof rtol !== 'number' || typeof atol !== 'number' || rtol < 0 || atol < 0) {
    throw new TypeError(
      `isclose: rtol and atol must be non-negative numbers, got rtol ${String(rtol)}, atol ${String(atol)}`,
    );
  }
  const b = asTensor(bIn);
  const shape = broadcastShapes('isclose', a.shape, b.shape);
  const av = values(a, shape),
    bv = values(b, shape);
  const out = empty(shape),
    od = out.f32;
  for (let i = 0; i < od.length; i++) {
    const x = av[i],
      y = bv[i];
    let close: boolean;
    if (Number.isNaN(x) || Number.isNaN(y)) close = equalNan && Number.isNaN(x) && Number.isNaN(y);
    else if (!Number.isFinite(x) || !Number.isFinite(y)) close = x === y;
    else close = Math.abs(x - y) <= atol + rtol * Math.abs(y);
    od[i] = close ? 1 : 0;
  }
  return out;
}

/** True if every element of a is close to b (broadcasting); see isclose for the rule. */
export function allclose(a: Tensor, b: Tensor | number, options: CloseOptions = {}): boolean {
  expectTensor('allclose', 'input', a);
  const m = isclose(a, b, options).f32;
  for (let i = 0; i < m.length; i++) if (m[i] === 0) return false;
  return true;
}
