/**
 * `logisticRegression`: one linear layer. Two classes give a single logit trained with
 * binary cross-entropy on logits (the sigmoid is in the loss); more classes give multinomial
 * (softmax) regression trained with cross-entropy.
 */
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { Sequential } from '../nn/module.js';
import { zeros_ } from '../nn/init.js';

/** Options of logisticRegression(). */
export interface LogisticOptions {
  /** Number of input features (default 30, the breast-cancer features). */
  inputSize?: number;
  /** Number of classes (default 2 → one logit). */
  numClasses?: number;
}

/** Flatten + Linear(inputSize, 1 or numClasses), zero-initialised like classic logistic regression. */
export function logisticRegression(options: LogisticOptions = {}): Sequential {
  const inputSize = options.inputSize ?? 30;
  const numClasses = options.numClasses ?? 2;
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new RangeError(`logisticRegression: numClasses must be an integer >= 2, got ${String(numClasses)}`);
  const lin = new Linear(inputSize, numClasses === 2 ? 1 : numClasses);
  zeros_(lin.weight);
  if (lin.bias) zeros_(lin.bias);
  return new Sequential(new Flatten(), lin);
}
