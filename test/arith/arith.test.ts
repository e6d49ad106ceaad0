/**
 * convArith / poolArith / convTransposeArith / layerArith: the lectures' output-size and
 * parameter questions, the formula text, and a cross-check of every size against the shape the
 * real op produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, zeros } from '../../src/index.js';
import { convArith, convTransposeArith, layerArith, poolArith } from '../../src/train/index.js';
import { lenet5 } from '../../src/models/lenet5.js';

test('conv output sizes of the lectures, with the formula filled in', () => {
  // 32x32 input, 3x3 kernel: 30 (p=0), 32 (p=1), 16 (p=1, s=2), 17 (p=2, s=2)
  const out = (o: Parameters<typeof convArith>[0]) => convArith(o).axes[0].output;
  assert.equal(out({ input: 32, kernel: 3 }), 30);
  assert.equal(out({ input: 32, kernel: 3, padding: 1 }), 32);
  assert.equal(out({ input: 32, kernel: 3, padding: 1, stride: 2 }), 16);
  assert.equal(out({ input: 32, kernel: 3, padding: 2, stride: 2 }), 17);
  // valid / same / full: n - k + 1, n, n + k - 1
  assert.equal(out({ input: 28, kernel: 5, padding: 'valid' }), 24);
  assert.equal(out({ input: 28, kernel: 5, padding: 'same' }), 28);
  assert.equal(out({ input: 28, kernel: 5, padding: 'full' }), 32);
  // dilation 2 makes a 5-tap kernel span 9 pixels; 'same' pads 4 per side
  const r = convArith({ input: 32, kernel: 5, stride: 1, padding: 'same', dilation: 2 });
  assert.equal(r.axes[0].padBefore, 4);
  assert.equal(
    r.axes[0].formula,
    'out = floor((n + 2*p - d*(k-1) - 1)/s) + 1 = floor((32 + 2*4 - 2*(5-1) - 1)/1) + 1 = floor(31/1) + 1 = 32',
  );
  // an even kernel with 'same': 3 cells of padding, 1 before and 2 after (as PyTorch)
  const even = convArith({ input: 10, kernel: 4, padding: 'same' }).axes[0];
  assert.deepEqual([even.padBefore, even.padAfter, even.output], [1, 2, 10]);
  assert.match(even.formula, /floor\(\(10 \+ 1 \+ 2 - 1\*\(4-1\) - 1\)\/1\) \+ 1 = floor\(9\/1\) \+ 1 = 10$/);
  // seed 003: a 7x7 input, 3x3 filter: stride 1 -> 5, 2 -> 3, 3 -> 2 with one column left over
  assert.deepEqual(
    [1, 2, 3].map((s) => convArith({ input: 7, kernel: 3, stride: s }).axes[0].output),
    [5, 3, 2],
  );
  assert.equal(convArith({ input: 7, kernel: 3, stride: 3 }).axes[0].uncovered, 1);
  assert.equal(convArith({ input: 7, kernel: 3, stride: 2 }).axes[0].uncovered, 0);
});

test('conv parameters (k*k*Cin + 1)*Cout and MACs', () => {
  // ten 5x5x3 filters: 10*75 + 10 = 760; on 32x32: 28x28 outputs, 75 MACs each per map
  const r = convArith({ input: [32, 32], kernel: 5, inChannels: 3, outChannels: 10 });
  assert.equal(r.params, 760);
  assert.equal(r.paramsFormula, '(5*5*3 + 1)*10 = 760');
  assert.equal(r.macs, 28 * 28 * 10 * 75);
  assert.deepEqual(r.outputShape, [10, 28, 28]);
  // the lecture's 6 filters of 5x5x3 -> 28x28x6
  assert.deepEqual(convArith({ input: [32, 32], kernel: 5, inChannels: 3, outChannels: 6 }).outputShape, [6, 28, 28]);
  const g = convArith({ input: [8, 8], kernel: 3, inChannels: 4, outChannels: 8, groups: 2, bias: false });
  assert.equal(g.params, 3 * 3 * 2 * 8);
  assert.equal(g.paramsFormula, '3*3*(4/2)*8 = 144');
  assert.equal(new nn.Conv2d(4, 8, 3, { groups: 2, bias: false }).weight.size, 144);
});

test('every size equals the shape the real op gives (conv, pool with ceil mode, transposed conv)', () => {
  for (const n of [5, 7, 10]) {
    for (const k of [1, 2, 3, 4]) {
      for (const s of [1, 2, 3]) {
        for (const d of [1, 2]) {
          for (const p of [0, 1, 2]) {
            if (d * (k - 1) + 1 <= n + 2 * p) {
              const a = convArith({ input: [n, n + 1], kernel: k, stride: s, padding: p, dilation: d });
              const y = F.conv2d(zeros([1, 1, n, n + 1]), zeros([1, 1, k, k]), null, {
                stride: s,
                padding: p,
                dilation: d,
              });
              assert.deepEqual(a.outputShape, y.shape.slice(2), `conv n=${n} k=${k} s=${s} d=${d} p=${p}`);
            }
            if (p <= (d * (k - 1) + 1) / 2 && p <= k / 2 && d * (k - 1) + 1 <= n + 2 * p) {
              for (const ceilMode of [false, true]) {
                const a = poolArith({ input: n, kernel: k, stride: s, padding: p, dilation: d, ceilMode });
                const y = F.maxPool2d(zeros([1, 1, n, n]), {
                  kernelSize: k,
                  stride: s,
                  padding: p,
                  dilation: d,
                  ceilMode,
                });
                assert.deepEqual(
                  a.outputShape,
                  y.shape.slice(2),
                  `pool n=${n} k=${k} s=${s} d=${d} p=${p} ceil=${ceilMode}`,
                );
              }
            }
            for (const op of [0, 1]) {
              if (op >= Math.max(s, d) || (n - 1) * s - 2 * p + d * (k - 1) + op + 1 < 1) continue;
              const a = convTransposeArith({
                input: n,
                kernel: k,
                stride: s,
                padding: p,
                dilation: d,
                outputPadding: op,
              });
              const y = F.convTranspose2d(zeros([1, 1, n, n]), zeros([1, 1, k, k]), null, {
                stride: s,
                padding: p,
                dilation: d,
                outputPadding: op,
              });
              assert.deepEqual(a.outputShape, y.shape.slice(2), `convT n=${n} k=${k} s=${s} d=${d} p=${p} op=${op}`);
            }
          }
        }
      }
    }
  }
  // 'same' and 'full' too
  for (const k of [2, 3, 4, 5]) {
    for (const padding of ['same', 'full'] as const) {
      const y = F.conv2d(zeros([1, 1, 9, 9]), zeros([1, 1, k, k]), null, { padding, dilation: 2 });
      assert.deepEqual(convArith({ input: 9, kernel: k, padding, dilation: 2 }).outputShape, y.shape.slice(2));
    }
  }
});

test('transposed conv: (n-1)*s - 2p + d*(k-1) + output_padding + 1 and its parameters', () => {
  const r = convTransposeArith({ input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 8, outChannels: 4 });
  assert.equal(
    r.axes[0].formula,
    'out = (n - 1)*s - 2*p + d*(k-1) + output_padding + 1 = (4 - 1)*2 - 2*1 + 1*(4-1) + 0 + 1 = 8',
  );
  assert.equal(
    r.params,
    new nn.ConvTranspose2d(8, 4, 4, { stride: 2, padding: 1 }).parameters().reduce((a, p) => a + p.size, 0),
  );
  assert.equal(r.paramsFormula, '4*4*4*8 + 4 = 516');
  assert.equal(r.macs, 16 * 8 * 4 * 16);
});

test('layerArith of LeNet-5: sizes and parameters of each layer', () => {
  const m = lenet5();
  const layers = [...m.children()];
  const shapes = [
    [1, 1, 28, 28],
    [1, 6, 28, 28],
    [1, 6, 28, 28],
    [1, 6, 14, 14],
  ];
  const a0 = layerArith(layers[0], shapes[0]);
  assert.equal(a0?.paramsFormula, '(5*5*1 + 1)*6 = 156');
  assert.deepEqual(a0?.outputShape, [6, 28, 28]);
  assert.equal(a0?.macs, 117600);
  assert.equal(layerArith(layers[1], shapes[1]), null); // ReLU
  assert.deepEqual(layerArith(layers[2], shapes[2])?.outputShape, [6, 14, 14]);
  assert.equal(layerArith(layers[3], shapes[3])?.params, 2416);
  assert.equal(layerArith(layers[7], [1, 400])?.paramsFormula, '(400 + 1)*120 = 48120');
  let total = 0;
  for (const l of layers) total += l.parameters().reduce((a, p) => a + p.size, 0);
  assert.equal(total, 156 + 2416 + 48120 + 10164 + 850);
});

test('arith errors name the option and the fix', () => {
  assert.throws(() => convArith({ input: 3, kernel: 5 }), /conv: the kernel 5 .* does not fit in the padded input 3/);
  assert.throws(() => convArith({ input: 32, kernel: 3, stride: 2, padding: 'same' }), /padding 'same' needs stride 1/);
  assert.throws(() => convArith({ input: 32, kernel: 0 }), /conv: kernel must be a positive integer/);
  assert.throws(() => convArith({ input: 32, kernel: 3, inChannels: 3 }), /give both inChannels and outChannels/);
  assert.throws(
    () => convArith({ input: 32, kernel: 3, inChannels: 3, outChannels: 4, groups: 2 }),
    /inChannels 3 and outChannels 4 must both be divisible by groups 2/,
  );
  assert.throws(
    () => poolArith({ input: 8, kernel: 2, padding: 2 }),
    /pool: padding 2 must be at most half the window/,
  );
  assert.throws(() => poolArith({ input: 8, kernel: 2, padding: 'same' }), /pool: padding must be a number/);
  assert.throws(
    () => convTransposeArith({ input: 4, kernel: 3, stride: 2, outputPadding: 2 }),
    /outputPadding 2 must be smaller than the stride 2 or the dilation 1/,
  );
});
