import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, zeros, manualSeed, type Tensor } from '../../../src/index.js';

const { init } = nn;

function stats(t: Tensor): { min: number; max: number; mean: number; std: number } {
  const d = Array.from(t.data);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { min: Math.min(...d), max: Math.max(...d), mean, std };
}

/**
 * Checks U(-b, b): inside the bounds, reaching near them (the extremes of n draws lie on average
 * 2b/n from the ends), with mean 0 and std b/sqrt(3) up to 4 standard errors
 * (se(mean) = b/sqrt(3n), se(std)/std = sqrt(0.8/(4n)) for a uniform).
 */
function assertUniform(t: Tensor, b: number, what: string): void {
  const s = stats(t),
    n = t.size;
  assert.ok(s.min >= -b && s.max <= b, `${what}: values within ±${b}, got [${s.min}, ${s.max}]`);
  const reach = b * (1 - 20 / n); // P(no draw within 10b/n of an end) = e^-10
  assert.ok(s.min < -reach && s.max > reach, `${what}: values fill ±${b}, got [${s.min}, ${s.max}]`);
  const sd = b / Math.sqrt(3);
  assert.ok(Math.abs(s.std - sd) < 4 * Math.sqrt(0.2 / n) * sd, `${what}: std ${s.std} vs ${sd}`);
  assert.ok(Math.abs(s.mean) < (4 * sd) / Math.sqrt(n), `${what}: mean ${s.mean}`);
}

test('calculateGain and calculateFanInAndFanOut follow torch.nn.init', () => {
  assert.equal(init.calculateGain('linear'), 1);
  assert.equal(init.calculateGain('conv2d'), 1);
  assert.equal(init.calculateGain('sigmoid'), 1);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('selu'), 0.75);
  assert.ok(Math.abs(init.calculateGain('leakyRelu') - Math.sqrt(2 / (1 + 1e-4))) < 1e-12);
  assert.ok(Math.abs(init.calculateGain('leakyRelu', Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-12);
  assert.throws(() => init.calculateGain('swish' as never), /unsupported nonlinearity 'swish'/);
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([10, 3, 5, 5])), { fanIn: 75, fanOut: 250 });
  assert.deepEqual(init.calculateFanInAndFanOut([7, 20]), { fanIn: 20, fanOut: 7 });
  assert.throws(() => init.calculateFanInAndFanOut(zeros([5])), /at least 2 dimensions, got shape \[5\]/);
});

test('Linear and Conv default init: U(±1/sqrt(fanIn)) weights and biases (PyTorch)', () => {
  manualSeed(11);
  const lin = new nn.Linear(100, 200);
  assertUniform(lin.weight, 0.1, 'Linear weight');
  assertUniform(lin.bias as Tensor, 0.1, 'Linear bias');
  const conv = new nn.Conv2d(16, 64, 3);
  assertUniform(conv.weight, 1 / 12, 'Conv2d weight');
  assertUniform(conv.bias as Tensor, 1 / 12, 'Conv2d bias');
  // transposed conv: weight (in, out, k, k), PyTorch's fanIn is shape[1] * k * k
  const tconv = new nn.ConvTranspose2d(64, 16, 3);
  assertUniform(tconv.weight, 1 / 12, 'ConvTranspose2d weight');
  const lc = new nn.LocallyConnected2d(4, 8, 3, 8);
  assertUniform(lc.weight, 1 / 6, 'LocallyConnected2d weight');
});

test('Kaiming and Xavier initialisers have the documented spread', () => {
  manualSeed(12);
  const w = zeros([256, 128]);
  init.kaimingUniform_(w);
  assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / 128), 'kaimingUniform_ fanIn');
  init.kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu' });
  assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / 256), 'kaimingUniform_ fanOut');
  init.xavierUniform_(w, 2);
  assertUniform(w, 2 * Math.sqrt(6 / 384), 'xavierUniform_');
  init.uniform_(w, -3, 3);
  assertUniform(w, 3, 'uniform_');
  const normals: [string, () => void, number][] = [
    ['kaimingNormal_', () => init.kaimingNormal_(w, { nonlinearity: 'tanh' }), 5 / 3 / Math.sqrt(128)],
    ['xavierNormal_', () => init.xavierNormal_(w), Math.sqrt(2 / 384)],
    ['normal_', () => init.normal_(w, 0, 0.02), 0.02],
  ];
  for (const [name, fn, sd] of normals) {
    fn();
    const s = stats(w);
    // 32768 draws: se(std)/std = 1/sqrt(2n) = 0.004, se(mean)/std = 0.0055; 3% is > 5 se
    assert.ok(Math.abs(s.std - sd) < 0.03 * sd, `${name}: std ${s.std} vs ${sd}`);
    assert.ok(Math.abs(s.mean) < 0.03 * sd, `${name}: mean ${s.mean}`);
  }
  init.normal_(w, 5, 1);
  assert.ok(Math.abs(stats(w).mean - 5) < 0.03);
  assert.deepEqual(new Set(init.zeros_(w).toFlatArray()), new Set([0]));
  assert.deepEqual(new Set(init.ones_(w).toFlatArray()), new Set([1]));
  assert.deepEqual(new Set(init.constant_(w, 0.25).toFlatArray()), new Set([0.25]));
  assert.throws(() => init.kaimingUniform_(w, { mode: 'fan_in' as never }), /mode must be 'fanIn' or 'fanOut'/);
  assert.throws(() => init.uniform_(w, 1, 0), /low <= high/);
});

test('initialisation is reproducible under manualSeed and works in place', () => {
  manualSeed(13);
  const a = new nn.Conv2d(3, 4, 3);
  manualSeed(13);
  const b = new nn.Conv2d(3, 4, 3);
  assert.deepEqual(a.weight.toFlatArray(), b.weight.toFlatArray());
  const w = a.weight;
  assert.equal(init.zeros_(w), w);
  assert.ok(a.weight.requiresGrad);
});
