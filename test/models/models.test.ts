import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createModel,
  modelNames,
  modelLoss,
  modelSpec,
  lenet5,
  kerasFashion,
  mlp,
  logisticRegression,
} from '../../src/models/index.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import { noGrad } from '../../src/autograd/engine.js';
import type { Module } from '../../src/nn/module.js';

function layers<T>(m: Module, cls: new (...a: never[]) => T): T[] {
  return [...m.modules()].filter((x): x is T & Module => x instanceof cls) as T[];
}

test('lenet5: 61,706 parameters, (N, 1, 28, 28) -> (N, 10)', () => {
  const m = lenet5();
  // conv1 6*25+6, conv2 16*6*25+16, fc 400*120+120, 120*84+84, 84*10+10
  assert.equal(m.numParameters(), 156 + 2416 + 48120 + 10164 + 850);
  assert.equal(m.numParameters(), 61706);
  const y = noGrad(() => m.call(randn([2, 1, 28, 28])));
  assert.deepEqual(y.shape, [2, 10]);
  const convs = layers(m, Conv2d);
  assert.deepEqual(
    convs.map((c) => [c.inChannels, c.outChannels, ...c.kernelSize]),
    [
      [1, 6, 5, 5],
      [6, 16, 5, 5],
    ],
  );
  assert.equal(convs[0].options.padding, 2);
});

test("kerasFashion: the lecture's 1,413,834 parameters, same padding, He init, logits out", () => {
  manualSeed(0);
  const m = kerasFashion();
  assert.equal(m.numParameters(), 1413834);
  const convs = layers(m, Conv2d);
  assert.deepEqual(
    convs.map((c) => c.numParameters()),
    [3200, 73856, 147584, 295168, 590080],
  );
  assert.ok(convs.every((c) => c.options.padding === 'same'));
  const dense = layers(m, Linear);
  assert.deepEqual(
    dense.map((d) => d.numParameters()),
    [295040, 8256, 650],
  );
  assert.deepEqual(
    layers(m, Dropout).map((d) => d.p),
    [0.5, 0.5],
  );
  // He normal: std sqrt(2 / fanIn) -> for the 2304->128 layer, sqrt(2/2304) = 0.02946; zero biases
  const w = dense[0].weight.f32;
  let s = 0;
  for (const v of w) s += v * v;
  const std = Math.sqrt(s / w.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 2304)) < 0.002, `std ${std}`);
  assert.ok(Array.from(dense[0].bias!.data).every((v) => v === 0));
  m.eval();
  const y = noGrad(() => m.call(randn([1, 1, 28, 28])));
  assert.deepEqual(y.shape, [1, 10]);
  const total = Array.from(y.data).reduce((a, b) => a + Math.exp(b), 0);
  assert.ok(Math.abs(total - 1) > 1e-3, 'outputs are logits, not probabilities');
});

test('mlp and logisticRegression', () => {
  const m = mlp({ inputSize: 784, hidden: [300, 100], numClasses: 10 });
  assert.equal(m.numParameters(), 784 * 300 + 300 + 300 * 100 + 100 + 1010);
  assert.deepEqual(noGrad(() => m.call(randn([3, 1, 28, 28]))).shape, [3, 10]);
  assert.throws(() => mlp({ hidden: [0] }), /mlp: hidden\[0\] must be a positive integer, got 0/);
  const lr = logisticRegression({ inputSize: 30 });
  assert.equal(lr.numParameters(), 31);
  assert.deepEqual(noGrad(() => lr.call(randn([5, 30]))).shape, [5, 1]);
  assert.equal(logisticRegression({ inputSize: 4, numClasses: 3 }).numParameters(), 15);
});

test('createModel by name', () => {
  assert.deepEqual(modelNames(), [
    'mlp',
    'lenet5',
    'keras-fashion',
    'logistic',
    'alexnet',
    'vgg11',
    'vgg16',
    'googlenet',
    'resnet18',
    'resnet34',
    'resnet50',
    'resnet20',
    'tcn1d',
    'autoencoder',
    'unet',
  ]);
  assert.equal(createModel('lenet5').numParameters(), 61706);
  assert.equal(createModel('keras-fashion').numParameters(), 1413834);
  assert.equal(createModel('mlp', { inputShape: [30], numClasses: 2, hidden: [8] }).numParameters(), 30 * 8 + 8 + 18);
  assert.equal(createModel('logistic').numParameters(), 31);
  assert.equal(modelLoss('logistic', 2), 'bceWithLogits');
  assert.equal(modelLoss('logistic', 3), 'crossEntropy');
  assert.equal(modelSpec('lenet5').loss, 'crossEntropy');
  assert.throws(
    () => createModel('resnet'),
    /unknown model 'resnet' \(known: mlp, lenet5, keras-fashion, logistic, alexnet, vgg11, .*, unet\)/,
  );
  assert.throws(
    () => createModel('lenet5', { inputShape: [30] }),
    /createModel\('lenet5'\): needs \[C, 28, 28\] images, the dataset gives \[30\]/,
  );
});
