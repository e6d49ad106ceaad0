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
import { modelLoss, modelSpec, type ModelSpec } from '../../models/registry.js';
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
  --resize HxW         resize images, e.g. 32x32 (for models that need larger inputs)
  --seed N             seed of the split, initialisation and shuffling (default 0)
  --backend NAME       js | wasm | native (default: best available)`;

/** A dataset loaded and paired with a model: the splits as the model trains on them, plus the loss. */
export interface ModelData {
  spec: ModelSpec;
  loaded: LoadedDataset;
  train: Dataset;
  test: Dataset;
  loss: LossName;
  /** True when the targets are class labels (accuracy is measured). */
  classify: boolean;
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
  if (dsSpec.inputShape && !resize) {
    const p = spec.inputProblem(dsSpec.inputShape);
    if (p) throw new UsageError(`--model ${spec.name} ${p}; pass --resize HxW`);
  }
  const loaded = await dsSpec.load({
    ...(limit !== undefined ? { limit } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(resize ? { resize } : {}),
    seed,
  });
  const problem = spec.inputProblem(loaded.inputShape);
  if (problem) throw new CliFailure(`--model ${spec.name} ${problem}; pass --resize HxW`, { flag: '--model' });
  if (loaded.task === 'segmentation') {
    return { spec, loaded, train: loaded.train, test: loaded.test, loss: 'bceWithLogits', classify: false };
  }
  if (spec.task === 'reconstruction') {
    const train = new ReconstructionDataset(loaded.train);
    const test = new ReconstructionDataset(loaded.test);
    return { spec, loaded, train, test, loss: 'mse', classify: false };
  }
  return {
    spec,
    loaded,
    train: loaded.train,
    test: loaded.test,
    loss: modelLoss(spec.name, loaded.numClasses),
    classify: true,
  };
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
