/** Functions that create tensors: from data, constants, ranges and random draws. */
import { getBackend } from '../backend/index.js';
import { checkShape, fmt, sizeOf } from './shape.js';
import { checkAllocation } from './limits.js';
import { random, randomNormal } from './random.js';
import { Tensor, type DType, type NestedArray } from './tensor.js';

/** Options shared by the creation functions. */
export interface CreateOptions {
  /** Element type (default 'float32'; 'int32' for Int32Array data). */
  dtype?: DType;
  /** Record operations for autograd (default false). */
  requiresGrad?: boolean;
}

/** Storage for a new tensor of `shape`, after the allocation limits (src/tensor/limits.ts) accept it for `op`. */
function make(op: string, shape: readonly number[], dtype: DType): Float32Array | Int32Array {
  const n = checkAllocation(op, shape);
  return dtype === 'int32' ? new Int32Array(n) : getBackend().alloc(n);
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
    if (cur === undefined) break;
  }
  return shape;
}

/**
 * Creates a tensor from nested arrays (`tensor([[1, 2], [3, 4]])`), a number, or a typed
 * array plus a shape (`tensor(data, [2, 2])`; Float32Array data is used without copying).
 */
export function tensor(
  data: NestedArray | Float32Array | Int32Array | number[],
  shape?: readonly number[] | CreateOptions,
  opts: CreateOptions = {},
): Tensor {
  let options = opts;
  let explicitShape: readonly number[] | undefined;
  if (Array.isArray(shape)) explicitShape = shape;
  else if (shape) options = shape as CreateOptions;
  if (data instanceof Float32Array || data instanceof Int32Array) {
    const s = explicitShape ?? [data.length];
    checkShape('tensor', s);
    if (sizeOf(s) !== data.length)
      throw new RangeError(`tensor: data has ${data.length} elements but shape ${fmt(s)} needs ${sizeOf(s)}`);
    const want = options.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
    const d =
      want === 'int32'
        ? data instanceof Int32Array
          ? data
          : Int32Array.from(data)
        : data instanceof Float32Array
          ? data
          : Float32Array.from(data);
    return finish(new Tensor(d, s), options);
  }
  if (typeof data !== 'number' && !Array.isArray(data)) {
    throw new TypeError(
      `tensor: expected a number, a nested array of numbers or a Float32Array/Int32Array, got ${Object.prototype.toString.call(data)}`,
    );
  }
  const s = inferShape(data);
  const flat: number[] = [];
  const walk = (x: NestedArray, depth: number): void => {
    if (depth === s.length) {
      if (typeof x !== 'number')
        throw new TypeError(`tensor: ragged nested array (expected a number at depth ${depth})`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== s[depth])
      throw new TypeError(`tensor: ragged nested array: expected ${s[depth]} entries at depth ${depth}`);
    for (const v of x) walk(v, depth + 1);
  };
  walk(data, 0);
  const shapeOut = explicitShape ?? s;
  if (sizeOf(shapeOut) !== flat.length)
    throw new RangeError(`tensor: ${flat.length} values do not fit shape ${fmt(shapeOut)}`);
  const d = make('tensor', [flat.length], options.dtype ?? 'float32');
  d.set(flat);
  return finish(new Tensor(d, shapeOut), options);
}

function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions): Tensor {
  checkShape(op, shape);
  const d = make(op, shape, opts.dtype ?? 'float32');
  d.fill(value);
  return finish(new Tensor(d, shape), opts);
}

/** A tensor filled with a value. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}
/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}
/** A tensor of ones. */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}
/** Zeros shaped like another tensor. */
export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype });
}
/** Ones shaped like another tensor. */
export function onesLike(t: Tensor): Tensor {
  return full(t.shape, 1, { dtype: t.dtype });
}

/** Values start, start+step, ... below end (arange(n) gives 0..n-1). */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step))
    throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((e - s) / step));
  const d = make('arange', [n], opts.dtype ?? 'float32');
  for (let i = 0; i < n; i++) d[i] = s + i * step;
  return finish(new Tensor(d, [n]), opts);
}

/** n values evenly spaced from start to end inclusive. */
export function linspace(start: number, end: number, n: number): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`linspace: n must be a non-negative integer, got ${String(n)}`);
  const d = make('linspace', [n], 'float32');
  for (let i = 0; i < n; i++) d[i] = n === 1 ? start : start + ((end - start) * i) / (n - 1);
  return new Tensor(d, [n]);
}

/** Uniform random values in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  checkShape('rand', shape);
  const d = make('rand', shape, 'float32');
  for (let i = 0; i < d.length; i++) d[i] = random();
  return finish(new Tensor(d, shape), opts);
}

/** Standard normal random values from the seeded generator. */
export function randn(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  checkShape('randn', shape);
  const d = make('randn', shape, 'float32');
  for (let i = 0; i < d.length; i++) d[i] = randomNormal();
  return finish(new Tensor(d, shape), opts);
}

/** Uniform random integers in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[]): Tensor {
  checkShape('randint', shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new RangeError(`randint: need integers low < high, got low ${String(low)} and high ${String(high)}`);
  const d = make('randint', shape, 'int32');
  for (let i = 0; i < d.length; i++) d[i] = low + Math.floor(random() * (high - low));
  return new Tensor(d, shape);
}
