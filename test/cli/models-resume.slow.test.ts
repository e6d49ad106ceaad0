// The CLI and the model registry agree (help lists everything, models that cannot take a dataset
// are refused up front, reconstruction models train on x -> x, eval --model works), and --resume
// checks the run's configuration against the checkpoint. Through the built CLI in a temp directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelNames, modelSpec } from '../../src/models/registry.js';
import { DATASETS, DATASET_NAMES, loadNamedDataset } from '../../src/cli/datasets.js';
import { oneLine, root, runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-models-resume-');

test('convkit --help and train --help list every registered model and every dataset', () => {
  const top = runCli(dir, ['--help']);
  assert.equal(top.status, 0);
  for (const m of modelNames())
    assert.match(
      top.stdout,
      new RegExp(
        `^  ${m} +${modelSpec(m)
          .description.slice(0, 20)
          .replace(/[()[\]+.*?]/g, '\\$&')}`,
        'm',
      ),
      m,
    );
  for (const d of DATASET_NAMES) assert.match(top.stdout, new RegExp(`^  ${d} +`, 'm'), d);
  const train = runCli(dir, ['train', '--help']);
  assert.equal(train.status, 0);
  assert.ok(train.stdout.includes(modelNames().join(' | ')), train.stdout);
  assert.ok(train.stdout.includes(DATASET_NAMES.join(' | ')), train.stdout);
});

test('the dataset table the CLI checks flags against matches the loaded datasets', async () => {
  for (const info of DATASETS) {
    const ds = await loadNamedDataset(info.name);
    assert.deepEqual(
      [ds.train.length, ds.test.length, ds.numClasses, ds.inputShape],
      [info.trainSize, info.testSize, info.numClasses, [...info.inputShape]],
      info.name,
    );
  }
});

test('a model that cannot take the dataset is refused before loading, naming the reason and the models that fit', () => {
  for (const [model, why] of [
    ['alexnet', 'at least 63x63'],
    ['vgg16', 'at least 32x32'],
    ['googlenet', 'at least 31x31'],
  ]) {
    // (on mnist they train at a resized 64x64 / 32x32: test/cli/train-every-model.slow.test.ts)
    const r = runCli(dir, ['train', '--model', model, '--dataset', 'breast-cancer']);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `--model ${model} cannot train on --dataset breast-cancer: it needs \\[C, H, W\\] images of ${why}, the dataset gives \\[30\\]; models that fit breast-cancer: mlp, logistic`,
      ),
    );
    assert.equal(r.stdout, '');
  }
  const lenet = runCli(dir, ['train', '--model', 'lenet5', '--dataset', 'breast-cancer']);
  assert.equal(lenet.status, 2);
  assert.match(
    lenet.stderr,
    /--model lenet5 cannot train on --dataset breast-cancer: it needs \[C, 28, 28\] images, the dataset gives \[30\]; models that fit breast-cancer: mlp, logistic/,
  );
  const unknown = runCli(dir, ['train', '--model', 'resnet101']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown model 'resnet101' \(known: .*resnet34.*\)/);
});

