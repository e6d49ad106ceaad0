/** The types of the dataset registry (src/data/registry.ts): what a dataset is, how it loads, what loading gives. */
import type { Dataset } from './dataset.js';

/** What a dataset's targets are: class labels, dense masks, or real values. */
export type DatasetTask = 'classification' | 'segmentation' | 'regression';

/** Options of DatasetSpec.load. */
export interface DatasetLoadOptions {
  /** Keep the first `limit` samples of each split (after any shuffling split). */
  limit?: number;
  /** Folder holding the files of datasets that cannot ship (cifar10, eurosat). */
  dataDir?: string;
  /** Seed of seeded splits (folders without a split, eurosat) and of generated data; default 0. */
  seed?: number;
  /** Fraction held out as the test split for folders without one (and eurosat); default 0.2. */
  valFraction?: number;
  /** Resize images to [height, width] (bilinear, as torch's interpolate; masks re-thresholded). */
  resize?: [number, number];
}

/** A loaded dataset: both splits plus what a model, the weights metadata and predict need. */
export interface LoadedDataset {
  /** Registry name (for folders: 'folder:PATH'). */
  name: string;
  /** What the targets are. */
  task: DatasetTask;
  /** Training split. */
  train: Dataset;
  /** Test (or validation) split. */
  test: Dataset;
  /** Shape of one input sample, after any resize. */
  inputShape: number[];
  /** Shape of one dense target (segmentation: [1, H, W]); null when targets are class labels. */
  targetShape: number[] | null;
  /** Classes (classification), or target channels (segmentation: 1, the foreground). */
  numClasses: number;
  /** Class names (index = label); segmentation: the names of the mask channels. */
  classes: string[];
  /**
   * Per-channel stats computed on the training split, already applied to the tensors
   * (x' = (x - mean[c]) / std[c], channel = a sample's first axis), in the units of the raw
   * inputs (pixels in [0, 1], feature values); null when the inputs are used as they are.
   */
  normalize: {
    /** Mean per channel. */
    mean: number[];
    /** Standard deviation per channel. */
    std: number[];
  } | null;
}

/** A registered dataset: what is known before loading, and its loader. */
export interface DatasetSpec {
  /** Name accepted by datasetSpec / --dataset. */
  name: string;
  /** One line for --help. */
  description: string;
  /** What the targets are. */
  task: DatasetTask;
  /** Shape of one sample; null when known only after loading (folder:PATH). */
  inputShape: readonly number[] | null;
  /** Number of classes; null when known only after loading. */
  numClasses: number | null;
  /** Class names; null when known only after loading. */
  classes: readonly string[] | null;
  /** Samples in the full training and test splits; null when known only after loading. */
  trainSize: number | null;
  /** Samples in the test split (null when it depends on the files). */
  testSize: number | null;
  /** True when the files must be supplied through dataDir (--data-dir): cifar10, eurosat. */
  needsDataDir: boolean;
  /** Loads both splits (see DatasetLoadOptions). */
  load(o?: DatasetLoadOptions): Promise<LoadedDataset>;
}

/** A spec's fields without its loader. */
export type SpecFields = Omit<DatasetSpec, 'load'>;
