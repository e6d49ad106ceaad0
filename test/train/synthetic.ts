/** Tiny synthetic classification problems for the training tests (deterministic, no I/O). */
import { Tensor } from '../../src/tensor/tensor.js';
import { TensorDataset } from '../../src/data/dataset.js';

/** A deterministic generator independent of the global RNG. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * n points in `dim` dimensions from `classes` Gaussian blobs (std 0.5) whose centres sit 2 apart
 * on the coordinate axes: linearly separable with high probability.
 */
export function blobs(
  n: number,
  { dim = 4, classes = 3, seed = 1 }: { dim?: number; classes?: number; seed?: number } = {},
): TensorDataset {
  const r = lcg(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let d = 0; d < dim; d++) x[i * dim + d] = (d === c % dim ? 2 : 0) + 0.5 * gauss();
  }
  return new TensorDataset(new Tensor(x, [n, dim]), y);
}

/** n tiny 1x6x6 "images": class 0 has a bright vertical bar, class 1 a horizontal one, plus noise. */
export function bars(n: number, seed = 2): TensorDataset {
  const r = lcg(seed);
  const x = new Float32Array(n * 36);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    y[i] = c;
    const pos = 1 + Math.floor(r() * 4);
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        const on = c === 0 ? b === pos : a === pos;
        x[i * 36 + a * 6 + b] = (on ? 1 : 0) + 0.2 * (r() - 0.5);
      }
    }
  }
  return new TensorDataset(new Tensor(x, [n, 1, 6, 6]), y);
}
