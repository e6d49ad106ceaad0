// The models ONNX export is checked on: every layer class of nn in one or more settings (each
// ONNX mapping branch: padding modes, ceil mode, non-divisible adaptive pools, batch norm without
// running statistics, even LRN sizes...), and every zoo model of the registry at a small input.
// Shared by the fast structure test and the slow onnxruntime parity test.
import * as nn from '../../src/nn/index.js';
import { Module, Sequential } from '../../src/nn/module.js';
import { modelNames, modelSpec } from '../../src/models/registry.js';
import { alexnet } from '../../src/models/alexnet.js';
import { vgg11, vgg16 } from '../../src/models/vgg.js';
import * as zoo from '../../src/models/index.js';
import { noGrad } from '../../src/autograd/engine.js';
import { rand, randn } from '../../src/tensor/creation.js';

/** One export case: a model and the input shape (batch first) it is exported for. */
export interface ExportCase {
  /** Layer class (or model) name first, then the setting. */
  name: string;
  build: () => Module;
  input: number[];
}

/** Every Module subclass nn exports, by class name (Module itself excluded). */
export function layerClassNames(): string[] {
  return Object.entries(nn)
    .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Module)
    .map(([k]) => k)
    .sort();
}

const seq = (...m: Module[]): Module => new Sequential(...m);

/** Gives all-zero parameters (logistic regression's init, zero biases) random values, so outputs are not trivially 0. */
export function randomizeZeros(model: Module): Module {
  noGrad(() => {
    for (const p of model.parameters())
      if (p.data.every((v) => v === 0)) p.data.set(randn([...p.shape]).mul(0.1).data as Float32Array);
  });
  return model;
}

/** Gives batch norms random running statistics and affine parameters (fresh ones hide mistakes). */
export function randomizeNorms(model: Module): Module {
  noGrad(() => {
    for (const m of model.modules()) {
      const b = m as unknown as Record<string, unknown>;
      if (b.running_var instanceof Object && 'data' in (b.running_var as object)) {
        const mean = b.running_mean as { data: Float32Array };
        const v = b.running_var as { data: Float32Array; shape: readonly number[] };
        mean.data.set(randn([...v.shape]).mul(0.5).data as Float32Array);
        v.data.set(rand([...v.shape]).add(0.5).data as Float32Array);
        for (const k of ['weight', 'bias']) {
          const t = b[k] as { data: Float32Array; shape: readonly number[] } | null;
          if (t)
            t.data.set(
              randn([...t.shape])
                .mul(0.3)
                .add(k === 'weight' ? 1 : 0).data as Float32Array,
            );
        }
      }
    }
  });
  return model;
}

const A = nn;
const img = [1, 3, 8, 8];

