import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, randn, tensor, manualSeed, type Tensor } from '../../../src/index.js';
import { assertClose } from '../../helpers/check.js';

/** Per-channel mean and unbiased variance of an (N, C) tensor, in float64. */
function channelStats(x: Tensor): { mean: number[]; varU: number[]; varB: number[] } {
  const [n, c] = x.shape,
    d = x.data;
  const mean: number[] = [],
    varU: number[] = [],
    varB: number[] = [];
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[i * c + j];
    const m = s / n;
    let q = 0;
    for (let i = 0; i < n; i++) q += (d[i * c + j] - m) ** 2;
    mean.push(m);
    varU.push(q / (n - 1));
    varB.push(q / n);
  }
  return { mean, varU, varB };
}

test('Dropout: active in training, the identity in eval mode', () => {
  manualSeed(6);
  const drop = new nn.Dropout(0.5);
  const x = randn([1000]).abs().add(0.1);
  const y = drop.call(x);
  const zeros = y.toFlatArray().filter((v) => v === 0).length;
  assert.ok(zeros > 400 && zeros < 600, `about half dropped, got ${zeros}`);
  // survivors are scaled by 1/(1-p)
  y.toFlatArray().forEach((v, i) => {
    if (v !== 0) assert.ok(Math.abs(v - 2 * x.data[i]) < 1e-6);
  });
  drop.eval();
  assert.equal(drop.call(x), x);
  const d2 = new nn.Dropout2d(0.5).eval();
  const fm = randn([2, 4, 3, 3]);
  assert.equal(d2.call(fm), fm);
  d2.train();
  const out = d2.call(fm.abs().add(0.1));
  // whole channels are zeroed or kept
  for (let k = 0; k < 8; k++) {
    const ch = Array.from(out.data.subarray(k * 9, k * 9 + 9));
    assert.ok(ch.every((v) => v === 0) || ch.every((v) => v !== 0), `channel ${k} is all-or-nothing`);
  }
});

test('BatchNorm1d: running statistics updated in training only, used in eval', () => {
  manualSeed(7);
  const bn = new nn.BatchNorm1d(3);
  const x = randn([8, 3]).mul(2).add(1);
  const st = channelStats(x);
  const y = bn.call(x);
  // training output uses batch statistics (biased variance)
  const yExp = Array.from(x.data, (v, i) => (v - st.mean[i % 3]) / Math.sqrt(st.varB[i % 3] + 1e-5));
  assertClose(y, yExp, { atol: 1e-4 });
  assertClose(
    bn.running_mean as Tensor,
    st.mean.map((m) => 0.1 * m),
    { atol: 1e-6 },
  );
  assertClose(
    bn.running_var as Tensor,
    st.varU.map((v) => 0.9 + 0.1 * v),
    { atol: 1e-5 },
  );
  assert.equal(bn.num_batches_tracked?.data[0], 1);
  bn.eval();
  const rm = (bn.running_mean as Tensor).toFlatArray(),
    rv = (bn.running_var as Tensor).toFlatArray();
  const z = randn([4, 3]);
  const ye = bn.call(z);
  assertClose(
    ye,
    Array.from(z.data, (v, i) => (v - rm[i % 3]) / Math.sqrt(rv[i % 3] + 1e-5)),
    { atol: 1e-5 },
  );
  // eval leaves the statistics alone
  assert.deepEqual((bn.running_mean as Tensor).toFlatArray(), rm);
  assert.equal(bn.num_batches_tracked?.data[0], 1);
});

test('BatchNorm momentum null: cumulative average of the batch statistics', () => {
  manualSeed(8);
  const bn = new nn.BatchNorm1d(2, { momentum: null });
  const xs = [randn([5, 2]), randn([5, 2]).add(3), randn([5, 2]).mul(4)];
  for (const x of xs) bn.call(x);
  const stats = xs.map(channelStats);
  assertClose(
    bn.running_mean as Tensor,
    [0, 1].map((j) => stats.reduce((s, t) => s + t.mean[j], 0) / 3),
    { atol: 1e-5 },
  );
  assertClose(
    bn.running_var as Tensor,
    [0, 1].map((j) => stats.reduce((s, t) => s + t.varU[j], 0) / 3),
    { atol: 1e-4 },
  );
  assert.equal(bn.num_batches_tracked?.data[0], 3);
});

test('BatchNorm2d: per-channel statistics over (N, H, W); trackRunningStats false uses batch stats always', () => {
  manualSeed(9);
  const bn = new nn.BatchNorm2d(2, { momentum: 0.5 });
  const x = randn([3, 2, 2, 2]).add(5);
  bn.call(x);
  const flat = x.permute([0, 2, 3, 1]).reshape([12, 2]); // (N*H*W, C)
  const st = channelStats(flat);
  assertClose(
    bn.running_mean as Tensor,
    st.mean.map((m) => 0.5 * m),
    { atol: 1e-5 },
  );
  assertClose(
    bn.running_var as Tensor,
    st.varU.map((v) => 0.5 + 0.5 * v),
    { atol: 1e-5 },
  );
  const free = new nn.BatchNorm2d(2, { trackRunningStats: false }).eval();
  assert.equal(free.running_mean, null);
  assert.equal(free.runningMean, null);
  assert.equal([...free.namedBuffers()].length, 0);
  const y = free.call(x);
  assertClose(y.mean([0, 2, 3]), [0, 0], { atol: 1e-5 });
  // the affine parameters start at weight 1, bias 0
  assert.deepEqual(bn.weight?.toFlatArray(), [1, 1]);
  assert.deepEqual(bn.bias?.toFlatArray(), [0, 0]);
});

test('LayerNorm and LocalResponseNorm do not depend on the mode', () => {
  manualSeed(10);
  const ln = new nn.LayerNorm(4);
  const x = randn([3, 4]);
  const a = ln.call(x);
  assertClose(a.mean(1), [0, 0, 0], { atol: 1e-6 });
  ln.eval();
  assertClose(ln.call(x), a, { atol: 0, rtol: 0 });
  const lrn = new nn.LocalResponseNorm(2, { alpha: 1, beta: 1, k: 1 });
  const t = tensor([[[[1]], [[2]]]]);
  // channel 0 window {-1, 0} clipped: 1 / (1 + (1/2)*1), channel 1 window {0, 1}: 2 / (1 + (1/2)*(1+4))
  assertClose(lrn.call(t), [[[[1 / 1.5]], [[2 / 3.5]]]], { atol: 1e-6 });
});

test("BatchNorm buffers carry PyTorch's names; the camelCase getters are the same tensors", () => {
  const bn = new nn.BatchNorm2d(3);
  assert.deepEqual(
    [...bn.stateDict().keys()],
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'],
  );
  assert.equal(bn.runningMean, bn.running_mean);
  assert.equal(bn.runningVar, bn.running_var);
  assert.equal(bn.numBatchesTracked, bn.num_batches_tracked);
  // assigning through the alias replaces the registered buffer (as PyTorch's attribute assignment)
  bn.runningMean = (bn.running_mean as Tensor).add(1);
  assert.equal(bn.stateDict().get('running_mean')?.data[0], 1);
});
