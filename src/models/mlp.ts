/** `mlp`: a multilayer perceptron (flatten, then Linear + ReLU per hidden layer, then logits). */
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { ReLU } from '../nn/layers/activation.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Sequential } from '../nn/module.js';
import { kaimingNormal_, zeros_ } from '../nn/init.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of mlp(). */
export interface MlpOptions {
  /** Number of input features after flattening (default 784 = 28x28). */
  inputSize?: number;
  /** Widths of the hidden layers (default [300, 100], Géron's Fashion-MNIST baseline). */
  hidden?: readonly number[];
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Dropout probability after each hidden activation (default 0: none). */
  dropout?: number;
  /** 'he': He-normal weights and zero biases (Keras he_normal); 'default': PyTorch's init. Default 'he'. */
  init?: 'he' | 'default';
}

function checkPositive(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
}

/** A dense network over flattened inputs that outputs class logits (softmax is in the loss). */
export function mlp(options: MlpOptions = {}): Sequential {
  const inputSize = options.inputSize ?? 784;
  const hidden = options.hidden ?? [300, 100];
  const numClasses = options.numClasses ?? 10;
  checkPositive('mlp', 'inputSize', inputSize);
  checkPositive('mlp', 'numClasses', numClasses);
  hidden.forEach((h, i) => checkPositive('mlp', `hidden[${i}]`, h));
  const net = new Sequential(new Flatten());
  let width = inputSize;
  for (const h of hidden) {
    net.append(heInit(new Linear(width, h), options.init)).append(new ReLU());
    if (options.dropout) net.append(new Dropout(options.dropout));
    width = h;
  }
  net.append(heInit(new Linear(width, numClasses), options.init));
  return net;
}

/** Applies He-normal weights and zero biases (Keras kernel_initializer="he_normal") unless init is 'default'. */
export function heInit<
  T extends {
    /** The layer's weight (He-normal initialised). */
    weight: Tensor;
    /** Its bias (zeroed), if any. */
    bias: Tensor | null;
  },
>(layer: T, init: 'he' | 'default' = 'he'): T {
  if (init === 'default') return layer;
  if (init !== 'he') throw new RangeError(`init must be 'he' or 'default', got '${String(init)}'`);
  kaimingNormal_(layer.weight, { mode: 'fanIn', nonlinearity: 'relu' });
  if (layer.bias) zeros_(layer.bias);
  return layer;
}
