// Deterministic storage release (tensor/alloc.ts, nn/call-storage.ts, autograd/engine.ts):
// what a step allocates is recycled without the GC, and nothing a user still holds is ever
// recycled. Every "held" check snapshots values, runs more steps (which reuse recycled storage
// with other values) and compares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../src/autograd/engine.js';
import { Module, Sequential } from '../../src/nn/module.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { ReLU } from '../../src/nn/layers/activation.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { SGD } from '../../src/optim/sgd.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { relu } from '../../src/tensor/ops/elementwise.js';
import { storageStats } from '../../src/tensor/alloc.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';

const B = 4,
  D = 96,
  H = 128,
  C = 80; // every activation has >= 64 elements, so it is pooled

/** A plain model: functional code in forward, no container, no declarations. */
class Plain extends Module {
  a = this.registerModule('a', new Linear(D, H));
  b = this.registerModule('b', new Linear(H, H));
  c = this.registerModule('c', new Linear(H, C));
  forward(x: Tensor): Tensor {
    const h = relu(this.a.call(x)).mul(1.5);
    return this.c.call(relu(this.b.call(h)).add(h));
  }
}

/** Stores intermediates on itself, as a layer author might. */
class Stashing extends Plain {
  last: Tensor | null = null;
  history: Tensor[] = [];
  named = new Map<string, Tensor>();
  bag: { t: Tensor | null } = { t: null };
  override forward(x: Tensor): Tensor {
    const h = relu(this.a.call(x));
    this.last = h;
    const g = h.mul(2);
    this.history = [g];
    const k = g.add(1);
    this.named.set('k', k);
    const v = k.sub(3);
    this.bag = { t: v };
    return this.c.call(this.b.call(v));
  }
}

function labels(): Tensor {
  return new Tensor(
    Int32Array.from({ length: B }, (_, i) => (i * 7) % C),
    [B],
  );
}

function trainStep(model: Module, opt: SGD, x = randn([B, D])): { out: Tensor; loss: Tensor } {
  opt.zeroGrad();
  const out = model.call(x);
  const loss = crossEntropy(out, labels());
  loss.backward();
  opt.step();
  return { out, loss };
}

function churn(model: Module, opt: SGD, steps = 4): void {
  for (let i = 0; i < steps; i++) trainStep(model, opt);
}

const snap = (t: Tensor): number[] => Array.from(t.data);

/** Fresh allocations per step of the loss alone (computed outside any module call). */
function lossOnlyFresh(steps: number): number {
  const z = randn([B, C]).requiresGrad_();
  const step = (): void => {
    z.grad = null;
    crossEntropy(z.mul(1), labels()).backward();
  };
  step();
  step();
  const before = storageStats().fresh;
  for (let i = 0; i < steps; i++) step();
  return (storageStats().fresh - before) / steps;
}

test('a plain module reuses its intermediates after warm-up (no per-class declaration)', () => {
  manualSeed(1);
  const model = new Plain();
  const opt = new SGD(model.parameters(), { lr: 0.01 });
  churn(model, opt, 3);
  const before = storageStats();
  const steps = 20;
  churn(model, opt, steps);
  const after = storageStats();
  // per step at most the user-visible results stay out of the pool: the output, what the loss
  // (user code) allocates, and the parameters' new .grads where the backend's storage is freed
  // by the GC itself (js, native); the model's 7 intermediates must all be reused
  const nParams = [...model.parameters()].length;
  const bound = 1 + nParams + lossOnlyFresh(steps);
  const perStep = (after.fresh - before.fresh) / steps;
  assert.ok(perStep <= bound, `fresh allocations per step: ${perStep} (expected <= ${bound})`);
  assert.ok(
    after.recycled - before.recycled >= steps * 6,
    `recycled ${after.recycled - before.recycled} storages in ${steps} steps`,
  );
});

test('noGrad inference through a plain module recycles everything but the output', () => {
  manualSeed(2);
  const model = new Plain();
  const x = randn([B, D]);
  for (let i = 0; i < 3; i++) noGrad(() => model.call(x));
  const before = storageStats();
  const outs: Tensor[] = [];
  for (let i = 0; i < 30; i++) outs.push(noGrad(() => model.call(x)));
  const after = storageStats();
  assert.ok(after.fresh - before.fresh <= 30, `fresh allocations: ${after.fresh - before.fresh} for 30 calls`);
  // every kept output is intact and equal to the first
  for (const o of outs) assert.deepEqual(snap(o), snap(outs[0]));
});

test('held outputs, losses and .item() after backward stay intact over later steps', () => {
  manualSeed(3);
  const model = new Plain();
  const opt = new SGD(model.parameters(), { lr: 0.05 });
  churn(model, opt, 2);
  const { out, loss } = trainStep(model, opt);
  const o = snap(out),
    l = loss.item();
  churn(model, opt, 6);
  assert.deepEqual(snap(out), o);
  assert.equal(loss.item(), l);
});

