import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, randn, tensor, manualSeed, Tensor, zeros } from '../../../src/index.js';
import { Module, Sequential } from '../../../src/nn/index.js';
import { assertClose } from '../../helpers/check.js';

/** A tiny model with a parameter, a buffer, a non-persistent buffer and nested children. */
class Net extends Module {
  scale: Tensor;
  counter: Tensor;
  features: Sequential;
  head: nn.Linear;
  constructor() {
    super();
    this.scale = this.registerParameter('scale', tensor([2]));
    this.counter = this.registerBuffer('counter', zeros([1]));
    this.registerBuffer('scratch', zeros([3]), false);
    this.features = this.registerModule(
      'features',
      new Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.BatchNorm1d(3)),
    );
    this.head = this.registerModule('head', new nn.Linear(3, 2));
  }
  forward(x: Tensor): Tensor {
    return this.head.call(this.features.call(x)).mul(this.scale);
  }
}

test('registration: dotted names, parameters, buffers, children and modules', () => {
  manualSeed(0);
  const net = new Net();
  assert.deepEqual(
    [...net.namedParameters()].map(([n]) => n),
    [
      'scale',
      'features.0.weight',
      'features.0.bias',
      'features.2.weight',
      'features.2.bias',
      'head.weight',
      'head.bias',
    ],
  );
  assert.deepEqual(
    [...net.namedBuffers()].map(([n]) => n),
    ['counter', 'scratch', 'features.2.running_mean', 'features.2.running_var', 'features.2.num_batches_tracked'],
  );
  assert.deepEqual(
    [...net.namedChildren()].map(([n]) => n),
    ['features', 'head'],
  );
  assert.deepEqual(
    [...net.namedModules()].map(([n, m]) => `${n}:${m.typeName}`),
    [':Net', 'features:Sequential', 'features.0:Linear', 'features.1:ReLU', 'features.2:BatchNorm1d', 'head:Linear'],
  );
  assert.equal(net.parameters().length, 7);
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  assert.deepEqual(net.parameters(false), [net.scale]);
  assert.equal(net.numParameters(), 1 + (12 + 3) + (3 + 3) + (6 + 2));
  assert.equal(net.getSubmodule('features.2').typeName, 'BatchNorm1d');
  assert.throws(() => net.getSubmodule('features.7'), /has no submodule '7'/);
});

test('registered names are live properties in both directions', () => {
  const lin = new nn.Linear(3, 2);
  const w = randn([2, 3]);
  lin.weight = w;
  assert.equal(lin.parameters()[0], w);
  const net = new Net();
  const head = new nn.Linear(3, 2, { bias: false });
  net.head = head;
  assert.equal(net.getSubmodule('head'), head);
  assert.deepEqual(
    [...net.namedParameters()].map(([n]) => n).filter((n) => n.startsWith('head')),
    ['head.weight'],
  );
  assert.throws(() => {
    (net as unknown as { head: unknown }).head = 3;
  }, /submodule 'head' must be a Module/);
});

test('registration errors name the problem', () => {
  class Bad extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const m = new Bad();
  assert.throws(() => m.registerParameter('a.b', zeros([1])), /without '\.'/);
  assert.throws(() => m.registerParameter('forward', zeros([1])), /would shadow/);
  assert.throws(() => m.registerParameter('training', zeros([1])), /reserved/);
  m.registerBuffer('x', zeros([1]));
  assert.throws(() => m.registerParameter('x', zeros([1])), /already registered as a buffer/);
  assert.throws(() => m.registerParameter('i', tensor([1, 2], { dtype: 'int32' })), /must be float32/);
  const nonLeaf = randn([2], { requiresGrad: true }).mul(2);
  assert.throws(() => m.registerParameter('y', nonLeaf), /leaf/);
  assert.throws(() => m.registerModule('self', m), /cannot contain itself/);
});

test('shared parameters and modules are listed once', () => {
  const lin = new nn.Linear(2, 2);
  const seq = new Sequential(lin, new nn.ReLU(), lin);
  assert.equal(seq.parameters().length, 2);
  assert.equal(seq.numParameters(), 6);
  assert.equal([...seq.modules()].length, 3);
  assert.deepEqual([...seq.stateDict().keys()], ['0.weight', '0.bias']);
});

test('train / eval switch every module', () => {
  const net = new Net();
  assert.ok([...net.modules()].every((m) => m.training));
  assert.equal(net.eval(), net);
  assert.ok([...net.modules()].every((m) => !m.training));
  net.train();
  assert.ok([...net.modules()].every((m) => m.training));
  net.train(false);
  assert.equal(net.getSubmodule('features.2').training, false);
});

