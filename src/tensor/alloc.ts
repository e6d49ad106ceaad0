/**
 * Allocation of op results through the current backend, so fast backends own tensor memory,
 * and the one mechanism that gives tensor storage back without waiting for the garbage
 * collector.
 *
 * Why: wasm tensor storage lives in linear memory that the GC neither sees nor frees inside a
 * synchronous loop (its finalizers run only when the loop yields), and fresh zero-filled
 * allocations cost as much as the kernels of a small network. So storage that is provably
 * dead is handed back with `recycle` and reused by the next allocation of the same length
 * (the pool belongs to the current backend and is dropped when the backend changes).
 *
 * Who proves storage dead: a *storage scope* (`openScope`/`closeScope`) records every float32
 * storage handed out while it is the innermost open scope. Two places open one:
 * - `Module.call` (outermost call only): what the forward made and nothing keeps (the output,
 *   tensors seen by hooks, tensors stored on the modules) is recycled when the call ends
 *   (no graph) or when backward releases the graph that saved it (autograd/engine.ts).
 * - `runBackward`: the pass's temporaries are recycled at its end, except new `.grad`s.
 * A `.grad` that the library dropped (zeroGrad, then the next backward) is `retire`d: if a
 * user still holds it, it keeps its values in a JS-heap copy. Layer authors write plain
 * forward code; nothing is declared per class.
 * For debugging: `CONVKIT_POOL=0` turns recycling off; `CONVKIT_POOL=poison` fills storage
 * handed out by `emptyUninit` with NaN (finds kernels that do not overwrite their whole output).
 */
import { getBackend, type Backend } from '../backend/index.js';
import { getenv } from '../platform.js';
import { Tensor, forgetStorage, storageIsShared, type TensorData } from './tensor.js';
import { checkAllocation } from './limits.js';
import { gpuHeld, poolUninit, poolZero, residencyActive, syncForOverwrite } from '../backend/webgpu/residency.js';

/** Buffers shorter than this are not pooled (fresh allocation is cheap for them). */
const MIN_POOLED = 64;
/** At most this many free buffers per length (a deep network has many activations of one size). */
const MAX_PER_LENGTH = 1024;
/** At most this many bytes held by the pool in all. */
const MAX_POOL_BYTES = 512 * 1024 * 1024;

// CONVKIT_POOL, read when the pool starts (the first allocation), not at import: a bad value is
// then an error the caller reports, not a failure to load convkit
let poolEnabled = true;
let poison = false;
let poolBackend: Backend | null = null;
const pool = new Map<number, Float32Array[]>();
/** The buffers in the pool (a buffer is never pooled twice). */
const inPool = new WeakSet<Float32Array>();
let pooledBytes = 0;
/** Counters for storageStats. */
let fresh = 0,
  reused = 0,
  recycled = 0;
/** The backend of every buffer `take` handed out: only these are ever recycled, into their own backend's pool. */
const origin = new WeakMap<Float32Array, Backend>();
/** The innermost open storage scope (see openScope). */
let current: StorageScope | null = null;

function clearPool(be: Backend): void {
  const setting = getenv('CONVKIT_POOL');
  poolEnabled = setting !== '0';
  poison = setting === 'poison';
  pool.clear();
  pooledBytes = 0;
  poolBackend = be;
}

/**
 * What the storage handed out will hold for the GPU's residency tracking: 'zero' (zero-filled),
 * 'uninit' (a kernel overwrites it) or 'host' (the caller writes it directly on the host).
 */
type Intent = 'zero' | 'uninit' | 'host';

function take(n: number, zero: boolean, intent: Intent = zero ? 'zero' : 'uninit'): Float32Array {
  const be = getBackend();
  if (be !== poolBackend) clearPool(be);
  let a: Float32Array | undefined;
  if (n >= MIN_POOLED) {
    const list = pool.get(n);
    if (list !== undefined && list.length > 0) {
      a = list.pop() as Float32Array;
      inPool.delete(a);
      pooledBytes -= 4 * n;
      reused++;
      if (zero) a.fill(0);
    }
  }
  if (a === undefined) {
    a = be.alloc(n);
    origin.set(a, be);
    if (n >= MIN_POOLED) fresh++;
  }
  if (poison && !zero) a.fill(NaN);
  if (current !== null) current.storages.add(a);
  if (residencyActive()) {
    // the webgpu backend ran: tell it what the storage holds now (no upload for zeros or garbage)
    if (intent === 'host') {
      if (gpuHeld.has(a)) syncForOverwrite(a);
    } else if (intent === 'zero' && !poison) poolZero(a);
    else if (!poison) poolUninit(a);
    else if (gpuHeld.has(a)) syncForOverwrite(a);
  }
  return a;
}

