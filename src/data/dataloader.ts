/**
 * DataLoader: iterates a dataset in mini-batches {x: (N, ...), y: int32 (N)}, optionally
 * shuffled (a fresh permutation every epoch, i.e. every time iteration starts), with an
 * optional input transform (normalisation, augmentation) and an optional batch-level (x, y)
 * transform (MixUp, CutMix: y becomes float class probabilities (N, C)); both draw from the
 * loader's seeded stream. Batches are built with bulk
 * typed-array copies (the dataset's getBatch fast path when it has one). Both a sync iterator
 * (`for (const b of loader)`) and an async one (`for await`), which builds the next batch in
 * the background while the current one is being used, are provided.
 */
import { randperm } from '../tensor/random.js';
import { collate, type Batch, type Dataset } from './dataset.js';
import { SeededStream } from './seeded.js';
import { applyTransform, type TransformLike } from './transforms.js';
import { applyBatchTransform, type BatchTransformLike } from './augment/mix.js';

/** Runs fn on a later macrotask (setImmediate in Node, setTimeout elsewhere). */
const defer: (fn: () => void) => void =
  typeof setImmediate === 'function'
    ? (fn) => {
        setImmediate(fn);
      }
    : (fn) => {
        setTimeout(fn, 0);
      };

/** Options of DataLoader. */
export interface DataLoaderOptions {
  /** Samples per batch; default 1. */
  batchSize?: number;
  /** Reshuffle the samples at the start of every epoch; default false. */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize; default false. */
  dropLast?: boolean;
  /**
   * Seed of the loader's own random stream (shuffling and random transforms), making its
   * epochs reproducible whatever else draws random numbers. Without it the global generator
   * is used (reproducible through manualSeed).
   */
  seed?: number;
  /** Applied to each input batch x after it is assembled. */
  transform?: TransformLike;
  /**
   * Applied after `transform` to the whole batch (x, y); it may change the labels, e.g. MixUp
   * and CutMix return float class probabilities (N, C), which crossEntropy accepts as targets.
   */
  batchTransform?: BatchTransformLike;
}

/** Iterates a dataset in (optionally shuffled, transformed) mini-batches. */
export class DataLoader implements Iterable<Batch>, AsyncIterable<Batch> {
  /** The dataset being iterated. */
  readonly dataset: Dataset;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch is reshuffled. */
  readonly shuffle: boolean;
  /** Whether a short final batch is dropped. */
  readonly dropLast: boolean;
  /** Input transform, if any. */
  readonly transform?: TransformLike;
  /** Batch-level (x, y) transform, if any. */
  readonly batchTransform?: BatchTransformLike;
  private readonly stream: SeededStream;
  private epochCount = 0;

  /** Creates a loader; see DataLoaderOptions. */
  constructor(dataset: Dataset, options: DataLoaderOptions = {}) {
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    if (!dataset || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length) || dataset.length < 0) {
      throw new TypeError('DataLoader: dataset must have an integer length and a get(i) method');
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    if (options.transform) this.transform = options.transform;
    if (options.batchTransform) this.batchTransform = options.batchTransform;
    this.stream = new SeededStream(options.seed);
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Number of epochs started so far. */
  get epochs(): number {
    return this.epochCount;
  }

  /** The sample order of a new epoch (a fresh permutation when shuffling). */
  private epochOrder(): Int32Array {
    this.epochCount++;
    const n = this.dataset.length;
    if (this.shuffle) return this.stream.run(() => randperm(n));
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  /** Builds batch k of an epoch order. */
  private batchAt(order: Int32Array, k: number): Batch {
    const idx = order.subarray(k * this.batchSize, Math.min(order.length, (k + 1) * this.batchSize));
    const batch = this.dataset.getBatch ? this.dataset.getBatch(idx) : collate(this.dataset, idx);
    const t = this.transform,
      bt = this.batchTransform;
    if (!t && !bt) return batch;
    return this.stream.run(() => {
      const x = t ? applyTransform(t, batch.x) : batch.x;
      return bt ? applyBatchTransform(bt, x, batch.y) : { x, y: batch.y };
    });
  }

  /** Starts an epoch: yields its batches in order. */
  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.epochOrder();
    const count = this.length;
    for (let k = 0; k < count; k++) yield this.batchAt(order, k);
  }

  /** Starts an epoch; while the caller works on batch k, batch k + 1 is built on the next macrotask. */
  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const order = this.epochOrder();
    const count = this.length;
    const build = (k: number): Promise<Batch> =>
      new Promise<Batch>((resolve, reject) => {
        defer(() => {
          try {
            resolve(this.batchAt(order, k));
          } catch (e) {
            reject(e);
          }
        });
      });
    let next: Promise<Batch> | null = count > 0 ? build(0) : null;
    for (let k = 0; k < count; k++) {
      const current = await (next as Promise<Batch>);
      next = k + 1 < count ? build(k + 1) : null;
      // Avoid an unhandled rejection if the consumer stops early while a prefetch fails.
      next?.catch(() => undefined);
      yield current;
    }
  }
}
