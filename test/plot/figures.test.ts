// Every figure of plot: the SVG parses as XML with its title, both axes (tick labels and a
// label with units) and a legend naming its series; its PNG decodes to the stated size, is not
// blank and shows the title's glyphs (the font is found with no system fonts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as plot from '../../src/plot/index.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import { assertFigure, assertPng, byClass, findAll, texts } from './svg-check.js';

const epochs = Array.from({ length: 12 }, (_, i) => i);
const history = {
  epoch: epochs,
  history: {
    loss: epochs.map((e) => 2 * Math.exp(-e / 3) + 0.05),
    accuracy: epochs.map((e) => 1 - 0.8 * Math.exp(-e / 3)),
    valLoss: epochs.map((e) => 2 * Math.exp(-e / 3) + 0.1 + (e > 7 ? 0.02 * (e - 7) ** 2 : 0)),
    valAccuracy: epochs.map((e) => 0.95 - 0.8 * Math.exp(-e / 3)),
    lr: epochs.map((e) => (0.003 * (1 + Math.cos((Math.PI * e) / 12))) / 2),
  },
};
const cm = [
  [50, 2, 0],
  [3, 40, 7],
  [0, 5, 45],
];

test('learning curves: loss and accuracy panels, train and validation series, the best valLoss epoch marked', async () => {
  const svg = plot.learningCurves(history);
  const root = assertFigure(svg, {
    title: 'Learning curves',
    width: 1000,
    height: 460,
    legend: ['train loss', 'validation loss', 'train accuracy', 'validation accuracy', 'best valLoss: epoch 9'],
  });
  assert.deepEqual(byClass(root, 'panel-title').flatMap(texts), ['Loss', 'Accuracy']);
  assert.deepEqual(
    byClass(root, 'axis-label').map((t) => t.text),
    ['epoch', 'loss (mean per sample)', 'epoch', 'accuracy (%)'],
  );
  const series = byClass(root, 'series').map((s) => s.attrs['data-name']);
  assert.deepEqual(series, ['train loss', 'validation loss', 'train accuracy', 'validation accuracy']);
  // valLoss is lowest at index 8: epoch 9 on the 1-based axis; the marker sits between epochs 8 and 10
  const marks = byClass(root, 'vline');
  assert.equal(marks.length, 2, 'one marker per panel');
  const xTicks = byClass(byClass(root, 'x-axis')[0], 'tick-label').map((t) => t.text);
  assert.ok(xTicks.includes('10'), `epoch ticks ${xTicks}`);
  // ticks of the accuracy panel are in percent
  const yTicks = byClass(byClass(root, 'y-axis')[1], 'tick-label').map((t) => Number(t.text.replace('\u2212', '-')));
  assert.ok(Math.max(...yTicks) >= 90 && Math.max(...yTicks) <= 100, `percent ticks ${yTicks}`);
  assertPng(await plot.toPng(svg), 1000, 460);
  // without validation data: no marker, one panel per quantity still
  const trainOnly = plot.learningCurves({ epoch: [0, 1], history: { loss: [1, 0.5] } }, { width: 500, height: 300 });
  const r2 = assertFigure(trainOnly, { title: 'Learning curves', width: 500, height: 300, legend: ['train loss'] });
  assert.equal(byClass(r2, 'vline').length, 0);
  assert.throws(
    () => plot.learningCurves({ epoch: [0], history: { accuracy: [1] } }),
    /no 'loss', 'valLoss' or 'testLoss' in the history \(it has: accuracy\)/,
  );
  assert.throws(() => plot.learningCurves({ epoch: [], history: {} }), /the history has no epochs/);
});

test('LR schedule: lr per epoch with labelled axes', async () => {
  const svg = plot.lrSchedule(history.history.lr, { width: 600, height: 360 });
  const root = assertFigure(svg, {
    title: 'Learning-rate schedule',
    width: 600,
    height: 360,
    legend: ['learning rate'],
  });
  assert.deepEqual(
    byClass(root, 'axis-label').map((t) => t.text),
    ['epoch', 'learning rate (per step)'],
  );
  assertPng(await plot.toPng(svg), 600, 360);
  assert.throws(() => plot.lrSchedule([]), /no learning-rate values/);
});

