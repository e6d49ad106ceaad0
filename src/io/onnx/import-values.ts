/**
 * Values flowing through an imported ONNX graph. Float data is a convkit `Tensor` (float32, with
 * autograd); integer and boolean data (shapes, indices, axes, the Shape/Gather/Unsqueeze/Concat
 * chains PyTorch writes for `x.view(x.size(0), -1)`) is an `IntTensor`: plain numbers (exact up to
 * 2**53, so INT64 constants such as Slice's INT64_MAX survive), computed on the CPU and never
 * part of the autograd graph. Here: the IntTensor type, INT64-aware TensorProto reading and the
 * small integer ops the shape subgraphs need.
 */
import { Tensor } from '../../tensor/tensor.js';
import { checkAllocation } from '../../tensor/limits.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import { TensorProto_DataType as DT, type TensorProto } from './generated/onnx_pb.js';
import { dataTypeName, protoDims, protoToTensor } from './tensor-proto.js';

/** An integer (or boolean) tensor of plain numbers, row-major. */
export class IntTensor {
  constructor(
    readonly data: number[],
    readonly shape: readonly number[],
  ) {
    if (data.length !== sizeOf(shape))
      throw new RangeError(`IntTensor: ${data.length} values do not fill shape ${fmt(shape)}`);
  }
  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
}

/** A value of the graph: float data (autograd) or integer data (shape arithmetic). */
export type Value = Tensor | IntTensor;

/** ONNX element types read as float tensors. */
export const FLOAT_TYPES: ReadonlySet<number> = new Set([DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.BFLOAT16]);
/** ONNX element types read as integer tensors. */
export const INT_TYPES: ReadonlySet<number> = new Set([
  DT.INT64,
  DT.INT32,
  DT.INT16,
  DT.INT8,
  DT.UINT64,
  DT.UINT32,
  DT.UINT16,
  DT.UINT8,
  DT.BOOL,
]);

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as a number, saturated at ±(2**53 - 1) (INT64_MAX marks "to the end" in Slice). */
export function saturate(v: bigint): number {
  return Number(v > SAFE ? SAFE : v < -SAFE ? -SAFE : v);
}

/**
 * The value of a TensorProto: float types as a float32 Tensor, integer types as an IntTensor.
 * Sizes are checked against the dims (and the allocation limits) before anything is allocated;
 * an unsupported element type is an error naming it and `where`.
 */
export function protoToValue(proto: TensorProto, where: string): Value {
  const type = proto.dataType;
  if (FLOAT_TYPES.has(type)) return protoToTensor(proto);
  if (!INT_TYPES.has(type))
    throw new TypeError(
      `${where}: data type ${dataTypeName(type)} is not supported (floats: FLOAT, DOUBLE, FLOAT16, BFLOAT16; integers: INT64, INT32, INT16, INT8, UINT*, BOOL)`,
    );
  const { shape, size } = protoDims(proto);
  checkAllocation(where, shape);
  if (type !== DT.INT64 && type !== DT.UINT64 && type !== DT.UINT32) {
    const t = protoToTensor(proto);
    return new IntTensor(Array.from(t.data), shape);
  }
  const label = `${where} (${dataTypeName(type)}, dims ${fmt(shape)})`;
  if (proto.externalData.length > 0) throw new Error(`${label}: external data is not supported`);
  if (proto.rawData.length > 0 || size === 0) {
    const item = type === DT.UINT32 ? 4 : 8;
    if (proto.rawData.length !== size * item)
      throw new RangeError(`${label}: raw_data is ${proto.rawData.length} bytes, dims need ${size * item}`);
    const view = new DataView(proto.rawData.buffer, proto.rawData.byteOffset, proto.rawData.byteLength);
    const out = new Array<number>(size);
    for (let i = 0; i < size; i++) {
      out[i] =
        type === DT.UINT32
          ? view.getUint32(4 * i, true)
          : saturate(type === DT.INT64 ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true));
    }
    return new IntTensor(out, shape);
  }
  const field = type === DT.INT64 ? proto.int64Data : type === DT.UINT64 ? proto.uint64Data : null;
  const values = field ? field.map(saturate) : proto.uint64Data.map(saturate);
  if (values.length !== size)
    throw new RangeError(`${label}: the typed data has ${values.length} values, dims need ${size}`);
  return new IntTensor(values, shape);
}

