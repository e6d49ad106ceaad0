/**
 * explain.convMatrix: the convolution matrix of seed 001 (Toeplitz in 1-D, doubly block
 * Toeplitz in 2-D, circulant with circular padding), checked by multiplying it with vec(x) and
 * comparing with conv1d / conv2d, and by its diagonal structure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, F, manualSeed, randn, tensor, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

test('a 2x2 kernel on a 3x3 image: the 4 x 9 matrix by hand', () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]).reshape([1, 3, 3]);
  const w = tensor([1, 2, 3, 4]).reshape([1, 1, 2, 2]);
  const r = explain.convMatrix(x, w);
  // output (0,0) reads pixels 0,1 (row 0) and 3,4 (row 1) with taps w00 w01 w10 w11, etc.
  assert.deepEqual(r.matrix.shape, [4, 9]);
  assert.deepEqual(
    r.matrix.toFlatArray(),
    [
      [1, 2, 0, 3, 4, 0, 0, 0, 0],
      [0, 1, 2, 0, 3, 4, 0, 0, 0],
      [0, 0, 0, 1, 2, 0, 3, 4, 0],
      [0, 0, 0, 0, 1, 2, 0, 3, 4],
    ].flat(),
  );
  assert.deepEqual(r.labels[0], ['w00', 'w01', '', 'w10', 'w11', '', '', '', '']);
  // 1*1 + 2*2 + 4*3 + 5*4 = 37, then 47, 67, 77
  assert.deepEqual(r.product.toFlatArray(), [37, 47, 67, 77]);
  assert.deepEqual(r.conv.toFlatArray(), [37, 47, 67, 77]);
  assert.equal(r.structure, 'doubly block Toeplitz');
  assert.match(r.text, /^ {2}w00 w01 {3}\. \| w10 w11 {3}\. \| {3}\. {3}\. {3}\.$/m);
  assert.match(r.text, /check: W @ vec\(x\) = conv2d\(x\): max \|difference\| = 0\.0e\+0/);
});

/** W @ vec(x) (+ b) computed here with matmul, reshaped. */
function multiply(m: Tensor, x: Tensor, b: Tensor | null, outShape: number[]): Tensor {
  let y = m.matmul(x.reshape([x.size, 1])).reshape(outShape);
  if (b) y = y.add(b.reshape([b.size, ...outShape.slice(1).map(() => 1)]));
  return y;
}

test('W @ vec(x) + b equals conv2d / conv1d (stride, dilation, padding, channels, circular)', () => {
  manualSeed(11);
  const cases2: [number[], number[], Parameters<typeof explain.convMatrix>[3]][] = [
    [[2, 5, 6], [3, 2, 3, 3], {}],
    [[1, 6, 6], [2, 1, 3, 2], { stride: 2, padding: 1 }],
    [[2, 7, 5], [1, 2, 2, 2], { dilation: [2, 1], padding: 'same' }],
    [[1, 4, 4], [1, 1, 3, 3], { padding: 'full' }],
    [[1, 5, 5], [2, 1, 3, 3], { padding: 1, paddingMode: 'circular' }],
  ];
  for (const [xs, ws, o] of cases2) {
    const x = randn(xs),
      w = randn(ws),
      b = randn([ws[0]]);
    const r = explain.convMatrix(x, w, b, o);
    const y = F.conv2d(x.reshape([1, ...xs]), w, b, o as F.Conv2dOptions).reshape(r.outputShape);
    assertClose(multiply(r.matrix, x, b, r.outputShape), y, { atol: 1e-4 });
    assertClose(r.product, y, { atol: 1e-4 });
    assert.ok(r.maxAbsDiff < 1e-4, `${JSON.stringify(o)}: ${r.maxAbsDiff}`);
  }
  const x = randn([2, 9]),
    w = randn([3, 2, 3]);
  const r = explain.convMatrix(x, w, null, { stride: 2, dilation: 2, padding: 2 });
  const y = F.conv1d(x.reshape([1, 2, 9]), w, null, { stride: 2, dilation: 2, padding: 2 }).reshape(r.outputShape);
  assertClose(multiply(r.matrix, x, null, r.outputShape), y, { atol: 1e-4 });
  assert.equal(r.structure, 'Toeplitz');
});

test('structure: constant diagonals (Toeplitz), constant block diagonals, circulant wrap-around', () => {
  manualSeed(12);
  // 1-D, one channel, stride 1: W[i][j] depends on j - i only
  const t = explain.convMatrix(randn([1, 7]), randn([1, 1, 3]), null, { padding: 'same' });
  const [n] = t.matrix.shape;
  const at = (m: Tensor, i: number, j: number): number => m.data[i * m.shape[1] + j];
  for (let i = 1; i < n; i++) for (let j = 1; j < n; j++) assert.equal(at(t.matrix, i, j), at(t.matrix, i - 1, j - 1));
  // 2-D: the 4x4 blocks (output row a, input row b) depend on b - a only, and each block is Toeplitz
  const H = 4;
  const d = explain.convMatrix(randn([1, H, H]), randn([1, 1, 3, 3]), null, { padding: 1 });
  const block = (a: number, b: number): number[] =>
    Array.from({ length: H * H }, (_, k) => at(d.matrix, a * H + Math.floor(k / H), b * H + (k % H)));
  for (let a = 1; a < H; a++) for (let b = 1; b < H; b++) assert.deepEqual(block(a, b), block(a - 1, b - 1));
  assert.deepEqual(block(0, 3), new Array(H * H).fill(0)); // a 3x3 kernel never reaches 3 rows away
  // circular padding: every row is the previous one rotated (circulant)
  const c = explain.convMatrix(randn([1, 6]), randn([1, 1, 3]), null, { padding: 1, paddingMode: 'circular' });
  assert.equal(c.structure, 'circulant');
  for (let i = 1; i < 6; i++)
    for (let j = 0; j < 6; j++) assert.equal(at(c.matrix, i, j), at(c.matrix, i - 1, (j + 5) % 6));
});

test('convMatrix errors name the argument and the fix', () => {
  assert.throws(
    () => explain.convMatrix(randn([1, 4, 4]), randn([1, 2, 3, 3])),
    /convMatrix: input must be \(2, H, W\) for weight \[1, 2, 3, 3\], got shape \[1, 4, 4\]/,
  );
  assert.throws(
    () => explain.convMatrix(randn([2, 1, 4, 4]), randn([1, 1, 3, 3])),
    /must hold one sample, got a batch of 2/,
  );
  assert.throws(
    () => explain.convMatrix(randn([1, 2, 2]), randn([1, 1, 3, 3])),
    /does not fit in the padded input \[2, 2\]/,
  );
  assert.throws(
    () => explain.convMatrix(randn([1, 64, 64]), randn([8, 1, 3, 3])),
    /more than 1048576\); use a smaller input/,
  );
  assert.throws(() => explain.convMatrix(randn([1, 4, 4]), randn([1, 1, 3, 3]), randn([2])), /bias must be \(1\)/);
  assert.throws(
    () => explain.convMatrix(randn([1, 4, 4]), randn([1, 1, 3, 3]), null, { paddingMode: 'reflect' as never }),
    /paddingMode must be 'zeros' or 'circular'/,
  );
});