test('confusion matrix: a cell per pair with its count, class names on both axes, a colour bar', async () => {
  const svg = plot.confusionMatrix(cm, { classNames: ['cat', 'dog', 'fox'] });
  const root = assertFigure(svg, { title: 'Confusion matrix', width: 640, height: 600 });
  assert.equal(byClass(root, 'cell').length, 9);
  assert.deepEqual(
    byClass(root, 'count').map((t) => Number(t.text)),
    cm.flat(),
  );
  assert.deepEqual(
    byClass(byClass(root, 'x-axis')[0], 'tick-label').map((t) => t.text),
    ['cat', 'dog', 'fox'],
  );
  assert.deepEqual(
    byClass(root, 'axis-label').map((t) => t.text),
    ['predicted class', 'true class'],
  );
  assert.equal(byClass(root, 'colorbar').length, 1, 'the colour bar is the legend');
  assert.match(texts(byClass(root, 'panel-title')[0]).join(''), /accuracy 88\.82% of 152 samples/);
  assertPng(await plot.toPng(svg), 640, 600);
  // the same from a flat row-major matrix with its shape (train.confusionMatrix's Int32Array)
  assert.equal(
    plot.confusionMatrix({ data: Int32Array.from(cm.flat()), shape: [3, 3] }, { classNames: ['cat', 'dog', 'fox'] }),
    svg,
  );
  assert.throws(() => plot.confusionMatrix([[1, 2]]), /must be square \(1x1\); row 0 has 2 values/);
  assert.throws(() => plot.confusionMatrix([[-1]]), /entry \[0\]\[0\] must be a count >= 0, got -1/);
  assert.throws(() => plot.confusionMatrix(cm, { classNames: ['a'] }), /1 class names for 3 classes/);
  const huge = { data: new Int32Array(201 * 201), shape: [201, 201] };
  assert.throws(() => plot.confusionMatrix(huge), /201 classes; at most 200 fit in a figure/);
});

test('per-class accuracy: a bar per class at its recall, the overall accuracy in the legend', async () => {
  const svg = plot.classAccuracy(cm);
  const root = assertFigure(svg, {
    title: 'Accuracy per class',
    width: 720,
    height: 420,
    legend: ['class accuracy', 'overall 88.8%'],
  });
  const bars = byClass(root, 'bar');
  assert.equal(bars.length, 3);
  const heights = bars.map((b) => Number(b.attrs.height));
  // 50/52, 40/50, 45/50 of the same axis height
  assert.ok(
    Math.abs(heights[1] / heights[0] - 0.8 / (50 / 52)) < 0.01 &&
      Math.abs(heights[2] / heights[0] - 0.9 / (50 / 52)) < 0.01,
    `${heights}`,
  );
  assertPng(await plot.toPng(svg), 720, 420);
  assert.throws(() => plot.classAccuracy([0.5, 1.5]), /accuracy of class 1 must be in \[0, 1\], got 1.5/);
});

test("histograms: a model's weights and gradients per parameter, counts adding up to the values", async () => {
  manualSeed(4);
  const model = new Linear(20, 5);
  model
    .forward(randn([8, 20]))
    .square()
    .mean()
    .backward();
  const svg = plot.histograms(model, { bins: 10 });
  const root = assertFigure(svg, {
    title: 'Weights and gradients per layer',
    width: 930,
    height: 496,
    legend: ['weights', 'gradients'],
  });
  const titles = byClass(root, 'panel-title').flatMap(texts);
  assert.deepEqual(titles, [
    'weight (100 values)',
    'weight gradient (100 values)',
    'bias (5 values)',
    'bias gradient (5 values)',
  ]);
  assert.deepEqual(
    byClass(root, 'axis-label')
      .map((t) => t.text)
      .filter((_, i) => i % 2 === 0),
    ['weight value', 'gradient value', 'weight value', 'gradient value'],
  );
  assertPng(await plot.toPng(svg), 930, 496);
  assert.deepEqual(plot.histogramCounts([0, 0.1, 0.5, 0.99, 1, NaN, 2], 2, 0, 1), [2, 3]);
  assert.throws(() => plot.histograms([]), /no layers/);
  assert.throws(() => plot.histogramCounts([1], 0, 0, 1), /bins must be an integer from 1 to 10000, got 0/);
});

