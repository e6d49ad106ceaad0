// A plain array (or number, or undefined) passed where a Tensor is expected gets a message naming the
// op and the argument and the fix, not a TypeError from inside a kernel (issue 7 item 10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, Tensor, concat, matmul, tensor, where, zeros } from '../../src/index.js';

const loose = <T>(v: unknown): T => v as T;
const wrap = /expected a Tensor, got an array; wrap it with tensor\(\.\.\.\)$/;

test('Module.call: a plain array input is refused naming the module and the fix', () => {
  assert.throws(() => new nn.Linear(2, 2).call(loose<Tensor>([[1, 2]])), {
    name: 'TypeError',
    message: 'Linear.call: input expected a Tensor, got an array; wrap it with tensor(...)',
  });
  assert.throws(() => new nn.Sequential(new nn.Flatten(), new nn.ReLU()).call(loose<Tensor>(undefined)), {
    message: 'Sequential.call: input expected a Tensor, got undefined',
  });
  assert.deepEqual(new nn.Linear(2, 2).call(tensor([[1, 2]])).shape, [1, 2]);
});

test('F ops: non-Tensor arguments are refused naming the op and the argument', () => {
  assert.throws(() => F.relu(loose([[1, 2]])), {
    message: 'relu: input expected a Tensor, got an array; wrap it with tensor(...)',
  });
  assert.throws(() => F.softmax(loose([1, 2]), 0), /^TypeError: softmax: input /);
  assert.throws(() => F.linear(loose([[1, 2]]), zeros([2, 2])), wrap);
  assert.throws(
    () =>
      F.linear(
        zeros([1, 2]),
        loose([
          [1, 2],
          [3, 4],
        ]),
      ),
    /^TypeError: linear: weight expected a Tensor/,
  );
  assert.throws(() => F.mseLoss(zeros([2]), loose([1, 2])), {
    message: 'mseLoss: target expected a Tensor, got an array; wrap it with tensor(...)',
  });
  assert.throws(() => F.crossEntropy(loose(new Float32Array(4)), zeros([2])), {
    message: 'crossEntropy: input expected a Tensor, got a Float32Array; wrap it with tensor(...)',
  });
  assert.throws(() => F.batchNorm(loose(3), null, null), {
    message: 'batchNorm: input expected a Tensor, got the number 3; wrap it with tensor(...)',
  });
  assert.throws(() => F.maxPool2d(loose({ shape: [1] }), 2), {
    message: 'maxPool2d: input expected a Tensor, got an object',
  });
});

test('tensor ops: non-Tensor operands are refused; numbers stay accepted where documented', () => {
  assert.throws(() => matmul(loose([[1]]), zeros([1, 1])), {
    message: 'matmul: input expected a Tensor, got an array; wrap it with tensor(...)',
  });
  assert.throws(() => zeros([2]).add(loose([1, 2])), {
    message: 'add: other expected a Tensor or a number, got an array; wrap it with tensor(...)',
  });
  assert.throws(() => zeros([2]).maximum(loose('1')), {
    message: 'maximum: other expected a Tensor or a number, got the string "1"',
  });
  assert.throws(() => concat([zeros([1]), loose([1])]), {
    message: 'concat: tensor 1 expected a Tensor, got an array; wrap it with tensor(...)',
  });
  assert.throws(() => where(loose([1, 0]), 1, 2), {
    message: 'where: condition expected a Tensor, got an array; wrap it with tensor(...)',
  });
  assert.deepEqual(zeros([2]).add(1).toFlatArray(), [1, 1]);
});
