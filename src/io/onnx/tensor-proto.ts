/**
 * convkit Tensor <-> ONNX TensorProto, shared by ONNX export and import.
 *
 * Writing: float32 tensors as FLOAT, int32 tensors as INT64 (ONNX's index type) or INT32, always
 * as little-endian raw_data. Reading: FLOAT, DOUBLE, FLOAT16 and BFLOAT16 become float32 tensors;
 * INT64, INT32, INT16, INT8, UINT16, UINT8 and BOOL become int32 tensors (an INT64 value outside
 * the int32 range is an error). Data may be raw_data or the typed fields (float_data, int32_data,
 * int64_data, double_data). Every dim is validated and the byte count checked against the dims
 * before anything is allocated, so a corrupt or hostile file gets an error naming the tensor.
 * External data and segments are not supported (an error says so).
 */
import { create } from '@bufbuild/protobuf';
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { checkAllocation, MAX_TENSOR_ELEMENTS } from '../../tensor/limits.js';
import {
  TensorProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType as DT,
  type TensorProto,
} from './generated/onnx_pb.js';

/** ONNX element types convkit writes. */
export type OnnxWriteType = 'float32' | 'int64' | 'int32';

/** Bytes per element of the types convkit reads. */
const ITEM_SIZE: Partial<Record<number, number>> = {
  [DT.FLOAT]: 4,
  [DT.DOUBLE]: 8,
  [DT.FLOAT16]: 2,
  [DT.BFLOAT16]: 2,
  [DT.INT64]: 8,
  [DT.INT32]: 4,
  [DT.INT16]: 2,
  [DT.INT8]: 1,
  [DT.UINT16]: 2,
  [DT.UINT8]: 1,
  [DT.BOOL]: 1,
};

const FLOAT_TYPES = new Set<number>([DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.BFLOAT16]);

/** Whether typed arrays are little-endian here (raw_data is), so FLOAT / INT32 bytes copy as they are. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The name of an ONNX data type code (for error messages). */
export function dataTypeName(code: number): string {
  return DT[code] ?? `unknown data type ${code}`;
}

/** A TensorProto holding `tensor` (float32 → FLOAT; int32 → INT64 unless `as` says 'int32'). */
export function tensorToProto(name: string, tensor: Tensor, as?: OnnxWriteType): TensorProto {
  const kind: OnnxWriteType = as ?? (tensor.dtype === 'float32' ? 'float32' : 'int64');
  if (kind === 'float32' && tensor.dtype !== 'float32')
    throw new TypeError(`tensorToProto: ${name}: cannot write an ${tensor.dtype} tensor as float32`);
  const n = tensor.size;
  const itemSize = kind === 'int64' ? 8 : 4;
  const raw = new Uint8Array(n * itemSize);
  const view = new DataView(raw.buffer);
  const d = tensor.data;
  for (let i = 0; i < n; i++) {
    if (kind === 'float32') view.setFloat32(4 * i, d[i], true);
    else if (kind === 'int32') view.setInt32(4 * i, d[i], true);
    else view.setBigInt64(8 * i, BigInt(Math.trunc(d[i])), true);
  }
  return create(TensorProtoSchema, {
    name,
    dims: tensor.shape.map((s) => BigInt(s)),
    dataType: kind === 'float32' ? DT.FLOAT : kind === 'int64' ? DT.INT64 : DT.INT32,
    rawData: raw,
  });
}

