/**
 * Datasets: indexable collections of (input, label) samples. `TensorDataset` wraps tensors
 * already in memory (MNIST, CIFAR, CSV data), `Subset` views part of another dataset, and
 * `randomSplit` / `trainValSplit` cut a dataset into disjoint seeded subsets.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { randperm } from '../tensor/random.js';
import { SeededStream } from './seeded.js';

/** One sample: the input tensor, its integer class label and, for dense tasks, its target tensor. */
export interface Sample {
  /** The input. */
  x: Tensor;
  /** The label. */
  y: number;
  /**
   * Dense target (a segmentation mask (1, H, W), regression values, ...) when the task is not
   * plain classification; batches then stack these as y instead of the labels.
   */
  target?: Tensor;
}

/**
 * A mini-batch: inputs stacked along a new first axis (N, ...) and y = int32 labels (N), or
 * float32 dense targets (N, ...) for datasets whose samples have a target tensor.
 */
export interface Batch {
  /** Inputs, (B, ...). */
  x: Tensor;
  /** Labels, int32 (B), or dense targets (B, ...). */
  y: Tensor;
}

/** An indexable dataset; getBatch is an optional fast path used by DataLoader. */
export interface Dataset {
  /** Number of samples. */
  readonly length: number;
  /** The i-th sample (0 <= i < length). */
  get(i: number): Sample;
  /** The samples at the given indices as one batch, built with bulk copies. */
  getBatch?(indices: ArrayLike<number>): Batch;
  /** Class names, when known (index = label). */
  readonly classes?: readonly string[];
}

/** Throws unless i is an integer index into a dataset of the given length. */
export function checkIndex(op: string, i: number, length: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= length)
    throw new RangeError(`${op}: index ${String(i)} is out of range for a dataset of length ${length}`);
}

/** Copies rows `indices` of a row-major (rows, rowSize) array into a new array of the same kind. */
export function gatherRows<T extends Float32Array | Int32Array>(
  src: T,
  rowSize: number,
  indices: ArrayLike<number>,
  rows: number,
): T {
  const n = indices.length;
  const out = (src instanceof Float32Array ? new Float32Array(n * rowSize) : new Int32Array(n * rowSize)) as T;
  for (let b = 0; b < n; b++) {
    const i = indices[b];
    if (!(i >= 0 && i < rows) || !Number.isInteger(i))
      throw new RangeError(`getBatch: index ${String(i)} is out of range for a dataset of length ${rows}`);
    const off = i * rowSize;
    out.set(src.subarray(off, off + rowSize), b * rowSize);
  }
  return out;
}

/** Options of TensorDataset. */
export interface TensorDatasetOptions {
  /** Class names (index = label). */
  classes?: readonly string[];
  /**
   * Dense float targets (N, ...) (segmentation masks, regression values): sample i gets
   * target = targets[i], and getBatch returns them as y instead of the integer labels.
   */
  targets?: Tensor;
}

/** A dataset over in-memory tensors: sample i is (x[i], y[i]). */
export class TensorDataset implements Dataset {
  /** All inputs, shape (N, ...). */
  readonly x: Tensor;
  /** All labels, int32 shape (N). */
  readonly y: Tensor;
  /** Class names (index = label), if given. */
  readonly classes?: readonly string[];
  /** Dense targets (N, ...), if given (see TensorDatasetOptions.targets). */
  readonly targets?: Tensor;
  private readonly rowSize: number;
  private readonly targetRowSize: number;

