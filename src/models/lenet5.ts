/**
 * `lenet5`: LeCun et al.'s LeNet-5 for 28x28 grayscale digits, in its modern form (ReLU, max
 * pooling): conv 6@5x5 pad 2 → ReLU → maxpool 2 → conv 16@5x5 → ReLU → maxpool 2 → flatten
 * (16·5·5 = 400) → 120 → ReLU → 84 → ReLU → 10 logits. 61,706 parameters.
 */
import { ReLU } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { Sequential } from '../nn/module.js';

/** Options of lenet5(). */
export interface LeNet5Options {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Number of output logits (default 10). */
  numClasses?: number;
}

/** LeNet-5 on (N, 1, 28, 28) input, returning (N, 10) logits. */
export function lenet5(options: LeNet5Options = {}): Sequential {
  const inC = options.inChannels ?? 1;
  const numClasses = options.numClasses ?? 10;
  return new Sequential(
    new Conv2d(inC, 6, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(6, 16, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 5 * 5, 120),
    new ReLU(),
    new Linear(120, 84),
    new ReLU(),
    new Linear(84, numClasses),
  );
}
