// Seed 004's EuroSAT exercise: classify the land cover of Sentinel-2 RGB tiles (64x64, ten
// classes: AnnualCrop ... SeaLake) with a small CNN. EuroSAT cannot be downloaded here: unpack
// the published RGB archive and pass its folder (the one holding AnnualCrop/, Forest/, ..., or
// their 2750/ or EuroSAT_RGB/ parent). The registry splits it per class with a seed (80/20),
// decodes it once into memory and normalises each channel with the training split's mean/std.
// Run: npm run build && node --import tsx examples/eurosat.ts --data-dir ~/data/EuroSAT
//   [--limit 2000] [--epochs 5] [--batch-size 64] [--seed 0]
import { parseArgs } from 'node:util';
import { data, manualSeed, nn, optim, train } from 'convkit';

const { values: a } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    limit: { type: 'string' }, // first N of each split (default: all 21,600 / 5,400)
    epochs: { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
  },
});
if (!a['data-dir']) throw new Error('examples/eurosat.ts: pass --data-dir DIR, the unpacked EuroSAT RGB folder');
const seed = Number(a.seed);
manualSeed(seed);
const ds = await data.loadDataset('eurosat', {
  dataDir: a['data-dir'],
  seed,
  ...(a.limit ? { limit: Number(a.limit) } : {}),
});
const fmt = (v: number[]): string => v.map((x) => x.toFixed(3)).join(', ');
console.log(`EuroSAT: ${ds.train.length} training and ${ds.test.length} test images of shape [${ds.inputShape.join(', ')}]`);
console.log(`classes: ${ds.classes.join(', ')}`);
console.log(`training-split channel mean [${fmt(ds.normalize?.mean ?? [])}], std [${fmt(ds.normalize?.std ?? [])}]`);

// Three conv stages halve 64 -> 32 -> 16 -> 8; global average pooling; a linear classifier.
const block = (cin: number, cout: number): nn.Module[] => [
  new nn.Conv2d(cin, cout, 3, { padding: 1 }),
  new nn.BatchNorm2d(cout),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
];
const model = new nn.Sequential(
  ...block(3, 16),
  ...block(16, 32),
  ...block(32, 64),
  new nn.AdaptiveAvgPool2d(1),
  new nn.Flatten(),
  new nn.Linear(64, ds.numClasses),
);
const history = await train.fit(model, ds.train, {
  epochs: Number(a.epochs),
  batchSize: Number(a['batch-size']),
  optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }),
  validation: ds.test,
  seed,
  verbose: 0,
});
history.history.valAccuracy?.forEach((acc, e) =>
  console.log(`epoch ${e + 1}: loss ${history.history.loss[e].toFixed(4)}, test accuracy ${(acc * 100).toFixed(2)}%`),
);
// Per-class test accuracy from the confusion matrix (rows: true class).
const x = data.collate(ds.test, Int32Array.from({ length: ds.test.length }, (_, i) => i));
const cm = train.confusionMatrix(train.predict(model, x.x), x.y, ds.numClasses);
cm.forEach((row, c) => {
  const total = row.reduce((s, v) => s + v, 0);
  console.log(`  ${ds.classes[c].padEnd(22)} ${total ? ((row[c] / total) * 100).toFixed(1) : '-'}% of ${total}`);
});
