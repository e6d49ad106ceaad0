// The lectures' worked convolution examples (/work/shared/seeds), reproduced with F.
// Where a slide has an arithmetic slip, the test asserts the correct value and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, zeros, randn, manualSeed, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

const third = 1 / 3;

test('1-D convolution, 004: x = (4,1,1,2,3,5,8,13), w = (1,-2,1), no padding gives z_2..z_7', () => {
  const x = tensor([4, 1, 1, 2, 3, 5, 8, 13]);
  const w = tensor([1, -2, 1]);
  // z_2 = 4 - 2 + 1 = 3 and z_3 = 1 - 2 + 2 = 1 are on the slide; the rest follow from z_i = sum_k w_k x_{i+k}
  const z = F.correlate1d(x, w);
  assertClose(z, [3, 1, 0, 1, 1, 2]);
  // the kernel is symmetric, so the flip of true convolution changes nothing
  assertClose(F.convolve1d(x, w), [3, 1, 0, 1, 1, 2]);
  // and it is what a conv1d layer (N=1, C=1) computes
  assertClose(F.conv1d(x.reshape(1, 1, 8), w.reshape(1, 1, 3)), [3, 1, 0, 1, 1, 2]);
});

test('1-D convolution, 004: zero padding keeps the length: z_1 = -7, z_8 = -18', () => {
  const x = tensor([4, 1, 1, 2, 3, 5, 8, 13]);
  const w = tensor([1, -2, 1]);
  const same = F.correlate1d(x, w, 'same');
  assert.deepEqual(same.shape, [8]);
  assertClose(same, [-7, 3, 1, 0, 1, 1, 2, -18]);
  // padding = 1 on a conv1d layer and padding = 'same' agree
  assertClose(F.conv1d(x.reshape(1, 1, 8), w.reshape(1, 1, 3), null, { padding: 1 }), same.toArray() as number[]);
  assertClose(F.conv1d(x.reshape(1, 1, 8), w.reshape(1, 1, 3), null, { padding: 'same' }), same.toArray() as number[]);
});

test('1-D filter, 000: [1 2 3 4 5] with [1 0 -1] slides to [-2 -2 -2]', () => {
  // One slide writes position 0 as (1*1) + (2*0) + (2*-1) = -2: a slip, the third factor is the
  // signal value 3, not 2 (1 + 0 - 2 would be -1); the correct window sum 1 - 3 = -2 is asserted.
  const s = tensor([1, 2, 3, 4, 5]),
    f = tensor([1, 0, -1]);
  assertClose(F.correlate1d(s, f), [-2, -2, -2]);
  // true convolution flips the kernel to [-1 0 1]: the sign changes
  assertClose(F.convolve1d(s, f), [2, 2, 2]);
});

test('1-D box filter, 001: [10 50 60 10 20 40 30] blurred by [1/3 1/3 1/3]', () => {
  const f = tensor([10, 50, 60, 10, 20, 40, 30]);
  const g = tensor([third, third, third]);
  const h = F.convolve1d(f, g, 'same');
  // The slide prints h = [20 40 40 30 20 30 23.333]. h(4) = (10 + 20 + 40)/3 = 23.333, not 20:
  // a slip on the slide; the other six entries are right.
  assertClose(h, [20, 40, 40, 30, 70 / 3, 30, 70 / 3], { atol: 1e-4 });
  assertClose(h.slice(0, 3, 4), [30], { atol: 1e-4, msg: 'h(3), the value the slide asks for' });
});

test('2-D box filter, 001: the 10x10 image of 90s blurred by ones(3,3)/9 gives the 8x8 h on the slide', () => {
  const f = zeros([10, 10]);
  const d = f.f32;
  for (let r = 2; r <= 6; r++) for (let c = 3; c <= 7; c++) d[r * 10 + c] = 90;
  d[5 * 10 + 4] = 0; // the hole in the square
  d[8 * 10 + 2] = 90; // the stray pixel
  const g = zeros([3, 3]).add(1 / 9);
  const h = F.correlate2d(f, g);
  assertClose(
    h,
    [
      [0, 10, 20, 30, 30, 30, 20, 10],
      [0, 20, 40, 60, 60, 60, 40, 20],
      [0, 30, 60, 90, 90, 90, 60, 30],
      [0, 30, 50, 80, 80, 90, 60, 30],
      [0, 30, 50, 80, 80, 90, 60, 30],
      [0, 20, 30, 50, 50, 60, 40, 20],
      [10, 20, 30, 30, 30, 30, 20, 10],
      [10, 10, 10, 0, 0, 0, 0, 0],
    ],
    { atol: 1e-3 },
  );
  // a symmetric kernel: convolution and correlation agree
  assertClose(F.convolve2d(f, g), h, { atol: 1e-3 });
});

