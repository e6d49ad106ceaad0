// F.adaptiveAvgPool*/adaptiveMaxPool*, maxUnpool*, channelMaxPool: values, PyTorch's window
// rule start = floor(i*in/out), end = ceil((i+1)*in/out), and finite-difference gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, arange, randn, randperm, manualSeed, Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float32Array.from(randperm(n).data, (v) => v * 0.1 - n * 0.05),
    shape,
  );
}

test('adaptive pooling windows follow PyTorch: overlapping when sizes do not divide, repeating when growing', () => {
  // in 5 -> out 3: windows [0,2) [1,4) [3,5)
  assertClose(F.adaptiveAvgPool1d(arange(5).reshape(1, 1, 5), 3), [[[0.5, 2, 3.5]]]);
  const [v, i] = F.adaptiveMaxPool1d(tensor([[[3, 1, 4, 1, 5]]]), 3, { returnIndices: true });
  assertClose(v, [[[3, 4, 5]]]);
  assert.deepEqual(i.toArray(), [[[0, 2, 4]]]);
  // in 3 -> out 5: windows [0,1) [0,2) [1,2) [1,3) [2,3)
  assertClose(F.adaptiveAvgPool1d(arange(3).reshape(1, 3), 5), [[0, 0.5, 1, 1.5, 2]]);
});

test('adaptiveAvgPool2d(x, 1) is global average pooling; null keeps an axis', () => {
  manualSeed(40);
  const x = randn([2, 3, 5, 7]);
  assertClose(F.adaptiveAvgPool2d(x, 1), x.mean([2, 3], { keepDim: true }), { atol: 1e-5 });
  assertClose(F.adaptiveMaxPool2d(x, [1, 1]), x.amax([2, 3], { keepDim: true }));
  const keepW = F.adaptiveAvgPool2d(x, [1, null]);
  assert.deepEqual(keepW.shape, [2, 3, 1, 7]);
  assertClose(keepW, x.mean(2, { keepDim: true }), { atol: 1e-5 });
  // divisible sizes equal ordinary pooling
  const y = randn([1, 2, 6, 4]);
  assertClose(F.adaptiveAvgPool2d(y, [3, 2]), F.avgPool2d(y, 2), { atol: 1e-5 });
  assertClose(F.adaptiveMaxPool2d(y, [2, 2]), F.maxPool2d(y, { kernelSize: [3, 2] }));
  // unbatched
  assert.deepEqual(F.adaptiveMaxPool2d(randn([3, 5, 5]), 2).shape, [3, 2, 2]);
});

test('maxUnpool2d puts the maxima back where they were and zeros elsewhere', () => {
  const x = tensor([
    [
      [
        [1, 5, 2, 0],
        [3, 4, 8, 7],
        [0, 1, 2, 3],
        [9, 1, 0, 4],
      ],
    ],
  ]);
  const [v, i] = F.maxPool2d(x, { kernelSize: 2, returnIndices: true });
  const u = F.maxUnpool2d(v, i, 2);
  assertClose(u, [
    [
      [
        [0, 5, 0, 0],
        [0, 0, 8, 0],
        [0, 0, 0, 0],
        [9, 0, 0, 4],
      ],
    ],
  ]);
  // the pooled size of 5 and 4 is the same, so outputSize picks 5
  const x5 = randn([1, 1, 5, 5]);
  const [v5, i5] = F.maxPool2d(x5, { kernelSize: 2, returnIndices: true });
  const u5 = F.maxUnpool2d(v5, i5, { kernelSize: 2, outputSize: [5, 5] });
  assert.deepEqual(u5.shape, [1, 1, 5, 5]);
  assertClose(u5.reshape(25).indexSelect(0, i5), v5.reshape(4), { msg: 'values back at their argmax' });
  assert.equal(Array.from(u5.data).filter((t) => t !== 0).length, 4, 'zeros elsewhere');
  // 1-D
  const [v1, i1] = F.maxPool1d(tensor([[2, 7, 1, 3]]), { kernelSize: 2, returnIndices: true });
  assertClose(F.maxUnpool1d(v1, i1, 2), [[0, 7, 0, 3]]);
});

test('channelMaxPool (maxout): max over groups of channels, overlapping with stride', () => {
  const x = tensor([
    [
      [1, 5],
      [4, 2],
      [0, 7],
      [3, 3],
    ],
  ]); // (1, 4 channels, 2)
  assertClose(F.channelMaxPool(x, 2), [
    [
      [4, 5],
      [3, 7],
    ],
  ]);
  assertClose(F.channelMaxPool(x, { kernelSize: 2, stride: 1 }), [
    [
      [4, 5],
      [4, 7],
      [3, 7],
    ],
  ]);
  assertClose(F.channelMaxPool(x, 4), [[[4, 7]]]);
  // on (N, C) features, as a maxout layer after a linear layer
  assertClose(F.channelMaxPool(tensor([[1, -2, 3, 0, -1, -5]]), 3), [[3, 0]]);
  const g = tensor(
    [
      [
        [1, 5],
        [4, 2],
        [0, 7],
        [3, 3],
      ],
    ],
    { requiresGrad: true },
  );
  F.channelMaxPool(g, 2).sum().backward();
  assertClose(g.grad as Tensor, [
    [
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 0],
    ],
  ]);
});

test('gradcheck adaptive pools, unpooling and channel max pooling', () => {
  manualSeed(41);
  gradcheck((x) => F.adaptiveAvgPool2d(x, [3, 2]), [randn([2, 2, 7, 5])]);
  gradcheck((x) => F.adaptiveAvgPool2d(x, [4, 3]), [randn([1, 1, 3, 2])]);
  gradcheck((x) => F.adaptiveAvgPool1d(x, 4), [randn([2, 11])]);
  gradcheck((x) => F.adaptiveMaxPool2d(x, [3, 2]), [distinct([2, 2, 7, 5])]);
  gradcheck((x) => F.adaptiveMaxPool2d(x, [4, null]), [distinct([1, 1, 6, 3])]);
  gradcheck((x) => F.adaptiveMaxPool1d(x, 5), [distinct([1, 2, 3])]);
  const [, idx] = F.maxPool2d(distinct([1, 2, 5, 5]), { kernelSize: 2, returnIndices: true });
  gradcheck((v) => F.maxUnpool2d(v, idx, { kernelSize: 2, outputSize: [5, 5] }), [randn([1, 2, 2, 2])]);
  gradcheck((x) => F.channelMaxPool(x, { kernelSize: 3, stride: 2 }), [distinct([2, 7, 2, 2])]);
});
