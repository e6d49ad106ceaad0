/**
 * The Tensor: a contiguous, row-major block of float32 (or int32 for labels and indices)
 * with a shape, plus the autograd fields. Ops never mutate their inputs; reshape/view share
 * storage, every other op allocates its result through the current backend.
 */
import { runBackward, type GradFn } from '../autograd/engine.js';
import { fmt, sizeOf } from './shape.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import type { ReduceOptions } from './ops/reduce.js';
import * as sh from './ops/shape.js';
import { matmul } from './ops/matmul.js';
import { gather } from './ops/gather.js';
import { flip } from './ops/flip.js';
import { repeat } from './ops/repeat.js';
import { split, chunk } from './ops/split.js';
import { cumsum } from './ops/cumsum.js';
import { allclose, type CloseOptions } from './ops/allclose.js';
import { formatTensor } from './format.js';
import { gpuHeld, syncForHost, syncForKernel, syncForOverwrite, syncForRead } from '../backend/webgpu/residency.js';

/** Node's util.inspect.custom, by its registered name. */
const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Element types: float32 for values, int32 for labels and indices. */
export type DType = 'float32' | 'int32';
/** The storage of a tensor. */
export type TensorData = Float32Array | Int32Array;
/** Nested JS arrays as accepted by `tensor()` and returned by `toArray()`. */
export type NestedArray = number | NestedArray[];

let nextId = 1;

/** Storage some tensor was made with, and storage more than one tensor was made with (views). */
const bound = new WeakSet<TensorData>();
const sharedStorage = new WeakSet<TensorData>();

/** Whether more than one tensor was made on this storage (a view, detach, reshape...). */
export function storageIsShared(data: TensorData): boolean {
  return sharedStorage.has(data);
}

/** Called when storage is recycled: the next tensor made on it is its only user again. */
export function forgetStorage(data: TensorData): void {
  bound.delete(data);
  sharedStorage.delete(data);
}

/**
 * The values of t for reading only (never write through it): like `t.data`, but storage the
 * GPU holds stays valid there after it is read back, so the next kernel need not upload it.
 */
export function readValues(t: Tensor): TensorData {
  const d = t.storageRaw();
  if (gpuHeld.has(d)) syncForRead(d);
  return d;
}

/** An n-dimensional array with reverse-mode autograd. */
export class Tensor {
  /** The storage, without any GPU residency check (see `data` and `storage`). */
  private store: TensorData;
  /** Sizes of each dim. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  private wantsGrad = false;
  /** Accumulated gradient (leaves, or tensors that called retainGrad). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while its graph is alive. */
  gradFn: GradFn | null = null;
  /** Non-leaf tensors keep their gradient after retainGrad(). */
  retainsGrad = false;
  /** Unique id, handy for debugging and for optimizer state keys. */
  readonly id: number = nextId++;

  /** Wraps existing storage; prefer the creation functions (`tensor`, `zeros`, ...). */
  constructor(data: TensorData, shape: readonly number[]) {
    const n = sizeOf(shape);
    if (data.length !== n)
      throw new RangeError(`Tensor: data has ${data.length} elements but shape ${fmt(shape)} needs ${n}`);
    this.store = data;
    if (bound.has(data)) sharedStorage.add(data);
    else bound.add(data);
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
  }

  /**
   * Contiguous row-major storage (length = size), current on the host: when the webgpu backend
   * holds newer values on the GPU they are read back first, and the host copy becomes the one
   * that counts (so writing through it is safe). Assigning replaces the storage.
   */
  get data(): TensorData {
    const d = this.store;
    if (gpuHeld.has(d)) syncForHost(d);
    return d;
  }
  /** Replaces the storage array: the tensor then views d (which must hold as many elements). */
  set data(d: TensorData) {
    this.store = d;
  }
  /**
   * The storage as kernels take it, without reading GPU-held values back (the webgpu backend
   * binds its device copy): for passing to `getBackend()` kernels only, never for reading or
   * writing values on the host (use `data` / `f32`). On a CPU backend it equals `data`.
   */
  get storage(): TensorData {
    const d = this.store;
    if (gpuHeld.has(d)) syncForKernel(d);
    return d;
  }
  /** `storage` as float32 (throws for int32 tensors): the no-sync accessor for kernel arguments. */
  get storageF32(): Float32Array {
    const d = this.store;
    if (!(d instanceof Float32Array)) throw new TypeError(`expected a float32 tensor, got ${this.dtype}`);
    if (gpuHeld.has(d)) syncForKernel(d);
    return d;
  }
  /** The storage object itself, with no residency check at all (identity comparisons, views). @internal */
  storageRaw(): TensorData {
    return this.store;
  }

