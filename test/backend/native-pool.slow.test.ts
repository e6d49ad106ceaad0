/**
 * Stress test of the native thread pool (native/src/pool.cc): in a fresh process per pool size
 * (CONVKIT_THREADS 1..4) thousands of small back-to-back jobs (element-wise ops just past the
 * threading threshold, reductions, GEMMs, convolutions whose tasks call the GEMM: nested calls
 * that must run inline), some after a pause long enough for the workers to go to sleep. Every
 * repeat must give the first run's bits, element-wise results must be the same bits on every
 * pool size, and every result must match the js reference. Once more on 2 threads beside a busy
 * loop pinned to one core (the paths that move a preempted worker and keep workers off the
 * caller's core): the same bits as without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, Conv2dGeometry } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/js/index.js';
import { createNativeBackend, loadNativeAddon, nativeAddonPath } from '../../src/backend/native/index.js';

/** Deterministic numbers in [-0.5, 0.5). */
function rnd(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

const conv: Conv2dGeometry = {
  n: 8,
  cIn: 6,
  h: 14,
  w: 14,
  cOut: 16,
  kh: 5,
  kw: 5,
  strideH: 1,
  strideW: 1,
  padTop: 0,
  padLeft: 0,
  dilationH: 1,
  dilationW: 1,
  groups: 1,
  outH: 10,
  outW: 10,
};
const convOdd: Conv2dGeometry = {
  ...conv,
  n: 3,
  cIn: 5,
  h: 11,
  w: 13,
  cOut: 7,
  kh: 3,
  kw: 3,
  padTop: 1,
  padLeft: 1,
  outH: 11,
  outW: 13,
};

/** The kernels the stress loop runs, each writing a fresh output: name -> run. */
function jobs(be: Backend): [string, () => Float32Array][] {
  const big = rnd((1 << 17) + 13, 1); // just past the element-wise threading threshold
  const red = rnd(37 * 1031 * 3, 2);
  const ga = rnd(129 * 67, 3),
    gb = rnd(67 * 131, 4);
  const cx = rnd(conv.n * conv.cIn * conv.h * conv.w, 5),
    cw = rnd(conv.cOut * conv.cIn * conv.kh * conv.kw, 6),
    cb = rnd(conv.cOut, 7),
    cdy = rnd(conv.n * conv.cOut * conv.outH * conv.outW, 8);
  const ox = rnd(convOdd.n * convOdd.cIn * convOdd.h * convOdd.w, 9),
    ow = rnd(convOdd.cOut * convOdd.cIn * 9, 10);
  return [
    [
      'unary relu',
      () => {
        const o = new Float32Array(big.length);
        be.unary('relu', big, o, 0);
        return o;
      },
    ],
    [
      'unary exp',
      () => {
        const o = new Float32Array(big.length);
        be.unary('exp', big, o, 0);
        return o;
      },
    ],
    [
      'reduce sum',
      () => {
        const o = new Float32Array(37 * 3);
        be.reduce('sum', red, 37, 1031, 3, o);
        return o;
      },
    ],
    [
      'gemm 129x131x67',
      () => {
        const c = new Float32Array(129 * 131);
        be.gemm(false, false, 1, 129, 131, 67, 1, ga, 0, 0, gb, 0, 0, 0, c, 0, 0);
        return c;
      },
    ],
    [
      'conv2d LeNet conv2 b8',
      () => {
        const y = new Float32Array(cdy.length);
        be.conv2d(cx, cw, cb, conv, y);
        return y;
      },
    ],
    [
      'conv2dBackwardWeight b8',
      () => {
        const d = new Float32Array(cw.length);
        be.conv2dBackwardWeight(cx, cdy, conv, d);
        return d;
      },
    ],
    [
      'conv2dBackwardData b8',
      () => {
        const d = new Float32Array(cx.length);
        be.conv2dBackwardData(cdy, cw, conv, d);
        return d;
      },
    ],
    [
      'conv2d odd 5->7 pad 1 b3',
      () => {
        const y = new Float32Array(convOdd.n * convOdd.cOut * convOdd.outH * convOdd.outW);
        be.conv2d(ox, ow, null, convOdd, y);
        return y;
      },
    ],
  ];
}

/** FNV-1a over the bits of a float array. */
function hash(a: Float32Array): string {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 16777619) >>> 0;
  return h.toString(16);
}