test('practice with linear filters, 001: identity, shift, sharpen; and the flip of true convolution', () => {
  manualSeed(3);
  const img = randn([5, 6]);
  const identity = tensor([
    [0, 0, 0],
    [0, 1, 0],
    [0, 0, 0],
  ]);
  assertClose(F.correlate2d(img, identity, 'same'), img, { msg: 'filtered (no change)' });
  // a 1 right of centre: h[m, n] = f[m, n+1], the image "shifted left by 1 pixel"
  const right = tensor([
    [0, 0, 0],
    [0, 0, 1],
    [0, 0, 0],
  ]);
  const shifted = F.correlate2d(img, right, 'same');
  const rows = img.toArray() as number[][];
  assertClose(
    shifted,
    rows.map((r) => [...r.slice(1), 0]),
  );
  // true convolution flips the kernel, so the same kernel shifts right instead ("notice the flip")
  assertClose(
    F.convolve2d(img, right, 'same'),
    rows.map((r) => [0, ...r.slice(0, -1)]),
  );
  // sharpening: 2 * identity - box accentuates differences with the local average
  const sharpen = identity.mul(2).sub(zeros([3, 3]).add(1 / 9));
  const expect = img.mul(2).sub(F.correlate2d(img, zeros([3, 3]).add(1 / 9), 'same'));
  assertClose(F.correlate2d(img, sharpen, 'same'), expect, { atol: 1e-5 });
});

// 004's 5x5 example. The first slide shows the kernel with -3 in the middle row, the worked
// slides use -2 (and their sums use -2): the tests use the worked kernel.
const x5 = tensor([
  [1, 0, 3, 0, 2],
  [0, 3, 4, 0, 2],
  [1, 0, 2, 0, 1],
  [8, 12, 0, 1, 0],
  [0, 6, 3, 2, 0],
]);
const k3 = tensor([
  [1, -1, 0],
  [0, 2, -2],
  [-1, 0, 2],
]);

test('5x5 input with a 3x3 filter, 004: the 3x3 feature map (cross-correlation, bias 0)', () => {
  // The slide's last row reads [31, -8, 1]. Its sum for (2, 1) is
  // 0*1 + 2*(-1) + 0*0 + 12*0 + 0*2 + 1*(-2) + 6*(-1) + 3*0 + 2*2 = -6, not -8: a slip.
  const y = F.conv2d(x5.reshape(1, 1, 5, 5), k3.reshape(1, 1, 3, 3), tensor([0]));
  assert.deepEqual(y.shape, [1, 1, 3, 3]);
  assertClose(y, [
    [
      [
        [2, 5, -1],
        [-15, -7, 2],
        [31, -6, 1],
      ],
    ],
  ]);
  assertClose(F.correlate2d(x5, k3), [
    [2, 5, -1],
    [-15, -7, 2],
    [31, -6, 1],
  ]);
  // unbatched (C, H, W) input works like PyTorch
  assertClose(F.conv2d(x5.reshape(1, 5, 5), k3.reshape(1, 1, 3, 3)), [
    [
      [2, 5, -1],
      [-15, -7, 2],
      [31, -6, 1],
    ],
  ]);
});

test('5x5 input with a 3x3 filter and stride 2, 004: a 2x2 map of every other window', () => {
  const y = F.conv2d(x5.reshape(1, 1, 5, 5), k3.reshape(1, 1, 3, 3), null, { stride: 2 });
  assertClose(y, [
    [
      [
        [2, -1],
        [31, 1],
      ],
    ],
  ]);
  // with the -3 kernel of the first slide: the windows at (0,0) and (0,2) change by -x[1][2] and -x[1][4]
  const k3b = tensor([
    [1, -1, 0],
    [0, 2, -3],
    [-1, 0, 2],
  ]);
  assertClose(F.conv2d(x5.reshape(1, 1, 5, 5), k3b.reshape(1, 1, 3, 3), null, { stride: 2 }), [
    [
      [
        [-2, -3],
        [31, 1],
      ],
    ],
  ]);
});

test('5x5 input with zero-padding 1, 004: a 5x5 output, same size as the input', () => {
  const y = F.conv2d(x5.reshape(1, 1, 5, 5), k3.reshape(1, 1, 3, 3), null, { padding: 1 });
  assert.deepEqual(y.shape, [1, 1, 5, 5]);
  // the inner 3x3 is the unpadded result; the border windows overlap the zeros
  assertClose(y, [
    [
      [
        [8, 2, 3, -4, 4],
        [-7, 2, 5, -1, 2],
        [26, -15, -7, 2, -1],
        [3, 31, -6, 1, -3],
        [-20, 2, 14, 3, 1],
      ],
    ],
  ]);
  // the slide's explicitly zero-padded 7x7 input gives the same
  const padded = tensor([
    [0, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 3, 0, 2, 0],
    [0, 0, 3, 4, 0, 2, 0],
    [0, 1, 0, 2, 0, 1, 0],
    [0, 8, 12, 0, 1, 0, 0],
    [0, 0, 6, 3, 2, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
  ]);
  assertClose(F.correlate2d(padded, k3), y.reshape(5, 5));
  assertClose(F.conv2d(x5.reshape(1, 1, 5, 5), k3.reshape(1, 1, 3, 3), null, { padding: 'same' }), y);
});

const edge6 = tensor(Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]));
const vertical = tensor([
  [-1, 0, 1],
  [-1, 0, 1],
  [-1, 0, 1],
]);

