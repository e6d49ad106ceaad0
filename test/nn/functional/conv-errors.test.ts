// Bad arguments to the convolution ops give clear errors naming the op, the shapes and the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, zeros, Tensor } from '../../../src/index.js';

const x = zeros([1, 3, 5, 5]);
const w = zeros([6, 3, 3, 3]);
type Loose = Record<string, unknown>;
const conv2dAny = F.conv2d as (x: unknown, w: unknown, b?: unknown, o?: unknown) => Tensor;

test('conv2d: channel mismatch names both shapes and groups', () => {
  assert.throws(() => F.conv2d(x, zeros([6, 1, 5, 5])), {
    message: 'conv2d: input [1, 3, 5, 5] has 3 channels but weight [6, 1, 5, 5] expects 1 (groups=1)',
  });
  assert.throws(() => F.conv2d(x, zeros([6, 2, 3, 3]), null, { groups: 3 }), {
    message: 'conv2d: input [1, 3, 5, 5] has 3 channels but weight [6, 2, 3, 3] expects 6 (groups=3)',
  });
  assert.throws(
    () => F.conv2d(zeros([1, 4, 5, 5]), zeros([5, 2, 3, 3]), null, { groups: 2 }),
    /conv2d: weight \[5, 2, 3, 3\] has 5 output channels, not divisible by groups=2/,
  );
});

test('conv2d: wrong ranks and bias shapes', () => {
  assert.throws(
    () => F.conv2d(zeros([5, 5]), w),
    /conv2d: input must be 3-D or 4-D \(C, H, W\) or \(N, C, H, W\), got shape \[5, 5\]/,
  );
  assert.throws(
    () => F.conv2d(x, zeros([6, 3, 3])),
    /conv2d: weight must be 4-D \(out_channels, in_channels\/groups, kH, kW\), got shape \[6, 3, 3\]/,
  );
  assert.throws(
    () => F.conv2d(x, w, zeros([5])),
    /conv2d: bias shape \[5\] does not match weight \[6, 3, 3, 3\] \(expected \[6\]\)/,
  );
  assert.throws(
    () => conv2dAny([1, 2, 3], w),
    /conv2d: input expected a Tensor, got an array; wrap it with tensor\(\.\.\.\)/,
  );
  assert.throws(
    () => F.conv2d(tensor([1, 2, 3, 4], { dtype: 'int32' }).reshape(1, 1, 2, 2), zeros([1, 1, 1, 1])),
    /conv2d: input must be float32, got int32/,
  );
});

test('conv2d: option types and values are checked by name', () => {
  assert.throws(() => conv2dAny(x, w, null, { stride: '2' }), {
    message: "conv2d: stride must be a positive integer or a 2-tuple of them, got '2'",
  });
  assert.throws(() => F.conv2d(x, w, null, { stride: 0 }), /conv2d: stride must be a positive integer/);
  assert.throws(
    () => F.conv2d(x, w, null, { stride: [1, 2, 3] as unknown as [number, number] }),
    /conv2d: stride must be .* 2-tuple .*got \[1, 2, 3\]/,
  );
  assert.throws(() => F.conv2d(x, w, null, { padding: -1 }), {
    message: 'conv2d: padding must be a non-negative integer or a 2-tuple of them, got -1',
  });
  assert.throws(() => F.conv2d(x, w, null, { padding: 1.5 }), /conv2d: padding must be a non-negative integer/);
  assert.throws(
    () => conv2dAny(x, w, null, { padding: 'half' }),
    /conv2d: padding must be .*'valid', 'same' or 'full', got 'half'/,
  );
  assert.throws(() => F.conv2d(x, w, null, { dilation: 0 }), /conv2d: dilation must be a positive integer/);
  assert.throws(() => F.conv2d(x, w, null, { groups: 0 }), /conv2d: groups must be a positive integer, got 0/);
  assert.throws(() => conv2dAny(x, w, null, { paddingMode: 'mirror' }), {
    message: "conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'",
  });
  assert.throws(
    () => conv2dAny(x, w, null, { padding_mode: 'reflect' } as Loose),
    /conv2d: unknown option 'padding_mode'/,
  );
  assert.throws(() => conv2dAny(x, w, null, 3), /conv2d: options must be an object, got 3/);
});

test("conv2d: padding='same' with stride > 1 is rejected, as in PyTorch", () => {
  assert.throws(
    () => F.conv2d(x, w, null, { padding: 'same', stride: 2 }),
    /conv2d: padding='same' is not supported for strided convolutions \(stride=\[2, 2\]\)/,
  );
});