test('the autoencoder trains on x -> x with MSE, and eval reports its reconstruction error', () => {
  const out = join(dir, 'ae.safetensors');
  const r = runCli(dir, [
    'train',
    '--model',
    'autoencoder',
    '--limit',
    '64',
    '--batch-size',
    '16',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const rec = JSON.parse(r.stdout) as Record<string, number | null>;
  assert.equal(rec.trainAccuracy, null);
  assert.equal(rec.testAccuracy, null);
  assert.ok(
    typeof rec.trainLoss === 'number' && rec.trainLoss > 0 && typeof rec.testLoss === 'number' && rec.testLoss > 0,
    r.stdout,
  );
  assert.match(r.stderr, /done: test MSE \d+\.\d{5}; weights saved to .*ae\.safetensors/);
  const ev = runCli(dir, ['eval', '--weights', out, '--limit', '64', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const e = JSON.parse(ev.stdout) as { testLoss: number; samples: number };
  assert.equal(e.samples, 64);
  assert.ok(
    Math.abs(e.testLoss - (rec.testLoss as number)) < 1e-5,
    `eval ${e.testLoss} vs train ${String(rec.testLoss)}`,
  );
  const pr = runCli(dir, ['predict', join(root, 'README.md'), '--weights', out]);
  assert.equal(pr.status, 2);
  assert.match(pr.stderr, /holds autoencoder weights, a reconstruction model without classes/);
});

test("the README's eval line works: eval --model lenet5 --weights ...; a wrong --model is refused", () => {
  const out = join(dir, 'lenet5-mnist.safetensors');
  const t = runCli(dir, ['train', '--limit', '128']);
  assert.equal(t.status, 0, t.stderr);
  assert.ok(existsSync(out));
  const ev = runCli(dir, ['eval', '--model', 'lenet5', '--weights', 'lenet5-mnist.safetensors', '--limit', '128']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /^lenet5 on mnist test \(128 samples\): loss \d+\.\d{4}, accuracy \d+\.\d\d%/);
  const wrong = runCli(dir, ['eval', '--model', 'mlp', '--weights', 'lenet5-mnist.safetensors']);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--model mlp does not match lenet5-mnist\.safetensors, which holds lenet5 weights/);
});

test('resume checks the configuration against the checkpoint, continues a partial run, and says nothing to do for a finished one', () => {
  const base = ['--limit', '96', '--batch-size', '32', '--out', join(dir, 'r.safetensors')];
  const first = runCli(dir, ['train', ...base, '--epochs', '2', '--checkpoint', 'ck-{epoch}.safetensors', '--json']);
  assert.equal(first.status, 0, first.stderr);
  const full = first.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { epoch: number; trainLoss: number; testAccuracy: number });
  assert.ok(existsSync(join(dir, 'ck-1.safetensors')) && existsSync(join(dir, 'ck-2.safetensors')));

  // a partial run continues with the checkpoint's own settings, and reproduces epoch 2 exactly
  const cont = runCli(dir, ['train', '--resume', 'ck-1.safetensors', '--out', join(dir, 'r2.safetensors'), '--json']);
  assert.equal(cont.status, 0, cont.stderr);
  const two = JSON.parse(cont.stdout.trim()) as { epoch: number; trainLoss: number; testAccuracy: number };
  assert.equal(two.epoch, 2);
  assert.equal(two.trainLoss, full[1].trainLoss);
  assert.equal(two.testAccuracy, full[1].testAccuracy);

  // changed settings are refused, naming the flag and both values
  for (const [flag, value, saved] of [
    ['--epochs', '3', '2'],
    ['--optimizer', 'sgd', 'adam'],
    ['--dataset', 'fashion-mnist', 'mnist'],
    ['--lr', '0.01', '0.003'],
    ['--schedule', 'constant', 'cosine'],
    ['--model', 'mlp', 'lenet5'],
  ]) {
    const r = runCli(dir, ['train', '--resume', 'ck-1.safetensors', flag, value]);
    assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^convkit train: ${flag} ${value.replace('.', '\\.')} does not match the checkpoint ck-1\\.safetensors \\(${flag} ${saved.replace('.', '\\.')}\\); leave the flag out to continue the saved run, or pass --force`,
      ),
    );
  }
  const same = runCli(dir, [
    'train',
    '--resume',
    'ck-1.safetensors',
    '--epochs',
    '2',
    '--optimizer',
    'adam',
    '--out',
    join(dir, 'r3.safetensors'),
  ]);
  assert.equal(same.status, 0, `flags equal to the checkpoint's are fine: ${same.stderr}`);

  // a finished run: nothing to do, nothing written
  const before = readFileSync(join(dir, 'r.safetensors'));
  const done = runCli(dir, ['train', '--resume', 'ck-2.safetensors', '--out', join(dir, 'r.safetensors')]);
  assert.equal(done.status, 0, done.stderr);
  assert.match(
    done.stdout,
    /^nothing to do: ck-2\.safetensors has already finished epoch 2 of 2; pass a larger --epochs with --force to train on\n$/,
  );
  assert.doesNotMatch(done.stdout + done.stderr, /NaN/);
  assert.deepEqual(readFileSync(join(dir, 'r.safetensors')), before);

  // --force trains on with the new value
  const forced = runCli(dir, [
    'train',
    '--resume',
    'ck-2.safetensors',
    '--epochs',
    '3',
    '--force',
    '--out',
    join(dir, 'r4.safetensors'),
  ]);
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(
    forced.stdout,
    /note: --epochs 3 does not match the checkpoint ck-2\.safetensors \(--epochs 2\); continuing with 3 \(--force\)/,
  );
  assert.match(forced.stdout, /Epoch 3\/3/);
  assert.match(forced.stdout, /done: test accuracy \d+\.\d\d%; weights saved to/);
});
