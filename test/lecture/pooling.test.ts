// The lectures' worked pooling examples (/work/shared/seeds), reproduced with F.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

test('max pool 2x2 stride 2, 004: the 6x6 input gives [[3 12 4] [4 3 2] [3 6 9]]', () => {
  const x = tensor([
    [
      [
        [3, 0, 1, 0, 2, 4],
        [0, 1, 8, 12, 0, 0],
        [4, 0, 0, 3, 2, 2],
        [2, 0, 1, 0, 1, 1],
        [3, 2, 0, 6, 0, 5],
        [1, 0, 6, 0, 0, 9],
      ],
    ],
  ]);
  const y = F.maxPool2d(x, { kernelSize: 2, stride: 2 });
  assert.deepEqual(y.shape, [1, 1, 3, 3]);
  assertClose(y, [
    [
      [
        [3, 12, 4],
        [4, 3, 2],
        [3, 6, 9],
      ],
    ],
  ]);
  // stride defaults to the kernel size, as in PyTorch
  assertClose(F.maxPool2d(x, 2), y);
});

test('max pool backward, 001/002: store the index that took the max; the gradient goes only there', () => {
  const x = tensor(
    [
      [
        [
          [3, 0, 1, 0, 2, 4],
          [0, 1, 8, 12, 0, 0],
          [4, 0, 0, 3, 2, 2],
          [2, 0, 1, 0, 1, 1],
          [3, 2, 0, 6, 0, 5],
          [1, 0, 6, 0, 0, 9],
        ],
      ],
    ],
    { requiresGrad: true },
  );
  const [y, idx] = F.maxPool2d(x, { kernelSize: 2, returnIndices: true });
  // flat h*6+w positions of 3, 12, 4 / 4, 3, 2 / 3, 6, 9 (first max wins a tie, e.g. the 2s)
  assert.deepEqual(Array.from(idx.data), [0, 9, 5, 12, 15, 16, 24, 27, 35]);
  y.backward(
    tensor([
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
    ]),
  );
  const g = new Array<number>(36).fill(0);
  [0, 9, 5, 12, 15, 16, 24, 27, 35].forEach((p, i) => {
    g[p] = i + 1;
  });
  assertClose(x.grad as Tensor, g);
});

test('max pool 3x3 stride 3, 000: the 10/0 edge image gives [[10 0] [10 0]]', () => {
  const x = tensor(Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0])).reshape(1, 6, 6);
  assertClose(F.maxPool2d(x, { kernelSize: 3, stride: 3 }), [
    [
      [10, 0],
      [10, 0],
    ],
  ]);
});

test('average pool 3x3 stride 3, 000: [[4 0.3] [3.3 0.3]] (the slide rounds 1/3 and 10/3)', () => {
  const x = tensor([
    [1, 10, 1, 0, 1, 0],
    [1, 10, 1, 0, 1, 0],
    [1, 10, 1, 0, 1, 0],
    [10, 0, 0, 1, 0, 0],
    [10, 0, 0, 1, 0, 0],
    [10, 0, 0, 1, 0, 0],
  ]).reshape(1, 1, 6, 6);
  const y = F.avgPool2d(x, { kernelSize: 3, stride: 3 });
  // exact values: 36/9 = 4, 3/9 = 0.333, 30/9 = 3.333, 3/9 = 0.333
  assertClose(
    y,
    [
      [
        [
          [4, 1 / 3],
          [10 / 3, 1 / 3],
        ],
      ],
    ],
    { atol: 1e-6 },
  );
  // the slide's one-decimal figures
  assert.deepEqual(
    Array.from(y.data, (v) => Math.round(v * 10) / 10),
    [4, 0.3, 3.3, 0.3],
  );
});

test('pooling across channels, 001: a large response for any edge, regardless of its orientation', () => {
  // two edge detectors (vertical, horizontal) applied to an image with a vertical edge and one with a horizontal edge
  const vertical = tensor([
    [-1, 0, 1],
    [-1, 0, 1],
    [-1, 0, 1],
  ]);
  const horizontal = tensor([
    [-1, -1, -1],
    [0, 0, 0],
    [1, 1, 1],
  ]);
  const w = vertical.reshape(1, 1, 3, 3).mul(1);
  const filters = tensor([...(vertical.toArray() as number[][]), ...(horizontal.toArray() as number[][])]).reshape(
    2,
    1,
    3,
    3,
  );
  const vImg = tensor(Array.from({ length: 5 }, () => [0, 0, 10, 10, 10])).reshape(1, 1, 5, 5);
  const hImg = tensor(Array.from({ length: 5 }, (_, r) => new Array<number>(5).fill(r < 2 ? 0 : 10))).reshape(
    1,
    1,
    5,
    5,
  );
  const respV = F.channelMaxPool(F.conv2d(vImg, filters), { kernelSize: 2 });
  const respH = F.channelMaxPool(F.conv2d(hImg, filters), { kernelSize: 2 });
  assert.deepEqual(respV.shape, [1, 1, 3, 3]);
  // the pooled map peaks at 30 for both images although only one filter fired for each
  assert.equal(Math.max(...respV.data), 30);
  assert.equal(Math.max(...respH.data), 30);
  assert.equal(Math.max(...F.conv2d(hImg, w).data), 0, 'the vertical filter alone misses the horizontal edge');
});
