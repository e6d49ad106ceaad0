// convkit train's building blocks, in process: the weights metadata's per-channel normalisation,
// how a model is paired with a dataset (task, loss, resizing, refusals), IoU, renormalising data
// to the weights' statistics, the resized view, and the run configuration of older checkpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datasetSlug, epochRecord } from '../../src/cli/commands/train.js';
import { UsageError } from '../../src/cli/options.js';
import { ResizedDataset } from '../../src/cli/resized-dataset.js';
import { resolveRunConfig, savedRunConfig, RUN_METADATA_KEY } from '../../src/cli/train-config.js';
import { parseResize, planTraining, renormalized, type TrainData } from '../../src/cli/train-data.js';
import { datasetIoU } from '../../src/cli/train-evaluator.js';
import { channelStats, decodeWeightsInfo, encodeWeightsInfo } from '../../src/cli/weights-meta.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { modelSpec } from '../../src/models/registry.js';
import { Module } from '../../src/nn/module.js';
import { Tensor } from '../../src/tensor/tensor.js';

const data = (name: string, inputShape: number[], task: TrainData['task'] = 'classification', numClasses = 10) => ({
  name,
  task,
  inputShape,
  numClasses,
});

test('weights metadata: per-channel statistics round-trip; one channel keeps the scalar form; old scalar files are read', () => {
  const rgb = { name: 'cifar10', inputShape: [3, 32, 32], numClasses: 10, classes: [] as string[] };
  const norm = { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] };
  const meta = encodeWeightsInfo('resnet20', { ...rgb, normalize: norm }, { task: 'classification' });
  assert.equal(meta['convkit.normalize'], JSON.stringify(norm));
  const info = decodeWeightsInfo('w.safetensors', meta);
  assert.deepEqual(info.channelNorm, norm);
  assert.equal(info.normalize, null, 'no single mean/std describes three different channels');
  assert.equal(info.task, 'classification');
  assert.equal(info.dataShape, undefined);

  const gray = encodeWeightsInfo(
    'alexnet',
    {
      name: 'mnist',
      inputShape: [1, 28, 28],
      numClasses: 10,
      classes: [],
      normalize: { mean: [0.1307], std: [0.3081] },
    },
    { inputShape: [1, 64, 64] },
  );
  assert.equal(gray['convkit.normalize'], '{"mean":0.1307,"std":0.3081}', 'older readers still understand it');
  const g = decodeWeightsInfo('g.safetensors', gray);
  assert.deepEqual(g.inputShape, [1, 64, 64]);
  assert.deepEqual(g.dataShape, [1, 28, 28]);
  assert.deepEqual(g.normalize, { mean: 0.1307, std: 0.3081 });

  // a scalar form on 3-channel weights applies to every channel
  const old = decodeWeightsInfo('old.safetensors', {
    'convkit.model': 'resnet20',
    'convkit.inputShape': '[3,32,32]',
    'convkit.normalize': '{"mean":0.5,"std":0.25}',
  });
  assert.deepEqual(channelStats(old, 3), { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });

  // features (channel axis = the 30 features) may have any finite mean
  const bc = decodeWeightsInfo('bc.safetensors', {
    'convkit.model': 'mlp',
    'convkit.inputShape': '[2]',
    'convkit.numClasses': '2',
    'convkit.normalize': '{"mean":[14.1,654.9],"std":[3.5,351.6]}',
  });
  assert.deepEqual(bc.channelNorm?.mean, [14.1, 654.9]);
});

test('weights metadata: malformed per-channel statistics and tasks are refused, naming the file, field and fix', () => {
  const base = { 'convkit.model': 'resnet20', 'convkit.inputShape': '[3,32,32]' };
  const dec = (extra: Record<string, string>) => () => decodeWeightsInfo('w.safetensors', { ...base, ...extra });
  assert.throws(
    dec({ 'convkit.normalize': '{"mean":[0.5,0.5],"std":[0.2,0.2]}' }),
    /w\.safetensors: metadata 'convkit\.normalize' is .*expected 3 means and 3 standard deviations \(one per input channel\)/,
  );
  assert.throws(
    dec({ 'convkit.normalize': '{"mean":[0.5,0.5,2],"std":[0.2,0.2,0.2]}' }),
    /a mean in \[0, 1\] \(pixel values\), got mean 2/,
  );
  assert.throws(dec({ 'convkit.normalize': '{"mean":[0.5,0.5,0.5],"std":[0.2,0,0.2]}' }), /got std 0/);
  assert.throws(
    dec({ 'convkit.normalize': '{"mean":[0.5,"a",0.5],"std":[1,1,1]}' }),
    /\{"mean": \[numbers\], "std": \[numbers\]\}/,
  );
  assert.throws(
    dec({ 'convkit.task': 'detection' }),
    /'convkit\.task' is "detection", expected classification, reconstruction or segmentation/,
  );
  assert.throws(dec({ 'convkit.dataShape': '[0]' }), /'convkit\.dataShape' is "\[0\]"/);
});

