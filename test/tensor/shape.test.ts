import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, arange, randn, manualSeed, concat, stack, Tensor } from '../../src/index.js';
import { pad, type PadMode } from '../../src/nn/functional/index.js';
import { gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}
const ar = (shape: number[]): Tensor => arange(shape.reduce((a, b) => a * b, 1)).reshape(shape);

test('reshape/view: -1 inference, shared storage, errors with both shapes', () => {
  const x = ar([2, 3]);
  const r = x.reshape(3, 2);
  assert.deepEqual(r.toArray(), [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  assert.equal(r.data, x.data);
  assert.deepEqual(x.reshape([-1]).shape, [6]);
  assert.deepEqual(x.view(1, -1, 2).shape, [1, 3, 2]);
  assert.deepEqual(tensor(4).reshape([1, 1]).shape, [1, 1]);
  assert.deepEqual(tensor([4]).reshape([]).shape, []);
  assert.throws(() => x.reshape(4, 2), /reshape: cannot reshape \[2, 3\] \(6 elements\) into \[4, 2\]/);
  assert.throws(() => x.reshape(-1, 4), /reshape: cannot reshape \[2, 3\] \(6 elements\) into \[-1, 4\]/);
  assert.throws(() => x.reshape(-1, -1), /reshape: only one -1 allowed/);
  assert.throws(() => x.reshape(2.5, 2), /reshape: shape \[2.5, 2\] must contain non-negative integers/);
});

test('permute and transpose', () => {
  const x = ar([2, 3, 4]);
  const p = x.permute(2, 0, 1);
  assert.deepEqual(p.shape, [4, 2, 3]);
  // p[k][i][j] = x[i][j][k] = 12 i + 4 j + k
  const pa = p.toArray() as number[][][];
  for (let k = 0; k < 4; k++)
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) assert.equal(pa[k][i][j], 12 * i + 4 * j + k);
  assert.deepEqual(x.permute([-1, 1, 0]).shape, [4, 3, 2]);
  assert.deepEqual(ar([2, 3]).transpose().toArray(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
  assert.deepEqual(x.transpose(0, 2).shape, [4, 3, 2]);
  assert.deepEqual(x.transpose(0, 1).toArray(), x.permute(1, 0, 2).toArray());
  const v = tensor([1, 2]);
  assert.equal(v.transpose(), v);
  assert.throws(() => x.permute(0, 1), /permute: got 2 axes \[0, 1\] for a tensor of rank 3/);
  assert.throws(() => x.permute(0, 1, 1), /permute: axes \[0, 1, 1\] repeat/);
  assert.throws(() => x.transpose(0, 3), /transpose: axis 3 is out of range/);
});

test('flatten, squeeze, unsqueeze', () => {
  const x = ar([2, 3, 4]);
  assert.deepEqual(x.flatten().shape, [24]);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.flatten(0, 1).shape, [6, 4]);
  assert.deepEqual(x.flatten(-2, -1).shape, [2, 12]);
  assert.deepEqual(tensor(5).flatten().shape, [1]);
  assert.throws(() => x.flatten(2, 1), /flatten: start axis 2 comes after end axis 1/);
  const y = ar([1, 3, 1, 2]);
  assert.deepEqual(y.squeeze().shape, [3, 2]);
  assert.deepEqual(y.squeeze(2).shape, [1, 3, 2]);
  assert.deepEqual(y.squeeze(-4).shape, [3, 1, 2]);
  assert.deepEqual(y.squeeze(1).shape, [1, 3, 1, 2]);
  assert.deepEqual(tensor([7]).squeeze().shape, []);
  assert.deepEqual(x.unsqueeze(0).shape, [1, 2, 3, 4]);
  assert.deepEqual(x.unsqueeze(-1).shape, [2, 3, 4, 1]);
  assert.deepEqual(x.unsqueeze(3).shape, [2, 3, 4, 1]);
  assert.deepEqual(x.unsqueeze(-2).shape, [2, 3, 1, 4]);
  assert.deepEqual(tensor(1).unsqueeze(0).shape, [1]);
  assert.throws(() => x.unsqueeze(5), /unsqueeze: axis 5 is out of range for a tensor of rank 4/);
});

test('slice with steps, negative indices and clamping; narrow', () => {
  const x = ar([3, 5]);
  assert.deepEqual(x.slice(1, 1, 4).toArray(), [
    [1, 2, 3],
    [6, 7, 8],
    [11, 12, 13],
  ]);
  assert.deepEqual(x.slice(1, 0, undefined, 2).toArray(), [
    [0, 2, 4],
    [5, 7, 9],
    [10, 12, 14],
  ]);
  assert.deepEqual(x.slice(1, 1, 5, 3).toArray(), [
    [1, 4],
    [6, 9],
    [11, 14],
  ]);
  assert.deepEqual(x.slice(0, -2).toArray(), [
    [5, 6, 7, 8, 9],
    [10, 11, 12, 13, 14],
  ]);
  assert.deepEqual(x.slice(-1, -3, -1).toArray(), [
    [2, 3],
    [7, 8],
    [12, 13],
  ]);
  assert.deepEqual(x.slice(0, 1, 100).shape, [2, 5]);
  assert.deepEqual(x.slice(0, 2, 1).shape, [0, 5]);
  assert.deepEqual(x.narrow(1, 2, 2).toArray(), [
    [2, 3],
    [7, 8],
    [12, 13],
  ]);
  assert.throws(() => x.slice(0, 0, 2, 0), /slice: step must be a positive integer, got 0/);
  assert.throws(() => x.slice(0, 0.5), /slice: start and end must be integers, got start 0.5/);
  assert.throws(() => x.slice(0, '1' as never), /slice: start and end must be integers/);
  assert.throws(() => x.slice(2, 0), /slice: axis 2 is out of range/);
});

test('expand and indexSelect', () => {
  assert.deepEqual(
    tensor([[1], [2]])
      .expand(2, 3)
      .toArray(),
    [
      [1, 1, 1],
      [2, 2, 2],
    ],
  );
  assert.deepEqual(tensor([1, 2]).expand([3, -1]).toArray(), [
    [1, 2],
    [1, 2],
    [1, 2],
  ]);
  assert.throws(() => tensor([1, 2]).expand(3), /expand: cannot expand \[2\] to \[3\]/);
  const x = ar([3, 2]);
  assert.deepEqual(x.indexSelect(0, [2, 0, -1]).toArray(), [
    [4, 5],
    [0, 1],
    [4, 5],
  ]);
  assert.deepEqual(x.indexSelect(1, tensor([1], { dtype: 'int32' })).toArray(), [[1], [3], [5]]);
  assert.throws(() => x.indexSelect(0, [3]), /indexSelect: index 3 is out of range for axis 0 of size 3/);
  assert.throws(() => x.indexSelect(0, [0.5]), /indexSelect: index 0.5 is out of range/);
});

test('concat and stack on every axis; errors name the shapes', () => {
  const a = ar([2, 2]),
    b = ar([2, 2]).add(10),
    c = ar([1, 2]).add(100);
  assert.deepEqual(concat([a, c], 0).toArray(), [
    [0, 1],
    [2, 3],
    [100, 101],
  ]);
  assert.deepEqual(concat([a, b], 1).toArray(), [
    [0, 1, 10, 11],
    [2, 3, 12, 13],
  ]);
  assert.deepEqual(concat([a, b], -1).shape, [2, 4]);
  assert.deepEqual(concat([a]).toArray(), a.toArray());
  assert.deepEqual(concat([tensor([]), tensor([1])]).toArray(), [1]);
  assert.deepEqual(stack([a, b]).shape, [2, 2, 2]);
  assert.deepEqual(stack([a, b], 1).toArray(), [
    [
      [0, 1],
      [10, 11],
    ],
    [
      [2, 3],
      [12, 13],
    ],
  ]);
  assert.deepEqual(stack([a, b], 2).toArray(), [
    [
      [0, 10],
      [1, 11],
    ],
    [
      [2, 12],
      [3, 13],
    ],
  ]);
  assert.deepEqual(stack([a, b], -1).toArray(), stack([a, b], 2).toArray());
  assert.deepEqual(stack([tensor(1), tensor(2)]).toArray(), [1, 2]);
  assert.throws(() => concat([a, c], 1), /concat: shapes \[2, 2\], \[1, 2\] differ outside axis 1/);
  assert.throws(() => concat([]), /concat: needs at least one tensor/);
  assert.throws(() => stack([a, c]), /stack: all tensors need the same shape, got \[2, 2\], \[1, 2\]/);
  assert.throws(() => concat([a, a.int()]), /concat: mixed dtypes float32 and int32/);
  assert.throws(() => stack([a, b], 3), /stack: axis 3 is out of range for a tensor of rank 3/);
});

test('pad in every mode', () => {
  const v = tensor([1, 2, 3]);
  assert.deepEqual(pad(v, [2, 2], { mode: 'constant', value: 9 }).toArray(), [9, 9, 1, 2, 3, 9, 9]);
  assert.deepEqual(pad(v, [2, 1]).toArray(), [0, 0, 1, 2, 3, 0]);
  assert.deepEqual(pad(v, [2, 2], { mode: 'reflect' }).toArray(), [3, 2, 1, 2, 3, 2, 1]);
  assert.deepEqual(pad(v, [2, 2], { mode: 'replicate' }).toArray(), [1, 1, 1, 2, 3, 3, 3]);
  assert.deepEqual(pad(v, [2, 2], { mode: 'circular' }).toArray(), [2, 3, 1, 2, 3, 1, 2]);
  assert.deepEqual(pad(v, [-1, 0]).toArray(), [2, 3]);
  const m = tensor([
    [1, 2],
    [3, 4],
  ]);
  // [left, right, top, bottom]
  assert.deepEqual(pad(m, [1, 0, 0, 1]).toArray(), [
    [0, 1, 2],
    [0, 3, 4],
    [0, 0, 0],
  ]);
  assert.deepEqual(pad(m, [0, 0, 1, 1], { mode: 'replicate' }).toArray(), [
    [1, 2],
    [1, 2],
    [3, 4],
    [3, 4],
  ]);
  assert.deepEqual(pad(m, [1, 1, 1, 1], { mode: 'reflect' }).toArray(), [
    [4, 3, 4, 3],
    [2, 1, 2, 1],
    [4, 3, 4, 3],
    [2, 1, 2, 1],
  ]);
  assert.deepEqual(pad(m, [1, 0, 1, 0], { mode: 'circular' }).toArray(), [
    [4, 3, 4],
    [2, 1, 2],
    [4, 3, 4],
  ]);
  assert.throws(() => pad(v, [1]), /pad: padding \[1\] must hold \(before, after\) pairs for at most 1 axes/);
  assert.throws(
    () => pad(v, [3, 0], { mode: 'reflect' }),
    /pad: reflect padding \[3, 0\] must be smaller than the input size \[3\]/,
  );
  assert.throws(() => pad(v, [4, 0], { mode: 'circular' }), /pad: circular padding/);
  assert.throws(() => pad(v, [-1, 0], { mode: 'replicate' }), /pad: replicate padding must be non-negative/);
  assert.throws(() => pad(v, [1, 0], { mode: 'mirror' as PadMode }), /pad: unknown mode 'mirror'/);
  assert.throws(() => pad(v, [0.5, 0]), /pad: padding \[0.5, 0\] must be integers/);
  assert.throws(() => pad(v, [-2, -2]), /pad: padding \[-2, -2\] removes more than \[3\] has/);
  assert.throws(() => pad(v, [1, 0], 'reflect' as never), {
    message: "pad: mode is an option: write F.pad(x, pads, { mode: 'reflect' })",
  });
  assert.throws(() => pad(v, [1, 0], { fill: 1 } as never), /pad: unknown option 'fill' \(known: mode, value\)/);
});

test('int32 tensors keep their dtype and values through shape ops', () => {
  const big = 2 ** 30 + 7; // not representable in float32
  const x = tensor(new Int32Array([0, 1, 2, big, 4, 5]), [2, 3]);
  const r = x.reshape(3, 2);
  assert.equal(r.dtype, 'int32');
  assert.deepEqual(r.toArray(), [
    [0, 1],
    [2, big],
    [4, 5],
  ]);
  const s = x.slice(1, 0, 3, 2);
  assert.equal(s.dtype, 'int32');
  assert.deepEqual(s.toArray(), [
    [0, 2],
    [big, 5],
  ]);
  const c = concat([x, x.slice(0, 0, 1)], 0);
  assert.equal(c.dtype, 'int32');
  assert.deepEqual(c.toArray(), [
    [0, 1, 2],
    [big, 4, 5],
    [0, 1, 2],
  ]);
  const i = x.indexSelect(1, [2, 0]);
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.toArray(), [
    [2, 0],
    [5, big],
  ]);
  const p = x.transpose();
  assert.equal(p.dtype, 'int32');
  assert.deepEqual(p.toArray(), [
    [0, big],
    [1, 4],
    [2, 5],
  ]);
  const st = stack([x, x], 1);
  assert.equal(st.dtype, 'int32');
  assert.deepEqual(st.shape, [2, 2, 3]);
  assert.deepEqual(x.flatten().squeeze().unsqueeze(0).toArray(), [[0, 1, 2, big, 4, 5]]);
  assert.equal(x.clone().dtype, 'int32');
  const e = x.slice(0, 1).expand(2, 2, 3);
  assert.equal(e.dtype, 'int32');
  assert.deepEqual(e.toArray(), [
    [
      [big, 4, 5],
      [big, 4, 5],
    ],
    [
      [big, 4, 5],
      [big, 4, 5],
    ],
  ]);
});

test('gradients of reshape, permute, transpose, flatten, squeeze, unsqueeze, expand, clone', () => {
  gradcheck((a) => a.reshape(3, 4).mul(a.reshape(3, 4)), [rn([2, 6], 1)]);
  gradcheck((a) => a.permute(2, 0, 1), [rn([2, 3, 4], 2)]);
  gradcheck((a) => a.transpose(0, 2), [rn([2, 3, 2], 3)]);
  gradcheck((a) => a.flatten(1), [rn([2, 2, 3], 4)]);
  gradcheck((a) => a.squeeze().unsqueeze(0), [rn([3, 1, 2], 5)]);
  gradcheck((a) => a.expand(2, 3, 4), [rn([3, 1], 6)]);
  gradcheck((a) => a.clone().mul(2), [rn([4], 7)]);
});

test('gradients of slice (with step) and narrow on each axis', () => {
  for (const axis of [0, 1, 2, -1]) {
    gradcheck((a) => a.slice(axis, 1, undefined, 2), [rn([4, 5, 3], 10 + axis)], { msg: `slice step 2 axis ${axis}` });
    gradcheck((a) => a.slice(axis, -2), [rn([4, 5, 3], 20 + axis)], { msg: `slice axis ${axis}` });
    gradcheck((a) => a.narrow(axis, 1, 2), [rn([4, 5, 3], 30 + axis)], { msg: `narrow axis ${axis}` });
  }
  gradcheck((a) => a.slice(1, 0, 5, 3).add(a.slice(1, 1, 3)), [rn([2, 5], 40)]);
});

test('gradients of indexSelect with repeated indices', () => {
  gradcheck((a) => a.indexSelect(0, [2, 0, 2, -1]), [rn([3, 2], 1)]);
  gradcheck((a) => a.indexSelect(1, [1, 1]), [rn([2, 3, 2], 2)]);
});

test('gradients of concat and stack on each axis', () => {
  for (const axis of [0, 1, 2, -1]) {
    const sa = [2, 3, 2],
      sb = [2, 3, 2],
      sc = [2, 3, 2];
    const a = axis === -1 ? 2 : axis;
    sb[a] = 1;
    sc[a] = 3;
    gradcheck((x, y, z) => concat([x, y, z], axis), [rn(sa, 1), rn(sb, 2), rn(sc, 3)], { msg: `concat axis ${axis}` });
  }
  for (const axis of [0, 1, 2, -1]) {
    gradcheck((x, y) => stack([x, y, x], axis), [rn([2, 3], 4), rn([2, 3], 5)], { msg: `stack axis ${axis}` });
  }
  // inputs that do not require grad get none
  const x = rn([2], 6).requiresGrad_(),
    y = rn([2], 7);
  concat([x, y]).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [1, 1]);
  assert.equal(y.grad, null);
});

test('gradients of pad in every mode', () => {
  for (const mode of ['constant', 'reflect', 'replicate', 'circular'] as PadMode[]) {
    gradcheck((a) => pad(a, [2, 1, 1, 2], { mode, value: 0.5 }), [rn([2, 3, 4], 1)], { msg: `pad ${mode}` });
    gradcheck((a) => pad(a, [1, 2], { mode }), [rn([2, 3], 2)], { msg: `pad 1-D ${mode}` });
  }
  gradcheck((a) => pad(a, [-1, 1, 0, -1]), [rn([3, 4], 3)], { msg: 'negative constant pad' });
});
