// The temporal CNN (tcn1d): causal dilated Conv1d against an independent formulation (symmetric
// padding + chomping the right end, as the reference TCN code does), its gradient by finite
// differences, causality and the receptive field measured by gradients, the parameter count,
// the registry entry and a short training run on a 2-class waveform task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CausalConv1d,
  TCN,
  TemporalBlock,
  createModel,
  modelSpec,
  tcn1d,
  tcnLevelsFor,
  tcnReceptiveField,
} from '../../src/models/index.js';
import { Conv1d } from '../../src/nn/layers/conv.js';
import type { Module } from '../../src/nn/module.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn, tensor, zeros } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/engine.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { Adam } from '../../src/optim/adam.js';
import { accuracy } from '../../src/train/metrics.js';
import { assertClose, gradcheck } from '../helpers/check.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tcn');

test('CausalConv1d = Conv1d with (k-1)d zeros on both sides, right end chomped (the reference TCN)', () => {
  manualSeed(40);
  for (const [k, d] of [
    [3, 1],
    [3, 4],
    [2, 8],
    [5, 2],
  ]) {
    const causal = new CausalConv1d(3, 4, k, d);
    assert.equal(causal.leftPadding, (k - 1) * d);
    const ref = new Conv1d(3, 4, k, { dilation: d, padding: (k - 1) * d });
    ref.weight.data.set(causal.weight.data);
    ref.bias!.data.set(causal.bias!.data);
    const x = randn([2, 3, 11]);
    const y = noGrad(() => causal.call(x));
    const full = noGrad(() => ref.call(x)); // (2, 4, 11 + (k-1)d)
    assert.deepEqual(y.shape, [2, 4, 11]);
    const chomped = new Float32Array(2 * 4 * 11);
    const lf = full.shape[2];
    for (let r = 0; r < 8; r++) for (let t = 0; t < 11; t++) chomped[r * 11 + t] = full.data[r * lf + t];
    assertClose(y, chomped, { atol: 1e-5, msg: `k ${k} d ${d}` });
  }
  // a hand value: kernel [1, 2, 3] (oldest tap first), dilation 2, no bias, on x = [1, 10, 100, 1000]
  // y[t] = 1·x[t-4] + 2·x[t-2] + 3·x[t]: [3, 30, 302, 3020]
  const c = new CausalConv1d(1, 1, 3, 2);
  c.weight.data.set([1, 2, 3]);
  c.bias!.data.fill(0);
  assert.deepEqual(Array.from(noGrad(() => c.call(tensor([[[1, 10, 100, 1000]]]))).data), [3, 30, 302, 3020]);
  assert.match(String(c), /CausalConv1d\(1, 1, .*left_padding=4/);
  assert.throws(
    () => c.call(randn([1, 1, 2, 2])),
    /CausalConv1d: input must be \(N, C, L\) or \(C, L\), got \[1, 1, 2, 2\]/,
  );
  assert.throws(() => new CausalConv1d(1, 1, 3, 0), /CausalConv1d: dilation must be a positive integer, got 0/);
});

test('CausalConv1d and a TemporalBlock: gradients match finite differences', () => {
  manualSeed(41);
  const c = new CausalConv1d(2, 3, 3, 2);
  // the layer's own weight and bias are gradcheck's inputs: their data is perturbed in place
  const w = randn([1, 3, 7]);
  gradcheck((x) => c.call(x).mul(w).sum(), [randn([2, 2, 7]).requiresGrad_(true), c.weight, c.bias!], {
    msg: 'CausalConv1d',
  });
  const b = new TemporalBlock(2, 3, 2, 1, 0).eval();
  gradcheck((x) => b.call(x).sum(), [randn([1, 2, 6]).requiresGrad_(true)], { msg: 'block' });
});

test("tcn1d = PyTorch's TemporalBlock port: its state dict loads strictly, features and logits match", async () => {
  // scripts/gen-tcn-fixtures.py: 2 input channels, 6 channels, 3 levels, kernel 3, 4 classes
  const weights = await loadSafetensors(join(FIXTURES, 'tcn1d.safetensors'));
  const { tensors } = await loadSafetensors(join(FIXTURES, 'tcn1d.io.safetensors'));
  const m = tcn1d({ inChannels: 2, channels: 6, levels: 3, numClasses: 4 });
  // PyTorch's state_dict() order, as the script prints it
  const torchOrder = [
    ...['net.0.weight', 'net.0.bias', 'net.3.weight', 'net.3.bias', 'downsample.weight', 'downsample.bias'].map(
      (k) => `blocks.0.${k}`,
    ),
    ...[1, 2].flatMap((b) =>
      ['net.0.weight', 'net.0.bias', 'net.3.weight', 'net.3.bias'].map((k) => `blocks.${b}.${k}`),
    ),
    'fc.weight',
    'fc.bias',
  ];
  assert.deepEqual([...m.stateDict().keys()], torchOrder);
  assert.deepEqual(Object.keys(weights.tensors).sort(), [...torchOrder].sort());
  assert.deepEqual(m.loadStateDict(weights.tensors), { missingKeys: [], unexpectedKeys: [], legacyRenamed: [] });
  m.eval();
  assertClose(
    noGrad(() => m.features(tensors.input)),
    tensors.features,
    { atol: 1e-5, rtol: 1e-4, msg: 'features' },
  );
  assertClose(
    noGrad(() => m.call(tensors.input)),
    tensors.logits,
    { atol: 1e-5, rtol: 1e-4, msg: 'logits' },
  );
});

/** |d features[0, :, t] / d x[0, :, s]| summed over channels, per input step s. */
function sensitivity(m: TCN, len: number, t: number): number[] {
  const x = randn([1, m.inChannels, len]).requiresGrad_(true);
  const f = m.features(x);
  const pick = zeros(f.shape);
  for (let ch = 0; ch < f.shape[1]; ch++) pick.data[ch * len + t] = 1;
  f.mul(pick).sum().backward();
  const g = x.grad!;
  return Array.from({ length: len }, (_, s) => {
    let a = 0;
    for (let ch = 0; ch < m.inChannels; ch++) a += Math.abs(g.data[ch * len + s]);
    return a;
  });
}

test('tcn1d is causal and sees exactly its receptive field 1 + 2(k-1)(2^levels - 1)', () => {
  manualSeed(42);
  // 2 levels, k 3: dilations 1, 2; field 1 + 2·2·3 = 13
  const m = tcn1d({ inChannels: 2, numClasses: 3, channels: 16, levels: 2, dropout: 0 }).eval();
  assert.equal(m.receptiveField, 13);
  const len = 30,
    t = 20;
  const s = sensitivity(m, len, t);
  // output step 20 depends on inputs 8..20: nothing later (causal), nothing earlier than 20 - 12
  for (let i = t + 1; i < len; i++) assert.equal(s[i], 0, `future step ${i}`);
  for (let i = 0; i < t - 12; i++) assert.equal(s[i], 0, `step ${i} is outside the field`);
  assert.ok(s[t - 12] > 0 && s[t] > 0, `field edges ${s[t - 12]} ${s[t]}`);
  assert.equal(tcnReceptiveField(2, 3), 13);
  assert.equal(tcnReceptiveField(6, 3), 253);
  // default levels: the fewest whose field covers the sequence
  assert.equal(tcnLevelsFor(128, 3), 6); // 5 levels see 125 steps
  assert.equal(tcnLevelsFor(125, 3), 5);
  assert.equal(tcnLevelsFor(1, 3), 1);
  assert.equal(tcn1d({ seqLen: 128 }).blocks.length, 6);
  assert.equal(tcn1d({ seqLen: 64, kernelSize: 5 }).blocks.length, 4); // 1 + 8·7 = 57 < 64 ≤ 1 + 8·15
});

test('tcn1d: parameter count by the layer arithmetic, shapes, option errors', () => {
  // block 0: conv in→c (k·in·c + c), conv c→c (k·c·c + c), 1x1 shortcut (in·c + c) when in ≠ c; head c·classes + classes
  const count = (inC: number, c: number, k: number, levels: number, classes: number): number => {
    let n = k * inC * c + c + k * c * c + c + (inC !== c ? inC * c + c : 0);
    n += (levels - 1) * 2 * (k * c * c + c);
    return n + c * classes + classes;
  };
  assert.equal(tcn1d({ inChannels: 1, numClasses: 4 }).numParameters(), count(1, 32, 3, 6, 4));
  assert.equal(tcn1d({ inChannels: 8, channels: 8, levels: 3, kernelSize: 2 }).numParameters(), count(8, 8, 2, 3, 10));
  assert.equal((tcn1d({ inChannels: 8, channels: 8, levels: 3 }).blocks.at(0) as TemporalBlock).downsample, null);
  manualSeed(43);
  const m = tcn1d({ inChannels: 3, numClasses: 5, seqLen: 40, channels: 8 });
  assert.deepEqual(noGrad(() => m.eval().call(randn([4, 3, 40]))).shape, [4, 5]);
  // any length works (the field is fixed by the levels)
  assert.deepEqual(noGrad(() => m.call(randn([2, 3, 7]))).shape, [2, 5]);
  assert.throws(() => m.call(randn([2, 2, 40])), /TCN: expected input \(N, 3, L\), got \[2, 2, 40\]/);
  assert.throws(() => tcn1d({ dropout: 1 }), /tcn1d: dropout must be in \[0, 1\), got 1/);
  assert.throws(() => tcn1d({ kernelSize: 1 }), /tcn1d: kernelSize 1 never widens the receptive field/);
  assert.throws(() => tcn1d({ levels: 0 }), /tcn1d: levels must be a positive integer, got 0/);
});

test('registry: tcn1d takes [C, L] sequences, image models refuse them and tcn1d refuses images', () => {
  const spec = modelSpec('tcn1d');
  assert.deepEqual(spec.tasks, ['classification']);
  assert.equal(spec.loss, 'crossEntropy');
  assert.deepEqual(spec.defaultInputShape, [1, 128]);
  assert.equal(spec.inputProblem([1, 128]), null);
  assert.equal(spec.inputProblem([1, 28, 28]), 'needs [C, L] sequences, the dataset gives [1, 28, 28]');
  assert.equal(spec.resizeFor([1, 28, 28]), null);
  manualSeed(44);
  const m = createModel('tcn1d', { inputShape: [2, 50], numClasses: 3 }) as TCN;
  assert.equal(m.blocks.length, tcnLevelsFor(50, 3));
  assert.deepEqual(noGrad(() => m.eval().call(randn([2, 2, 50]))).shape, [2, 3]);
  for (const name of ['lenet5', 'alexnet', 'vgg16', 'resnet18', 'unet', 'autoencoder']) {
    assert.match(modelSpec(name).inputProblem([1, 128]) ?? '', /needs \[C, /, name);
    assert.equal(modelSpec(name).resizeFor([1, 128]), null, name);
  }
  assert.equal(modelSpec('mlp').inputProblem([1, 128]), null, 'dense models flatten sequences');
});

/** Sine (class 0) or square wave (class 1) with random frequency, phase and noise: (n, 1, len). */
function waves(n: number, len: number): { x: Tensor; y: Tensor } {
  const x = randn([n, 1, len]).mul(0.1);
  const u = randn([n, 2]).data;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    const f = 2 + Math.abs(u[2 * i]) * 2,
      ph = u[2 * i + 1];
    for (let t = 0; t < len; t++) {
      const s = Math.sin((2 * Math.PI * f * t) / len + ph);
      x.data[i * len + t] += y[i] === 0 ? s : Math.sign(s);
    }
  }
  return { x, y: new Tensor(y, [n]) };
}

test('tcn1d learns sine vs square waves in a few Adam steps', () => {
  manualSeed(45);
  const { x, y } = waves(16, 32);
  const m: Module = tcn1d({ seqLen: 32, numClasses: 2, channels: 8, dropout: 0 });
  const opt = new Adam(m.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    opt.zeroGrad();
    const loss = crossEntropy(m.call(x), y);
    loss.backward();
    losses.push(loss.item());
    opt.step();
  }
  const test = waves(32, 32);
  const acc = accuracy(
    noGrad(() => m.eval().call(test.x)),
    test.y,
  );
  assert.ok(losses[29] < 0.5 * losses[0], `loss ${losses[0].toFixed(3)} -> ${losses[29].toFixed(3)}`);
  assert.ok(acc >= 0.8, `held-out accuracy ${acc}`);
});
