/**
 * The pretrained weights shipped in weights/ (scripts/train-pretrained.ts): every shipped model's
 * file exists, is in the npm package, records how it was trained, loads strictly through
 * models.pretrained() and through the user's path (train.loadWeights), and its recorded test
 * accuracy is what the weights really score on the test split (LeNet-5 on all 10,000 MNIST test
 * images here; keras-fashion, 20x larger, on a subset here and in full in the slow tier).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadNamedDataset } from '../../src/cli/datasets.js';
import { deserializeSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { createModel } from '../../src/models/registry.js';
import {
  PRETRAINED,
  hasPretrained,
  loadPretrainedWeights,
  pretrained,
  pretrainedNames,
  pretrainedUrl,
} from '../../src/models/pretrained.js';
import * as convkit from '../../src/index.js';
import { loadWeights } from '../../src/train/checkpoint.js';
import { evaluate, predict } from '../../src/train/evaluate.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'convkit-pretrained-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** The metadata every shipped file must carry (how it was trained, measured by the script). */
const TRAINING_FIELDS = [
  'command',
  'epochs',
  'optimizer',
  'seed',
  'trainSeconds',
  'machine',
  'backend',
  'testAccuracy',
  'testSamples',
];

test('the shipped models are lenet5 (MNIST) and keras-fashion (Fashion-MNIST), exported as models.pretrained', () => {
  assert.deepEqual(pretrainedNames(), ['lenet5', 'keras-fashion']);
  assert.equal(convkit.models.pretrained, pretrained);
  assert.equal(hasPretrained('lenet5'), true);
  assert.equal(hasPretrained('resnet18'), false);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('weights'), `package.json "files" ships weights/: ${pkg.files.join(', ')}`);
  for (const p of PRETRAINED) {
    const url = pretrainedUrl(p.model);
    assert.equal(url.href, pathToFileURL(join(root, 'weights', p.file)).href);
    assert.ok(statSync(url).size > 0, `${p.file} exists`);
  }
});

test('each shipped file records how it was trained, and weights/README.md states the same figures', async () => {
  const readme = readFileSync(join(root, 'weights', 'README.md'), 'utf8');
  for (const p of PRETRAINED) {
    const w = await loadPretrainedWeights(p.model);
    assert.equal(w.model, p.model);
    assert.equal(w.dataset, p.dataset);
    assert.deepEqual(w.inputShape, [1, 28, 28]);
    assert.equal(w.classes.length, 10);
    assert.ok(w.normalize && w.normalize.std > 0, 'records the normalisation it was trained with');
    for (const f of TRAINING_FIELDS)
      assert.ok((w.metadata[`convkit.pretrained.${f}`] ?? '') !== '', `${p.file}: convkit.pretrained.${f} is recorded`);
    assert.equal(w.metadata['convkit.pretrained.testSamples'], '10000', 'measured on the whole test split');
    assert.match(w.metadata['convkit.pretrained.command'], /scripts\/train-pretrained\.ts/);
    assert.ok(w.testAccuracy > 0.5 && w.testAccuracy <= 1, `${p.model}: test accuracy ${w.testAccuracy}`);
    const pct = `${(w.testAccuracy * 100).toFixed(2)}%`;
    assert.ok(readme.includes(p.file) && readme.includes(pct), `weights/README.md lists ${p.file} with ${pct}`);
    // float32, PyTorch names: the keys are exactly the model's state dict.
    assert.deepEqual([...w.stateDict.keys()].sort(), [...createModel(p.model).stateDict().keys()].sort());
  }
});

test("lenet5's recorded test accuracy is what the shipped weights score on all 10,000 MNIST test images", async () => {
  const w = await loadPretrainedWeights('lenet5');
  const model = await pretrained('lenet5');
  const ds = await loadNamedDataset('mnist');
  assert.deepEqual(w.normalize, ds.normalize, 'trained with the normalisation the CLI applies');
  const acc = evaluate(model, ds.test, { batchSize: 1000 }).accuracy;
  // Another backend may flip an argmax or two between nearly tied logits: 3 images of 10,000.
  assert.ok(Math.abs(acc - w.testAccuracy) <= 3e-4, `measured ${acc}, recorded ${w.testAccuracy}`);
  assert.ok(acc >= 0.98, `LeNet-5 on MNIST: ${acc}`);
});

test('keras-fashion classifies Fashion-MNIST test images as recorded (first 500 here; all in the slow tier)', async () => {
  const w = await loadPretrainedWeights('keras-fashion');
  const model = await pretrained('keras-fashion');
  const ds = await loadNamedDataset('fashion-mnist', 500);
  const acc = evaluate(model, ds.test, { batchSize: 250 }).accuracy;
  // 500 images: within 5 points of the full-split figure (a binomial spread of about 1.3 points).
  assert.ok(Math.abs(acc - w.testAccuracy) < 0.05, `first 500: ${acc}, recorded on 10,000: ${w.testAccuracy}`);
});

test('the shipped file loads through the same path as a user file (train.loadWeights, strict) with equal outputs', async () => {
  const viaApi = (await pretrained('lenet5')).eval();
  const viaFile = createModel('lenet5').eval();
  const meta = await loadWeights(viaFile, fileURLToPath(pretrainedUrl('lenet5')));
  assert.equal(meta['convkit.model'], 'lenet5');
  const x = (await loadNamedDataset('mnist', 8)).test.getBatch!(Int32Array.from({ length: 8 }, (_, i) => i)).x;
  assert.deepEqual(Array.from(predict(viaApi, x).data), Array.from(predict(viaFile, x).data));
});

test('a name without shipped weights, or a file that holds another model, gets an error naming the fix', async () => {
  await assert.rejects(
    pretrained('resnet18'),
    /pretrained\('resnet18'\): no shipped weights for 'resnet18' \(shipped: lenet5, keras-fashion\); load your own with train\.loadWeights/,
  );
  // { url } reads from elsewhere (a browser page hosting the file): here a file with LeNet weights
  // named as keras-fashion's is refused before anything is built.
  const lenetBytes = readFileSync(pretrainedUrl('lenet5'));
  const wrong = join(tmp, 'keras-fashion-fashion-mnist.safetensors');
  writeFileSync(wrong, lenetBytes);
  await assert.rejects(
    pretrained('keras-fashion', { url: pathToFileURL(wrong) }),
    /holds weights of 'lenet5', not keras-fashion/,
  );
  await assert.rejects(
    pretrained('lenet5', { url: pathToFileURL(join(tmp, 'missing.safetensors')) }),
    /pretrained\('lenet5'\): cannot read file:.*missing\.safetensors/,
  );
  // The right file from another place loads, and its tensors are the ones used.
  const moved = join(tmp, 'lenet5-copy.safetensors');
  const file = deserializeSafetensors(lenetBytes);
  file.tensors['11.bias'] = convkit.zeros([10]);
  writeFileSync(moved, serializeSafetensors(file.tensors, file.metadata));
  const m = await pretrained('lenet5', { url: pathToFileURL(moved) });
  assert.deepEqual(Array.from(m.stateDict().get('11.bias')!.data), new Array(10).fill(0));
});
