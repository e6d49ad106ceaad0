// Segmentation metrics: IoU and Dice on hand-counted masks, binary (mask logits or probabilities)
// and multi-class (argmax over class scores), streaming accumulation of pixel counts, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { resolveMetric } from '../../src/train/metrics.js';
import { Dice, IoU, dice, iou, segmentationCounts } from '../../src/train/segmentation-metrics.js';

// one 1x2x4 mask: logits > 0 predicted positive (sigmoid > 0.5)
const logit = tensor([
  [
    [
      [3, -1, 2, 0],
      [-2, 5, -4, 1],
    ],
  ],
]);
const mask = tensor([
  [
    [
      [1, 1, 0, 0],
      [0, 1, 0, 1],
    ],
  ],
]);
// predicted {0, 2, 5, 7} (logit 0 is not > 0), target {0, 1, 5, 7}: intersection {0, 5, 7} = 3, union 5

test('binary iou and dice of mask logits, counted by hand', () => {
  assert.deepEqual(segmentationCounts(logit, mask), { intersection: [3], predicted: [4], actual: [4] });
  assert.equal(iou(logit, mask), 3 / 5);
  assert.equal(dice(logit, mask), (2 * 3) / (4 + 4));
  // Dice = 2 IoU / (1 + IoU) for one class
  assert.ok(Math.abs(dice(logit, mask) - (2 * 0.6) / 1.6) < 1e-12);
  // threshold 0.9 on probabilities: sigmoid(2) = 0.88 and sigmoid(1) = 0.73 drop out: predicted {0, 5}
  assert.equal(iou(logit, mask, { threshold: 0.9 }), 2 / 4);
  // probabilities instead of logits: > 0.5 is positive
  const prob = tensor([
    [
      [
        [0.9, 0.2, 0.7, 0.5],
        [0.1, 0.99, 0.0, 0.6],
      ],
    ],
  ]);
  assert.equal(iou(prob, mask, { logits: false }), 3 / 5);
  // the target's layout only has to hold as many elements (a (N, H, W) or int32 mask works)
  const flat = new Tensor(Int32Array.from([1, 1, 0, 0, 0, 1, 0, 1]), [1, 2, 4]);
  assert.equal(iou(logit, flat), 3 / 5);
  // perfect and disjoint predictions
  assert.equal(iou(mask.sub(0.5), mask), 1);
  assert.equal(iou(mask.neg(), mask), 0);
  // nothing to find and nothing found: 1
  assert.equal(iou(tensor([[-1, -2]]), tensor([[0, 0]])), 1);
  assert.equal(dice(tensor([[-1, -2]]), tensor([[0, 0]])), 1);
});

test('multi-class: argmax over the class axis, mean over the classes that occur, ignoreIndex', () => {
  // (1, 3, 1, 4) class scores; argmax per pixel: [0, 1, 1, 2]
  const scores = tensor([[[[5, 0, 0, 0]], [[0, 5, 5, 0]], [[0, 0, 0, 5]]]]);
  const labels = new Tensor(Int32Array.from([0, 1, 2, 2]), [1, 1, 4]);
  // class 0: I 1, P 1, A 1 → 1; class 1: I 1, P 2, A 1 → 1/2; class 2: I 1, P 1, A 2 → 1/2
  assert.deepEqual(segmentationCounts(scores, labels), {
    intersection: [1, 1, 1],
    predicted: [1, 2, 1],
    actual: [1, 1, 2],
  });
  assert.equal(iou(scores, labels), (1 + 0.5 + 0.5) / 3);
  assert.equal(dice(scores, labels), (1 + 2 / 3 + 2 / 3) / 3);
  // labels without the channel axis, as float
  assert.equal(iou(scores, tensor([[0, 1, 2, 2]])), (1 + 0.5 + 0.5) / 3);
  // a class in neither prediction nor target is left out of the mean (4 classes, class 3 absent)
  const four = tensor([[[[5, 0, 0, 0]], [[0, 5, 5, 0]], [[0, 0, 0, 5]], [[0, 0, 0, 0]]]]);
  assert.equal(iou(four, labels), (1 + 0.5 + 0.5) / 3);
  // ignoreIndex drops pixel 2 (label 2, predicted 1): class 1 becomes I 1, P 1, A 1
  const withVoid = new Tensor(Int32Array.from([0, 1, 255, 2]), [1, 1, 4]);
  assert.equal(iou(scores, withVoid, { ignoreIndex: 255 }), 1);
  assert.throws(() => iou(scores, withVoid), /iou: target label 255 at pixel 2 is not in \[0, 3\)/);
});

test('streaming IoU/Dice sum pixel counts over batches (not a mean of per-batch scores)', () => {
  const m = new IoU();
  const d = resolveMetric('dice');
  assert.ok(m instanceof IoU && d instanceof Dice);
  assert.ok(Number.isNaN(m.result()));
  // batch 1: I 3, U 5 (above); batch 2: predicted 1 pixel, target 3, overlap 1 → I 1, U 3
  const logit2 = tensor([[[[4, -4, -4, -4]]]]);
  const mask2 = tensor([[[[1, 1, 1, 0]]]]);
  for (const metric of [m, d]) {
    metric.update(logit, mask);
    metric.update(logit2, mask2);
  }
  assert.equal(m.result(), (3 + 1) / (5 + 3));
  assert.notEqual(m.result(), (iou(logit, mask) + iou(logit2, mask2)) / 2);
  assert.equal(d.result(), (2 * 4) / (4 + 4 + 1 + 3));
  assert.equal(resolveMetric('iou').name, 'iou');
  m.reset();
  assert.ok(Number.isNaN(m.result()));
});

test('segmentation metric errors name the op, the shapes and the fix', () => {
  assert.throws(
    () => iou(tensor([[[1, 2]]]), tensor([1, 0, 1])),
    /iou: output \[1, 1, 2\] and target \[3\] do not match: pass binary masks of the output's shape, or \(N, C, \.\.\.\) class scores/,
  );
  assert.throws(() => dice(logit, mask, { threshold: 1 }), /dice: threshold must be a probability in \(0, 1\), got 1/);
  assert.throws(() => new IoU({ threshold: 0 }), /threshold must be a probability in \(0, 1\), got 0/);
  const m = new IoU();
  m.update(logit, mask);
  assert.throws(
    () => m.update(tensor([[[[5]], [[0]]]]), tensor([[0]])),
    /iou: a batch has 2 classes, earlier batches 1/,
  );
});
