// A PyTorch-style training loop: LeNet-5 on real MNIST, one epoch (the README's snippet).
// Run: npm run build && node --import tsx examples/pytorch-style.ts
import { F, nn, optim, data, train, manualSeed } from 'convkit';

const { DataLoader, loadMnist } = data;
manualSeed(0);
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
  new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const trainSet = await loadMnist({ split: 'train', normalize: true });
let step = 0;
for (const { x, y } of new DataLoader(trainSet, { batchSize: 64, shuffle: true })) {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.call(x), y);
  loss.backward();
  opt.step();
  if (++step % 200 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}
const { accuracy } = train.evaluate(model, await loadMnist({ split: 'test', normalize: true }));
console.log(`test accuracy ${(accuracy * 100).toFixed(2)}%`);   // about 98% after this one epoch
