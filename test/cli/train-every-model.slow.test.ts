// Every model in the registry trains for one short epoch from the built CLI on small data: each
// on a dataset that exercises a path of `convkit train` (registry datasets, folder:PATH, CIFAR-10
// and EuroSAT from --data-dir files the test writes, resizing for models that need larger
// inputs, augmentation, x → x reconstruction with its image grid, U-Net segmentation with IoU,
// the 1-D temporal CNN). The weights' metadata records the model input, task and per-channel
// normalisation, and eval reproduces the last epoch's test scores from the saved weights.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EUROSAT_CLASSES } from '../../src/data/eurosat.js';
import { modelNames } from '../../src/models/registry.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { encodeJpeg, encodePng } from '../../src/vision/image.js';
import { runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-every-model-');

/** A deterministic pseudo-random value in [0, 1) for image pixels. */
const noise = (i: number): number => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1;

/** An RGB image (3, h, w) dominated by one channel (the class), with noise. */
function rgb(cls: number, h: number, w: number, seed: number): Tensor {
  const d = new Float32Array(3 * h * w);
  for (let i = 0; i < d.length; i++) {
    const c = Math.floor(i / (h * w));
    d[i] = 0.6 * noise(seed * 7919 + i) + (c === cls % 3 ? 0.4 : 0);
  }
  return new Tensor(d, [3, h, w]);
}

/** folder/{train,val}/{red,green}/N.png: 16x16 RGB, 6 training and 2 validation images per class. */
function imageFolder(): string {
  const root = join(dir, 'pets');
  for (const [split, n] of [
    ['train', 6],
    ['val', 2],
  ] as const) {
    ['red', 'green'].forEach((name, cls) => {
      mkdirSync(join(root, split, name), { recursive: true });
      for (let k = 0; k < n; k++)
        writeFileSync(
          join(root, split, name, `${k}.png`),
          encodePng(rgb(cls, 16, 16, k + (split === 'val' ? 100 : 0))),
        );
    });
  }
  return root;
}

/** CIFAR-10's binary layout: data_batch_1..5.bin (4 images each), test_batch.bin (8), batches.meta.txt. */
function cifarFolder(): string {
  const root = join(dir, 'cifar-10-batches-bin');
  mkdirSync(root, { recursive: true });
  const batch = (n: number, seed: number): Uint8Array => {
    const b = new Uint8Array(n * 3073);
    for (let r = 0; r < n; r++) {
      b[r * 3073] = (seed + r) % 10;
      for (let k = 0; k < 3072; k++) b[r * 3073 + 1 + k] = Math.floor(256 * noise(seed * 100_003 + r * 3072 + k));
    }
    return b;
  };
  for (let k = 1; k <= 5; k++) writeFileSync(join(root, `data_batch_${k}.bin`), batch(4, k));
  writeFileSync(join(root, 'test_batch.bin'), batch(8, 9));
  writeFileSync(
    join(root, 'batches.meta.txt'),
    'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n',
  );
  return dir; // the loader finds cifar-10-batches-bin/ inside --data-dir
}

/** EuroSAT's published layout: ten class folders of 64x64 JPEGs (3 per class). */
function eurosatFolder(): string {
  const root = join(dir, 'EuroSAT_RGB');
  EUROSAT_CLASSES.forEach((name, cls) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let k = 0; k < 3; k++)
      writeFileSync(join(root, name, `${name}_${k + 1}.jpg`), encodeJpeg(rgb(cls, 64, 64, k)));
  });
  return dir;
}

/** The safetensors metadata of a weights file. */
function metadata(path: string): Record<string, string> {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  return (JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as { __metadata__: Record<string, string> })
    .__metadata__;
}

const pets = imageFolder();
const cifar = cifarFolder();
const eurosat = eurosatFolder();

/** One CLI run per model: its dataset flags, and what the run must show. */
interface Case {
  args: string[];
  task: 'classification' | 'reconstruction' | 'segmentation';
  /** The model's input shape recorded in the weights (resized where the model needs it). */
  inputShape: number[];
  /** The dataset's own sample shape when it was resized. */
  dataShape?: number[];
  /** Also run eval on the weights and compare with the last epoch. */
  evaluate?: string[];
}

