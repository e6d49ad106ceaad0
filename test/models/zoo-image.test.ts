// Image-to-image models of the lectures (convolutional autoencoder, U-Net) and the registry
// entries of the model zoo. Small widths and inputs only: every test here runs in well under 1 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoencoder, unet, UNetUp, createModel, modelNames, modelSpec } from '../../src/models/index.js';
import { Conv2d, ConvTranspose2d } from '../../src/nn/layers/conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Sigmoid } from '../../src/nn/layers/activation.js';
import type { Module } from '../../src/nn/module.js';
import { manualSeed } from '../../src/tensor/random.js';
import { rand, randn } from '../../src/tensor/creation.js';
import { noGrad } from '../../src/autograd/engine.js';
import { mseLoss } from '../../src/nn/functional/loss-regression.js';
import { Adam } from '../../src/optim/adam.js';
import type { Tensor } from '../../src/tensor/tensor.js';

function layers<T>(m: Module, cls: new (...a: never[]) => T): T[] {
  return [...m.modules()].filter((x): x is T & Module => x instanceof cls) as T[];
}

/** Runs `steps` Adam steps of MSE(model(x), target); returns the losses. */
function fit(model: Module, x: Tensor, target: Tensor, steps: number, lr: number): number[] {
  const opt = new Adam(model.parameters(), { lr });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = mseLoss(model.call(x), target);
    loss.backward();
    losses.push(loss.item());
    opt.step();
  }
  return losses;
}

test('autoencoder: Conv2d down, ConvTranspose2d up, output shape = input shape, encoder/decoder usable alone', () => {
  manualSeed(10);
  const ae = autoencoder({ inputShape: [1, 28, 28], latent: 16 });
  assert.deepEqual(
    layers(ae.encoder, Conv2d).map((c) => [c.inChannels, c.outChannels, c.options.stride]),
    [
      [1, 16, 2],
      [16, 32, 2],
    ],
  );
  assert.deepEqual(
    layers(ae.decoder, ConvTranspose2d).map((c) => [c.inChannels, c.outChannels, c.options.stride]),
    [
      [32, 16, 2],
      [16, 1, 2],
    ],
  );
  // conv 1*16*9+16, conv 16*32*9+32, fc 32*7*7*16+16; mirrored: fc 16*1568+1568, tconv 32*16*9+16, 16*1*9+1
  assert.equal(ae.numParameters(), 160 + 4640 + 25104 + 26656 + 4624 + 145);
  const x = rand([3, 1, 28, 28]);
  const z = noGrad(() => ae.encode(x));
  assert.deepEqual(z.shape, [3, 16]);
  assert.deepEqual(ae.codeShape, [16]);
  const y = noGrad(() => ae.call(x));
  assert.deepEqual(y.shape, [3, 1, 28, 28]);
  assert.ok(
    Array.from(y.data).every((v) => v > 0 && v < 1),
    'sigmoid output',
  );
  assert.deepEqual(noGrad(() => ae.decode(z)).shape, [3, 1, 28, 28]);

  const conv = autoencoder({ inputShape: [3, 16, 16], latent: null, channels: [4, 8, 8], outputActivation: 'none' });
  assert.deepEqual(conv.codeShape, [8, 2, 2]);
  assert.equal(layers(conv, Linear).length, 0);
  assert.equal(layers(conv, Sigmoid).length, 0);
  assert.deepEqual(noGrad(() => conv.encode(randn([2, 3, 16, 16]))).shape, [2, 8, 2, 2]);
  assert.deepEqual(noGrad(() => conv.call(randn([2, 3, 16, 16]))).shape, [2, 3, 16, 16]);
  assert.throws(
    () => autoencoder({ inputShape: [1, 30, 30] }),
    /autoencoder: image 30x30 must be divisible by 4 \(2 stride-2 stages\)/,
  );
  assert.throws(
    () => ae.call(randn([1, 1, 32, 32])),
    /Autoencoder: expected input \(N, 1, 28, 28\), got \[1, 1, 32, 32\]/,
  );
});

test('autoencoder: a few training steps reduce the reconstruction loss on a tiny batch', () => {
  manualSeed(11);
  const ae = autoencoder({ inputShape: [1, 8, 8], latent: 16, channels: [8, 16] });
  // images: a bright square at a random place on a dark background
  const x = rand([4, 1, 8, 8]).mul(0.1);
  for (let n = 0; n < 4; n++)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) x.data[n * 64 + (n + i) * 8 + ((2 * n) % 5) + j] = 0.9;
  // over seeds 1-10 the loss ratio after 40 steps is 0.06-0.42; a model that cannot learn stays near 1
  const losses = fit(ae, x, x, 40, 0.01);
  assert.ok(losses[39] < 0.6 * losses[0], `loss ${losses[0].toFixed(4)} -> ${losses[39].toFixed(4)}`);
});

