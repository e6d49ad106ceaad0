/**
 * summary(): receptive field, jump, start, MACs and activation memory per layer, checked against
 * hand computations (LeNet-5, VGG-16, ResNet-18, GoogLeNet) and against the measured footprint
 * of an impulse pushed backwards through linear stacks (all-ones weights, no ReLU/max).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, zeros, Tensor } from '../../src/index.js';
import { Sequential } from '../../src/nn/index.js';
import { summary } from '../../src/train/index.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { vgg16 } from '../../src/models/vgg.js';
import { PadShortcut, ResNet } from '../../src/models/resnet.js';
import { googlenet } from '../../src/models/googlenet.js';

// RF recurrences (per axis, window k taps, dilation d, stride s, padding p):
//   rf' = rf + (d(k-1)) * jump,  jump' = jump * s,  start' = start + (d(k-1)/2 - p) * jump
// starting from rf = 1, jump = 1, start = 0 (pixel i centred at i).

test('summary of LeNet-5: receptive fields, jumps, starts by hand', () => {
  // conv1 5x5 p2:  rf = 1 + 4*1 = 5,   jump 1, start = 0 + (2 - 2)*1 = 0
  // pool1 2x2/2:   rf = 5 + 1*1 = 6,   jump 2, start = 0 + 0.5*1 = 0.5
  // conv2 5x5:     rf = 6 + 4*2 = 14,  jump 2, start = 0.5 + 2*2 = 4.5
  // pool2 2x2/2:   rf = 14 + 1*2 = 16, jump 4, start = 4.5 + 0.5*2 = 5.5
  // flatten 5x5:   rf = 16 + (5-1)*4 = 32 (the hull of all 25 units), start = 5.5 + 2*4 = 13.5;
  //                Linear layers see all of it: 32 (more than the 28 input pixels: padding)
  const s = summary(lenet5(), [1, 28, 28]);
  const rf = s.rows.map((r) => r.receptiveField?.[0]);
  assert.deepEqual(rf, [5, 5, 6, 14, 14, 16, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(
    s.rows.map((r) => r.receptiveField?.[1]),
    rf,
  );
  assert.deepEqual(
    s.rows.slice(0, 6).map((r) => r.jump),
    [
      [1, 1],
      [1, 1],
      [2, 2],
      [2, 2],
      [2, 2],
      [4, 4],
    ],
  );
  assert.equal(s.rows[6].jump, null); // flattened
  assert.deepEqual(
    s.rows.slice(0, 7).map((r) => r.start?.[0]),
    [0, 0, 0.5, 4.5, 4.5, 5.5, 13.5],
  );
  assert.match(s.text, /^5 \(MaxPool2d\) +16 +4 +5\.5 +0 +1\.56 KB$/m);
  assert.match(s.text, /^0 \(Conv2d\) +5 +1 +0 +117,600 +18\.38 KB$/m);
});

test('summary of LeNet-5: MACs and activation memory by hand', () => {
  // conv1: 6 maps x 28x28 outputs x (1 channel x 5x5) = 117,600
  // conv2: 16 maps x 10x10 outputs x (6 channels x 5x5) = 240,000
  // fc:    400x120 + 120x84 + 84x10 = 48,000 + 10,080 + 840 = 58,920
  // total: 117,600 + 240,000 + 58,920 = 416,520
  const s = summary(lenet5(), [1, 28, 28]);
  assert.deepEqual(
    s.rows.filter((r) => r.macs > 0).map((r) => r.macs),
    [117600, 240000, 48000, 10080, 840],
  );
  assert.equal(s.totalMacs, 416520);
  assert.match(s.text, /Total MACs: 416,520 /);
  // outputs, float32: 2x(6*28*28) + 6*14*14 + 2x(16*10*10) + 2x(16*5*5) + 2x120 + 2x84 + 10 elements
  const elems = 2 * 4704 + 1176 + 2 * 1600 + 2 * 400 + 2 * 120 + 2 * 84 + 10;
  assert.equal(s.activationBytes, elems * 4);
  assert.equal(s.rows[0].activationBytes, 6 * 28 * 28 * 4);
  // batch 3: MACs and memory scale with the batch
  const s3 = summary(lenet5(), [1, 28, 28], { batchSize: 3 });
  assert.equal(s3.totalMacs, 3 * 416520);
  assert.equal(s3.activationBytes, 3 * elems * 4);
});

test('summary of VGG-16: receptive fields by hand (212 after the last pool)', () => {
  // 3x3 p1 convs add 2*jump, 2x2/2 pools add 1*jump and double it:
  // stage 1 (jump 1): 3, 5;            pool1: 6, jump 2
  // stage 2 (jump 2): 10, 14;          pool2: 16, jump 4
  // stage 3 (jump 4): 24, 32, 40;      pool3: 44, jump 8
  // stage 4 (jump 8): 60, 76, 92;      pool4: 100, jump 16
  // stage 5 (jump 16): 132, 164, 196;  pool5: 212, jump 32
  // so the last conv (conv5_3) sees 196 pixels and pool5 212; the 7x7 adaptive pool of a 7x7
  // map is the identity (212); flattening 7x7 units 32 apart: 212 + 6*32 = 404.
  // Starts: the pools shift by jump/2: 0.5, 1.5, 3.5, 7.5, 15.5.
  // Widths do not change any of this, so a thin VGG-16 keeps the test fast.
  const s = summary(vgg16({ width: 1 / 16, hidden: 8, numClasses: 10 }), [3, 224, 224]);
  const convs = s.rows.filter((r) => r.type === 'Conv2d').map((r) => r.receptiveField?.[0]);
  assert.deepEqual(convs, [3, 5, 10, 14, 24, 32, 40, 60, 76, 92, 132, 164, 196]);
  const pools = s.rows.filter((r) => r.type === 'MaxPool2d');
  assert.deepEqual(
    pools.map((r) => r.receptiveField?.[0]),
    [6, 16, 44, 100, 212],
  );
  assert.deepEqual(
    pools.map((r) => r.jump?.[0]),
    [2, 4, 8, 16, 32],
  );
  assert.deepEqual(
    pools.map((r) => r.start?.[0]),
    [0.5, 1.5, 3.5, 7.5, 15.5],
  );
  const row = (name: string) => s.rows.find((r) => r.name === name);
  assert.deepEqual(row('features')?.receptiveField, [212, 212]);
  assert.deepEqual(row('avgpool')?.receptiveField, [212, 212]);
  assert.deepEqual(row('classifier.0')?.receptiveField, [404, 404]);
  assert.match(s.text, /^ {2}features\.28 \(Conv2d\) +196 +16 +7\.5 /m);
  assert.match(s.text, /^ {2}features\.30 \(MaxPool2d\) +212 +32 +15\.5 /m);
  // MACs of a conv row: outputs x in x 9 (conv1_1: 4 maps x 224x224 x 3 x 9)
  assert.equal(row('features.0')?.macs, 4 * 224 * 224 * 3 * 9);
});

test('summary of ResNet-18 and GoogLeNet: the merged field is the hull of the branches', () => {
  // ResNet-18 stem: 7x7/2 -> 7 (jump 2); 3x3/2 pool -> 11 (jump 4).
  // layer1 (jump 4): four 3x3 convs, +8 each -> 43; the identity path adds nothing, so the sum
  // of a block sees what its conv path sees.
  // layer2: first 3x3 has stride 2: 43 + 8 = 51 (jump 8), then 3x +16 -> 99; layer3: 99 + 16 = 115
  // (jump 16), then 3x +32 -> 211; layer4: 211 + 32 = 243 (jump 32), then 3x +64 -> 435.
  const r = new ResNet('basic', [2, 2, 2, 2], [2, 2, 2, 2], { numClasses: 3, inChannels: 3, stem: 'imagenet' });
  const s = summary(r, [3, 64, 64]);
  const rf = (name: string) => s.rows.find((x) => x.name === name)?.receptiveField?.[0];
  assert.deepEqual(
    ['maxpool', 'layer1.0', 'layer1', 'layer2.0', 'layer2', 'layer3', 'layer4'].map(rf),
    [11, 27, 43, 67, 99, 211, 435],
  );
  assert.equal(rf('layer2.0.downsample'), 43); // the 1x1/2 projection only: smaller than the block's
  assert.deepEqual(s.rows.find((x) => x.name === 'layer4')?.jump, [32, 32]);
  // GoogLeNet: conv1 7x7/2 -> 7, pool 3x3/2 -> 11 (jump 4), conv2 1x1, conv3 3x3 -> 19,
  // pool 3x3/2 -> 27 (jump 8); inception3a's widest branch is 1x1 then 3x3: 27 + 2*8 = 43.
  const g = summary(googlenet({ numClasses: 3, auxLogits: false }), [3, 64, 64], { depth: 1 });
  const grf = (name: string) => g.rows.find((x) => x.name === name)?.receptiveField?.[0];
  assert.deepEqual(['maxpool2', 'inception3a', 'inception3b'].map(grf), [27, 43, 59]);
});

/**
 * The measured field of output unit (i, j): the input pixels whose gradient is non-zero when
 * every weight is 1 and there is no ReLU or max (so nothing cancels or is dropped).
 */