test('stateDict holds params and persistent buffers; round trip restores outputs', () => {
  manualSeed(1);
  const a = new Net(),
    b = new Net();
  const sd = a.stateDict();
  assert.deepEqual(
    [...sd.keys()],
    [
      'scale',
      'counter',
      'features.0.weight',
      'features.0.bias',
      'features.2.weight',
      'features.2.bias',
      'features.2.running_mean',
      'features.2.running_var',
      'features.2.num_batches_tracked',
      'head.weight',
      'head.bias',
    ],
  );
  assert.equal(sd.get('features.2.num_batches_tracked')?.dtype, 'int32');
  // the entries share storage (like PyTorch) unless cloned
  assert.equal(sd.get('head.weight')?.data, a.head.weight.data);
  const snap = a.stateDict({ clone: true });
  assert.notEqual(snap.get('head.weight')?.data, a.head.weight.data);
  a.train();
  a.call(randn([5, 4])); // updates running stats
  a.eval();
  b.eval();
  const x = randn([3, 4]);
  assert.notDeepEqual(a.call(x).toFlatArray(), b.call(x).toFlatArray());
  const res = b.loadStateDict(a.stateDict());
  assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [], legacyRenamed: [] });
  assertClose(b.call(x), a.call(x), { atol: 0, rtol: 0 });
  assert.equal((b.getSubmodule('features.2') as nn.BatchNorm1d).num_batches_tracked?.data[0], 1);
  // a plain record works too, and loading copies in place (parameter identity unchanged)
  const w = b.head.weight;
  b.loadStateDict(Object.fromEntries(snap));
  assert.equal(b.head.weight, w);
  assertClose(b.head.weight, snap.get('head.weight') as Tensor, { atol: 0, rtol: 0 });
});

test('loadStateDict: strict errors for missing / unexpected keys, shape mismatches always', () => {
  const net = new Net();
  const sd = net.stateDict({ clone: true });
  sd.delete('head.bias');
  sd.set('head.extra', zeros([1]));
  assert.throws(
    () => net.loadStateDict(sd),
    (e: Error) => /1 missing key: head\.bias/.test(e.message) && /1 unexpected key: head\.extra/.test(e.message),
  );
  const res = net.loadStateDict(sd, { strict: false });
  assert.deepEqual(res, { missingKeys: ['head.bias'], unexpectedKeys: ['head.extra'], legacyRenamed: [] });
  const bad = net.stateDict({ clone: true });
  bad.set('head.weight', zeros([3, 2]));
  assert.throws(
    () => net.loadStateDict(bad, { strict: false }),
    /size mismatch for 'head\.weight': checkpoint has shape \[3, 2\], model has \[2, 3\]/,
  );
  // a failed load changes nothing
  const before = net.head.weight.toFlatArray();
  bad.set('head.bias', tensor([7, 7]));
  assert.throws(() => net.loadStateDict(bad));
  assert.deepEqual(net.head.weight.toFlatArray(), before);
  assert.notDeepEqual(net.head.bias?.toFlatArray(), [7, 7]);
});

test('freeze / unfreeze for transfer learning', () => {
  manualSeed(2);
  const net = new Net();
  net.features.freeze();
  assert.equal(net.numParameters({ trainableOnly: true }), 1 + 8);
  assert.equal(net.numParameters(), 1 + 15 + 6 + 8);
  const y = net.call(randn([4, 4])).sum();
  y.backward();
  assert.equal(net.features.parameters()[0].grad, null);
  assert.ok(net.head.weight.grad !== null);
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  net.unfreeze();
  assert.equal(net.numParameters({ trainableOnly: true }), net.numParameters());
  net
    .call(randn([4, 4]))
    .sum()
    .backward();
  assert.ok(net.features.parameters()[0].grad !== null);
});

test('apply visits children before the parent; forward hooks see every call', () => {
  const net = new Net();
  const seen: string[] = [];
  net.apply((m) => seen.push(m.typeName));
  assert.deepEqual(seen, ['Linear', 'ReLU', 'BatchNorm1d', 'Sequential', 'Linear', 'Net']);
  const calls: string[] = [];
  const h1 = net.head.registerForwardHook((m, inputs, out) =>
    calls.push(`${m.typeName}:${inputs[0].shape}->${out.shape}`),
  );
  const h2 = net.head.registerForwardPreHook((m, inputs) => calls.push(`pre:${inputs[0].shape}`));
  net.call(randn([2, 4]));
  assert.deepEqual(calls, ['pre:2,3', 'Linear:2,3->2,2']);
  h1.remove();
  h2.remove();
  net.call(randn([2, 4]));
  assert.equal(calls.length, 2);
});

test('toString is a PyTorch-like tree', () => {
  const s = new Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new Sequential(new nn.Linear(4, 2)));
  assert.equal(
    s.toString(),
    [
      'Sequential(',
      '  (0): Conv2d(1, 6, kernelSize=[5, 5], stride=1)',
      '  (1): ReLU()',
      '  (2): Sequential(',
      '    (0): Linear(inFeatures=4, outFeatures=2, bias=true)',
      '  )',
      ')',
    ].join('\n'),
  );
});

test('Sequential: at, append, length, iteration, errors', () => {
  const a = new nn.ReLU(),
    b = new nn.Tanh();
  const s = new Sequential(a);
  assert.equal(s.append(b), s);
  assert.equal(s.length, 2);
  assert.equal(s.at(0), a);
  assert.equal(s.at(-1), b);
  assert.deepEqual([...s], [a, b]);
  assert.throws(() => s.at(2), /index 2 is out of range for 2 modules/);
  assert.throws(() => s.append({} as Module), /expected a Module/);
  assertClose(s.call(tensor([-1, 0.5])), [0, Math.tanh(0.5)]);
  assertClose(s.forward(tensor([-1, 0.5])), [0, Math.tanh(0.5)]);
});
