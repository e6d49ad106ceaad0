/**
 * Fine-tuning an imported ONNX model: the PyTorch-exported LeNet-5 (random weights, from
 * test/fixtures/onnx, opset 13, flatten written as Shape/Gather/Unsqueeze/Concat/Reshape) is
 * trained for one epoch with the library's `fit` on MNIST's 60,000 training images (about 20 s
 * on the native backend of a 2-core EPYC) and evaluated on the first 2,000 test images. Slow
 * tier because it trains for that long.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { data, io, optim, train } from '../../src/index.js';
import { fixtureBytes } from './onnx-import-graphs.js';

test('an imported LeNet-5 fine-tunes on MNIST for one epoch: accuracy rises far above chance, every weight moves', async () => {
  const model = io.importOnnx(fixtureBytes('lenet5-opset13.onnx'));
  const trainSet = await data.loadMnist({ split: 'train', normalize: true });
  const testSet = await data.loadMnist({ split: 'test', normalize: true, limit: 2_000 });

  const before = train.evaluate(model, testSet).accuracy;
  assert.ok(before < 0.3, `random weights are near chance (got ${before})`);
  const initial = new Map([...model.namedParameters()].map(([k, p]) => [k, Float32Array.from(p.data)]));

  // gradients flow into the imported parameters (names as in the PyTorch model)
  let seen = 0;
  const probe = model.registerForwardHook(() => {
    seen++;
  });
  const history = await train.fit(model, trainSet, {
    epochs: 1,
    batchSize: 64,
    optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }),
    seed: 1,
    verbose: 0,
  });
  probe.remove();
  assert.equal(seen, Math.ceil(trainSet.length / 64), 'fit ran the imported module once per batch');
  for (const [name, p] of model.namedParameters()) {
    assert.ok(p.grad, `${name} received a gradient`);
    const moved = p.data.some((v, i) => v !== (initial.get(name) as Float32Array)[i]);
    assert.ok(moved, `${name} was updated by the optimizer`);
  }
  assert.deepEqual(
    [...model.namedParameters()].map(([k]) => k),
    [
      'conv1.weight',
      'conv1.bias',
      'conv2.weight',
      'conv2.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ],
  );

  const after = train.evaluate(model, testSet).accuracy;
  assert.ok(history.history.loss[0] < 1.0, `mean training loss of the epoch ${history.history.loss[0]}`);
  assert.ok(after > 0.9, `test accuracy after one epoch: ${after} (before: ${before})`);
});
