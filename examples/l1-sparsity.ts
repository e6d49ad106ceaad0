// L1 that makes zeros: the lecture says L1 "encourages sparse weights: weights are encouraged to
// reduce to exactly zero". A penalty lambda * ||W||_1 in the loss (its subgradient
// lambda * sign(w)) makes small weights jump across 0 and never land on it; the optimizer's
// proximal L1 (soft thresholding after each step, ISTA) sets them to exactly 0. This trains the
// same MLP (30-16-2) on the breast-cancer data with both, for a few lambdas, and prints test
// accuracy and the exact zeros of the weight matrices (biases are not penalized).
// Run: node --import tsx examples/l1-sparsity.ts [--epochs 40] [--optimizer sgd|adam]
// (TSX_TSCONFIG_PATH=tsconfig.examples.json runs it against src without a build)
import { F, type Tensor, data, manualSeed, models, optim, train } from 'convkit';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const epochs = Number(arg('--epochs', '40'));
const kind = arg('--optimizer', 'sgd');
if (kind !== 'sgd' && kind !== 'adam') throw new RangeError(`--optimizer must be sgd or adam, got '${kind}'`);

const { train: trainSet, test: testSet } = await data.loadBreastCancer({ seed: 0 });

async function run(lambda: number, how: 'penalty' | 'proximal' | 'elastic'): Promise<string> {
  manualSeed(0);
  const model = models.createModel('mlp', { inputShape: [30], numClasses: 2, hidden: [16] });
  const named = [...model.namedParameters()];
  const weights = named.filter(([, p]) => p.ndim > 1).map(([, p]) => p);
  const biases = named.filter(([, p]) => p.ndim <= 1).map(([, p]) => p);
  // elastic net lambda1 ||W||_1 + lambda2 ||W||^2 with lambda2 = lambda: weightDecay = 2 * lambda2
  const groups = [
    { params: weights, l1: how === 'penalty' ? 0 : lambda, weightDecay: how === 'elastic' ? 2 * lambda : 0 },
    { params: biases },
  ];
  const optimizer = kind === 'sgd' ? new optim.SGD(groups, { lr: 0.1 }) : new optim.Adam(groups, { lr: 0.01 });
  const loss = (out: Tensor, y: Tensor): Tensor =>
    how === 'penalty' ? F.crossEntropy(out, y).add(optim.l1Penalty(weights, lambda)) : F.crossEntropy(out, y);
  await train.fit(model, trainSet, { epochs, batchSize: 32, optimizer, loss, seed: 0, verbose: 0 });
  const { accuracy } = train.evaluate(model, testSet);
  const exact = optim.sparsity(weights);
  const small = optim.sparsity(weights, { threshold: 1e-3 });
  const cells = [
    how.padEnd(9),
    String(lambda).padEnd(7),
    `${(100 * accuracy).toFixed(2)}%`.padStart(8),
    `${exact.zeros}/${exact.total}`.padStart(9),
    `${small.zeros}/${small.total}`.padStart(13),
  ];
  return `| ${cells.join(' | ')} |`;
}

console.log(`breast cancer, MLP 30-16-2, ${kind === 'sgd' ? 'SGD lr 0.1' : 'Adam lr 0.01'}, ${epochs} epochs, seed 0`);
console.log('| L1        | lambda  | test acc | exact 0s  | abs(w) < 1e-3 |');
console.log('|-----------|---------|----------|-----------|---------------|');
console.log(await run(0, 'penalty'));
for (const lambda of [1e-3, 3e-3, 1e-2]) {
  console.log(await run(lambda, 'penalty'));
  console.log(await run(lambda, 'proximal'));
}
console.log(await run(3e-3, 'elastic'));
