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
import { decodeImage, encodePng } from '../../src/vision/index.js';

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
    images: { file: string; width: number; height: number }[];
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
  // every written PNG decodes at the size the command states (--json images)
  assert.deepEqual(
    o.images.map((i) => i.file),
    o.files,
  );
  for (const i of o.images) {
    const p = png(i.file);
    assert.deepEqual([p.width, p.height], [i.width, i.height], i.file);
  }
  const stated = (n: string): [number, number] => {
    const i = o.images.find((e) => e.file === join(out, n));
    assert.ok(i, n);
    return [i.width, i.height];
  };
  assert.deepEqual(stated('input.png'), [112, 112]); // 28x28 zoomed 4x, raw
  // the filter and feature-map figures: a 44 px title band, then rows of tiles, each with an
  // 18 px caption band and 10 px gaps; conv1: 6 gray 5x5 filters zoomed 8x (40 px) in 2 rows
  assert.equal(stated('filters-0.png')[1], 44 + 2 * (40 + 28));
  // conv2: 16 filters (rows) x 6 input channels (columns)
  assert.equal(stated('filters-3.png')[1], 44 + 16 * (40 + 28));
  assert.ok(stated('filters-3.png')[0] >= 6 * 40 + 7 * 10);
  // maps zoomed to about 112 px (floor(112 / side)): conv1 6 maps of 28x28 zoomed 4x (2 rows),
  // conv2 16 maps of 10x10 zoomed 11x in a 4x4 grid
  assert.equal(stated('maps-0.png')[1], 44 + 2 * (112 + 28));
  assert.equal(stated('maps-3.png')[1], 44 + 4 * (110 + 28));
  assert.ok(stated('maps-3.png')[0] >= 4 * 110 + 5 * 10);
  // each figure has ink in its title band (the title's glyphs) and in the first row's caption band
  const cells: Record<string, number> = {
    'filters-0.png': 40,
    'filters-3.png': 40,
    'maps-0.png': 112,
    'maps-3.png': 110,
  };
  for (const [n, cell] of Object.entries(cells)) {
    const img = png(join(out, n));
    const ink = (y0: number, y1: number): number => {
      let k = 0;
      for (let y = y0; y < y1; y++)
        for (let x = 0; x < img.width; x++) {
          const i = (y * img.width + x) * img.channels;
          if (img.data[i] < 128 && img.data[i + 1] < 128 && img.data[i + 2] < 128) k++;
        }
      return k;
    };
    assert.ok(ink(6, 34) > 40, `${n}: the title renders (dark pixels in the title band: ${ink(6, 34)})`);
    assert.ok(ink(40 + cell + 2, 40 + cell + 18) > 20, `${n}: the tile captions render`);
    assert.equal(ink(40 + cell + 20, 40 + cell + 28), 0, `${n}: blank gap under the captions`);
  }
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
