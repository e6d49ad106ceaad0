import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../../src/data/mnist.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { Adam } from '../../src/optim/adam.js';
import { manualSeed } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import { predict } from '../../src/train/evaluate.js';
import { predictClasses } from '../../src/train/metrics.js';
import { saveWeights } from '../../src/train/checkpoint.js';
import { encodePng } from '../../src/vision/image.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadNamedDataset } from '../../src/cli/datasets.js';
import { encodeWeightsInfo } from '../../src/cli/weights-meta.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'convkit-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const KEYS = [
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
];

test('train --json prints exactly one JSON object per epoch and nothing else on stdout', () => {
  const out = join(dir, 'tiny.safetensors');
  const r = cli(
    'train',
    '--model',
    'lenet5',
    '--dataset',
    'mnist',
    '--epochs',
    '2',
    '--limit',
    '160',
    '--batch-size',
    '32',
    '--val-fraction',
    '0.2',
    '--json',
    '--out',
    out,
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '', 'stdout ends with a newline');
  assert.equal(lines.length, 2);
  lines.forEach((line, i) => {
    const o = JSON.parse(line) as Record<string, number | null>;
    assert.deepEqual(Object.keys(o), KEYS);
    assert.equal(o.epoch, i + 1);
    for (const k of KEYS.slice(1)) if (k !== 'testIoU') assert.equal(typeof o[k], 'number', `${k} is a number`);
    assert.equal(o.testIoU, null, 'IoU is for segmentation');
    for (const k of ['trainAccuracy', 'valAccuracy', 'testAccuracy'])
      assert.ok((o[k] as number) >= 0 && (o[k] as number) <= 1, k);
    assert.ok((o.imagesPerSec as number) > 0 && (o.seconds as number) > 0);
  });
  assert.match(r.stderr, /weights saved to .*tiny\.safetensors/);
  assert.ok(existsSync(out));

  const noVal = cli(
    'train',
    '--model',
    'mlp',
    '--dataset',
    'mnist',
    '--epochs',
    '1',
    '--limit',
    '64',
    '--json',
    '--out',
    join(dir, 'mlp.safetensors'),
  );
  assert.equal(noVal.status, 0, noVal.stderr);
  const o = JSON.parse(noVal.stdout) as Record<string, unknown>;
  assert.equal(o.valLoss, null);
  assert.equal(o.valAccuracy, null);

  const ev = cli('eval', '--weights', out, '--limit', '160', '--json');
  assert.equal(ev.status, 0, ev.stderr);
  const e = JSON.parse(ev.stdout) as { testAccuracy: number; samples: number; confusionMatrix: number[][] };
  assert.equal(e.samples, 160);
  assert.equal(
    e.testAccuracy,
    (JSON.parse(lines[1]) as { testAccuracy: number }).testAccuracy,
    'eval reproduces the last epoch',
  );
  assert.equal(
    e.confusionMatrix.flat().reduce((a, b) => a + b, 0),
    160,
  );
});

test('predict classifies MNIST test digits rendered to PNG (and inverts dark-on-light images)', async () => {
  const ds = await loadNamedDataset('mnist', 1200);
  manualSeed(0);
  const model = lenet5();
  await fit(model, ds.train, {
    epochs: 2,
    batchSize: 32,
    optimizer: new Adam(model.parameters(), { lr: 2e-3 }),
    seed: 0,
    verbose: 0,
  });
  const weights = join(dir, 'lenet5-mnist.safetensors');
  await saveWeights(model, weights, encodeWeightsInfo('lenet5', ds));

  const raw = await loadMnist({ split: 'test', limit: 10 }); // pixels in [0, 1], as a PNG stores them
  const files: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { x } = raw.get(i);
    const f = join(dir, `digit${i}.png`);
    writeFileSync(f, encodePng(x));
    files.push(f);
  }
  const { x: x0 } = raw.get(0);
  const inverted = new Tensor(
    x0.f32.map((v) => 1 - v),
    x0.shape,
  );
  writeFileSync(join(dir, 'inverted0.png'), encodePng(inverted));

  const r = cli('predict', ...files, join(dir, 'inverted0.png'), '--weights', weights, '--json');
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          file: string;
          label: number;
          probability: number;
          inverted: boolean;
          top: { label: number }[];
        },
    );
  assert.equal(rows.length, 11);
  const expected = predictClasses(predict(model, ds.test.getBatch!(Int32Array.from({ length: 10 }, (_, i) => i)).x));
  const truth = Array.from(raw.y.data.subarray(0, 10));
  assert.deepEqual(
    rows.slice(0, 10).map((o) => o.label),
    Array.from(expected),
    'the CLI predicts what the model predicts on the dataset tensors',
  );
  const correct = rows.slice(0, 10).filter((o, i) => o.label === truth[i]).length;
  assert.ok(correct >= 9, `${correct}/10 digits classified correctly`);
  assert.ok(
    rows.slice(0, 10).every((o) => !o.inverted && o.top.length === 3 && o.probability > 0 && o.probability <= 1),
  );
  assert.equal(rows[10].inverted, true);
  assert.equal(rows[10].label, rows[0].label, 'a black-on-white digit is inverted before classification');

  const human = cli('predict', files[0], '--weights', weights);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`digit0\\.png: ${rows[0].label} \\(\\d+\\.\\d%\\)`));
});

