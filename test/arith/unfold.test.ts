/**
 * F.unfold / F.fold: PyTorch golden values (test/fixtures/torch/unfold.json, written by
 * scripts/gen-unfold-fixtures.py), finite-difference gradients, adjointness, convolution as
 * weight @ unfold(x), and the errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, randn, Tensor } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';
import { checkCase, loadFixtures, req, size2 } from '../golden/golden.js';

for (const c of loadFixtures('unfold')) {
  test(`golden ${c.name}`, () => {
    const k = c.kwargs;
    const opts = { dilation: size2(k.dilation), padding: size2(k.padding), stride: size2(k.stride) };
    const kernel = size2(k.kernel_size);
    checkCase(c, (inp) =>
      c.op === 'unfold'
        ? F.unfold(req(inp, 'input'), kernel, opts)
        : F.fold(req(inp, 'input'), size2(k.output_size), kernel, opts),
    );
  });
}

test('unfold of a 3x3 image by 2x2 windows lists each window as a column', () => {
  const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 1, 3, 3]);
  const u = F.unfold(x, 2);
  assert.deepEqual(u.shape, [1, 4, 4]);
  // columns = windows at (0,0), (0,1), (1,0), (1,1); rows = kernel taps (0,0), (0,1), (1,0), (1,1)
  assert.deepEqual(u.toFlatArray(), [1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]);
  // fold sums overlaps: the centre 5 is covered by all four windows
  assert.deepEqual(F.fold(u, 3, 2).toFlatArray(), [1, 4, 3, 8, 20, 12, 7, 16, 9]);
});

test('unfold and fold: finite-difference gradients', () => {
  manualSeed(3);
  const cases: [number[], number | [number, number], F.UnfoldOptions][] = [
    [[2, 2, 5, 4], 3, { padding: 1 }],
    [[1, 3, 6, 7], [2, 3], { stride: [2, 1], dilation: [1, 2] }],
    [[1, 1, 7, 7], 3, { dilation: 2, padding: 2, stride: 3 }],
  ];
  for (const [shape, k, o] of cases) {
    gradcheck((a) => F.unfold(a, k, o), [randn(shape)], { msg: `unfold ${shape} ${String(k)}` });
    const cols = F.unfold(randn(shape), k, o);
    gradcheck((a) => F.fold(a, [shape[2], shape[3]], k, o), [randn(cols.shape)], { msg: `fold ${shape}` });
  }
});

test('fold is the adjoint of unfold: <unfold(x), y> = <x, fold(y)>', () => {
  manualSeed(4);
  const x = randn([2, 3, 6, 5]);
  const o = { padding: [1, 2] as [number, number], stride: 2, dilation: [2, 1] as [number, number] };
  const ux = F.unfold(x, [3, 2], o);
  const y = randn(ux.shape);
  const fy = F.fold(y, [6, 5], [3, 2], o);
  assert.deepEqual(fy.shape, x.shape);
  const dot = (a: Tensor, b: Tensor): number => a.toFlatArray().reduce((s, v, i) => s + v * b.toFlatArray()[i], 0);
  const lhs = dot(ux, y),
    rhs = dot(x, fy);
  assert.ok(Math.abs(lhs - rhs) < 1e-4 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

test('conv2d = weight.view(out, -1) @ unfold(x), reshaped', () => {
  manualSeed(5);
  const x = randn([2, 3, 7, 6]),
    w = randn([4, 3, 3, 2]);
  const o = { stride: 2, padding: 1, dilation: [1, 2] as [number, number] };
  const y = F.conv2d(x, w, null, o);
  const cols = F.unfold(x, [3, 2], o); // (2, 18, L)
  const prod = w.reshape([4, 18]).matmul(cols); // (2, 4, L)
  assertClose(prod.reshape([...y.shape]), y, { atol: 1e-4 });
});

test('unfold/fold: unbatched inputs, autograd round trip and errors', () => {
  const x = randn([2, 4, 4]);
  assert.deepEqual(F.unfold(x, 2, { stride: 2 }).shape, [8, 4]);
  assert.deepEqual(F.fold(F.unfold(x, 2, { stride: 2 }), 4, 2, { stride: 2 }).toFlatArray(), x.toFlatArray());
  const a = randn([1, 1, 4, 4]).requiresGrad_(true);
  F.unfold(a, 2).sum().backward();
  // d/dx sum(unfold(x)) = how many 2x2 windows cover each cell
  assert.deepEqual(a.grad?.toFlatArray(), [1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1]);
  assert.throws(
    () => F.unfold(randn([1, 1, 2, 2]), 3),
    /unfold: the height kernel 3 .* does not fit in the padded height 2/,
  );
  assert.throws(
    () => F.unfold(randn([4, 4]), 2),
    /unfold: input must be \(N, C, H, W\) or \(C, H, W\), got shape \[4, 4\]/,
  );
  assert.throws(() => F.unfold(x, 2, { strides: 2 } as never), /unfold: unknown option 'strides'/);
  assert.throws(() => F.unfold(x, 0), /unfold: kernelSize must be a positive integer/);
  assert.throws(
    () => F.fold(randn([1, 7, 4]), 3, 2),
    /fold: input's dimension 1 \(7\) must be divisible by the kernel area 2\*2 = 4/,
  );
  assert.throws(
    () => F.fold(randn([1, 4, 5]), 3, 2),
    /fold: input's last dimension must be the number of blocks 2\*2 = 4 .* got 5/,
  );
});
