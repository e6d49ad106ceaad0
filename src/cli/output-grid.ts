/**
 * The figure `convkit train` writes for image-to-image models: the first test images in the top
 * row and the model's outputs under them (autoencoder reconstructions; for segmentation the true
 * mask and the predicted mask probability). Inputs and reconstructions are shown in pixel values
 * (the training normalisation undone), so the figure can be compared with the data by eye.
 */
import { atomicWriteFile } from '../io/atomic-write.js';
import type { Module } from '../nn/module.js';
import { sigmoid } from '../tensor/ops/elementwise.js';
import type { Dataset } from '../data/dataset.js';
import { collate } from '../data/dataset.js';
import { imageGrid, type ImageData2D } from '../plot/images.js';
import { toPng } from '../plot/png.js';
import type { Tensor } from '../tensor/tensor.js';
import { predict } from '../train/evaluate.js';
import { plotFormat } from '../train/plot-callback.js';
import type { ChannelNorm } from './weights-meta.js';

/** What the figure shows. */
export interface OutputGridOptions {
  /** 'reconstruction': input and output rows; 'segmentation': input, true mask, predicted mask. */
  task: 'reconstruction' | 'segmentation';
  /** The normalisation applied to the inputs (undone for display); null: none. */
  normalize: ChannelNorm | null;
  /** Figure title. */
  title: string;
  /** How many test images (default 8, at most the test set). */
  count?: number;
}

/** Image n of an (N, C, H, W) tensor as channel-last values in [0, 1] (normalisation undone, clamped). */
function image(t: Tensor, n: number, norm: ChannelNorm | null): ImageData2D {
  const [, c, h, w] = t.shape;
  const shown = c === 3 ? 3 : 1; // other channel counts: the first channel
  const out = new Float32Array(h * w * shown);
  const d = t.data;
  for (let ch = 0; ch < shown; ch++) {
    const mean = norm?.mean[ch] ?? 0,
      std = norm?.std[ch] ?? 1;
    for (let p = 0; p < h * w; p++) {
      const v = d[(n * c + ch) * h * w + p] * std + mean;
      out[p * shown + ch] = Math.min(1, Math.max(0, v));
    }
  }
  return { data: out, width: w, height: h, channels: shown as 1 | 3 };
}

/** Mean squared error of sample n between two tensors of equal shape. */
function sampleMse(a: Tensor, b: Tensor, n: number): number {
  const per = a.size / a.shape[0];
  let s = 0;
  for (let i = n * per; i < (n + 1) * per; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s / per;
}

/** Writes the figure of the model's outputs on the first test images to `path` (.png or .svg). */
export async function writeOutputGrid(path: string, model: Module, test: Dataset, o: OutputGridOptions): Promise<void> {
  const format = plotFormat(path, 'convkit train --recon-out');
  const n = Math.min(o.count ?? 8, test.length);
  if (n < 1) return;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const batch = test.getBatch ? test.getBatch(idx) : collate(test, idx);
  const out = predict(model, batch.x);
  const images: ImageData2D[] = [];
  const captions: string[] = [];
  for (let i = 0; i < n; i++) {
    images.push(image(batch.x, i, o.normalize));
    captions.push(`input ${i}`);
  }
  if (o.task === 'reconstruction') {
    for (let i = 0; i < n; i++) {
      images.push(image(out, i, o.normalize));
      captions.push(`MSE ${sampleMse(out, batch.x, i).toFixed(4)}`);
    }
  } else {
    const probs = sigmoid(out);
    for (let i = 0; i < n; i++) {
      images.push(image(batch.y, i, null));
      captions.push(`true mask ${i}`);
    }
    for (let i = 0; i < n; i++) {
      images.push(image(probs, i, null));
      captions.push(`predicted ${i}`);
    }
  }
  const svg = imageGrid(images, { captions, columns: n, title: o.title });
  await atomicWriteFile(path, format === 'svg' ? svg : await toPng(svg));
}
