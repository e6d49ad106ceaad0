// Finding settings, the lecture's "find a learning rate, then fiddle with the knobs": the
// learning-rate range test (train.lrFinder) suggests a learning rate for LeNet-5 on a slice of
// Fashion-MNIST, then a small grid search (train.tune) compares it with its neighbours on a
// held-out validation split. The sweep restores the model afterwards, so the same model object
// can be searched and trained again.
// Run: npm run build && node --import tsx examples/lr-find.ts [--limit 3000] [--epochs 1]
import { parseArgs } from 'node:util';
import { data, manualSeed, models, optim, train } from 'convkit';

const { values: a } = parseArgs({
  options: { limit: { type: 'string', default: '3000' }, epochs: { type: 'string', default: '1' } },
});
const limit = Number(a.limit);
const trainSet = await data.loadFashionMnist({ split: 'train', normalize: true, limit });

// 1. The range test: lr from 1e-6 to 1 over 100 mini-batches, Adam as convkit train uses it.
manualSeed(0);
const model = models.lenet5();
const sweep = train.lrFinder(model, trainSet, {
  optimizer: new optim.Adam(model.parameters(), { lr: 1e-6 }),
  startLr: 1e-6,
  endLr: 1,
  steps: 100,
  seed: 0,
});
const suggested = sweep.suggestion?.lr ?? 1e-3;
console.log(`range test: ${sweep.lrs.length} steps${sweep.diverged ? ' (stopped: diverged)' : ''}; ` +
  `lowest smoothed loss at lr ${sweep.minLossLr.toPrecision(2)}; suggested lr ${suggested.toPrecision(2)} ` +
  '(steepest descent of the smoothed loss)');

// 2. A grid around the suggestion: a tenth, the suggestion, and the minimum's learning rate.
const round = (v: number): number => Number(v.toPrecision(2));
const result = await train.tune(trainSet, {
  configs: train.gridConfigs({ lr: [round(suggested / 10), round(suggested), round(sweep.minLossLr)] }),
  model: () => models.lenet5(),
  epochs: Number(a.epochs),
  validation: { fraction: 0.2 },
  objective: 'valAccuracy',
});
for (const t of result.trials)
  console.log(`lr ${String(t.config.lr).padEnd(8)} val loss ${t.valLoss?.toFixed(4) ?? 'diverged'}  ` +
    `val accuracy ${t.valAccuracy === null ? '-' : `${(t.valAccuracy * 100).toFixed(2)}%`}`);
console.log(`best: lr ${result.best?.config.lr}`);
