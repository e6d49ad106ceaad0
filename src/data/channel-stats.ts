/**
 * Per-channel statistics of a dataset's inputs and normalisation by them, as torchvision's
 * `Normalize(mean, std)` after computing mean/std over the training images. The channel axis
 * is a sample's first axis: (C, H, W) images, (C, L) signals, and (F) feature vectors, whose F
 * features each count as a channel of one value.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { collate, TensorDataset, type Dataset } from './dataset.js';

/** Per-channel mean and (population) standard deviation. */
export interface ChannelStats {
  /** Mean per channel. */
  mean: number[];
  /** Standard deviation per channel. */
  std: number[];
}

/**
 * Mean and population standard deviation of every input channel over all samples of ds (read
 * in batches of `batchSize`): exact two-pass statistics per batch in float64, merged across
 * batches with Chan et al.'s pairwise update, so a constant channel gets exactly zero spread.
 * A channel with zero spread gets std 1, so normalising by it leaves values finite (they all
 * equal the mean).
 */
export function channelStats(ds: Dataset, batchSize = 256): ChannelStats {
  const n = ds.length;
  if (n === 0) throw new RangeError('channelStats: the dataset is empty; statistics need at least one sample');
  let mean: Float64Array | null = null,
    m2: Float64Array | null = null;
  let channels = 0,
    per = 0,
    seen = 0;
  for (let start = 0; start < n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, k) => start + k);
    const { x } = ds.getBatch ? ds.getBatch(idx) : collate(ds, idx);
    if (x.ndim < 2) throw new RangeError(`channelStats: batches have shape ${fmt(x.shape)}, expected (N, C, ...)`);
    if (!mean || !m2) {
      channels = x.shape[1];
      per = x.size / (x.shape[0] * channels);
      mean = new Float64Array(channels);
      m2 = new Float64Array(channels);
    } else if (x.shape[1] !== channels || x.size !== x.shape[0] * channels * per) {
      throw new RangeError(
        `channelStats: samples from ${start} have shape ${fmt(x.shape.slice(1))}, unlike the first ones (${channels} channels of ${per} values)`,
      );
    }
    const d = x.data,
      rows = x.shape[0],
      nb = rows * per;
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let b = 0; b < rows; b++) {
        const off = (b * channels + c) * per;
        for (let k = 0; k < per; k++) s += d[off + k];
      }
      const mb = s / nb;
      let q = 0;
      for (let b = 0; b < rows; b++) {
        const off = (b * channels + c) * per;
        for (let k = 0; k < per; k++) {
          const v = d[off + k] - mb;
          q += v * v;
        }
      }
      const total = seen + nb,
        delta = mb - mean[c];
      m2[c] += q + (delta * delta * seen * nb) / total;
      mean[c] += (delta * nb) / total;
    }
    seen += nb;
  }
  const std = Array.from(m2 as Float64Array, (q) => {
    const v = Math.sqrt(q / seen);
    return v > 0 ? v : 1;
  });
  return { mean: Array.from(mean as Float64Array), std };
}

/** Checks stats against a channel count; names the op and the mismatch. */
function checkStats(op: string, stats: ChannelStats, channels: number): void {
  if (stats.mean.length !== channels || stats.std.length !== channels)
    throw new RangeError(
      `${op}: stats have ${stats.mean.length} means and ${stats.std.length} stds but the inputs have ${channels} channels`,
    );
  stats.std.forEach((s, c) => {
    if (!(s > 0)) throw new RangeError(`${op}: std of channel ${c} is ${s}, expected a positive number`);
  });
}

/**
 * (x - mean[c]) / std[c] for every channel c of x: a sample (C, ...) when batched is false, a
 * batch (N, C, ...) when true. Returns a new float32 tensor.
 */
export function normalizeChannels(x: Tensor, stats: ChannelStats, batched: boolean): Tensor {
  const axis = batched ? 1 : 0;
  if (x.ndim <= axis)
    throw new RangeError(`normalizeChannels: input of shape ${fmt(x.shape)} has no channel axis ${axis}`);
  const channels = x.shape[axis];
  checkStats('normalizeChannels', stats, channels);
  const rows = batched ? x.shape[0] : 1;
  const per = x.size / (rows * channels);
  const src = x.data,
    out = new Float32Array(x.size);
  for (let b = 0; b < rows; b++)
    for (let c = 0; c < channels; c++) {
      const off = (b * channels + c) * per;
      const m = stats.mean[c],
        inv = 1 / stats.std[c];
      for (let k = 0; k < per; k++) out[off + k] = (src[off + k] - m) * inv;
    }
  return new Tensor(out, x.shape);
}

/** A copy of a TensorDataset with its inputs normalised per channel (labels, targets and classes kept). */
export function normalizeTensorDataset(ds: TensorDataset, stats: ChannelStats): TensorDataset {
  const options: { classes?: readonly string[]; targets?: Tensor } = {};
  if (ds.classes) options.classes = ds.classes;
  if (ds.targets) options.targets = ds.targets;
  return new TensorDataset(normalizeChannels(ds.x, stats, true), ds.y, options);
}
