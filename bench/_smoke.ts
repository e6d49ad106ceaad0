import { createWasmBackend } from '../src/backend/wasm/index.js';
import { createJsBackend } from '../src/backend/js/index.js';
const w = createWasmBackend({threads:1});
const js = createJsBackend();
function rnd(n: number) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random()*2-1; return a; }
function err(a: Float32Array, b: Float32Array) { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]-b[i])); return m; }
for (const ta of [false,true]) for (const tb of [false,true]) for (const batch of [1,3]) for (const sa0 of [false,true]) for (const sb0 of [false,true]) {
  const m=3,n=5,k=7;
  const sA = sa0?0:m*k, sB = sb0?0:k*n;
  const a = rnd(2+(batch-1)*sA+m*k), b = rnd(1+(batch-1)*sB+k*n), c1 = rnd(3+batch*m*n), c2 = Float32Array.from(c1);
  w.gemm(ta,tb,batch,m,n,k,1,a,2,sA,b,1,sB,0,c1,3,m*n); js.gemm(ta,tb,batch,m,n,k,1,a,2,sA,b,1,sB,0,c2,3,m*n);
  const e = err(c1,c2); if (e > 1e-5) console.log(ta,tb,batch,sa0,sb0,e);
}
