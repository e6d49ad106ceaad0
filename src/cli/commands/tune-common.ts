/**
 * What `convkit lr-find`, `tune` and `finetune` share: loading a registry dataset for a zoo model
 * (with --data-dir, --limit, --resize), choosing the loss and metrics from the model's and the
 * dataset's task, and finding a model's head (its last Linear layer) for transfer learning.
 */
import type { Dataset } from '../../data/dataset.js';
import { datasetSpec } from '../../data/registry.js';
import type { LoadedDataset } from '../../data/registry-types.js';
import { Linear } from '../../nn/layers/linear.js';
import type { Module } from '../../nn/module.js';
import {
  modelLoss,
  modelSpec,
  modelTaskFor,
  type ModelOptions,
  type ModelSpec,
  type ModelTask,
} from '../../models/registry.js';
import type { LossName } from '../../train/losses.js';
import { ReconstructionDataset } from '../reconstruction.js';
import { CliFailure, intOption, UsageError, usage } from '../options.js';

/** The flags every one of the three commands takes to pick its data. */
export const DATA_FLAGS = {
  model: { type: 'string' },
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  limit: { type: 'string' },
  resize: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
} as const;

/** The help lines of DATA_FLAGS. */
export const DATA_FLAGS_USAGE = `  --dataset NAME       a registry dataset (convkit --help lists them) or folder:PATH (an image folder)
  --data-dir DIR       where the files of cifar10 / eurosat are
  --limit N            use only the first N samples of each split
  --resize HxW         resize images, e.g. 32x32 (default: the size the model needs, if any)
  --seed N             seed of the split, initialisation and shuffling (default 0)
  --backend NAME       js | wasm | native (default: best available)`;

/** A dataset loaded and paired with a model: the splits as the model trains on them, plus the loss. */
export interface ModelData {
  spec: ModelSpec;
  loaded: LoadedDataset;
  train: Dataset;
  test: Dataset;
  loss: LossName;
  /** What the model is built for on this data. */
  task: ModelTask;
  /** createModel's options for this data (input shape, classes, task). */
  createOptions: ModelOptions & { inputShape: readonly number[]; numClasses: number };
  /** True when the targets are class labels (accuracy is measured). */
  classify: boolean;
  /** The [H, W] the images were resized to because the model needs it (no --resize given), else null. */
  autoResized: [number, number] | null;
}

/** Parses --resize 'HxW' (or 'N' for NxN). */
export function parseResize(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/i.exec(value.trim());
  const h = m ? Number(m[1]) : Number.NaN;
  const w = m ? Number(m[2] ?? m[1]) : Number.NaN;
  if (!(h >= 1 && w >= 1 && h <= 4096 && w <= 4096))
    throw new UsageError(`--resize must be HxW with sides in 1..4096, e.g. 32x32, got '${value}'`);
  return [h, w];
}

/** Checks the names (usage errors list the known ones), loads the data and pairs it with the model. */
export async function loadModelData(values: {
  model?: string;
  dataset?: string;
  'data-dir'?: string;
  limit?: string;
  resize?: string;
  seed?: string;
}): Promise<ModelData> {
  if (values.model === undefined) throw new UsageError('--model is required (convkit --help lists the models)');
  if (values.dataset === undefined) throw new UsageError('--dataset is required (convkit --help lists the datasets)');
  const spec = usage(() => modelSpec(values.model as string));
  const dsSpec = usage(() => datasetSpec(values.dataset as string));
  const limit = values.limit === undefined ? undefined : intOption('--limit', values.limit, 1);
  const seed = values.seed === undefined ? 0 : intOption('--seed', values.seed, 0);
  const resize = parseResize(values.resize);
  if (dsSpec.needsDataDir && values['data-dir'] === undefined)
    throw new UsageError(`--dataset ${dsSpec.name} needs --data-dir DIR (the folder holding its files)`);
  const load = (size: [number, number] | undefined): Promise<LoadedDataset> =>
    dsSpec.load({
      ...(limit !== undefined ? { limit } : {}),
      ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
      ...(size ? { resize: size } : {}),
      seed,
    });
  // the size the model needs, before loading when the registry knows the shape, else after
  let auto = !resize && dsSpec.inputShape ? spec.resizeFor(dsSpec.inputShape) : null;
  let loaded = await load(resize ?? auto ?? undefined);
  if (!resize && !auto && spec.inputProblem(loaded.inputShape)) {
    auto = spec.resizeFor(loaded.inputShape);
    if (auto) loaded = await load(auto);
  }
  const problem = spec.inputProblem(loaded.inputShape);
  if (problem) throw new CliFailure(`--model ${spec.name} ${problem}; pass --resize HxW`, { flag: '--model' });
  const task = modelTaskFor(spec.name, loaded.task);
  if (task === null)
    throw new UsageError(
      `--model ${spec.name} cannot train on ${loaded.name} (a ${loaded.task} dataset; it does ${spec.tasks.join(', ')})`,
    );
  const createOptions: ModelData['createOptions'] = {
    inputShape: loaded.inputShape,
    numClasses: loaded.numClasses,
    task,
  };
  const loss = modelLoss(spec.name, loaded.numClasses, task);
  const base = { spec, loaded, loss, task, createOptions, classify: task === 'classification', autoResized: auto };
  if (task === 'reconstruction')
    return { ...base, train: new ReconstructionDataset(loaded.train), test: new ReconstructionDataset(loaded.test) };
  return { ...base, train: loaded.train, test: loaded.test };
}

/** ' (images resized to HxW for MODEL)' when loadModelData resized them on its own, else ''. */
export function resizeNote(md: ModelData): string {
  return md.autoResized ? ` (images resized to ${md.autoResized[0]}x${md.autoResized[1]} for ${md.spec.name})` : '';
}

/** The dotted path of a model's head: its last Linear layer (resnet/googlenet 'fc', alexnet/vgg 'classifier.6', ...). */
export function headPath(model: Module, modelName: string): string {
  let path: string | null = null;
  for (const [name, m] of model.namedModules()) if (m instanceof Linear && name !== '') path = name;
  if (path === null)
    throw new CliFailure(`--model ${modelName} has no Linear layer to replace as its head (it is not a classifier)`, {
      flag: '--model',
    });
  return path;
}