const big = ['--limit', '8', '--batch-size', '8', '--optimizer', 'sgd'];
const CASES: Record<string, Case> = {
  mlp: { args: ['--dataset', 'mnist', '--limit', '32'], task: 'classification', inputShape: [1, 28, 28] },
  lenet5: {
    args: ['--dataset', `folder:${pets}`, '--batch-size', '6'],
    task: 'classification',
    inputShape: [3, 28, 28],
    dataShape: [3, 16, 16],
    evaluate: [],
  },
  'keras-fashion': {
    args: [
      '--dataset',
      'fashion-mnist',
      '--limit',
      '32',
      '--batch-size',
      '8',
      '--augment',
      'standard',
      '--val-fraction',
      '0.25',
    ],
    task: 'classification',
    inputShape: [1, 28, 28],
  },
  logistic: { args: ['--dataset', 'breast-cancer', '--limit', '64'], task: 'classification', inputShape: [30] },
  alexnet: {
    args: ['--dataset', 'mnist', ...big],
    task: 'classification',
    inputShape: [1, 64, 64],
    dataShape: [1, 28, 28],
  },
  vgg11: {
    args: ['--dataset', 'cifar10', '--data-dir', cifar, ...big],
    task: 'classification',
    inputShape: [3, 32, 32],
  },
  vgg16: {
    args: ['--dataset', 'mnist', ...big],
    task: 'classification',
    inputShape: [1, 32, 32],
    dataShape: [1, 28, 28],
  },
  googlenet: {
    args: ['--dataset', 'mnist', ...big],
    task: 'classification',
    inputShape: [1, 64, 64],
    dataShape: [1, 28, 28],
  },
  resnet18: {
    args: ['--dataset', 'eurosat', '--data-dir', eurosat, '--batch-size', '8', '--limit', '16'],
    task: 'classification',
    inputShape: [3, 64, 64],
  },
  resnet34: { args: ['--dataset', 'fashion-mnist', ...big], task: 'classification', inputShape: [1, 28, 28] },
  resnet50: { args: ['--dataset', 'mnist', ...big], task: 'classification', inputShape: [1, 28, 28] },
  resnet20: {
    args: [
      '--dataset',
      'cifar10',
      '--data-dir',
      cifar,
      '--limit',
      '16',
      '--batch-size',
      '8',
      '--augment',
      'light,mixup',
    ],
    task: 'classification',
    inputShape: [3, 32, 32],
    evaluate: ['--data-dir', cifar, '--limit', '16'],
  },
  tcn1d: {
    args: ['--dataset', 'synthetic-waveforms', '--limit', '32'],
    task: 'classification',
    inputShape: [1, 128],
    evaluate: ['--limit', '32'],
  },
  autoencoder: {
    args: ['--dataset', 'fashion-mnist', '--limit', '32', '--batch-size', '16'],
    task: 'reconstruction',
    inputShape: [1, 28, 28],
    evaluate: ['--limit', '32'],
  },
  unet: {
    args: ['--dataset', 'mnist-seg', '--limit', '8', '--batch-size', '8'],
    task: 'segmentation',
    inputShape: [1, 28, 28],
    evaluate: ['--limit', '8'],
  },
};

test('the test covers every model in the registry', () => {
  assert.deepEqual(Object.keys(CASES).sort(), modelNames().sort());
});

const unit = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;

for (const model of modelNames()) {
  test(`convkit train --model ${model} trains one short epoch and saves weights that eval reads`, () => {
    const c = CASES[model];
    assert.ok(c, `no test case for ${model}`);
    const out = join(dir, `${model}.safetensors`);
    const r = runCli(dir, ['train', '--model', model, ...c.args, '--schedule', 'constant', '--json', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const rec = JSON.parse(r.stdout) as Record<string, number | null>;
    assert.equal(rec.epoch, 1);
    assert.ok(typeof rec.trainLoss === 'number' && Number.isFinite(rec.trainLoss), r.stdout);
    assert.ok(typeof rec.testLoss === 'number' && Number.isFinite(rec.testLoss), r.stdout);
    if (c.task === 'classification') assert.ok(unit(rec.trainAccuracy) && unit(rec.testAccuracy), r.stdout);
    else assert.equal(rec.testAccuracy, null);
    if (c.task === 'segmentation') {
      assert.ok(unit(rec.testIoU), r.stdout);
      assert.match(
        r.stderr,
        /done: test IoU \d\.\d{4}, BCE \d+\.\d{5}; weights saved to .*; masks drawn to .*unet-masks\.png/,
      );
    } else assert.equal(rec.testIoU, null);
    if (c.task === 'reconstruction')
      assert.match(r.stderr, /done: test MSE \d+\.\d{5}; weights saved to .*; reconstructions drawn to .*-recon\.png/);
    if (c.task !== 'classification') {
      const png = readFileSync(join(dir, `${model}-${c.task === 'segmentation' ? 'masks' : 'recon'}.png`));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
    } else assert.ok(!existsSync(join(dir, `${model}-recon.png`)));

    const meta = metadata(out);
    assert.equal(meta['convkit.model'], model);
    assert.equal(meta['convkit.task'], c.task);
    assert.deepEqual(JSON.parse(meta['convkit.inputShape']), c.inputShape);
    assert.deepEqual(meta['convkit.dataShape'] && JSON.parse(meta['convkit.dataShape']), c.dataShape);
    const norm = JSON.parse(meta['convkit.normalize']) as { mean: number | number[] } | null;
    if (c.inputShape[0] === 3)
      assert.ok(norm && Array.isArray(norm.mean) && norm.mean.length === 3, meta['convkit.normalize']);

    if (c.evaluate) {
      const ev = runCli(dir, ['eval', '--weights', out, ...c.evaluate, '--json']);
      assert.equal(ev.status, 0, ev.stderr);
      const e = JSON.parse(ev.stdout) as Record<string, number>;
      assert.ok(Math.abs(e.testLoss - (rec.testLoss as number)) < 1e-5, `eval ${e.testLoss} vs train ${rec.testLoss}`);
      if (c.task === 'classification') assert.equal(e.testAccuracy, rec.testAccuracy);
      if (c.task === 'segmentation') assert.equal(e.testIoU, rec.testIoU);
    }
  });
}
