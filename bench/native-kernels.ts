/**
 * Throughput of the native backend's main kernels on 1 and 2 threads (each in its own
 * process, since CONVKIT_THREADS is read when the addon loads):
 *   GEMM 1024^3, conv 3x3 64->64 batch 32 56x56 forward / backward data / backward weight,
 *   LeNet conv1 (b64 1->6 5x5 28x28) forward, and the cost of a small elementwise op.
 * Run: node --import tsx bench/native-kernels.ts [--quick] [--isa avx2|portable]
 * The last block repeats the 1-thread run timed by CPU time (less disturbed by other load).
 * Figures on a shared 2-vCPU machine drift between runs; compare figures from one run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNativeBackend, type NativeIsa } from '../src/backend/native/index.js';
import type { Conv2dGeometry } from '../src/backend/backend.js';

const quick = process.argv.includes('--quick');
const isaArg = process.argv.indexOf('--isa');
const isa = isaArg > 0 ? (process.argv[isaArg + 1] as NativeIsa) : undefined;

function fill(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37);
  return a;
}

// With CONVKIT_BENCH_CPU=1 (1-thread runs only) calls are timed by this process's CPU time,
// which a busy shared machine disturbs far less than wall-clock time.
const cpuClock = process.env.CONVKIT_BENCH_CPU === '1';
function now(): number {
  if (!cpuClock) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median seconds per call over `reps` timed calls after one warm-up call. */
function time(fn: () => void, reps: number): number {
  fn();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    fn();
    t.push((now() - t0) / 1000);
  }
  t.sort((x, y) => x - y);
  return t[Math.floor(t.length / 2)];
}

function measure(): void {
  const b = createNativeBackend(isa);
  const out: string[] = [b.describe()];
  const gf = (flops: number, s: number): string => (flops / s / 1e9).toFixed(1);

  const n = 1024;
  const A = fill(new Float32Array(n * n)),
    B = fill(new Float32Array(n * n)),
    C = new Float32Array(n * n);
  const tg = time(() => b.gemm(false, false, 1, n, n, n, 1, A, 0, 0, B, 0, 0, 0, C, 0, 0), quick ? 3 : 9);
  out.push(`gemm 1024^3: ${gf(2 * n ** 3, tg)} GFLOPS`);

  const g: Conv2dGeometry = {
    n: 32,
    cIn: 64,
    h: 56,
    w: 56,
    cOut: 64,
    kh: 3,
    kw: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padLeft: 1,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    outH: 56,
    outW: 56,
  };
  const x = fill(new Float32Array(32 * 64 * 56 * 56)),
    w = fill(new Float32Array(64 * 64 * 9));
  const bias = fill(new Float32Array(64)),
    y = new Float32Array(x.length),
    dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  const flops = 2 * 32 * 64 * 64 * 9 * 56 * 56;
  const reps = quick ? 2 : 5;
  out.push(
    `conv fwd: ${gf(
      flops,
      time(() => b.conv2d(x, w, bias, g, y), reps),
    )} GFLOPS`,
  );
  out.push(
    `conv bwd-data: ${gf(
      flops,
      time(() => b.conv2dBackwardData(y, w, g, dx), reps),
    )} GFLOPS`,
  );
  out.push(
    `conv bwd-weight: ${gf(
      flops,
      time(() => b.conv2dBackwardWeight(x, y, g, dw), reps),
    )} GFLOPS`,
  );

  const l: Conv2dGeometry = {
    n: 64,
    cIn: 1,
    h: 28,
    w: 28,
    cOut: 6,
    kh: 5,
    kw: 5,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    outH: 24,
    outW: 24,
  };
  const lx = fill(new Float32Array(64 * 28 * 28)),
    lw = fill(new Float32Array(6 * 25)),
    ly = new Float32Array(64 * 6 * 24 * 24);
  const lt = time(() => b.conv2d(lx, lw, null, l, ly), 50);
  out.push(`LeNet conv1 fwd: ${(lt * 1e6).toFixed(0)} us (${gf(2 * 64 * 6 * 25 * 576, lt)} GFLOPS)`);

  const small = fill(new Float32Array(256)),
    so = new Float32Array(256);
  const ts =
    time(() => {
      for (let i = 0; i < 1000; i++) b.unary('relu', small, so, 0);
    }, 20) / 1000;
  out.push(`relu on 256 floats: ${(ts * 1e9).toFixed(0)} ns/call`);
  console.log(out.join('\n  '));
}

if (process.env.CONVKIT_BENCH_CHILD === '1') {
  measure();
} else {
  const self = fileURLToPath(import.meta.url);
  const runs: Array<[number, boolean]> = [
    [1, false],
    [2, false],
    [1, true],
  ];
  for (const [threads, cpu] of runs) {
    if (cpu) console.log('(1 thread again, timed by CPU time)');
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, ...process.argv.slice(2)], {
      env: {
        ...process.env,
        CONVKIT_BENCH_CHILD: '1',
        CONVKIT_THREADS: String(threads),
        CONVKIT_BENCH_CPU: cpu ? '1' : '0',
      },
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
