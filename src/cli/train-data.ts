/**
 * Datasets for `convkit train`/`eval`: what is known about a --dataset before it loads (so flags
 * are checked first), loading it, and pairing it with a model: the task (classification,
 * reconstruction x → x, segmentation), the loss, and the input size the model needs (images are
 * resized when the model cannot take the dataset's size, e.g. MNIST at 64x64 for AlexNet).
 */
import { datasetNames, datasetSpec, type DatasetSpec, type LoadedDataset } from '../data/registry.js';
import { modelLoss, modelNames, modelSpec, modelTaskFor, type ModelSpec, type ModelTask } from '../models/registry.js';
import type { LossName } from '../train/losses.js';
import { MappedDataset } from '../data/views.js';
import { Tensor } from '../tensor/tensor.js';
import { CliFailure, usage, UsageError } from './options.js';
import type { ChannelNorm } from './weights-meta.js';

/** What a dataset is for. */
export type DataTask = 'classification' | 'segmentation' | 'regression';
/** What a model is trained to do on it. */
export type TrainTask = ModelTask;

/** What the CLI knows about a dataset before loading it (the registry's spec; null fields: known only after loading). */
export type DataFacts = Omit<DatasetSpec, 'load'>;

/** A loaded dataset: both splits, and the per-channel statistics already applied to them. */
export type TrainData = LoadedDataset;

/** How to load a dataset. */
export interface DataLoadOptions {
  limit?: number;
  dataDir?: string;
  seed?: number;
}

/** Names --dataset accepts (besides folder:PATH). */
export function dataNames(): string[] {
  return datasetNames();
}

/** The facts of a --dataset value (UsageError naming the known datasets). */
export function dataFacts(name: string): DataFacts {
  return usage(() => datasetSpec(name));
}

/** Loads a dataset (both splits; `limit` keeps the first N samples of each); a loader's RangeError names the dataset. */
export async function loadData(name: string, o: DataLoadOptions = {}): Promise<TrainData> {
  try {
    return await datasetSpec(name).load(o);
  } catch (e) {
    if (e instanceof RangeError) throw new CliFailure(e.message, { dataset: name });
    throw e;
  }
}

/** How a model trains on a dataset. */
export interface TrainPlan {
  task: TrainTask;
  loss: LossName;
  /** The model's input shape (the data's, or resized). */
  modelShape: number[];
  /** [H, W] the images are resized to, or null. */
  resize: [number, number] | null;
}

/** Parses --resize: 'HxW' or 'N' (square). */
export function parseResize(raw: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:x\s*(\d+)\s*)?$/i.exec(raw);
  const h = m ? Number(m[1]) : NaN,
    w = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(h >= 1 && w >= 1 && h <= 4096 && w <= 4096))
    throw new UsageError(`--resize must be HxW or N (pixels, 1..4096), e.g. 64x64 or 64, got '${raw}'`);
  return [h, w];
}

/** The models that can train on the data (their task and input fit, resized if need be), for error messages. */
function fittingModels(data: Pick<DataFacts, 'task'> & { inputShape: readonly number[] }): string[] {
  return modelNames().filter((n) => {
    const s = modelSpec(n);
    if (modelTaskFor(n, data.task) === null) return false;
    return s.inputProblem(data.inputShape) === null || s.resizeFor(data.inputShape) !== null;
  });
}

/** The task a model is trained for on this data (classifiers classify, U-Net segments masks, autoencoders reconstruct). */
function chooseTask(
  spec: ModelSpec,
  data: Pick<DataFacts, 'name' | 'task'> & { inputShape: readonly number[] },
): TrainTask {
  const task = modelTaskFor(spec.name, data.task);
  if (task !== null) return task;
  throw new UsageError(
    `--model ${spec.name} (${spec.tasks.join('/')}) cannot train on --dataset ${data.name}, a ${data.task} dataset; models for it: ${fittingModels(data).join(', ') || 'none'}`,
  );
}

/**
 * How `spec` trains on data of this shape and task: refuses (UsageError naming the reason and the
 * models that fit) a model that cannot take the samples even resized. `resize`: --resize, or null
 * for automatic (only when the model needs it).
 */
export function planTraining(
  spec: ModelSpec,
  data: Pick<DataFacts, 'name' | 'task'> & { inputShape: readonly number[]; numClasses: number },
  resize: [number, number] | null,
): TrainPlan {
  const task = chooseTask(spec, data);
  const shape = [...data.inputShape];
  if (resize && shape.length !== 3)
    throw new UsageError(
      `--resize applies to images; --dataset ${data.name} holds samples of shape [${shape.join(', ')}]`,
    );
  const size = resize ?? (shape.length === 3 && spec.inputProblem(shape) !== null ? spec.resizeFor(shape) : null);
  const modelShape = size ? [shape[0], size[0], size[1]] : shape;
  const problem = spec.inputProblem(modelShape);
  if (problem) {
    const why = size ? `${problem} (even resized to ${size[0]}x${size[1]})` : problem;
    throw new UsageError(
      `--model ${spec.name} cannot train on --dataset ${data.name}: it ${why}; models that fit ${data.name}: ${fittingModels(data).join(', ')}`,
    );
  }
  if (task === 'reconstruction' && modelShape.length !== 3)
    throw new UsageError(`--model ${spec.name} reconstructs images; --dataset ${data.name} holds feature vectors`);
  const loss: LossName =
    task === 'segmentation'
      ? 'bceWithLogits'
      : task === 'reconstruction'
        ? 'mse'
        : modelLoss(spec.name, data.numClasses);
  const same = size !== null && size[0] === shape[1] && size[1] === shape[2];
  return { task, loss, modelShape, resize: size && !same ? size : null };
}

/** Whether two normalisations are the same (to float32 precision). */
function sameStats(a: ChannelNorm, b: ChannelNorm): boolean {
  const close = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y));
  return (
    a.mean.length === b.mean.length &&
    a.mean.every((m, i) => close(m, b.mean[i])) &&
    a.std.every((s, i) => close(s, b.std[i]))
  );
}

/**
 * The data normalised with `stats` (the statistics stored with the weights) instead of those the
 * loader computed (e.g. on a different --limit): x' = (x * std_loaded + mean_loaded - mean) / std
 * per channel (a sample's first axis). Unchanged when stats is null or equal to the loader's.
 */
export function renormalized(data: TrainData, stats: ChannelNorm | null, source: string): TrainData {
  if (stats === null) return data;
  const from = data.normalize ?? {
    mean: new Array<number>(stats.mean.length).fill(0),
    std: new Array<number>(stats.std.length).fill(1),
  };
  if (sameStats(from, stats)) return data;
  const channels = data.inputShape[0];
  if (stats.mean.length !== channels || stats.std.length !== channels)
    throw new CliFailure(
      `${source} was normalised over ${stats.mean.length} channels, --dataset ${data.name} has ${channels} (samples [${data.inputShape.join(', ')}]); use the dataset the weights were trained on`,
    );
  const scale = stats.std.map((s, c) => from.std[c] / s);
  const shift = stats.mean.map((m, c) => (from.mean[c] - m) / stats.std[c]);
  const map = (t: Tensor, batched: boolean): Tensor => {
    const per = t.size / (batched ? t.shape[0] : 1) / channels;
    const src = t.data,
      out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const c = Math.floor(i / per) % channels;
      out[i] = src[i] * scale[c] + shift[c];
    }
    return new Tensor(out, t.shape);
  };
  return {
    ...data,
    train: new MappedDataset(data.train, { x: map }),
    test: new MappedDataset(data.test, { x: map }),
    normalize: stats,
  };
}