  /** Pairs inputs x (N, ...) with labels y (N integers: a tensor, Int32Array or number[]). */
  constructor(x: Tensor, y: Tensor | Int32Array | readonly number[], options: TensorDatasetOptions = {}) {
    if (x.ndim < 1) throw new RangeError(`TensorDataset: x must have a sample axis, got shape ${fmt(x.shape)}`);
    const yData = y instanceof Tensor ? y.data : y;
    const n = x.shape[0];
    if (y instanceof Tensor && y.ndim !== 1)
      throw new RangeError(`TensorDataset: y must be 1-D, got shape ${fmt(y.shape)}`);
    if (yData.length !== n)
      throw new RangeError(
        `TensorDataset: x has ${n} samples (shape ${fmt(x.shape)}) but y has ${yData.length} labels`,
      );
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = yData[i];
      if (!Number.isInteger(v)) throw new TypeError(`TensorDataset: label ${i} is ${String(v)}, expected an integer`);
      labels[i] = v;
    }
    this.x = x.detach();
    this.y = new Tensor(labels, [n]);
    this.rowSize = sizeOf(x.shape.slice(1));
    if (options.classes) this.classes = [...options.classes];
    this.targetRowSize = 0;
    const t = options.targets;
    if (t !== undefined) {
      if (!(t.data instanceof Float32Array) || t.ndim < 1 || t.shape[0] !== n)
        throw new RangeError(
          `TensorDataset: targets must be float32 with ${n} rows like x (shape ${fmt(x.shape)}), got ${t.dtype} of shape ${fmt(t.shape)}`,
        );
      this.targets = t.detach();
      this.targetRowSize = sizeOf(t.shape.slice(1));
    }
  }

  /** Number of samples. */
  get length(): number {
    return this.x.shape[0];
  }

  /** Sample i (a copy of x[i]). */
  get(i: number): Sample {
    checkIndex('TensorDataset.get', i, this.length);
    const off = i * this.rowSize;
    const x = new Tensor(this.x.data.slice(off, off + this.rowSize), this.x.shape.slice(1));
    const t = this.targets;
    if (!t) return { x, y: this.y.data[i] };
    const toff = i * this.targetRowSize;
    const target = new Tensor(t.data.slice(toff, toff + this.targetRowSize), t.shape.slice(1));
    return { x, y: this.y.data[i], target };
  }

  /** The samples at indices, gathered with one typed-array copy per sample (y: labels, or targets when given). */
  getBatch(indices: ArrayLike<number>): Batch {
    const n = indices.length;
    const x = new Tensor(gatherRows(this.x.data, this.rowSize, indices, this.length), [n, ...this.x.shape.slice(1)]);
    const t = this.targets;
    if (t) {
      const y = gatherRows(t.data as Float32Array, this.targetRowSize, indices, this.length);
      return { x, y: new Tensor(y, [n, ...t.shape.slice(1)]) };
    }
    const y = gatherRows(this.y.data as Int32Array, 1, indices, this.length);
    return { x, y: new Tensor(y, [n]) };
  }
}

/** The samples of another dataset at the given indices, in that order. */
export class Subset implements Dataset {
  /** The underlying dataset. */
  readonly dataset: Dataset;
  /** Indices into the underlying dataset. */
  readonly indices: Int32Array;

  /** A view of dataset restricted to indices (each must be a valid index). */
  constructor(dataset: Dataset, indices: ArrayLike<number>) {
    this.dataset = dataset;
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    for (let k = 0; k < this.indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= dataset.length)
        throw new RangeError(
          `Subset: index ${String(i)} (position ${k}) is out of range for a dataset of length ${dataset.length}`,
        );
    }
  }

  /** Number of samples. */
  get length(): number {
    return this.indices.length;
  }
  /** Class names of the underlying dataset. */
  get classes(): readonly string[] | undefined {
    return this.dataset.classes;
  }

  /** Sample i of the subset. */
  get(i: number): Sample {
    checkIndex('Subset.get', i, this.length);
    return this.dataset.get(this.indices[i]);
  }

  /** Batch of subset positions, forwarded to the parent's fast path when it has one. */
  getBatch(indices: ArrayLike<number>): Batch {
    const mapped = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      checkIndex('Subset.getBatch', i, this.length);
      mapped[k] = this.indices[i];
    }
    if (this.dataset.getBatch) return this.dataset.getBatch(mapped);
    return collate(this.dataset, mapped);
  }
}

