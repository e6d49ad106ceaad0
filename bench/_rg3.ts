import { registerBackend, setBackend } from '../src/backend/index.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { createJsBackend } from '../src/backend/js/index.js';
const w = createWasmBackend({ threads: 1 }) as any, js = createJsBackend() as any;
const checker: any = { name: 'check', describe: () => 'check', alloc: (n: number) => w.alloc(n) };
for (const k of Object.keys(js)) {
  if (typeof js[k] !== 'function' || k === 'alloc' || k === 'describe') continue;
  if (typeof w[k] !== 'function') continue;
  checker[k] = (...args: any[]) => {
    const copies = args.map((a) => (a instanceof Float32Array || a instanceof Int32Array) ? a.slice() : a);
    w[k](...args);
    js[k](...copies);
    for (let i = 0; i < args.length; i++) {
      const a = args[i], c = copies[i];
      if (!(a instanceof Float32Array || a instanceof Int32Array)) continue;
      let m = 0, sc = 0; for (let j = 0; j < a.length; j++) { m = Math.max(m, Math.abs(a[j] - c[j])); sc = Math.max(sc, Math.abs(c[j])); }
      if (m > 1e-4 * Math.max(sc, 1)) { console.log('MISMATCH', k, 'arg', i, m, sc, JSON.stringify(args.map((x) => (x instanceof Float32Array || x instanceof Int32Array) ? `arr(${x.length},owned=${x.buffer instanceof SharedArrayBuffer})` : x))); }
    }
  };
}
registerBackend({ name: 'check', priority: -1, load: () => checker });
setBackend('check');
const { manualSeed, randn, Sequential, nn } = await import('../src/index.js');
manualSeed(5);
const wt = randn([32, 64]).requiresGrad_();
const model = new Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU());
const h = wt.matmul(randn([64, 64])).retainGrad();
const out = model.call(h).sum();
out.backward(undefined, { retainGraph: true });
console.log('done');
