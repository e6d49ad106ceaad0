import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBreastCancer } from '../../src/data/breast-cancer.js';
import { createModel } from '../../src/models/registry.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { manualSeed } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import { evaluate } from '../../src/train/evaluate.js';
import { confusionMatrix } from '../../src/train/metrics.js';
import { predict } from '../../src/train/evaluate.js';

test('breast cancer: logistic regression (BCE on one logit) reaches >= 95% test accuracy', async () => {
  const { train, test: testSet } = await loadBreastCancer({ seed: 0 });
  manualSeed(0);
  const model = createModel('logistic', { inputShape: [30], numClasses: 2 });
  const h = await fit(model, train, {
    epochs: 30,
    batchSize: 32,
    loss: 'bceWithLogits',
    optimizer: new Adam(model.parameters(), { lr: 0.01 }),
    seed: 0,
    verbose: 0,
  });
  assert.ok(h.get('loss')[29] < h.get('loss')[0]);
  const r = evaluate(model, testSet, { loss: 'bceWithLogits' });
  assert.ok(r.accuracy >= 0.95, `logistic test accuracy ${r.accuracy}`);
  const cm = confusionMatrix(predict(model, testSet), testSet.y);
  assert.equal(cm[0][0] + cm[0][1] + cm[1][0] + cm[1][1], testSet.length);
  assert.equal((cm[0][0] + cm[1][1]) / testSet.length, r.accuracy);
});

// The 114-sample test split has a handful of hard cases: each error costs 0.9 points, and small
// MLPs land between 92% and 97% depending on the seed (logistic regression: 95.6%), so the MLP
// bound is 93% (at most 8 errors) while the logistic one is the 95% target.
test('breast cancer: a small MLP reaches >= 93% test accuracy', async () => {
  const { train, test: testSet } = await loadBreastCancer({ seed: 0 });
  manualSeed(0);
  const model = createModel('mlp', { inputShape: [30], numClasses: 2, hidden: [8] });
  await fit(model, train, {
    epochs: 30,
    batchSize: 32,
    optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }),
    seed: 0,
    verbose: 0,
  });
  const r = evaluate(model, testSet);
  assert.ok(r.accuracy >= 0.93, `mlp test accuracy ${r.accuracy}`);
});
