/**
 * Image folders as registry datasets ('folder:PATH', and EuroSAT's published layout): a folder
 * with train/ and val/ (or test/) sub-folders uses them as the splits; any other ImageFolder
 * layout (one sub-folder per class, at the root or under a lone train/) is split per class with
 * a seeded stratified split. Up to
 * FOLDER_CACHE_BYTES (EuroSAT's 27,000 images take 332 MB) the images are decoded once at load
 * time and kept as bytes; larger folders decode each image when read.
 */
import { fmt } from '../tensor/shape.js';
import { randperm } from '../tensor/random.js';
import { nodeModules } from '../platform.js';
import { ByteImageDataset, quantize } from './byte-images.js';
import { Subset, type Dataset } from './dataset.js';
import { ImageFolder } from './image-folder.js';
import type { RawLoaded } from './loaded.js';
import type { DatasetLoadOptions, SpecFields } from './registry-types.js';
import { SeededStream } from './seeded.js';

/** Prefix of folder dataset names: 'folder:PATH'. */
export const FOLDER_PREFIX = 'folder:';

/** Folder datasets of at most this many bytes (train + test, one byte per value) are decoded into memory at load time. */
export const FOLDER_CACHE_BYTES = 1024 * 1024 * 1024;

/**
 * Seeded stratified split of labels: for each class in label order, a permutation of its
 * samples from one stream seeded with seed; the first round(count * fraction) go to test. Both
 * index lists are then shuffled from the same stream so classes interleave (and a limit keeps a mix).
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  numClasses: number,
  fraction: number,
  seed: number,
): {
  /** Sample indices of the training split (shuffled). */
  train: Int32Array;
  /** Sample indices of the test split (shuffled). */
  test: Int32Array;
} {
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`stratifiedSplit: fraction must be in (0, 1), got ${String(fraction)}`);
  const stream = new SeededStream(seed);
  const train: number[] = [],
    test: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) rows.push(i);
    const perm = stream.run(() => randperm(rows.length));
    const nTest = Math.round(rows.length * fraction);
    perm.forEach((p, k) => (k < nTest ? test : train).push(rows[p]));
  }
  const shuffled = (idx: number[]): Int32Array =>
    Int32Array.from(
      stream.run(() => randperm(idx.length)),
      (k) => idx[k],
    );
  return { train: shuffled(train), test: shuffled(test) };
}

/**
 * Decodes the images of folder at indices into memory as bytes (ByteImageDataset); every image
 * must have the first one's shape, else the error names both files and the fix.
 */
export function decodeAll(folder: ImageFolder, indices: ArrayLike<number>, op: string): ByteImageDataset {
  const n = indices.length;
  const labels = Int32Array.from(indices as ArrayLike<number>, (i) => folder.samples[i].label);
  if (n === 0) return new ByteImageDataset(new Uint8Array(0), labels, [3, 1, 1], folder.classes);
  const first = folder.get(indices[0]).x;
  const shape = first.shape,
    per = first.size;
  const bytes = new Uint8Array(n * per);
  for (let k = 0; k < n; k++) {
    const x = k === 0 ? first : folder.get(indices[k]).x;
    if (x.size !== per || x.shape.some((d, j) => d !== shape[j]))
      throw new RangeError(
        `${op}: ${folder.samples[indices[k]].path} decodes to ${fmt(x.shape)} but ${folder.samples[indices[0]].path} to ${fmt(shape)}; pass resize: [H, W] (--resize) so every image gets one size`,
      );
    quantize(x.data, bytes, k * per);
  }
  return new ByteImageDataset(bytes, labels, shape, folder.classes);
}

/**
 * Train and test as datasets: decoded once into memory as bytes when they take at most
 * cacheBytes (default FOLDER_CACHE_BYTES), else subsets of the folder that decode each image when read.
 */
export function folderSplits(
  op: string,
  train: { folder: ImageFolder; indices: Int32Array },
  test: { folder: ImageFolder; indices: Int32Array },
  limit: number | undefined,
  cacheBytes = FOLDER_CACHE_BYTES,
): { train: Dataset; test: Dataset } {
  const cut = (idx: Int32Array): Int32Array =>
    limit !== undefined && limit < idx.length ? idx.subarray(0, limit) : idx;
  const trIdx = cut(train.indices),
    teIdx = cut(test.indices);
  if (trIdx.length === 0) throw new RangeError(`${op}: the training split has no images`);
  const per = train.folder.get(trIdx[0]).x.size;
  if ((trIdx.length + teIdx.length) * per <= cacheBytes)
    return { train: decodeAll(train.folder, trIdx, op), test: decodeAll(test.folder, teIdx, op) };
  return { train: new Subset(train.folder, trIdx), test: new Subset(test.folder, teIdx) };
}

/** Every index 0..n-1 in order. */
function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Loads an image folder (see the file comment) as a RawLoaded with per-channel normalisation to compute. */
export async function loadFolder(name: string, root: string, o: DatasetLoadOptions): Promise<RawLoaded> {
  const { fs, path } = await nodeModules('folder dataset');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory())
    throw new Error(
      `dataset '${name}': ${root} is not a folder (expected class sub-folders, or train/ and val/ or test/)`,
    );
  const size = o.resize ? ([o.resize[0], o.resize[1]] as const) : undefined;
  const open = (dir: string): Promise<ImageFolder> => ImageFolder.open(dir, size ? { size } : {});
  const sub = (n: string): string | null => {
    const p = path.join(root, n);
    return fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : null;
  };
  const trainDir = sub('train'),
    evalDir = sub('val') ?? sub('test');
  let splits: { train: Dataset; test: Dataset };
  let classes: readonly string[];
  if (trainDir && evalDir) {
    const [tr, te] = await Promise.all([open(trainDir), open(evalDir)]);
    if (tr.classes.length !== te.classes.length || tr.classes.some((c, i) => c !== te.classes[i]))
      throw new Error(
        `dataset '${name}': ${trainDir} has classes [${tr.classes.join(', ')}] but ${evalDir} has [${te.classes.join(', ')}]; both splits need the same class folders`,
      );
    classes = tr.classes;
    splits = folderSplits(
      `dataset '${name}'`,
      { folder: tr, indices: range(tr.length) },
      { folder: te, indices: range(te.length) },
      o.limit,
    );
  } else {
    // Class folders at the root, or under a lone train/ (no val/ or test/ beside it): a seeded split.
    const all = await open(trainDir ?? root);
    classes = all.classes;
    const labels = all.samples.map((s) => s.label);
    const { train, test } = stratifiedSplit(labels, classes.length, o.valFraction ?? 0.2, o.seed ?? 0);
    splits = folderSplits(
      `dataset '${name}'`,
      { folder: all, indices: train },
      { folder: all, indices: test },
      o.limit,
    );
  }
  return { name, task: 'classification', ...splits, classes, normalize: 'compute' };
}

/** The registry fields and loader of 'folder:PATH' (shape, classes and sizes known after loading). */
export function folderSpec(root: string): { fields: SpecFields; raw: (o: DatasetLoadOptions) => Promise<RawLoaded> } {
  const name = `${FOLDER_PREFIX}${root}`;
  return {
    fields: {
      name,
      description: `image folder ${root} (class sub-folders; train/ + val/ or test/, else a seeded split)`,
      task: 'classification',
      inputShape: null,
      numClasses: null,
      classes: null,
      trainSize: null,
      testSize: null,
      needsDataDir: false,
    },
    raw: (o) => loadFolder(name, root, o),
  };
}
