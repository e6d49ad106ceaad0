// F.maxPool1d/2d, avgPool1d/2d, lpPool1d/2d: values (checked against PyTorch 1.13 by hand),
// PyTorch's output-size and ceil-mode rules, argmax indices, and finite-difference gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, arange, randn, rand, randperm, manualSeed, Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

/** Distinct values 0.1 apart (shuffled): max pooling has no near-ties for finite differences (eps 1e-2). */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const p = randperm(n).data;
  return tensor(
    Float32Array.from(p, (v) => v * 0.1 - n * 0.05),
    shape,
  );
}

test('maxPool2d: padding never wins, dilation spreads the window', () => {
  const x = arange(25).reshape(1, 1, 5, 5);
  // torch.max_pool2d(-x, 3, 2, 1): padded cells are -inf, so the corner windows pick real cells
  assertClose(F.maxPool2d(x.neg(), { kernelSize: 3, stride: 2, padding: 1 }), [
    [
      [
        [-0, -1, -3],
        [-5, -6, -8],
        [-15, -16, -18],
      ],
    ],
  ]);
  // torch.max_pool2d(x, 2, 1, 0, dilation=2): windows {i, i+2} x {j, j+2}
  assertClose(F.maxPool2d(x, { kernelSize: 2, stride: 1, dilation: 2 }), [
    [
      [
        [12, 13, 14],
        [17, 18, 19],
        [22, 23, 24],
      ],
    ],
  ]);
});

test('maxPool1d / avgPool1d: ceil mode keeps a last partial window', () => {
  const x = tensor([[[1, 2, 3, 4, 5]]]);
  assertClose(F.maxPool1d(x, { kernelSize: 2, ceilMode: true }), [[[2, 4, 5]]]);
  assertClose(F.maxPool1d(x, 2), [[[2, 4]]]);
  // PyTorch divides a ceil-mode overhang window by its in-bounds size
  assertClose(F.avgPool1d(x, { kernelSize: 2, ceilMode: true }), [[[1.5, 3.5, 5]]]);
  assertClose(F.avgPool1d(x, { kernelSize: 2, padding: 1, ceilMode: true }), [[[0.5, 2.5, 4.5]]]);
  assertClose(F.avgPool1d(x, { kernelSize: 2, padding: 1, ceilMode: true, countIncludePad: false }), [[[1, 2.5, 4.5]]]);
  const y = tensor([[[1, 2, 3, 4, 5, 6]]]);
  assertClose(F.maxPool1d(y, { kernelSize: 2, padding: 1, ceilMode: true }), [[[1, 3, 5, 6]]]);
  assertClose(F.avgPool1d(y, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [[[1, 3, 5, 3]]]);
});

test('ceil mode: the last window must start inside the input or the left padding', () => {
  // L=3, k=2, s=2, p=1: ceil((3+2-2)/2)+1 = 3 windows, but the third would start at 3 = L (in the right padding)
  assert.deepEqual(F.maxPool1d(tensor([[[1, 2, 3]]]), { kernelSize: 2, padding: 1, ceilMode: true }).shape, [1, 1, 2]);
  // L=4, k=1, s=2: the third window would start at 4
  assert.deepEqual(
    F.avgPool1d(tensor([[[1, 2, 3, 4]]]), { kernelSize: 1, stride: 2, ceilMode: true }).shape,
    [1, 1, 2],
  );
  assert.deepEqual(F.maxPool2d(randn([1, 1, 7, 7]), { kernelSize: 2, ceilMode: true }).shape, [1, 1, 4, 4]);
});

test('avgPool2d: countIncludePad and divisorOverride', () => {
  const x = arange(25).reshape(1, 1, 5, 5);
  const third = 1 / 3;
  assertClose(
    F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
    [
      [
        [
          [4 * third, 3, 8 * third],
          [7, 12, 9],
          [8, 13, 28 * third],
        ],
      ],
    ],
    { atol: 1e-5 },
  );
  assertClose(F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [
    [
      [
        [3, 4.5, 6],
        [10.5, 12, 13.5],
        [18, 19.5, 21],
      ],
    ],
  ]);
  assertClose(F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, divisorOverride: 4 }), [
    [
      [
        [3, 6.75, 6],
        [15.75, 27, 20.25],
        [18, 29.25, 21],
      ],
    ],
  ]);
  // a bare kernel size, unbatched input
  assertClose(F.avgPool2d(arange(16).reshape(1, 4, 4), 2), [
    [
      [2.5, 4.5],
      [10.5, 12.5],
    ],
  ]);
});

