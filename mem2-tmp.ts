import { Conv2d } from './src/nn/layers/conv.js';
import { randn } from './src/tensor/creation.js';
import v8 from 'node:v8';
const which = process.argv[2];
const conv = new Conv2d(1, 4, 3, { padding: 1 });
const x = randn([2, 1, 8, 8]);
const gc = (globalThis as any).gc;
const m = () => { gc(); const u = process.memoryUsage(); const sp = v8.getHeapSpaceStatistics().map(s => `${s.space_name.replace('_space','')}=${(s.space_used_size/1e6).toFixed(1)}`).join(' '); return `rss ${(u.rss/1e6).toFixed(0)} ext ${(u.external/1e6).toFixed(1)} ${sp}`; };
for (let i = 0; i < 20001; i++) {
  if (i % 10000 === 0) console.log(which, i, m());
  const out = conv.call(x);
  if (which === 'bwd') out.sum().backward();
}
