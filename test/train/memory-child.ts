/**
 * Child process of memory.slow.test.ts: runs `steps` forward + backward + SGD steps of a tiny CNN
 * and prints {warmRss, endRss, steps, seconds} as JSON. Run with --expose-gc for stabler numbers.
 */
import { Sequential } from '../../src/nn/module.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { ReLU } from '../../src/nn/layers/activation.js';
import { MaxPool2d } from '../../src/nn/layers/pooling.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { SGD } from '../../src/optim/sgd.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';

const steps = Number(process.argv[2] ?? 20000);
const warmup = Math.min(2000, Math.floor(steps / 10));
manualSeed(0);
const model = new Sequential(
  new Conv2d(1, 4, 3, { padding: 1 }),
  new ReLU(),
  new MaxPool2d(2),
  new Flatten(),
  new Linear(64, 3),
);
const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const x = randn([2, 1, 8, 8]);
const y = new Tensor(Int32Array.from([0, 2]), [2]);
const gc = (globalThis as { gc?: () => void }).gc;
const rss = (): number => {
  gc?.();
  return process.memoryUsage().rss;
};
let warmRss = 0;
let lastLoss = NaN;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  if (i === warmup) warmRss = rss();
  opt.zeroGrad();
  const loss = crossEntropy(model.call(x), y);
  loss.backward();
  opt.step();
  lastLoss = loss.item();
}
const endRss = rss();
process.stdout.write(
  JSON.stringify({ steps, warmup, warmRss, endRss, seconds: (performance.now() - t0) / 1000, lastLoss }) + '\n',
);
