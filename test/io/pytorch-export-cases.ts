// The models the PyTorch export is checked on: every layer class of src/nn/layers in one or more
// settings, the containers, and every zoo model of the registry at a small size (same classes as
// createModel builds, smaller widths or inputs where the options allow). Shared by the fast
// structure test and the slow test that runs the generated model.py in python3-torch.
import * as layers from '../../src/nn/layers/index.js';
import { Module, Sequential } from '../../src/nn/module.js';
import { createModel } from '../../src/models/registry.js';
import { alexnet } from '../../src/models/alexnet.js';
import { vgg11, vgg16 } from '../../src/models/vgg.js';
import { googlenet } from '../../src/models/googlenet.js';
import { resnet18, resnet34, resnet50, resnet20 } from '../../src/models/resnet.js';
import { unet } from '../../src/models/unet.js';
import { tcn1d } from '../../src/models/tcn.js';
import { noGrad } from '../../src/autograd/engine.js';
import { randn } from '../../src/tensor/creation.js';

const L = layers;

/** One export case: a model and the input shape (with batch) it runs on. */
export interface ExportCase {
  name: string;
  build: () => Module;
  input: number[];
}

/** Every Module subclass exported by src/nn/layers, by class name. */
export function layerClassNames(): string[] {
  return Object.entries(layers)
    .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Module)
    .map(([k]) => k)
    .sort();
}

const seq = (...m: Module[]): Module => new Sequential(...m);

