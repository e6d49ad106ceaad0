// `convkit visualize` and `convkit filter` on tiny inputs (spawned like test/cli/cli.slow.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lenet5 } from '../../src/models/lenet5.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { saveWeights } from '../../src/train/checkpoint.js';
import { predict } from '../../src/train/evaluate.js';
import { imageInput } from '../../src/cli/commands/predict.js';
import { decodeWeightsInfo } from '../../src/cli/weights-meta.js';
import { decodeImage, encodePng, heatmap, saliency, tensorToImage, upscaleNearest } from '../../src/vision/index.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'convkit-vis-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function png(path: string): { width: number; height: number; channels: number; data: Uint8Array } {
  return decodeImage(new Uint8Array(readFileSync(path)), path);
}

test('visualize writes filters, feature maps, saliency and occlusion PNGs for every conv layer of lenet5', async () => {
  manualSeed(7);
  const model = lenet5();
  const meta = {
    'convkit.model': 'lenet5',
    'convkit.dataset': 'mnist',
    'convkit.inputShape': '[1,28,28]',
    'convkit.numClasses': '10',
    'convkit.classes': JSON.stringify(Array.from({ length: 10 }, (_, i) => `digit ${i}`)),
    'convkit.normalize': JSON.stringify({ mean: 0.1307, std: 0.3081 }),
  };
  const weights = join(dir, 'lenet5.safetensors');
  await saveWeights(model, weights, meta);
  const pixels = new Float32Array(28 * 28);
  for (let i = 5; i < 23; i++) for (let j = 12; j < 16; j++) pixels[i * 28 + j] = 1; // a "1"
  const image = join(dir, 'digit.png');
  writeFileSync(image, encodePng(new Tensor(pixels, [1, 28, 28])));
  const out = join(dir, 'vis');

  const r = cli('visualize', '--weights', weights, '--image', image, '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as {
    predicted: number;
    name: string;
    target: number;
    trained: boolean;
    layers: { name: string; filters: number[]; maps: number[]; shown: number }[];
    files: string[];
  };
  const { x } = imageInput(new Uint8Array(readFileSync(image)), image, decodeWeightsInfo(weights, meta), true);
  const predicted = predict(model, x).argmax(1).data[0];
  assert.equal(o.predicted, predicted);
  assert.equal(o.name, `digit ${predicted}`);
  assert.equal(o.target, predicted);
  assert.equal(o.trained, true);
  assert.deepEqual(o.layers, [
    { name: '0', filters: [6, 1, 5, 5], maps: [1, 6, 28, 28], shown: 6 },
    { name: '3', filters: [16, 6, 5, 5], maps: [1, 16, 10, 10], shown: 16 },
  ]);
  const names = [
    'input.png',
    'filters-0.png',
    'maps-0.png',
    'filters-3.png',
    'maps-3.png',
    'saliency.png',
    'occlusion.png',
  ];
  assert.deepEqual(
    o.files,
    names.map((n) => join(out, n)),
  );
  for (const f of o.files) assert.ok(existsSync(f), f);
  // conv1: 6 gray 5x5 filters zoomed 8x (40 px) in 3 columns x 2 rows with 4 px gaps
  const f0 = png(join(out, 'filters-0.png'));
  assert.deepEqual([f0.width, f0.height, f0.channels], [3 * 40 + 4 * 4, 2 * 40 + 3 * 4, 1]);
  // conv2: 16 rows x 6 input channels
  const f3 = png(join(out, 'filters-3.png'));
  assert.deepEqual([f3.width, f3.height], [6 * 40 + 7 * 4, 16 * 40 + 17 * 4]);
  // maps are zoomed to about 112 px (floor(112 / side)), 2 px gaps: conv1 has 6 maps of 28x28
  // zoomed 4x, conv2 16 maps of 10x10 zoomed 11x in a 4x4 grid
  const m0 = png(join(out, 'maps-0.png'));
  assert.deepEqual([m0.width, m0.height], [3 * 112 + 4 * 2, 2 * 112 + 3 * 2]);
  const m3 = png(join(out, 'maps-3.png'));
  assert.deepEqual([m3.width, m3.height], [4 * 110 + 5 * 2, 4 * 110 + 5 * 2]);
  // saliency.png is the heat map of the in-process gradient saliency, pixel for pixel
  const sal = png(join(out, 'saliency.png'));
  assert.deepEqual([sal.width, sal.height, sal.channels], [112, 112, 3]);
  assert.deepEqual(sal.data, tensorToImage(upscaleNearest(heatmap(saliency(model, x, predicted)), 4)).data);

  const plain = cli(
    'visualize',
    image,
    '--model',
    'lenet5',
    '--out',
    join(dir, 'untrained'),
    '--scale',
    '1',
    '--target',
    '3',
    '--max-filters',
    '4',
    '--max-channels',
    '2',
  );
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stderr, /no --weights given, showing an untrained lenet5/);
  assert.match(plain.stdout, /explaining class 3/);
  assert.match(plain.stdout, /layer 3: showing the first 4 of 16 filters/);
  assert.equal(png(join(dir, 'untrained', 'saliency.png')).width, 28);
  // conv2 limited to 4 filters x 2 input channels; maps at --scale 1: 4 maps of 10x10 in 2x2
  const lim = png(join(dir, 'untrained', 'filters-3.png'));
  assert.deepEqual([lim.width, lim.height], [2 * 40 + 3 * 4, 4 * 40 + 5 * 4]);
  const limMaps = png(join(dir, 'untrained', 'maps-3.png'));
  assert.deepEqual([limMaps.width, limMaps.height], [2 * 10 + 3 * 2, 2 * 10 + 3 * 2]);

  const bad = cli('visualize', '--weights', weights, '--image', image, '--model', 'mlp', '--out', out);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--model mlp does not match the model 'lenet5'/);
  const noImage = cli('visualize', '--weights', weights);
  assert.equal(noImage.status, 2);
  assert.match(noImage.stderr, /give an image with --image PATH/);
});

