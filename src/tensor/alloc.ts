/**
 * Allocation of op results through the current backend, so fast backends own tensor memory.
 *
 * Storage recycling: a training step allocates the same large buffers every step (activations,
 * their gradients), and fresh zero-filled allocations plus the garbage collection behind them
 * cost as much as the kernels of a small network. Storage that is provably dead (the autograd
 * engine's temporaries after a backward pass, a Sequential's intermediates, see engine.ts and
 * nn/module.ts) is handed back with `recycle` and reused by the next allocation of the same
 * length. The pool belongs to the current backend and is dropped when the backend changes.
 * For debugging: `CONVKIT_POOL=0` turns recycling off; `CONVKIT_POOL=poison` fills storage
 * handed out by `emptyUninit` with NaN (finds kernels that do not overwrite their whole output).
 */
import { getBackend, type Backend } from '../backend/index.js';
import { Tensor, type TensorData } from './tensor.js';
import { sizeOf } from './shape.js';

/** Buffers shorter than this are not pooled (fresh allocation is cheap for them). */
const MIN_POOLED = 64;
/** At most this many free buffers per length. */
const MAX_PER_LENGTH = 16;
/** At most this many bytes held by the pool in all. */
const MAX_POOL_BYTES = 512 * 1024 * 1024;

const poolSetting = typeof process === 'undefined' ? undefined : process.env?.CONVKIT_POOL;
const poolEnabled = poolSetting !== '0';
const poison = poolSetting === 'poison';
let poolBackend: Backend | null = null;
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;
/** The backend of every buffer `take` handed out: only these are ever recycled, into their own backend's pool. */
const origin = new WeakMap<Float32Array, Backend>();
/** Buffers allocated while a backward pass captures its allocations (see captureAllocations). */
let captured: Set<Float32Array> | null = null;

function clearPool(be: Backend): void {
  pool.clear();
  pooledBytes = 0;
  poolBackend = be;
}

function take(n: number, zero: boolean): Float32Array {
  const be = getBackend();
  if (be !== poolBackend) clearPool(be);
  let a: Float32Array | undefined;
  if (n >= MIN_POOLED) {
    const list = pool.get(n);
    if (list !== undefined && list.length > 0) {
      a = list.pop() as Float32Array;
      pooledBytes -= 4 * n;
      if (zero) a.fill(0);
    }
  }
  if (a === undefined) { a = be.alloc(n); origin.set(a, be); }
  if (poison && !zero) a.fill(NaN);
  if (captured !== null) captured.add(a);
  return a;
}

/** A new zero-filled float32 tensor whose storage comes from the current backend. */
export function empty(shape: readonly number[]): Tensor {
  return new Tensor(take(sizeOf(shape), true), shape);
}

/**
 * A new float32 tensor whose values are unspecified: only for results a kernel overwrites
 * completely (it skips zero-filling recycled storage).
 */
export function emptyUninit(shape: readonly number[]): Tensor {
  return new Tensor(take(sizeOf(shape), false), shape);
}

/**
 * Hands dead storage back for reuse. The caller guarantees that no live tensor or view uses
 * `data` any more; anything else (int32, small, pool full) is simply left to the GC.
 */
export function recycle(data: TensorData): void {
  if (!poolEnabled || !(data instanceof Float32Array)) return;
  const n = data.length;
  if (n < MIN_POOLED || origin.get(data) !== poolBackend || getBackend() !== poolBackend) return;
  if (pooledBytes + 4 * n > MAX_POOL_BYTES) return;
  let list = pool.get(n);
  if (list === undefined) { list = []; pool.set(n, list); }
  if (list.length >= MAX_PER_LENGTH || list.includes(data)) return;
  list.push(data);
  pooledBytes += 4 * n;
}

/**
 * Runs fn while adding every buffer `empty`/`emptyUninit` hands out to `buffers` (the autograd
 * engine uses it to find its own temporaries); returns fn's result. An enclosing capture does
 * not see these buffers, so that no buffer is recycled twice.
 */
export function captureAllocations<T>(buffers: Set<Float32Array>, fn: () => T): T {
  const prev = captured;
  captured = buffers;
  try {
    return fn();
  } finally {
    captured = prev;
  }
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