/** A 1-D INT64 TensorProto (shapes, axes, pads for Reshape, Unsqueeze, Pad...). */
export function int64Proto(
  name: string,
  values: readonly number[],
  dims: readonly number[] = [values.length],
): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64Proto: ${name}: value ${v} is not an integer`);
    view.setBigInt64(8 * i, BigInt(v), true);
  });
  return create(TensorProtoSchema, { name, dims: dims.map((s) => BigInt(s)), dataType: DT.INT64, rawData: raw });
}

/** A FLOAT TensorProto from plain numbers (scalars and small constants). */
export function floatProto(
  name: string,
  values: readonly number[],
  dims: readonly number[] = [values.length],
): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return create(TensorProtoSchema, { name, dims: dims.map((s) => BigInt(s)), dataType: DT.FLOAT, rawData: raw });
}

/** The validated dims of a TensorProto as numbers, and their element count. */
export function protoDims(proto: TensorProto): { shape: number[]; size: number } {
  const label = proto.name || '(unnamed tensor)';
  const shape: number[] = [];
  let size = 1;
  for (const d of proto.dims) {
    if (d < 0n || d > BigInt(MAX_TENSOR_ELEMENTS))
      throw new RangeError(`TensorProto ${label}: dim ${d} in dims [${proto.dims.join(', ')}] is out of range`);
    shape.push(Number(d));
    size *= Number(d);
    if (size > MAX_TENSOR_ELEMENTS)
      throw new RangeError(
        `TensorProto ${label}: dims [${proto.dims.join(', ')}] hold more than ${MAX_TENSOR_ELEMENTS} elements`,
      );
  }
  return { shape, size };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function bf16ToFloat(h: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (h & 0xffff) << 16);
  return view.getFloat32(0);
}

/** Reads one element of `type` at byte offset `at` of raw little-endian data. */
function readRaw(view: DataView, type: number, at: number, label: string): number {
  switch (type) {
    case DT.FLOAT:
      return view.getFloat32(at, true);
    case DT.DOUBLE:
      return view.getFloat64(at, true);
    case DT.FLOAT16:
      return halfToFloat(view.getUint16(at, true));
    case DT.BFLOAT16:
      return bf16ToFloat(view.getUint16(at, true));
    case DT.INT64:
      return int64ToInt32(view.getBigInt64(at, true), label);
    case DT.INT32:
      return view.getInt32(at, true);
    case DT.INT16:
      return view.getInt16(at, true);
    case DT.UINT16:
      return view.getUint16(at, true);
    case DT.INT8:
      return view.getInt8(at);
    case DT.UINT8:
    case DT.BOOL:
      return view.getUint8(at);
    default:
      throw new TypeError(`TensorProto ${label}: data type ${dataTypeName(type)} is not supported`);
  }
}

function int64ToInt32(v: bigint, label: string): number {
  if (v < -2147483648n || v > 2147483647n)
    throw new RangeError(`TensorProto ${label}: INT64 value ${v} does not fit in int32`);
  return Number(v);
}

/**
 * The values of a TensorProto as a convkit Tensor: float types → float32, integer types and BOOL
 * → int32. Throws, naming the tensor, for unsupported types, external data, or data whose length
 * does not match the dims.
 */
export function protoToTensor(proto: TensorProto): Tensor {
  const label = proto.name || '(unnamed tensor)';
  const type = proto.dataType;
  const itemSize = ITEM_SIZE[type];
  if (itemSize === undefined)
    throw new TypeError(
      `TensorProto ${label}: data type ${dataTypeName(type)} is not supported (convkit reads float, double, float16, bfloat16, int64, int32, int16, int8, uint16, uint8 and bool)`,
    );
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL || proto.externalData.length > 0)
    throw new Error(`TensorProto ${label}: external data is not supported (save the model with its weights inside)`);
  if (proto.segment) throw new Error(`TensorProto ${label}: segmented tensors are not supported`);
  const { shape, size } = protoDims(proto);
  const isFloat = FLOAT_TYPES.has(type);
  const where = `TensorProto ${label} (${dataTypeName(type)}, dims ${fmt(shape)})`;
  const check = (have: number, field: string): void => {
    if (have !== size) throw new RangeError(`${where}: ${field} has ${have} values, dims need ${size}`);
  };

  let values: ArrayLike<number>;
  if (proto.rawData.length > 0 || size === 0) {
    if (proto.rawData.length !== size * itemSize)
      throw new RangeError(`${where}: raw_data is ${proto.rawData.length} bytes, dims need ${size * itemSize}`);
    checkAllocation(`TensorProto ${label}`, shape);
    const raw = proto.rawData;
    if (LITTLE_ENDIAN && (type === DT.FLOAT || type === DT.INT32)) {
      // the stored bytes are the values: one copy (a 500 MB VGG reads in a fraction of a second)
      const out = type === DT.FLOAT ? new Float32Array(size) : new Int32Array(size);
      new Uint8Array(out.buffer).set(raw);
      return new Tensor(out, shape);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = isFloat ? new Float32Array(size) : new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = readRaw(view, type, i * itemSize, label);
    return new Tensor(out, shape);
  }
  switch (type) {
    case DT.FLOAT:
      check(proto.floatData.length, 'float_data');
      values = proto.floatData;
      break;
    case DT.DOUBLE:
      check(proto.doubleData.length, 'double_data');
      values = proto.doubleData;
      break;
    case DT.INT64:
      check(proto.int64Data.length, 'int64_data');
      values = proto.int64Data.map((v) => int64ToInt32(v, label));
      break;
    case DT.FLOAT16:
    case DT.BFLOAT16:
      check(proto.int32Data.length, 'int32_data');
      values = proto.int32Data.map((v) => (type === DT.FLOAT16 ? halfToFloat(v & 0xffff) : bf16ToFloat(v)));
      break;
    default:
      check(proto.int32Data.length, 'int32_data');
      values = proto.int32Data;
  }
  checkAllocation(`TensorProto ${label}`, shape);
  return new Tensor(isFloat ? Float32Array.from(values) : Int32Array.from(values), shape);
}

/**
 * The values of an integer TensorProto as plain numbers (shapes, axes, pads), keeping INT64
 * values exactly when they are safe integers. Throws for non-integer types.
 */
export function protoToInts(proto: TensorProto): number[] {
  const label = proto.name || '(unnamed tensor)';
  if (proto.dataType !== DT.INT64) {
    if (FLOAT_TYPES.has(proto.dataType))
      throw new TypeError(`TensorProto ${label}: expected an integer tensor, got ${dataTypeName(proto.dataType)}`);
    return Array.from(protoToTensor(proto).data);
  }
  const { size } = protoDims(proto);
  const toNumber = (v: bigint): number => {
    if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`TensorProto ${label}: INT64 value ${v} is not a safe integer`);
    return Number(v);
  };
  if (proto.rawData.length > 0 || size === 0) {
    if (proto.rawData.length !== size * 8)
      throw new RangeError(`TensorProto ${label}: raw_data is ${proto.rawData.length} bytes, dims need ${size * 8}`);
    const view = new DataView(proto.rawData.buffer, proto.rawData.byteOffset, proto.rawData.byteLength);
    return Array.from({ length: size }, (_, i) => toNumber(view.getBigInt64(8 * i, true)));
  }
  if (proto.int64Data.length !== size)
    throw new RangeError(`TensorProto ${label}: int64_data has ${proto.int64Data.length} values, dims need ${size}`);
  return proto.int64Data.map(toNumber);
}
