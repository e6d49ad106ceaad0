/**
 * What fit()/evaluate()/predict() accept as data, and how it is cut into batches: a Dataset
 * (batched here, shuffled with the global seeded generator), `{x, y}` tensors, or any
 * iterable of ready batches such as a DataLoader.
 */
import { collate, Subset, TensorDataset, type Batch, type Dataset } from '../data/dataset.js';
import { randperm } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Training or evaluation data. */
export type DataInput =
  | Dataset
  | {
      /** Inputs, (N, ...). */
      x: Tensor;
      /** Labels (N) or targets (N, ...). */
      y: Tensor;
    }
  | Iterable<Batch>;

/** A source of batches that knows its size. */
export interface BatchSource {
  /** Batches of one pass (shuffled anew on every call when shuffle is on). */
  batches(): Iterable<Batch>;
  /** Number of batches per pass (NaN when unknown). */
  readonly steps: number;
  /** Number of samples per pass (NaN when unknown). */
  readonly samples: number;
}

function isDataset(d: unknown): d is Dataset {
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof (d as Dataset).get === 'function' &&
    typeof (d as Dataset).length === 'number'
  );
}

function isIterable(d: unknown): d is Iterable<Batch> {
  return typeof d === 'object' && d !== null && typeof (d as Iterable<Batch>)[Symbol.iterator] === 'function';
}

/** Turns `{x, y}` tensors into a TensorDataset; returns datasets and iterables unchanged. */
export function asDataset(op: string, data: DataInput): Dataset | Iterable<Batch> {
  if (isDataset(data)) return data;
  if (
    typeof data === 'object' &&
    data !== null &&
    'x' in data &&
    'y' in data &&
    data.x instanceof Tensor &&
    data.y instanceof Tensor
  ) {
    return new TensorDataset(data.x, data.y);
  }
  if (isIterable(data)) return data;
  throw new TypeError(
    `${op}: data must be a Dataset, {x, y} tensors or an iterable of {x, y} batches (e.g. a DataLoader)`,
  );
}

/** Splits the last `fraction` of a dataset off for validation (no shuffling, as Keras' validation_split). */
export function splitTail(op: string, data: DataInput, fraction: number): { train: Dataset; val: Dataset } {
  const ds = asDataset(op, data);
  if (!isDataset(ds))
    throw new TypeError(
      `${op}: validation {fraction} needs a Dataset or {x, y} tensors, not a DataLoader (pass validation data explicitly)`,
    );
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`${op}: validation fraction must be in (0, 1), got ${String(fraction)}`);
  const n = ds.length;
  const nVal = Math.floor(n * fraction);
  if (nVal < 1 || nVal >= n)
    throw new RangeError(`${op}: validation fraction ${fraction} of ${n} samples leaves an empty split`);
  const cut = n - nVal;
  const range = (a: number, b: number): Int32Array => Int32Array.from({ length: b - a }, (_, i) => a + i);
  return { train: new Subset(ds, range(0, cut)), val: new Subset(ds, range(cut, n)) };
}

/** Batches of a dataset in order or in a fresh random order per pass. */
export function batchSource(op: string, data: DataInput, batchSize: number, shuffle: boolean): BatchSource {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`${op}: batchSize must be a positive integer, got ${String(batchSize)}`);
  const ds = asDataset(op, data);
  if (!isDataset(ds)) {
    const len = (ds as { length?: unknown }).length;
    const steps = typeof len === 'number' ? len : NaN;
    const inner = (ds as { dataset?: unknown }).dataset;
    const samples = isDataset(inner) ? inner.length : NaN;
    return { batches: () => ds, steps, samples };
  }
  const n = ds.length;
  if (n === 0) throw new RangeError(`${op}: the dataset is empty`);
  return {
    steps: Math.ceil(n / batchSize),
    samples: n,
    *batches(): Generator<Batch> {
      const order = shuffle ? randperm(n) : Int32Array.from({ length: n }, (_, i) => i);
      for (let s = 0; s < n; s += batchSize) {
        const idx = order.subarray(s, Math.min(n, s + batchSize));
        yield ds.getBatch ? ds.getBatch(idx) : collate(ds, idx);
      }
    },
  };
}