/**
 * Builds a batch from per-sample get() calls (used for datasets without getBatch); when the
 * samples carry a dense target, y stacks the targets (float32 (N, ...)) instead of the labels.
 */
export function collate(ds: Dataset, indices: ArrayLike<number>): Batch {
  const n = indices.length;
  if (n === 0) throw new RangeError('collate: cannot build an empty batch');
  const first = ds.get(indices[0]);
  const rowShape = first.x.shape;
  const rowSize = first.x.size;
  const x = first.x.dtype === 'int32' ? new Int32Array(n * rowSize) : new Float32Array(n * rowSize);
  const tShape = first.target?.shape;
  const tSize = first.target?.size ?? 0;
  const y = new Int32Array(n);
  const targets = tShape ? new Float32Array(n * tSize) : null;
  const same = (a: readonly number[], b: readonly number[]): boolean =>
    a.length === b.length && a.every((d, k) => d === b[k]);
  for (let b = 0; b < n; b++) {
    const s = b === 0 ? first : ds.get(indices[b]);
    if (!same(s.x.shape, rowShape)) {
      throw new RangeError(
        `collate: sample ${indices[b]} has shape ${fmt(s.x.shape)} but sample ${indices[0]} has ${fmt(rowShape)}; all samples in a batch must have the same shape`,
      );
    }
    if (!Number.isInteger(s.y))
      throw new TypeError(`collate: sample ${indices[b]} has label ${String(s.y)}, expected an integer`);
    x.set(s.x.data, b * rowSize);
    y[b] = s.y;
    if (targets && tShape) {
      if (!s.target || !same(s.target.shape, tShape))
        throw new RangeError(
          `collate: sample ${indices[b]} has target ${s.target ? `of shape ${fmt(s.target.shape)}` : 'none'} but sample ${indices[0]} has a target of shape ${fmt(tShape)}`,
        );
      targets.set(s.target.data, b * tSize);
    }
  }
  const xt = new Tensor(x, [n, ...rowShape]);
  if (targets && tShape) return { x: xt, y: new Tensor(targets, [n, ...tShape]) };
  return { x: xt, y: new Tensor(y, [n]) };
}

/**
 * Splits a dataset into disjoint random subsets. lengths are sample counts summing to
 * ds.length, or fractions summing to 1 (rounded down, leftovers go to the first subsets
 * round-robin, as in PyTorch). A seed makes the split independent of the global generator.
 */
export function randomSplit(ds: Dataset, lengths: readonly number[], seed?: number): Subset[] {
  const n = ds.length;
  if (lengths.length === 0) throw new RangeError('randomSplit: lengths must not be empty');
  if (lengths.some((l) => !(l >= 0) || !Number.isFinite(l)))
    throw new RangeError(`randomSplit: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  let counts: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every((l) => Number.isInteger(l)) && total === n) {
    counts = [...lengths];
  } else if (Math.abs(total - 1) < 1e-6 && lengths.every((l) => l <= 1)) {
    counts = lengths.map((f) => Math.floor(f * n));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  } else {
    throw new RangeError(
      `randomSplit: lengths [${lengths.join(', ')}] must be counts summing to the dataset length ${n} or fractions summing to 1`,
    );
  }
  const perm = new SeededStream(seed).run(() => randperm(n));
  const out: Subset[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(ds, perm.subarray(start, start + c)));
    start += c;
  }
  return out;
}

/** Splits off a random validation subset of valFraction (0 < valFraction < 1) of the samples. */
export function trainValSplit(
  ds: Dataset,
  valFraction: number,
  seed?: number,
): {
  /** The samples not held out. */
  train: Subset;
  /** The held-out validation samples. */
  val: Subset;
} {
  if (!(valFraction > 0 && valFraction < 1))
    throw new RangeError(`trainValSplit: valFraction must be in (0, 1), got ${String(valFraction)}`);
  const nVal = Math.round(ds.length * valFraction);
  const [train, val] = randomSplit(ds, [ds.length - nVal, nVal], seed);
  return { train, val };
}
