/**
 * The lecture's claim "L1 makes weights exactly zero", measured on the breast-cancer data: the
 * same MLP, data, seed, optimizer and lambda, trained with the plain L1 penalty in the loss
 * (subgradient lambda * sign(w)) and with the optimizer's proximal L1 (soft thresholding).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadBreastCancer } from '../../src/data/breast-cancer.js';
import { crossEntropy } from '../../src/nn/functional/index.js';
import { createModel } from '../../src/models/registry.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { sparsity } from '../../src/optim/proximal.js';
import { l1Penalty } from '../../src/optim/regularizers.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { fit } from '../../src/train/fit.js';
import { evaluate } from '../../src/train/evaluate.js';

const data = loadBreastCancer({ seed: 0 });

/** Trains an MLP 30-16-2 for 20 epochs; L1 on the weight matrices only (not the biases). */
async function run(
  kind: 'sgd' | 'adam',
  lambda: number,
  how: 'penalty' | 'proximal',
): Promise<{ accuracy: number; zeros: number; total: number; deadInputs: number }> {
  const { train, test: testSet } = await data;
  manualSeed(0);
  const model = createModel('mlp', { inputShape: [30], numClasses: 2, hidden: [16] });
  const named = [...model.namedParameters()];
  const weights = named.filter(([, p]) => p.ndim > 1).map(([, p]) => p);
  const biases = named.filter(([, p]) => p.ndim <= 1).map(([, p]) => p);
  const l1 = how === 'proximal' ? lambda : 0;
  const groups = [{ params: weights, l1 }, { params: biases }];
  const optimizer = kind === 'sgd' ? new SGD(groups, { lr: 0.1 }) : new Adam(groups, { lr: 0.01 });
  const loss =
    how === 'penalty'
      ? (out: Tensor, y: Tensor) => crossEntropy(out, y).add(l1Penalty(weights, lambda))
      : (out: Tensor, y: Tensor) => crossEntropy(out, y);
  await fit(model, train, { epochs: 20, batchSize: 32, optimizer, loss, seed: 0, verbose: 0 });
  const { accuracy } = evaluate(model, testSet);
  const report = sparsity(weights);
  // input features the first layer ignores: all 16 outgoing weights exactly 0
  const [w0] = weights; // [16, 30]
  let deadInputs = 0;
  for (let j = 0; j < 30; j++) {
    let all = true;
    for (let i = 0; i < 16; i++) if (w0.data[i * 30 + j] !== 0) all = false;
    if (all) deadInputs++;
  }
  return { accuracy, zeros: report.zeros, total: report.total, deadInputs };
}

async function compare(t: TestContext, kind: 'sgd' | 'adam', lambda: number, minFraction: number): Promise<void> {
  const plain = await run(kind, lambda, 'penalty');
  const prox = await run(kind, lambda, 'proximal');
  const show = (r: typeof plain) =>
    `accuracy ${(100 * r.accuracy).toFixed(2)}%, exact zeros ${r.zeros}/${r.total}, inputs dropped ${r.deadInputs}/30`;
  t.diagnostic(`${kind} lambda ${lambda}: L1 penalty in the loss: ${show(plain)}; proximal L1: ${show(prox)}`);
  // equal accuracy: the 114 test samples allow one sample of difference either way
  assert.ok(Math.abs(prox.accuracy - plain.accuracy) <= 1 / 114 + 1e-9, `${show(plain)} vs ${show(prox)}`);
  assert.ok(prox.accuracy >= 0.93, show(prox));
  assert.ok(prox.zeros >= minFraction * prox.total, `proximal: ${show(prox)}`);
  // the subgradient steps jump across 0 and (practically) never land on it
  assert.ok(plain.zeros <= 0.01 * plain.total, `penalty: ${show(plain)}`);
}

test('breast cancer, SGD (ISTA): proximal L1 gives exact zeros at the accuracy of the plain L1 penalty', async (t) => {
  await compare(t, 'sgd', 0.01, 0.5);
});

test('breast cancer, Adam: proximal L1 (per-coordinate threshold) gives exact zeros at equal accuracy', async (t) => {
  await compare(t, 'adam', 0.003, 0.5);
});