function measured(model: nn.Module, inShape: number[], idx: number[]): { lo: number; hi: number } {
  for (const p of model.parameters()) p.data.fill(1);
  const x = zeros(inShape).requiresGrad_(true);
  const y = model.call(x);
  const g = new Float32Array(y.size);
  const [, , H, W] = y.shape;
  g[(idx[0] * H + idx[1]) * W + idx[2]] = 1;
  y.backward(new Tensor(g, y.shape));
  const gx = (x.grad as Tensor).toFlatArray();
  const w = inShape[3];
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < gx.length; i++)
    if (gx[i] !== 0) {
      lo = Math.min(lo, i % w);
      hi = Math.max(hi, i % w);
    }
  return { lo, hi };
}

test('summary fields equal the measured footprint of one unit (dilation, stride, avg pool, transposed conv)', () => {
  const stacks: [string, () => Sequential][] = [
    [
      'dilated',
      () => new Sequential(new nn.Conv2d(1, 1, 3, { dilation: 2 }), new nn.Conv2d(1, 1, 3, { stride: 2, padding: 1 })),
    ],
    [
      'avgpool',
      () =>
        new Sequential(
          new nn.Conv2d(1, 1, 5, { padding: 2 }),
          new nn.AvgPool2d(3, { stride: 2 }),
          new nn.Conv2d(1, 1, 3),
        ),
    ],
    [
      'transposed',
      () =>
        new Sequential(
          new nn.Conv2d(1, 1, 3, { stride: 2 }),
          new nn.ConvTranspose2d(1, 1, 4, { stride: 2, padding: 1 }),
        ),
    ],
    [
      'same-even',
      () => new Sequential(new nn.Conv2d(1, 1, 4, { padding: 'same' }), new nn.Conv2d(1, 1, 2, { stride: 2 })),
    ],
  ];
  for (const [name, make] of stacks) {
    const m = make();
    const s = summary(m, [1, 40, 40]);
    const last = s.rows[s.rows.length - 1];
    const [rf, jump, start] = [last.receptiveField?.[1], last.jump?.[1], last.start?.[1]];
    assert.ok(rf && jump && start !== undefined, name);
    const outW = last.outputShape[3];
    // an interior unit (its field does not reach the padding)
    for (const j of [Math.floor(outW / 2), Math.floor(outW / 2) + 1]) {
      const { lo, hi } = measured(m, [1, 1, 40, 40], [0, Math.floor(last.outputShape[2] / 2), j]);
      assert.equal(hi - lo + 1, rf, `${name}: unit ${j} sees [${lo}, ${hi}], summary says RF ${rf}`);
      // after a transposed conv the units of one stride period alternate: centre within jump/2
      const slack = name === 'transposed' ? jump / 2 : 0;
      assert.ok(Math.abs((lo + hi) / 2 - (start + j * jump)) <= slack, `${name}: unit ${j} centre ${(lo + hi) / 2}`);
    }
  }
});

