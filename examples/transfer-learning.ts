// Transfer learning, the lecture's recipe: take a pretrained network, keep its initial layers
// fixed (freeze them), replace the final prediction layers with new ones for the new classes and
// train only those, then optionally unfreeze everything and fine-tune with a low learning rate.
// Here the backbone is the LeNet-5 that ships with convkit (trained on MNIST digits): its two
// convolution stages are the pretrained feature extractor, its three Linear layers the head. The
// new task is Fashion-MNIST with only a few labelled images per class. The baseline is the same
// architecture trained from scratch with the same budget (same images, epochs and batch size;
// Adam at the usual 1e-3, then 1e-4 for the second stage).
// Run: npm run build && node --import tsx examples/transfer-learning.ts
//   [--per-class 20] [--head-epochs 10] [--tune-epochs 10] [--test-limit 10000] [--seed 0]
import { parseArgs } from 'node:util';
import { data, manualSeed, models, nn, optim, train } from 'convkit';

const { values: a } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '20' }, // labelled training images per class
    'head-epochs': { type: 'string', default: '10' }, // stage 1: frozen backbone, new head only
    'tune-epochs': { type: 'string', default: '10' }, // stage 2: everything, learning rate / 10
    'test-limit': { type: 'string', default: '10000' },
    seed: { type: 'string', default: '0' },
  },
});
const perClass = Number(a['per-class']), headEpochs = Number(a['head-epochs']);
const tuneEpochs = Number(a['tune-epochs']), seed = Number(a.seed);
const batchSize = 32;

// The shipped weights and the preprocessing they were trained with (MNIST's mean and std).
const shipped = await models.loadPretrainedWeights('lenet5');
const normalize = shipped.normalize ?? true;
const full = await data.loadFashionMnist({ split: 'train', normalize });
const test = await data.loadFashionMnist({ split: 'test', normalize, limit: Number(a['test-limit']) });
// A few-shot training set: the first `perClass` images of each class.
const picked: number[] = [], seen = new Array<number>(10).fill(0);
for (let i = 0; i < full.length && picked.length < 10 * perClass; i++) {
  const y = full.get(i).y;
  if (seen[y] < perClass) { seen[y]++; picked.push(i); }
}
const few = new data.Subset(full, Int32Array.from(picked));
console.log(`Fashion-MNIST: ${few.length} training images (${perClass} per class), ${test.length} test images; ` +
  `backbone: LeNet-5 trained on MNIST (${(shipped.testAccuracy * 100).toFixed(2)}% on its test set)`);

async function stage(model: nn.Module, epochs: number, stageLr: number): Promise<void> {
  if (epochs === 0) return;
  // Only the parameters that still require gradients are optimised (PyTorch's usual filter).
  const trainable = model.parameters().filter((p) => p.requiresGrad);
  await train.fit(model, few, {
    epochs, batchSize, seed, verbose: 0, optimizer: new optim.Adam(trainable, { lr: stageLr }),
  });
}
const accuracy = (model: nn.Module): number => train.evaluate(model, test, { batchSize: 500 }).accuracy;

// 1. Pretrained backbone, frozen: no gradients for any of its parameters.
manualSeed(seed);
const tl = (await models.pretrained('lenet5')) as nn.Sequential;
for (const p of tl.parameters()) p.requiresGrad_(false);
// 2. The head replaced: new, trainable Linear layers (PyTorch: model[7] = nn.Linear(400, 120), ...);
//    the last one outputs the new task's 10 classes. Trained alone at a head's usual rate, 1e-2.
tl.registerModule('7', new nn.Linear(400, 120));
tl.registerModule('9', new nn.Linear(120, 84));
tl.registerModule('11', new nn.Linear(84, data.FASHION_MNIST_CLASSES.length));
await stage(tl, headEpochs, 1e-2);
const headOnly = accuracy(tl);
// 3. Unfreeze everything and fine-tune gently with a low learning rate.
for (const p of tl.parameters()) p.requiresGrad_(true);
await stage(tl, tuneEpochs, 1e-4);
const transfer = accuracy(tl);

// The baseline: the same architecture from random weights, every layer trained, same budget.
manualSeed(seed);
const scratch = models.createModel('lenet5');
await stage(scratch, headEpochs, 1e-3);
await stage(scratch, tuneEpochs, 1e-4);
const fromScratch = accuracy(scratch);

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
console.log(`test accuracy, pretrained backbone, head only (${headEpochs} epochs): ${pct(headOnly)}`);
console.log(`test accuracy, pretrained backbone, then fine-tuned (+${tuneEpochs} epochs): ${pct(transfer)}`);
console.log(`test accuracy, from scratch (same ${headEpochs}+${tuneEpochs} epochs, same data): ${pct(fromScratch)}`);