/** An IntTensor as a float32 Tensor (Cast to float, integers in float arithmetic). */
export function intsToFloat(v: IntTensor): Tensor {
  return new Tensor(Float32Array.from(v.data), v.shape);
}

/** A float Tensor as an IntTensor (Cast to an integer type: truncation, as C and ONNX do). */
export function floatToInts(t: Tensor): IntTensor {
  return new IntTensor(
    Array.from(t.data, (v) => (Number.isFinite(v) ? Math.trunc(v) : 0)),
    t.shape,
  );
}

/** Row-major strides. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Numpy broadcasting of two shapes, or an error naming `op`. */
export function broadcast(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1,
      y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new RangeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise binary op on integers with broadcasting. */
export function intBinary(op: string, a: IntTensor, b: IntTensor, f: (x: number, y: number) => number): IntTensor {
  const shape = broadcast(op, a.shape, b.shape);
  checkAllocation(op, shape);
  const n = sizeOf(shape);
  const sa = strides(a.shape),
    sb = strides(b.shape),
    so = strides(shape);
  const offA = shape.length - a.ndim,
    offB = shape.length - b.ndim;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let ia = 0,
      ib = 0,
      r = i;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(r / so[d]);
      r -= c * so[d];
      const da = d - offA,
        db = d - offB;
      if (da >= 0 && a.shape[da] !== 1) ia += c * sa[da];
      if (db >= 0 && b.shape[db] !== 1) ib += c * sb[db];
    }
    out[i] = f(a.data[ia], b.data[ib]);
  }
  return new IntTensor(out, shape);
}

/** Gathers whole sub-blocks along `axis` by (possibly negative) indices; output shape per ONNX Gather. */
export function intGather(op: string, x: IntTensor, axis: number, idx: IntTensor): IntTensor {
  const n = x.shape[axis];
  const outer = sizeOf(x.shape.slice(0, axis)),
    inner = sizeOf(x.shape.slice(axis + 1));
  const outShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  checkAllocation(op, outShape);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const iRaw of idx.data) {
      if (iRaw < -n || iRaw >= n)
        throw new RangeError(`${op}: index ${iRaw} is out of range for axis ${axis} of size ${n}`);
      const i = iRaw < 0 ? iRaw + n : iRaw;
      for (let t = 0; t < inner; t++) out.push(x.data[(o * n + i) * inner + t]);
    }
  }
  return new IntTensor(out, outShape);
}

/** Concatenates integer tensors along `axis`. */
export function intConcat(op: string, xs: IntTensor[], axis: number): IntTensor {
  const first = xs[0];
  const shape = first.shape.slice();
  shape[axis] = 0;
  for (const x of xs) {
    if (x.ndim !== first.ndim || x.shape.some((d, i) => i !== axis && d !== first.shape[i]))
      throw new RangeError(`${op}: cannot concatenate ${fmt(first.shape)} and ${fmt(x.shape)} along axis ${axis}`);
    shape[axis] += x.shape[axis];
  }
  checkAllocation(op, shape);
  const outer = sizeOf(shape.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const block = sizeOf(x.shape.slice(axis));
      for (let t = 0; t < block; t++) out.push(x.data[o * block + t]);
    }
  }
  return new IntTensor(out, shape);
}

/** Permutes the axes of an integer tensor. */
export function intTranspose(x: IntTensor, perm: readonly number[]): IntTensor {
  const shape = perm.map((p) => x.shape[p]);
  const sx = strides(x.shape),
    so = strides(shape);
  const n = x.size;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let r = i,
      src = 0;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(r / so[d]);
      r -= c * so[d];
      src += c * sx[perm[d]];
    }
    out[i] = x.data[src];
  }
  return new IntTensor(out, shape);
}

/** Elements [start, end) with `step` (which may be negative) along `axis` of an integer tensor. */
export function intSlice(x: IntTensor, axis: number, start: number, end: number, step: number): IntTensor {
  const idx: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) idx.push(i);
  return intGather('Slice', x, axis, new IntTensor(idx, [idx.length]));
}
