// Dataset registry: names, specs, option checks, the shipped datasets (mnist, fashion-mnist,
// breast-cancer), per-channel normalisation from the training split, and the CLI's legacy wrapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  channelStats,
  DATASET_REGISTRY,
  datasetNames,
  datasetSpec,
  loadBreastCancer,
  loadDataset,
  loadMnist,
  MNIST_STATS,
  TensorDataset,
} from '../../src/data/index.js';
import { DATASETS, DATASET_NAMES, datasetInfo, loadNamedDataset } from '../../src/cli/datasets.js';
import { Tensor } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

test('the registry lists every dataset of the issue with a complete spec', () => {
  assert.deepEqual(datasetNames(), [
    'mnist',
    'fashion-mnist',
    'breast-cancer',
    'cifar10',
    'eurosat',
    'mnist-seg',
    'synthetic-waveforms',
  ]);
  for (const s of DATASET_REGISTRY) {
    assert.ok(s.description.length > 10, s.name);
    assert.ok(s.inputShape && s.inputShape.length >= 1, s.name);
    assert.equal(s.classes?.length, s.numClasses, s.name);
    assert.ok((s.trainSize ?? 0) > 0 && (s.testSize ?? 0) > 0, s.name);
    assert.equal(s.needsDataDir, s.name === 'cifar10' || s.name === 'eurosat', s.name);
    assert.equal(datasetSpec(s.name), s);
  }
  assert.equal(datasetSpec('mnist-seg').task, 'segmentation');
  assert.deepEqual(datasetSpec('eurosat').classes?.slice(0, 3), ['AnnualCrop', 'Forest', 'HerbaceousVegetation']);
  assert.equal((datasetSpec('eurosat').trainSize ?? 0) + (datasetSpec('eurosat').testSize ?? 0), 27000);
  const folder = datasetSpec('folder:/some/where');
  assert.equal(folder.name, 'folder:/some/where');
  assert.equal(folder.inputShape, null);
  assert.equal(folder.numClasses, null);
  assert.equal(folder.needsDataDir, false);
});

