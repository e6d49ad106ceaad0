// Nice ticks and tick labels: the steps d3/matplotlib choose (1, 2, 2.5, 5 x 10^k), whole-number
// ticks for epochs, and labels with exactly the digits the step needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerTicks, niceStep, niceTicks } from '../../src/plot/scale.js';
import { base64, esc, formatTick } from '../../src/plot/svg.js';

test('niceTicks covers the range with 1/2/2.5/5 x 10^k steps and clean values', () => {
  assert.deepEqual(niceTicks(0, 2.37, 5).values, [0, 0.5, 1, 1.5, 2, 2.5]);
  assert.deepEqual(niceTicks(0.0612, 0.47, 4).values, [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(0.0612, 0.47, 8).values, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.deepEqual(niceTicks(-0.48, 0.51, 4).values, [-0.5, -0.25, 0, 0.25, 0.5, 0.75]);
  assert.deepEqual(niceTicks(93.2, 99.1, 5).values, [92, 94, 96, 98, 100]);
  const t = niceTicks(3, 3, 5);
  assert.ok(t.min < 3 && t.max > 3, 'a single value is widened around itself');
  assert.equal(niceStep(7, 5), 2);
  assert.equal(niceStep(0.0011, 5), 0.00025);
  assert.throws(() => niceTicks(NaN, 1, 5, 'y axis'), /the y axis has no finite values/);
});

test('integerTicks: whole steps of 1, 2, 5, 10... over [lo, hi]', () => {
  assert.deepEqual(integerTicks(1, 5, 8).values, [1, 2, 3, 4, 5]);
  assert.deepEqual(integerTicks(1, 20, 8).values, [5, 10, 15, 20]);
  assert.deepEqual(integerTicks(1, 300, 6).values, [50, 100, 150, 200, 250, 300]);
  assert.deepEqual(integerTicks(1, 2, 8).values, [1, 2]);
});

test('formatTick prints the digits the step needs, a real minus sign, exponents for tiny values', () => {
  assert.equal(formatTick(0.25, 0.25), '0.25');
  assert.equal(formatTick(0.5, 0.25), '0.50');
  assert.equal(formatTick(-1.5, 0.5), '\u22121.5');
  assert.equal(formatTick(20, 10), '20');
  assert.equal(formatTick(0, 0.1), '0');
  assert.equal(formatTick(2.5e-4, 2.5e-4), '2.5e\u22124');
  assert.equal(formatTick(5e-4, 2.5e-4), '5.0e\u22124');
  assert.equal(formatTick(200000, 100000), '2e5');
});

test('SVG text is escaped and base64 matches the standard alphabet', () => {
  assert.equal(esc('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  for (const s of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'])
    assert.equal(base64(new TextEncoder().encode(s)), Buffer.from(s).toString('base64'));
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 255);
  assert.equal(base64(bytes), Buffer.from(bytes).toString('base64'));
});
