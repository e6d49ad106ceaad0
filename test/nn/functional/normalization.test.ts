import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, ones, rand, randn, tensor, zeros, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

test("batchNorm in training: the lecture's formula with eps, and running statistics updated in place", () => {
  // channel 0 holds [1, 3] (mean 2, biased var 1), channel 1 holds [2, 6] (mean 4, biased var 4).
  // Lecture 000 writes z_hat = (z - mu_B) / sqrt(sigma_B^2); PyTorch (and we) add eps inside
  // the root: (z - mu_B) / sqrt(sigma_B^2 + eps). The slide leaves eps out.
  const x = tensor([
    [1, 2],
    [3, 6],
  ]);
  const rm = zeros([2]),
    rv = ones([2]);
  const eps = 1e-5;
  const y = F.batchNorm(x, rm, rv, tensor([2, 1]), tensor([0.5, -1]), { training: true });
  const a = 1 / Math.sqrt(1 + eps),
    b = 2 / Math.sqrt(4 + eps);
  assertClose(
    y,
    [
      [-2 * a + 0.5, -b - 1],
      [2 * a + 0.5, b - 1],
    ],
    { atol: 1e-6 },
  );
  // running = 0.9 * running + 0.1 * batch stat, with the UNBIASED variance (2 and 8)
  assertClose(rm, [0.2, 0.4], { atol: 1e-7 });
  assertClose(rv, [0.9 + 0.2, 0.9 + 0.8], { atol: 1e-6 });
  // momentum 0.5 and no affine parameters
  const rm2 = tensor([1, 1]),
    rv2 = tensor([1, 1]);
  const y2 = F.batchNorm(x, rm2, rv2, null, null, { training: true, momentum: 0.5, eps: 0 });
  assertClose(
    y2,
    [
      [-1, -1],
      [1, 1],
    ],
    { atol: 1e-6 },
  );
  assertClose(rm2, [1.5, 2.5]);
  assertClose(rv2, [1.5, 4.5]);
  // training without running statistics just normalises with the batch statistics
  assertClose(
    F.batchNorm(x, null, null, null, null, { training: true, eps: 0 }),
    [
      [-1, -1],
      [1, 1],
    ],
    { atol: 1e-6 },
  );
});

test('batchNorm in evaluation uses the running statistics and leaves them alone', () => {
  const x = tensor([
    [1, 2],
    [3, 6],
    [0, 0],
  ]);
  const rm = tensor([1, 2]),
    rv = tensor([4, 0.25]);
  const y = F.batchNorm(x, rm, rv, tensor([2, 1]), tensor([0, 1]), { eps: 0 });
  assertClose(
    y,
    [
      [0, 1],
      [2, 9],
      [-1, -3],
    ],
    { atol: 1e-6 },
  );
  assertClose(rm, [1, 2]);
  assertClose(rv, [4, 0.25]);
});

test('batchNorm over (N, C, L) and (N, C, H, W) normalises every channel over batch and space', () => {
  manualSeed(1);
  for (const shape of [
    [4, 3, 5],
    [2, 3, 4, 5],
  ]) {
    const x = randn(shape).mul(3).add(2);
    const rm = zeros([3]),
      rv = ones([3]);
    const y = F.batchNorm(x, rm, rv, null, null, { training: true });
    // the same as batch-normalising the (N * spatial, C) matrix of channel vectors
    const perm = shape.length === 3 ? [0, 2, 1] : [0, 2, 3, 1];
    const flat = x.permute(perm).reshape(-1, 3);
    const rmF = zeros([3]),
      rvF = ones([3]);
    const yF = F.batchNorm(flat, rmF, rvF, null, null, { training: true });
    assertClose(y.permute(perm).reshape(-1, 3), yF, { atol: 1e-5 });
    assertClose(rm, rmF, { atol: 1e-6 });
    assertClose(rv, rvF, { atol: 1e-6 });
    const m = flat.mean(0),
      v = flat.var(0);
    assertClose(rm, m.mul(0.1), { atol: 1e-5 });
    assertClose(rv, v.mul(0.1).add(0.9), { atol: 1e-4 });
    assertClose(yF.mean(0), [0, 0, 0], { atol: 1e-5 });
    assertClose(yF.var(0, { unbiased: false }), [1, 1, 1], { atol: 1e-3 });
  }
});

