/**
 * `kerasFashion`: the lecture's Keras CNN for Fashion-MNIST (Géron 2022, ch. 11/14; 92% test
 * accuracy there): "same"-padded 3x3 convs (7x7 first) with ReLU and He-normal init,
 * 64 → pool → 128, 128 → pool → 256, 256 → pool → flatten (256·3·3 = 2304) → Dense 128 →
 * Dropout 0.5 → Dense 64 → Dropout 0.5 → Dense 10. 1,413,834 parameters. It outputs logits:
 * Keras' final softmax lives in the cross-entropy loss here.
 */
import { ReLU } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { Sequential } from '../nn/module.js';
import { heInit } from './mlp.js';

/** Options of kerasFashion(). */
export interface KerasFashionOptions {
  /** Input channels (default 1, the lecture's grayscale images; 3 for RGB data resized to 28x28). */
  inChannels?: number;
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Dropout probability of the two dropout layers (default 0.5). */
  dropout?: number;
}

/** The lecture's Keras Fashion-MNIST CNN on (N, inChannels, 28, 28) input, returning (N, numClasses) logits. */
export function kerasFashion(options: KerasFashionOptions = {}): Sequential {
  const p = options.dropout ?? 0.5;
  const conv = (inC: number, outC: number, k = 3): Conv2d => heInit(new Conv2d(inC, outC, k, { padding: 'same' }));
  return new Sequential(
    conv(options.inChannels ?? 1, 64, 7),
    new ReLU(),
    new MaxPool2d(2),
    conv(64, 128),
    new ReLU(),
    conv(128, 128),
    new ReLU(),
    new MaxPool2d(2),
    conv(128, 256),
    new ReLU(),
    conv(256, 256),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    heInit(new Linear(2304, 128)),
    new ReLU(),
    new Dropout(p),
    heInit(new Linear(128, 64)),
    new ReLU(),
    new Dropout(p),
    heInit(new Linear(64, options.numClasses ?? 10)),
  );
}
