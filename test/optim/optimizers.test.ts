import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Tensor, optim } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

const { SGD, Adam, AdamW, RMSprop, Adagrad, paramGroupsWithoutDecay } = optim;

/** A leaf parameter holding the given values. */
function param(values: number[]): Tensor {
  return tensor(values, { requiresGrad: true });
}
/** Sets p.grad to the given values. */
function setGrad(p: Tensor, values: number[]): void {
  p.grad = tensor(values);
}

// float32 storage: hand-computed values below are exact decimals, compared at ~1e-6 relative
const tol = { atol: 1e-6, rtol: 1e-5 };

test('SGD: plain step and weight decay', () => {
  const w = param([1, -2]);
  const opt = new SGD([w], { lr: 0.1 });
  setGrad(w, [0.5, 1]);
  opt.step();
  assertClose(w, [1 - 0.05, -2 - 0.1], tol);
  const v = param([2, -4]);
  const opt2 = new SGD([v], { lr: 0.1, weightDecay: 0.5 });
  setGrad(v, [1, 1]);
  opt2.step(); // g + wd*w = [2, -1]
  assertClose(v, [2 - 0.2, -4 + 0.1], tol);
});

test('SGD momentum (pytorch form, with dampening)', () => {
  const w = param([1]);
  const opt = new SGD([w], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
  setGrad(w, [1]);
  opt.step(); // b = g = 1 (no dampening on the first step); w = 0.9
  assertClose(w, [0.9], tol);
  setGrad(w, [2]);
  opt.step(); // b = 0.9*1 + 0.5*2 = 1.9; w = 0.9 - 0.19 = 0.71
  assertClose(w, [0.71], tol);
  assertClose(opt.state.get(w)?.momentumBuffer as Float32Array, [1.9], tol);
});

test("SGD momentum, lecture form: reproduces the lecture's expansion of the first rounds", () => {
  // lecture: v <- alpha v + g_t; w_t <- w_{t-1} - eta v, so
  // w1 = w0 - eta g1; w2 = w1 - alpha eta g1 - eta g2; w3 = w2 - alpha^2 eta g1 - alpha eta g2 - eta g3
  const eta = 0.1,
    alpha = 0.5,
    g = [1, -2, 4],
    w0 = 3;
  const w = param([w0]);
  const opt = new SGD([w], { lr: eta, momentum: alpha, momentumForm: 'lecture' });
  const w1 = w0 - eta * g[0];
  const w2 = w1 - alpha * eta * g[0] - eta * g[1];
  const w3 = w2 - alpha ** 2 * eta * g[0] - alpha * eta * g[1] - eta * g[2];
  for (const [k, want] of [w1, w2, w3].entries()) {
    setGrad(w, [g[k]]);
    opt.step();
    assertClose(w, [want], tol);
  }
  assert.throws(
    () => new SGD([param([1])], { lr: 0.1, momentum: 0.9, dampening: 0.1, momentumForm: 'lecture' }),
    /dampening/,
  );
});

test('SGD momentum, sutskever form folds lr into the velocity (differs when lr changes)', () => {
  const a = param([1]),
    b = param([1]);
  const optA = new SGD([a], { lr: 0.1, momentum: 0.5, momentumForm: 'sutskever' });
  const optB = new SGD([b], { lr: 0.1, momentum: 0.5, momentumForm: 'lecture' });
  for (const opt of [optA, optB]) {
    opt.paramGroups[0].params[0].grad = tensor([1]);
    opt.step();
  }
  assertClose(a, [0.9], tol);
  assertClose(b, [0.9], tol); // same first step
  optA.paramGroups[0].lr = 0.01;
  optB.paramGroups[0].lr = 0.01;
  for (const opt of [optA, optB]) {
    opt.paramGroups[0].params[0].grad = tensor([1]);
    opt.step();
  }
  // sutskever: v = 0.5*0.1 + 0.01*1 = 0.06 -> 0.84; lecture: v = 0.5*1 + 1 = 1.5 -> 0.9 - 0.015 = 0.885
  assertClose(a, [0.84], tol);
  assertClose(b, [0.885], tol);
});

test('SGD Nesterov', () => {
  const w = param([1]);
  const opt = new SGD([w], { lr: 0.1, momentum: 0.9, nesterov: true });
  setGrad(w, [1]);
  opt.step(); // b = 1; d = 1 + 0.9*1 = 1.9; w = 0.81
  assertClose(w, [0.81], tol);
  setGrad(w, [1]);
  opt.step(); // b = 1.9; d = 1 + 1.71 = 2.71; w = 0.81 - 0.271 = 0.539
  assertClose(w, [0.539], tol);
  assert.throws(() => new SGD([param([1])], { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/);
});

test('Adam: first steps by hand', () => {
  const w = param([1, -1]);
  const opt = new Adam([w], { lr: 0.1 });
  // step 1: m = 0.1 g, v = 0.001 g^2; mhat = g, vhat = g^2; update = lr * g/(|g| + eps) = lr*sign(g)
  setGrad(w, [2, -0.5]);
  opt.step();
  assertClose(w, [0.9, -0.9], tol);
  // step 2 with g = [1, 1]
  setGrad(w, [1, 1]);
  opt.step();
  const m = [0.9 * 0.2 + 0.1, 0.9 * -0.05 + 0.1],
    v = [0.999 * 0.004 + 0.001, 0.999 * 0.00025 + 0.001];
  const want = [0.9, -0.9].map((p, i) => p - (0.1 * (m[i] / (1 - 0.81))) / (Math.sqrt(v[i] / (1 - 0.999 ** 2)) + 1e-8));
  assertClose(w, want, tol);
});

test('Adam weightDecay is L2 on the gradient; AdamW decays the weights directly', () => {
  const a = param([2]),
    b = param([2]);
  const adam = new Adam([a], { lr: 0.1, weightDecay: 0.5 });
  const adamw = new AdamW([b], { lr: 0.1, weightDecay: 0.5 });
  setGrad(a, [-0.5]);
  setGrad(b, [-0.5]);
  adam.step();
  adamw.step();
  // Adam: g' = -0.5 + 0.5*2 = 0.5 > 0, first step moves by -lr*sign(g') -> 1.9
  assertClose(a, [1.9], tol);
  // AdamW: w = 2 * (1 - 0.05) = 1.9, then -lr*sign(g) = +0.1 -> 2.0
  assertClose(b, [2.0], tol);
});

test('Adam amsgrad keeps the max second moment', () => {
  const w = param([0]);
  const opt = new Adam([w], { lr: 0.1, betas: [0.5, 0.5], amsgrad: true });
  setGrad(w, [2]);
  opt.step();
  setGrad(w, [0.1]);
  opt.step();
  const st = opt.state.get(w)!;
  // v1 = 0.5*4 = 2; v2 = 0.5*2 + 0.5*0.01 = 1.005 < max 2
  assertClose(st.expAvgSq as Float32Array, [1.005], tol);
  assertClose(st.maxExpAvgSq as Float32Array, [2], tol);
  const m2 = 0.5 * 1 + 0.5 * 0.1;
  assertClose(w, [-0.1 - (0.1 * (m2 / 0.75)) / (Math.sqrt(2 / 0.75) + 1e-8)], tol);
});

test('RMSprop plain, centered and with momentum', () => {
  const w = param([1]);
  const opt = new RMSprop([w], { lr: 0.01, alpha: 0.9 });
  setGrad(w, [2]);
  opt.step(); // s = 0.1*4 = 0.4; w = 1 - 0.01*2/sqrt(0.4)
  assertClose(w, [1 - 0.02 / (Math.sqrt(0.4) + 1e-8)], tol);
  const c = param([1]);
  const optC = new RMSprop([c], { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5 });
  setGrad(c, [2]);
  optC.step(); // s = 0.4, m = 0.2, avg = sqrt(0.4 - 0.04); b = 2/avg
  const b1 = 2 / (Math.sqrt(0.36) + 1e-8);
  assertClose(c, [1 - 0.01 * b1], tol);
  setGrad(c, [1]);
  optC.step(); // s = 0.36 + 0.1 = 0.46; m = 0.18 + 0.1 = 0.28; b = 0.5 b1 + 1/sqrt(0.46 - 0.0784)
  const b2 = 0.5 * b1 + 1 / (Math.sqrt(0.46 - 0.0784) + 1e-8);
  assertClose(c, [1 - 0.01 * b1 - 0.01 * b2], tol);
});

test('Adagrad with lrDecay and initial accumulator', () => {
  const w = param([1]);
  const opt = new Adagrad([w], { lr: 0.1, lrDecay: 0.5, initialAccumulatorValue: 1 });
  setGrad(w, [1]);
  opt.step(); // sum = 2; w = 1 - 0.1/sqrt(2)
  const w1 = 1 - 0.1 / Math.sqrt(2);
  assertClose(w, [w1], tol);
  setGrad(w, [2]);
  opt.step(); // clr = 0.1/1.5; sum = 6
  assertClose(w, [w1 - ((0.1 / 1.5) * 2) / Math.sqrt(6)], tol);
});

test('parameter groups override defaults; zeroGrad clears; params without grad are skipped', () => {
  const a = param([1]),
    b = param([1]),
    c = param([1]);
  const opt = new SGD([{ params: [a] }, { params: [b, c], lr: 1 }], { lr: 0.1 });
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.equal(opt.paramGroups[1].lr, 1);
  setGrad(a, [1]);
  setGrad(b, [1]);
  opt.step();
  assertClose(a, [0.9], tol);
  assertClose(b, [0], tol);
  assertClose(c, [1], tol);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
  assert.throws(() => new SGD([{ params: [a] }, { params: [a] }], { lr: 0.1 }), /more than one group/);
  assert.throws(() => new SGD([], { lr: 0.1 }), /empty parameter list/);
  assert.throws(() => new Adam([a], { betas: [1.2, 0.9] }), /beta1/);
  const w = param([1, 2]);
  w.grad = tensor([1, 2, 3]);
  assert.throws(
    () => new SGD([w], { lr: 0.1 }).step(),
    /gradient of shape \[3\] does not match parameter of shape \[2\]/,
  );
});

test('paramGroupsWithoutDecay skips biases and 1-D params', () => {
  const W = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    ),
    bias = param([1, 1]),
    gain = param([1, 1]);
  const groups = paramGroupsWithoutDecay(
    [
      ['fc.weight', W],
      ['fc.bias', bias],
      ['bn.weight', gain],
    ],
    0.5,
  );
  assert.deepEqual(groups[0].params, [W]);
  assert.deepEqual(groups[1].params, [bias, gain]);
  const opt = new SGD(groups, { lr: 0.1 });
  for (const p of [W, bias, gain]) p.grad = new Tensor(new Float32Array(p.size), p.shape);
  opt.step();
  assertClose(W, [0.95, 1.9, 2.85, 3.8], tol);
  assertClose(bias, [1, 1], tol);
});

test('stateDict round trip continues the same trajectory (and survives JSON for scalars)', () => {
  const run = (restore: boolean): number[] => {
    const w = param([1, -1, 0.5]);
    let opt = new Adam([w], { lr: 0.05, amsgrad: true });
    const grads = [
      [1, 2, -1],
      [0.5, -1, 2],
      [-1, 0.3, 0.2],
      [2, 2, 2],
    ];
    grads.forEach((g, k) => {
      if (restore && k === 2) {
        const sd = opt.stateDict();
        const json = JSON.parse(JSON.stringify(sd.paramGroups)) as typeof sd.paramGroups;
        opt = new Adam([w], { lr: 999 });
        opt.loadStateDict({ state: sd.state, paramGroups: json });
        assert.equal(opt.paramGroups[0].lr, 0.05);
      }
      setGrad(w, g);
      opt.step();
    });
    return Array.from(w.data);
  };
  assert.deepEqual(run(true), run(false));
  const w = param([1]);
  const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
  setGrad(w, [1]);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state), ['0']);
  assert.ok(sd.state['0'].momentumBuffer instanceof Float32Array);
  (sd.state['0'].momentumBuffer as Float32Array)[0] = 42; // a copy, not the live buffer
  assertClose(opt.state.get(w)!.momentumBuffer as Float32Array, [1], tol);
  const other = new SGD([param([1, 2])], { lr: 0.1, momentum: 0.9 });
  assert.throws(() => other.loadStateDict(sd), /buffer 'momentumBuffer' of parameter 0 has 1 values/);
});
