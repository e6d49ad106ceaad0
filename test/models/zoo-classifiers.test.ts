// The lecture's classic classifiers: AlexNet, VGG, GoogLeNet (inception), ResNet. Parameter counts
// are checked against torchvision's published numbers; the 61M/138M AlexNet/VGG counts come from
// their layer plans (initialising 138M random weights takes seconds), and a reduced real build
// shows that plan and module agree. No forward pass runs at 224x224.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alexnet,
  alexnetParameterCount,
  vgg16,
  vgg11,
  vggParameterCount,
  InceptionModule,
  BasicConv2d,
  googlenet,
  resnet18,
  resnet50,
  resnet20,
  resnetCifar,
  BasicBlock,
  Bottleneck,
  PadShortcut,
} from '../../src/models/index.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { BatchNorm2d, LocalResponseNorm } from '../../src/nn/layers/normalization.js';
import { ReLU } from '../../src/nn/layers/activation.js';
import { MaxPool2d } from '../../src/nn/layers/pooling.js';
import { Sequential, type Module } from '../../src/nn/module.js';
import { summary } from '../../src/train/summary.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn, randint } from '../../src/tensor/creation.js';
import { noGrad } from '../../src/autograd/engine.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { SGD } from '../../src/optim/sgd.js';
import { assertClose, gradcheck } from '../helpers/check.js';

function layers<T>(m: Module, cls: new (...a: never[]) => T): T[] {
  return [...m.modules()].filter((x): x is T & Module => x instanceof cls) as T[];
}

function std(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s / v.length);
}

const convSpec = (c: Conv2d): number[] => [
  c.inChannels,
  c.outChannels,
  c.kernelSize[0],
  c.options.stride as number,
  c.options.padding as number,
];

test('alexnet: torchvision 61,100,840 and original 62,378,344 parameters; plan = built module', () => {
  assert.equal(alexnetParameterCount(), 61_100_840);
  assert.equal(alexnetParameterCount({ numClasses: 10 }), 61_100_840 - 4096 * 990 - 990);
  // original: 96@11x11/4, 256@5x5, 384, 384, 256 @3x3, fc 9216-4096-4096-1000 (no grouping)
  const convs =
    3 * 96 * 121 + 96 + 96 * 256 * 25 + 256 + 256 * 384 * 9 + 384 + 384 * 384 * 9 + 384 + 384 * 256 * 9 + 256;
  assert.equal(
    alexnetParameterCount({ original: true }),
    convs + 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000,
  );
  assert.equal(alexnetParameterCount({ original: true }), 62_378_344);

  manualSeed(1);
  const m = alexnet({ numClasses: 10, hidden: 32 });
  assert.equal(m.numParameters(), alexnetParameterCount({ numClasses: 10, hidden: 32 }));
  assert.deepEqual(layers(m, Conv2d).map(convSpec), [
    [3, 64, 11, 4, 2],
    [64, 192, 5, 1, 2],
    [192, 384, 3, 1, 1],
    [384, 256, 3, 1, 1],
    [256, 256, 3, 1, 1],
  ]);
  assert.equal(layers(m, LocalResponseNorm).length, 0);
  assert.ok(m.stateDict().has('classifier.1.weight'), 'torchvision parameter names');
  m.eval();
  const s = summary(m, [3, 63, 63]); // the smallest input the three 3x3/2 pools allow
  assert.deepEqual(s.rows.find((r) => r.name === 'features')!.outputShape, [1, 256, 1, 1]);
  assert.deepEqual(s.outputShape, [1, 10]);

  const o = alexnet({ original: true, numClasses: 10, hidden: 16 });
  assert.deepEqual(
    layers(o, Conv2d).map((c) => c.outChannels),
    [96, 256, 384, 384, 256],
  );
  const lrn = layers(o, LocalResponseNorm);
  assert.deepEqual(
    lrn.map((l) => [l.size, l.alpha, l.beta, l.k]),
    [
      [5, 1e-4, 0.75, 2],
      [5, 1e-4, 0.75, 2],
    ],
  );
  // LRN follows the ReLU of conv1 and conv2, before the pool
  const f = o.features;
  assert.ok(
    f.at(0) instanceof Conv2d &&
      f.at(1) instanceof ReLU &&
      f.at(2) instanceof LocalResponseNorm &&
      f.at(3) instanceof MaxPool2d,
  );
  assert.deepEqual(noGrad(() => o.eval().call(randn([1, 3, 67, 67]))).shape, [1, 10]);
  assert.throws(() => alexnet({ dropout: 1 }), /alexnet: dropout must be in \[0, 1\), got 1/);
});