test('filter applies the lecture kernels to an image file (scipy reflect semantics by default)', () => {
  // 3x4 gray image: dark left half, light right half
  const step = new Tensor(Float32Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]), [1, 3, 4]);
  const image = join(dir, 'step.png');
  writeFileSync(image, encodePng(step));
  const out = join(dir, 'edges.png');
  const r = cli('filter', image, '--kernel', 'edge-v', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { min: number; max: number; shape: number[]; mode: string; convolution: string };
  // true convolution flips [-0.25, 0, 0.25]: responses 0, -0.75, -0.75, 0 on every row
  assert.deepEqual([o.min, o.max, o.mode, o.convolution], [-0.75, 0, 'symmetric', 'true']);
  assert.deepEqual(o.shape, [1, 3, 4]);
  // edge kernels are shown as |response| / max
  assert.deepEqual([...png(out).data], [0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0]);

  const corr = cli(
    'filter',
    image,
    '--kernel',
    'edge-v',
    '--correlate',
    '--mode',
    'zeros',
    '--display',
    'minmax',
    '--out',
    join(dir, 'c.png'),
    '--json',
  );
  assert.equal(corr.status, 0, corr.stderr);
  const c = JSON.parse(corr.stdout) as { min: number; max: number };
  // zero padding makes the right border a (negative) edge: -0.75 in the middle row
  assert.deepEqual([c.min, c.max], [-0.75, 0.75]);

  const blur = cli('filter', image, '--kernel', 'box3', '--out', join(dir, 'blur.png'));
  assert.equal(blur.status, 0, blur.stderr);
  assert.match(blur.stdout, /wrote .*blur\.png \(4x3, grayscale, kernel box3, mode symmetric/);
  // each row 0 0 1 1 blurs to 0, 1/3, 2/3, 1 (columns repeat at the border)
  assert.deepEqual([...png(join(dir, 'blur.png')).data].slice(0, 4), [0, 85, 170, 255]);

  const unknown = cli('filter', image, '--kernel', 'emboss');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown kernel 'emboss'/);
  const mode = cli('filter', image, '--kernel', 'box3', '--mode', 'mirror');
  assert.equal(mode.status, 2);
  assert.match(mode.stderr, /--mode must be one of symmetric, reflect, replicate, circular, zeros, got 'mirror'/);
});
