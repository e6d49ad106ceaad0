import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, manualSeed, rand, type Tensor } from '../../src/index.js';
import { Sequential } from '../../src/nn/index.js';
import { summary } from '../../src/train/index.js';

/** The lecture's Keras Fashion-MNIST CNN (Géron ch. 11), with PyTorch layers. */
function fashionCnn(): Sequential {
  const conv = (i: number, o: number, k = 3): nn.Conv2d => new nn.Conv2d(i, o, k, { padding: 'same' });
  return new Sequential(
    conv(1, 64, 7),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    conv(64, 128),
    new nn.ReLU(),
    conv(128, 128),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    conv(128, 256),
    new nn.ReLU(),
    conv(256, 256),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(2304, 128),
    new nn.ReLU(),
    new nn.Dropout(0.5),
    new nn.Linear(128, 64),
    new nn.ReLU(),
    new nn.Dropout(0.5),
    new nn.Linear(64, 10),
    new nn.Softmax(1),
  );
}

test('summary of the Keras Fashion-MNIST CNN reports 1,413,834 params', () => {
  manualSeed(20);
  const s = summary(fashionCnn(), [1, 28, 28]);
  assert.equal(s.totalParams, 1413834);
  assert.equal(s.trainableParams, 1413834);
  assert.equal(s.nonTrainableParams, 0);
  assert.deepEqual(s.outputShape, [1, 10]);
  const convs = s.rows.filter((r) => r.type === 'Conv2d');
  assert.deepEqual(
    convs.map((r) => r.params),
    [3200, 73856, 147584, 295168, 590080],
  );
  assert.deepEqual(
    convs.map((r) => r.outputShape),
    [
      [1, 64, 28, 28],
      [1, 128, 14, 14],
      [1, 128, 14, 14],
      [1, 256, 7, 7],
      [1, 256, 7, 7],
    ],
  );
  assert.deepEqual(
    s.rows.filter((r) => r.type === 'Linear').map((r) => r.params),
    [295040, 8256, 650],
  );
  assert.deepEqual(s.rows.find((r) => r.type === 'Flatten')?.outputShape, [1, 2304]);
  assert.equal(s.rows.length, 22);
  assert.match(s.text, /Total params: 1,413,834 \(5\.39 MB\)/);
  assert.match(s.text, /Trainable params: 1,413,834 \(5\.39 MB\)/);
  assert.match(s.text, /Non-trainable params: 0 \(0\.00 B\)/);
  assert.match(s.text, /^0 \(Conv2d\) +\[1, 64, 28, 28\] +3,200$/m);
  assert.match(s.text, /^12 \(MaxPool2d\) +\[1, 256, 3, 3\] +0$/m);
  assert.equal(String(s), s.text);
});

test('summary of one Conv2d of ten 5x5x3 filters counts 760', () => {
  const s = summary(new nn.Conv2d(3, 10, 5), [3, 32, 32]);
  assert.equal(s.totalParams, 760);
  assert.deepEqual(s.outputShape, [1, 10, 28, 28]);
  assert.deepEqual(
    s.rows.map((r) => [r.name, r.type, r.params]),
    [['', 'Conv2d', 760]],
  );
  assert.match(s.text, /^Conv2d +\[1, 10, 28, 28\] +760$/m);
  assert.match(s.text, /Total params: 760 /);
});

test('summary leaves modes, running statistics, gradients and the RNG untouched', () => {
  manualSeed(21);
  const model = new Sequential(
    new nn.Conv2d(1, 4, 3),
    new nn.BatchNorm2d(4),
    new nn.Dropout(0.5),
    new nn.Flatten(),
    new nn.Linear(16, 2),
  );
  model.at(2).eval();
  const bn = model.at(1) as nn.BatchNorm2d;
  manualSeed(5);
  const expected = rand([3]).toFlatArray();
  manualSeed(5);
  summary(model, [1, 4, 4]);
  assert.deepEqual(rand([3]).toFlatArray(), expected);
  assert.equal(model.training, true);
  assert.equal(model.at(0).training, true);
  assert.equal(model.at(2).training, false);
  assert.deepEqual((bn.runningMean as Tensor).toFlatArray(), [0, 0, 0, 0]);
  assert.equal(bn.numBatchesTracked?.data[0], 0);
  assert.ok(model.parameters().every((p) => p.grad === null));
});

test('summary: frozen layers are non-trainable; nested containers and depth', () => {
  const trunk = new Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.GlobalAvgPool());
  const model = new Sequential(trunk, new nn.Linear(8, 5));
  trunk.freeze();
  const s = summary(model, [3, 6, 6]);
  assert.equal(s.totalParams, 224 + 45);
  assert.equal(s.trainableParams, 45);
  assert.equal(s.nonTrainableParams, 224);
  assert.deepEqual(
    s.rows.map((r) => `${r.name}:${r.type}:${r.depth}`),
    ['0:Sequential:1', '0.0:Conv2d:2', '0.1:ReLU:2', '0.2:GlobalAvgPool:2', '1:Linear:1'],
  );
  assert.match(s.text, /^0 \(Sequential\) +\[1, 8\] +--$/m);
  assert.match(s.text, /^ {2}0\.0 \(Conv2d\) +\[1, 8, 6, 6\] +224$/m);
  assert.match(s.text, /Non-trainable params: 224 /);
  const folded = summary(model, [3, 6, 6], { depth: 1 });
  assert.match(folded.text, /^0 \(Sequential\) +\[1, 8\] +224$/m);
  assert.doesNotMatch(folded.text, /Conv2d/);
  const batched = summary(model, [3, 6, 6], { batchSize: 4 });
  assert.deepEqual(batched.outputShape, [4, 5]);
});

test('summary errors name the failing layer and bad arguments', () => {
  const model = new Sequential(new nn.Conv2d(1, 4, 3), new nn.Flatten(), new nn.Linear(10, 2));
  assert.throws(
    () => summary(model, [1, 5, 5]),
    /summary: the forward pass of Sequential on input \[1, 1, 5, 5\] failed in layer '2' \(Linear\): linear: input \[1, 36\] has 36 features/,
  );
  assert.throws(() => summary(model, [1, 0, 5]), /inputShape must be positive integers/);
  assert.equal(model.training, true);
});