test('unet: output size = input size, skip concatenation doubles the channels before each up double conv', () => {
  manualSeed(12);
  const m = unet({ inChannels: 3, outChannels: 2, base: 4, depth: 2 });
  const ups = layers(m, UNetUp);
  assert.deepEqual(
    ups.map((u) => [u.up.inChannels, u.up.outChannels, u.up.kernelSize[0], u.up.options.stride]),
    [
      [16, 8, 2, 2],
      [8, 4, 2, 2],
    ],
  );
  // after concatenating the skip (8 + 8, then 4 + 4) each double conv starts from the up step's input width
  assert.deepEqual(
    ups.map((u) => (u.conv.at(0) as Conv2d).inChannels),
    [16, 8],
  );
  const convs = layers(m, Conv2d).filter((c) => c.kernelSize[0] === 3);
  assert.ok(convs.every((c) => c.options.padding === 1));
  const x = randn([2, 3, 16, 12]);
  assert.deepEqual(noGrad(() => m.call(x)).shape, [2, 2, 16, 12]);
  assert.throws(
    () => m.call(randn([1, 3, 10, 12])),
    /UNet: expected input \(N, 3, H, W\) with H and W divisible by 4 \(depth 2\), got \[1, 3, 10, 12\]/,
  );
  // the skip path carries gradient from the output straight to the first double conv
  const y = m.call(randn([1, 3, 8, 8]));
  y.sum().backward();
  assert.ok(Array.from((m.inc.at(0) as Conv2d).weight.grad!.data).some((g) => g !== 0));
});

test("unet: parameter count by the layer arithmetic (the paper's 1 -> 2 channels, base 64, depth 4: 31,030,658)", () => {
  // double conv: two 3x3 convs with bias; up: 2x2 transposed conv halving channels; head: 1x1 conv
  const dc = (i: number, o: number): number => 9 * i * o + o + 9 * o * o + o;
  const count = (inC: number, outC: number, base: number, depth: number): number => {
    let n = dc(inC, base);
    for (let i = 0; i < depth; i++) n += dc(base * 2 ** i, base * 2 ** (i + 1));
    for (let i = depth; i > 0; i--) {
      const c = base * 2 ** i;
      n += c * (c / 2) * 4 + c / 2 + dc(c, c / 2);
    }
    return n + base * outC + outC;
  };
  assert.equal(unet({ inChannels: 1, outChannels: 2, base: 4, depth: 4 }).numParameters(), count(1, 2, 4, 4));
  assert.equal(unet({ inChannels: 3, outChannels: 5, base: 6, depth: 3 }).numParameters(), count(3, 5, 6, 3));
  assert.equal(count(1, 2, 64, 4), 31_030_658);
  // with batch norm each 3x3 conv loses its bias (o) and gains weight and bias (2o): +o per conv,
  // for the convs of widths 4, 4 (inc), 8, 8 (down), 4, 4 (up)
  assert.equal(unet({ base: 4, depth: 1, batchNorm: true }).numParameters(), count(1, 2, 4, 1) + 4 + 4 + 8 + 8 + 4 + 4);
});

test('unet: a few training steps reduce the loss of a tiny denoising task', () => {
  manualSeed(13);
  const m = unet({ inChannels: 1, outChannels: 1, base: 8, depth: 2 });
  const clean = rand([2, 1, 8, 8]);
  const noisy = clean.add(randn([2, 1, 8, 8]).mul(0.2));
  // over seeds 1-10 the loss ratio after 40 steps is 0.02-0.37
  const losses = fit(m, noisy, clean, 40, 0.01);
  assert.ok(losses[39] < 0.6 * losses[0], `loss ${losses[0].toFixed(4)} -> ${losses[39].toFixed(4)}`);
});

test('registry: the zoo by name, sized from the dataset', () => {
  for (const n of [
    'alexnet',
    'vgg11',
    'vgg16',
    'googlenet',
    'resnet18',
    'resnet50',
    'resnet20',
    'autoencoder',
    'unet',
  ]) {
    assert.ok(modelNames().includes(n), n);
  }
  assert.deepEqual(modelSpec('resnet20').defaultInputShape, [3, 32, 32]);
  manualSeed(14);
  const r = createModel('resnet20', { inputShape: [1, 28, 28], numClasses: 7 });
  assert.deepEqual(noGrad(() => r.eval().call(randn([2, 1, 28, 28]))).shape, [2, 7]);
  const u = createModel('unet', { inputShape: [1, 28, 28] });
  assert.deepEqual(layers(u, UNetUp).length, 2, '28 = 4 * 7: two pooling levels');
  assert.deepEqual(modelSpec('autoencoder').loss, 'mse');
  const ae = createModel('autoencoder', { inputShape: [1, 28, 28] });
  assert.deepEqual(noGrad(() => ae.call(rand([1, 1, 28, 28]))).shape, [1, 1, 28, 28]);
  assert.throws(
    () => createModel('alexnet', { inputShape: [1, 28, 28] }),
    /createModel\('alexnet'\): needs \[C, H, W\] images of at least 63x63, the dataset gives \[1, 28, 28\]/,
  );
  assert.throws(
    () => createModel('vgg16', { inputShape: [3, 16, 16] }),
    /createModel\('vgg16'\): needs \[C, H, W\] images of at least 32x32/,
  );
  assert.throws(() => createModel('autoencoder', { inputShape: [1, 30, 30] }), /divisible by 4/);
});
