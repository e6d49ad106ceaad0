import { Linear } from './src/nn/layers/linear.js';
import { SGD } from './src/optim/sgd.js';
import { crossEntropy } from './src/nn/functional/loss-classification.js';
import { randn } from './src/tensor/creation.js';
import { Tensor } from './src/tensor/tensor.js';
import v8 from 'node:v8';
const which = process.argv[2];
const lin = new Linear(16, 3);
const opt = new SGD(lin.parameters(), { lr: 0.01 });
const x = randn([2, 16]); const logits = randn([2, 3]).requiresGrad_(); const y = new Tensor(Int32Array.from([0, 2]), [2]);
const gc = (globalThis as any).gc;
const m = () => { gc(); const u = process.memoryUsage(); return `rss ${(u.rss/1e6).toFixed(0)} heap ${(u.heapUsed/1e6).toFixed(2)}`; };
for (let i = 0; i < 40001; i++) {
  if (i % 20000 === 0) console.log(which, i, m());
  if (which === 'linfwd') lin.call(x);
  else if (which === 'linbwd') lin.call(x).sum().backward();
  else if (which === 'ce') crossEntropy(logits, y).backward();
  else if (which === 'sgd') { lin.weight.grad = lin.weight.detach(); opt.step(); }
  else if (which === 'zero') opt.zeroGrad();
  else if (which === 'sum') logits.sum().backward();
}