test('vgg: torchvision parameter counts for 11/13/16/19 with and without batch norm', () => {
  const expected: [11 | 13 | 16 | 19, number, number][] = [
    [11, 132_863_336, 132_868_840],
    [13, 133_047_848, 133_053_736],
    [16, 138_357_544, 138_365_992],
    [19, 143_667_240, 143_678_248],
  ];
  for (const [d, plain, bn] of expected) {
    assert.equal(vggParameterCount(d), plain, `vgg${d}`);
    assert.equal(vggParameterCount(d, { batchNorm: true }), bn, `vgg${d}_bn`);
  }
  // vgg16 by hand: 13 convs + 3 fc
  const w = [3, 64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
  let n = 0;
  for (let i = 0; i + 1 < w.length; i++) n += w[i] * w[i + 1] * 9 + w[i + 1];
  n += 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000;
  assert.equal(n, 138_357_544);
});

test('vgg: a reduced vgg16_bn builds exactly its plan and classifies 32x32 images', () => {
  manualSeed(2);
  const opts = { batchNorm: true, numClasses: 10, width: 1 / 16, hidden: 32, poolSize: 1 };
  const m = vgg16(opts);
  assert.equal(m.numParameters(), vggParameterCount(16, opts));
  // torchvision init: conv He-normal fan-out, Linear N(0, 0.01), zero biases
  const fc = layers(m, Linear)[1];
  assert.ok(Math.abs(std(fc.weight.f32) - 0.01) < 2e-3, `fc std ${std(fc.weight.f32)}`);
  assert.ok(Array.from(fc.bias!.data).every((v) => v === 0));
  const convs = layers(m, Conv2d);
  assert.equal(convs.length, 13);
  assert.deepEqual(
    convs.map((c) => c.outChannels),
    [4, 4, 8, 8, 16, 16, 16, 32, 32, 32, 32, 32, 32],
  );
  assert.ok(convs.every((c) => c.kernelSize[0] === 3 && c.options.padding === 1));
  assert.equal(layers(m, BatchNorm2d).length, 13);
  assert.equal(layers(m, MaxPool2d).length, 5);
  m.eval();
  const s = summary(m, [3, 32, 32]);
  assert.deepEqual(s.rows.find((r) => r.name === 'features')!.outputShape, [1, 32, 1, 1]);
  assert.deepEqual(noGrad(() => m.call(randn([2, 3, 32, 32]))).shape, [2, 10]);
  assert.equal(layers(vgg11({ width: 1 / 16, hidden: 8 }), Conv2d).length, 8);
  assert.throws(() => vggParameterCount(12 as 11), /vgg: depth must be 11, 13, 16 or 19, got 12/);
});

test('InceptionModule: inception (3a) maps 192 channels to 256 at 28x28', () => {
  manualSeed(3);
  const m = new InceptionModule(192, 64, 96, 128, 16, 32, 32);
  assert.equal(m.outChannels, 256);
  // BasicConv2d = conv without bias + BatchNorm (2 params per channel); the 5x5 branch is 5x5 by default
  const bc = (i: number, o: number, k: number): number => i * o * k * k + 2 * o;
  const expected = bc(192, 64, 1) + bc(192, 96, 1) + bc(96, 128, 3) + bc(192, 16, 1) + bc(16, 32, 5) + bc(192, 32, 1);
  assert.equal(m.numParameters(), expected);
  assert.equal(new InceptionModule(192, 64, 96, 128, 16, 32, 32, { branch5Kernel: 3 }).numParameters(), 155_872); // torchvision's
  m.eval();
  assert.deepEqual(summary(m, [192, 28, 28]).outputShape, [1, 256, 28, 28]);
  assert.throws(
    () => noGrad(() => m.call(randn([1, 191, 28, 28]))),
    /InceptionModule: expected input \(N, 192, H, W\), got \[1, 191, 28, 28\]/,
  );
});

test('InceptionModule: branch outputs are concatenated in order and gradients reach every branch', () => {
  manualSeed(4);
  const m = new InceptionModule(6, 3, 2, 4, 2, 5, 2);
  // torchvision's Inception names: branch1, branch2.0/1, branch3.0/1, branch4.1 (after the pool)
  assert.deepEqual(
    [...m.namedChildren()].map(([n]) => n),
    ['branch1', 'branch2', 'branch3', 'branch4'],
  );
  assert.ok(m.stateDict().has('branch2.1.conv.weight') && m.stateDict().has('branch4.1.bn.running_mean'));
  const x = randn([2, 6, 5, 5]).requiresGrad_(true);
  const y = m.call(x);
  assert.deepEqual(y.shape, [2, 14, 5, 5]);
  // channels [0,3) = 1x1 branch, [3,7) = 3x3 branch, [7,12) = 5x5 branch, [12,14) = pool projection
  const widths = [3, 4, 5, 2];
  let c0 = 0;
  noGrad(() => {
    for (let b = 0; b < 4; b++) {
      assertClose(y.detach().narrow(1, c0, widths[b]), m.at(b).call(x.detach()), { atol: 1e-6, msg: `branch ${b}` });
      c0 += widths[b];
    }
  });
  y.mul(randn(y.shape)).sum().backward();
  assert.ok(x.grad && Array.from(x.grad.data).some((v) => v !== 0));
  for (let b = 0; b < 4; b++) {
    for (const conv of layers(m.at(b), Conv2d)) {
      const g = conv.weight.grad;
      assert.ok(
        g && Array.from(g.data).some((v) => v !== 0),
        `branch ${b} conv ${conv.inChannels}->${conv.outChannels} gets a gradient`,
      );
    }
  }
  assert.throws(
    () => new InceptionModule(6, 3, 0, 4, 2, 5, 2),
    /InceptionModule: c3x3reduce must be a positive integer, got 0/,
  );
});

test('InceptionModule and BasicBlock: input gradients match finite differences (eval mode)', () => {
  manualSeed(9);
  // Eval mode: BatchNorm applies its running statistics, so each block is a fixed piecewise-linear
  // map. With BN bias 0 a ReLU -> conv (no bias) -> BN -> ReLU chain has pre-activations that are
  // exactly 0 wherever the first ReLU is dead, a kink that central differences straddle; shifting
  // the BN biases to about 1 keeps the pre-activations away from the kinks (by more than eps = 1e-2).
  const shiftBn = (m: Module): void => {
    noGrad(() => {
      for (const bn of layers(m, BatchNorm2d)) bn.bias!.copy_(randn(bn.bias!.shape).mul(0.1).add(1));
    });
  };
  const inc = new InceptionModule(3, 2, 2, 3, 2, 2, 2).eval();
  shiftBn(inc);
  gradcheck((x) => inc.call(x), [randn([1, 3, 4, 4])]);
  const block = new BasicBlock(2, 4, 2).eval();
  shiftBn(block);
  gradcheck((x) => block.call(x), [randn([1, 2, 4, 4])]);
});

test('googlenet: torchvision 6,624,904 parameters (13,004,888 with aux); aux logits in training only', () => {
  manualSeed(5);
  const g = googlenet({ auxLogits: true, init: 'default' }); // 'default' skips the N(0, 0.01) re-draw of 13M weights
  const aux = g.getSubmodule('aux1').numParameters() + g.getSubmodule('aux2').numParameters();
  assert.equal(g.numParameters(), 13_004_888);
  assert.equal(g.numParameters() - aux, 6_624_904);
  assert.deepEqual(
    g.inceptions.map((i) => i.outChannels),
    [256, 480, 512, 512, 512, 528, 832, 832, 1024],
  );
  g.train();
  const y = g.call(randn([2, 3, 32, 32]));
  assert.deepEqual(y.shape, [2, 1000]);
  assert.ok(g.auxOutputs !== null);
  assert.deepEqual(
    g.auxOutputs.map((a) => a.shape),
    [
      [2, 1000],
      [2, 1000],
    ],
  );
  g.eval();
  noGrad(() => g.call(randn([1, 3, 32, 32])));
  assert.equal(g.auxOutputs, null);
  const small = googlenet({ numClasses: 10 });
  assert.equal(small.numParameters(), 6_624_904 - (1024 * 1000 + 1000) + (1024 * 10 + 10));
  assert.ok(layers(small, BasicConv2d).length > 0 && [...small.namedChildren()].every(([n]) => !n.startsWith('aux')));
  assert.ok(
    Math.abs(std((small.getSubmodule('fc') as Linear).weight.f32) - 0.01) < 1e-3,
    'torchvision init: N(0, 0.01)',
  );
  small.eval();
  const s = summary(small, [3, 64, 64]);
  assert.deepEqual(s.rows.find((r) => r.name === 'inception3a')!.outputShape, [1, 256, 8, 8]);
  assert.deepEqual(s.rows.find((r) => r.name === 'inception5b')!.outputShape, [1, 1024, 2, 2]);
  assert.deepEqual(s.outputShape, [1, 10]);
});

test("googlenet transformInput: torchvision's transform_input re-normalisation before the stem", () => {
  manualSeed(12);
  const g = googlenet({ numClasses: 5, transformInput: true, init: 'default' }).eval();
  const plain = googlenet({ numClasses: 5, init: 'default' }).eval();
  plain.loadStateDict(g.stateDict());
  const x = randn([1, 3, 32, 32]);
  // channel c: x * (std_c / 0.5) + (mean_c - 0.5) / 0.5 with ImageNet's mean and std
  const std = [0.229, 0.224, 0.225],
    mean = [0.485, 0.456, 0.406];
  const t = x.clone();
  t.data.forEach((v, i) => {
    const c = Math.floor(i / 1024);
    t.data[i] = v * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5;
  });
  assertClose(
    noGrad(() => g.call(x)),
    noGrad(() => plain.call(t)),
    { atol: 1e-5 },
  );
  assert.throws(
    () => googlenet({ inChannels: 1, transformInput: true }),
    /transformInput needs 3 \(RGB\) input channels/,
  );
});

test('resnet18 / resnet50: torchvision 11,689,512 and 25,557,032 parameters; stage shapes', () => {
  manualSeed(6);
  // init 'default' keeps the layers' own initialisation: the He-normal re-draw would double the cost
  const r18 = resnet18({ init: 'default' });
  assert.equal(r18.numParameters(), 11_689_512);
  assert.ok(r18.stateDict().has('layer4.1.conv1.weight') && r18.stateDict().has('fc.weight'));
  assert.ok(r18.stateDict().has('layer2.0.downsample.1.running_var'), "torchvision's downsample path");
  r18.eval();
  const s = summary(r18, [3, 32, 32]);
  const shape = (n: string): number[] => s.rows.find((r) => r.name === n)!.outputShape;
  assert.deepEqual(
    [shape('maxpool'), shape('layer1'), shape('layer2'), shape('layer3'), shape('layer4')],
    [
      [1, 64, 8, 8],
      [1, 64, 8, 8],
      [1, 128, 4, 4],
      [1, 256, 2, 2],
      [1, 512, 1, 1],
    ],
  );
  assert.deepEqual(s.outputShape, [1, 1000]);
  const r50 = resnet50({ init: 'default' });
  assert.equal(r50.numParameters(), 25_557_032);
  assert.deepEqual(
    layers(r50, Bottleneck).map((b) => b.planes),
    [64, 64, 64, 128, 128, 128, 128, 256, 256, 256, 256, 256, 256, 512, 512, 512],
  );
});

test('BasicBlock with stride 2: 1x1 conv projection downsample, y = relu(bn2(conv2(...)) + downsample(x))', () => {
  manualSeed(7);
  const b = new BasicBlock(4, 8, 2);
  const sc = b.downsample as Sequential;
  assert.ok(sc instanceof Sequential && sc.at(0) instanceof Conv2d && sc.at(1) instanceof BatchNorm2d);
  assert.deepEqual(convSpec(sc.at(0) as Conv2d), [4, 8, 1, 2, 0]);
  assert.equal((sc.at(0) as Conv2d).bias, null);
  // torchvision's names and order
  assert.deepEqual(
    [...b.namedChildren()].map(([n]) => n),
    ['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'downsample'],
  );
  b.eval(); // running statistics: deterministic
  const x = randn([2, 4, 6, 6]);
  const y = noGrad(() => b.call(x));
  assert.deepEqual(y.shape, [2, 8, 3, 3]);
  const body = (t: typeof x): typeof x => b.bn2.call(b.conv2.call(b.bn1.call(b.conv1.call(t)).relu()));
  const expected = noGrad(() => body(x).add(sc.call(x)).relu());
  assertClose(y, expected, { atol: 1e-6 });
  assert.equal(new BasicBlock(8, 8, 1).downsample, null, 'identity shortcut when the shape is kept');
  // Bottleneck(16, 4): 16 -> 4 -> 4 -> 4*4 = 16 channels, identity shortcut; from 8 channels it projects
  const bott = new Bottleneck(16, 4, 1);
  assert.equal(bott.downsample, null);
  assert.deepEqual(
    [...bott.namedChildren()].map(([n]) => n),
    ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'relu'],
  );
  assert.equal(bott.numParameters(), 16 * 4 + 8 + 4 * 4 * 9 + 8 + 4 * 16 + 32);
  assert.ok(new Bottleneck(8, 4, 1).downsample instanceof Sequential);
  assert.deepEqual(noGrad(() => new Bottleneck(8, 4, 2).eval().call(randn([1, 8, 6, 6]))).shape, [1, 16, 3, 3]);
});

test('resnet20: 269,722 parameters (option A), 272,474 with projections; zero-pad shortcut; trains', () => {
  manualSeed(8);
  const m = resnet20();
  assert.equal(m.numParameters(), 269_722);
  // He-normal fan-out: std sqrt(2 / (64 * 9)) for the last stage's 64->64 convs
  const w = layers(m, Conv2d)
    .filter((c) => c.inChannels === 64)
    .flatMap((c) => Array.from(c.weight.f32));
  assert.ok(Math.abs(std(w) - Math.sqrt(2 / 576)) < 2e-3, `std ${std(w)}`);
  assert.equal(resnetCifar({ depth: 20, shortcut: 'B' }).numParameters(), 272_474);
  assert.equal(layers(resnetCifar({ depth: 32 }), BasicBlock).length, 15);
  assert.throws(() => resnetCifar({ depth: 21 }), /resnetCifar: depth must be 6n \+ 2/);
  // option A: x[:, :, ::2, ::2] with (32 - 16) / 2 zero channels on each side
  const p = new PadShortcut(2, 4, 2);
  const x = randn([1, 2, 4, 4]);
  const y = p.call(x);
  assert.deepEqual(y.shape, [1, 4, 2, 2]);
  const v = (t: typeof x, c: number, h: number, w: number): number => t.data[(c * t.shape[2] + h) * t.shape[3] + w];
  for (let h = 0; h < 2; h++)
    for (let w = 0; w < 2; w++) {
      assert.deepEqual(
        [v(y, 0, h, w), v(y, 1, h, w), v(y, 2, h, w), v(y, 3, h, w)],
        [0, v(x, 0, 2 * h, 2 * w), v(x, 1, 2 * h, 2 * w), 0],
      );
    }
  // a few SGD steps on one tiny batch lower the loss; gradients reach the stem
  const xb = randn([4, 3, 8, 8]),
    t = randint(0, 10, [4]);
  const opt = new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) {
    opt.zeroGrad();
    const loss = crossEntropy(m.call(xb), t);
    loss.backward();
    losses.push(loss.item());
    opt.step();
  }
  assert.ok(Array.from((m.getSubmodule('conv1') as Conv2d).weight.grad!.data).some((g) => g !== 0));
  assert.ok(losses[5] < 0.5 * losses[0], `loss ${losses.map((l) => l.toFixed(3)).join(' ')}`);
});
