/**
 * CIFAR-10 "binary version" loader (https://www.cs.toronto.edu/~kriz/cifar.html): each batch
 * file is a sequence of 3073-byte records, one label byte (0-9) then 3072 pixel bytes (the
 * 1024 red, then green, then blue values of a 32x32 image, row-major). Files
 * data_batch_1.bin ... data_batch_5.bin form the training set (50,000 images), test_batch.bin
 * the test set (10,000). Images become float32 (N, 3, 32, 32) in [0, 1].
 */
import { Tensor } from '../tensor/tensor.js';
import { nodeModules } from '../platform.js';
import { TensorDataset } from './dataset.js';
import type { Split } from './mnist.js';

/** Bytes of one CIFAR-10 record (1 label + 3 * 32 * 32 pixels). */
export const CIFAR10_RECORD_BYTES = 3073;
/** CIFAR-10 class names (index = label). */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** Parses one CIFAR-10 binary batch (any whole number of records); name is used in errors. */
export function parseCifar10Batch(
  bytes: Uint8Array,
  name = 'CIFAR-10 batch',
): {
  /** Images, (n, 3, 32, 32) in [0, 1]. */
  x: Tensor;
  /** Labels, int32 (n). */
  y: Tensor;
} {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new Error(
      `parseCifar10Batch: ${name} is ${bytes.length} bytes, not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record size (truncated or not a CIFAR-10 binary batch)`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const x = new Float32Array(n * 3072),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * CIFAR10_RECORD_BYTES;
    const label = bytes[off];
    if (label > 9)
      throw new Error(`parseCifar10Batch: ${name}: record ${i} (byte ${off}) has label ${label}, expected 0-9`);
    y[i] = label;
    const o = i * 3072;
    for (let k = 0; k < 3072; k++) x[o + k] = bytes[off + 1 + k] / 255;
  }
  return { x: new Tensor(x, [n, 3, 32, 32]), y: new Tensor(y, [n]) };
}

/** Reads one CIFAR-10 binary batch file into a TensorDataset (Node only). */
export async function loadCifar10Batch(path: string): Promise<TensorDataset> {
  const { fsp, path: pathMod } = await nodeModules('loadCifar10Batch');
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw new Error(`loadCifar10Batch: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { x, y } = parseCifar10Batch(bytes, pathMod.basename(path));
  return new TensorDataset(x, y, { classes: CIFAR10_CLASSES });
}

/** Options of loadCifar10. */
export interface Cifar10Options {
  /** 'train' (data_batch_1..5.bin, the default) or 'test' (test_batch.bin). */
  split?: Split;
  /** Keep only the first `limit` images (only the batch files they come from are parsed). */
  limit?: number;
}

/**
 * Loads a CIFAR-10 split from dir (the extracted cifar-10-batches-bin folder, or its parent).
 * Class names come from batches.meta.txt when present.
 */
export async function loadCifar10(dir: string, options: Cifar10Options = {}): Promise<TensorDataset> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new RangeError(`loadCifar10: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const { fs, fsp, path } = await nodeModules('loadCifar10');
  const base = fs.existsSync(path.join(dir, 'cifar-10-batches-bin')) ? path.join(dir, 'cifar-10-batches-bin') : dir;
  const files = split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
  const missing = files.filter((f) => !fs.existsSync(path.join(base, f)));
  if (missing.length)
    throw new Error(`loadCifar10: ${base} lacks ${missing.join(', ')} (expected the CIFAR-10 binary version)`);
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new RangeError(`loadCifar10: limit must be a positive integer, got ${String(limit)}`);
  const parts: { x: Tensor; y: Tensor }[] = [];
  let have = 0;
  for (const f of files) {
    if (limit !== undefined && have >= limit) break;
    const p = parseCifar10Batch(await fsp.readFile(path.join(base, f)), f);
    parts.push(p);
    have += p.y.size;
  }
  const n = limit === undefined ? have : Math.min(have, limit);
  const x = new Float32Array(n * 3072),
    y = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    const take = Math.min(p.y.size, n - at);
    x.set(p.x.data.subarray(0, take * 3072), at * 3072);
    y.set(p.y.data.subarray(0, take), at);
    at += take;
  }
  let classes: readonly string[] = CIFAR10_CLASSES;
  const meta = path.join(base, 'batches.meta.txt');
  if (fs.existsSync(meta)) {
    const names = (await fsp.readFile(meta, 'utf8'))
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (names.length !== 10) throw new Error(`loadCifar10: ${meta} lists ${names.length} class names, expected 10`);
    classes = names;
  }
  return new TensorDataset(new Tensor(x, [n, 3, 32, 32]), y, { classes });
}