/** Layer cases (several settings per class where torch's mapping differs). */
export const LAYER_CASES: ExportCase[] = [
  { name: 'Linear', build: () => new L.Linear(6, 4), input: [2, 6] },
  { name: 'Linear no bias', build: () => new L.Linear(6, 3, { bias: false }), input: [2, 5, 6] },
  { name: 'Conv1d', build: () => new L.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), input: [2, 3, 11] },
  {
    name: 'Conv1d same reflect dilated',
    build: () => new L.Conv1d(4, 2, 4, { padding: 'same', paddingMode: 'reflect', dilation: 2, groups: 2 }),
    input: [2, 4, 12],
  },
  { name: 'Conv2d', build: () => new L.Conv2d(3, 5, 3, { stride: 2, padding: 1 }), input: [2, 3, 9, 8] },
  {
    name: 'Conv2d same even kernel circular',
    build: () => new L.Conv2d(2, 4, [2, 3], { padding: 'same', paddingMode: 'circular', bias: false }),
    input: [1, 2, 7, 6],
  },
  {
    name: 'Conv2d full replicate grouped',
    build: () => new L.Conv2d(4, 6, 3, { padding: 'full', groups: 2, dilation: [1, 2] }),
    input: [1, 4, 6, 7],
  },
  {
    name: 'Conv2d valid',
    build: () => new L.Conv2d(1, 2, 5, { padding: 'valid', stride: [1, 2] }),
    input: [2, 1, 9, 9],
  },
  {
    name: 'ConvTranspose1d',
    build: () => new L.ConvTranspose1d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
    input: [2, 4, 5],
  },
  {
    name: 'ConvTranspose2d',
    build: () => new L.ConvTranspose2d(3, 2, [3, 2], { stride: 2, padding: 1, outputPadding: 1, dilation: [1, 2] }),
    input: [1, 3, 4, 5],
  },
  {
    name: 'LocallyConnected2d same',
    build: () => new L.LocallyConnected2d(2, 3, 2, [5, 6], { padding: 'same' }),
    input: [2, 2, 5, 6],
  },
  {
    name: 'LocallyConnected2d strided dilated',
    build: () => new L.LocallyConnected2d(2, 3, [3, 2], [8, 7], { stride: [2, 1], padding: 1, dilation: [1, 2] }),
    input: [2, 2, 8, 7],
  },
  { name: 'MaxPool1d', build: () => new L.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }), input: [2, 3, 10] },
  {
    name: 'MaxPool2d',
    build: () => new L.MaxPool2d([3, 2], { stride: [2, 1], padding: [1, 0], dilation: [2, 1] }),
    input: [2, 2, 9, 7],
  },
  {
    name: 'AvgPool1d',
    build: () => new L.AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    input: [2, 3, 10],
  },
  { name: 'AvgPool2d', build: () => new L.AvgPool2d(3, { padding: 1, divisorOverride: 5 }), input: [2, 2, 7, 8] },
  { name: 'AvgPool2d plain', build: () => new L.AvgPool2d(2), input: [2, 2, 6, 6] },
  { name: 'LPPool1d', build: () => seq(new L.Sigmoid(), new L.LPPool1d(2, 3, { stride: 2 })), input: [2, 3, 10] },
  {
    name: 'LPPool2d',
    build: () => seq(new L.Sigmoid(), new L.LPPool2d(3, 2, { ceilMode: true })),
    input: [2, 2, 7, 7],
  },
  { name: 'AdaptiveAvgPool1d', build: () => new L.AdaptiveAvgPool1d(4), input: [2, 3, 10] },
  { name: 'AdaptiveAvgPool2d', build: () => new L.AdaptiveAvgPool2d([3, null]), input: [2, 3, 7, 5] },
  { name: 'AdaptiveMaxPool1d', build: () => new L.AdaptiveMaxPool1d(3), input: [2, 3, 10] },
  { name: 'AdaptiveMaxPool2d', build: () => new L.AdaptiveMaxPool2d([2, 3]), input: [2, 3, 7, 8] },
  { name: 'GlobalAvgPool', build: () => new L.GlobalAvgPool(), input: [2, 3, 4, 5] },
  { name: 'ChannelMaxPool', build: () => new L.ChannelMaxPool(2), input: [2, 6, 3, 3] },
  { name: 'ChannelMaxPool overlapping', build: () => new L.ChannelMaxPool(3, 1), input: [2, 5, 4] },
  { name: 'Flatten', build: () => new L.Flatten(1, 2), input: [2, 3, 4, 5] },
  { name: 'Unflatten', build: () => new L.Unflatten(1, [2, -1]), input: [2, 6, 3] },
  { name: 'Dropout', build: () => new L.Dropout(0.3), input: [2, 5] },
  { name: 'Dropout1d', build: () => new L.Dropout1d(0.3), input: [2, 3, 5] },
  { name: 'Dropout2d', build: () => new L.Dropout2d(0.3), input: [2, 3, 4, 4] },
  { name: 'BatchNorm1d', build: () => new L.BatchNorm1d(4, { momentum: null }), input: [3, 4, 5] },
  { name: 'BatchNorm1d no affine', build: () => new L.BatchNorm1d(4, { affine: false, eps: 1e-3 }), input: [3, 4] },
  { name: 'BatchNorm2d', build: () => new L.BatchNorm2d(3), input: [2, 3, 4, 4] },
  {
    name: 'BatchNorm2d batch statistics',
    build: () => new L.BatchNorm2d(3, { trackRunningStats: false }),
    input: [2, 3, 4, 4],
  },
  { name: 'LayerNorm', build: () => new L.LayerNorm([4, 5]), input: [2, 3, 4, 5] },
  { name: 'LayerNorm no bias', build: () => new L.LayerNorm(5, { bias: false, eps: 1e-3 }), input: [2, 5] },
  { name: 'LayerNorm no affine', build: () => new L.LayerNorm(5, { elementwiseAffine: false }), input: [2, 5] },
  {
    name: 'LocalResponseNorm',
    build: () => new L.LocalResponseNorm(3, { alpha: 0.01, beta: 0.75, k: 2 }),
    input: [2, 5, 3, 3],
  },
  { name: 'ReLU', build: () => new L.ReLU(), input: [2, 7] },
  { name: 'LeakyReLU', build: () => new L.LeakyReLU(0.2), input: [2, 7] },
  { name: 'ELU', build: () => new L.ELU(0.5), input: [2, 7] },
  { name: 'GELU', build: () => new L.GELU(), input: [2, 7] },
  { name: 'GELU tanh', build: () => new L.GELU({ approximate: 'tanh' }), input: [2, 7] },
  { name: 'Sigmoid', build: () => new L.Sigmoid(), input: [2, 7] },
  { name: 'Tanh', build: () => new L.Tanh(), input: [2, 7] },
  { name: 'Softmax', build: () => new L.Softmax(1), input: [2, 4, 3] },
  { name: 'LogSoftmax', build: () => new L.LogSoftmax(), input: [2, 7] },
  { name: 'Softmin', build: () => new L.Softmin(0), input: [3, 4] },
  { name: 'Softplus', build: () => new L.Softplus({ beta: 2, threshold: 1 }), input: [2, 7] },
  { name: 'Hardtanh', build: () => new L.Hardtanh(-0.5, 0.7), input: [2, 7] },
  { name: 'ReLU6', build: () => seq(new L.Linear(7, 7), new L.ReLU6()), input: [2, 7] },
  { name: 'SiLU', build: () => new L.SiLU(), input: [2, 7] },
  { name: 'SELU', build: () => new L.SELU(), input: [2, 7] },
  { name: 'Identity', build: () => new L.Identity(), input: [2, 7] },
  {
    name: 'Residual',
    build: () =>
      new L.Residual(seq(new L.Conv2d(2, 3, 3, { padding: 1 }), new L.BatchNorm2d(3)), {
        shortcut: new L.Conv2d(2, 3, 1),
        activation: new L.ReLU(),
      }),
    input: [2, 2, 5, 5],
  },
  { name: 'Residual identity', build: () => new L.Residual(new L.Linear(4, 4)), input: [2, 4] },
  {
    name: 'Concat',
    build: () => new L.Concat([new L.Conv2d(2, 3, 1), seq(new L.Conv2d(2, 1, 3, { padding: 1 }), new L.Tanh())]),
    input: [2, 2, 4, 4],
  },
  {
    name: 'ModuleList',
    // a ModuleList has no forward: it is exported inside the models that loop over it (UNet)
    build: () => unet({ inChannels: 1, outChannels: 1, base: 2, depth: 1 }),
    input: [1, 1, 4, 4],
  },
];