test('conv2d: a kernel larger than the padded input, and padding-mode limits', () => {
  assert.throws(
    () => F.conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 5, 5])),
    /conv2d: kernel \[5, 5\] \(dilation \[1, 1\], effective \[5, 5\]\) is larger than the padded input \[3, 3\] of input \[1, 1, 3, 3\]/,
  );
  assert.throws(() => F.conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { dilation: 2 }), /effective \[5, 5\]/);
  assert.throws(
    () => F.conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 3, 3]), null, { padding: 3, paddingMode: 'reflect' }),
    /conv2d: reflect padding 3 must be smaller than the input size 3/,
  );
  assert.throws(
    () => F.conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 3, 3]), null, { padding: 4, paddingMode: 'circular' }),
    /conv2d: circular padding 4 must not exceed the input size 3/,
  );
});

test('conv1d: errors speak in 1-D shapes', () => {
  assert.throws(() => F.conv1d(zeros([2, 3, 8]), zeros([4, 2, 3])), {
    message: 'conv1d: input [2, 3, 8] has 3 channels but weight [4, 2, 3] expects 2 (groups=1)',
  });
  assert.throws(
    () => F.conv1d(zeros([2, 3, 8]), zeros([4, 3, 3, 3])),
    /conv1d: weight must be 3-D \(out_channels, in_channels\/groups, kL\)/,
  );
  assert.throws(
    () => F.conv1d(zeros([8]), zeros([4, 3, 3])),
    /conv1d: input must be 2-D or 3-D \(C, L\) or \(N, C, L\), got shape \[8\]/,
  );
  assert.throws(
    () => F.conv1d(zeros([1, 1, 2]), zeros([1, 1, 3])),
    /conv1d: kernel \[3\] .* larger than the padded input \[2\]/,
  );
  assert.throws(
    () => F.conv1d(zeros([1, 1, 8]), zeros([1, 1, 3]), null, { stride: [1, 1] as unknown as [number] }),
    /conv1d: stride must be a positive integer or a 1-tuple of them, got \[1, 1\]/,
  );
});

test('convTranspose2d / convTranspose1d: channels, outputPadding and output size', () => {
  assert.throws(() => F.convTranspose2d(zeros([1, 3, 4, 4]), zeros([2, 3, 3, 3])), {
    message: 'convTranspose2d: input [1, 3, 4, 4] has 3 channels but weight [2, 3, 3, 3] expects 2 (groups=1)',
  });
  assert.throws(
    () => F.convTranspose2d(zeros([1, 3, 4, 4]), zeros([3, 1, 3, 3]), null, { groups: 2 }),
    /convTranspose2d: weight \[3, 1, 3, 3\] has 3 input channels, not divisible by groups=2/,
  );
  assert.throws(
    () => F.convTranspose2d(zeros([1, 2, 4, 4]), zeros([2, 1, 3, 3]), null, { outputPadding: 1 }),
    /convTranspose2d: outputPadding \[1, 1\] must be smaller than either stride \[1, 1\] or dilation \[1, 1\]/,
  );
  assert.throws(
    () => F.convTranspose2d(zeros([1, 2, 1, 1]), zeros([2, 1, 1, 1]), null, { padding: 1 }),
    /convTranspose2d: .*non-positive output size \[-1, -1\]/,
  );
  assert.throws(
    () =>
      F.convTranspose2d(zeros([1, 2, 4, 4]), zeros([2, 1, 3, 3]), null, {
        padding: 'same',
      } as unknown as F.ConvTranspose2dOptions),
    /convTranspose2d: padding must be a non-negative integer/,
  );
  assert.throws(
    () => F.convTranspose1d(zeros([1, 2, 4]), zeros([2, 1, 3]), null, { stride: -1 }),
    /convTranspose1d: stride must be a positive integer/,
  );
  assert.throws(
    () => F.convTranspose2d(zeros([1, 2, 4, 4]), zeros([2, 1, 3, 3]), zeros([2])),
    /convTranspose2d: bias shape \[2\] does not match weight \[2, 1, 3, 3\] \(expected \[1\]\)/,
  );
});

test('convolve / correlate and convOutputSize: clear errors', () => {
  assert.throws(() => F.convolve1d(zeros([2, 3]), zeros([3])), /convolve1d: signal must be 1-D, got shape \[2, 3\]/);
  assert.throws(() => F.correlate2d(zeros([4, 4]), zeros([3])), /correlate2d: kernel must be 2-D, got shape \[3\]/);
  assert.throws(
    () => F.correlate1d(zeros([3]), zeros([5])),
    /correlate1d: kernel \[5\] is larger than the signal \[3\] in 'valid' mode/,
  );
  assert.throws(
    () => F.convolve1d(zeros([3]), zeros([2]), 'half' as F.ConvolveMode),
    /convolve1d: mode must be 'valid', 'same' or 'full', got 'half'/,
  );
  assert.throws(() => F.convOutputSize(2, 5), /convOutputSize: kernel 5 .* does not fit in the padded input of size 2/);
  assert.throws(() => F.convOutputSize(32, 3, { stride: 1.5 }), /convOutputSize: stride must be a positive integer/);
  assert.throws(
    () => F.convOutputSize(32, 3, { padding: 'same', stride: 2 }),
    /convOutputSize: padding='same' needs stride 1/,
  );
});
