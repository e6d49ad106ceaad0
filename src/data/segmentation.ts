/**
 * 'mnist-seg': a segmentation task made from MNIST (for U-Net): the input is the digit image
 * (normalised with MNIST's training statistics), the target its stroke mask, 1 where the
 * pixel in [0, 1] is above 0.5 and 0 elsewhere, float32 (1, 28, 28); the sample's label stays
 * the digit. Train with a per-pixel binary loss (bceWithLogits) and score with IoU.
 */
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import type { RawLoaded } from './loaded.js';
import { loadMnist, MNIST_STATS } from './mnist.js';

/** Mask channel names of mnist-seg (one foreground channel). */
export const MNIST_SEG_CLASSES = ['stroke'] as const;

/** Pixel level (in [0, 1]) above which a pixel belongs to the stroke. */
export const MNIST_SEG_THRESHOLD = 0.5;

/** Images in [0, 1] with their stroke masks as dense targets. */
export function withStrokeMasks(ds: TensorDataset, threshold = MNIST_SEG_THRESHOLD): TensorDataset {
  const src = ds.x.data;
  const mask = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) mask[i] = src[i] > threshold ? 1 : 0;
  const options: { classes?: readonly string[]; targets: Tensor } = { targets: new Tensor(mask, ds.x.shape) };
  if (ds.classes) options.classes = ds.classes;
  return new TensorDataset(ds.x, ds.y, options);
}

/** Loads both MNIST splits (first `limit` of each; IDX files from dir if given) as stroke-segmentation datasets. */
export async function loadMnistSegmentation(limit?: number, dir?: string): Promise<RawLoaded> {
  const where = dir === undefined ? {} : { dir };
  const [train, test] = await Promise.all([
    loadMnist({ split: 'train', limit, ...where }),
    loadMnist({ split: 'test', limit, ...where }),
  ]);
  return {
    name: 'mnist-seg',
    task: 'segmentation',
    train: withStrokeMasks(train),
    test: withStrokeMasks(test),
    classes: MNIST_SEG_CLASSES,
    normalize: { mean: [MNIST_STATS.mean], std: [MNIST_STATS.std] },
  };
}