/** Layer cases: every class of nn, several settings where the ONNX mapping branches. */
export const LAYER_CASES: ExportCase[] = [
  { name: 'Linear', build: () => new A.Linear(6, 4), input: [1, 6] },
  { name: 'Linear no bias, 3-D input (MatMul)', build: () => new A.Linear(6, 3, { bias: false }), input: [1, 5, 6] },
  { name: 'Linear 3-D input with bias', build: () => new A.Linear(6, 3), input: [1, 2, 6] },
  { name: 'Conv1d', build: () => new A.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), input: [1, 3, 11] },
  {
    name: 'Conv1d circular dilated',
    build: () => new A.Conv1d(3, 2, 3, { padding: 2, dilation: 2, paddingMode: 'circular' }),
    input: [1, 3, 9],
  },
  { name: 'Conv2d', build: () => new A.Conv2d(3, 4, 3, { padding: 1 }), input: img },
  {
    name: 'Conv2d groups stride dilation no bias',
    build: () => new A.Conv2d(4, 6, 3, { groups: 2, stride: 2, dilation: 2, padding: [1, 2], bias: false }),
    input: [1, 4, 9, 9],
  },
  {
    name: "Conv2d padding 'same' even kernel, reflect",
    build: () => new A.Conv2d(3, 2, 4, { padding: 'same', paddingMode: 'reflect' }),
    input: img,
  },
  {
    name: 'Conv2d replicate',
    build: () => new A.Conv2d(3, 2, [3, 5], { padding: [1, 2], paddingMode: 'replicate' }),
    input: img,
  },
  {
    name: 'Conv2d circular',
    build: () => new A.Conv2d(3, 2, 3, { padding: 1, stride: 2, paddingMode: 'circular' }),
    input: [1, 3, 7, 6],
  },
  { name: "Conv2d padding 'full'", build: () => new A.Conv2d(3, 2, 3, { padding: 'full' }), input: img },
  {
    name: 'ConvTranspose1d',
    build: () => new A.ConvTranspose1d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    input: [1, 3, 6],
  },
  {
    name: 'ConvTranspose2d groups',
    build: () => new A.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
    input: [1, 4, 5, 5],
  },
  {
    name: 'ConvTranspose2d dilated no bias',
    build: () => new A.ConvTranspose2d(3, 2, [2, 3], { dilation: 2, bias: false }),
    input: [1, 3, 4, 5],
  },
  {
    name: 'LocallyConnected2d',
    build: () => new A.LocallyConnected2d(2, 3, 3, [6, 6], { padding: 1 }),
    input: [1, 2, 6, 6],
  },
  {
    name: 'LocallyConnected2d strided dilated no bias',
    build: () => new A.LocallyConnected2d(2, 3, [2, 3], [7, 8], { stride: 2, dilation: [1, 2], bias: false }),
    input: [1, 2, 7, 8],
  },
  { name: 'MaxPool1d', build: () => new A.MaxPool1d(3, { stride: 2, padding: 1 }), input: [1, 3, 11] },
  { name: 'MaxPool2d', build: () => new A.MaxPool2d(2), input: img },
  { name: 'MaxPool2d ceil mode', build: () => new A.MaxPool2d(3, { stride: 2, ceilMode: true }), input: [1, 3, 8, 8] },
  {
    name: 'MaxPool2d dilation padding',
    build: () => new A.MaxPool2d(3, { stride: 1, padding: 1, dilation: 2 }),
    input: img,
  },
  {
    name: 'AvgPool1d exclude pad',
    build: () => new A.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false }),
    input: [1, 3, 10],
  },
  { name: 'AvgPool2d', build: () => new A.AvgPool2d(2), input: img },
  {
    name: 'AvgPool2d ceil mode padding',
    build: () => new A.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
    input: [1, 3, 8, 8],
  },
  {
    name: 'MaxPool2d ceil mode, last window in the padding (dropped as in PyTorch)',
    build: () => new A.MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true }),
    input: [1, 3, 7, 7],
  },
  {
    name: 'AvgPool2d ceil mode past the padding, exclude pad',
    build: () => new A.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    input: [1, 3, 8, 8],
  },
  {
    name: 'AvgPool2d divisorOverride',
    build: () => new A.AvgPool2d(2, { divisorOverride: 3 }),
    input: [1, 3, 6, 6],
  },
  {
    name: 'AvgPool2d divisorOverride ceil mode padding',
    build: () => new A.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 4 }),
    input: [1, 3, 8, 8],
  },
  {
    name: 'LPPool1d ceil mode, stride past the kernel',
    build: () => new A.LPPool1d(2, 1, { stride: 3, ceilMode: true }),
    input: [1, 3, 5],
  },
  { name: 'LPPool1d', build: () => new A.LPPool1d(2, 3, { stride: 2 }), input: [1, 3, 9] },
  { name: 'LPPool2d ceil mode', build: () => new A.LPPool2d(2, [2, 3], { ceilMode: true }), input: [1, 3, 7, 7] },
  { name: 'LPPool2d p=1', build: () => new A.LPPool2d(1, 2), input: img },
  { name: 'AdaptiveAvgPool1d non-divisible', build: () => new A.AdaptiveAvgPool1d(4), input: [1, 3, 10] },
  { name: 'AdaptiveAvgPool2d 1 (global)', build: () => new A.AdaptiveAvgPool2d(1), input: img },
  { name: 'AdaptiveAvgPool2d divisible', build: () => new A.AdaptiveAvgPool2d(2), input: img },
  { name: 'AdaptiveAvgPool2d [3, null]', build: () => new A.AdaptiveAvgPool2d([3, null]), input: [1, 3, 7, 5] },
  { name: 'AdaptiveAvgPool2d upsampling', build: () => new A.AdaptiveAvgPool2d(6), input: [1, 3, 1, 4] },
  { name: 'AdaptiveMaxPool1d', build: () => new A.AdaptiveMaxPool1d(3), input: [1, 3, 7] },
  { name: 'AdaptiveMaxPool2d non-divisible', build: () => new A.AdaptiveMaxPool2d([2, 3]), input: [1, 3, 5, 7] },
  { name: 'AdaptiveMaxPool2d 1 (global)', build: () => new A.AdaptiveMaxPool2d(1), input: img },
  { name: 'AdaptiveMaxPool2d divisible', build: () => new A.AdaptiveMaxPool2d(4), input: img },
  { name: 'GlobalAvgPool', build: () => new A.GlobalAvgPool(), input: [1, 3, 5, 5] },
  { name: 'ChannelMaxPool', build: () => new A.ChannelMaxPool(2), input: [1, 6, 4, 4] },
  { name: 'ChannelMaxPool overlapping', build: () => new A.ChannelMaxPool(3, 2), input: [1, 7, 3] },
  { name: 'Flatten', build: () => new A.Flatten(), input: [1, 3, 4, 4] },
  { name: 'Flatten 2..', build: () => new A.Flatten(2), input: [1, 3, 4, 5] },
  { name: 'Flatten 1..2', build: () => new A.Flatten(1, 2), input: [1, 3, 4, 5] },
  { name: 'Unflatten', build: () => new A.Unflatten(1, [3, -1]), input: [1, 12] },
  { name: 'Dropout (eval: identity)', build: () => seq(new A.Dropout(0.5), new A.Tanh()), input: [1, 5] },
  { name: 'Dropout1d', build: () => seq(new A.Dropout1d(0.5), new A.Tanh()), input: [1, 3, 5] },
  { name: 'Dropout2d', build: () => seq(new A.Dropout2d(0.5), new A.Tanh()), input: img },
  { name: 'BatchNorm1d (N, C)', build: () => randomizeNorms(new A.BatchNorm1d(5)), input: [1, 5] },
  { name: 'BatchNorm1d (N, C, L)', build: () => randomizeNorms(new A.BatchNorm1d(3)), input: [1, 3, 7] },
  { name: 'BatchNorm2d', build: () => randomizeNorms(new A.BatchNorm2d(3)), input: img },
  {
    name: 'BatchNorm2d no affine',
    build: () => randomizeNorms(new A.BatchNorm2d(3, { affine: false, eps: 1e-3 })),
    input: img,
  },
  {
    name: 'BatchNorm2d no running stats (batch statistics)',
    build: () => randomizeNorms(new A.BatchNorm2d(3, { trackRunningStats: false })),
    input: [2, 3, 4, 4],
  },
  {
    name: 'LayerNorm',
    build: () => {
      const m = new A.LayerNorm([4, 5]);
      m.weight?.data.set(randn([4, 5]).mul(0.3).add(1).data);
      return m;
    },
    input: [1, 3, 4, 5],
  },
  { name: 'LayerNorm no affine', build: () => new A.LayerNorm(5, { elementwiseAffine: false }), input: [1, 3, 5] },
  { name: 'LocalResponseNorm', build: () => new A.LocalResponseNorm(3), input: [1, 6, 4, 4] },
  {
    name: 'LocalResponseNorm even size, 3-D',
    build: () => new A.LocalResponseNorm(4, { k: 2, alpha: 0.01 }),
    input: [1, 6, 5],
  },
  { name: 'ReLU', build: () => new A.ReLU(), input: img },
  { name: 'LeakyReLU', build: () => new A.LeakyReLU(0.2), input: img },
  { name: 'ELU', build: () => new A.ELU(0.7), input: img },
  { name: 'SELU', build: () => new A.SELU(), input: img },
  { name: 'GELU', build: () => new A.GELU(), input: img },
  { name: 'GELU tanh', build: () => new A.GELU({ approximate: 'tanh' }), input: img },
  { name: 'Sigmoid', build: () => new A.Sigmoid(), input: img },
  { name: 'Tanh', build: () => new A.Tanh(), input: img },
  { name: 'SiLU', build: () => new A.SiLU(), input: img },
  { name: 'Softmax', build: () => new A.Softmax(1), input: img },
  { name: 'LogSoftmax', build: () => new A.LogSoftmax(), input: img },
  { name: 'Softmin', build: () => new A.Softmin(1), input: [1, 7] },
  { name: 'Softplus', build: () => new A.Softplus(), input: img },
  { name: 'Softplus beta threshold', build: () => new A.Softplus({ beta: 2, threshold: 3 }), input: img },
  { name: 'Hardtanh', build: () => new A.Hardtanh(-0.5, 2), input: img },
  { name: 'ReLU6', build: () => new A.ReLU6(), input: img },
  { name: 'Identity', build: () => new A.Identity(), input: img },
  {
    name: 'Sequential',
    build: () => seq(new A.Conv2d(3, 4, 3), new A.ReLU(), new A.Flatten(), new A.Linear(144, 3)),
    input: img,
  },
  {
    name: 'Residual',
    build: () => new A.Residual(seq(new A.Conv2d(3, 3, 3, { padding: 1 }), new A.ReLU()), { activation: new A.ReLU() }),
    input: img,
  },
  {
    name: 'Residual with shortcut',
    build: () =>
      new A.Residual(new A.Conv2d(3, 4, 3, { padding: 1, stride: 2 }), {
        shortcut: new A.Conv2d(3, 4, 1, { stride: 2 }),
      }),
    input: img,
  },
  {
    name: 'Concat',
    build: () => new A.Concat([new A.Conv2d(3, 2, 1), new A.MaxPool2d(3, { stride: 1, padding: 1 })]),
    input: img,
  },
];

