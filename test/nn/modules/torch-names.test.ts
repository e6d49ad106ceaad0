// Every nn layer with parameters or buffers names and shapes them as torch.nn does (the list of
// torch.nn layers is test/fixtures/torchvision/layer-keys.json, written by
// scripts/gen-torchvision-fixtures.py): Conv/ConvTranspose weight layouts, BatchNorm's
// running_mean / running_var / num_batches_tracked (int64 in PyTorch, int32 here), LayerNorm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nn } from '../../../src/index.js';

const TORCH = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'torchvision', 'layer-keys.json'), 'utf8'),
) as Record<string, [string, number[], string][]>;

const LAYERS: Record<string, () => nn.Module> = {
  'Conv1d(3, 4, 3)': () => new nn.Conv1d(3, 4, 3),
  'Conv2d(4, 6, [3, 2], groups 2)': () => new nn.Conv2d(4, 6, [3, 2], { groups: 2 }),
  'Conv2d(3, 4, 3, no bias)': () => new nn.Conv2d(3, 4, 3, { bias: false }),
  'ConvTranspose1d(4, 6, 3, groups 2)': () => new nn.ConvTranspose1d(4, 6, 3, { groups: 2 }),
  'ConvTranspose2d(4, 6, [3, 2], groups 2)': () => new nn.ConvTranspose2d(4, 6, [3, 2], { groups: 2 }),
  'Linear(5, 3)': () => new nn.Linear(5, 3),
  'BatchNorm1d(4)': () => new nn.BatchNorm1d(4),
  'BatchNorm2d(4)': () => new nn.BatchNorm2d(4),
  'BatchNorm2d(4, affine false)': () => new nn.BatchNorm2d(4, { affine: false }),
  'BatchNorm2d(4, no running stats)': () => new nn.BatchNorm2d(4, { trackRunningStats: false }),
  'LayerNorm([4, 5])': () => new nn.LayerNorm([4, 5]),
  'LayerNorm(4, no affine)': () => new nn.LayerNorm(4, { elementwiseAffine: false }),
};

test('the fixture and this test list the same layers', () => {
  assert.deepEqual(Object.keys(LAYERS), Object.keys(TORCH));
});

for (const [name, build] of Object.entries(LAYERS)) {
  test(`${name}: state-dict names, order and shapes are torch.nn's`, () => {
    const own = [...build().stateDict()].map(([k, t]) => [k, [...t.shape], t.dtype]);
    const theirs = TORCH[name].map(([k, shape, dtype]) => [k, shape, dtype === 'int64' ? 'int32' : dtype]);
    assert.deepEqual(own, theirs);
  });
}
