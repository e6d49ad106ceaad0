/**
 * 'synthetic-waveforms': a clearly synthetic 1-D classification set for temporal CNNs (no npm
 * package ships a real signal or time-series set). Each sample is one channel of
 * WAVEFORM_LENGTH values, x[t] = A * wave(2π f t / L + φ) + b + σ ε_t, with the class's wave
 * (sine, square = sign(sin), sawtooth, triangle, all in [-1, 1]), f uniform in [1.5, 6]
 * cycles per window, φ uniform in [0, 2π), amplitude A uniform in [0.5, 1.5], offset b uniform
 * in [-0.3, 0.3] and Gaussian noise of σ = WAVEFORM_NOISE. Classes are balanced (label = i mod 4
 * before a seeded shuffle); the training set is generated first, then the test set, from one
 * random stream seeded with the load seed (default 0), so a seed always gives the same data.
 */
import { Tensor } from '../tensor/tensor.js';
import { random, randomNormal, randperm } from '../tensor/random.js';
import { TensorDataset } from './dataset.js';
import type { RawLoaded } from './loaded.js';
import { SeededStream } from './seeded.js';

/** Class names (index = label). */
export const WAVEFORM_CLASSES = ['sine', 'square', 'sawtooth', 'triangle'] as const;
/** Samples per signal. */
export const WAVEFORM_LENGTH = 128;
/** Generated split sizes. */
export const WAVEFORM_SIZES = {
  /** Training samples. */
  train: 2000,
  /** Test samples. */
  test: 500,
} as const;
/** Standard deviation of the additive Gaussian noise. */
export const WAVEFORM_NOISE = 0.3;

/** The noiseless unit wave of a class at phase theta (radians), in [-1, 1]. */
export function unitWave(label: number, theta: number): number {
  const frac = theta / (2 * Math.PI) - Math.floor(theta / (2 * Math.PI));
  switch (label) {
    case 0:
      return Math.sin(theta);
    case 1:
      return Math.sin(theta) >= 0 ? 1 : -1;
    case 2:
      return 2 * frac - 1;
    case 3:
      return 1 - 4 * Math.abs(frac - 0.5);
    default:
      throw new RangeError(`unitWave: label must be 0..3 (${WAVEFORM_CLASSES.join(', ')}), got ${label}`);
  }
}

/** n balanced, shuffled waveforms (N, 1, length) drawn from the current global generator. */
function generate(n: number, length: number, noise: number): TensorDataset {
  const x = new Float32Array(n * length);
  const order = randperm(n);
  const y = Int32Array.from(order, (k) => k % WAVEFORM_CLASSES.length);
  for (let i = 0; i < n; i++) {
    const f = 1.5 + 4.5 * random(),
      phase = 2 * Math.PI * random(),
      amp = 0.5 + random(),
      offset = 0.6 * random() - 0.3;
    for (let t = 0; t < length; t++) {
      const theta = (2 * Math.PI * f * t) / length + phase;
      x[i * length + t] = amp * unitWave(y[i], theta) + offset + noise * randomNormal();
    }
  }
  return new TensorDataset(new Tensor(x, [n, 1, length]), y, { classes: WAVEFORM_CLASSES });
}

/** Generates the training and test waveforms for a seed (see the file comment). */
export function makeWaveforms(
  seed: number,
  sizes: { train: number; test: number } = WAVEFORM_SIZES,
): {
  /** The training split. */
  train: TensorDataset;
  /** The test split. */
  test: TensorDataset;
} {
  const stream = new SeededStream(seed);
  return stream.run(() => ({
    train: generate(sizes.train, WAVEFORM_LENGTH, WAVEFORM_NOISE),
    test: generate(sizes.test, WAVEFORM_LENGTH, WAVEFORM_NOISE),
  }));
}

/** The registry loader: both splits, normalised with the training split's mean and std. */
export async function loadWaveforms(seed: number): Promise<RawLoaded> {
  const { train, test } = makeWaveforms(seed);
  return {
    name: 'synthetic-waveforms',
    task: 'classification',
    train,
    test,
    classes: WAVEFORM_CLASSES,
    normalize: 'compute',
  };
}
