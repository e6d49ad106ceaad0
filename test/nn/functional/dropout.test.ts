import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, ones, randn, tensor, type Tensor } from '../../../src/index.js';
import { assertClose } from '../../helpers/check.js';

test('dropout is the identity in evaluation and for p = 0; p = 1 gives zeros', () => {
  const x = randn([4, 5]);
  assert.equal(F.dropout(x, { training: false }), x);
  assert.equal(F.dropout(x, { p: 0 }), x);
  const z = ones([3, 4]).requiresGrad_();
  const y = F.dropout(z, { p: 1 });
  assertClose(y, new Array(12).fill(0));
  y.sum().backward();
  assertClose(z.grad as Tensor, new Array(12).fill(0));
});

test('dropout keeps about 1 - p of the elements and scales them by 1/(1-p)', () => {
  manualSeed(11);
  const n = 100000;
  for (const p of [0.2, 0.5, 0.9]) {
    const y = F.dropout(ones([n]), { p });
    let kept = 0;
    for (const v of y.data) {
      if (v !== 0) {
        kept++;
        assert.ok(Math.abs(v - 1 / (1 - p)) < 1e-6, `kept value ${v} for p=${p}`);
      }
    }
    // binomial keep count: within 5 standard deviations of n(1-p)
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(kept - n * (1 - p)) < 5 * sd, `p=${p}: kept ${kept} of ${n}`);
    // the expectation is preserved (inverted dropout)
    assert.ok(Math.abs(y.mean().item() - 1) < 5 * Math.sqrt(p / (1 - p) / n), `p=${p}: mean ${y.mean().item()}`);
  }
});

test('dropout is reproducible with manualSeed and its gradient uses the same mask', () => {
  manualSeed(5);
  const a = F.dropout(ones([50])).toFlatArray();
  manualSeed(5);
  const b = F.dropout(ones([50])).toFlatArray();
  assert.deepEqual(a, b);
  manualSeed(6);
  assert.notDeepEqual(F.dropout(ones([50])).toFlatArray(), a);
  const x = randn([6, 7]).requiresGrad_();
  const y = F.dropout(x, { p: 0.3 });
  const g = randn([6, 7]);
  y.backward(g);
  // dy/dx is diagonal: mask / (1 - p), readable from y / x
  const expected = Array.from(g.data, (gv, i) => (y.data[i] === 0 ? 0 : gv / 0.7));
  assertClose(x.grad as Tensor, expected, { atol: 1e-5 });
});

test('dropout2d and dropout1d zero whole channels', () => {
  manualSeed(9);
  const x = randn([8, 16, 3, 3]).add(10); // no zeros in x
  const y = F.dropout2d(x, { p: 0.5 });
  let dropped = 0;
  for (let ch = 0; ch < 8 * 16; ch++) {
    const plane = Array.from(y.data.subarray(ch * 9, ch * 9 + 9));
    const src = Array.from(x.data.subarray(ch * 9, ch * 9 + 9));
    if (plane.every((v) => v === 0)) dropped++;
    else
      assertClose(
        plane,
        src.map((v) => v * 2),
        { atol: 1e-5, msg: `channel ${ch}` },
      );
  }
  assert.ok(dropped > 32 && dropped < 96, `dropped ${dropped} of 128 channels`);
  const u = F.dropout2d(randn([4, 2, 2]).add(10), { p: 0.5 });
  for (let ch = 0; ch < 4; ch++) {
    const plane = Array.from(u.data.subarray(ch * 4, ch * 4 + 4));
    assert.ok(plane.every((v) => v === 0) || plane.every((v) => v !== 0));
  }
  const v = F.dropout1d(randn([3, 10, 5]).add(10), { p: 0.5 });
  for (let ch = 0; ch < 30; ch++) {
    const row = Array.from(v.data.subarray(ch * 5, ch * 5 + 5));
    assert.ok(row.every((e) => e === 0) || row.every((e) => e !== 0));
  }
  assert.equal(F.dropout2d(x, { training: false }), x);
});

test('dropout errors', () => {
  const x = tensor([1, 2]);
  assert.throws(() => F.dropout(x, { p: 1.5 }), /dropout: dropout probability p must be in \[0, 1\], got 1.5/);
  assert.throws(() => F.dropout(x, { p: -0.1 }), /dropout: dropout probability p must be in \[0, 1\]/);
  assert.throws(
    () => F.dropout2d(randn([2, 3])),
    /dropout2d: expected a 4-D input \(N, C, H, W\) or a 3-D unbatched one, got \[2, 3\]/,
  );
});