test('6x6 vertical edge, 000: [[10 10 10 0 0 0]]x6 with [[-1 0 1]]x3', () => {
  // The slides print a 3x4 result with rows [0 30 -30 0]. Both parts are slips: a 3x3 kernel
  // on a 6x6 image gives 4x4 (one slide does show 4 rows), and every row is constant-sign.
  // With cross-correlation (what the slide's "slide the filter" means, and what conv2d does)
  // each row is [0 -30 -30 0]; with true convolution (kernel flipped to [1 0 -1]) it is
  // [0 30 30 0], the familiar "bright band at the edge".
  const corr = F.correlate2d(edge6, vertical);
  assert.deepEqual(corr.shape, [4, 4]);
  assertClose(
    corr,
    Array.from({ length: 4 }, () => [0, -30, -30, 0]),
  );
  assertClose(
    F.convolve2d(edge6, vertical),
    Array.from({ length: 4 }, () => [0, 30, 30, 0]),
  );
  assertClose(F.conv2d(edge6.reshape(1, 1, 6, 6), vertical.reshape(1, 1, 3, 3)), corr.reshape(1, 1, 4, 4));
});

test('6x6 vertical edge with stride 2, 000: a 2x2 map', () => {
  // The stride-2 slides repeat the stride-1 matrix; the correct stride-2 result keeps
  // windows at columns 0 and 2 and rows 0 and 2.
  const y = F.conv2d(edge6.reshape(1, 1, 6, 6), vertical.reshape(1, 1, 3, 3), null, { stride: 2 });
  assertClose(y, [
    [
      [
        [0, -30],
        [0, -30],
      ],
    ],
  ]);
});

test('6x6 input with a [[1 0 -1]]x3 kernel, 002: the first of 16 placements is -2', () => {
  // rows alternate 1..6 and 6..1 as on the slide; its sum for (0,0) is
  // 1*1+2*0+3*(-1) + 6*1+5*0+4*(-1) + 1*1+2*0+3*(-1) = -2
  const rows = Array.from({ length: 6 }, (_, r) => (r % 2 === 0 ? [1, 2, 3, 4, 5, 6] : [6, 5, 4, 3, 2, 1]));
  const y = F.correlate2d(
    tensor(rows),
    tensor([
      [1, 0, -1],
      [1, 0, -1],
      [1, 0, -1],
    ]),
  );
  assert.deepEqual(y.shape, [4, 4], '4 x 4 = 16 placements');
  assertClose(y.slice(0, 0, 1).slice(1, 0, 1), [[-2]]);
  // rows starting on a 6..1 row have two decreasing rows: +2 +2 -2 = 2
  assertClose(y, [
    [-2, -2, -2, -2],
    [2, 2, 2, 2],
    [-2, -2, -2, -2],
    [2, 2, 2, 2],
  ]);
});

test('output-size table, 000: 32x32 input, 3x3 kernel', () => {
  assert.equal(F.convOutputSize(32, 3, { padding: 0, stride: 1 }), 30);
  assert.equal(F.convOutputSize(32, 3, { padding: 1, stride: 1 }), 32);
  assert.equal(F.convOutputSize(32, 3, { padding: 2, stride: 2 }), 17);
  // "to keep the same output size, pad by floor(k/2)" (odd k)
  for (const k of [3, 5, 7]) assert.equal(F.convOutputSize(32, k, { padding: Math.floor(k / 2) }), 32);
  // and conv2d produces those shapes
  manualSeed(1);
  const x = randn([1, 1, 32, 32]),
    w = randn([1, 1, 3, 3]);
  assert.deepEqual(F.conv2d(x, w).shape, [1, 1, 30, 30]);
  assert.deepEqual(F.conv2d(x, w, null, { padding: 1 }).shape, [1, 1, 32, 32]);
  assert.deepEqual(F.conv2d(x, w, null, { padding: 2, stride: 2 }).shape, [1, 1, 17, 17]);
});