/** Every registered model at a small size, by registry name (the same classes createModel builds). */
export const ZOO_CASES: Record<string, Omit<ExportCase, 'name'>> = {
  mlp: { build: () => createModel('mlp'), input: [2, 1, 28, 28] },
  lenet5: { build: () => createModel('lenet5'), input: [2, 1, 28, 28] },
  'keras-fashion': { build: () => createModel('keras-fashion'), input: [2, 1, 28, 28] },
  logistic: { build: () => createModel('logistic'), input: [3, 30] },
  alexnet: { build: () => alexnet({ numClasses: 10, hidden: 64 }), input: [1, 3, 63, 63] },
  vgg11: { build: () => vgg11({ numClasses: 10, width: 0.25, hidden: 64 }), input: [1, 3, 32, 32] },
  vgg16: { build: () => vgg16({ numClasses: 10, width: 0.25, hidden: 64, batchNorm: true }), input: [2, 3, 32, 32] },
  googlenet: {
    build: () => googlenet({ numClasses: 10, auxLogits: true, transformInput: true }),
    input: [1, 3, 40, 40],
  },
  resnet18: { build: () => resnet18({ numClasses: 10 }), input: [1, 3, 32, 32] },
  resnet34: { build: () => resnet34({ numClasses: 10 }), input: [1, 3, 32, 32] },
  resnet50: { build: () => resnet50({ numClasses: 10 }), input: [1, 3, 32, 32] },
  resnet20: { build: () => resnet20(), input: [2, 3, 32, 32] },
  autoencoder: { build: () => createModel('autoencoder'), input: [2, 1, 28, 28] },
  // 4 levels (dilation 1..8): block 0 has the 1x1 downsample shortcut, the others the identity
  tcn1d: { build: () => tcn1d({ inChannels: 2, seqLen: 40, channels: 6, numClasses: 4 }), input: [2, 2, 40] },
  unet: {
    build: () => unet({ inChannels: 1, outChannels: 1, base: 8, depth: 2, batchNorm: true }),
    input: [1, 1, 16, 16],
  },
};

/**
 * Moves every float tensor of the state dict away from its initial value (running variances to
 * [0.5, 1.5)), so BatchNorm statistics and affine parameters are really exercised.
 */
export function perturb(model: Module): void {
  noGrad(() => {
    for (const [k, t] of model.stateDict()) {
      if (t.dtype !== 'float32') continue;
      const r = randn([t.size]).data;
      const d = t.data as Float32Array;
      const isVar = /var$/i.test(k);
      for (let i = 0; i < d.length; i++) d[i] = isVar ? 1 + 0.5 * Math.tanh(r[i]) : d[i] + 0.05 * r[i];
    }
  });
}
