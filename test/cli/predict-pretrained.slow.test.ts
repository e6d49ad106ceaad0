/**
 * `convkit predict` without --weights uses the pretrained weights the package ships (weights/),
 * says so on stderr, and classifies real test images with them; a model without shipped weights
 * is a usage error naming --weights. Also: keras-fashion's recorded test accuracy is what its
 * shipped weights score on all 10,000 Fashion-MNIST test images (too slow for the fast tier).
 * Needs the built CLI (npm run build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNamedDataset } from '../../src/cli/datasets.js';
import { loadFashionMnist, loadMnist } from '../../src/data/mnist.js';
import { loadPretrainedWeights, pretrained } from '../../src/models/pretrained.js';
import { evaluate } from '../../src/train/evaluate.js';
import { encodePng } from '../../src/vision/image.js';
import { runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-predict-pretrained-');

/** Writes the first n test images of a dataset as PNGs; returns their paths and labels. */
async function pngs(name: string, load: typeof loadMnist, n: number): Promise<{ files: string[]; labels: number[] }> {
  const raw = await load({ split: 'test', limit: n }); // pixels in [0, 1], as a PNG stores them
  const files: string[] = [],
    labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const { x, y } = raw.get(i);
    const f = join(dir, `${name}${i}.png`);
    writeFileSync(f, encodePng(x));
    files.push(f);
    labels.push(y);
  }
  return { files, labels };
}

function labelsOf(stdout: string): number[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { label: number }).label);
}

test('predict with no --weights uses the shipped LeNet-5 (MNIST) and says so on stderr', async () => {
  const { files, labels } = await pngs('digit', loadMnist, 20);
  const r = runCli(dir, ['predict', ...files, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /using the pretrained lenet5 weights shipped with convkit \(trained on mnist, test accuracy \d+\.\d\d%\); pass --weights PATH for your own/,
  );
  const got = labelsOf(r.stdout);
  const correct = got.filter((l, i) => l === labels[i]).length;
  assert.ok(correct >= 19, `${correct}/20 digits right: ${got.join(',')} vs ${labels.join(',')}`);
});

test('predict --model keras-fashion uses its shipped weights and names the classes', async () => {
  const { files, labels } = await pngs('cloth', loadFashionMnist, 20);
  const r = runCli(dir, ['predict', ...files, '--model', 'keras-fashion', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /using the pretrained keras-fashion weights shipped with convkit \(trained on fashion-mnist/);
  const got = labelsOf(r.stdout);
  const correct = got.filter((l, i) => l === labels[i]).length;
  assert.ok(correct >= 15, `${correct}/20 clothes right: ${got.join(',')} vs ${labels.join(',')}`);
  const human = runCli(dir, ['predict', files[0], '--model', 'keras-fashion']);
  assert.equal(human.status, 0, human.stderr);
  assert.match(
    human.stdout,
    /cloth0\.png: (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot) \(/,
  );
});

test('predict: no shipped weights for the model, or --model against other weights, is a usage error (exit 2)', async () => {
  const { files } = await pngs('one', loadMnist, 1);
  const none = runCli(dir, ['predict', files[0], '--model', 'resnet18']);
  assert.equal(none.status, 2, none.stderr);
  assert.match(
    none.stderr,
    /no pretrained weights ship for --model resnet18 \(they do for lenet5, keras-fashion\); pass --weights PATH/,
  );
  assert.equal(none.stderr.trim().split('\n').length, 1, 'one line');
  const shipped = (await import('../../src/models/pretrained.js')).pretrainedUrl('lenet5');
  const clash = runCli(dir, ['predict', files[0], '--model', 'keras-fashion', '--weights', shipped.pathname]);
  assert.equal(clash.status, 2, clash.stderr);
  assert.match(
    clash.stderr,
    /--model keras-fashion does not match .*lenet5-mnist\.safetensors, which holds lenet5 weights/,
  );
});

test("keras-fashion's recorded test accuracy is what the shipped weights score on all 10,000 test images", async () => {
  const w = await loadPretrainedWeights('keras-fashion');
  const ds = await loadNamedDataset('fashion-mnist');
  assert.deepEqual(w.normalize, ds.normalize);
  const acc = evaluate(await pretrained('keras-fashion'), ds.test, { batchSize: 500 }).accuracy;
  assert.ok(Math.abs(acc - w.testAccuracy) <= 3e-4, `measured ${acc}, recorded ${w.testAccuracy}`);
  assert.ok(acc >= 0.85, `keras-fashion on Fashion-MNIST: ${acc}`);
});
