/** Proximal L1 / elastic net: soft-threshold values and optimality, the optimizers' `l1` option, sparsity(). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Tensor, optim, nn, zerosLike } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

const { SGD, Adam, Adagrad, RMSprop, proximalL1_, proximalElasticNet_, sparsity, paramGroupsWithoutDecay } = optim;
const tol = { atol: 1e-6, rtol: 1e-5 };

function param(values: number[]): Tensor {
  return tensor(values, { requiresGrad: true });
}

test('proximalL1_: soft thresholding, exact zeros counted', () => {
  const w = tensor([3, -0.75, 0.25, -2, 0.5, 0]);
  const zeros = proximalL1_([w], 0.5);
  assertClose(w, [2.5, -0.25, 0, -1.5, 0, 0], tol);
  assert.equal(zeros, 3);
  assert.equal(w.data[4], 0); // |w| = threshold lands on 0 exactly
  assert.equal(proximalL1_(w, 0), 3); // threshold 0: unchanged
  assert.throws(
    () => proximalL1_([w], -0.1),
    /proximalL1_: threshold must be a finite number >= 0, got -0.1 \(pass lr \* lambda\)/,
  );
  assert.throws(() => proximalL1_([tensor([1], { dtype: 'int32' })], 0.1), /proximalL1_: a parameter is int32/);
});

test('proximalL1_ is the proximal operator: (v - u) / t is a subgradient of |u| (checked on 200 values)', () => {
  const v = Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) * 2);
  const t = 0.6;
  const u = tensor(v);
  proximalL1_(u, t);
  v.forEach((vi, i) => {
    const ui = u.data[i];
    const s = (vi - ui) / t;
    if (ui !== 0)
      assert.ok(Math.abs(s - Math.sign(ui)) < 1e-5, `value ${vi}: (v-u)/t = ${s}, sign(u) = ${Math.sign(ui)}`);
    else assert.ok(Math.abs(s) <= 1 + 1e-6, `value ${vi} -> 0 needs |v| <= t`);
  });
});

test('proximalElasticNet_: argmin of (u-v)^2/2 + t1|u| + t2 u^2, closed form vs a grid search', () => {
  const v = [2, -1.5, 0.1, -0.05, 0.8];
  const t1 = 0.3,
    t2 = 0.25;
  const w = tensor(v);
  assert.equal(proximalElasticNet_([w], t1, t2), 2);
  v.forEach((vi, i) => {
    let best = 0,
      bestF = Infinity;
    for (let u = -3; u <= 3; u += 1e-4) {
      const f = (u - vi) ** 2 / 2 + t1 * Math.abs(u) + t2 * u * u;
      if (f < bestF) [best, bestF] = [u, f];
    }
    assert.ok(Math.abs(w.data[i] - best) < 2e-4, `v ${vi}: prox ${w.data[i]}, grid ${best}`);
  });
});

test('SGD l1 (proximal) is ISTA: exact zeros on a lasso problem; subgradient mode only oscillates near 0', () => {
  // f(w) = ||w - a||^2 / 2 + lambda ||w||_1 has the minimizer S(a, lambda) = [2, 0, 0, -1]
  const a = [3, -0.5, 0.2, -2];
  const run = (l1Mode: optim.L1Mode): Tensor => {
    const w = param([0, 0, 0, 0]);
    const opt = new SGD([w], { lr: 0.3, l1: 1, l1Mode });
    for (let k = 0; k < 60; k++) {
      opt.zeroGrad();
      w.sub(tensor(a)).square().sum().mul(0.5).backward();
      opt.step();
    }
    return w;
  };
  const prox = run('proximal');
  assertClose(prox, [2, 0, 0, -1], tol);
  assert.equal(sparsity([prox]).zeros, 2);
  const sub = run('subgradient');
  assert.equal(sparsity([sub]).zeros, 0);
  // the subgradient steps jump across 0 (by up to lr * (lambda + |a|)) instead of settling on it
  assert.ok(Math.abs(sub.data[1]) < 0.5 && Math.abs(sub.data[2]) < 0.5, `subgradient: ${sub.data}`);
  // one step by hand: w = [0.5, -0.1] - lr * g, then threshold lr * l1
  const w = param([0.5, -0.1]);
  w.grad = tensor([1, -0.7]);
  new SGD([w], { lr: 0.1, l1: 0.5 }).step(); // [0.4, -0.03], then threshold 0.05
  assertClose(w, [0.35, 0], tol);
  assert.equal(w.data[1], 0);
  const v = param([0.5, -0.1, 0]);
  v.grad = tensor([1, 1, 1]);
  new SGD([v], { lr: 0.1, l1: 0.5, l1Mode: 'subgradient' }).step(); // g + l1 sign(w)
  assertClose(v, [0.5 - 0.1 * 1.5, -0.1 - 0.1 * 0.5, -0.1], tol);
  assertClose(v.grad!, [1, 1, 1]); // the gradient itself is left alone
});

test('Adam, Adagrad, RMSprop: the threshold is lr * l1 / (sqrt(v) + eps) per coordinate', () => {
  // Adam step 1: m_hat = g, v_hat = g^2, so w <- w - lr g / (|g| + eps), threshold lr l1 / (|g| + eps)
  const g = [0.5, -2, 0.1],
    w0 = [1, 0.2, -0.001],
    lr = 0.1,
    l1 = 0.3,
    eps = 1e-8;
  const soft = (v: number, t: number) => Math.sign(v) * Math.max(Math.abs(v) - t, 0);
  const wa = param(w0);
  wa.grad = tensor(g);
  new Adam([wa], { lr, l1 }).step();
  assertClose(
    wa,
    w0.map((w, i) => soft(w - (lr * g[i]) / (Math.abs(g[i]) + eps), (lr * l1) / (Math.abs(g[i]) + eps))),
    tol,
  );
  // Adagrad step 1: sum = g^2, same form (as TensorFlow's ProximalAdagrad)
  const wg = param(w0);
  wg.grad = tensor(g);
  new Adagrad([wg], { lr, l1 }).step();
  assertClose(
    wg,
    w0.map((w, i) => soft(w - (lr * g[i]) / (Math.abs(g[i]) + 1e-10), (lr * l1) / (Math.abs(g[i]) + 1e-10))),
    tol,
  );
  // RMSprop step 1: squareAvg = (1 - alpha) g^2
  const alpha = 0.9;
  const wr = param(w0);
  wr.grad = tensor(g);
  new RMSprop([wr], { lr, l1, alpha }).step();
  const d = g.map((gi) => Math.sqrt((1 - alpha) * gi * gi) + 1e-8);
  assertClose(
    wr,
    w0.map((w, i) => soft(w - (lr * g[i]) / d[i], (lr * l1) / d[i])),
    tol,
  );
});

test('Adam and Adagrad with proximal l1 reach the lasso minimizer with its exact zeros (the fixed point is the same)', () => {
  const a = [3, -0.5, 0.2, -2];
  for (const make of [
    (w: Tensor) => new Adam([w], { lr: 0.05, l1: 1 }),
    (w: Tensor) => new Adagrad([w], { lr: 0.5, l1: 1 }),
  ]) {
    const w = param([0.1, 0.1, -0.1, 0.1]);
    const opt = make(w);
    for (let k = 0; k < 200; k++) {
      opt.zeroGrad();
      w.sub(tensor(a)).square().sum().mul(0.5).backward();
      opt.step();
    }
    assertClose(w, [2, 0, 0, -1], { atol: 2e-2, rtol: 0, msg: opt.constructor.name });
    assert.equal(w.data[1], 0, `${opt.constructor.name}: exact 0`);
    assert.equal(w.data[2], 0, `${opt.constructor.name}: exact 0`);
  }
});

test('l1 options: validation, per-group lambda, stateDict round trip', () => {
  const w = param([1]);
  assert.throws(
    () => new SGD([w], { lr: 0.1, l1: -1 }),
    /SGD: invalid l1 -1 \(the L1 lambda must be a finite number >= 0\)/,
  );
  assert.throws(
    () => new Adam([w], { l1Mode: 'lasso' as optim.L1Mode }),
    /Adam: unknown l1Mode 'lasso' \(expected 'proximal' or 'subgradient'\)/,
  );
  assert.throws(
    () => new SGD([w], { lr: 0.1, l1: 0.1, maximize: true }),
    /SGD: l1 0.1 penalizes a loss being minimized/,
  );
  const model = new nn.Linear(3, 2);
  const groups = paramGroupsWithoutDecay(model.namedParameters(), 0.01, { l1: 0.2 });
  assert.deepEqual(
    groups.map((gr) => [gr.params.length, gr.weightDecay, gr.l1]),
    [
      [1, 0.01, 0.2],
      [1, 0, 0],
    ],
  );
  assert.equal(paramGroupsWithoutDecay(model.namedParameters(), 0.01)[0].l1, undefined);
  const opt = new SGD(groups, { lr: 0.1 });
  for (const p of model.parameters()) p.grad = zerosLike(p);
  model.weight.copy_(
    tensor([
      [0.01, -0.5, 0.03],
      [1, -0.015, 0],
    ]),
  );
  model.bias!.copy_(tensor([0.01, -0.01]));
  opt.step();
  // weights: decay w (1 - lr wd), then threshold lr * l1 = 0.02
  assertClose(model.weight, [0, -0.4795, 0.02997 - 0.02, 0.999 - 0.02, 0, 0], tol);
  assertClose(model.bias!, [0.01, -0.01], tol); // biases: l1 0
  const sd = JSON.parse(JSON.stringify(opt.stateDict())) as optim.OptimizerStateDict;
  assert.equal(sd.paramGroups[0].l1, 0.2);
  const opt2 = new SGD(paramGroupsWithoutDecay(model.namedParameters(), 0.01), { lr: 0.1 });
  opt2.loadStateDict(sd);
  assert.equal(opt2.paramGroups[0].l1, 0.2);
});

test('sparsity: exact zeros by default, a threshold, named parameters', () => {
  const a = tensor([0, 1e-9, -0.5, 0]),
    b = tensor([[0.001, 0]]);
  const r = sparsity([a, b]);
  assert.deepEqual([r.zeros, r.total, r.threshold], [3, 6, 0]);
  assert.equal(r.fraction, 0.5);
  assert.deepEqual(
    r.params.map((p) => [p.name, p.zeros, p.total]),
    [
      ['0', 2, 4],
      ['1', 1, 2],
    ],
  );
  assert.equal(sparsity([a, b], { threshold: 2e-3 }).zeros, 5);
  const m = new nn.Linear(2, 2);
  m.weight.copy_(
    tensor([
      [0, 1],
      [0, 0],
    ]),
  );
  const named = sparsity(m.namedParameters());
  assert.deepEqual(named.params[0].shape, [2, 2]);
  assert.equal(named.params[0].name, 'weight');
  assert.equal(named.params[0].zeros, 3);
  assert.equal(sparsity([]).fraction, 0);
  assert.throws(() => sparsity([a], { threshold: -1 }), /sparsity: threshold must be a number >= 0, got -1/);
});
