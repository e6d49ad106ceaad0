/** Allocation of op results through the current backend, so fast backends own tensor memory. */
import { getBackend } from '../backend/index.js';
import { Tensor } from './tensor.js';
import { sizeOf } from './shape.js';

/** A new zero-filled float32 tensor whose storage comes from the current backend. */
export function empty(shape: readonly number[]): Tensor {
  return new Tensor(getBackend().alloc(sizeOf(shape)), shape);
}

/** A scalar tensor, or the tensor itself. */
export function asTensor(x: Tensor | number): Tensor {
  if (typeof x === 'number') return new Tensor(Float32Array.of(x), []);
  return x;
}

/** The float32 storage of x (int32 tensors are converted). */
export function f32(x: Tensor): Float32Array {
  return x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
}