test('batchNorm gradients by finite differences (training and evaluation)', () => {
  manualSeed(2);
  for (const shape of [
    [5, 3],
    [3, 2, 4],
    [2, 3, 2, 3],
  ]) {
    const c = shape[1];
    const stats = (): [Tensor, Tensor] => [zeros([c]), ones([c])];
    gradcheck(
      (x, w, b) => F.batchNorm(x, ...stats(), w, b, { training: true }),
      [randn(shape), randn([c]), randn([c])],
      { msg: `train ${shape}` },
    );
    gradcheck((x) => F.batchNorm(x, null, null, null, null, { training: true, eps: 1e-3 }), [randn(shape).mul(2)], {
      msg: `train plain ${shape}`,
    });
    const rm = randn([c]),
      rv = rand([c]).add(0.5);
    gradcheck((x, w, b) => F.batchNorm(x, rm, rv, w, b), [randn(shape), randn([c]), randn([c])], {
      msg: `eval ${shape}`,
    });
  }
});

test('batchNorm errors', () => {
  const x = zeros([4, 3]);
  assert.throws(
    () => F.batchNorm(zeros([1, 3]), zeros([3]), ones([3]), null, null, { training: true }),
    /batchNorm: expected more than 1 value per channel when training, got input \[1, 3\]/,
  );
  assert.throws(
    () => F.batchNorm(x, null, null),
    /batchNorm: runningMean and runningVar are required in evaluation mode/,
  );
  assert.throws(
    () => F.batchNorm(x, zeros([4]), ones([4]), null, null, { training: true }),
    /batchNorm: runningMean \[4\] must have shape \[3\]/,
  );
  assert.throws(
    () => F.batchNorm(x, zeros([3]), ones([3]), zeros([2])),
    /batchNorm: weight \[2\] must have shape \[3\]/,
  );
  assert.throws(
    () => F.batchNorm(zeros([3]), zeros([3]), ones([3])),
    /batchNorm: input must be \(N, C, \.\.\.\) with at least 2 axes, got \[3\]/,
  );
});

test('layerNorm: values, affine parameters and gradients', () => {
  // [1, 2, 3]: mean 2, biased var 2/3
  const s = Math.sqrt(2 / 3 + 1e-5);
  assertClose(F.layerNorm(tensor([[1, 2, 3]]), [3]), [[-1 / s, 0, 1 / s]], { atol: 1e-6 });
  assertClose(
    F.layerNorm(
      tensor([
        [1, 2, 3],
        [5, 5, 5],
      ]),
      3,
      tensor([1, 2, 3]),
      tensor([0, 1, 0]),
    ),
    [
      [-1 / s, 1, 3 / s],
      [0, 1, 0],
    ],
    { atol: 1e-5 },
  );
  manualSeed(3);
  const x = randn([2, 3, 4]);
  assertClose(F.layerNorm(x, [3, 4]).reshape(2, 12), F.layerNorm(x.reshape(2, 12), [12]), { atol: 1e-6 });
  gradcheck((a, w, b) => F.layerNorm(a, [4], w, b), [randn([3, 4]), randn([4]), randn([4])], { msg: 'ln 1 axis' });
  gradcheck(
    (a, w, b) => F.layerNorm(a, [2, 3], w, b, { eps: 1e-3 }),
    [randn([2, 2, 3]), randn([2, 3]), randn([2, 3])],
    { msg: 'ln 2 axes' },
  );
  gradcheck((a) => F.layerNorm(a, [5]), [randn([5]).mul(2)], { msg: 'ln plain' });
  assert.throws(
    () => F.layerNorm(x, [3]),
    /layerNorm: normalizedShape \[3\] must match the trailing axes of input \[2, 3, 4\]/,
  );
  assert.throws(() => F.layerNorm(x, [4], zeros([3])), /layerNorm: weight \[3\] must have shape \[4\]/);
});

