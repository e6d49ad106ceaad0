// Benchmark worker for TensorFlow.js 4.22 (argv[2] = 'cpu' or 'wasm').
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serve, rate } from './protocol.mjs';

const backend = process.argv[2] ?? 'cpu';
const threads = Number(process.env.BENCH_THREADS ?? 2);
if (backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(join(dir, 'dist') + '/');
  try {
    wasm.setThreadsCount(threads);
  } catch {
    /* not available in this build */
  }
}
await tf.setBackend(backend);
await tf.ready();

function lenet5() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

function kerasFashion() {
  const conv = (filters, kernelSize, extra = {}) =>
    tf.layers.conv2d({ filters, kernelSize, padding: 'same', activation: 'relu', ...extra });
  return tf.sequential({
    layers: [
      conv(64, 7, { inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(128, 3),
      conv(128, 3),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(256, 3),
      conv(256, 3),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

function trainRate(makeModel, batch) {
  const model = makeModel();
  const opt = tf.train.sgd(0.01);
  const x = tf.randomNormal([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  return async (seconds) =>
    batch *
    (await rate(() => {
      tf.tidy(() => {
        opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })));
      });
    }, seconds));
}

function inferRate(makeModel, batch) {
  const model = makeModel();
  const x = tf.randomNormal([batch, 28, 28, 1]);
  return async (seconds) =>
    batch *
    (await rate(() => {
      tf.tidy(() => model.predict(x).dataSync());
    }, seconds));
}

// one training step of the Fashion CNN takes minutes on tfjs-cpu: measure a batch of 2 and
// report images/s (per-image cost is nearly independent of batch size at this scale)
const fashionTrainBatch = backend === 'cpu' ? 2 : 32;

serve(
  {
    framework: `tfjs-${backend}`,
    version: tf.version.tfjs,
    notes: fashionTrainBatch !== 32 ? 'fashion-train measured at batch 2' : '',
  },
  {
    'lenet-train': (s) => trainRate(lenet5, 64)(s),
    'lenet-infer': (s) => inferRate(lenet5, 256)(s),
    'fashion-train': (s) => trainRate(kerasFashion, fashionTrainBatch)(s),
    'fashion-infer': (s) => inferRate(kerasFashion, 64)(s),
    'conv-fwd': async (s) => {
      const x = tf.randomNormal([32, 56, 56, 64]),
        w = tf.randomNormal([3, 3, 64, 64]);
      const flops = 2 * 32 * 56 * 56 * 64 * 64 * 9;
      return (
        (flops *
          (await rate(() => {
            tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync());
          }, s))) /
        1e9
      );
    },
    'conv-fwd-bwd': async (s) => {
      const x = tf.randomNormal([32, 56, 56, 64]),
        w = tf.randomNormal([3, 3, 64, 64]);
      const dy = tf.randomNormal([32, 56, 56, 64]);
      // forward + data gradient + weight gradient: three products of the forward's size
      const flops = 3 * 2 * 32 * 56 * 56 * 64 * 64 * 9;
      const g = tf.grads((a, b) => tf.conv2d(a, b, 1, 'same'));
      return (
        (flops *
          (await rate(() => {
            tf.tidy(() => {
              const [gx, gw] = g([x, w], dy);
              gx.dataSync();
              gw.dataSync();
            });
          }, s))) /
        1e9
      );
    },
    'sgemm-1024': async (s) => {
      const a = tf.randomNormal([1024, 1024]),
        b = tf.randomNormal([1024, 1024]);
      return (
        (2 *
          1024 ** 3 *
          (await rate(() => {
            tf.tidy(() => tf.matMul(a, b).dataSync());
          }, s))) /
        1e9
      );
    },
  },
);
