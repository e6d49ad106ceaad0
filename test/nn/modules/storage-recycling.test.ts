// Storage recycling (src/tensor/alloc.ts): buffers that are provably dead are reused by later
// allocations. These tests hold on to everything a user can reach (outputs, inputs, gradients,
// indices) and check that later steps never overwrite it, and that results do not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  getBackend,
  manualSeed,
  nn,
  noGrad,
  optim,
  randint,
  randn,
  registerBackend,
  setBackend,
  type Tensor,
} from '../../../src/index.js';
import { Sequential } from '../../../src/nn/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

// every activation below has >= 1024 elements, the smallest pooled size
function net(): Sequential {
  return new Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(8 * 8 * 8, 1024),
    new nn.ReLU(),
  );
}

test('recycling: outputs and inputs held across noGrad calls keep their values', () => {
  manualSeed(1);
  const model = net().eval();
  const x1 = randn([4, 1, 16, 16]),
    x2 = randn([4, 1, 16, 16]);
  const x1Copy = x1.toFlatArray();
  const a = noGrad(() => model.call(x1));
  const aCopy = a.toFlatArray();
  for (let i = 0; i < 4; i++) noGrad(() => model.call(x2));
  const live: Tensor[] = []; // more allocations of the output's size than the pool can hold
  for (let i = 0; i < 20; i++) live.push(randn([4, 1024]).relu());
  assert.deepEqual(a.toFlatArray(), aCopy, 'a held output was overwritten');
  assert.deepEqual(x1.toFlatArray(), x1Copy, 'a held input was overwritten');
  assertClose(
    noGrad(() => model.call(x1)),
    aCopy,
    { atol: 0, rtol: 0 },
  );
});

test('recycling: a Sequential that starts or ends with a view never hands out the input or output storage', () => {
  manualSeed(2);
  const head = new Sequential(
    new nn.Flatten(),
    new nn.Linear(2048, 1024),
    new nn.ReLU(),
    new nn.Unflatten(1, [4, 256]),
  );
  const x = randn([2, 2, 32, 32]);
  const xCopy = x.toFlatArray();
  const y = noGrad(() => head.call(x));
  const yCopy = y.toFlatArray();
  for (let i = 0; i < 3; i++) noGrad(() => head.call(randn([2, 2, 32, 32])));
  // more allocations of the input's and the output's size than the pool can hold
  const live: Tensor[] = [];
  for (let i = 0; i < 20; i++) live.push(randn([2, 2, 32, 32]).relu(), randn([2, 1024]).relu());
  assert.deepEqual(x.toFlatArray(), xCopy);
  assert.deepEqual(y.toFlatArray(), yCopy);
});

test('recycling: training keeps held logits, losses and old gradients intact and matches a fresh model', () => {
  manualSeed(3);
  const model = net();
  manualSeed(3);
  const twin = net();
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const opt2 = new optim.SGD(twin.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = randn([4, 1, 16, 16]),
    y = randint(0, 1024, [4]);
  opt.zeroGrad();
  const logits = model.call(x);
  F.crossEntropy(logits, y).backward();
  const logitsCopy = logits.toFlatArray();
  const grads = model.parameters().map((p) => p.grad as Tensor);
  const gradCopies = grads.map((g) => g.toFlatArray());
  opt.step();
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    F.crossEntropy(model.call(x), y).backward();
    opt.step();
  }
  assert.deepEqual(logits.toFlatArray(), logitsCopy, 'held logits were overwritten');
  grads.forEach((g, i) => assert.deepEqual(g.toFlatArray(), gradCopies[i], `held gradient ${i} was overwritten`));
  // the same four steps on a twin, with a noGrad call (which recycles at once) in between each
  for (let i = 0; i < 4; i++) {
    opt2.zeroGrad();
    F.crossEntropy(twin.call(x), y).backward();
    opt2.step();
    noGrad(() => twin.call(randn([4, 1, 16, 16])));
  }
  model.parameters().forEach((p, i) => assertClose(p, twin.parameters()[i], { atol: 0, rtol: 0 }));
});

test('recycling: one gradient passed on to two leaves gives each its own storage', () => {
  manualSeed(4);
  const a = randn([2048]).requiresGrad_(),
    b = randn([2048]).requiresGrad_();
  a.mul(2).add(b).relu().sum().backward();
  const ga = a.grad as Tensor,
    gb = b.grad as Tensor;
  assert.notEqual(ga.data, gb.data);
  const gbCopy = gb.toFlatArray();
  ga.fill_(7); // what an in-place gradient clipper does
  assert.deepEqual(gb.toFlatArray(), gbCopy);
  // one gradient made by the pass (relu's) passed through unchanged to both operands
  const c = randn([2048]).requiresGrad_(),
    d = randn([2048]).requiresGrad_();
  c.add(d).relu().sum().backward();
  assert.notEqual((c.grad as Tensor).data, (d.grad as Tensor).data);
  assertClose(c.grad as Tensor, d.grad as Tensor, { atol: 0, rtol: 0 });
});

test('recycling: retainGraph keeps the graph usable and retained gradients survive later passes', () => {
  manualSeed(5);
  const w = randn([32, 64]).requiresGrad_();
  const model = new Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU());
  const h = w.matmul(randn([64, 64])).retainGrad();
  const out = model.call(h).sum();
  out.backward(undefined, { retainGraph: true });
  const hGrad = (h.grad as Tensor).toFlatArray();
  const wGrad = (w.grad as Tensor).toFlatArray();
  out.backward();
  assertClose(
    w.grad as Tensor,
    wGrad.map((v) => 2 * v),
    { atol: 1e-5, rtol: 1e-5 },
  );
  assertClose(
    h.grad as Tensor,
    hGrad.map((v) => 2 * v),
    { atol: 1e-5, rtol: 1e-5 },
  );
  assert.throws(() => out.backward(), /second time/);
});

test('recycling: maxPool2d indices returned under noGrad are not reused scratch', () => {
  manualSeed(6);
  const [, i1] = noGrad(() => F.maxPool2d(randn([2, 4, 32, 32]), { kernelSize: 2, returnIndices: true }));
  const copy = i1.toFlatArray();
  noGrad(() => F.maxPool2d(randn([2, 4, 32, 32]), 2));
  noGrad(() => F.maxPool2d(randn([2, 4, 32, 32]), { kernelSize: 2, returnIndices: true }));
  assert.deepEqual(i1.toFlatArray(), copy);
});

test('reluBackward: the fused kernel and the fallback without it give the same gradient', () => {
  const prev = getBackend().name;
  manualSeed(7);
  const x = randn([3, 700]),
    m = randn([3, 700]);
  try {
    setBackend('js');
    assert.equal(typeof getBackend().reluBackward, 'function', 'the reference backend implements reluBackward');
    const a = x.detach().requiresGrad_();
    a.relu().mul(m).sum().backward();
    const { reluBackward: _fused, ...rest } = getBackend();
    registerBackend({ name: 'js-unfused-test', priority: -1, load: () => ({ ...rest, name: 'js-unfused-test' }) });
    setBackend('js-unfused-test');
    const b = x.detach().requiresGrad_();
    b.relu().mul(m).sum().backward();
    assertClose(b.grad as Tensor, a.grad as Tensor, { atol: 0, rtol: 0 });
    // and against finite differences, away from the kink at 0
    const z = randn([2, 5]).add(0.2).requiresGrad_();
    gradcheck((t) => t.relu().mul(t), [z]);
  } finally {
    setBackend(prev);
  }
});