/** Classes whose export is an error by design, with the error expected. */
export const LAYER_ERRORS: Record<string, { build: () => Module; input: number[]; error: RegExp }> = {
  ModuleList: {
    build: () => new A.ModuleList([new A.ReLU()]),
    input: [1, 3],
    error: /ModuleList has no forward/,
  },
};

/** Registry models at a small size: the registry's own builder, smaller dense heads where the factory allows. */
export function zooCases(): ExportCase[] {
  const input: Record<string, number[]> = {
    alexnet: [1, 3, 64, 64],
    vgg11: [1, 3, 32, 32],
    vgg16: [1, 3, 32, 32],
    googlenet: [1, 3, 64, 64],
    resnet18: [1, 3, 64, 64],
    resnet34: [1, 3, 64, 64],
    resnet50: [1, 3, 64, 64],
    unet: [1, 1, 32, 32],
  };
  // the same classes and conv trunks as createModel builds; 4096-wide dense layers shrunk to 256
  const custom: Record<string, () => Module> = {
    alexnet: () => alexnet({ numClasses: 10, hidden: 256 }),
    vgg11: () => vgg11({ numClasses: 10, hidden: 256, init: 'default' }),
    vgg16: () => vgg16({ numClasses: 10, hidden: 256, init: 'default' }),
  };
  return modelNames().map((name) => {
    const spec = modelSpec(name);
    const shape = input[name] ?? [1, ...spec.defaultInputShape];
    return {
      name,
      input: shape,
      build: () => randomizeZeros(randomizeNorms(custom[name]?.() ?? spec.create({ inputShape: shape.slice(1) }))),
    };
  });
}

