// A temporal (1-D) CNN on the registry's 'synthetic-waveforms' set: one-channel signals of 128
// samples, each a sine, square, sawtooth or triangle wave with random frequency, phase,
// amplitude and offset plus Gaussian noise (clearly synthetic: no npm package ships a real
// signal set). Conv1d layers with growing dilation see longer and longer stretches of the
// signal; global average pooling makes the prediction independent of where a pattern occurs.
// Run: npm run build && node --import tsx examples/waveforms-1d.ts [--epochs 8] [--limit 2000] [--seed 0]
import { parseArgs } from 'node:util';
import { data, manualSeed, nn, optim, train } from 'convkit';

const { values: a } = parseArgs({
  options: {
    epochs: { type: 'string', default: '8' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '0' },
  },
});
const seed = Number(a.seed);
manualSeed(seed);
const ds = await data.loadDataset('synthetic-waveforms', { seed, ...(a.limit ? { limit: Number(a.limit) } : {}) });
console.log(
  `synthetic-waveforms: ${ds.train.length} training and ${ds.test.length} test signals of shape [${ds.inputShape.join(', ')}], classes ${ds.classes.join(', ')}`,
);
const model = new nn.Sequential(
  new nn.Conv1d(1, 16, 5, { padding: 2 }),
  new nn.ReLU(),
  new nn.Conv1d(16, 16, 5, { padding: 4, dilation: 2 }),
  new nn.ReLU(),
  new nn.Conv1d(16, 32, 5, { padding: 8, dilation: 4 }),
  new nn.ReLU(),
  new nn.AdaptiveAvgPool1d(1),
  new nn.Flatten(),
  new nn.Linear(32, ds.numClasses),
);
const h = await train.fit(model, ds.train, {
  epochs: Number(a.epochs),
  batchSize: 32,
  optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }),
  validation: ds.test,
  seed,
  verbose: 0,
});
h.history.valAccuracy?.forEach((acc, e) =>
  console.log(`epoch ${e + 1}: loss ${h.history.loss[e].toFixed(4)}, test accuracy ${(acc * 100).toFixed(2)}%`),
);