test('summary: residual blocks, flattened heads and layers it cannot see through', () => {
  const block = new nn.Residual(
    new Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(2, 2, 3, { padding: 1 })),
  );
  const s = summary(new Sequential(block, new nn.GlobalAvgPool(), new nn.Linear(2, 3)), [2, 9, 9]);
  assert.deepEqual(
    s.rows.map((r) => r.receptiveField?.[0]),
    [5, 5, 3, 3, 5, 13, 13],
  );
  assert.equal(s.rows[5].fieldNote, 'flattened: the field is the hull over every position');
  // an MLP has no spatial axes: empty fields, MACs = 20*5 + 5*2
  const mlp = summary(new Sequential(new nn.Flatten(), new nn.Linear(20, 5), new nn.Linear(5, 2)), [20]);
  assert.deepEqual(mlp.rows[1].receptiveField, []);
  assert.equal(mlp.totalMacs, 110);
  // after a Linear every unit sees the whole 4x4 input; unflattened, every position still does (jump 0)
  const dec = summary(
    new Sequential(
      new nn.Flatten(),
      new nn.Linear(16, 16),
      new nn.Unflatten(1, [1, 4, 4]),
      new nn.Conv2d(1, 1, 3, { padding: 1 }),
    ),
    [1, 4, 4],
  );
  assert.deepEqual(dec.rows[3].receptiveField, [4, 4]);
  assert.deepEqual(dec.rows[3].jump, [0, 0]);
  // ResNet's option-A shortcut keeps every 2nd cell: a 1x1 window of stride 2
  const pad = summary(new Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new PadShortcut(2, 4, 2)), [2, 8, 8]);
  assert.deepEqual(
    [pad.rows[1].receptiveField, pad.rows[1].jump],
    [
      [3, 3],
      [2, 2],
    ],
  );
  // a layer whose window summary does not know
  const lc = summary(new Sequential(new nn.LocallyConnected2d(1, 2, 3, 8), new nn.ReLU()), [1, 8, 8]);
  assert.equal(lc.rows[0].receptiveField, null);
  assert.match(lc.rows[1].fieldNote ?? '', /LocallyConnected2d does not expose its stride and padding/);
  assert.match(lc.text, /RF n\/a at 0: LocallyConnected2d does not expose/);
  assert.equal(lc.rows[0].macs, 2 * 6 * 6 * 1 * 9);
});
