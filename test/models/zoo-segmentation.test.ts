// U-Net for segmentation: the registry builds it for mask logits (task 'segmentation',
// outChannels), pairs it with bceWithLogits / per-pixel crossEntropy, and fit() with the 'iou'
// metric learns square masks on tiny synthetic images (IoU measured before and after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNet, UNetUp, createModel, modelLoss, modelSpec, modelTaskFor, unet } from '../../src/models/index.js';
import { manualSeed } from '../../src/tensor/random.js';
import { rand, randn, zeros } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/engine.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { fit } from '../../src/train/fit.js';
import { evaluate } from '../../src/train/evaluate.js';
import { Adam } from '../../src/optim/adam.js';
import { resolveLoss } from '../../src/train/losses.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';

test('registry: unet reconstructs by default and segments with task or outChannels', () => {
  const spec = modelSpec('unet');
  assert.equal(spec.task, 'reconstruction');
  assert.deepEqual(spec.tasks, ['reconstruction', 'segmentation']);
  manualSeed(50);
  const x = rand([2, 1, 28, 28]);
  // width 1/16: base 4 instead of 64 keeps this fast (the base-64 build runs in zoo-registry.slow.test.ts)
  const seg = createModel('unet', { inputShape: [1, 28, 28], task: 'segmentation', width: 1 / 16 }) as UNet;
  assert.deepEqual(noGrad(() => seg.call(x)).shape, [2, 1, 28, 28], 'one mask logit per pixel');
  assert.equal(seg.outc.outChannels, 1);
  assert.equal([...seg.modules()].filter((m) => m instanceof UNetUp).length, 2, '28 = 4·7: two levels');
  // outChannels without a task (tiny inputs keep the base-64 builds cheap: 2x2 → one level)
  assert.equal((createModel('unet', { inputShape: [1, 2, 2], outChannels: 1 }) as UNet).outc.outChannels, 1);
  // per-pixel classes: numClasses > 2 gives one logit per class; 2 classes are one mask logit
  assert.equal(
    (createModel('unet', { inputShape: [3, 2, 2], task: 'segmentation', numClasses: 5 }) as UNet).outc.outChannels,
    5,
  );
  assert.equal(
    (createModel('unet', { inputShape: [3, 2, 2], task: 'segmentation', numClasses: 2 }) as UNet).outc.outChannels,
    1,
  );
  // reconstruction: output = input channels
  assert.equal((createModel('unet', { inputShape: [3, 2, 2] }) as UNet).outc.outChannels, 3);
  assert.throws(
    () => createModel('lenet5', { task: 'segmentation' }),
    /createModel\('lenet5'\): cannot do task 'segmentation' \(it does: classification\)/,
  );
  assert.throws(
    () => createModel('autoencoder', { task: 'classification' }),
    /createModel\('autoencoder'\): cannot do task 'classification' \(it does: reconstruction\)/,
  );
});

test('modelLoss and modelTaskFor pair models, data and losses', () => {
  assert.equal(modelLoss('unet'), 'mse');
  assert.equal(modelLoss('unet', undefined, 'segmentation'), 'bceWithLogits');
  assert.equal(modelLoss('unet', 2, 'segmentation'), 'bceWithLogits');
  assert.equal(modelLoss('unet', 5, 'segmentation'), 'crossEntropy');
  assert.equal(modelLoss('unet', 5, 'reconstruction'), 'mse');
  assert.equal(modelLoss('lenet5', 10), 'crossEntropy');
  assert.equal(modelLoss('logistic'), 'crossEntropy', 'ten classes by default');
  assert.equal(modelLoss('logistic', 2), 'bceWithLogits');
  assert.throws(
    () => modelLoss('resnet18', 10, 'segmentation'),
    /modelLoss\('resnet18'\): the model cannot do task 'segmentation' \(it does: classification\)/,
  );
  assert.equal(modelTaskFor('unet', 'segmentation'), 'segmentation');
  assert.equal(modelTaskFor('unet', 'classification'), 'reconstruction');
  assert.equal(modelTaskFor('autoencoder', 'segmentation'), 'reconstruction');
  assert.equal(modelTaskFor('lenet5', 'segmentation'), null);
  assert.equal(modelTaskFor('lenet5', 'classification'), 'classification');
  assert.equal(modelTaskFor('mlp', 'regression'), null);
});

test('per-pixel crossEntropy trains a multi-class unet: (N, C, H, W) logits, (N, H, W) labels', () => {
  manualSeed(51);
  const m = createModel('unet', { inputShape: [1, 4, 6], task: 'segmentation', numClasses: 3 });
  const out = m.call(randn([2, 1, 4, 6]));
  assert.deepEqual(out.shape, [2, 3, 4, 6]);
  const labels = zeros([2, 4, 6], { dtype: 'int32' });
  const loss = crossEntropy(out, labels);
  loss.backward();
  assert.ok(Number.isFinite(loss.item()));
  assert.ok([...m.parameters()].every((p) => p.grad !== null));
});

/** n images (1, s, s): noise plus a bright square of side 5-10 at a random place; mask = the square. */
function squares(n: number, s: number): { x: Tensor; mask: Tensor } {
  const x = rand([n, 1, s, s]).mul(0.4);
  const mask = zeros([n, 1, s, s]);
  const u = rand([n, 3]).data;
  for (let i = 0; i < n; i++) {
    const side = 5 + Math.floor(u[3 * i] * 6);
    const r0 = Math.floor(u[3 * i + 1] * (s - side + 1)),
      c0 = Math.floor(u[3 * i + 2] * (s - side + 1));
    for (let r = r0; r < r0 + side; r++)
      for (let c = c0; c < c0 + side; c++) {
        x.data[i * s * s + r * s + c] += 0.6;
        mask.data[i * s * s + r * s + c] = 1;
      }
  }
  return { x, mask };
}

test("fit(unet, masks, { loss: 'bceWithLogits', metrics: ['iou'] }) learns square masks", async () => {
  manualSeed(3);
  const train = squares(32, 16),
    held = squares(16, 16);
  const ds = (d: { x: Tensor; mask: Tensor }): TensorDataset =>
    new TensorDataset(d.x, new Int32Array(d.x.shape[0]), { targets: d.mask });
  const model = unet({ inChannels: 1, outChannels: 1, base: 4, depth: 2, batchNorm: true });
  const loss = resolveLoss('bceWithLogits');
  const before = evaluate(model, ds(held), { loss, metrics: ['iou', 'dice'] });
  const history = await fit(model, ds(train), {
    epochs: 8,
    batchSize: 8,
    loss,
    metrics: ['iou'],
    optimizer: new Adam(model.parameters(), { lr: 0.01 }),
    seed: 1,
    verbose: 0,
  });
  const after = evaluate(model, ds(held), { loss, metrics: ['iou', 'dice'] });
  const ious = history.history.iou;
  assert.equal(ious.length, 8);
  assert.ok(ious[7] > ious[0], `training IoU ${ious[0]} -> ${ious[7]}`);
  // squares cover 25-100 of 256 pixels; with manualSeed 1-10 in place of 3 the held-out IoU goes
  // from 0.0-0.25 to 0.85-0.98
  assert.ok(after.iou > 0.7 && after.iou > before.iou + 0.4, `held-out IoU ${before.iou} -> ${after.iou}`);
  assert.ok(after.dice >= after.iou, 'Dice ≥ IoU');
  assert.ok(after.loss < before.loss);
});