test('scatter: every point drawn in its class colour, a legend entry per class', async () => {
  const pts = Array.from({ length: 30 }, (_, i) => [Math.cos(i) + (i % 3) * 3, Math.sin(i)]);
  const labels = Array.from({ length: 30 }, (_, i) => i % 3);
  const svg = plot.scatter(pts, labels, { classNames: ['zero', 'one', 'two'], title: 'PCA of features' });
  const root = assertFigure(svg, { title: 'PCA of features', width: 640, height: 520, legend: ['zero', 'one', 'two'] });
  const points = byClass(root, 'point');
  assert.equal(points.length, 30);
  assert.deepEqual(new Set(points.map((p) => p.attrs.fill)), new Set(plot.PALETTE.slice(0, 3)));
  assertPng(await plot.toPng(svg), 640, 520);
  assert.throws(() => plot.scatter(pts, [1]), /30 points but 1 labels/);
  assert.throws(() => plot.scatter([[1, 2, 3]], [0]), /point 0 has 3 coordinates, need 2/);
});

test('image grid: each image embedded as a PNG of its own size, captions under them', async () => {
  const data = Float32Array.from({ length: 6 * 8 * 8 }, (_, i) => (i % 8) / 7);
  const svg = plot.imageGrid(
    { data, shape: [6, 1, 8, 8] },
    { captions: ['a', 'b', 'c', 'd', 'e', 'f'], columns: 3, cell: 64, title: 'Samples' },
  );
  const root = assertFigure(svg, { title: 'Samples', width: 240, height: 228, axes: false });
  const images = findAll(root, (n) => n.tag === 'image');
  assert.equal(images.length, 6);
  assert.deepEqual(
    byClass(root, 'caption').map((t) => t.text),
    ['a', 'b', 'c', 'd', 'e', 'f'],
  );
  const { decode } = await import('fast-png');
  const first = decode(Buffer.from(images[0].attrs.href.replace('data:image/png;base64,', ''), 'base64'));
  assert.deepEqual([first.width, first.height, first.channels], [8, 8, 1]);
  assert.deepEqual([...first.data.subarray(0, 8)], [0, 36, 73, 109, 146, 182, 219, 255]);
  assertPng(await plot.toPng(svg), 240, 228);
  assert.throws(
    () => plot.imageGrid({ data, shape: [6, 2, 8, 8] }),
    /shape \[N, H, W\], \[N, 1, H, W\] or \[N, 3, H, W\], got \[6, 2, 8, 8\]/,
  );
  assert.throws(() => plot.imageGrid({ data, shape: [6, 8, 8] }, { captions: ['x'] }), /1 captions for 6 images/);
});

test('toPng: --scale 2 doubles the pixels; sizes out of range are refused naming the option', async () => {
  const svg = plot.lrSchedule([1, 0.5, 0.25], { width: 300, height: 200 });
  assertPng(await plot.toPng(svg, { scale: 2 }), 600, 400, 2);
  await assert.rejects(plot.toPng(svg, { scale: 0 }), /scale must be in \(0, 8\], got 0/);
  assert.throws(() => plot.lrSchedule([1], { width: 10 }), /width must be an integer from 64 to 8192 pixels, got 10/);
  await assert.rejects(plot.toPng('<svg></svg>'), /no numeric width and height/);
});

test("line chart: without a title it gets the default 'Line chart' (FigureOptions.title is optional)", () => {
  const svg = plot.lineChart([{ name: 'loss', x: [0, 1, 2], y: [1, 0.5, 0.25] }], { xLabel: 'step', yLabel: 'loss' });
  assertFigure(svg, { title: 'Line chart', width: 720, height: 440, legend: ['loss'] });
});
