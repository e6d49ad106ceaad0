// cam-geometry's cell grids come from the same receptive-field arithmetic as summary()
// (src/nn/conv-arith.ts): for every Conv2d of LeNet-5, ResNet-20 with option-A shortcuts and
// with option-B ones (1x1 stride-2 projection convs, where branches merge), the start and jump that
// trackCellGrid records during a forward equal the summary row's; and a layer whose output is
// flattened has no grid, with an error saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conv2d } from '../../src/nn/layers/conv.js';
import type { Module } from '../../src/nn/module.js';
import { lenet5, resnet20, resnetCifar } from '../../src/models/index.js';
import { manualSeed, randn } from '../../src/index.js';
import { summary } from '../../src/train/summary.js';
import { trackCellGrid } from '../../src/vision/cam-geometry.js';

/** Checks every Conv2d's tracked grid against summary() in one forward; returns how many convs. */
function checkEveryConv(name: string, model: Module, inputShape: number[]): number {
  model.eval();
  const rows = new Map(summary(model, inputShape).rows.map((r) => [r.name, r]));
  const convs = [...model.namedModules()].filter(([, m]) => m instanceof Conv2d);
  const trackers = convs.map(([, m]) => trackCellGrid(model, m));
  model.call(randn([1, ...inputShape]));
  convs.forEach(([path], i) => {
    trackers[i].remove();
    const row = rows.get(path);
    assert.ok(row?.start && row.jump, `${name} ${path}: summary has a field`);
    assert.deepEqual(trackers[i].grid(), { start: row.start, jump: row.jump }, `${name} ${path}`);
  });
  return convs.length;
}

test('trackCellGrid equals summary() start and jump at every Conv2d of LeNet-5 and ResNet-20 with option-A and option-B shortcuts', () => {
  manualSeed(0);
  assert.equal(checkEveryConv('lenet5', lenet5(), [1, 28, 28]), 2);
  assert.equal(checkEveryConv('resnet20 A', resnet20(), [3, 16, 16]), 19);
  // 21 convs: 19 on the main path and 2 projection (shortcut) convs
  const b = resnetCifar({ depth: 20, shortcut: 'B' });
  assert.equal(checkEveryConv('resnet20 B', b, [3, 16, 16]), 21);
  // layer3's grid is the main path's (start 0, jump 4), not doubled by the stride-2 projection convs
  const t = trackCellGrid(b, b.getSubmodule('layer3.2.conv2'));
  b.call(randn([1, 3, 16, 16]));
  t.remove();
  assert.deepEqual(t.grid(), { start: [0, 0], jump: [4, 4] });
  assert.equal(t.reason(), null);
  assert.equal(t.isChain(), false, "the projection convs take an earlier size: 'auto' keeps resizing");
});

test('a flattened layer has no cell grid: grid() throws naming why', () => {
  const model = lenet5();
  const t = trackCellGrid(model, model.getSubmodule('7'));
  model.call(randn([1, 1, 28, 28]));
  t.remove();
  assert.match(String(t.reason()), /flattened/);
  assert.throws(() => t.grid(), /trackCellGrid: the cell grid of Linear is unknown: .*flattened/);
});
