/**
 * Materialising a TensorRef: the storage's bytes (byte-swapped when the file is big-endian),
 * then the strided view gathered into a contiguous convkit Tensor. float32 is copied as is,
 * float64/float16/bfloat16 become float32, integer and bool types become int32 (a value out of
 * int32 range is an error naming the tensor). Shape, strides and offset are checked against the
 * storage and the allocation limits before the output is allocated.
 */
import { checkAllocation } from '../../tensor/limits.js';
import { Tensor } from '../../tensor/tensor.js';
import { ITEM_SIZE, type StorageRef, type TensorRef, type TorchDType } from './torch-globals.js';

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed views of storages, made once per storage (shared storages are read once). */
export class StorageCache {
  private readonly views = new Map<string, ArrayBufferView>();

  constructor(
    /** The raw bytes of `data/<key>` (checked to be exactly nbytes long by the caller). */
    private readonly readBytes: (s: StorageRef) => Uint8Array,
    private readonly fileLittle: boolean,
  ) {}

  /** The storage's elements in host order, as an array of its element type (int64: Int32Array pairs). */
  view(s: StorageRef, dtype: TorchDType): ArrayBufferView {
    const id = `${s.key}:${dtype}`;
    const known = this.views.get(id);
    if (known) return known;
    const raw = this.readBytes(s);
    const size = ITEM_SIZE[dtype];
    const swap = this.fileLittle !== HOST_LITTLE && size > 1;
    // a copy when the bytes are misaligned for the element type or must be swapped
    const bytes = raw.byteOffset % size === 0 && !swap ? raw : raw.slice();
    if (swap) {
      for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
    }
    const n = Math.floor(bytes.length / size);
    const buf = bytes.buffer,
      at = bytes.byteOffset;
    let v: ArrayBufferView;
    switch (dtype) {
      case 'float32':
        v = new Float32Array(buf, at, n);
        break;
      case 'float64':
        v = new Float64Array(buf, at, n);
        break;
      case 'float16':
      case 'bfloat16':
      case 'uint16':
        v = new Uint16Array(buf, at, n);
        break;
      case 'int16':
        v = new Int16Array(buf, at, n);
        break;
      case 'int32':
        v = new Int32Array(buf, at, n);
        break;
      case 'uint32':
        v = new Uint32Array(buf, at, n);
        break;
      case 'int64':
      case 'uint64':
        v = new Int32Array(buf, at, n * 2);
        break;
      case 'int8':
        v = new Int8Array(buf, at, n);
        break;
      default:
        v = new Uint8Array(buf, at, n);
    }
    this.views.set(id, v);
    return v;
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const bf16Scratch = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Scratch.buffer);

/** Whether a dtype becomes a float32 tensor (else int32). */
export function isFloatDType(d: TorchDType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/**
 * The contiguous Tensor of `t`; `name` (the state-dict key) and `fail` name the file in errors.
 * Checks that every element the view reaches lies inside its storage.
 */
export function materialize(t: TensorRef, name: string, cache: StorageCache, fail: (msg: string) => never): Tensor {
  const shape = [...t.shape];
  let numel: number;
  try {
    numel = checkAllocation(`tensor '${name}'`, shape);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  const size = ITEM_SIZE[t.dtype];
  const storageElems = Math.floor(t.storage.nbytes / size);
  const isFloat = isFloatDType(t.dtype);
  if (numel === 0) return new Tensor(isFloat ? new Float32Array(0) : new Int32Array(0), shape);
  let last = t.offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * t.stride[d];
  if (last >= storageElems)
    fail(
      `tensor '${name}' (size [${shape.join(', ')}], stride [${t.stride.join(', ')}], offset ${t.offset}) reaches element ${last} ` +
        `of storage '${t.storage.key}', which has ${storageElems} ${t.dtype} elements (corrupt or crafted file)`,
    );
  const src = cache.view(t.storage, t.dtype);
  const out = isFloat ? new Float32Array(numel) : new Int32Array(numel);
  const contiguous = isContiguous(shape, t.stride);
  const get = reader(t.dtype, src, name, fail);
  if (contiguous) {
    if (t.dtype === 'float32' || t.dtype === 'int32') {
      out.set((src as Float32Array | Int32Array).subarray(t.offset, t.offset + numel));
    } else {
      for (let i = 0; i < numel; i++) out[i] = get(t.offset + i);
    }
    return new Tensor(out, shape);
  }
  // odometer over the view's indices
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let j = t.offset;
  for (let i = 0; i < numel; i++) {
    out[i] = get(j);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) {
        j += t.stride[d];
        break;
      }
      j -= (shape[d] - 1) * t.stride[d];
      idx[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

/** Element j of a storage view as a float32/int32 value; integers out of int32 range fail. */
function reader(
  dtype: TorchDType,
  src: ArrayBufferView,
  name: string,
  fail: (msg: string) => never,
): (j: number) => number {
  const range = (v: bigint | number): never =>
    fail(
      `tensor '${name}' (${dtype}) holds ${String(v)}, outside the int32 range convkit's integer tensors use ` +
        '(cast it in python before saving, e.g. t.to(torch.int32), or drop it from the state dict)',
    );
  switch (dtype) {
    case 'float16': {
      const a = src as Uint16Array;
      return (j) => halfToFloat(a[j]);
    }
    case 'bfloat16': {
      const a = src as Uint16Array;
      return (j) => {
        bf16Scratch[0] = a[j] << 16;
        return bf16Float[0];
      };
    }
    case 'int64':
    case 'uint64': {
      const a = src as Int32Array;
      const lo = HOST_LITTLE ? 0 : 1,
        hi = 1 - lo;
      const unsigned = dtype === 'uint64';
      return (j) => {
        const l = a[2 * j + lo],
          h = a[2 * j + hi];
        if (h !== l >> 31 || (unsigned && l < 0)) range((BigInt(unsigned ? h >>> 0 : h) << 32n) | BigInt(l >>> 0));
        return l;
      };
    }
    case 'uint32': {
      const a = src as Uint32Array;
      return (j) => (a[j] > 0x7fffffff ? range(a[j]) : a[j]);
    }
    case 'bool': {
      const a = src as Uint8Array;
      return (j) => (a[j] ? 1 : 0);
    }
    default: {
      const a = src as Float32Array;
      return (j) => a[j];
    }
  }
}
