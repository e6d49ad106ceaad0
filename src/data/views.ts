/**
 * Dataset views that change samples on the fly without copying the dataset: `MappedDataset`
 * applies a function to the inputs (and optionally the dense targets) of every sample and
 * batch (resizing, normalising lazily decoded images), `headOf` keeps the first N samples.
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkIndex, collate, Subset, type Batch, type Dataset, type Sample } from './dataset.js';

/** A function of MappedDataset: maps one input (or target) tensor, batched (N, ...) or not. */
export type TensorMap = (t: Tensor, batched: boolean) => Tensor;

/** Options of MappedDataset. */
export interface MappedDatasetOptions {
  /** Applied to each input x (a sample's, or a batch's with batched = true). */
  x?: TensorMap;
  /** Applied to each dense target (Sample.target, or a batch's y when the samples have targets). */
  target?: TensorMap;
}

/** A view of a dataset whose inputs (and dense targets) pass through functions when read. */
export class MappedDataset implements Dataset {
  /** The underlying dataset. */
  readonly dataset: Dataset;
  private readonly maps: MappedDatasetOptions;
  private readonly dense: boolean;

  /** Wraps dataset; maps.x and maps.target run on every sample and batch read from it. */
  constructor(dataset: Dataset, maps: MappedDatasetOptions) {
    this.dataset = dataset;
    this.maps = maps;
    this.dense = dataset.length > 0 && dataset.get(0).target !== undefined;
  }

  /** Number of samples. */
  get length(): number {
    return this.dataset.length;
  }

  /** Class names of the underlying dataset. */
  get classes(): readonly string[] | undefined {
    return this.dataset.classes;
  }

  /** Sample i with its input (and target) mapped. */
  get(i: number): Sample {
    checkIndex('MappedDataset.get', i, this.length);
    const s = this.dataset.get(i);
    const x = this.maps.x ? this.maps.x(s.x, false) : s.x;
    if (s.target === undefined) return { x, y: s.y };
    return { x, y: s.y, target: this.maps.target ? this.maps.target(s.target, false) : s.target };
  }

  /** The batch of the underlying dataset at indices, mapped as a whole. */
  getBatch(indices: ArrayLike<number>): Batch {
    const b = this.dataset.getBatch ? this.dataset.getBatch(indices) : collate(this.dataset, indices);
    const x = this.maps.x ? this.maps.x(b.x, true) : b.x;
    const y = this.dense && this.maps.target ? this.maps.target(b.y, true) : b.y;
    return { x, y };
  }
}

/** The first `limit` samples of ds (ds itself when limit is undefined or not smaller than its length). */
export function headOf(ds: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= ds.length) return ds;
  return new Subset(
    ds,
    Int32Array.from({ length: limit }, (_, i) => i),
  );
}