/** Every Module subclass the zoo (src/models) exports, by class name. */
export function zooClassNames(): string[] {
  return Object.entries(zoo)
    .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Module)
    .map(([k]) => k)
    .sort();
}

/** Zoo blocks in settings the registry models do not use (the other options of their classes). */
export const ZOO_BLOCK_CASES: ExportCase[] = [
  {
    name: 'GoogLeNet with transform_input',
    build: () => randomizeNorms(zoo.googlenet({ transformInput: true, numClasses: 5, init: 'default' })),
    input: [1, 3, 32, 32],
  },
  { name: 'InceptionAux', build: () => randomizeNorms(new zoo.InceptionAux(16, 5)), input: [1, 16, 9, 9] },
  {
    name: 'InceptionModule without batch norm, 5x5 kernels',
    build: () => new zoo.InceptionModule(8, 4, 3, 6, 2, 3, 2, { batchNorm: false, branch5Kernel: 5 }),
    input: [1, 8, 7, 7],
  },
  {
    name: 'ResNet CIFAR with option-B shortcuts',
    build: () => randomizeNorms(zoo.resnetCifar({ depth: 8, shortcut: 'B' })),
    input: [1, 3, 16, 16],
  },
  {
    name: 'UNet with batch norm',
    build: () => randomizeNorms(zoo.unet({ base: 4, depth: 2, batchNorm: true })),
    input: [1, 1, 8, 8],
  },
  {
    name: 'Autoencoder without latent Linear layers',
    build: () => zoo.autoencoder({ inputShape: [2, 8, 8], latent: null, channels: [4, 6], outputActivation: 'none' }),
    input: [1, 2, 8, 8],
  },
  {
    name: 'TCN with kernel 2, identity shortcuts only',
    build: () => new zoo.TCN({ inChannels: 4, channels: 4, levels: 3, kernelSize: 2, numClasses: 3 }),
    input: [1, 4, 11],
  },
  {
    name: 'AlexNet original (LRN)',
    build: () => alexnet({ original: true, hidden: 32, numClasses: 4 }),
    input: [1, 3, 67, 67],
  },
  {
    name: 'VGG with batch norm',
    build: () => randomizeNorms(vgg11({ batchNorm: true, width: 0.125, hidden: 16, numClasses: 3 })),
    input: [1, 3, 32, 32],
  },
];
