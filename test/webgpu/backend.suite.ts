/**
 * Residency semantics of the webgpu backend (in a worker: it blocks with Atomics.wait): host
 * writes after kernels reach the next kernel, fill_/copy_ on GPU-held tensors, storage the pool
 * recycles, item() and reshape without needless traffic, switching backends with GPU-held
 * tensors, and an optimizer whose update runs host code (proximal L1) equal to the js backend.
 */
import { initWebGPU, manualSeed, nn, optim, randn, setBackend, tensor, F, noGrad } from '../../src/index.js';
import type { Tensor, WebGpuBackend } from '../../src/index.js';
import type { SuiteContext } from './suite.js';

/** The webgpu backend needs a worker. */
export const thread = 'worker';

/** Registers the residency tests. */
export async function run(t: SuiteContext): Promise<void> {
  await initWebGPU();
  const gpu = (): WebGpuBackend => setBackend('webgpu') as unknown as WebGpuBackend;

  t.test('a host write after a kernel reaches the next kernel', () => {
    const be = gpu();
    const a = tensor([1, 2, 3, 4]).mul(2);
    a.data[0] = 100;
    const b = a.add(1);
    t.equal(Array.from(b.data), [101, 5, 7, 9]);
    t.ok(be.stats().gpuKernels > 0, 'the kernels ran in WGSL');
  });

  t.test('fill_ and copy_ on GPU-held tensors', () => {
    gpu();
    const a = tensor([1, 2, 3]).mul(3);
    a.fill_(2);
    t.equal(Array.from(a.mul(2).data), [4, 4, 4]);
    const b = tensor([5, 6, 7]).add(0);
    const c = tensor([1, 1, 1]).mul(4);
    c.copy_(b);
    t.equal(Array.from(c.add(1).data), [6, 7, 8]);
  });

  t.test('item() and reshape() read nothing back needlessly', () => {
    const be = gpu();
    const x = randn([4, 16]).mul(1);
    const before = be.stats();
    const y = x.reshape([64]).sum();
    const v = y.item();
    const mid = be.stats();
    t.equal(mid.reads - before.reads, 1, 'one read: the item');
    const z = y.mul(2);
    t.equal(be.stats().uploads - mid.uploads, 0, 'item() kept the device copy valid');
    t.close(z.item(), 2 * v, { rtol: 1e-6 });
  });

  t.test('storage the pool recycles gives the same results on every call', () => {
    gpu();
    manualSeed(1);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(4 * 6 * 6, 5),
    );
    const x = randn([2, 1, 8, 8]);
    const outs: number[][] = [];
    noGrad(() => {
      for (let i = 0; i < 4; i++) outs.push(Array.from((model.call(x) as Tensor).data));
    });
    for (let i = 1; i < 4; i++) t.close(outs[i], outs[0], { atol: 0, rtol: 0 }, `call ${i}`);
    setBackend('js');
    const ref = noGrad(() => Array.from((model.call(x) as Tensor).data));
    t.close(outs[0], ref, { atol: 1e-5, rtol: 1e-4 }, 'equals js');
  });

  t.test('switching to js with GPU-held tensors uses their current values', () => {
    gpu();
    const a = tensor([1, 2, 3]).mul(10);
    const p = randn([3, 3]).requiresGrad_();
    const loss = p.mul(p).sum();
    loss.backward();
    setBackend('js');
    t.equal(Array.from(a.add(1).data), [11, 21, 31]);
    const g = p.grad as Tensor;
    t.close(g.mul(1).data, p.mul(2).data, { atol: 1e-6 }, 'grad computed on webgpu, read on js');
  });

  t.test('SGD with proximal L1 (host code in the update) equals js', () => {
    const trainOnce = (backend: string): number[] => {
      setBackend(backend);
      manualSeed(3);
      const lin = new nn.Linear(6, 3);
      const opt = new optim.SGD(lin.parameters(), { lr: 0.1, momentum: 0.9, l1: 0.01 });
      const x = randn([5, 6]);
      const y = tensor([0, 1, 2, 1, 0], { dtype: 'int32' });
      for (let s = 0; s < 3; s++) {
        opt.zeroGrad();
        F.crossEntropy(lin.call(x) as Tensor, y).backward();
        opt.step();
      }
      return lin.parameters().flatMap((q) => Array.from(q.data));
    };
    const js = trainOnce('js');
    const wg = trainOnce('webgpu');
    t.close(wg, js, { atol: 1e-5, rtol: 1e-4 });
  });
}