test('planTraining: classifiers classify, autoencoders reconstruct, U-Net segments mask datasets', () => {
  const lenet = planTraining(modelSpec('lenet5'), data('mnist', [1, 28, 28]), null);
  assert.deepEqual(lenet, { task: 'classification', loss: 'crossEntropy', modelShape: [1, 28, 28], resize: null });
  const ae = planTraining(modelSpec('autoencoder'), data('mnist', [1, 28, 28]), null);
  assert.equal(ae.task, 'reconstruction');
  assert.equal(ae.loss, 'mse');
  const seg = planTraining(modelSpec('unet'), data('mnist-seg', [1, 28, 28], 'segmentation', 1), null);
  assert.equal(seg.task, 'segmentation');
  assert.equal(seg.loss, 'bceWithLogits');
  const tcn = planTraining(modelSpec('tcn1d'), data('synthetic-waveforms', [1, 128], 'classification', 4), null);
  assert.deepEqual(tcn.modelShape, [1, 128]);
  assert.equal(
    planTraining(modelSpec('logistic'), data('breast-cancer', [30], 'classification', 2), null).loss,
    'bceWithLogits',
  );
});

test('planTraining resizes images a model cannot take to the size its registry asks for, and refuses what no resize fixes', () => {
  for (const name of ['alexnet', 'vgg16', 'googlenet']) {
    const spec = modelSpec(name);
    const p = planTraining(spec, data('mnist', [1, 28, 28]), null);
    assert.ok(p.resize, name);
    assert.deepEqual(p.resize, spec.resizeFor([1, 28, 28]), name);
    assert.deepEqual(p.modelShape, [1, ...(p.resize as number[])], name);
    assert.equal(spec.inputProblem(p.modelShape), null, `${name} takes the resized images`);
  }
  assert.deepEqual(planTraining(modelSpec('lenet5'), data('cifar10', [3, 32, 32]), null).resize, [28, 28]);
  assert.deepEqual(planTraining(modelSpec('mlp'), data('mnist', [1, 28, 28]), [32, 32]).modelShape, [1, 32, 32]);
  assert.equal(
    planTraining(modelSpec('resnet18'), data('mnist', [1, 28, 28]), [28, 28]).resize,
    null,
    'same size: no resize',
  );
  assert.throws(
    () => planTraining(modelSpec('lenet5'), data('breast-cancer', [30], 'classification', 2), null),
    (e: Error) =>
      e instanceof UsageError &&
      /^--model lenet5 cannot train on --dataset breast-cancer: it needs \[C, 28, 28\] images, the dataset gives \[30\]; models that fit breast-cancer: mlp, logistic/.test(
        e.message,
      ),
  );
  assert.throws(
    () => planTraining(modelSpec('mlp'), data('breast-cancer', [30], 'classification', 2), [8, 8]),
    /--resize applies to images; --dataset breast-cancer holds samples of shape \[30\]/,
  );
  assert.throws(
    () => planTraining(modelSpec('lenet5'), data('mnist-seg', [1, 28, 28], 'segmentation', 1), null),
    /--model lenet5 \(classification\) cannot train on --dataset mnist-seg, a segmentation dataset; models for it: .*unet/,
  );
  assert.deepEqual(parseResize('64'), [64, 64]);
  assert.deepEqual(parseResize('48x32'), [48, 32]);
  assert.throws(
    () => parseResize('big'),
    /--resize must be HxW or N \(pixels, 1\.\.4096\), e\.g\. 64x64 or 64, got 'big'/,
  );
});

/** A "model" whose output is its input: logits chosen by the test. */
class Echo extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

test('datasetIoU: intersection over union of logit > 0 with mask > 0.5 over every pixel', () => {
  const logits = new Tensor(Float32Array.from([2, -1, 3, -2, /* sample 2 */ -1, -1, 1, 1]), [2, 1, 2, 2]);
  const masks = new Tensor(Float32Array.from([1, 1, 0, 0, /* sample 2 */ 0, 0, 1, 0]), [2, 1, 2, 2]);
  const ds = new TensorDataset(logits, [0, 0], { targets: masks });
  // predicted {0, 2, 6, 7}, true {0, 1, 6}: intersection {0, 6} = 2, union {0, 1, 2, 6, 7} = 5
  assert.equal(datasetIoU(new Echo(), ds, 1), 2 / 5);
  assert.equal(datasetIoU(new Echo(), ds, 2), 2 / 5, 'batching does not change it');
  const empty = new TensorDataset(new Tensor(new Float32Array(4).fill(-1), [1, 1, 2, 2]), [0], {
    targets: new Tensor(new Float32Array(4), [1, 1, 2, 2]),
  });
  assert.equal(datasetIoU(new Echo(), empty), 1, 'nothing predicted, nothing there: perfect');
});

