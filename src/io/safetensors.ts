/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * unsigned header length N, N bytes of UTF-8 JSON
 *   {"__metadata__": {"key": "value"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 * padded with spaces to a multiple of 8, then the raw little-endian tensor data; offsets are
 * relative to the start of the data and must cover it exactly (no gaps, no overlaps).
 *
 * convkit writes F32 (float32 tensors) and I32 (int32 tensors), with tensors laid out in name
 * order. It reads F32 and I32 directly, converts F64, F16 and BF16 to float32, and I64, U64,
 * U32, I16, U16, I8, U8 and BOOL to int32 (an error if a 64/32-bit unsigned value does not fit).
 * Every header field is validated against the actual byte count before anything is allocated,
 * so a corrupt or truncated file gives a clear error.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { toStateDict, type StateDictLike } from '../tensor/state-dict.js';
import { nodeModules } from '../platform.js';
import { atomicWriteFile } from './atomic-write.js';

/** Element types of the safetensors format that convkit can read. */
export type SafetensorsDType =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'U64'
  | 'I32'
  | 'U32'
  | 'I16'
  | 'U16'
  | 'I8'
  | 'U8'
  | 'BOOL';

const ITEM_SIZE: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Largest header accepted (the reference implementation's limit). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** A deserialised safetensors file. */
export interface SafetensorsContents {
  /** Tensors by name (float32 or int32, see the file comment for conversions). */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` string map (empty if absent). */
  metadata: Record<string, string>;
  /** Each tensor's dtype as stored in the file. */
  dtypes: Record<string, SafetensorsDType>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function checkName(op: string, name: string): void {
  if (name.length === 0) throw new RangeError(`${op}: tensor names must not be empty`);
  if (name === '__metadata__') throw new RangeError(`${op}: "__metadata__" is reserved and cannot name a tensor`);
}

/**
 * Serialises named tensors (a state dict: a Map such as model.stateDict(), or a record) and an
 * optional string-to-string metadata map to safetensors bytes.
 */
export function serializeSafetensors(tensors: StateDictLike, metadata?: Record<string, string>): Uint8Array {
  const dict = toStateDict('serializeSafetensors', tensors);
  const names = [...dict.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new TypeError(`serializeSafetensors: metadata value for "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    checkName('serializeSafetensors', name);
    const t = dict.get(name) as Tensor;
    const bytes = t.data.length * 4;
    header[name] = {
      dtype: t.dtype === 'int32' ? 'I32' : 'F32',
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const name of names) {
    const d = (dict.get(name) as Tensor).data;
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    } else {
      for (let i = 0; i < d.length; i++) {
        if (d instanceof Float32Array) view.setFloat32(at + 4 * i, d[i], true);
        else view.setInt32(at + 4 * i, d[i], true);
      }
    }
    at += d.length * 4;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Parses safetensors bytes; name (e.g. the file name) is used in error messages. */
export function deserializeSafetensors(bytes: Uint8Array, name = 'safetensors data'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new Error(`deserializeSafetensors: ${name}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(SAFETENSORS_MAX_HEADER))
    fail(`header length ${n64} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit (corrupt file?)`);
  const n = Number(n64);
  if (8 + n > bytes.length)
    fail(`header length ${n} exceeds the file size (${bytes.length} bytes: truncated or corrupt)`);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail(`header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(header)) return fail('header must be a JSON object');
  const dataStart = 8 + n,
    dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (!isRecord(value)) fail('"__metadata__" must be an object of strings');
      for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(`"__metadata__"."${mk}" must be a string, got ${JSON.stringify(mv)}`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    if (!isRecord(value)) fail(`entry "${key}" must be an object {dtype, shape, data_offsets}`);
    const info = value as Record<string, unknown>;
    const dtype = info.dtype;
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE))
      fail(`tensor "${key}" has unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(ITEM_SIZE).join(', ')})`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
      fail(`tensor "${key}" has invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
    const offs = info.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) ||
      (offs[0] as number) > (offs[1] as number)
    ) {
      fail(
        `tensor "${key}" has invalid data_offsets ${JSON.stringify(offs)} (expected [begin, end] with 0 <= begin <= end)`,
      );
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen)
      fail(
        `tensor "${key}" data_offsets [${begin}, ${end}] are out of range: the data section has ${dataLen} bytes (truncated file?)`,
      );
    const dims = shape as number[];
    const count = dims.reduce((a, b) => a * b, 1);
    const itemSize = ITEM_SIZE[dtype as SafetensorsDType];
    if (count * itemSize !== end - begin)
      fail(
        `tensor "${key}": shape ${fmt(dims)} of ${dtype} needs ${count * itemSize} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    entries.push({ name: key, dtype: dtype as SafetensorsDType, shape: dims, begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  for (const e of sorted) {
    if (e.begin < expect)
      fail(
        `tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (which ends at ${expect})`,
      );
    if (e.begin > expect) fail(`gap in the data: bytes ${expect}..${e.begin} belong to no tensor (before "${e.name}")`);
    expect = e.end;
  }
  if (expect !== dataLen)
    fail(`the data section has ${dataLen} bytes but the tensors cover ${expect} (trailing bytes or missing tensors)`);
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, SafetensorsDType> = {};
  for (const e of entries) {
    tensors[e.name] = decodeTensor(bytes, view, dataStart + e.begin, e, fail);
    dtypes[e.name] = e.dtype;
  }
  return { tensors, metadata, dtypes };
}

function decodeTensor(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  e: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number },
  fail: (msg: string) => never,
): Tensor {
  const count = (e.end - e.begin) / ITEM_SIZE[e.dtype];
  switch (e.dtype) {
    case 'F32':
    case 'I32': {
      // A fresh, aligned copy (Buffer.slice would alias Node's shared pool instead of copying).
      const copy = new Uint8Array(count * 4);
      copy.set(bytes.subarray(at, at + count * 4));
      if (LITTLE_ENDIAN)
        return new Tensor(e.dtype === 'F32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer), e.shape);
      const out = e.dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
      for (let i = 0; i < count; i++)
        out[i] = e.dtype === 'F32' ? view.getFloat32(at + 4 * i, true) : view.getInt32(at + 4 * i, true);
      return new Tensor(out, e.shape);
    }
    case 'F64':
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] =
          e.dtype === 'F64'
            ? view.getFloat64(at + 8 * i, true)
            : e.dtype === 'F16'
              ? halfToFloat(view.getUint16(at + 2 * i, true))
              : new Float32Array(new Uint32Array([view.getUint16(at + 2 * i, true) << 16]).buffer)[0];
      }
      return new Tensor(out, e.shape);
    }
    default: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        let v: number | bigint;
        switch (e.dtype) {
          case 'I64':
            v = view.getBigInt64(at + 8 * i, true);
            break;
          case 'U64':
            v = view.getBigUint64(at + 8 * i, true);
            break;
          case 'U32':
            v = view.getUint32(at + 4 * i, true);
            break;
          case 'I16':
            v = view.getInt16(at + 2 * i, true);
            break;
          case 'U16':
            v = view.getUint16(at + 2 * i, true);
            break;
          case 'I8':
            v = view.getInt8(at + i);
            break;
          default:
            v = bytes[at + i]; // U8, BOOL
        }
        if (v < -2147483648 || v > 2147483647)
          fail(`tensor "${e.name}" (${e.dtype}) element ${i} = ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      return new Tensor(out, e.shape);
    }
  }
}

/** Writes tensors to a .safetensors file atomically (a crash never leaves a half-written file). */
export async function saveSafetensors(
  path: string,
  tensors: StateDictLike,
  metadata?: Record<string, string>,
): Promise<void> {
  await atomicWriteFile(path, serializeSafetensors(tensors, metadata));
}

/** Reads a .safetensors file (Node only). */
export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  const { fsp, path: pathMod } = await nodeModules('loadSafetensors');
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw new Error(`loadSafetensors: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return deserializeSafetensors(bytes, pathMod.basename(path));
}
