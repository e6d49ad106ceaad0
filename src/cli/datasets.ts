/** Datasets by name for the CLI ('mnist', 'fashion-mnist', 'breast-cancer'): what each holds, and loading it. */
import { loadBreastCancer } from '../data/breast-cancer.js';
import { Subset, type Dataset } from '../data/dataset.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_STATS, MNIST_STATS, loadFashionMnist, loadMnist } from '../data/mnist.js';

/** A train/test pair plus what a model and predict need to know about the inputs. */
export interface NamedDataset {
  name: string;
  train: Dataset;
  test: Dataset;
  /** Shape of one sample. */
  inputShape: number[];
  numClasses: number;
  classes: string[];
  /** Pixel normalisation applied after scaling to [0, 1] (images only). */
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

/** The datasets accepted by --dataset (a test checks these sizes against the loaded data). */
export const DATASETS: readonly DatasetInfo[] = [
  {
    name: 'mnist',
    description: 'handwritten digits, 1x28x28, 10 classes',
    inputShape: [1, 28, 28],
    numClasses: 10,
    trainSize: 60000,
    testSize: 10000,
  },
  {
    name: 'fashion-mnist',
    description: 'Zalando clothing images, 1x28x28, 10 classes',
    inputShape: [1, 28, 28],
    numClasses: 10,
    trainSize: 60000,
    testSize: 10000,
  },
  {
    name: 'breast-cancer',
    description: 'Wisconsin diagnostic tabular data, 30 features, 2 classes',
    inputShape: [30],
    numClasses: 2,
    trainSize: 456,
    testSize: 113,
  },
];

/** Names accepted by --dataset. */
export const DATASET_NAMES: readonly string[] = DATASETS.map((d) => d.name);

/** The DatasetInfo of a name (RangeError listing the known names). */
export function datasetInfo(name: string): DatasetInfo {
  const d = DATASETS.find((x) => x.name === name);
  if (!d) throw new RangeError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  return d;
}

function head(ds: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= ds.length) return ds;
  return new Subset(
    ds,
    Int32Array.from({ length: limit }, (_, i) => i),
  );
}

/** A 28x28 gray, 10-class dataset (MNIST and Fashion-MNIST): both splits, normalized. */
async function grayDigits(
  name: string,
  load: (options: { split: 'train' | 'test'; normalize: boolean; limit?: number }) => Promise<Dataset>,
  limit: number | undefined,
  classes: string[],
  stats: { readonly mean: number; readonly std: number },
): Promise<NamedDataset> {
  const [train, test] = await Promise.all([
    load({ split: 'train', normalize: true, limit }),
    load({ split: 'test', normalize: true, limit }),
  ]);
  return { name, train, test, inputShape: [1, 28, 28], numClasses: 10, classes, normalize: { ...stats } };
}

/** Loads a dataset by name; `limit` keeps the first N samples of each split. */
export async function loadNamedDataset(name: string, limit?: number): Promise<NamedDataset> {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new RangeError(`--limit must be a positive integer, got ${String(limit)}`);
  switch (name) {
    case 'mnist':
      return grayDigits(
        name,
        loadMnist,
        limit,
        Array.from({ length: 10 }, (_, i) => String(i)),
        MNIST_STATS,
      );
    case 'fashion-mnist':
      return grayDigits(name, loadFashionMnist, limit, [...FASHION_MNIST_CLASSES], FASHION_MNIST_STATS);
    case 'breast-cancer': {
      const bc = await loadBreastCancer({ seed: 0 });
      return {
        name,
        train: head(bc.train, limit),
        test: head(bc.test, limit),
        inputShape: [bc.featureNames.length],
        numClasses: bc.classNames.length,
        classes: [...bc.classNames],
        normalize: null,
      };
    }
    default:
      throw new RangeError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  }
}