test('tensors a forward stores on its module (directly, in arrays, Maps, objects) are never recycled', () => {
  manualSeed(4);
  const model = new Stashing();
  const opt = new SGD(model.parameters(), { lr: 0.05 });
  churn(model, opt, 2);
  trainStep(model, opt);
  const held = [model.last as Tensor, model.history[0], model.named.get('k') as Tensor, model.bag.t as Tensor];
  const values = held.map(snap);
  // the next steps replace the properties, so the old tensors are only the user's now
  churn(model, opt, 6);
  held.forEach((t, i) => assert.deepEqual(snap(t), values[i], `held tensor ${i} changed`));
  // and the relation between them still holds (k = 2h + 1)
  const h = held[0].data,
    k = held[2].data;
  for (let i = 0; i < h.length; i++) assert.ok(Math.abs(k[i] - (2 * h[i] + 1)) < 1e-5);
});

test('tensors seen or made by hooks are never recycled', () => {
  manualSeed(5);
  const model = new Plain();
  const opt = new SGD(model.parameters(), { lr: 0.05 });
  const seen: Tensor[] = [],
    made: Tensor[] = [];
  model.b.registerForwardHook((_m, inputs, out) => {
    seen.push(inputs[0], out);
    made.push(out.mul(3));
  });
  model.c.registerForwardPreHook((_m, inputs) => {
    seen.push(inputs[0]);
  });
  churn(model, opt, 1);
  const held = [...seen, ...made];
  assert.equal(held.length, 4);
  const values = held.map(snap);
  churn(model, opt, 6);
  held.forEach((t, i) => assert.deepEqual(snap(t), values[i], `hooked tensor ${i} changed`));
});

test('an output that is a view of an intermediate (Flatten last) stays intact', () => {
  manualSeed(6);
  const model = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new Flatten());
  const x = randn([2, 1, 8, 8]);
  const opt = new SGD(model.parameters(), { lr: 0.1 });
  const step = (): Tensor => {
    opt.zeroGrad();
    const out = model.call(x);
    out.mul(out).mean().backward();
    opt.step();
    return out;
  };
  step();
  const out = step();
  const v = snap(out);
  for (let i = 0; i < 5; i++) step();
  assert.deepEqual(snap(out), v);
  const inf = noGrad(() => model.call(x));
  const w = snap(inf);
  for (let i = 0; i < 5; i++) noGrad(() => model.call(randn([2, 1, 8, 8])));
  assert.deepEqual(snap(inf), w);
});

test('retainGraph: a second backward still finds the saved intermediates', () => {
  manualSeed(7);
  const model = new Plain();
  const twin = new Plain();
  twin.loadStateDict(model.stateDict());
  const x = randn([B, D]);
  const out = model.call(x);
  const loss = crossEntropy(out, labels());
  loss.backward(undefined, { retainGraph: true });
  // other work in between reuses whatever was recycled
  const opt2 = new SGD(twin.parameters(), { lr: 0.1 });
  churn(twin, opt2, 3);
  loss.backward();
  const once = new Plain();
  once.loadStateDict(model.stateDict());
  crossEntropy(once.call(x), labels()).backward();
  const pa = [...model.parameters()],
    pb = [...once.parameters()];
  pa.forEach((p, i) => {
    const g = p.grad as Tensor,
      h = pb[i].grad as Tensor;
    for (let j = 0; j < g.size; j++)
      assert.ok(
        Math.abs(g.data[j] - 2 * h.data[j]) < 1e-5 * (1 + Math.abs(h.data[j])),
        `parameter ${i}: ${g.data[j]} vs 2 * ${h.data[j]}`,
      );
  });
});

test('a .grad the user holds keeps its values after zeroGrad and later backward passes (and views of it)', () => {
  manualSeed(8);
  const model = new Plain();
  const opt = new SGD(model.parameters(), { lr: 0.05 });
  churn(model, opt, 2);
  const w = model.b.weight as Tensor;
  const g = w.grad as Tensor;
  const view = g.reshape(-1);
  const gv = snap(g);
  churn(model, opt, 1);
  const g2 = w.grad as Tensor;
  const g2v = snap(g2);
  churn(model, opt, 6);
  assert.notEqual(g2, g);
  assert.deepEqual(snap(g), gv);
  assert.deepEqual(snap(view), gv);
  assert.deepEqual(snap(g2), g2v);
});

test('training through call() matches training through forward() bit for bit', () => {
  // forward() called directly opens no scope for the model's own intermediates (only each
  // submodule call recycles its own): the two runs recycle different storage
  const run = (viaCall: boolean): number[] => {
    manualSeed(9);
    const model = new Plain();
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      opt.zeroGrad();
      const x = randn([B, D]);
      const loss = crossEntropy(viaCall ? model.call(x) : model.forward(x), labels());
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    return losses;
  };
  assert.deepEqual(run(true), run(false));
});

test('a submodule added after earlier calls is walked too (its stashed tensors are kept)', () => {
  manualSeed(10);
  class Tail extends Module {
    last: Tensor | null = null;
    forward(x: Tensor): Tensor {
      this.last = x.mul(2);
      return this.last.add(1);
    }
  }
  // Sequential's children are named '0', '1', ...: reachable only through the module tree
  const model = new Sequential(new Linear(D, H), new ReLU(), new Linear(H, C));
  const opt = new SGD(model.parameters(), { lr: 0.05 });
  churn(model, opt, 2);
  const tail = new Tail();
  model.append(tail);
  trainStep(model, opt);
  const held = tail.last as Tensor;
  const v = snap(held);
  churn(model, opt, 5);
  assert.deepEqual(snap(held), v);
});
