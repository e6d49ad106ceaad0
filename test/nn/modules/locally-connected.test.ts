import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, randn, manualSeed, noGrad, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

test('LocallyConnected2d equals Conv2d when every position holds the same filters', () => {
  manualSeed(17);
  const conv = new nn.Conv2d(3, 4, [3, 2], { stride: [2, 1], padding: 1 });
  const lc = new nn.LocallyConnected2d(3, 4, [3, 2], [7, 6], { stride: [2, 1], padding: 1 });
  const [oh, ow] = lc.outputSize;
  assert.deepEqual(lc.weight.shape, [oh, ow, 4, 3, 3, 2]);
  const w = conv.weight.toFlatArray(),
    b = (conv.bias as Tensor).toFlatArray();
  noGrad(() => {
    for (let p = 0; p < oh * ow; p++) lc.weight.f32.set(w, p * w.length);
    const lb = (lc.bias as Tensor).f32;
    for (let o = 0; o < 4; o++) lb.fill(b[o], o * oh * ow, (o + 1) * oh * ow);
  });
  const x = randn([2, 3, 7, 6]);
  const y = lc.call(x);
  assert.deepEqual(y.shape, [2, 4, 4, 7]);
  assertClose(y, conv.call(x), { atol: 1e-5 });
  // unbatched input
  assertClose(lc.call(x.narrow(0, 1, 1).squeeze(0)), conv.call(x).narrow(0, 1, 1).squeeze(0), { atol: 1e-5 });
});

test('LocallyConnected2d does not share weights between positions', () => {
  manualSeed(18);
  const lc = new nn.LocallyConnected2d(2, 3, 2, 4, { bias: false });
  assert.equal(lc.numParameters(), 3 * 3 * 3 * 2 * 2 * 2);
  const x = randn([1, 2, 4, 4]);
  const before = lc.call(x);
  // change only the filters of output position (1, 2)
  noGrad(() => {
    const per = 3 * 2 * 2 * 2,
      p = 1 * 3 + 2;
    for (let i = 0; i < per; i++) lc.weight.f32[p * per + i] += 1;
  });
  const diff = lc.call(x).sub(before).abs().sum(1).toArray() as number[][][];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      if (i === 1 && j === 2) assert.ok(diff[0][i][j] > 0);
      else assert.equal(diff[0][i][j], 0, `position (${i}, ${j}) unchanged`);
    }
  // an unshared layer has many more parameters than the shared conv of the same window
  assert.ok(lc.numParameters() > new nn.Conv2d(2, 3, 2, { bias: false }).numParameters() * 8);
  assert.equal(F.conv2d(x, randn([3, 2, 2, 2])).shape.join(), lc.call(x).shape.join());
});

test('LocallyConnected2d gradcheck: input, weight and bias, with padding and stride', () => {
  manualSeed(19);
  const lc = new nn.LocallyConnected2d(2, 2, 2, [4, 3], { stride: [2, 1], padding: 1 });
  const x = randn([2, 2, 4, 3]);
  gradcheck((t) => lc.call(t), [x]);
  gradcheck(() => lc.call(x), [lc.weight, lc.bias as Tensor]);
  const same = new nn.LocallyConnected2d(1, 2, 3, 3, { padding: 'same', dilation: 1 });
  assert.deepEqual(same.outputSize, [3, 3]);
  gradcheck((t) => same.call(t), [randn([1, 1, 3, 3])]);
  // an even kernel with 'same' pads one more cell after, like Conv2d
  const even = new nn.LocallyConnected2d(1, 1, 2, 4, { padding: 'same' });
  const conv = new nn.Conv2d(1, 1, 2, { padding: 'same', bias: false });
  noGrad(() => {
    for (let p = 0; p < 16; p++) even.weight.f32.set(conv.weight.f32, p * 4);
    (even.bias as Tensor).fill_(0);
  });
  const xe = randn([1, 1, 4, 4]);
  assertClose(even.call(xe), conv.call(xe), { atol: 1e-6 });
});
