// convkit's benchmark workloads (the same in Node's worker processes and in Chromium pages:
// no node: imports), on whatever backend is selected: LeNet-5 and the Keras Fashion CNN
// (train and inference), a 3x3 convolution (forward, forward + both gradients), sgemm and
// batching. Each entry takes the seconds to time and returns images/s or GFLOPS.
import { F, Tensor, nn, noGrad, optim, randn, randint } from '../../src/index.js';
import { DataLoader, TensorDataset } from '../../src/data/index.js';
// @ts-expect-error plain ESM helper shared with the other workers
import { rate } from './rate.mjs';

/** A workload: times itself for about `seconds`, returns images/s or GFLOPS. */
export type Workload = (seconds: number) => Promise<number>;

/** LeNet-5 as the PyTorch and TensorFlow.js workers build it. */
export function lenet5(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );
}

/** The Keras Fashion-MNIST CNN (5 convolutions, 3 dense layers). */
export function kerasFashion(): nn.Sequential {
  const c = (i: number, o: number, k: number): nn.Conv2d => new nn.Conv2d(i, o, k, { padding: 'same' });
  return new nn.Sequential(
    c(1, 64, 7),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    c(64, 128, 3),
    new nn.ReLU(),
    c(128, 128, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    c(128, 256, 3),
    new nn.ReLU(),
    c(256, 256, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(2304, 128),
    new nn.ReLU(),
    new nn.Dropout(0.5),
    new nn.Linear(128, 64),
    new nn.ReLU(),
    new nn.Dropout(0.5),
    new nn.Linear(64, 10),
  );
}

function trainRate(make: () => nn.Sequential, batch: number) {
  const model = make();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn([batch, 1, 28, 28]);
  const y = randint(0, 10, [batch]);
  return async (seconds: number): Promise<number> =>
    batch *
    (await rate(() => {
      opt.zeroGrad();
      F.crossEntropy(model.call(x), y).backward();
      opt.step();
    }, seconds));
}

function inferRate(make: () => nn.Sequential, batch: number) {
  const model = make().eval();
  const x = randn([batch, 1, 28, 28]);
  // reading the output is part of inference (and on webgpu the only thing that waits for the device)
  return async (seconds: number): Promise<number> =>
    batch * (await rate(() => noGrad(() => model.call(x)).data[0], seconds));
}

const convFlops = 2 * 32 * 56 * 56 * 64 * 64 * 9;

/** The workload table (names as bench/run.mjs lists them). */
export function convkitWorkloads(): Record<string, Workload> {
  return {
    'lenet-train': (s: number) => trainRate(lenet5, 64)(s),
    'lenet-infer': (s: number) => inferRate(lenet5, 256)(s),
    'fashion-train': (s: number) => trainRate(kerasFashion, 32)(s),
    'fashion-infer': (s: number) => inferRate(kerasFashion, 64)(s),
    'conv-fwd': async (s: number) => {
      const x = randn([32, 64, 56, 56]),
        w = randn([64, 64, 3, 3]);
      return (convFlops * (await rate(() => noGrad(() => F.conv2d(x, w, null, { padding: 1 })).data[0], s))) / 1e9;
    },
    'conv-fwd-bwd': async (s: number) => {
      // forward + data gradient + weight gradient: three products of the forward's size
      const x = randn([32, 64, 56, 56]).requiresGrad_(),
        w = randn([64, 64, 3, 3]).requiresGrad_();
      const dy = randn([32, 64, 56, 56]);
      return (
        (3 *
          convFlops *
          (await rate(() => {
            x.grad = null;
            w.grad = null;
            F.conv2d(x, w, null, { padding: 1 }).backward(dy);
          }, s))) /
        1e9
      );
    },
    'sgemm-1024': async (s: number) => {
      const a = randn([1024, 1024]),
        b = randn([1024, 1024]);
      return (2 * 1024 ** 3 * (await rate(() => noGrad(() => a.matmul(b)), s))) / 1e9;
    },
    // batching alone (gather + copy of shuffled samples): an MNIST-sized epoch, in images/s
    dataloader: async (s: number) => {
      const n = 60000;
      const ds = new TensorDataset(new Tensor(new Float32Array(n * 784).fill(0.5), [n, 1, 28, 28]), new Int32Array(n));
      const dl = new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0 });
      return (
        n *
        (await rate(() => {
          for (const b of dl) void b;
        }, s))
      );
    },
  };
}