test('unknown names, a bare folder: and bad load options are refused with the field and the fix', async () => {
  assert.throws(() => datasetSpec('cifar'), /unknown dataset "cifar" \(known: mnist, fashion-mnist, .*folder:PATH/);
  assert.throws(() => datasetSpec('folder:'), /give the folder after 'folder:'/);
  await assert.rejects(loadDataset('mnist', { limit: 0 }), /dataset 'mnist': limit must be a positive integer, got 0/);
  await assert.rejects(loadDataset('mnist', { limit: 2.5 }), /limit must be a positive integer, got 2.5/);
  await assert.rejects(loadDataset('mnist', { valFraction: 1 }), /valFraction must be a fraction in \(0, 1\), got 1/);
  await assert.rejects(loadDataset('mnist', { seed: 0.5 }), /seed must be an integer, got 0.5/);
  await assert.rejects(
    loadDataset('mnist', { resize: [0, 32] as [number, number] }),
    /resize must be \[height, width\], two integers in 1..4096, got \[0,32\]/,
  );
  await assert.rejects(
    loadDataset('cifar10'),
    /dataset 'cifar10' cannot be downloaded here: pass dataDir \(--data-dir DIR\)/,
  );
  await assert.rejects(loadDataset('eurosat', { limit: 4 }), /dataset 'eurosat' cannot be downloaded here/);
  await assert.rejects(
    loadDataset('breast-cancer', { resize: [8, 8] }),
    /dataset 'breast-cancer': resize applies to images \(C, H, W\), but its samples have shape \[30\]/,
  );
});

test('mnist: limited splits, published training-split stats applied, resize to a model size', async () => {
  const d = await loadDataset('mnist', { limit: 20 });
  assert.equal(d.task, 'classification');
  assert.deepEqual(d.inputShape, [1, 28, 28]);
  assert.equal(d.targetShape, null);
  assert.equal(d.train.length, 20);
  assert.equal(d.test.length, 20);
  assert.deepEqual(d.normalize, { mean: [MNIST_STATS.mean], std: [MNIST_STATS.std] });
  const raw = await loadMnist({ split: 'train', limit: 20 });
  const b = d.train.getBatch?.([3, 7]);
  assert.ok(b);
  const want = [3, 7].flatMap((i) =>
    Array.from(raw.x.data.subarray(i * 784, i * 784 + 784), (v) => (v - MNIST_STATS.mean) / MNIST_STATS.std),
  );
  assertClose(Array.from(b.x.data), want, { atol: 1e-5 });
  assert.deepEqual(Array.from(b.y.data), [raw.y.data[3], raw.y.data[7]]);
  const big = await loadDataset('mnist', { limit: 3, resize: [64, 64] });
  assert.deepEqual(big.inputShape, [1, 64, 64]);
  assert.deepEqual(big.test.getBatch?.([0, 1, 2]).x.shape, [3, 1, 64, 64]);
  assert.deepEqual(big.train.get(2).x.shape, [1, 64, 64]);
});

test('breast-cancer: features standardised with training-split stats, reported as per-feature normalize', async () => {
  const d = await loadDataset('breast-cancer');
  assert.deepEqual(d.inputShape, [30]);
  assert.equal(d.train.length, 456);
  assert.equal(d.test.length, 113);
  assert.deepEqual(d.classes, ['malignant', 'benign']);
  const n = d.normalize;
  assert.ok(n);
  assert.equal(n.mean.length, 30);
  // Standardised training features: mean 0, std 1 per feature; the stats undo to the raw CSV values.
  const s = channelStats(d.train);
  assertClose(s.mean, new Array(30).fill(0), { atol: 1e-4 });
  assertClose(s.std, new Array(30).fill(1), { atol: 1e-3 });
  const raw = await loadBreastCancer({ seed: 0, standardize: false });
  const x0 = d.train.get(0).x.data;
  const back = Array.from(x0, (v, c) => v * n.std[c] + n.mean[c]);
  assertClose(back, Array.from(raw.train.get(0).x.data), { atol: 1e-3 });
  const other = await loadDataset('breast-cancer', { seed: 5, limit: 10 });
  assert.equal(other.train.length, 10);
  assert.notDeepEqual(Array.from(other.train.get(0).x.data), Array.from(x0));
});

test('channelStats: per-channel mean and population std, channel = first sample axis', () => {
  // 2 samples of (2 channels, 3 values); channel 1 is constant -> std 1.
  const x = new Tensor(Float32Array.from([1, 2, 3, 5, 5, 5, 3, 4, 5, 5, 5, 5]), [2, 2, 3]);
  const s = channelStats(new TensorDataset(x, [0, 1]), 1);
  assertClose(s.mean, [3, 5]);
  assertClose(s.std, [Math.sqrt((4 + 1 + 0 + 0 + 1 + 4) / 6), 1]);
  assert.throws(() => channelStats(new TensorDataset(new Tensor(new Float32Array(0), [0, 2]), [])), /dataset is empty/);
});

test("the CLI's legacy dataset API wraps the registry unchanged", async () => {
  assert.deepEqual(DATASET_NAMES, ['mnist', 'fashion-mnist', 'breast-cancer']);
  assert.equal(DATASETS[0].trainSize, 60000);
  assert.deepEqual(datasetInfo('breast-cancer').inputShape, [30]);
  assert.throws(
    () => datasetInfo('cifar10'),
    /unknown dataset 'cifar10' \(known: mnist, fashion-mnist, breast-cancer\)/,
  );
  const m = await loadNamedDataset('mnist', 4);
  assert.deepEqual(m.normalize, { mean: MNIST_STATS.mean, std: MNIST_STATS.std });
  assert.equal(m.train.length, 4);
  const bc = await loadNamedDataset('breast-cancer', 5);
  assert.equal(bc.normalize, null);
  assert.equal(bc.test.length, 5);
  await assert.rejects(loadNamedDataset('mnist', 0), /--limit must be a positive integer, got 0/);
});
