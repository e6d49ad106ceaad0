// Tensors print like PyTorch's (issue 11): every case in test/fixtures/print/cases.json (written by
// scripts/gen-print-fixtures.py from torch 1.13's repr) prints the same from Tensor.toString() and
// Node's util.inspect; the exact number formatting and setPrintOptions on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Tensor, setPrintOptions, tensor, arange } from '../../src/index.js';
import { formatFixed, formatSci, formatTensor, getPrintOptions } from '../../src/tensor/format.js';
import type { SetPrintOptions } from '../../src/tensor/format.js';

interface Case {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: (number | string)[];
  requiresGrad: boolean;
  op: 'mul2' | 'add1' | 'relu' | 'sum' | null;
  options: SetPrintOptions;
  expected: string;
  /** Kept out of the file: element i is ((i * mul) % mod - offset) / scale, the last one `last` if not null. */
  fill?: { mul: number; mod: number; offset: number; scale: number; last: number | null };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/print/cases.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
};

const decode = (v: number | string): number =>
  typeof v === 'number' ? v : ({ nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 } as Record<string, number>)[v];

function build(c: Case): Tensor {
  if (c.fill) {
    const { mul, mod, offset, scale, last } = c.fill;
    const data = new Float32Array(c.shape.reduce((a, b) => a * b, 1)).map(
      (_, i) => (((i * mul) % mod) - offset) / scale,
    );
    if (last !== null) data[data.length - 1] = last;
    return new Tensor(data, c.shape);
  }
  const values = c.data.map(decode);
  let t = new Tensor(c.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), c.shape);
  if (c.requiresGrad) t.requiresGrad_(true);
  if (c.op === 'mul2') t = t.mul(2);
  else if (c.op === 'add1') t = t.add(1);
  else if (c.op === 'relu') t = t.relu();
  else if (c.op === 'sum') t = t.sum();
  return t;
}

test('the fixture covers the cases the printer must handle', () => {
  assert.ok(fixture.cases.length >= 50, `only ${fixture.cases.length} cases`);
  const ranks = new Set(fixture.cases.map((c) => c.shape.length));
  for (const r of [0, 1, 2, 3, 4]) assert.ok(ranks.has(r), `no case of rank ${r}`);
  assert.ok(fixture.cases.some((c) => c.expected.includes('...')));
  assert.ok(fixture.cases.some((c) => c.expected.includes('e-0')));
  assert.ok(fixture.cases.some((c) => c.expected.includes('nan')));
});

for (const c of fixture.cases) {
  test(`prints as PyTorch ${fixture.torch}: ${c.name}`, () => {
    const t = build(c);
    setPrintOptions(c.options);
    try {
      assert.equal(t.toString(), c.expected);
      assert.equal(String(t), c.expected);
      assert.equal(inspect(t), c.expected);
    } finally {
      setPrintOptions({ profile: 'default' });
    }
  });
}

test('util.inspect and console.log use the same text inside objects and arrays', () => {
  const t = tensor([
    [1, -2.5],
    [3, 4],
  ]);
  assert.equal(inspect({ x: t }), `{\n  x: tensor([[ 1.0000, -2.5000],\n          [ 3.0000,  4.0000]])\n}`);
  assert.equal(inspect([tensor([1, 2], { dtype: 'int32' })]), '[ tensor([1, 2]) ]');
});

test('numbers are rounded as Python formats them (exact binary value, ties to even)', () => {
  assert.equal(formatFixed(2.675, 2), '2.67'); // 2.67499999... in binary
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.deepEqual(
    [0.5, 1.5, 2.5, -0.5].map((v) => formatFixed(v, 0)),
    ['0', '2', '2', '-0'],
  );
  assert.equal(formatFixed(1e20, 4), '100000000000000000000.0000');
  assert.equal(formatFixed(5e-324, 6), '0.000000');
  assert.equal(formatFixed(-0, 4), '-0.0000');
  assert.equal(formatSci(9.99996, 4), '1.0000e+01');
  assert.equal(formatSci(Math.fround(1.401298464324817e-45), 4), '1.4013e-45');
  assert.equal(formatSci(-0, 3), '-0.000e+00');
  assert.equal(formatSci(15, 0), '2e+01');
  assert.equal(formatSci(3.4028234663852886e38, 4), '3.4028e+38');
  assert.deepEqual(
    [NaN, Infinity, -Infinity].map((v) => formatSci(v, 4)),
    ['nan', 'inf', '-inf'],
  );
});

test('setPrintOptions: like torch.set_printoptions, validated, and sciMode goes back to automatic', () => {
  try {
    setPrintOptions({ precision: 2, sciMode: true });
    assert.equal(String(tensor([1.5])), 'tensor([1.50e+00])');
    setPrintOptions({ precision: 3 });
    assert.equal(getPrintOptions().sciMode, null);
    assert.equal(String(tensor([1.5])), 'tensor([1.500])');
    setPrintOptions({ profile: 'short' });
    assert.deepEqual(getPrintOptions(), { precision: 2, threshold: 1000, edgeItems: 2, lineWidth: 80, sciMode: null });
    setPrintOptions({ profile: 'full' });
    assert.ok(!String(arange(0, 2000)).includes('...'));
    // per call, without touching the global options
    assert.equal(formatTensor(tensor([1.25, 2]), { precision: 1 }), 'tensor([1.2, 2.0])');
    assert.equal(getPrintOptions().precision, 4);
  } finally {
    setPrintOptions({ profile: 'default' });
  }
  assert.deepEqual(getPrintOptions(), { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80, sciMode: null });
  assert.throws(
    () => setPrintOptions({ precision: -1 }),
    /setPrintOptions: precision must be an integer from 0 to 100, got -1/,
  );
  assert.throws(() => setPrintOptions({ edgeItems: 1.5 }), /setPrintOptions: edgeItems must be an integer/);
  assert.throws(() => setPrintOptions({ lineWidth: 0 }), /setPrintOptions: lineWidth must be an integer from 1/);
  assert.throws(() => setPrintOptions({ threshold: NaN }), /setPrintOptions: threshold must be a number >= 0/);
  assert.throws(
    () => setPrintOptions({ profile: 'long' as 'full' }),
    /setPrintOptions: profile must be 'default', 'short' or 'full', got long/,
  );
  assert.throws(() => setPrintOptions({ sciMode: 'yes' as unknown as boolean }), /sciMode must be true, false or null/);
  // a rejected call changes nothing
  assert.deepEqual(getPrintOptions(), { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80, sciMode: null });
});
