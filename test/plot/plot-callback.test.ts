// train.PlotCurves: fit() draws its learning curves when it ends, to a function (browsers) or an
// .svg/.png file; with EarlyStopping the marked epoch is the one whose weights were kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear } from '../../src/nn/layers/linear.js';
import { manualSeed } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import { Callback, type Logs } from '../../src/train/callback.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';
import { PlotCurves } from '../../src/train/plot-callback.js';
import { assertFigure, assertPng, byClass } from './svg-check.js';
import { blobs } from '../train/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-plot-cb-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Replaces valLoss with a fixed sequence so that early stopping is deterministic. */
class FakeValLoss extends Callback {
  constructor(private readonly values: number[]) {
    super();
    this.order = -20;
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    logs.valLoss = this.values[epoch];
  }
}

test('PlotCurves with a function target gets the SVG once, with the early-stopping epoch marked', async () => {
  manualSeed(5);
  const got: string[] = [];
  const stop = new EarlyStopping({ monitor: 'valLoss', patience: 2 });
  const history = await fit(new Linear(4, 3), blobs(48), {
    epochs: 10,
    batchSize: 16,
    metrics: ['accuracy'],
    validation: { fraction: 0.25 },
    callbacks: [
      new FakeValLoss([1, 0.8, 0.7, 0.75, 0.9, 0.5, 0.4, 0.3, 0.2, 0.1]),
      stop,
      new PlotCurves((svg) => void got.push(svg), { title: 'run 1' }),
    ],
    verbose: 0,
  });
  assert.equal(history.epoch.length, 5, 'stopped after epoch 5');
  assert.equal(got.length, 1, 'drawn once, at the end');
  const root = assertFigure(got[0], {
    title: 'run 1',
    width: 1000,
    height: 460,
    legend: ['train loss', 'validation loss', 'early stopping: best valLoss at epoch 3'],
  });
  assert.equal(byClass(root, 'vline').length, 2);
});

test('PlotCurves writes .svg and .png files; other extensions are refused at construction', async () => {
  manualSeed(6);
  const svgPath = join(dir, 'curves.svg');
  const pngPath = join(dir, 'curves.png');
  await fit(new Linear(4, 3), blobs(48), {
    epochs: 2,
    batchSize: 16,
    metrics: ['accuracy'],
    callbacks: [new PlotCurves(svgPath), new PlotCurves(pngPath, { width: 800, height: 360 })],
    verbose: 0,
  });
  assertFigure(readFileSync(svgPath, 'utf8'), {
    title: 'Learning curves',
    width: 1000,
    height: 460,
    legend: ['train loss', 'train accuracy'],
  });
  assertPng(new Uint8Array(readFileSync(pngPath)), 800, 360);
  assert.throws(
    () => new PlotCurves(join(dir, 'curves.jpg')),
    /PlotCurves: '.*curves\.jpg' must end in \.svg or \.png/,
  );
});