test('maxPool2d returnIndices: flat h*W+w indices per plane; 1-D indices are positions', () => {
  const x = tensor([
    [
      [
        [1, 5, 2, 0],
        [3, 4, 8, 7],
      ],
      [
        [9, 0, 0, 1],
        [2, 2, 3, 6],
      ],
    ],
  ]);
  const [v, i] = F.maxPool2d(x, { kernelSize: 2, returnIndices: true });
  assertClose(v, [[[[5, 8]], [[9, 6]]]]);
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.toArray(), [[[[1, 6]], [[0, 7]]]]);
  const [v1, i1] = F.maxPool1d(tensor([[3, 1, 4, 1, 5, 9]]), { kernelSize: 3, returnIndices: true });
  assertClose(v1, [[4, 9]]);
  assert.deepEqual(i1.toArray(), [[2, 5]]);
  const plain = F.maxPool2d(x, { kernelSize: 2, returnIndices: false });
  assert.ok(plain instanceof Tensor);
});

test('lpPool: p=2 is the L2 norm of each window, p=1 the sum (PyTorch formula)', () => {
  // torch lp_pool1d([3,4,1,2,2], 2, 2) = [5, sqrt(5)]
  assertClose(F.lpPool1d(tensor([[[3, 4, 1, 2, 2]]]), 2, 2), [[[5, Math.sqrt(5)]]], { atol: 1e-5 });
  manualSeed(3);
  const x = rand([1, 2, 4, 6]);
  const l2 = F.lpPool2d(x, 2, [2, 3]);
  const ref = F.avgPool2d(x.square(), [2, 3]).mul(6).sqrt();
  assertClose(l2, ref, { atol: 1e-5 });
  assertClose(F.lpPool2d(x, 1, 2, { stride: 1 }), F.avgPool2d(x, { kernelSize: 2, stride: 1 }).mul(4), { atol: 1e-5 });
});

test('gradcheck max pooling: strides, padding, dilation, ceil mode, 1-D, unbatched', () => {
  manualSeed(30);
  const cases: [number[], F.MaxPool2dOptions & { returnIndices?: false }][] = [
    [[2, 2, 5, 5], { kernelSize: 2 }],
    [[1, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
    [[1, 1, 7, 7], { kernelSize: [2, 3], stride: [1, 2], dilation: [2, 1] }],
    [[2, 5, 5], { kernelSize: 2, ceilMode: true }],
  ];
  for (const [shape, o] of cases) gradcheck((x) => F.maxPool2d(x, o), [distinct(shape)], { msg: JSON.stringify(o) });
  gradcheck((x) => F.maxPool1d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [distinct([2, 2, 8])]);
  gradcheck((x) => F.maxPool1d(x, { kernelSize: 2, dilation: 2 }), [distinct([3, 7])]);
});

test('gradcheck average and Lp pooling, incl. ceil mode, countIncludePad, divisorOverride', () => {
  manualSeed(31);
  const cases: [number[], F.AvgPool2dOptions][] = [
    [[2, 2, 4, 4], { kernelSize: 2 }],
    [[1, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
    [[1, 1, 7, 6], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }],
    [[1, 1, 5, 6], { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], divisorOverride: 5, ceilMode: true }],
    [[2, 5, 5], { kernelSize: 2, stride: 1 }],
  ];
  for (const [shape, o] of cases) gradcheck((x) => F.avgPool2d(x, o), [randn(shape)], { msg: JSON.stringify(o) });
  gradcheck(
    (x) => F.avgPool1d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    [randn([2, 2, 8])],
  );
  // Lp pooling on positive inputs (x^p and the 1/p-th root are smooth there)
  const pos = (shape: number[]): Tensor => rand(shape).add(0.5);
  gradcheck((x) => F.lpPool2d(x, 2, 2), [pos([1, 2, 4, 4])]);
  gradcheck((x) => F.lpPool2d(x, 3, [2, 3], { stride: [1, 2], ceilMode: true }), [pos([1, 1, 5, 6])]);
  gradcheck((x) => F.lpPool1d(x, 1.5, 3, { stride: 2, ceilMode: true }), [pos([2, 1, 8])]);
});
