// The ad-hoc explain traces against convkit's ops on random inputs (stride, padding, dilation,
// the flip of true convolution, transposed convolution, pools), their text, and their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, F, flip, getRngState, manualSeed, randn, tensor } from '../../src/index.js';

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
function near(a: unknown, e: unknown, msg: string, atol = 1e-4): void {
  const x = flat(a),
    y = flat(e);
  assert.equal(x.length, y.length, `${msg}: length`);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= atol, `${msg}[${i}]: ${v} != ${y[i]}`));
}
const grid = (h: number, w: number): number[][] => {
  const t = randn([h, w]);
  const d = Array.from(t.data as Float32Array);
  return Array.from({ length: h }, (_, r) => d.slice(r * w, r * w + w).map((v) => Math.round(v * 100) / 100));
};

test('conv2dTrace: every window sum equals F.conv2d for strides, paddings and dilations', () => {
  manualSeed(11);
  for (const [stride, padding, dilation] of [
    [1, 0, 1],
    [2, 1, 1],
    [1, 2, 2],
    [3, 1, 1],
    [
      [2, 1],
      [0, 1],
      [1, 2],
    ],
  ] as const) {
    const x = grid(7, 6),
      k = grid(3, 2);
    const t = explain.conv2dTrace(x, k, { stride, padding, dilation, bias: 0.5 });
    const y = F.conv2d(tensor(x).reshape(1, 1, 7, 6), tensor(k).reshape(1, 1, 3, 2), tensor([0.5]), {
      stride,
      padding,
      dilation,
    });
    near(t.output, Array.from(y.data), `output s${String(stride)} p${String(padding)} d${String(dilation)}`);
    assert.deepEqual(t.outShape, y.shape.slice(2));
    near(
      t.windows.map((w) => w.sum),
      Array.from(y.data),
      'hand sums',
    );
    assert.equal(t.windows[0].terms.length, 6);
  }
});

test('conv2dTrace with flip: true convolution slides the kernel reversed on both axes, as F.convolve2d', () => {
  manualSeed(12);
  const x = grid(5, 5),
    k = grid(3, 3);
  const t = explain.conv2dTrace(x, k, { flip: true });
  assert.equal(t.operation, 'convolution');
  assert.deepEqual(t.applied, k.map((r) => [...r].reverse()).reverse());
  near(t.output, F.convolve2d(tensor(x), tensor(k)).toArray(), 'convolve2d');
  near(
    t.output,
    F.conv2d(tensor(x).reshape(1, 1, 5, 5), flip(tensor(k), [0, 1]).reshape(1, 1, 3, 3)).toArray(),
    'conv2d of the flipped kernel',
  );
  assert.ok(t.op.includes('flip(w, [2, 3])'));
  // 'same' and 'full' padding as in F.correlate2d
  near(
    explain.conv2dTrace(x, k, { padding: 'same' }).output,
    F.correlate2d(tensor(x), tensor(k), 'same').toArray(),
    'same',
  );
  near(
    explain.conv2dTrace(x, k, { padding: 'full' }).output,
    F.correlate2d(tensor(x), tensor(k), 'full').toArray(),
    'full',
  );
});

test('conv1dTrace: windows, padding, stride and dilation as F.conv1d; padded taps are marked', () => {
  manualSeed(13);
  const x = grid(1, 9)[0],
    w = grid(1, 3)[0];
  const t = explain.conv1dTrace(x, w, { stride: 2, padding: 2, dilation: 2 });
  const y = F.conv1d(tensor(x).reshape(1, 1, 9), tensor(w).reshape(1, 1, 3), null, {
    stride: 2,
    padding: 2,
    dilation: 2,
  });
  near(t.output, Array.from(y.data), 'conv1d');
  assert.deepEqual(
    t.windows[0].terms.map((term) => term.at[0]),
    [-2, 0, 2],
  );
  assert.deepEqual(
    t.windows[0].terms.map((term) => term.padded),
    [true, false, false],
  );
  assert.equal(t.windows[0].terms[0].product, 0);
});

