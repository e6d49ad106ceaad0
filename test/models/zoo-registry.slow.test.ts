// Full-width registry builds (createModel, as the CLI calls it) of models whose size makes them
// slow to initialise: GoogLeNet (MNIST resized to 64x64 by resizeFor), ResNet-18 and -50 (basic
// and bottleneck blocks) and the base-64 U-Net on stroke masks, one forward + backward pass each
// at the size the CLI trains them on. AlexNet's 57M and VGG's 129-134M weights are left to the
// CLI's every-model test (narrow AlexNet/VGG builds run in zoo-registry.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, modelLoss, modelSpec } from '../../src/models/index.js';
import type { Module } from '../../src/nn/module.js';
import { manualSeed } from '../../src/tensor/random.js';
import { rand, randn } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { resolveLoss } from '../../src/train/losses.js';

/** The sample shape the CLI feeds: the data's, or the size resizeFor names. */
function cliShape(model: string, shape: readonly number[]): number[] {
  const r = modelSpec(model).resizeFor(shape);
  return r ? [shape[0], ...r] : [...shape];
}

/** One training step's forward and backward with the model's loss; every parameter gets a finite gradient. */
function step(model: Module, x: Tensor, y: Tensor, lossName: ReturnType<typeof modelLoss>, at: string): Tensor {
  model.train();
  const out = model.call(x);
  const loss = resolveLoss(lossName)(out, y);
  assert.ok(Number.isFinite(loss.item()), `${at}: loss ${loss.item()}`);
  loss.backward();
  for (const [k, p] of model.namedParameters())
    assert.ok(p.grad !== null && Array.from(p.grad.data).every(Number.isFinite), `${at}: ${k} has no finite gradient`);
  return out;
}

const labels = new Tensor(Int32Array.from([3, 7]), [2]);

for (const [name, data, shape] of [
  ['googlenet', 'mnist', [1, 28, 28]],
  ['resnet18', 'cifar10', [3, 32, 32]],
  ['resnet50', 'mnist', [1, 28, 28]],
] as const) {
  test(`${name} on ${data}: full-width registry build, one training step at the CLI size`, () => {
    manualSeed(70);
    const s = cliShape(name, shape);
    const m = createModel(name, { inputShape: s, numClasses: 10 });
    const out = step(m, randn([2, ...s]), labels, modelLoss(name, 10), name);
    assert.deepEqual(out.shape, [2, 10]);
  });
}

test('unet on MNIST-stroke masks: base-64 registry build, mask logits, bceWithLogits step', () => {
  manualSeed(71);
  const m = createModel('unet', { inputShape: [1, 28, 28], task: 'segmentation', numClasses: 1 });
  const x = rand([2, 1, 28, 28]);
  const mask = new Tensor(
    Float32Array.from(x.data, (v) => (v > 0.5 ? 1 : 0)),
    [2, 1, 28, 28],
  );
  const out = step(m, x, mask, modelLoss('unet', 1, 'segmentation'), 'unet');
  assert.deepEqual(out.shape, [2, 1, 28, 28]);
});
