/**
 * Runs an image operation on every image of a batch (N, C, H, W) in turn, each with its own
 * random draws (torchvision v2 draws once per call; convkit's batch transforms draw per image,
 * which is what applying the transform inside a Dataset's __getitem__ gives in PyTorch).
 */
import { Tensor } from '../../tensor/tensor.js';
import { floatData, imageDims } from './util.js';

/** fn gets one image (a view; do not write to it) and returns its new pixels, or null to keep it. */
export type ImageFn = (img: Float32Array, c: number, h: number, w: number) => Float32Array | null;

/** Applies fn to each image of x; the output has x's shape. */
export function perImage(op: string, x: Tensor, fn: ImageFn): Tensor {
  const src = floatData(op, x);
  const [n, c, h, w] = imageDims(op, x);
  const size = c * h * w;
  const out = new Float32Array(src.length);
  for (let b = 0; b < n; b++) {
    const img = src.subarray(b * size, (b + 1) * size);
    out.set(fn(img, c, h, w) ?? img, b * size);
  }
  return new Tensor(out, x.shape);
}