test('convTranspose2dTrace: each output cell sums the products that land on it, as F.convTranspose2d', () => {
  manualSeed(14);
  for (const opts of [
    { stride: 2 },
    { stride: 2, padding: 1, outputPadding: 1 },
    { stride: 1, dilation: 2 },
    { stride: [3, 2] as [number, number] },
  ]) {
    const x = grid(3, 2),
      k = grid(2, 3);
    const t = explain.convTranspose2dTrace(x, k, opts);
    const y = F.convTranspose2d(tensor(x).reshape(1, 1, 3, 2), tensor(k).reshape(1, 1, 2, 3), null, opts);
    assert.deepEqual(t.outShape, y.shape.slice(2), JSON.stringify(opts));
    near(t.output, Array.from(y.data), `op ${JSON.stringify(opts)}`);
    near(
      t.cells.map((c) => c.sum),
      Array.from(y.data),
      `cells ${JSON.stringify(opts)}`,
    );
  }
});

test('pool traces: max with its argmax (the index F.maxPool2d returns), and the mean', () => {
  manualSeed(15);
  const x = grid(6, 7);
  const m = explain.maxPool2dTrace(x, { kernelSize: 3, stride: 2 });
  const [y, idx] = F.maxPool2d(tensor(x).reshape(1, 1, 6, 7), { kernelSize: 3, stride: 2, returnIndices: true });
  near(m.output, Array.from(y.data), 'max');
  assert.deepEqual(
    m.windows.map((w) => (w.argmax as number[])[0] * 7 + (w.argmax as number[])[1]),
    Array.from(idx.data, Number),
  );
  const a = explain.avgPool2dTrace(x, { kernelSize: [2, 3] });
  near(a.output, Array.from(F.avgPool2d(tensor(x).reshape(1, 1, 6, 7), { kernelSize: [2, 3] }).data), 'avg');
  near(
    a.windows.map((w) => w.result),
    a.output,
    'means',
  );
});

test('dropoutTrace is reproducible by seed and leaves the global generator as it was', () => {
  manualSeed(99);
  const before = getRngState();
  const a = explain.dropoutTrace([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { p: 0.3, seed: 5 });
  assert.deepEqual(getRngState(), before);
  const b = explain.dropoutTrace([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { p: 0.3, seed: 5 });
  assert.deepEqual(a.steps[1].value, b.steps[1].value);
  near(a.steps[2].value, a.steps[2].fromOp as number[], 'x * mask = F.dropout');
});

test('renderTrace: aligned text with one line per window and the op beside', () => {
  const t = explain.conv2dTrace(
    [
      [1, 0, 3],
      [0, 3, 4],
      [1, 0, 2],
    ],
    [
      [1, -1],
      [0, 2],
    ],
  );
  const text = explain.renderTrace(t);
  assert.ok(text.includes('y[0,0] = 1*1 + 0*(-1) + 0*0 + 3*2 = 7'), text);
  assert.ok(text.includes('F.conv2d(x, w, null'), text);
  assert.ok(text.includes('every hand sum equals'), text);
  assert.equal(
    explain.renderGrid([
      [1, -10],
      [100, 2],
    ]),
    '      1  -10\n    100    2',
  );
  const eq = explain.renderTrace(explain.softmaxCrossEntropyTrace([1, 2, 3], 2));
  assert.ok(/L\s+= cross-entropy = -log p_y/.test(eq), eq);
});

test('trace errors name the function and the field at fault', () => {
  assert.throws(() => explain.conv2dTrace([[1, 2], [3]], [[1]]), /conv2dTrace: input row 1 has 1 entries, row 0 has 2/);
  assert.throws(() => explain.conv2dTrace([[1, 2]], [[1, 2, 3]]), /does not fit/);
  assert.throws(() => explain.conv2dTrace([[1, Number.NaN]], [[1]]), /input\[0\]\[1\] must be a finite number/);
  assert.throws(() => explain.conv2dTrace([[1, 2, 3]], [[1, 1]], { padding: 'same' }), /even extent 2/);
  assert.throws(() => explain.conv2dTrace([[1, 2, 3]], [[1]], { stride: 0 }), /stride must be an integer >= 1/);
  assert.throws(() => explain.maxPool2dTrace([[1, 2]], { kernelSize: 3 }), /larger than the 1x2 input/);
  assert.throws(() => explain.softmaxCrossEntropyTrace([1, 2], 2), /target must be a class index in 0\.\.1/);
  assert.throws(() => explain.batchNormTrace([[1, 2]]), /at least 2 rows/);
  assert.throws(() => explain.dropoutTrace([1], { p: 1, seed: 0 }), /p must be in \[0, 1\)/);
  assert.throws(() => explain.outputSizeTrace(3, 5), /larger than the padded input/);
});
