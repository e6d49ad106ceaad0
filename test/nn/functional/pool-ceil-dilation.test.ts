// maxPool2d / avgPool output sizes with dilation and ceilMode follow PyTorch's pooling_output_shape
// (issue 7 item 10): a dilated window longer than the padded input still gives one output in ceil mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, arange, zeros } from '../../../src/index.js';
import { slidingOutputSize } from '../../../src/nn/functional/conv-args.js';

test('maxPool2d: input 4x7, kernel 3, stride 3, padding [0, 1], dilation [2, 3], ceilMode gives 1x2 as in PyTorch', () => {
  const x = arange(28).reshape(1, 1, 4, 7);
  const y = F.maxPool2d(x, { kernelSize: 3, stride: 3, padding: [0, 1], dilation: [2, 3], ceilMode: true });
  assert.deepEqual(y.shape, [1, 1, 1, 2]);
  // rows {0, 2} (row 4 is past the input), columns {2, 5} in both windows: max is 7*2 + 5
  assert.deepEqual(y.toFlatArray(), [19, 19]);
});

test('maxPool2d: the same case without ceilMode is refused, as in PyTorch', () => {
  assert.throws(
    () => F.maxPool2d(zeros([1, 1, 4, 7]), { kernelSize: 3, stride: 3, padding: [0, 1], dilation: [2, 3] }),
    /maxPool2d: input \[1, 1, 4, 7\] is too small for kernel \[3, 3\].*output size would be \[0, 1\]/,
  );
});

test('slidingOutputSize: PyTorch pooling_output_shape values', () => {
  // (n, k, s, pad, d, ceil) -> torch.nn.functional.max_pool1d output length
  const cases: [number, number, number, number, number, boolean, number][] = [
    [4, 3, 3, 0, 2, true, 1],
    [4, 3, 3, 0, 2, false, 0],
    [7, 3, 3, 1, 3, true, 2],
    [7, 3, 3, 1, 3, false, 1],
    [5, 2, 2, 1, 1, true, 3],
    [5, 3, 4, 0, 2, true, 1],
    [3, 3, 2, 0, 2, true, 0],
    [10, 4, 3, 2, 1, true, 4],
  ];
  for (const [n, k, s, p, d, ceil, want] of cases) {
    assert.equal(slidingOutputSize(n, k, s, p, p, d, ceil), want, `n=${n} k=${k} s=${s} p=${p} d=${d} ceil=${ceil}`);
  }
});
