import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, randn, manualSeed, noGrad, type Tensor } from '../../../src/index.js';
import { Sequential } from '../../../src/nn/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

test('Residual: identity shortcut adds the input; projection shortcut changes the shape', () => {
  manualSeed(14);
  const body = new Sequential(
    new nn.Conv2d(4, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(4, 4, 3, { padding: 1 }),
  );
  const block = new nn.Residual(body);
  const x = randn([2, 4, 5, 5]);
  assertClose(block.call(x), body.call(x).add(x), { atol: 0, rtol: 0 });
  assert.equal(block.numParameters(), body.numParameters());
  const down = new nn.Residual(
    new Sequential(
      new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.Conv2d(8, 8, 3, { padding: 1 }),
    ),
    {
      shortcut: new Sequential(new nn.Conv2d(4, 8, 1, { stride: 2, bias: false }), new nn.BatchNorm2d(8)),
      activation: new nn.ReLU(),
    },
  );
  const y = down.call(x);
  assert.deepEqual(y.shape, [2, 8, 3, 3]);
  assert.ok(
    y.toFlatArray().every((v) => v >= 0),
    'the activation runs after the sum',
  );
  assert.deepEqual(
    [...down.namedChildren()].map(([n]) => n),
    ['body', 'shortcut', 'activation'],
  );
  assert.throws(
    () => new nn.Residual(new nn.Conv2d(4, 8, 1)).call(x),
    /Residual: body output \[2, 8, 5, 5\] and shortcut output \[2, 4, 5, 5\] differ/,
  );
});

test('Residual: gradients flow through both paths (finite differences)', () => {
  manualSeed(15);
  const block = new nn.Residual(new Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new nn.Tanh()), {
    shortcut: new nn.Conv2d(2, 2, 1),
  });
  const x = randn([1, 2, 3, 3]);
  gradcheck((t) => block.call(t), [x]);
  const params = block.parameters();
  gradcheck(() => block.call(x), params);
  // identity shortcut: d(sum y)/dx = 1 + d(sum body)/dx
  const id = new nn.Residual(new nn.Sigmoid());
  const xi = randn([4], { requiresGrad: true });
  id.call(xi).sum().backward();
  const s = noGrad(() => xi.sigmoid());
  assertClose(
    xi.grad as Tensor,
    s.toFlatArray().map((v) => 1 + v * (1 - v)),
    { atol: 1e-6 },
  );
});

test('Concat: inception branches joined on channels, with gradients', () => {
  manualSeed(16);
  const b1 = new nn.Conv2d(3, 2, 1);
  const b2 = new Sequential(new nn.Conv2d(3, 2, 1), new nn.ReLU(), new nn.Conv2d(2, 3, 3, { padding: 1 }));
  const b3 = new Sequential(new nn.MaxPool2d(3, { stride: 1, padding: 1 }), new nn.Conv2d(3, 1, 1));
  const inception = new nn.Concat([b1, b2, b3]);
  const x = randn([2, 3, 4, 4]);
  const y = inception.call(x);
  assert.deepEqual(y.shape, [2, 6, 4, 4]);
  assertClose(y.narrow(1, 0, 2), b1.call(x), { atol: 0, rtol: 0 });
  assertClose(y.narrow(1, 2, 3), b2.call(x), { atol: 0, rtol: 0 });
  assertClose(y.narrow(1, 5, 1), b3.call(x), { atol: 0, rtol: 0 });
  assert.equal(inception.numParameters(), b1.numParameters() + b2.numParameters() + b3.numParameters());
  assert.equal(inception.at(-1), b3);
  const small = new nn.Concat([new nn.Conv2d(2, 1, 3, { padding: 1 }), new nn.Tanh()]);
  gradcheck((t) => small.call(t), [randn([1, 2, 3, 3])]);
  gradcheck(() => small.call(x.narrow(1, 0, 2)), small.parameters());
  const flat = new nn.Concat([new nn.Linear(3, 2), new nn.Linear(3, 4)], -1);
  assert.deepEqual(flat.call(randn([5, 3])).shape, [5, 6]);
  assert.throws(
    () => new nn.Concat([new nn.Conv2d(3, 2, 1), new nn.Conv2d(3, 2, 3)]).call(x),
    /Concat: branch outputs \[2, 2, 4, 4\], \[2, 2, 2, 2\] differ outside axis 1/,
  );
  assert.throws(() => new nn.Concat([]), /at least one branch/);
});

test('ModuleList registers its elements for parameters and stateDict but has no forward', () => {
  const list = new nn.ModuleList([new nn.Linear(2, 3), new nn.Linear(3, 1)]);
  list.append(new nn.ReLU());
  assert.equal(list.length, 3);
  assert.equal(list.numParameters(), 9 + 4);
  assert.deepEqual([...list.stateDict().keys()], ['0.weight', '0.bias', '1.weight', '1.bias']);
  assert.equal([...list].length, 3);
  assert.equal(list.at(-1).typeName, 'ReLU');
  assert.throws(() => list.call(randn([1, 2])), /ModuleList has no forward/);
  assert.throws(() => list.at(3), /out of range/);
});
