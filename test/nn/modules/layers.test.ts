import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, randn, tensor, manualSeed, noGrad, type Tensor } from '../../../src/index.js';
import { Module, Sequential } from '../../../src/nn/index.js';
import { assertClose } from '../../helpers/check.js';

function shapeOf(m: Module, inShape: number[]): number[] {
  return [...noGrad(() => m.call(randn(inShape))).shape];
}

test('parameter counts and output shapes of every parametrised layer', () => {
  manualSeed(3);
  const cases: [Module, number[], number[], number][] = [
    [new nn.Linear(20, 7), [4, 20], [4, 7], 147],
    [new nn.Linear(20, 7, { bias: false }), [2, 3, 20], [2, 3, 7], 140],
    // the lecture's example: ten 5x5x3 filters -> 10*75 + 10 = 760
    [new nn.Conv2d(3, 10, 5), [2, 3, 32, 32], [2, 10, 28, 28], 760],
    [new nn.Conv2d(3, 10, 5, { padding: 'same' }), [1, 3, 9, 9], [1, 10, 9, 9], 760],
    [
      new nn.Conv2d(3, 8, [3, 5], { stride: 2, padding: [1, 2], bias: false }),
      [1, 3, 11, 11],
      [1, 8, 6, 6],
      8 * 3 * 15,
    ],
    [new nn.Conv2d(4, 8, 3, { groups: 2, dilation: 2, padding: 'valid' }), [1, 4, 9, 9], [1, 8, 5, 5], 8 * 2 * 9 + 8],
    [new nn.Conv2d(4, 4, 3, { groups: 4, padding: 1, paddingMode: 'reflect' }), [1, 4, 5, 5], [1, 4, 5, 5], 4 * 9 + 4],
    [new nn.Conv1d(3, 6, 4, { stride: 2 }), [2, 3, 20], [2, 6, 9], 6 * 3 * 4 + 6],
    [new nn.ConvTranspose2d(8, 4, 2, { stride: 2 }), [1, 8, 5, 5], [1, 4, 10, 10], 8 * 4 * 4 + 4],
    [
      new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }),
      [1, 8, 5, 5],
      [1, 4, 10, 10],
      8 * 4 * 9 + 4,
    ],
    [new nn.ConvTranspose1d(3, 2, 3), [1, 3, 6], [1, 2, 8], 3 * 2 * 3 + 2],
    // unshared: 3x3 output positions, each with its own 2x(1x2x2) filters and biases
    [new nn.LocallyConnected2d(1, 2, 2, 4, { stride: 1, padding: 0 }), [2, 1, 4, 4], [2, 2, 3, 3], 9 * 2 * 4 + 2 * 9],
    [new nn.BatchNorm1d(6), [4, 6], [4, 6], 12],
    [new nn.BatchNorm1d(6, { affine: false }), [4, 6, 5], [4, 6, 5], 0],
    [new nn.BatchNorm2d(5), [2, 5, 3, 3], [2, 5, 3, 3], 10],
    [new nn.LayerNorm([4, 3]), [2, 5, 4, 3], [2, 5, 4, 3], 24],
    [new nn.LayerNorm(3, { elementwiseAffine: false }), [2, 3], [2, 3], 0],
  ];
  for (const [m, inShape, outShape, params] of cases) {
    assert.deepEqual(shapeOf(m, inShape), outShape, `${m.toString()} output shape`);
    assert.equal(m.numParameters(), params, `${m.toString()} parameter count`);
  }
});

