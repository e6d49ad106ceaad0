import { Sequential } from './src/nn/module.js';
import { Linear } from './src/nn/layers/linear.js';
import { Flatten } from './src/nn/layers/flatten.js';
import { SGD } from './src/optim/sgd.js';
import { crossEntropy } from './src/nn/functional/loss-classification.js';
import { randn } from './src/tensor/creation.js';
import { Tensor } from './src/tensor/tensor.js';
const which = process.argv[2];
const lin = new Linear(64, 3);
const seq = new Sequential(new Flatten(), lin);
const opt = new SGD(lin.parameters(), { lr: 0.01 });
const x = randn([2, 1, 8, 8]); const x2 = randn([2, 64]); const y = new Tensor(Int32Array.from([0, 2]), [2]);
const gc = (globalThis as any).gc;
const m = () => { gc(); const u = process.memoryUsage(); return `rss ${(u.rss/1e6).toFixed(0)} heap ${(u.heapUsed/1e6).toFixed(2)}`; };
for (let i = 0; i < 40001; i++) {
  if (i % 20000 === 0) console.log(which, i, m());
  if (which === 'a') { crossEntropy(lin.call(x2), y).backward(); }
  else if (which === 'b') { opt.zeroGrad(); crossEntropy(lin.call(x2), y).backward(); opt.step(); }
  else if (which === 'c') { opt.zeroGrad(); crossEntropy(seq.call(x), y).backward(); opt.step(); }
  else if (which === 'd') { opt.zeroGrad(); crossEntropy(seq.call(x), y).backward(); }
  else if (which === 'e') { crossEntropy(seq.call(x), y).backward(); }
}
