import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  accuracy,
  topKAccuracy,
  confusionMatrix,
  predictClasses,
  Accuracy,
  TopKAccuracy,
  Mean,
  resolveMetric,
} from '../../src/train/metrics.js';

const logits = tensor([
  [0.1, 0.7, 0.2], // pred 1, ranks: 1 > 2 > 0
  [0.9, 0.05, 0.05], // pred 0
  [0.2, 0.3, 0.5], // pred 2, ranks: 2 > 1 > 0
  [0.6, 0.1, 0.3], // pred 0, ranks: 0 > 2 > 1
]);
const labels = new Tensor(Int32Array.from([1, 0, 1, 1]), [4]);

test('accuracy counts argmax hits', () => {
  assert.deepEqual(Array.from(predictClasses(logits)), [1, 0, 2, 0]);
  assert.equal(accuracy(logits, labels), 0.5);
});

test('binary logits: [N] and [N, 1] are thresholded at 0', () => {
  const out = tensor([[2], [-1], [0.5], [-3]]);
  const y = new Tensor(Int32Array.from([1, 0, 0, 0]), [4]);
  assert.equal(accuracy(out, y), 0.75);
  assert.equal(accuracy(out.reshape([4]), y), 0.75);
  assert.deepEqual(confusionMatrix(out, y), [
    [2, 1],
    [0, 1],
  ]);
});

test('topKAccuracy: label among the k best scores', () => {
  assert.equal(topKAccuracy(logits, labels, 1), 0.5);
  // row 2: label 1 is 2nd; row 3: label 1 is 3rd
  assert.equal(topKAccuracy(logits, labels, 2), 0.75);
  assert.equal(topKAccuracy(logits, labels, 3), 1);
  assert.throws(() => topKAccuracy(logits, labels, 0), /k must be a positive integer/);
});

test('confusionMatrix: rows are true classes, columns predictions', () => {
  assert.deepEqual(confusionMatrix(logits, labels), [
    [1, 0, 0],
    [1, 1, 1],
    [0, 0, 0],
  ]);
  const pred = new Tensor(Int32Array.from([2, 2, 0]), [3]);
  const y = new Tensor(Int32Array.from([2, 1, 0]), [3]);
  assert.deepEqual(confusionMatrix(pred, y, 3), [
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 1],
  ]);
  assert.throws(() => confusionMatrix(pred, y, 2), /out of range for 2 classes/);
});

test('shape errors name the op and shapes', () => {
  assert.throws(
    () => accuracy(logits, new Tensor(Int32Array.from([1, 0]), [2])),
    /accuracy: output \[4, 3\] has 4 rows but target \[2\] has 2 labels/,
  );
  assert.throws(() => accuracy(tensor([[[1]]]), labels), /accuracy: output must be \[N, C\]/);
});

test('streaming metrics accumulate across batches', () => {
  const acc = new Accuracy();
  const top2 = new TopKAccuracy(2);
  assert.ok(Number.isNaN(acc.result()));
  acc.update(logits.slice(0, 0, 2), labels.slice(0, 0, 2));
  acc.update(logits.slice(0, 2, 4), labels.slice(0, 2, 4));
  top2.update(logits, labels);
  assert.equal(acc.result(), 0.5);
  assert.equal(top2.name, 'top2Accuracy');
  assert.equal(top2.result(), 0.75);
  acc.reset();
  assert.ok(Number.isNaN(acc.result()));
  const m = new Mean();
  m.add(1, 3);
  m.add(3, 1);
  assert.equal(m.result(), 1.5);
});

test('resolveMetric maps names and rejects unknown ones', () => {
  assert.equal(resolveMetric('accuracy').name, 'accuracy');
  assert.equal(resolveMetric('acc').name, 'accuracy');
  assert.equal(resolveMetric('top5').name, 'top5Accuracy');
  assert.throws(() => resolveMetric('f1' as 'acc'), /unknown metric 'f1'/);
});

// Soft labels (MixUp / CutMix / label smoothing give (N, C) class probabilities): the label of a
// row is its argmax, so accuracy of mixed batches means "the dominant class was predicted".
const soft = tensor([
  [0.1, 0.8, 0.1], // label 1 (logits row 0 predicts 1: hit)
  [0.3, 0.6, 0.1], // label 1 (row 1 predicts 0: miss)
  [0.0, 0.3, 0.7], // label 2 (row 2 predicts 2: hit)
  [0.45, 0.1, 0.45], // tie: argmax takes the first, label 0 (row 3 predicts 0: hit)
]);

test('soft (N, C) probability targets: accuracy, topK and confusion matrix use each row argmax', () => {
  assert.equal(accuracy(logits, soft), 0.75);
  // row 1 scores [0.9, 0.05, 0.05]: label 1 ties with class 2 for second place, ties count for the label
  assert.equal(topKAccuracy(logits, soft, 2), 1);
  assert.equal(topKAccuracy(logits, soft, 1), 0.75);
  assert.deepEqual(confusionMatrix(logits, soft), [
    [1, 0, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
  // the same batch as hard labels gives the same numbers
  const hard = new Tensor(Int32Array.from([1, 1, 2, 0]), [4]);
  assert.equal(accuracy(logits, hard), accuracy(logits, soft));
  // streaming: counts rows (4 per batch), not probability entries (12)
  const acc = new Accuracy();
  acc.update(logits, soft);
  acc.update(logits, hard);
  assert.equal(acc.result(), 0.75);
  // a float target of the wrong width is neither labels nor probabilities
  assert.throws(
    () => accuracy(logits, tensor([[0.5, 0.5]])),
    /accuracy: output \[4, 3\] has 4 rows but target \[1, 2\] has 2 labels \(targets are one label per row, or \[N, C\] class probabilities\)/,
  );
});