test("localResponseNorm: PyTorch's window and divisor, AlexNet's parameters, gradients", () => {
  // x = [1, 2, 3] over channels, size 2: windows [c-1, c] -> sums of squares 1, 5, 13;
  // y = x / (k + alpha/size * sum)^beta with alpha = 1, beta = 1, k = 1
  const x = tensor([1, 2, 3], [1, 3, 1, 1]);
  assertClose(F.localResponseNorm(x, 2, { alpha: 1, beta: 1, k: 1 }), [1 / 1.5, 2 / 3.5, 3 / 7.5], { atol: 1e-6 });
  // size 3: windows [c-1, c+1] -> 5, 14, 13, always divided by size = 3
  assertClose(
    F.localResponseNorm(x, 3, { alpha: 3, beta: 0.5, k: 0 }),
    [1 / Math.sqrt(5), 2 / Math.sqrt(14), 3 / Math.sqrt(13)],
    { atol: 1e-6 },
  );
  // AlexNet: size 5, alpha 1e-4, beta 0.75, k 2 against the direct formula
  manualSeed(4);
  const a = randn([2, 7, 2, 3]).mul(10);
  const y = F.localResponseNorm(a, 5, { alpha: 1e-4, beta: 0.75, k: 2 });
  const ad = a.data,
    expected: number[] = [];
  for (let n = 0; n < 2; n++)
    for (let c = 0; c < 7; c++)
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let q = Math.max(0, c - 2); q <= Math.min(6, c + 2); q++) s += ad[(n * 7 + q) * 6 + j] ** 2;
        expected.push(ad[(n * 7 + c) * 6 + j] / (2 + (1e-4 / 5) * s) ** 0.75);
      }
  assertClose(y, expected, { atol: 1e-5, rtol: 1e-5 });
  for (const size of [1, 2, 3, 4]) {
    gradcheck((t) => F.localResponseNorm(t, size, { alpha: 0.5, beta: 0.75, k: 1 }), [randn([2, 5, 3])], {
      msg: `lrn size ${size}`,
    });
  }
  gradcheck((t) => F.localResponseNorm(t, 3), [randn([1, 4, 2, 2])], { msg: 'lrn 4-D defaults' });
  assert.throws(
    () => F.localResponseNorm(zeros([2, 3]), 2),
    /localResponseNorm: input must be \(N, C, \.\.\.\) with at least 3 axes, got \[2, 3\]/,
  );
  assert.throws(
    () => F.localResponseNorm(zeros([1, 2, 3]), 0),
    /localResponseNorm: size must be a positive integer, got 0/,
  );
});

test('normalize divides by the Lp norm along an axis, zero vectors stay zero', () => {
  assertClose(
    F.normalize(
      tensor([
        [3, 4],
        [0, 0],
      ]),
    ),
    [
      [0.6, 0.8],
      [0, 0],
    ],
  );
  assertClose(
    F.normalize(
      tensor([
        [3, 4],
        [1, -1],
      ]),
      { p: 1 },
    ),
    [
      [3 / 7, 4 / 7],
      [0.5, -0.5],
    ],
    { atol: 1e-6 },
  );
  assertClose(
    F.normalize(
      tensor([
        [3, 1],
        [4, 1],
      ]),
      { dim: 0 },
    ),
    [
      [0.6, Math.SQRT1_2],
      [0.8, Math.SQRT1_2],
    ],
    { atol: 1e-6 },
  );
  const z = zeros([2, 3]).requiresGrad_();
  F.normalize(z).sum().backward();
  assert.ok(Array.from((z.grad as Tensor).data).every(Number.isFinite));
  manualSeed(5);
  gradcheck((t) => F.normalize(t), [randn([3, 4])], { msg: 'p2 dim1' });
  gradcheck((t) => F.normalize(t, { p: 3, dim: -1 }), [randn([2, 3, 2])], { msg: 'p3 last' });
  const away = randn([2, 4]);
  away.f32.forEach((v, i) => {
    if (Math.abs(v) < 0.1) away.f32[i] = 0.5;
  });
  gradcheck((t) => F.normalize(t, { p: 1, dim: 0 }), [away], { msg: 'p1 dim0' });
});
