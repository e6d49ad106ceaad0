// Users extend autograd: customOp(name, forward, backward) defines a differentiable op and the
// exported gradcheck accepts a right backward and catches a wrong one (issue 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autograd, manualSeed, randn, tensor, Tensor } from '../../src/index.js';

const { customOp, gradcheck } = autograd;

const cube = customOp(
  'cube',
  (x) => x.mul(x).mul(x),
  (g, [x]) => g.mul(x.square().mul(3)),
);
// x * y^2 with two inputs and an explicit per-input gradient list
const xy2 = customOp(
  'xy2',
  (x, y) => x.mul(y.square()),
  (g, [x, y]) => [g.mul(y.square()), g.mul(x).mul(y).mul(2)],
);

test('customOp: forward values and gradients flow through autograd', () => {
  const x = tensor([1, 2, -3]).requiresGrad_();
  const y = cube(x);
  assert.deepEqual(y.toFlatArray(), [1, 8, -27]);
  assert.equal(y.gradFn?.name, 'cube');
  y.sum().backward();
  assert.deepEqual(x.grad?.toFlatArray(), [3, 12, 27]);
});

test('gradcheck: a user-defined op with a correct backward passes, a wrong backward fails', () => {
  manualSeed(0);
  assert.equal(gradcheck(cube, [randn([2, 3])]), true);
  assert.equal(gradcheck(xy2, [randn([3]), randn([3])]), true);
  const wrong = customOp(
    'cubeWrong',
    (x) => x.mul(x).mul(x),
    (g, [x]) => g.mul(x.square().mul(2)),
  );
  assert.throws(
    () => gradcheck(wrong, [randn([2, 3])]),
    /^Error: gradcheck: input 0 element 0: analytic gradient .*, numeric /,
  );
  assert.equal(gradcheck(wrong, [randn([4])], { raiseException: false }), false);
  const wrongSecond = customOp(
    'xy2Wrong',
    (x, y) => x.mul(y.square()),
    (g, [, y]) => [g.mul(y.square()), null],
  );
  assert.throws(() => gradcheck(wrongSecond, [randn([3]), randn([3])]), /gradcheck: input 1 element 0/);
});

test('gradcheck leaves the inputs as it found them', () => {
  const x = randn([3]);
  gradcheck(cube, [x]);
  assert.equal(x.requiresGrad, false);
  assert.equal(x.grad, null);
});

test('customOp: misuse is reported naming the op', () => {
  assert.throws(
    () =>
      customOp(
        '',
        (x) => x,
        () => null,
      ),
    /customOp: name must be a non-empty string/,
  );
  assert.throws(() => cube([1, 2] as unknown as Tensor), {
    message: 'cube: input 0 expected a Tensor, got an array; wrap it with tensor(...)',
  });
  const badShape = customOp(
    'badShape',
    (x) => x.sum(),
    (g) => g,
  );
  const x = tensor([1, 2]).requiresGrad_();
  assert.throws(
    () => badShape(x).backward(),
    /customOp 'badShape': backward returned a gradient of shape \[\] for input 0 of shape \[2\]/,
  );
  const badCount = customOp(
    'badCount',
    (x) => x.mul(2),
    (g) => [g, g],
  );
  assert.throws(
    () =>
      badCount(tensor([1]).requiresGrad_())
        .sum()
        .backward(),
    /customOp 'badCount': backward returned 2 gradients for 1 inputs/,
  );
  // a forward returning its input unchanged does not take over the input's graph node
  const ident = customOp(
    'ident',
    (x) => x,
    (g) => g,
  );
  const leaf = tensor([1, 2]).requiresGrad_();
  const out = ident(leaf);
  assert.notEqual(out, leaf);
  assert.equal(leaf.gradFn, null);
});