/**
 * A new zero-filled float32 tensor whose storage comes from the current backend. `op` names the
 * caller in the error when the shape is over the allocation limits (src/tensor/limits.ts).
 */
export function empty(shape: readonly number[], op = 'tensor allocation'): Tensor {
  return new Tensor(take(checkAllocation(op, shape), true), shape);
}

/** Zero-filled float32 storage for an op that builds its Tensor itself (recorded like `empty`). */
export function allocStorage(n: number): Float32Array {
  return take(n, true, 'host');
}

/**
 * A new float32 tensor whose values are unspecified: only for results a kernel overwrites
 * completely (it skips zero-filling recycled storage).
 */
export function emptyUninit(shape: readonly number[], op = 'tensor allocation'): Tensor {
  return new Tensor(take(checkAllocation(op, shape), false), shape);
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
  if (list === undefined) {
    list = [];
    pool.set(n, list);
  }
  if (list.length >= MAX_PER_LENGTH || inPool.has(data)) return;
  inPool.add(data);
  forgetStorage(data);
  list.push(data);
  pooledBytes += 4 * n;
  recycled++;
}

/** Counts since the process started, for tests and diagnostics. */
export interface StorageStats {
  /** Float32 storages of at least 64 elements (the pooled sizes) allocated from the backend. */
  fresh: number;
  /** Allocations served from recycled storage. */
  reused: number;
  /** Storages handed back to the pool. */
  recycled: number;
  /** Storages in the pool now, and their bytes. */
  pooled: number;
  pooledBytes: number;
}

/** How tensor storage was obtained and given back so far (see the file comment). */
export function storageStats(): StorageStats {
  let pooled = 0;
  for (const l of pool.values()) pooled += l.length;
  return { fresh, reused, recycled, pooled, pooledBytes };
}

/** The float32 storage handed out while a scope was the innermost open one (see openScope). */
export class StorageScope {
  /** Storage allocated while this scope was innermost; only tensors made in it use it. */
  readonly storages = new Set<Float32Array>();
  /** The scope that was innermost before this one opened. */
  readonly parent: StorageScope | null;
  constructor(parent: StorageScope | null) {
    this.parent = parent;
  }

  /** The storages of this scope that are not in `keep` (candidates for recycling). */
  unkept(keep: ReadonlySet<TensorData>): Float32Array[] {
    const out: Float32Array[] = [];
    for (const s of this.storages) if (!keep.has(s)) out.push(s);
    return out;
  }
}

/**
 * Opens a storage scope: until `closeScope`, every storage `empty`/`emptyUninit` hands out is
 * recorded in it (and not in any enclosing scope, so that no storage is recycled twice).
 */
export function openScope(): StorageScope {
  current = new StorageScope(current);
  return current;
}

/** Closes the innermost scope, which must be `s`. */
export function closeScope(s: StorageScope): void {
  if (current !== s)
    throw new Error('closeScope: storage scopes must close innermost first (a scope was left open, or closed twice)');
  current = s.parent;
}

/** Runs fn with no scope recording (user hooks: what they make is theirs, not the scope's). */
export function outsideScopes<T>(fn: () => T): T {
  const prev = current;
  current = null;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/**
 * The library drops its last reference to t (a `.grad` replaced or cleared), but a user may
 * still hold t. Storage the GC frees together with t is left alone; storage inside a larger
 * memory (the wasm heap, which the GC cannot free in a synchronous loop) is given t's values
 * as a JS-heap copy and recycled, unless a view or another tensor shares it.
 */
export function retire(t: Tensor): void {
  const d = t.storageRaw();
  if (!poolEnabled || !(d instanceof Float32Array) || d.byteLength === d.buffer.byteLength) return;
  if (storageIsShared(d) || origin.get(d) !== poolBackend || getBackend() !== poolBackend) return;
  t.data = (t.data as Float32Array).slice();
  recycle(d);
}

/** A scalar tensor, or the tensor itself. */
export function asTensor(x: Tensor | number): Tensor {
  if (typeof x === 'number') return new Tensor(Float32Array.of(x), []);
  return x;
}

/** The float32 values of x on the host (int32 tensors are converted); see `f32Storage` for kernel arguments. */
export function f32(x: Tensor): Float32Array {
  const d = x.data;
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

/**
 * The float32 storage of x as a kernel argument, without reading GPU-held values back (int32
 * tensors are converted on the host). Never read or write its values on the host.
 */
export function f32Storage(x: Tensor): Float32Array {
  return x.dtype === 'float32' ? x.storageF32 : Float32Array.from(x.data);
}
