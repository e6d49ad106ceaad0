/**
 * The IDX file format of MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * (two zero bytes, a type code, the number of dimensions), then each dimension as a big-endian
 * uint32, then the values big-endian in row-major order. Labels are 0x00000801 (uint8, 1-D),
 * images 0x00000803 (uint8, 3-D). Every header field and the exact file size are validated
 * before anything is allocated, so a corrupt or truncated file gives a clear error.
 */
import { nodeModules } from '../platform.js';

/** Element types of IDX files, by type code. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array. */
export interface IdxArray {
  /** Element type from the magic number. */
  dtype: IdxDType;
  /** Dimensions from the header. */
  shape: number[];
  /** Values in native byte order (uint8 data is a view of the input bytes, not a copy). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, [IdxDType, number]> = {
  0x08: ['uint8', 1],
  0x09: ['int8', 1],
  0x0b: ['int16', 2],
  0x0c: ['int32', 4],
  0x0d: ['float32', 4],
  0x0e: ['float64', 8],
};

/** Largest IDX payload accepted (the whole MNIST training set is 47 MB). */
export const IDX_MAX_BYTES = 1 << 30;

/** Parses IDX bytes; name (e.g. the file name) is used in error messages. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  const fail = (msg: string): never => {
    throw new Error(`parseIdx: ${name}: ${msg}`);
  };
  if (bytes.length < 4) fail(`file is ${bytes.length} bytes, too short for the 4-byte IDX magic number`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const magicHex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (bytes[0] !== 0 || bytes[1] !== 0)
    fail(
      `bad magic number ${magicHex} (expected 0x00000801 for labels or 0x00000803 for images; is this an IDX file, or still gzip-compressed?)`,
    );
  const type = TYPES[bytes[2]];
  if (!type) fail(`bad magic number ${magicHex}: unknown type code 0x${bytes[2].toString(16).padStart(2, '0')}`);
  const [dtype, itemSize] = type as [IdxDType, number];
  const ndim = bytes[3];
  if (ndim < 1) fail(`bad magic number ${magicHex}: zero dimensions`);
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize)
    fail(`truncated header: ${ndim} dimensions need ${headerSize} header bytes but the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    count *= dim;
  }
  const need = count * itemSize;
  if (need > IDX_MAX_BYTES)
    fail(
      `header declares shape [${shape.join(', ')}] (${need} bytes of ${dtype}), more than the ${IDX_MAX_BYTES}-byte limit; the header is corrupt`,
    );
  const have = bytes.length - headerSize;
  if (have < need)
    fail(
      `truncated: header declares shape [${shape.join(', ')}] of ${dtype} (${need} data bytes) but only ${have} follow`,
    );
  if (have > need)
    fail(
      `${have - need} unexpected trailing bytes after the ${need} data bytes declared by shape [${shape.join(', ')}]`,
    );
  const start = headerSize;
  switch (dtype) {
    case 'uint8':
      return { dtype, shape, data: bytes.subarray(start, start + need) };
    case 'int8':
      return { dtype, shape, data: new Int8Array(bytes.buffer, bytes.byteOffset + start, count) };
    default: {
      const data =
        dtype === 'int16'
          ? new Int16Array(count)
          : dtype === 'int32'
            ? new Int32Array(count)
            : dtype === 'float32'
              ? new Float32Array(count)
              : new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const o = start + i * itemSize;
        data[i] =
          dtype === 'int16'
            ? view.getInt16(o, false)
            : dtype === 'int32'
              ? view.getInt32(o, false)
              : dtype === 'float32'
                ? view.getFloat32(o, false)
                : view.getFloat64(o, false);
      }
      return { dtype, shape, data };
    }
  }
}

/** Options of readIdx. */
export interface ReadIdxOptions {
  /** Upper bound on the (decompressed) file size in bytes; default IDX_MAX_BYTES + header. */
  maxBytes?: number;
}

/** Reads and parses an IDX file (Node only); .gz files (or gzip magic 1f 8b) are decompressed with a size bound. */
export async function readIdx(path: string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  const { fsp, zlib, path: pathMod } = await nodeModules('readIdx');
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES + 4 + 4 * 255;
  const name = pathMod.basename(path);
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!st.isFile()) throw new Error(`readIdx: ${path} is not a file`);
  if (st.size > maxBytes) throw new Error(`readIdx: ${name} is ${st.size} bytes, more than the ${maxBytes}-byte limit`);
  let bytes: Uint8Array = await fsp.readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new Error(
        `readIdx: ${name}: gzip decompression failed (corrupt, truncated, or larger than ${maxBytes} bytes): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  } else if (name.endsWith('.gz')) {
    throw new Error(
      `readIdx: ${name} has a .gz name but no gzip header (first bytes ${Array.from(bytes.subarray(0, 2), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
    );
  }
  return parseIdx(bytes, name);
}
