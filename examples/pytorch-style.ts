// A PyTorch-style training loop: LeNet-5 on real MNIST, one epoch.
// Run: npm run build && node --import tsx examples/pytorch-style.ts
import { F, nn, optim, data, manualSeed, noGrad } from 'convkit';

const { DataLoader, loadMnist } = data;

manualSeed(0);
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
  new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });

const train = await loadMnist({ split: 'train' });
for (const { x, y } of new DataLoader(train, { batchSize: 64, shuffle: true })) {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.call(x), y);
  loss.backward();
  opt.step();
}

model.eval();
let correct = 0;
const test = await loadMnist({ split: 'test' });
for (const { x, y } of new DataLoader(test, { batchSize: 1000 })) {
  const pred = noGrad(() => model.call(x)).argmax(1);
  for (let i = 0; i < y.size; i++) if (pred.data[i] === y.data[i]) correct++;
}
console.log(`test accuracy ${(100 * correct / test.length).toFixed(2)}%`);
