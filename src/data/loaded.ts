/**
 * The shared last step of every registry loader: checks the load options, keeps the first
 * `limit` samples of each split, normalises per channel with statistics of the training split
 * (eagerly for in-memory tensors, lazily for decoded-on-read images), resizes images when asked,
 * and describes the result as a LoadedDataset.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { resizeBilinear } from '../vision/image.js';
import { channelStats, normalizeChannels, normalizeTensorDataset, type ChannelStats } from './channel-stats.js';
import { TensorDataset, type Dataset } from './dataset.js';
import type { DatasetLoadOptions, DatasetTask, LoadedDataset } from './registry-types.js';
import { headOf, MappedDataset } from './views.js';

/** Checks DatasetLoadOptions, naming the dataset, the field and the value at fault. */
export function checkLoadOptions(name: string, o: DatasetLoadOptions): void {
  const bad = (field: string, value: unknown, want: string): never => {
    throw new RangeError(`dataset '${name}': ${field} must be ${want}, got ${JSON.stringify(value) ?? String(value)}`);
  };
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) bad('limit', o.limit, 'a positive integer');
  if (o.seed !== undefined && !Number.isInteger(o.seed)) bad('seed', o.seed, 'an integer');
  if (o.valFraction !== undefined && !(o.valFraction > 0 && o.valFraction < 1))
    bad('valFraction', o.valFraction, 'a fraction in (0, 1)');
  if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || o.dataDir.length === 0))
    bad('dataDir', o.dataDir, 'a folder path');
  if (o.resize !== undefined) {
    const r = o.resize;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isInteger(v) && v >= 1 && v <= 4096))
      bad('resize', r, '[height, width], two integers in 1..4096');
  }
}

/** The first `limit` rows of a TensorDataset as a TensorDataset sharing its storage. */
export function headTensors(ds: TensorDataset, limit: number | undefined): TensorDataset {
  if (limit === undefined || limit >= ds.length) return ds;
  const rows = (t: Tensor): Tensor => {
    const per = sizeOf(t.shape.slice(1));
    return new Tensor(t.data.subarray(0, limit * per), [limit, ...t.shape.slice(1)]);
  };
  const options: { classes?: readonly string[]; targets?: Tensor } = {};
  if (ds.classes) options.classes = ds.classes;
  if (ds.targets) options.targets = rows(ds.targets);
  return new TensorDataset(rows(ds.x), ds.y.data.subarray(0, limit) as Int32Array, options);
}

/** What a loader hands to finishDataset. */
export interface RawLoaded {
  name: string;
  task: DatasetTask;
  train: Dataset;
  test: Dataset;
  classes: readonly string[];
  /**
   * 'compute': per-channel stats of the (limited) training split; a ChannelStats: fixed
   * published stats of the training split; null: no normalisation (already done, or none wanted).
   */
  normalize: 'compute' | ChannelStats | null;
  /** Stats the loader applied itself (e.g. feature standardisation), reported as normalize. */
  applied?: ChannelStats;
}

/** Bilinear resize of images (C, H, W) or batches (N, C, H, W); masks are re-thresholded at 0.5. */
function resizer(size: readonly [number, number], threshold: boolean) {
  return (t: Tensor): Tensor => {
    const out = resizeBilinear(t, size[0], size[1]);
    if (threshold) {
      const d = out.data;
      for (let i = 0; i < d.length; i++) d[i] = d[i] > 0.5 ? 1 : 0;
    }
    return out;
  };
}

/** Applies limit, normalisation and resizing, and describes the result (see the file comment). */
export function finishDataset(raw: RawLoaded, o: DatasetLoadOptions): LoadedDataset {
  const limitOf = (ds: Dataset): Dataset =>
    ds instanceof TensorDataset ? headTensors(ds, o.limit) : headOf(ds, o.limit);
  let train = limitOf(raw.train),
    test = limitOf(raw.test);
  if (train.length === 0) throw new RangeError(`dataset '${raw.name}': the training split is empty`);
  if (test.length === 0)
    throw new RangeError(
      `dataset '${raw.name}': the test split is empty (too few samples per class for the held-out fraction); add samples or raise the valFraction load option`,
    );
  let normalize: ChannelStats | null = raw.applied ?? null;
  if (raw.normalize !== null) {
    const stats = raw.normalize === 'compute' ? channelStats(train) : raw.normalize;
    const apply = (ds: Dataset): Dataset =>
      ds instanceof TensorDataset
        ? normalizeTensorDataset(ds, stats)
        : new MappedDataset(ds, { x: (t, batched) => normalizeChannels(t, stats, batched) });
    train = apply(train);
    test = apply(test);
    normalize = { mean: [...stats.mean], std: [...stats.std] };
  }
  const first = train.get(0);
  if (o.resize) {
    const shape = first.x.shape;
    if (shape.length !== 3)
      throw new RangeError(
        `dataset '${raw.name}': resize applies to images (C, H, W), but its samples have shape ${fmt(shape)}; drop the resize option`,
      );
    if (shape[1] !== o.resize[0] || shape[2] !== o.resize[1]) {
      const maps = { x: resizer(o.resize, false), target: resizer(o.resize, true) };
      train = new MappedDataset(train, maps);
      test = new MappedDataset(test, maps);
    }
  }
  const sample = train.get(0);
  return {
    name: raw.name,
    task: raw.task,
    train,
    test,
    inputShape: [...sample.x.shape],
    targetShape: sample.target ? [...sample.target.shape] : null,
    numClasses: raw.classes.length,
    classes: [...raw.classes],
    normalize,
  };
}
