// A synchronous loop (no await: no finalizer can run, so only deterministic release helps)
// stays flat on the current backend: 2,000 LeNet-5 training steps, and 20,000 noGrad
// inference calls through a model written as plain forward code. Memory is measured in a
// child process (memory-sync-child.ts) with --expose-gc; only growth bounds are asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./memory-sync-child.ts', import.meta.url));
const MiB = 2 ** 20;

interface WasmStats {
  memoryBytes: number;
  heapBytes: number;
  tensorBytes: number;
  fallbacks: number;
}
interface Result {
  backend: string;
  steps: number;
  warmRss: number;
  rssAt: number[];
  endRss: number;
  warmHeap: number;
  endHeap: number;
  last: number;
  freshAfterWarmup: number;
  warmWasm: WasmStats | null;
  endWasm: WasmStats | null;
}

function runChild(mode: 'train' | 'infer', steps: number, batch: (backend: string) => number): Result {
  const backend = process.env.CONVKIT_BACKEND ?? '';
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', child, mode, String(steps), String(batch(backend))],
    { encoding: 'utf8', timeout: 400_000, env: process.env },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as Result;
}

function checkFlat(res: Result, label: string): void {
  const mb = (b: number): string => (b / MiB).toFixed(1);
  const rssGrowth = res.endRss - res.warmRss;
  // a leak of one step's gradients alone would be ~240 KB x 1,800 steps = 420 MB
  assert.ok(
    rssGrowth < 64 * MiB,
    `${label}: RSS grew by ${mb(rssGrowth)} MB after warm-up (${res.rssAt.map(mb).join(', ')} MB along the way)`,
  );
  const heapGrowth = res.endHeap - res.warmHeap;
  assert.ok(heapGrowth < 8 * MiB, `${label}: JS heap + external memory grew by ${mb(heapGrowth)} MB after warm-up`);
  if (res.endWasm !== null && res.warmWasm !== null) {
    assert.ok(
      res.endWasm.memoryBytes < 64 * MiB,
      `${label}: wasm memory is ${mb(res.endWasm.memoryBytes)} MB (limit 64)`,
    );
    assert.equal(res.endWasm.fallbacks, 0, `${label}: tensors fell back to the JS heap (wasm budget spent)`);
    const grown = res.endWasm.heapBytes - res.warmWasm.heapBytes;
    assert.ok(grown <= MiB, `${label}: wasm heap grew by ${mb(grown)} MB after warm-up`);
  }
}

test('2,000 synchronous LeNet-5 training steps keep memory flat (wasm under 64 MiB)', () => {
  // the js reference backend runs LeNet-5 slowly: batch 1 there keeps the test short
  const res = runChild('train', 2000, (b) => (b === 'js' ? 1 : 2));
  assert.equal(res.steps, 2000);
  assert.ok(res.last < 0.05, `the loop trained (final loss ${res.last})`);
  checkFlat(res, `${res.backend} training`);
});

test('20,000 synchronous noGrad inference calls recycle every intermediate', () => {
  const res = runChild('infer', 20000, () => 1);
  assert.equal(res.steps, 20000);
  assert.ok(Number.isFinite(res.last));
  // after warm-up every call's conv/relu/pool storage comes from the pool (outputs are too
  // small to be pooled)
  assert.equal(res.freshAfterWarmup, 0, `${res.backend}: ${res.freshAfterWarmup} storages allocated after warm-up`);
  checkFlat(res, `${res.backend} inference`);
});
