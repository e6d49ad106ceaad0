import { createWasmBackend } from '../src/backend/wasm/index.js';
import { createJsBackend } from '../src/backend/js/index.js';
const w = createWasmBackend({ threads: 1 }), js = createJsBackend();
function rnd(n: number) { const a = w.alloc(n); for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1; return a; }
function diff(a: Float32Array, b: Float32Array) { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; }
// linear-like gemm with beta=1 and tiny/other shapes
for (const [ta, tb, m, n, k, beta] of [[false, true, 32, 64, 64, 1], [true, false, 64, 64, 32, 0], [false, false, 32, 64, 64, 0]] as const) {
  const A = rnd(m * k), B = rnd(k * n), C = rnd(m * n), C2 = Float32Array.from(C);
  w.gemm(ta, tb, 1, m, n, k, 1, A, 0, 0, B, 0, 0, beta, C, 0, 0); js.gemm(ta, tb, 1, m, n, k, 1, A, 0, 0, B, 0, 0, beta, C2, 0, 0);
  console.log('gemm', ta, tb, m, n, k, beta, diff(C, C2));
}
const g = rnd(32 * 64); const o1 = w.alloc(64), o2 = new Float32Array(64);
w.reduce('sum', g, 1, 32, 64, o1); js.reduce('sum', g, 1, 32, 64, o2); console.log('reduce', diff(o1, o2));