  /** Whether gradients flow to (and, for leaves, accumulate in) this tensor; only float32 tensors can. */
  get requiresGrad(): boolean {
    return this.wantsGrad;
  }
  /** Sets whether gradients flow to this tensor (float32 only). */
  set requiresGrad(flag: boolean) {
    if (flag && this.dtype !== 'float32')
      throw new TypeError(
        `requiresGrad: only float32 tensors can require gradients, got dtype ${this.dtype} (shape ${fmt(this.shape)})`,
      );
    this.wantsGrad = flag;
  }

  /** Number of elements. */
  get size(): number {
    return this.store.length;
  }
  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }
  /** True if no op produced this tensor inside a live graph. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** The float32 storage; throws for int32 tensors. */
  get f32(): Float32Array {
    const d = this.store;
    if (!(d instanceof Float32Array)) throw new TypeError(`expected a float32 tensor, got ${this.dtype}`);
    if (gpuHeld.has(d)) syncForHost(d);
    return d;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new RangeError(`item(): tensor of shape ${fmt(this.shape)} has ${this.size} elements, expected 1`);
    return readValues(this)[0];
  }

  /** Nested JS arrays (a plain number for rank 0). */
  toArray(): NestedArray {
    const d = readValues(this),
      s = this.shape;
    const build = (dim: number, off: number): NestedArray => {
      if (dim === s.length) return d[off];
      const stride = sizeOf(s.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < s[dim]; i++) out.push(build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** A flat JS array copy of the data. */
  toFlatArray(): number[] {
    return Array.from(readValues(this));
  }

  /** Back-propagates from this tensor (a scalar unless grad is given); frees the graph. */
  backward(grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
    if (!this.requiresGrad)
      throw new Error('backward(): tensor does not require grad (did you forget requiresGrad, or run under noGrad?)');
    let g = grad;
    if (!g) {
      if (this.size !== 1)
        throw new RangeError(`backward(): grad can be implied only for scalar outputs, got shape ${fmt(this.shape)}`);
      g = new Tensor(new Float32Array(this.size).fill(1), this.shape);
    } else if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
      throw new RangeError(`backward(): grad shape ${fmt(g.shape)} does not match tensor shape ${fmt(this.shape)}`);
    } else {
      g = g.float();
    }
    runBackward(this, g, options.retainGraph ?? false);
  }

  /** Keeps .grad on this non-leaf tensor during backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }
  /** Sets requiresGrad in place and returns this (like PyTorch's requires_grad_). */
  requiresGrad_(flag = true): this {
    if (flag && this.dtype !== 'float32')
      throw new TypeError(
        `requiresGrad_: only float32 tensors can require gradients, got dtype ${this.dtype} (shape ${fmt(this.shape)})`,
      );
    this.requiresGrad = flag;
    return this;
  }
  /** A tensor sharing storage but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape);
  }
  /** A copy with its own storage (differentiable). */
  clone(): Tensor {
    return sh.clone(this);
  }
  /** Converts to float32 (a copy unless already float32). */
  float(): Tensor {
    return this.dtype === 'float32' ? this : new Tensor(Float32Array.from(readValues(this)), this.shape);
  }
  /** Converts to int32 by truncation. */
  int(): Tensor {
    return this.dtype === 'int32'
      ? this
      : new Tensor(
          Int32Array.from(readValues(this), (v) => Math.trunc(v)),
          this.shape,
        );
  }
  /** Overwrites this tensor's values with another's (same shape), outside autograd. */
  copy_(src: Tensor): this {
    if (src.size !== this.size)
      throw new RangeError(`copy_: source shape ${fmt(src.shape)} does not match ${fmt(this.shape)}`);
    const d = this.store;
    if (gpuHeld.has(d)) syncForOverwrite(d);
    (d as Float32Array).set(readValues(src) as Float32Array);
    return this;
  }
  /** Fills with a value in place, outside autograd. */
  fill_(value: number): this {
    const d = this.store;
    if (gpuHeld.has(d)) syncForOverwrite(d);
    d.fill(value);
    return this;
  }

  /** The values as PyTorch prints them, e.g. `tensor([[1., 2.]], requires_grad=True)` (see setPrintOptions). */
  toString(): string {
    return formatTensor(this);
  }
  /** Node's util.inspect and console.log print the same (no node: import: the hook is a registered symbol). */
  [inspectCustom](): string {
    return formatTensor(this);
  }

  // ---- elementwise ----
  /** this + other (broadcasting). */
  add(other: Tensor | number): Tensor {
    return ew.add(this, other);
  }
  /** this - other. */
  sub(other: Tensor | number): Tensor {
    return ew.sub(this, other);
  }
  /** this * other. */
  mul(other: Tensor | number): Tensor {
    return ew.mul(this, other);
  }
  /** this / other. */
  div(other: Tensor | number): Tensor {
    return ew.div(this, other);
  }
  /** this ** exponent. */
  pow(exponent: Tensor | number): Tensor {
    return ew.pow(this, exponent);
  }
  /** -this. */
  neg(): Tensor {
    return ew.neg(this);
  }
  /** e^this. */
  exp(): Tensor {
    return ew.exp(this);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return ew.log(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  /** Absolute value. */
  abs(): Tensor {
    return ew.abs(this);
  }
  /** this * this. */
  square(): Tensor {
    return ew.square(this);
  }
  /** Sign (-1, 0, 1); its gradient is zero. */
  sign(): Tensor {
    return ew.sign(this);
  }
  /** Limits values to [min, max]. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return ew.clamp(this, min ?? null, max ?? null);
  }
  /** Elementwise max with broadcasting. */
  maximum(other: Tensor | number): Tensor {
    return ew.maximum(this, other);
  }
  /** Elementwise min with broadcasting. */
  minimum(other: Tensor | number): Tensor {
    return ew.minimum(this, other);
  }
  /** 1 where equal, else 0. */
  eq(other: Tensor | number): Tensor {
    return ew.compare('eq', this, other);
  }
  /** 1 where not equal. */
  ne(other: Tensor | number): Tensor {
    return ew.compare('ne', this, other);
  }
  /** 1 where this < other. */
  lt(other: Tensor | number): Tensor {
    return ew.compare('lt', this, other);
  }
  /** 1 where this <= other. */
  le(other: Tensor | number): Tensor {
    return ew.compare('le', this, other);
  }
  /** 1 where this > other. */
  gt(other: Tensor | number): Tensor {
    return ew.compare('gt', this, other);
  }
  /** 1 where this >= other. */
  ge(other: Tensor | number): Tensor {
    return ew.compare('ge', this, other);
  }
  /** max(0, x). */
  relu(): Tensor {
    return ew.relu(this);
  }
  /** Logistic sigmoid. */
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return ew.tanh(this);
  }

  // ---- reductions ----
  /** Sum over axes (all if omitted). */
  sum(dim?: number | number[], options: ReduceOptions = {}): Tensor {
    return red.sum(this, dim, red.keepDimOption('sum', options));
  }
  /** Mean over axes (all if omitted). */
  mean(dim?: number | number[], options: ReduceOptions = {}): Tensor {
    return red.mean(this, dim, red.keepDimOption('mean', options));
  }
  /** Largest value over the given dims (all if omitted), like torch.amax; the gradient is shared evenly by tied maxima. */
  amax(dim?: number | number[], options: ReduceOptions = {}): Tensor {
    return red.max(this, dim, red.keepDimOption('amax', options));
  }
  /** Smallest value over the given dims (all if omitted), like torch.amin. */
  amin(dim?: number | number[], options: ReduceOptions = {}): Tensor {
    return red.min(this, dim, red.keepDimOption('amin', options));
  }
  /**
   * As torch.max: the largest element (no dim), or [values, indices] along one dim (indices
   * int32, the first maximum; the values' gradient is shared evenly by tied maxima). For
   * several dims use amax.
   */
  max(): Tensor;
  max(dim: number, options?: ReduceOptions): [Tensor, Tensor];
  max(dim?: number, options: ReduceOptions = {}): Tensor | [Tensor, Tensor] {
    return red.extremumWithIndices('max', this, dim, options);
  }
  /** As torch.min: the smallest element (no dim), or [values, indices] along one dim. */
  min(): Tensor;
  min(dim: number, options?: ReduceOptions): [Tensor, Tensor];
  min(dim?: number, options: ReduceOptions = {}): Tensor | [Tensor, Tensor] {
    return red.extremumWithIndices('min', this, dim, options);
  }
  /** Index of the max along an axis (flat index if omitted), int32. */
  argmax(dim?: number, options: ReduceOptions = {}): Tensor {
    return red.argReduce('argmax', this, dim, red.keepDimOption('argmax', options));
  }
  /** Index of the min along a dim, int32. */
  argmin(dim?: number, options: ReduceOptions = {}): Tensor {
    return red.argReduce('argmin', this, dim, red.keepDimOption('argmin', options));
  }
  /** Variance (unbiased by default, like PyTorch). */
  var(dim?: number | number[], options: { keepDim?: boolean; unbiased?: boolean } = {}): Tensor {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`var: options must be an object like { keepDim, unbiased }, got ${String(options)}`);
    return red.variance(this, dim, options.keepDim ?? false, options.unbiased ?? true);
  }
  /** Standard deviation (unbiased by default). */
  std(dim?: number | number[], options: { keepDim?: boolean; unbiased?: boolean } = {}): Tensor {
    return this.var(dim, options).sqrt();
  }
  /** log(sum(exp(x))) along a dim, computed stably. */
  logsumexp(dim: number, options: ReduceOptions = {}): Tensor {
    return red.logsumexp(this, dim, red.keepDimOption('logsumexp', options));
  }

  // ---- shape ----
  /** Same data, new shape (one entry may be -1). Shares storage. */
  reshape(...shape: number[] | [number[]]): Tensor {
    return sh.reshape(this, flatArgs(shape));
  }
  /** Alias of reshape (all tensors are contiguous). */
  view(...shape: number[] | [number[]]): Tensor {
    return sh.reshape(this, flatArgs(shape));
  }
  /** Reorders axes. */
  permute(...perm: number[] | [number[]]): Tensor {
    return sh.permute(this, flatArgs(perm));
  }
  /** Swaps two axes (the last two by default). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  /** Flattens axes start..end into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return sh.flatten(this, startDim, endDim);
  }
  /** Removes size-1 axes (or the given one). */
  squeeze(dim?: number): Tensor {
    return sh.squeeze(this, dim);
  }
  /** Inserts a size-1 dim. */
  unsqueeze(dim: number): Tensor {
    return sh.unsqueeze(this, dim);
  }
  /** Elements start..end (exclusive) along a dim, with a step. */
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    return sh.slice(this, dim, start, end, step);
  }
  /** length elements from start along an axis (PyTorch's narrow). */
  narrow(dim: number, start: number, length: number): Tensor {
    return sh.slice(this, dim, start, start + length, 1);
  }
  /** Broadcasts to a larger shape (a copy). */
  expand(...shape: number[] | [number[]]): Tensor {
    return sh.expand(this, flatArgs(shape));
  }
  /** Rows (along dim) picked by integer indices. */
  indexSelect(dim: number, indices: Tensor | ArrayLike<number>): Tensor {
    return sh.indexSelect(this, dim, indices);
  }
  /** One element per position along a dim, picked by an index tensor (torch.gather). */
  gather(dim: number, index: Tensor): Tensor {
    return gather(this, dim, index);
  }
  /** Reverses the order of elements along the given axes. */
  flip(...dims: number[] | [number[]]): Tensor {
    return flip(this, flatArgs(dims));
  }
  /** Tiles the tensor reps[d] times along each axis (torch.Tensor.repeat). */
  repeat(...reps: number[] | [number[]]): Tensor {
    return repeat(this, flatArgs(reps));
  }
  /** Pieces of `size` elements (or of the listed sizes) along a dim. */
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] {
    return split(this, sizeOrSizes, dim);
  }
  /** `chunks` roughly equal pieces along a dim. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return chunk(this, chunks, dim);
  }
  /** Running sums along a dim. */
  cumsum(dim: number): Tensor {
    return cumsum(this, dim);
  }
  /** True if every element is within atol + rtol * |other| of other (broadcasting). */
  allclose(other: Tensor | number, options: CloseOptions = {}): boolean {
    return allclose(this, other, options);
  }

  // ---- linear algebra ----
  /** Matrix product with batch broadcasting (1-D operands as in PyTorch). */
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
}

function flatArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}
