// featureMaps (forward hooks on named layers) and conv2dLayers on LeNet-5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, randn, nn, Tensor } from '../../src/index.js';
import { Sequential } from '../../src/nn/index.js';
import { lenet5 } from '../../src/models/index.js';
import { conv2dLayers, featureMaps } from '../../src/vision/index.js';
import { assertClose } from '../helpers/check.js';

test('featureMaps on lenet5 returns every layer by dotted name with its output shape, in execution order', () => {
  manualSeed(0);
  const model = lenet5();
  const x = randn([2, 1, 28, 28]);
  const maps = featureMaps(model, x);
  const expected: [string, number[]][] = [
    ['0', [2, 6, 28, 28]],
    ['1', [2, 6, 28, 28]],
    ['2', [2, 6, 14, 14]],
    ['3', [2, 16, 10, 10]],
    ['4', [2, 16, 10, 10]],
    ['5', [2, 16, 5, 5]],
    ['6', [2, 400]],
    ['7', [2, 120]],
    ['8', [2, 120]],
    ['9', [2, 84]],
    ['10', [2, 84]],
    ['11', [2, 10]],
  ];
  assert.deepEqual(
    [...maps.keys()],
    expected.map(([n]) => n),
  );
  for (const [name, shape] of expected) assert.deepEqual(maps.get(name)?.shape, shape, name);
  // the first map is conv1 of the input, the last the logits
  const conv = model.at(0) as nn.Conv2d;
  assertClose(maps.get('0') as Tensor, F.conv2d(x, conv.weight, conv.bias, { padding: 2 }), { atol: 1e-5 });
  assertClose(maps.get('1') as Tensor, (maps.get('0') as Tensor).relu(), { atol: 0 });
  assertClose(maps.get('11') as Tensor, model.call(x), { atol: 1e-5 });
  for (const m of maps.values()) assert.equal(m.requiresGrad, false);
});

test('featureMaps with chosen layers, nested names, restored mode and no leftover hooks', () => {
  manualSeed(1);
  const model = new Sequential(
    new Sequential(new nn.Conv2d(3, 4, 3), new nn.ReLU()),
    new nn.Dropout(0.5),
    new nn.Flatten(),
  );
  model.train();
  const x = randn([1, 3, 6, 6]);
  const maps = featureMaps(model, x, { layers: ['0.0', '0', '1'] });
  assert.deepEqual([...maps.keys()], ['0.0', '0', '1']);
  assert.deepEqual(maps.get('0.0')?.shape, [1, 4, 4, 4]);
  // evaluation mode during the run: dropout is the identity
  assertClose(maps.get('1') as Tensor, maps.get('0') as Tensor, { atol: 0 });
  for (const m of model.modules()) {
    assert.equal(m.training, true, 'training mode restored');
    assert.equal(m.hasHooks, false, 'hooks removed');
  }
  assert.deepEqual([...featureMaps(model, x).keys()], ['0.0', '0.1', '1', '2'], 'default: leaf layers');
  assert.throws(
    () => featureMaps(model, x, { layers: ['0.5'] }),
    /featureMaps: Sequential has no layer '0.5' \(layers: 0, 0.0, 0.1, 1, 2\)/,
  );
  assert.deepEqual(
    conv2dLayers(model).map(([n]) => n),
    ['0.0'],
  );
  // a registered layer that the forward pass never calls is reported, not silently left out
  const unused = new Sequential(new nn.ReLU());
  unused.registerModule('spare', new nn.Tanh());
  assert.throws(() => featureMaps(unused, x, { layers: ['0', 'spare'] }), /featureMaps: layer 'spare' did not run/);
  assert.deepEqual(
    conv2dLayers(lenet5()).map(([n, c]) => [n, [...c.weight.shape]]),
    [
      ['0', [6, 1, 5, 5]],
      ['3', [16, 6, 5, 5]],
    ],
  );
});
