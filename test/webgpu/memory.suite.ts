/**
 * Device memory stays bounded while training on the webgpu backend (in a worker): a small CNN
 * trains for many SGD steps, and the backend's count of live device buffers and bytes
 * (WebGpuStats.liveBuffers / liveBytes, after a garbage collection so that the buffers of
 * collected tensors are freed) is no higher at the end than after the warm-up steps, up to a
 * small slack. A buffer leaked per step would add hundreds.
 */
import { F, getBackend, initWebGPU, manualSeed, nn, optim, randint, randn, setBackend } from '../../src/index.js';
import type { WebGpuBackend, WebGpuStats } from '../../src/index.js';
import type { SuiteContext } from './suite.js';

/** The webgpu backend needs a worker. */
export const thread = 'worker';

const WARMUP = 4;
const STEPS = 24;

/** Collects garbage and lets the FinalizationRegistry callbacks (which free device buffers) run. */
async function collect(gc: () => void): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Registers the memory check. */
export async function run(t: SuiteContext): Promise<void> {
  await initWebGPU();
  t.test(`live device buffers and bytes after ${STEPS} training steps are no more than after ${WARMUP}`, async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    t.ok(typeof gc === 'function', 'gc() is not exposed (the harness starts Chromium with --js-flags=--expose-gc)');
    setBackend('webgpu');
    try {
      manualSeed(1);
      const model = new nn.Sequential(
        new nn.Conv2d(1, 4, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(4 * 6 * 6, 10),
      );
      const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = randn([8, 1, 12, 12]);
      const y = randint(0, 10, [8]);
      const be = getBackend() as unknown as WebGpuBackend;
      const live = (): Pick<WebGpuStats, 'liveBuffers' | 'liveBytes'> => {
        const s = be.stats();
        return { liveBuffers: s.liveBuffers, liveBytes: s.liveBytes };
      };
      const losses: number[] = [];
      const step = (): void => {
        opt.zeroGrad();
        const loss = F.crossEntropy(model.call(x), y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      };
      for (let i = 0; i < WARMUP; i++) step();
      await collect(gc!);
      const warm = live();
      for (let i = WARMUP; i < STEPS; i++) step();
      await collect(gc!);
      const end = live();
      t.log(
        `after ${WARMUP} steps: ${warm.liveBuffers} buffers, ${warm.liveBytes} bytes; after ${STEPS}: ${end.liveBuffers} buffers, ${end.liveBytes} bytes; loss ${losses[0]!.toFixed(3)} -> ${losses[losses.length - 1]!.toFixed(3)}`,
      );
      t.ok(
        Number.isInteger(warm.liveBuffers) && warm.liveBuffers > 0,
        `liveBuffers after warm-up: ${warm.liveBuffers}`,
      );
      t.ok(losses.every(Number.isFinite), 'a loss is not finite');
      // slack: buffers of tensors the collector had not reached yet (a few steps' worth at most)
      t.ok(
        end.liveBuffers <= warm.liveBuffers + 12,
        `live buffers grew from ${warm.liveBuffers} to ${end.liveBuffers} over ${STEPS - WARMUP} steps`,
      );
      t.ok(
        end.liveBytes <= warm.liveBytes * 1.25 + 65536,
        `live bytes grew from ${warm.liveBytes} to ${end.liveBytes} over ${STEPS - WARMUP} steps`,
      );
    } finally {
      setBackend('js');
    }
  });
}