test('renormalized maps data normalised with the loader statistics to the weights statistics, per channel', () => {
  const raw = [0.2, 0.4, 0.6, 0.8]; // 2 channels x 2 pixels
  const loaded = { mean: [0.5, 0.3], std: [0.2, 0.1] };
  const x = raw.map((v, i) => (v - loaded.mean[i >> 1]) / loaded.std[i >> 1]);
  const ds = new TensorDataset(new Tensor(Float32Array.from(x), [1, 2, 1, 2]), [0]);
  const d: TrainData = {
    name: 'toy',
    task: 'classification',
    train: ds,
    test: ds,
    inputShape: [2, 1, 2],
    targetShape: null,
    numClasses: 1,
    classes: ['a'],
    normalize: loaded,
  };
  const weights = { mean: [0.1, 0.6], std: [0.5, 0.25] };
  const r = renormalized(d, weights, 'w.safetensors');
  const want = raw.map((v, i) => (v - weights.mean[i >> 1]) / weights.std[i >> 1]);
  const got = Array.from(r.test.getBatch?.([0]).x.data ?? []);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  const one = Array.from(r.test.get(0).x.data);
  one.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `get(): ${v} vs ${want[i]}`));
  assert.equal(renormalized(d, loaded, 'w'), d, 'equal statistics: the data as loaded');
  assert.equal(renormalized(d, null, 'w'), d, 'weights without statistics: the data as loaded');
  assert.throws(
    () => renormalized(d, { mean: [0.1], std: [1] }, 'w.safetensors'),
    /w\.safetensors was normalised over 1 channels, --dataset toy has 2/,
  );
});

test('ResizedDataset resizes inputs and mask targets, keeps labels', () => {
  const x = new Tensor(
    Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i / 32),
    [2, 1, 4, 4],
  );
  const masks = new Tensor(new Float32Array(2 * 16).fill(1), [2, 1, 4, 4]);
  const r = new ResizedDataset(new TensorDataset(x, [3, 4], { targets: masks }), [8, 6]);
  const b = r.getBatch([1, 0]);
  assert.deepEqual(b.x.shape, [2, 1, 8, 6]);
  assert.deepEqual(b.y.shape, [2, 1, 8, 6]);
  assert.ok(b.y.data.every((v) => v === 1));
  const s = r.get(1);
  assert.deepEqual(s.x.shape, [1, 8, 6]);
  assert.equal(s.y, 4);
  assert.deepEqual(s.target?.shape, [1, 8, 6]);
  assert.deepEqual(Array.from(s.x.data), Array.from(b.x.data.subarray(0, 48)));
  assert.throws(() => new ResizedDataset(r, [0, 3]), /size must be two positive integers, got \[0, 3\]/);
});

test('run configuration: checkpoints from before --augment/--resize/--data-dir resume with their defaults; a changed --augment is named', () => {
  const old = {
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 2,
    batchSize: 32,
    optimizer: 'adam',
    lr: 0.003,
    schedule: 'cosine',
    momentum: 0.9,
    weightDecay: 0,
    seed: 0,
    valFraction: 0,
    limit: 96,
  };
  const saved = savedRunConfig('ck.safetensors', { [RUN_METADATA_KEY]: JSON.stringify(old) });
  assert.ok(saved);
  assert.equal(saved.augment, 'none');
  assert.equal(saved.resize, null);
  assert.equal(saved.dataDir, null);
  assert.equal(resolveRunConfig({}, saved, 'ck.safetensors', false).run.augment, 'none');
  assert.throws(
    () => resolveRunConfig({ augment: 'light' }, saved, 'ck.safetensors', false),
    /--augment light does not match the checkpoint ck\.safetensors \(--augment none\)/,
  );
  assert.throws(
    () => resolveRunConfig({ dataset: 'cifar10' }, null, null, false),
    /--dataset cifar10 cannot be downloaded here: pass --data-dir DIR/,
  );
  assert.throws(() => resolveRunConfig({ dataset: 'imagenet' }, null, null, false), /unknown dataset "imagenet"/);
});

test('the --json record has a fixed set of keys; datasetSlug names default output files', () => {
  assert.deepEqual(Object.keys(epochRecord(0, { loss: 1, testIoU: 0.5 })), [
    'epoch',
    'trainLoss',
    'trainAccuracy',
    'valLoss',
    'valAccuracy',
    'testLoss',
    'testAccuracy',
    'testIoU',
    'imagesPerSec',
    'seconds',
  ]);
  assert.equal(epochRecord(0, { loss: 1, testIoU: 0.5 }).testIoU, 0.5);
  assert.equal(epochRecord(0, { loss: Number.NaN }).trainLoss, null);
  assert.equal(datasetSlug('mnist'), 'mnist');
  assert.equal(datasetSlug('folder:/data/my pets/'), 'folder-my_pets');
});