// The child: runs the stress loop on a pool of CONVKIT_POOL_STRESS_CHILD threads (set on the
// addon before the backend starts the pool: CONVKIT_THREADS is capped at the cores), prints JSON.
const childThreads = Number(process.env.CONVKIT_POOL_STRESS_CHILD ?? 0);
if (childThreads > 0) {
  const early = createRequire(import.meta.url)(nativeAddonPath()) as { setThreads(n: number): number };
  early.setThreads(childThreads); // the same module instance the backend loads next
  const be = createNativeBackend();
  const list = jobs(be);
  const first = new Map(list.map(([name, run]) => [name, run()]));
  const bad: string[] = [];
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let r = 0; r < 60 && bad.length === 0; r++) {
    // every fifth round starts after 2 ms: the workers have stopped spinning and sleep
    if (r % 5 === 4) Atomics.wait(pause, 0, 0, 2);
    for (const [name, run] of list) {
      const got = run(),
        want = first.get(name) as Float32Array;
      const i = got.findIndex((v, j) => !Object.is(v, want[j]));
      if (i >= 0) bad.push(`${name}: round ${r} element ${i} is ${got[i]}, first run ${want[i]}`);
    }
  }
  const hashes = Object.fromEntries([...first].map(([name, a]) => [name, hash(a)]));
  console.log(JSON.stringify({ threads: loadNativeAddon().threads(), bad, hashes }));
} else {
  const ref = createJsBackend();
  const refOut = new Map(jobs(ref).map(([name, run]) => [name, run()]));
  const here = fileURLToPath(import.meta.url);
  const hashesBy: Record<string, string>[] = [];

  const runChild = (threads: number) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', here], {
      env: { ...process.env, CONVKIT_POOL_STRESS_CHILD: String(threads) },
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(r.status, 0, `child exited with ${r.status} (${r.signal ?? 'no signal'}): ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
      threads: number;
      bad: string[];
      hashes: Record<string, string>;
    };
    assert.equal(out.threads, threads, 'pool size');
    assert.deepEqual(out.bad, []);
    return out;
  };

  for (const threads of [1, 2, 3, 4]) {
    test(`native pool, ${threads} thread(s): thousands of small and nested jobs give the same bits every time`, () => {
      const out = runChild(threads);
      hashesBy.push(out.hashes);
      // the pool size changes how some kernels split their work, never element-wise results
      for (const name of ['unary relu', 'unary exp'])
        assert.equal(out.hashes[name], hashesBy[0][name], `${name}: bits differ from 1 thread on ${threads}`);
    });
  }

  test('native pool, 2 threads beside a busy loop on one core: the same bits as on a quiet machine', () => {
    assert.equal(hashesBy.length, 4, 'the runs on 1..4 threads ran first');
    // the busy loop on the last core (taskset where present), as bench --contended runs it
    const core = String(availableParallelism() - 1);
    const pinned = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
    const loop = [process.execPath, '-e', 'for (;;) {}'];
    const [cmd, ...args] = pinned ? ['taskset', '-c', core, ...loop] : loop;
    const hog = spawn(cmd, args, { stdio: 'ignore' });
    try {
      assert.deepEqual(runChild(2).hashes, hashesBy[1]);
    } finally {
      hog.kill('SIGKILL');
    }
  });

  test('native pool: the stressed kernels match the js reference', () => {
    const nat = createNativeBackend();
    for (const [name, run] of jobs(nat)) {
      const got = run(),
        want = refOut.get(name) as Float32Array;
      let err = 0,
        size = 1e-30;
      for (let i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(got[i] - want[i]));
        size = Math.max(size, Math.abs(want[i]));
      }
      assert.ok(err / size <= 1e-4, `${name}: relative error ${err / size}`);
    }
  });
}
