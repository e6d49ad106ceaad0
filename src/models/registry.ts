/**
 * Models by name: `createModel('lenet5')`. Each entry knows the input it expects and the loss
 * it is trained with, so the CLI and scripts can pair any model with any dataset that fits.
 */
import type { Module } from '../nn/module.js';
import type { LossName } from '../train/losses.js';
import { kerasFashion } from './keras-fashion.js';
import { lenet5 } from './lenet5.js';
import { logisticRegression } from './logistic.js';
import { mlp } from './mlp.js';

/** What createModel needs to size a model for a dataset. */
export interface ModelOptions {
  /** Shape of one input sample, e.g. [1, 28, 28] or [30]. */
  inputShape?: readonly number[];
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Hidden layer widths (mlp only). */
  hidden?: readonly number[];
}

/** A registered model. */
export interface ModelSpec {
  /** Registry name. */
  readonly name: string;
  /** One-line description. */
  readonly description: string;
  /** The loss it is trained with. */
  readonly loss: LossName;
  /** The input shape it is built for by default. */
  readonly defaultInputShape: readonly number[];
  /** Builds the model (throws if the input shape does not fit). */
  create(options?: ModelOptions): Module;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function needImage28(name: string, shape: readonly number[] | undefined): void {
  if (shape && (shape.length !== 3 || shape[1] !== 28 || shape[2] !== 28)) {
    throw new RangeError(`createModel('${name}'): needs [C, 28, 28] images, the dataset gives [${shape.join(', ')}]`);
  }
}

const specs: ModelSpec[] = [
  {
    name: 'mlp', description: 'dense network: flatten → 300 → ReLU → 100 → ReLU → classes', loss: 'crossEntropy', defaultInputShape: [1, 28, 28],
    create: (o = {}) => mlp({ inputSize: size(o.inputShape ?? [1, 28, 28]), numClasses: o.numClasses ?? 10, ...(o.hidden ? { hidden: o.hidden } : {}) }),
  },
  {
    name: 'lenet5', description: 'LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, 120, 84, 10) for 28x28 images', loss: 'crossEntropy', defaultInputShape: [1, 28, 28],
    create: (o = {}) => { needImage28('lenet5', o.inputShape); return lenet5({ inChannels: o.inputShape?.[0] ?? 1, numClasses: o.numClasses ?? 10 }); },
  },
  {
    name: 'keras-fashion', description: "the lecture's Keras Fashion-MNIST CNN (1,413,834 parameters)", loss: 'crossEntropy', defaultInputShape: [1, 28, 28],
    create: (o = {}) => {
      needImage28('keras-fashion', o.inputShape);
      if (o.inputShape && o.inputShape[0] !== 1) throw new RangeError(`createModel('keras-fashion'): needs 1-channel images, got ${o.inputShape[0]}`);
      return kerasFashion({ numClasses: o.numClasses ?? 10 });
    },
  },
  {
    name: 'logistic', description: 'logistic regression (one linear layer; one logit for two classes)', loss: 'bceWithLogits', defaultInputShape: [30],
    create: (o = {}) => logisticRegression({ inputSize: size(o.inputShape ?? [30]), numClasses: o.numClasses ?? 2 }),
  },
];

/** Names of all registered models. */
export function modelNames(): string[] {
  return specs.map((s) => s.name);
}

/** The registry entry of a model (throws listing the known names). */
export function modelSpec(name: string): ModelSpec {
  const s = specs.find((m) => m.name === name);
  if (!s) throw new RangeError(`unknown model '${name}' (known: ${modelNames().join(', ')})`);
  return s;
}

/** The loss a model is trained with: 'bceWithLogits' when it outputs one logit for two classes. */
export function modelLoss(name: string, numClasses = 10): LossName {
  const s = modelSpec(name);
  return s.name === 'logistic' && numClasses > 2 ? 'crossEntropy' : s.loss;
}

/** Builds a registered model by name: 'mlp', 'lenet5', 'keras-fashion' or 'logistic'. */
export function createModel(name: string, options: ModelOptions = {}): Module {
  return modelSpec(name).create(options);
}
