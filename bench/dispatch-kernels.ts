/**
 * Per-call cost of small kernels (where dispatch and marshalling, not arithmetic, dominate) on
 * the native, wasm and js backends: unary relu / silu on 64 floats, binary add, a tiny conv2d,
 * max pooling, GEMM 8x8x8 and an SGD step on 64 parameters. Nanoseconds per call, median of
 * 7 rounds. Run: npx tsx bench/dispatch-kernels.ts [native|wasm|js ...]
 * Figures on a shared machine drift between runs; compare figures from one run.
 */
import { setBackend } from '../src/backend/index.js';
import type { Backend, Conv2dGeometry, Pool2dGeometry, UnaryOp } from '../src/backend/backend.js';

function nsPerCall(fn: () => void, calls: number): number {
  for (let i = 0; i < calls; i++) fn(); // warm-up
  const t: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    t.push(((performance.now() - t0) * 1e6) / calls);
  }
  t.sort((a, b) => a - b);
  return t[3];
}

function run(b: Backend): string[] {
  const x = b.alloc(64),
    y = b.alloc(64),
    z = b.alloc(64);
  for (let i = 0; i < 64; i++) {
    x[i] = Math.sin(i);
    y[i] = Math.cos(i);
  }
  const g: Conv2dGeometry = {
    n: 1,
    cIn: 1,
    h: 6,
    w: 6,
    cOut: 2,
    kh: 3,
    kw: 3,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    outH: 4,
    outW: 4,
  };
  const cx = b.alloc(36),
    cw = b.alloc(18),
    cy = b.alloc(32);
  const pg: Pool2dGeometry = {
    n: 1,
    c: 4,
    h: 4,
    w: 4,
    kh: 2,
    kw: 2,
    strideH: 2,
    strideW: 2,
    padTop: 0,
    padLeft: 0,
    dilationH: 1,
    dilationW: 1,
    outH: 2,
    outW: 2,
  };
  const py = b.alloc(16),
    idx = new Int32Array(16);
  const ga = b.alloc(64),
    gb = b.alloc(64),
    gc = b.alloc(64);
  const p = b.alloc(64),
    buf = b.alloc(64);
  const has = (op: string): boolean => {
    try {
      b.unary(op as UnaryOp, x, z, 0);
      return !Number.isNaN(z[1]);
    } catch {
      return false;
    }
  };
  const rows: [string, () => void][] = [
    ['unary relu 64', () => b.unary('relu', x, z, 0)],
    ['unary sigmoid 64', () => b.unary('sigmoid', x, z, 0)],
    ...(has('silu') ? [['unary silu 64', () => b.unary('silu' as UnaryOp, x, z, 0)] as [string, () => void]] : []),
    ['binary add 64', () => b.binary('add', x, [64], y, [64], z, [64])],
    ['conv2d 1x1x6x6 -> 2x4x4', () => b.conv2d(cx, cw, null, g, cy)],
    ['maxPool2d 4x4x4', () => b.maxPool2d(x, pg, py, idx)],
    ['gemm 8x8x8', () => b.gemm(false, false, 1, 8, 8, 8, 1, ga, 0, 0, gb, 0, 0, 0, gc, 0, 0)],
    ['sgdUpdate 64 momentum', () => b.sgdUpdate?.(p, y, buf, 0.01, 0, 1, 0.9, 1, false)],
  ];
  return rows.map(
    ([name, fn]) => `${b.name.padEnd(6)} ${name.padEnd(26)} ${nsPerCall(fn, 20000).toFixed(0).padStart(6)} ns/call`,
  );
}

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['native', 'wasm', 'js'];
for (const n of names) {
  let b: Backend;
  try {
    b = setBackend(n);
  } catch (e) {
    console.log(`${n}: unavailable (${e instanceof Error ? e.message : e})`);
    continue;
  }
  for (const line of run(b)) console.log(line);
}
process.exit(0);
