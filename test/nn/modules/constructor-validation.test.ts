// Layer constructors validate their arguments, naming the layer, the argument and the value, instead
// of failing at the first forward pass (issue 7 item 10: nn.Conv2d(..., { padding: -1 }) was accepted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn } from '../../../src/index.js';

const loose = <T>(v: unknown): T => v as T;

test('Conv layers: stride, padding, dilation, paddingMode, bias checked at construction', () => {
  assert.throws(() => new nn.Conv2d(1, 2, 3, { padding: -1 }), {
    name: 'TypeError',
    message: 'Conv2d: padding must be a non-negative integer or a 2-tuple of them, got -1',
  });
  assert.throws(
    () => new nn.Conv2d(1, 2, 3, { stride: 0 }),
    /Conv2d: stride must be a positive integer or a 2-tuple of them, got 0/,
  );
  assert.throws(
    () => new nn.Conv2d(1, 2, 3, { dilation: [1, 0] }),
    /Conv2d: dilation must be a positive integer or a 2-tuple of them, got \[1, 0\]/,
  );
  assert.throws(() => new nn.Conv2d(1, 2, 3, { padding: loose('half') }), /Conv2d: padding/);
  assert.throws(
    () => new nn.Conv2d(1, 2, 3, { padding: 'same', stride: 2 }),
    /Conv2d: padding='same' is not supported for strided convolutions/,
  );
  assert.throws(
    () => new nn.Conv2d(1, 2, 3, { paddingMode: loose('mirror') }),
    /Conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'/,
  );
  assert.throws(() => new nn.Conv2d(1, 2, 3, { bias: loose(1) }), /Conv2d: bias must be true or false, got 1/);
  assert.throws(
    () => new nn.Conv1d(1, 2, 3, { padding: loose([1, 1]) }),
    /Conv1d: padding must be a non-negative integer or a 1-tuple of them, got \[1, 1\]/,
  );
  assert.throws(
    () => new nn.ConvTranspose2d(2, 2, 3, { outputPadding: 2, stride: 2 }),
    /ConvTranspose2d: outputPadding \[2, 2\] must be smaller than either stride \[2, 2\] or dilation \[1, 1\]/,
  );
  assert.throws(
    () => new nn.ConvTranspose1d(2, 2, 3, { padding: -2 }),
    /ConvTranspose1d: padding must be a non-negative integer/,
  );
  assert.doesNotThrow(() => new nn.Conv2d(1, 2, 3, { padding: 'same', dilation: 2, paddingMode: 'reflect' }));
  assert.throws(
    () => new nn.Conv2d(1, 2, 3, loose({ padding_mode: 'reflect' })),
    /Conv2d: unknown option 'padding_mode'/,
  );
  assert.throws(
    () => new nn.ConvTranspose2d(1, 2, 3, loose({ paddingMode: 'reflect' })),
    /ConvTranspose2d: unknown option 'paddingMode'/,
  );
  assert.throws(() => new nn.Conv1d(1, 2, 3, loose(null)), /Conv1d: options must be an object, got null/);
});

test('Pooling layers: window arguments checked at construction', () => {
  assert.throws(
    () => new nn.MaxPool2d(2, { padding: -1 }),
    /MaxPool2d: padding must be a non-negative integer or a 2-tuple of them, got -1/,
  );
  assert.throws(
    () => new nn.MaxPool2d(3, { padding: 2 }),
    /MaxPool2d: padding 2 must be at most half the kernel size \[3, 3\]/,
  );
  assert.throws(() => new nn.MaxPool2d(0), /MaxPool2d: kernelSize must be a positive integer/);
  assert.throws(() => new nn.MaxPool1d(2, { stride: 0 }), /MaxPool1d: stride must be a positive integer/);
  assert.throws(
    () => new nn.AvgPool2d(2, { divisorOverride: 0 }),
    /AvgPool2d: divisorOverride must be a non-zero number, got 0/,
  );
  assert.throws(() => new nn.AvgPool1d(2, loose({ dilation: 2 })), /AvgPool1d: unknown option 'dilation'/);
  assert.throws(() => new nn.LPPool2d(0, 2), /LPPool2d: normType must be a positive finite number, got 0/);
  assert.throws(() => new nn.LPPool1d(2, 2, { stride: -1 }), /LPPool1d: stride must be a positive integer/);
  assert.throws(
    () => new nn.AdaptiveAvgPool2d(loose([0, 2])),
    /AdaptiveAvgPool2d: outputSize must be a positive integer or a 2-tuple of them/,
  );
  assert.throws(() => new nn.AdaptiveMaxPool1d(loose(-1)), /AdaptiveMaxPool1d: outputSize must be a positive integer/);
  assert.throws(() => new nn.ChannelMaxPool(0), /ChannelMaxPool: kernelSize must be a positive integer/);
  assert.doesNotThrow(() => new nn.AdaptiveAvgPool2d([null, 3]));
});

test('Linear, Dropout, BatchNorm: sizes, probabilities and flags checked at construction', () => {
  assert.throws(() => new nn.Linear(0, 2), /Linear: inFeatures must be a positive integer, got 0/);
  assert.throws(() => new nn.Linear(2, 2, { bias: loose('no') }), /Linear: bias must be true or false, got no/);
  assert.throws(() => new nn.Dropout(1.5), /Dropout: dropout probability p must be in \[0, 1\], got 1.5/);
  assert.throws(() => new nn.Dropout2d(-0.1), /Dropout2d: dropout probability p must be in \[0, 1\]/);
  assert.throws(() => new nn.BatchNorm2d(0), /BatchNorm2d: numFeatures must be a positive integer, got 0/);
  assert.throws(
    () => new nn.BatchNorm1d(4, { eps: Infinity }),
    /BatchNorm1d: eps must be a non-negative finite number, got Infinity/,
  );
  assert.throws(() => new nn.BatchNorm2d(4, { affine: loose(0) }), /BatchNorm2d: affine must be true or false, got 0/);
  assert.throws(
    () => new nn.BatchNorm2d(4, loose({ track_running_stats: false })),
    /BatchNorm2d: unknown option 'track_running_stats'/,
  );
  assert.throws(
    () => new nn.Linear(2, 2, loose({ useBias: false })),
    /Linear: unknown option 'useBias' \(known: bias\)/,
  );
});
