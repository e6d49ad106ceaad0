/**
 * The CLI's original dataset API ('mnist', 'fashion-mnist', 'breast-cancer'), kept as thin
 * wrappers over the dataset registry (src/data/registry.ts), which knows every dataset; new code
 * should use the registry (datasetSpec, loadDataset) directly.
 */
import type { Dataset } from '../data/dataset.js';
import { datasetSpec } from '../data/registry.js';

/** A train/test pair plus what a model and predict need to know about the inputs. */
export interface NamedDataset {
  name: string;
  train: Dataset;
  test: Dataset;
  /** Shape of one sample. */
  inputShape: number[];
  numClasses: number;
  classes: string[];
  /** Pixel normalisation applied after scaling to [0, 1] (one-channel images only). */
  normalize: { mean: number; std: number } | null;
}

/** What the CLI knows about a dataset before loading it (so flags can be checked first). */
export interface DatasetInfo {
  name: string;
  description: string;
  /** Shape of one sample. */
  inputShape: readonly number[];
  numClasses: number;
  /** Samples in the full training and test splits. */
  trainSize: number;
  testSize: number;
}

const LEGACY_NAMES = ['mnist', 'fashion-mnist', 'breast-cancer'] as const;

/** The datasets of the original --dataset flag, from the registry (a test checks these sizes against the loaded data). */
export const DATASETS: readonly DatasetInfo[] = LEGACY_NAMES.map((name) => {
  const s = datasetSpec(name);
  return {
    name,
    description: s.description,
    inputShape: s.inputShape ?? [],
    numClasses: s.numClasses ?? 0,
    trainSize: s.trainSize ?? 0,
    testSize: s.testSize ?? 0,
  };
});

/** Names accepted by the original --dataset flag. */
export const DATASET_NAMES: readonly string[] = DATASETS.map((d) => d.name);

/** The DatasetInfo of a name (RangeError listing the known names). */
export function datasetInfo(name: string): DatasetInfo {
  const d = DATASETS.find((x) => x.name === name);
  if (!d) throw new RangeError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  return d;
}

/** Loads a dataset by name through the registry; `limit` keeps the first N samples of each split. */
export async function loadNamedDataset(name: string, limit?: number): Promise<NamedDataset> {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new RangeError(`--limit must be a positive integer, got ${String(limit)}`);
  datasetInfo(name);
  const d = await datasetSpec(name).load(limit === undefined ? {} : { limit });
  // The original form: one pixel mean/std for gray images; tabular features arrive standardised.
  const n = d.normalize;
  const normalize = n && n.mean.length === 1 && d.inputShape.length === 3 ? { mean: n.mean[0], std: n.std[0] } : null;
  return {
    name: d.name,
    train: d.train,
    test: d.test,
    inputShape: d.inputShape,
    numClasses: d.numClasses,
    classes: d.classes,
    normalize,
  };
}
