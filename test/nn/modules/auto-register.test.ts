// Assigning a Module or an nn.Parameter to a property registers it (PyTorch's __setattr__):
// constructor assignment, class fields, `declare`d fields, reassignment, deletion, null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { F, Tensor, manualSeed, nn, optim, ones, randn, tensor, zeros } from '../../../src/index.js';

/** Seed 004's Net, with only syntax changes from the PyTorch code. */
class Net extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;
  constructor() {
    super();
    this.fc1 = new nn.Linear(3, 6);
    this.fc2 = new nn.Linear(6, 4);
    this.fc3 = new nn.Linear(4, 1);
  }
  forward(input: Tensor): Tensor {
    let x = F.relu(this.fc1.call(input));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}

const names = (m: nn.Module): string[] => [...m.namedParameters()].map(([n]) => n);

test("seed 004's Net: assigned layers register, in assignment order, with PyTorch's keys and print", () => {
  const net = new Net();
  assert.equal(net.numParameters(), 3 * 6 + 6 + 6 * 4 + 4 + 4 + 1);
  assert.deepEqual(names(net), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
  assert.deepEqual([...net.stateDict().keys()], names(net));
  assert.deepEqual(
    [...net.namedChildren()].map(([n, m]) => [n, m.typeName]),
    [
      ['fc1', 'Linear'],
      ['fc2', 'Linear'],
      ['fc3', 'Linear'],
    ],
  );
  const tree = [
    'Net(',
    '  (fc1): Linear(inFeatures=3, outFeatures=6, bias=true)',
    '  (fc2): Linear(inFeatures=6, outFeatures=4, bias=true)',
    '  (fc3): Linear(inFeatures=4, outFeatures=1, bias=true)',
    ')',
  ].join('\n');
  assert.equal(net.toString(), tree);
  assert.equal(inspect(net), tree, 'console.log / util.inspect print the tree');
  assert.equal(net.getSubmodule('fc2'), net.fc2);
  assert.ok(net.parameters().every((p) => p.requiresGrad && nn.isParameter(p)));
});

test('forward(x) and call(x) give the same output and both reach the parameters', () => {
  manualSeed(1);
  const net = new Net();
  const x = randn([5, 3]);
  const a = net.forward(x);
  const b = net.call(x);
  assert.deepEqual(a.toFlatArray(), b.toFlatArray());
  a.sum().backward();
  const viaForward = net.fc1.weight.grad?.toFlatArray();
  net.zeroGrad();
  net.call(x).sum().backward();
  assert.ok(viaForward !== undefined && viaForward.some((g) => g !== 0));
  assert.deepEqual(net.fc1.weight.grad?.toFlatArray(), viaForward);
});

test('the ported Net trains with SGD on a regression problem (loss falls below a quarter)', () => {
  manualSeed(2);
  const x = randn([64, 3]);
  const y = x
    .narrow(1, 0, 1)
    .mul(x.narrow(1, 1, 1))
    .add(x.narrow(1, 2, 1).abs());
  const net = new Net();
  const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
  const loss = (): number => F.mseLoss(net.call(x), y).item();
  const before = loss();
  for (let step = 0; step < 150; step++) {
    opt.zeroGrad();
    F.mseLoss(net.call(x), y).backward();
    opt.step();
  }
  const after = loss();
  assert.ok(after < before / 4, `mse ${before} -> ${after}`);
});

test('class fields (initialised and declared) register in the order their properties are created', () => {
  class Fields extends nn.Module {
    conv = new nn.Conv2d(1, 2, 3);
    act = new nn.ReLU();
    declare head: nn.Linear;
    declare pool: nn.MaxPool2d;
    constructor() {
      super();
      // declared fields create no property: assignment order counts
      this.pool = new nn.MaxPool2d(2);
      this.head = new nn.Linear(2, 1);
    }
    forward(x: Tensor): Tensor {
      return this.head.call(this.pool.call(this.act.call(this.conv.call(x))).flatten(1));
    }
  }
  const m = new Fields();
  assert.deepEqual(
    [...m.namedChildren()].map(([n]) => n),
    ['conv', 'act', 'pool', 'head'],
  );
  assert.deepEqual(names(m), ['conv.weight', 'conv.bias', 'head.weight', 'head.bias']);
  assert.deepEqual(m.call(randn([1, 1, 4, 4])).shape, [1, 1]);
});

test('explicit registration and assignment interleave in program order', () => {
  class Mixed extends nn.Module {
    declare a: nn.Linear;
    declare c: nn.Linear;
    constructor() {
      super();
      this.a = new nn.Linear(1, 1);
      this.registerModule('b', new nn.Linear(1, 1));
      this.c = new nn.Linear(1, 1);
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  assert.deepEqual(
    [...new Mixed().namedChildren()].map(([n]) => n),
    ['a', 'b', 'c'],
  );
});

test('reassignment, null and delete update the registry (PyTorch __setattr__ / __delattr__)', () => {
  const net = new Net();
  const fresh = new nn.Linear(6, 4, { bias: false });
  net.fc2 = fresh;
  assert.equal(net.getSubmodule('fc2'), fresh);
  assert.deepEqual(names(net), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc3.weight', 'fc3.bias']);
  (net as unknown as { fc3: nn.Module | null }).fc3 = null;
  assert.deepEqual(names(net), ['fc1.weight', 'fc1.bias', 'fc2.weight']);
  assert.ok(!net.toString().includes('fc3'));
  delete (net as unknown as { fc1?: nn.Linear }).fc1;
  assert.deepEqual(names(net), ['fc2.weight']);
  assert.equal((net as unknown as { fc1?: nn.Linear }).fc1, undefined);
  assert.throws(() => net.getSubmodule('fc1'), /has no submodule 'fc1'/);
  // a registered child takes only a Module or null; the error names the slot and the value
  assert.throws(
    () => {
      (net as unknown as { fc2: unknown }).fc2 = 3;
    },
    (e: Error) =>
      e instanceof TypeError && /Net: submodule 'fc2' must be a Module or null, got a number \(3\)/.test(e.message),
  );
  // an nn.Parameter assigned over a child replaces it as a parameter (as in PyTorch)
  (net as unknown as { fc2: unknown }).fc2 = nn.Parameter(ones([2]));
  assert.deepEqual(names(net), ['fc2']);
  assert.deepEqual([...net.namedChildren()], []);
});

test('nn.Parameter registers a tensor; a plain tensor stays an ordinary attribute, as in torch', () => {
  class Scaled extends nn.Module {
    scale = nn.Parameter(tensor([2]));
    offset = tensor([1]);
    frozen = nn.Parameter(zeros([3]), false);
    forward(x: Tensor): Tensor {
      return x.mul(this.scale).add(this.offset);
    }
  }
  const m = new Scaled();
  assert.deepEqual(names(m), ['scale', 'frozen']);
  assert.deepEqual([...m.stateDict().keys()], ['scale', 'frozen']);
  assert.equal(m.frozen.requiresGrad, false, 'nn.Parameter(t, false) keeps requiresGrad off');
  assert.equal(m.numParameters({ trainableOnly: true }), 1);
  assert.ok(m.scale instanceof nn.Parameter && !(m.offset instanceof nn.Parameter));
  m.call(ones([2]))
    .sum()
    .backward();
  assert.deepEqual(m.scale.grad?.toFlatArray(), [2]);
  assert.equal(m.offset.grad, null);
  // a tensor computed in a graph is cut from it (sharing storage); non-float tensors are refused
  const computed = randn([2], { requiresGrad: true }).mul(2);
  const p = nn.Parameter(computed);
  assert.ok(p.isLeaf && p.requiresGrad && p.data === computed.data);
  assert.throws(
    () => nn.Parameter(tensor([1, 2], { dtype: 'int32' })),
    /nn\.Parameter: only float32 tensors can be parameters, got int32/,
  );
  assert.throws(() => nn.Parameter(3 as unknown as Tensor), /nn\.Parameter: expected a Tensor, got number/);
});

test('a layer parameter shared by property is listed once; arrays of modules are not registered', () => {
  class Tied extends nn.Module {
    enc = new nn.Linear(4, 4);
    tied = this.enc.weight;
    blocks = [new nn.Linear(4, 4)];
    forward(x: Tensor): Tensor {
      return this.enc.call(x);
    }
  }
  const t = new Tied();
  // enc.weight is a parameter, so the property registers it too; shared tensors are listed once
  assert.deepEqual(names(t), ['tied', 'enc.bias']);
  assert.equal(t.parameters().length, 2);
  assert.deepEqual(
    [...t.namedChildren()].map(([n]) => n),
    ['enc'],
  );
});

test('train()/eval() and loadStateDict reach assigned children; a module holding an ancestor prints <cycle>', () => {
  class WithDropout extends nn.Module {
    fc = new nn.Linear(2, 2);
    drop = new nn.Dropout(0.5);
    forward(x: Tensor): Tensor {
      return this.drop.call(this.fc.call(x));
    }
  }
  const a = new WithDropout().eval();
  assert.equal(a.drop.training, false);
  const b = new WithDropout();
  b.loadStateDict(a.stateDict());
  b.eval();
  const x = randn([3, 2]);
  assert.deepEqual(b.call(x).toFlatArray(), a.call(x).toFlatArray());
  const child = new nn.Sequential(new nn.ReLU());
  (child as unknown as { owner: nn.Module }).owner = a;
  (a as unknown as { child: nn.Module }).child = child;
  assert.match(a.toString(), /\(owner\): <cycle: WithDropout>/);
  assert.throws(() => {
    (a as unknown as { me: nn.Module }).me = a;
    a.parameters();
  }, /WithDropout: property 'me' holds the module itself/);
});