test('output shapes of the parameter-free layers', () => {
  manualSeed(4);
  const cases: [Module, number[], number[]][] = [
    [new nn.MaxPool2d(2), [2, 3, 7, 7], [2, 3, 3, 3]],
    [new nn.MaxPool2d(3, { stride: 2, padding: 1 }), [1, 2, 8, 8], [1, 2, 4, 4]],
    [new nn.MaxPool2d(2, { ceilMode: true }), [1, 1, 5, 5], [1, 1, 3, 3]],
    [new nn.MaxPool1d(2), [2, 3, 9], [2, 3, 4]],
    [new nn.AvgPool2d(2), [1, 3, 6, 6], [1, 3, 3, 3]],
    [new nn.AvgPool1d(3, { stride: 1 }), [1, 2, 5], [1, 2, 3]],
    [new nn.LPPool2d(2, 2), [1, 3, 6, 4], [1, 3, 3, 2]],
    [new nn.AdaptiveAvgPool2d([2, 3]), [1, 4, 7, 9], [1, 4, 2, 3]],
    [new nn.AdaptiveMaxPool2d(1), [2, 4, 5, 5], [2, 4, 1, 1]],
    [new nn.GlobalAvgPool(), [2, 6, 5, 4], [2, 6]],
    [new nn.ChannelMaxPool(2), [2, 6, 3, 3], [2, 3, 3, 3]],
    [new nn.ChannelMaxPool(3, 1), [1, 5, 2, 2], [1, 3, 2, 2]],
    [new nn.Flatten(), [2, 3, 4, 5], [2, 60]],
    [new nn.Flatten(0, 1), [2, 3, 4], [6, 4]],
    [new nn.Unflatten(1, [1, 28, 28]), [3, 784], [3, 1, 28, 28]],
    [new nn.Unflatten(-1, [2, -1]), [3, 8], [3, 2, 4]],
    [new nn.Dropout(0.3), [4, 5], [4, 5]],
    [new nn.Dropout2d(0.3), [2, 4, 3, 3], [2, 4, 3, 3]],
    [new nn.LocalResponseNorm(3), [1, 6, 2, 2], [1, 6, 2, 2]],
    [new nn.ReLU(), [2, 3], [2, 3]],
    [new nn.LeakyReLU(0.2), [2, 3], [2, 3]],
    [new nn.ELU(), [2, 3], [2, 3]],
    [new nn.GELU(), [2, 3], [2, 3]],
    [new nn.Sigmoid(), [2, 3], [2, 3]],
    [new nn.Tanh(), [2, 3], [2, 3]],
    [new nn.Softmax(1), [2, 3], [2, 3]],
    [new nn.LogSoftmax(), [2, 3], [2, 3]],
    [new nn.Identity(), [2, 3], [2, 3]],
    [new nn.Softmin(), [2, 3], [2, 3]],
    [new nn.Softplus(), [2, 3], [2, 3]],
    [new nn.Hardtanh(), [2, 3], [2, 3]],
    [new nn.ReLU6(), [2, 3], [2, 3]],
    [new nn.SiLU(), [2, 3], [2, 3]],
    [new nn.Dropout1d(0.3), [2, 4, 5], [2, 4, 5]],
    [new nn.LPPool1d(2, 3), [1, 2, 9], [1, 2, 3]],
    [new nn.AdaptiveAvgPool1d(4), [2, 3, 10], [2, 3, 4]],
    [new nn.AdaptiveMaxPool1d(2), [2, 3, 7], [2, 3, 2]],
  ];
  for (const [m, inShape, outShape] of cases) {
    assert.deepEqual(shapeOf(m, inShape), outShape, `${m.toString()} output shape`);
    assert.equal(m.numParameters(), 0, `${m.toString()} has no parameters`);
  }
});

test('layers compute what their functional ops compute', () => {
  manualSeed(5);
  const x = randn([2, 3, 6, 6]);
  const conv = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 });
  assertClose(conv.call(x), F.conv2d(x, conv.weight, conv.bias, { stride: 2, padding: 1 }), { atol: 0, rtol: 0 });
  const lin = new nn.Linear(3, 2);
  const v = tensor([[1, 2, 3]]);
  const w = lin.weight.toFlatArray(),
    b = (lin.bias as Tensor).toFlatArray();
  assertClose(lin.call(v), [[w[0] + 2 * w[1] + 3 * w[2] + b[0], w[3] + 2 * w[4] + 3 * w[5] + b[1]]], { atol: 1e-6 });
  const t = tensor([[-2, -0.5, 0, 1.5]]);
  assertClose(new nn.ReLU().call(t), [[0, 0, 0, 1.5]]);
  assertClose(new nn.LeakyReLU(0.1).call(t), [[-0.2, -0.05, 0, 1.5]]);
  assertClose(new nn.ELU(2).call(t), [[2 * Math.expm1(-2), 2 * Math.expm1(-0.5), 0, 1.5]]);
  assertClose(new nn.Sigmoid().call(t), [[-2, -0.5, 0, 1.5].map((u) => 1 / (1 + Math.exp(-u)))]);
  const sm = new nn.Softmax().call(tensor([[1, 2, 3]]));
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  assertClose(sm, [[Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z]]);
  assertClose(new nn.LogSoftmax(-1).call(tensor([[1, 2, 3]])), [[1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)]]);
  assertClose(
    new nn.GlobalAvgPool().call(
      tensor([
        [
          [
            [1, 2],
            [3, 6],
          ],
        ],
      ]),
    ),
    [[3]],
  );
  assertClose(new nn.ChannelMaxPool(2).call(tensor([[[1], [5], [4], [-1]]])), [[[5], [4]]]);
  assertClose(new nn.Hardtanh(-1, 1).call(t), [[-1, -0.5, 0, 1]]);
  assertClose(new nn.ReLU6().call(tensor([-1, 3, 7])), [0, 3, 6]);
  assertClose(new nn.SiLU().call(tensor([1])), [1 / (1 + Math.exp(-1))], { atol: 1e-6 });
  assertClose(new nn.Softplus().call(tensor([0])), [Math.log(2)], { atol: 1e-6 });
  assertClose(
    new nn.Softmin().call(tensor([[1, 2, 3]])),
    [[Math.exp(-1), Math.exp(-2), Math.exp(-3)].map((v) => v / (Math.exp(-1) + Math.exp(-2) + Math.exp(-3)))],
    { atol: 1e-6 },
  );
  const p = randn([1, 2, 4, 4]);
  assertClose(new nn.MaxPool2d(2).call(p), F.maxPool2d(p, 2), { atol: 0, rtol: 0 });
  assertClose(new nn.AvgPool2d(2, { stride: 1 }).call(p), F.avgPool2d(p, { kernelSize: 2, stride: 1 }), {
    atol: 0,
    rtol: 0,
  });
  assertClose(new nn.AdaptiveAvgPool2d(1).call(p).flatten(1), new nn.GlobalAvgPool().call(p), { atol: 1e-6 });
  const id = new nn.Identity();
  assert.equal(id.call(x), x);
});

