// Bad arguments to the pooling ops give clear errors naming the op, the shapes and the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, zeros, tensor, Tensor } from '../../../src/index.js';

const x = zeros([1, 2, 6, 6]);
const loose = <T>(v: unknown): T => v as T;

test('maxPool2d / avgPool2d: PyTorch argument rules', () => {
  assert.throws(() => F.maxPool2d(x, { kernelSize: 3, padding: 2 }), {
    message: 'maxPool2d: padding 2 must be at most half the kernel size [3, 3]',
  });
  assert.throws(
    () => F.avgPool2d(x, { kernelSize: 2, padding: [0, 2] }),
    /avgPool2d: padding \[0, 2\] must be at most half the kernel size \[2, 2\]/,
  );
  assert.throws(
    () => F.maxPool2d(zeros([1, 1, 2, 2]), { kernelSize: 3 }),
    /maxPool2d: input \[1, 1, 2, 2\] is too small for kernel \[3, 3\] .*output size would be \[0, 0\]/,
  );
  assert.throws(
    () => F.maxPool2d(zeros([1, 1, 4, 4]), { kernelSize: 2, dilation: 4 }),
    /maxPool2d: input \[1, 1, 4, 4\] is too small for kernel \[2, 2\] \(dilation \[4, 4\]/,
  );
  assert.throws(
    () => F.maxPool1d(zeros([1, 1, 2]), 3),
    /maxPool1d: input \[1, 1, 2\] is too small for kernel \[3\].*output size would be \[0\]/,
  );
});

test('pooling: option types are checked by name', () => {
  assert.throws(() => F.maxPool2d(x, loose({ kernelSize: '2' })), {
    message: "maxPool2d: kernelSize must be a positive integer or a 2-tuple of them, got '2'",
  });
  assert.throws(() => F.maxPool2d(x, loose({ stride: 2 })), /maxPool2d: kernelSize is required/);
  assert.throws(() => F.maxPool2d(x, { kernelSize: 2, stride: 0 }), /maxPool2d: stride must be a positive integer/);
  assert.throws(
    () => F.avgPool2d(x, { kernelSize: 2, padding: -1 }),
    /avgPool2d: padding must be a non-negative integer/,
  );
  assert.throws(
    () => F.maxPool2d(x, loose({ kernelSize: 2, ceilMode: 1 })),
    /maxPool2d: ceilMode must be true or false, got 1/,
  );
  assert.throws(
    () => F.maxPool2d(x, loose({ kernelSize: 2, returnIndices: 'yes' })),
    /maxPool2d: returnIndices must be true or false, got 'yes'/,
  );
  assert.throws(
    () => F.avgPool2d(x, loose({ kernelSize: 2, countIncludePad: 0 })),
    /avgPool2d: countIncludePad must be true or false, got 0/,
  );
  assert.throws(
    () => F.avgPool2d(x, { kernelSize: 2, divisorOverride: 0 }),
    /avgPool2d: divisorOverride must be a non-zero number, got 0/,
  );
  assert.throws(() => F.maxPool2d(x, loose({ kernel_size: 2 })), /maxPool2d: unknown option 'kernel_size'/);
  assert.throws(
    () => F.avgPool1d(zeros([1, 1, 6]), loose({ kernelSize: 2, divisorOverride: 2 })),
    /avgPool1d: unknown option 'divisorOverride'/,
  );
  assert.throws(() => F.avgPool2d(x, loose({ kernelSize: 2, dilation: 2 })), /avgPool2d: unknown option 'dilation'/);
  assert.throws(() => F.maxPool2d(x, loose('2')), /maxPool2d: expected a kernel size or an options object, got '2'/);
  assert.throws(() => F.lpPool2d(x, 0, 2), /lpPool2d: normType must be a positive finite number, got 0/);
  assert.throws(() => F.lpPool2d(x, 2, loose('2')), /lpPool2d: kernelSize must be a positive integer/);
  // the former positional form (stride, ceilMode) is refused with the new one
  assert.throws(
    () => F.lpPool2d(x, 2, 3, loose(null)),
    /lpPool2d: options must be an object like \{ stride, ceilMode \}, got null/,
  );
  assert.throws(
    () => F.lpPool1d(zeros([1, 1, 6]), 2, 2, loose(1)),
    /lpPool1d: options must be an object like \{ stride, ceilMode \}, got 1/,
  );
  assert.throws(
    () => F.lpPool2d(x, 2, 2, loose({ padding: 1 })),
    /lpPool2d: unknown option 'padding' \(known: stride, ceilMode\)/,
  );
});

test('pooling: input ranks and dtypes', () => {
  assert.throws(() => F.maxPool2d(zeros([6, 6]), 2), {
    message: 'maxPool2d: input must be 3-D or 4-D (C, H, W) or (N, C, H, W), got shape [6, 6]',
  });
  assert.throws(
    () => F.avgPool1d(zeros([1, 1, 1, 6]), 2),
    /avgPool1d: input must be 2-D or 3-D \(C, L\) or \(N, C, L\), got shape \[1, 1, 1, 6\]/,
  );
  assert.throws(
    () => F.maxPool2d(tensor([1, 2, 3, 4], { dtype: 'int32' }).reshape(1, 2, 2), 2),
    /maxPool2d: input must be float32, got int32/,
  );
  assert.throws(() => F.adaptiveAvgPool2d(zeros([4]), 1), /adaptiveAvgPool2d: input must be 3-D or 4-D/);
});

test('adaptive pooling, unpooling and channel pooling: clear errors', () => {
  assert.throws(
    () => F.adaptiveAvgPool2d(x, 0),
    /adaptiveAvgPool2d: outputSize must be a positive integer or a 2-tuple of them \(null keeps the input size\), got 0/,
  );
  assert.throws(
    () => F.adaptiveMaxPool1d(zeros([1, 1, 5]), loose([2, 2])),
    /adaptiveMaxPool1d: outputSize must be .* 1-tuple .*got \[2, 2\]/,
  );
  assert.throws(
    () => F.adaptiveMaxPool2d(x, 2, loose('yes')),
    /adaptiveMaxPool2d: options must be an object, got 'yes'/,
  );
  assert.throws(
    () => F.adaptiveMaxPool2d(x, 2, loose({ returnIndices: 'yes' })),
    /adaptiveMaxPool2d: returnIndices must be true or false, got 'yes'/,
  );
  assert.throws(() => F.adaptiveMaxPool2d(x, 2, loose(true)), {
    message:
      'adaptiveMaxPool2d: returnIndices is an option: write adaptiveMaxPool2d(x, outputSize, { returnIndices: true })',
  });
  const v = zeros([1, 1, 2, 2]);
  assert.throws(
    () => F.maxUnpool2d(v, tensor([0, 1, 2, 99], { dtype: 'int32' }).reshape(1, 1, 2, 2), 2),
    /maxUnpool2d: index 99 at flat position 3 is out of range for an output of size \[4, 4\]/,
  );
  assert.throws(
    () => F.maxUnpool2d(v, tensor([0, 1], { dtype: 'int32' }), 2),
    /maxUnpool2d: indices \[2\] must have the shape of the input \[1, 1, 2, 2\]/,
  );
  assert.throws(
    () =>
      F.maxUnpool2d(v, tensor([0, 1, 2, 3], { dtype: 'int32' }).reshape(1, 1, 2, 2), {
        kernelSize: 2,
        outputSize: [7, 7],
      }),
    /maxUnpool2d: outputSize \[7, 7\] must be within the stride of the default size \[4, 4\]/,
  );
  assert.throws(
    () => F.maxUnpool2d(v, loose<Tensor>([0, 1, 2, 3]), 2),
    /maxUnpool2d: indices expected a Tensor, got an array/,
  );
  assert.throws(
    () => F.channelMaxPool(zeros([1, 3, 2, 2]), 4),
    /channelMaxPool: kernelSize 4 is larger than the 3 channels of input \[1, 3, 2, 2\]/,
  );
  assert.throws(
    () => F.channelMaxPool(zeros([3]), 1),
    /channelMaxPool: input must have a channel axis \(N, C, \.\.\.\), got shape \[3\]/,
  );
  assert.throws(
    () => F.channelMaxPool(zeros([1, 4]), { kernelSize: 2, stride: 0 }),
    /channelMaxPool: stride must be a positive integer/,
  );
});
