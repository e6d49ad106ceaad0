import { Sequential } from './src/nn/module.js';
import { Conv2d } from './src/nn/layers/conv.js';
import { ReLU } from './src/nn/layers/activation.js';
import { MaxPool2d } from './src/nn/layers/pooling.js';
import { Flatten } from './src/nn/layers/flatten.js';
import { Linear } from './src/nn/layers/linear.js';
import { SGD } from './src/optim/sgd.js';
import { crossEntropy } from './src/nn/functional/loss-classification.js';
import { randn } from './src/tensor/creation.js';
import { Tensor } from './src/tensor/tensor.js';
const which = process.argv[2];
const model = which === 'lin' ? new Sequential(new Flatten(), new Linear(64, 3)) : which === 'conv' ? new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new Flatten(), new Linear(256, 3)) : new Sequential(new MaxPool2d(2), new Flatten(), new Linear(16, 3));
const opt = new SGD(model.parameters(), { lr: 0.01 });
const x = randn([2, 1, 8, 8]); const y = new Tensor(Int32Array.from([0, 2]), [2]);
const gc = (globalThis as any).gc;
const m = () => { gc(); const u = process.memoryUsage(); return `rss ${(u.rss/1e6).toFixed(0)} heap ${(u.heapUsed/1e6).toFixed(0)} ab ${(u.arrayBuffers/1e6).toFixed(0)}`; };
for (let i = 0; i < 20000; i++) {
  if (i % 5000 === 0) console.log(which, i, m());
  opt.zeroGrad(); const loss = crossEntropy(model.call(x), y); loss.backward(); opt.step();
}
console.log(which, 'end', m());
