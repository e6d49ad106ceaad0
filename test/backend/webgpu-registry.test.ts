/**
 * The webgpu backend's registry entry in Node, where no WebGPU implementation loads here (the
 * `webgpu` package is not installed): never chosen automatically, refused with the reason before
 * and after initWebGPU(), and a CPU backend's tensors never touch the residency hooks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendFailure, getBackend, initWebGPU, listBackends, setBackend, tensor } from '../../src/index.js';
import { gpuHeld } from '../../src/backend/webgpu/residency.js';

test('webgpu is registered with the lowest priority and is never chosen automatically', () => {
  const names = listBackends();
  assert.ok(names.includes('webgpu'));
  assert.equal(names[names.length - 1], 'webgpu');
  assert.notEqual(getBackend().name, 'webgpu');
});

test('setBackend("webgpu") before initWebGPU says to call it', () => {
  assert.throws(() => setBackend('webgpu'), /initWebGPU\(\)/);
});

test('initWebGPU rejects with the reason, and the registry reports it', async () => {
  const before = getBackend().name;
  await assert.rejects(initWebGPU(), /initWebGPU: no WebGPU implementation in Node: the 'webgpu' package/);
  assert.throws(() => setBackend('webgpu'), /'webgpu' package \(Dawn's Node binding\) is not installed/);
  assert.match(backendFailure('webgpu') ?? '', /'webgpu' package/);
  // the same promise on a second call; the current backend is unchanged
  await assert.rejects(initWebGPU(), /initWebGPU:/);
  assert.equal(getBackend().name, before);
});

test('on a CPU backend, tensor storage is never held for the GPU', () => {
  const t = tensor([1, 2, 3]).mul(2).add(1);
  assert.equal(gpuHeld.has(t.storage), false);
  assert.deepEqual(Array.from(t.data), [3, 5, 7]);
  assert.equal(t.storage, t.data);
});