test('7x7 input with a 3x3 filter, 003: stride 1 -> 5, stride 2 -> 3, stride 3 does not fit; pad 1 -> 7', () => {
  assert.equal(F.convOutputSize(7, 3, { stride: 1 }), 5);
  assert.equal(F.convOutputSize(7, 3, { stride: 2 }), 3);
  // (7 - 3)/3 + 1 = 2.33: the windows do not tile the input; like PyTorch we floor to 2 and
  // the last column is never covered
  assert.equal(F.convOutputSize(7, 3, { stride: 3 }), 2);
  assert.equal(F.convOutputSize(7, 3, { stride: 1, padding: 1 }), 7);
  const x = zeros([1, 1, 7, 7]);
  x.f32[6] = 100; // only the uncovered last column is non-zero
  const y = F.conv2d(x, zeros([1, 1, 3, 3]).add(1), null, { stride: 3 });
  assert.deepEqual(y.shape, [1, 1, 2, 2]);
  assertClose(y, [
    [
      [
        [0, 0],
        [0, 0],
      ],
    ],
  ]);
  // "full padding" (002): k-1 per side makes every input cell reach every kernel tap
  assert.equal(F.convOutputSize(7, 3, { padding: 'full' }), 9);
});

test('32x32x3 with six 5x5x3 filters, 000/001/003: 28x28x6 and 450 weights', () => {
  manualSeed(2);
  const x = randn([1, 3, 32, 32]);
  const w = randn([6, 3, 5, 5]);
  const b = randn([6]);
  const y = F.conv2d(x, w, b);
  assert.deepEqual(y.shape, [1, 6, 28, 28], '28 = 32 - 5 + 1');
  assert.equal(w.size, 450, '5*5*3 = 75 weights per filter, 6 filters');
  // one activation: the 3x5x5 chunk at the top-left dotted with filter 0, plus its bias
  let s = b.data[0];
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        s += x.data[c * 1024 + i * 32 + j] * w.data[c * 25 + i * 5 + j];
      }
  assertClose([y.data[0]], [s], { atol: 1e-4 });
});

test('32x32x3 with ten 5x5 filters, stride 1, pad 2, 003: 32x32x10 and 760 parameters', () => {
  const x = zeros([1, 3, 32, 32]);
  const w = zeros([10, 3, 5, 5]),
    b = zeros([10]);
  assert.deepEqual(F.conv2d(x, w, b, { stride: 1, padding: 2 }).shape, [1, 10, 32, 32]);
  assert.equal(w.size + b.size, 760, '(5*5*3 + 1) * 10');
});

test('receptive field, 000: L stacked 3x3 convolutions see L*(k-1)+1 pixels', () => {
  // push an impulse through stacked all-ones 3x3 convs; the non-zero footprint is the receptive field
  for (const L of [1, 2, 3]) {
    let y: Tensor = zeros([1, 1, 9, 9]);
    y.f32[4 * 9 + 4] = 1;
    for (let l = 0; l < L; l++) y = F.conv2d(y, zeros([1, 1, 3, 3]).add(1), null, { padding: 1 });
    const nz = Array.from(y.data).filter((v) => v !== 0).length;
    assert.equal(nz, (L * 2 + 1) ** 2, `L=${L}`);
  }
});

test('shape walk-throughs, 001/003/004: 32 -> 28 -> 24 with 5x5 filters; conv 3x3 pad 1 then 2x2 pool', () => {
  // 003: "32x32 input convolved repeatedly with 5x5 filters shrinks volumes spatially (32 -> 28 -> 24)"
  let y: Tensor = zeros([1, 3, 32, 32]);
  const sizes: number[] = [];
  for (let l = 0; l < 2; l++) {
    y = F.conv2d(y, zeros([3, 3, 5, 5]));
    sizes.push(y.shape[2]);
  }
  assert.deepEqual(sizes, [28, 24]);
  // 001: k=3, s=1, p=1 keeps w_out = w_in; the example ConvNet's "10x3x3 conv filters, stride 1,
  // pad 1" then "2x2 pool filters, stride 2" take a 3x32x32 CIFAR image to 10x32x32, then 10x16x16
  const conv = F.conv2d(zeros([1, 3, 32, 32]), zeros([10, 3, 3, 3]), zeros([10]), { stride: 1, padding: 1 });
  assert.deepEqual(conv.shape, [1, 10, 32, 32]);
  assert.deepEqual(F.maxPool2d(conv, { kernelSize: 2, stride: 2 }).shape, [1, 10, 16, 16]);
  // 004: C_out = K filters, H2 = (H1 - F + 2P)/S + 1 with F = 3, S = 2, P = 1 on a 5x5 input
  assert.deepEqual(
    F.conv2d(zeros([1, 2, 5, 5]), zeros([4, 2, 3, 3]), null, { stride: 2, padding: 1 }).shape,
    [1, 4, 3, 3],
  );
  assert.equal(F.convOutputSize(5, 3, { stride: 2, padding: 1 }), (5 - 3 + 2) / 2 + 1);
});