test('summary, info, help and errors', () => {
  const s = cli('summary', '--model', 'keras-fashion');
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /1,413,834/);
  const sj = cli('summary', '--model', 'lenet5', '--json');
  assert.equal((JSON.parse(sj.stdout) as { totalParams: number }).totalParams, 61706);

  const info = cli('info', '--json');
  assert.equal(info.status, 0, info.stderr);
  const i = JSON.parse(info.stdout) as {
    version: string;
    node: string;
    chosen: string;
    backends: { name: string; available: boolean; reason?: string }[];
  };
  assert.equal(i.version, '0.1.0');
  assert.equal(i.node, process.version);
  assert.ok(i.backends.some((b) => b.name === 'js' && b.available));
  assert.ok(i.backends.some((b) => b.name === i.chosen && b.available));
  assert.ok(i.backends.every((b) => b.available || (typeof b.reason === 'string' && b.reason.length > 0)));
  const infoJs = cli('info', '--backend', 'js');
  assert.match(infoJs.stdout, /backend: js — /);

  const help = cli('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: convkit <command>/);
  const unknown = cli('fly');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'fly'/);
  const badOpt = cli('train', '--epochs', 'two');
  assert.equal(badOpt.status, 2);
  assert.match(badOpt.stderr, /--epochs must be an integer >= 1, got 'two'/);
  const badModel = cli('train', '--model', 'resnet', '--limit', '8');
  assert.equal(badModel.status, 2);
  assert.match(
    badModel.stderr,
    /unknown model 'resnet' \(known: mlp, lenet5, keras-fashion, logistic, alexnet, vgg11, .*, unet\)/,
  );
  const badData = cli('train', '--dataset', 'cifar100');
  assert.equal(badData.status, 2);
  assert.match(
    badData.stderr,
    /unknown dataset "cifar100" \(known: mnist, fashion-mnist, breast-cancer, cifar10, .*, or folder:PATH for an image folder\)/,
  );
  const noDir = cli('train', '--dataset', 'cifar10', '--model', 'resnet20');
  assert.equal(noDir.status, 2);
  assert.match(
    noDir.stderr,
    /--dataset cifar10 cannot be downloaded here: pass --data-dir DIR, the folder holding its files/,
  );
  const badAug = cli('train', '--augment', 'hflip,spin=3');
  assert.equal(badAug.status, 2);
  assert.match(
    badAug.stderr,
    /--augment hflip,spin=3: augment: bad item 'spin=3' .*unknown name 'spin' \(valid: presets: none, light/,
  );
  const segAug = cli('train', '--model', 'unet', '--dataset', 'mnist-seg', '--augment', 'light');
  assert.equal(segAug.status, 2);
  assert.match(
    segAug.stderr,
    /--augment applies to image classifiers; --model unet on --dataset mnist-seg is segmentation/,
  );
  for (const d of ['cifar10', 'eurosat', 'mnist-seg', 'synthetic-waveforms', 'folder:PATH'])
    assert.match(help.stdout, new RegExp(`^  ${d} +`, 'm'), d);
  const noFile = cli('predict', 'missing.png', '--weights', 'missing.safetensors');
  assert.equal(noFile.status, 1);
  assert.match(noFile.stderr, /cannot read missing\.safetensors/);
});

test('an RGB folder trains lenet5 at 28x28 with per-channel statistics, and predict reads them back', () => {
  const root = join(dir, 'colours');
  const noise = (i: number): number => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1;
  ['blue', 'red'].forEach((name, cls) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let k = 0; k < 10; k++) {
      const d = new Float32Array(3 * 20 * 20).map(
        (_, i) => 0.5 * noise(k * 1231 + i) + (Math.floor(i / 400) === 2 - 2 * cls ? 0.5 : 0),
      );
      writeFileSync(join(root, name, `${k}.png`), encodePng(new Tensor(d, [3, 20, 20])));
    }
  });
  const weights = join(dir, 'colours.safetensors');
  const t = cli('train', '--dataset', `folder:${root}`, '--batch-size', '8', '--epochs', '3', '--out', weights);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /on folder:.*colours: 16 train \/ 4 test samples, images resized from 20x20 to 28x28/);
  const r = cli('predict', join(root, 'red', '0.png'), join(root, 'blue', '0.png'), '--weights', weights, '--json');
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { name: string; probability: number; inverted: boolean });
  assert.equal(rows.length, 2);
  assert.ok(
    rows.every((o) => ['blue', 'red'].includes(o.name) && o.probability > 0 && !o.inverted),
    r.stdout,
  );
  const ev = cli('eval', '--weights', weights, '--json');
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal((JSON.parse(ev.stdout) as { samples: number }).samples, 4);
});