test('layer argument errors are clear', () => {
  assert.throws(() => new nn.Conv2d(3, 10, 5, { groups: 2 }), /Conv2d: inChannels 3 must be divisible by groups 2/);
  assert.throws(() => new nn.Conv2d(0, 10, 5), /inChannels must be a positive integer/);
  assert.throws(() => new nn.Conv2d(3, 10, [5, 0] as unknown as [number, number]), /kernelSize/);
  assert.throws(() => new nn.Linear(3, 1.5), /outFeatures must be a positive integer/);
  assert.throws(() => new nn.Conv2d(3, 10, 5).call(randn([1, 1, 8, 8])), /channels/);
  assert.throws(() => new nn.Dropout(1.5), /p must be in \[0, 1\]/);
  assert.throws(() => new nn.BatchNorm2d(3).call(randn([2, 3])), /BatchNorm2d: expected 4-D/);
  assert.throws(() => new nn.BatchNorm1d(3).call(randn([2, 4])), /has 4 channels but the layer has numFeatures=3/);
  assert.throws(() => new nn.BatchNorm1d(3, { momentum: 2 }), /momentum must be in \[0, 1\] or null/);
  assert.throws(() => new nn.Unflatten(1, [3, 3]).call(randn([2, 10])), /cannot be split into \[3, 3\]/);
  assert.throws(() => new nn.GlobalAvgPool().call(randn([2, 3])), /at least one spatial axis/);
  assert.throws(() => new nn.LocallyConnected2d(1, 2, 3, 5).call(randn([1, 1, 6, 6])), /built for \[5, 5\]/);
  assert.throws(() => new nn.LocallyConnected2d(1, 2, 6, 5), /does not fit/);
});

test('LeNet-5: 61,706 parameters (32x32 input, or 28x28 with padding 2)', () => {
  const lenet = (pad: number): Sequential =>
    new Sequential(
      new nn.Conv2d(1, 6, 5, { padding: pad }),
      new nn.Tanh(),
      new nn.AvgPool2d(2),
      new nn.Conv2d(6, 16, 5),
      new nn.Tanh(),
      new nn.AvgPool2d(2),
      new nn.Flatten(),
      new nn.Linear(400, 120),
      new nn.Tanh(),
      new nn.Linear(120, 84),
      new nn.Tanh(),
      new nn.Linear(84, 10),
    );
  const a = lenet(0),
    b = lenet(2);
  assert.equal(a.numParameters(), 156 + 2416 + 48120 + 10164 + 850);
  assert.equal(a.numParameters(), 61706);
  // padding changes no weight shape, so the MNIST version has the same count
  assert.equal(b.numParameters(), 61706);
  assert.deepEqual(shapeOf(a, [2, 1, 32, 32]), [2, 10]);
  assert.deepEqual(shapeOf(b, [2, 1, 28, 28]), [2, 10]);
});
