import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { F, Tensor, io, manualSeed, matmul, noGrad, randn, tensor, where } from '../../src/index.js';
import { attrFloat, attrFloats, attrInt, attrInts, attrString, attrTensor } from '../../src/io/onnx/attributes.js';
import { floatProto, int64Proto, tensorToProto } from '../../src/io/onnx/tensor-proto.js';
import { assertClose, gradcheck } from '../helpers/check.js';
import { ROOT, fixtureBytes, model, node, reference, relativeError } from './onnx-import-graphs.js';

const { importOnnx, OnnxModule } = io;

/** Runs a one-input model in eval mode without gradients. */
function run(bytes: Uint8Array, x: Tensor): Tensor {
  const m = importOnnx(bytes).eval();
  return noGrad(() => m.call(x));
}

// ---- parity with PyTorch on exported models ----

const PARITY: [file: string, ref: string][] = [
  ['lenet5-opset11.onnx', 'lenet5'],
  ['lenet5-opset13.onnx', 'lenet5'],
  ['lenet5-opset17.onnx', 'lenet5'],
  ['resnet-opset11.onnx', 'resnet'],
  ['resnet-opset13.onnx', 'resnet'],
  ['ops-opset11.onnx', 'ops'],
  ['ops-opset13.onnx', 'ops'],
  ['ops-opset17.onnx', 'ops'],
  ['resize-opset11.onnx', 'resize'],
  ['resize-opset13.onnx', 'resize'],
];

for (const [file, ref] of PARITY) {
  test(`PyTorch-exported ${file}: output equals PyTorch's to 1e-4 relative`, () => {
    const { x, y } = reference(ref);
    const out = run(fixtureBytes(file), x);
    assert.deepEqual(out.shape, y.shape);
    const err = relativeError(out, y);
    assert.ok(err <= 1e-4, `relative error ${err}`);
  });
}

for (const name of ['lenet5', 'keras-fashion']) {
  test(`benchmark model bench/models/${name}.onnx: output equals PyTorch's to 1e-4 relative`, () => {
    const { x, y } = reference(`bench-${name}`);
    const out = run(new Uint8Array(readFileSync(join(ROOT, 'bench', 'models', `${name}.onnx`))), x);
    assert.deepEqual(out.shape, y.shape);
    const err = relativeError(out, y);
    assert.ok(err <= 1e-4, `relative error ${err}`);
  });
}

// ---- the module: names, buffers, batch size, gradients ----

test('state-dict keys are the PyTorch names the exporter kept; running statistics are buffers', () => {
  const lenet = importOnnx(fixtureBytes('lenet5-opset13.onnx'));
  assert.ok(lenet instanceof OnnxModule);
  assert.deepEqual(
    [...lenet.stateDict().keys()].sort(),
    ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'].flatMap((l) => [`${l}.bias`, `${l}.weight`]).sort(),
  );
  assert.deepEqual(lenet.inputNames, ['x']);
  assert.deepEqual(lenet.outputNames, ['y']);
  assert.equal(lenet.opset, 13);
  assert.equal(lenet.numParameters(), 61706); // LeNet-5's PyTorch parameter count
  const resnet = importOnnx(fixtureBytes('resnet-opset13.onnx'));
  const params = [...resnet.namedParameters()].map(([k]) => k);
  const buffers = [...resnet.namedBuffers()].map(([k]) => k);
  assert.ok(params.includes('layer2.0.downsample.1.weight'));
  assert.ok(buffers.includes('layer1.0.bn1.running_mean') && buffers.includes('layer2.0.downsample.1.running_var'));
  assert.ok(!params.some((k) => k.includes('running')), 'running statistics are not trainable');
  assert.ok(buffers.includes('layer3.0.downsample.1.num_batches_tracked'), "PyTorch's BatchNorm counter is there too");
  for (const [onnxName, key] of resnet.initializerKeys) assert.equal(key, onnxName);
  // the nested scopes are real submodules, as in the PyTorch model
  assert.equal(resnet.getSubmodule('layer1.0.bn1').typeName, 'OnnxScope');
  assert.throws(() => resnet.getSubmodule('layer1').call(tensor([1])), /OnnxScope only groups imported weights/);
});

test('a state dict saved from one import loads strictly into another (same names, same outputs)', () => {
  const a = importOnnx(fixtureBytes('resnet-opset11.onnx')).eval();
  const b = importOnnx(fixtureBytes('resnet-opset13.onnx')).eval();
  manualSeed(3);
  for (const p of a.parameters()) p.data.set(randn(p.shape).mul(0.1).data);
  b.loadStateDict(a.stateDict(), { strict: true });
  const x = randn([1, 3, 16, 16]);
  assertClose(
    noGrad(() => b.call(x)),
    noGrad(() => a.call(x)),
    { atol: 1e-6, rtol: 1e-5 },
  );
});

test('the batch size is free where the model declares it symbolic (Shape/Gather/Unsqueeze/Concat/Reshape flatten)', () => {
  const m = importOnnx(fixtureBytes('lenet5-opset11.onnx')).eval();
  manualSeed(1);
  const x = randn([5, 1, 28, 28]);
  const all = noGrad(() => m.call(x));
  assert.deepEqual(all.shape, [5, 10]);
  const third = noGrad(() => m.call(x.slice(0, 2, 3)));
  assertClose(third, all.slice(0, 2, 3), { atol: 1e-5, rtol: 1e-4 });
  assert.throws(
    () => m.call(randn([2, 3, 28, 28])),
    /input 'x' has shape \[2, 3, 28, 28\]; the model expects \[\?, 1, 28, 28\]/,
  );
});

test('gradients reach every imported parameter; trainable: false freezes them', () => {
  const m = importOnnx(fixtureBytes('resnet-opset13.onnx'));
  manualSeed(2);
  const { x } = reference('resnet');
  const loss = F.crossEntropy(m.call(x), tensor([3, 7], { dtype: 'int32' }));
  loss.backward();
  for (const [name, p] of m.namedParameters()) {
    assert.ok(p.grad, `${name} has a gradient`);
    assert.ok(
      p.grad.toFlatArray().some((v) => v !== 0),
      `${name}'s gradient is not all zero`,
    );
  }
  const frozen = importOnnx(fixtureBytes('lenet5-opset13.onnx'), { trainable: false });
  assert.equal(frozen.numParameters({ trainableOnly: true }), 0);
  assert.throws(
    () => importOnnx(fixtureBytes('lenet5-opset13.onnx'), { names: 'flat' } as never),
    /unknown option 'names'/,
  );
});

test('names that cannot be module paths are registered flat with underscores', () => {
  const w = tensorToProto('fc..weight', tensor([[1, 2]]));
  const f = tensorToProto('forward.bias', tensor([0.5]));
  const bytes = model({
    nodes: [node('Gemm', ['x', 'fc..weight', 'forward.bias'], ['y'], [attrInt('transB', 1)])],
    initializers: [w, f],
  });
  const m = importOnnx(bytes);
  assert.deepEqual(
    [...m.initializerKeys],
    [
      ['fc..weight', 'fc__weight'],
      ['forward.bias', 'forward_bias'],
    ],
  );
  assert.deepEqual(m.call(tensor([[1, 1]])).toArray(), [[3.5]]);
});

// ---- ops on hand-built graphs, against convkit's functional ops ----

test('Gemm: transA, transB, alpha, beta and a broadcast C', () => {
  manualSeed(4);
  const a = randn([3, 2]),
    b = randn([4, 3]),
    c = randn([1, 4]);
  const bytes = model({
    nodes: [
      node(
        'Gemm',
        ['x', 'B', 'C'],
        ['y'],
        [attrInt('transA', 1), attrInt('transB', 1), attrFloat('alpha', 0.5), attrFloat('beta', 2)],
      ),
    ],
    initializers: [tensorToProto('B', b), tensorToProto('C', c)],
  });
  const expected = matmul(a.transpose(0, 1), b.transpose(0, 1)).mul(0.5).add(c.mul(2));
  assertClose(run(bytes, a), expected, { atol: 1e-6 });
});

test('Softmax: opset < 13 coerces to 2-D at the axis, opset 13 normalises one axis', () => {
  manualSeed(5);
  const x = randn([2, 3, 4]);
  const nodes = [node('Softmax', ['x'], ['y'], [attrInt('axis', 1)])];
  assertClose(run(model({ nodes, opset: 11 }), x), F.softmax(x.reshape([2, 12]), 1).reshape([2, 3, 4]), { atol: 1e-6 });
  assertClose(run(model({ nodes, opset: 13 }), x), F.softmax(x, 1), { atol: 1e-6 });
  // opset 11's default axis is 1, opset 13's is -1
  const bare = [node('LogSoftmax', ['x'], ['y'])];
  assertClose(run(model({ nodes: bare, opset: 11 }), x), F.logSoftmax(x.reshape([2, 12]), 1).reshape([2, 3, 4]), {
    atol: 1e-5,
  });
  assertClose(run(model({ nodes: bare, opset: 13 }), x), F.logSoftmax(x, 2), { atol: 1e-5 });
});

test('Conv: auto_pad SAME_UPPER / SAME_LOWER with stride 2 and asymmetric pads', () => {
  manualSeed(6);
  const x = randn([1, 2, 7, 6]),
    w = randn([3, 2, 4, 3]),
    b = randn([3]);
  const init = [tensorToProto('W', w), tensorToProto('B', b)];
  const conv = (attrs: ReturnType<typeof attrInt>[]) =>
    run(model({ nodes: [node('Conv', ['x', 'W', 'B'], ['y'], attrs)], initializers: init }), x);
  // SAME_UPPER, stride 2: output ceil(7/2)=4 x 3; total pads H: (4-1)*2+4-7 = 3 (1 before, 2 after), W: (3-1)*2+3-6 = 1 (0, 1)
  const upper = conv([attrString('auto_pad', 'SAME_UPPER'), attrInts('strides', [2, 2])]);
  assertClose(upper, F.conv2d(F.pad(x, [0, 1, 1, 2]), w, b, { stride: 2 }), { atol: 1e-5 });
  assert.deepEqual(upper.shape, [1, 3, 4, 3]);
  const lower = conv([attrString('auto_pad', 'SAME_LOWER'), attrInts('strides', [2, 2])]);
  assertClose(lower, F.conv2d(F.pad(x, [1, 0, 2, 1]), w, b, { stride: 2 }), { atol: 1e-5 });
  const asym = conv([attrInts('pads', [0, 2, 1, 0]), attrInts('dilations', [1, 2])]);
  assertClose(asym, F.conv2d(F.pad(x, [2, 0, 0, 1]), w, b, { dilation: [1, 2] }), { atol: 1e-5 });
});

test('Conv 1-D with group and ConvTranspose with asymmetric pads and output_shape', () => {
  manualSeed(7);
  const x = randn([2, 4, 9]),
    w = randn([6, 2, 3]);
  const conv1 = run(
    model({
      nodes: [
        node('Conv', ['x', 'W'], ['y'], [attrInt('group', 2), attrInts('pads', [1, 1]), attrInts('strides', [2])]),
      ],
      initializers: [tensorToProto('W', w)],
    }),
    x,
  );
  assertClose(conv1, F.conv1d(x, w, null, { groups: 2, padding: 1, stride: 2 }), { atol: 1e-5 });
  const x2 = randn([1, 2, 3, 4]),
    wt = randn([2, 3, 3, 3]),
    bt = randn([3]);
  const init = [tensorToProto('W', wt), tensorToProto('B', bt)];
  const full = F.convTranspose2d(x2, wt, bt, { stride: 2 }); // (1, 3, 7, 9)
  const asym = run(
    model({
      nodes: [
        node('ConvTranspose', ['x', 'W', 'B'], ['y'], [attrInts('strides', [2, 2]), attrInts('pads', [1, 0, 0, 2])]),
      ],
      initializers: init,
    }),
    x2,
  );
  assertClose(asym, full.slice(2, 1, 7).slice(3, 0, 7), { atol: 1e-5 });
  const shaped = run(
    model({
      nodes: [
        node('ConvTranspose', ['x', 'W', 'B'], ['y'], [attrInts('strides', [2, 2]), attrInts('output_shape', [6, 8])]),
      ],
      initializers: init,
    }),
    x2,
  );
  // total padding (7-6, 9-8) = (1, 1): NOTSET puts floor(t/2) = 0 before, the rest after
  assertClose(shaped, full.slice(2, 0, 6).slice(3, 0, 8), { atol: 1e-5 });
});

test('MaxPool and AveragePool: asymmetric pads, count_include_pad, ceil_mode, 1-D', () => {
  manualSeed(8);
  const x = randn([1, 2, 5, 6]);
  const pool = (op: string, attrs: ReturnType<typeof attrInt>[]) =>
    run(model({ nodes: [node(op, ['x'], ['y'], attrs)] }), x);
  const k = attrInts('kernel_shape', [3, 3]);
  const maxAsym = pool('MaxPool', [k, attrInts('pads', [0, 2, 1, 0]), attrInts('strides', [2, 2])]);
  assertClose(maxAsym, F.maxPool2d(F.pad(x, [2, 0, 0, 1], { value: -Infinity }), { kernelSize: 3, stride: 2 }));
  const avgIncl = pool('AveragePool', [k, attrInts('pads', [1, 1, 1, 1]), attrInt('count_include_pad', 1)]);
  assertClose(avgIncl, F.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: true }), { atol: 1e-6 });
  const avgExcl = pool('AveragePool', [k, attrInts('pads', [1, 1, 1, 1])]); // ONNX's default excludes the padding
  assertClose(avgExcl, F.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false }), {
    atol: 1e-6,
  });
  // asymmetric padding without the padded cells: each window's mean over its real cells
  const avgAsym = pool('AveragePool', [k, attrInts('pads', [2, 0, 0, 0])]);
  const manual = (c: number, i: number, j: number): number => {
    let s = 0,
      n = 0;
    for (let di = 0; di < 3; di++)
      for (let dj = 0; dj < 3; dj++) {
        const r = i - 2 + di;
        if (r >= 0) {
          s += x.data[c * 30 + r * 6 + j + dj];
          n++;
        }
      }
    return s / n;
  };
  assert.deepEqual(avgAsym.shape, [1, 2, 5, 4]);
  for (const [c, i, j] of [
    [0, 0, 0],
    [1, 1, 3],
    [0, 4, 2],
  ])
    assert.ok(Math.abs(avgAsym.data[c * 20 + i * 4 + j] - manual(c, i, j)) < 1e-5);
  const ceil = pool('MaxPool', [
    attrInts('kernel_shape', [2, 2]),
    attrInts('strides', [2, 2]),
    attrInt('ceil_mode', 1),
  ]);
  assertClose(ceil, F.maxPool2d(x, { kernelSize: 2, ceilMode: true }));
  const x1 = randn([2, 3, 10]);
  const p1 = run(
    model({ nodes: [node('MaxPool', ['x'], ['y'], [attrInts('kernel_shape', [3]), attrInts('strides', [2])])] }),
    x1,
  );
  assertClose(p1, F.maxPool1d(x1, { kernelSize: 3, stride: 2 }));
});

test('LRN: ONNX window (odd size as PyTorch; even size one channel further before than after)', () => {
  manualSeed(9);
  const x = randn([2, 5, 3, 3]);
  const lrn = (size: number) =>
    run(
      model({
        nodes: [
          node(
            'LRN',
            ['x'],
            ['y'],
            [attrInt('size', size), attrFloat('alpha', 0.1), attrFloat('beta', 0.6), attrFloat('bias', 2)],
          ),
        ],
      }),
      x,
    );
  assertClose(lrn(3), F.localResponseNorm(x, 3, { alpha: 0.1, beta: 0.6, k: 2 }), { atol: 1e-5 });
  // size 2: channel c uses c and c+1 (ONNX: [c - floor(1/2), c + ceil(1/2)])
  const y = lrn(2);
  const at = (n: number, c: number, p: number): number => x.data[(n * 5 + c) * 9 + p];
  for (const [n, c, p] of [
    [0, 0, 0],
    [1, 3, 4],
    [0, 4, 8],
  ]) {
    const sq = at(n, c, p) ** 2 + (c + 1 < 5 ? at(n, c + 1, p) ** 2 : 0);
    const want = at(n, c, p) / (2 + (0.1 / 2) * sq) ** 0.6;
    assert.ok(Math.abs(y.data[(n * 5 + c) * 9 + p] - want) < 1e-5, `LRN size 2 at ${n},${c},${p}`);
  }
});

test('BatchNormalization (inference) and GlobalAveragePool, then Flatten', () => {
  manualSeed(10);
  const x = randn([2, 3, 4, 4]);
  const [s, b, mean] = [randn([3]), randn([3]), randn([3])];
  const v = tensor([0.5, 1, 2]);
  const bytes = model({
    nodes: [
      node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['n'], [attrFloat('epsilon', 1e-3)]),
      node('GlobalAveragePool', ['n'], ['g']),
      node('Flatten', ['g'], ['y']),
    ],
    initializers: [tensorToProto('s', s), tensorToProto('b', b), tensorToProto('m', mean), tensorToProto('v', v)],
  });
  const bn = F.batchNorm(x, mean, v, s, b, { eps: 1e-3 });
  assertClose(run(bytes, x), bn.mean([2, 3]), { atol: 1e-5 });
});

test('BatchNormalization in train mode uses batch statistics and updates the running ones (ONNX momentum 0.8 = PyTorch 0.2)', () => {
  manualSeed(15);
  const x = randn([4, 2, 3, 3]);
  const [mean, v] = [tensor([0.5, -0.5]), tensor([2, 0.5])];
  const m = importOnnx(
    model({
      nodes: [
        node(
          'BatchNormalization',
          ['x', 's', 'b', 'bn.running_mean', 'bn.running_var'],
          ['y'],
          [attrFloat('momentum', 0.8)],
        ),
      ],
      initializers: [
        tensorToProto('s', tensor([1, 2])),
        tensorToProto('b', tensor([0, 1])),
        tensorToProto('bn.running_mean', mean),
        tensorToProto('bn.running_var', v),
      ],
    }),
  );
  const rm = mean.clone(),
    rv = v.clone();
  const want = F.batchNorm(x, rm, rv, tensor([1, 2]), tensor([0, 1]), { training: true, momentum: 0.2 });
  const got = noGrad(() => m.train().call(x));
  assertClose(got, want, { atol: 1e-5 });
  const state = m.stateDict();
  assertClose(state.get('bn.running_mean') as Tensor, rm, { atol: 1e-6 });
  assertClose(state.get('bn.running_var') as Tensor, rv, { atol: 1e-6 });
  assert.ok(Math.abs(rm.data[0] - 0.8 * 0.5 - 0.2 * x.slice(1, 0, 1).mean().item()) < 1e-5);
  // PyTorch's counter beside the statistics: one per training batch, none in eval mode
  const counter = state.get('bn.num_batches_tracked') as Tensor;
  assert.equal(counter.dtype, 'int32');
  assert.equal(counter.item(), 1);
  noGrad(() => m.eval().call(x));
  assert.equal((m.stateDict().get('bn.num_batches_tracked') as Tensor).item(), 1);
});

test('Reshape: 0 copies a dim, -1 is inferred, allowzero keeps a real 0', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const reshape = (shape: number[], allowzero?: number, opset = 14) =>
    run(
      model({
        nodes: [node('Reshape', ['x', 's'], ['y'], allowzero === undefined ? [] : [attrInt('allowzero', allowzero)])],
        initializers: [int64Proto('s', shape)],
        opset,
      }),
      x,
    );
  assert.deepEqual(reshape([0, -1, 1]).shape, [2, 3, 1]);
  assert.deepEqual(reshape([-1]).toArray(), [1, 2, 3, 4, 5, 6]);
  assert.throws(() => reshape([0, 4]), /cannot reshape \[2, 3\] \(6 values\) to \[0, 4\]/);
  assert.throws(() => reshape([0, 6], 1), /cannot reshape \[2, 3\]/);
});

test('Pad: attributes before opset 11, inputs from 11 (constant value, edge and reflect modes)', () => {
  const x = tensor([[[1, 2, 3]]]);
  const v10 = run(
    model({
      nodes: [node('Pad', ['x'], ['y'], [attrInts('pads', [0, 0, 1, 0, 0, 2]), attrFloat('value', 9)])],
      opset: 10,
    }),
    x,
  );
  assert.deepEqual(v10.toArray(), [[[9, 1, 2, 3, 9, 9]]]);
  const v13 = (mode: string) =>
    run(
      model({
        nodes: [node('Pad', ['x', 'p', 'c'], ['y'], [attrString('mode', mode)])],
        initializers: [int64Proto('p', [0, 0, 2, 0, 0, 1]), floatProto('c', [7], [])],
      }),
      x,
    ).toArray();
  assert.deepEqual(v13('constant'), [[[7, 7, 1, 2, 3, 7]]]);
  assert.deepEqual(v13('edge'), [[[1, 1, 1, 2, 3, 3]]]);
  assert.deepEqual(v13('reflect'), [[[3, 2, 1, 2, 3, 2]]]);
  // negative pads crop
  const crop = run(
    model({ nodes: [node('Pad', ['x', 'p'], ['y'])], initializers: [int64Proto('p', [0, 0, -1, 0, 0, 0])] }),
    x,
  );
  assert.deepEqual(crop.toArray(), [[[2, 3]]]);
});

test('Clip: attributes before opset 11, optional inputs from 11; Dropout only while training', () => {
  const x = tensor([-3, -0.5, 0.5, 3]);
  const v6 = model({ nodes: [node('Clip', ['x'], ['y'], [attrFloat('min', -1), attrFloat('max', 2)])], opset: 9 });
  assert.deepEqual(run(v6, x).toArray(), [-1, -0.5, 0.5, 2]);
  const onlyMax = model({ nodes: [node('Clip', ['x', '', 'hi'], ['y'])], initializers: [floatProto('hi', [1], [])] });
  assert.deepEqual(run(onlyMax, x).toArray(), [-3, -0.5, 0.5, 1]);
  const m = importOnnx(onlyMax);
  assert.deepEqual(m.stateDict().size, 0, 'a setting-only initializer is not a weight');
  const drop = model({ nodes: [node('Dropout', ['x'], ['y'], [attrFloat('ratio', 0.5)])], opset: 11 });
  const d = importOnnx(drop);
  const ones = tensor(new Array(400).fill(1));
  assert.deepEqual(noGrad(() => d.eval().call(ones)).toFlatArray(), ones.toFlatArray());
  manualSeed(11);
  const t = noGrad(() => d.train().call(ones)).toFlatArray();
  const zeros = t.filter((v) => v === 0).length;
  assert.ok(zeros > 120 && zeros < 280, `about half dropped, got ${zeros}`);
  assert.ok(
    t.every((v) => v === 0 || v === 2),
    'kept values scaled by 1 / (1 - p)',
  );
});

test('shape arithmetic on integers: Shape, Gather, Slice (INT64_MAX end, negative step), Squeeze, Unsqueeze, Cast, Concat', () => {
  manualSeed(12);
  const x = randn([2, 3, 4, 5]);
  // 'en' = INT64_MAX ("to the end", as PyTorch writes it), which only a raw INT64 can hold
  const raw = new Uint8Array(8);
  new DataView(raw.buffer).setBigInt64(0, 9223372036854775807n, true);
  const m = importOnnx(
    model({
      nodes: [
        node('Shape', ['x'], ['s']), // [2, 3, 4, 5]
        node('Slice', ['s', 'st', 'en'], ['tail']), // [3, 4, 5]
        node('Slice', ['s', 'st2', 'en2', 'ax', 'step'], ['rev']), // [5, 4, 3, 2]
        node('Gather', ['s', 'i0'], ['n']), // 2 (a scalar)
        node('Unsqueeze', ['n', 'ax'], ['n1']), // [2]
        node('Squeeze', ['n1', 'ax'], ['n0']), // 2
        node('Unsqueeze', ['n0', 'ax'], ['n2']), // [2]
        node('Mul', ['tail', 'two'], ['tail2']), // [6, 8, 10]
        node('Cast', ['rev'], ['revf'], [attrInt('to', 1)]), // float [5, 4, 3, 2]
        node('Concat', ['n2', 'minus1'], ['shape'], [attrInt('axis', 0)]), // [2, -1]
        node('Reshape', ['x', 'shape'], ['flat']), // (2, 60)
        node('ReduceSum', ['revf', 'ax'], ['rs'], [attrInt('keepdims', 0)]), // 14
        node('Mul', ['flat', 'rs'], ['y']),
      ],
      initializers: [
        int64Proto('st', [1]),
        { ...int64Proto('en', [0]), rawData: raw },
        int64Proto('st2', [-1]),
        int64Proto('en2', [-100]),
        int64Proto('ax', [0]),
        int64Proto('step', [-1]),
        int64Proto('i0', [0], []),
        int64Proto('two', [2]),
        int64Proto('minus1', [-1]),
      ],
      outputs: ['y', 'tail2'],
    }),
  );
  const [y, tail2] = noGrad(() => m.forwardAll(x));
  assert.deepEqual(tail2.toArray(), [6, 8, 10]);
  assert.equal(tail2.dtype, 'int32');
  assertClose(y, x.reshape([2, 60]).mul(14), { atol: 1e-5 });
});

test('further ops: Erf (with its gradient), PRelu, HardSigmoid, HardSwish, Softsign, InstanceNormalization, Sum/Mean/Min, Less/Where', () => {
  manualSeed(13);
  const one = (op: string, attrs: ReturnType<typeof attrInt>[] = []) =>
    model({ nodes: [node(op, ['x'], ['y'], attrs)] });
  const v = tensor([-1, 0, 0.5, 3]);
  assertClose(run(one('Erf'), v), [-0.8427007929, 0, 0.5204998778, 0.9999779095], { atol: 3e-7 });
  const erfModel = importOnnx(one('Erf'));
  gradcheck((t) => erfModel.call(t), [randn([5]).requiresGrad_(true)], { msg: 'Erf' });
  assertClose(run(one('HardSigmoid', [attrFloat('alpha', 0.25), attrFloat('beta', 0.4)]), v), [0.15, 0.4, 0.525, 1]);
  assertClose(run(one('HardSwish'), v), [-1 / 3, 0, 0.5 * (0.5 / 6 + 0.5), 3], { atol: 1e-6 });
  assertClose(run(one('Softsign'), v), [-0.5, 0, 1 / 3, 0.75], { atol: 1e-6 });
  const x = randn([2, 3, 4, 4]);
  const slope = randn([3, 1, 1]);
  const prelu = run(model({ nodes: [node('PRelu', ['x', 's'], ['y'])], initializers: [tensorToProto('s', slope)] }), x);
  assertClose(prelu, where(x.gt(0), x, x.mul(slope)), { atol: 1e-6 });
  const [sc, b] = [randn([3]), randn([3])];
  const inorm = run(
    model({
      nodes: [node('InstanceNormalization', ['x', 'sc', 'b'], ['y'], [attrFloat('epsilon', 1e-3)])],
      initializers: [tensorToProto('sc', sc), tensorToProto('b', b)],
    }),
    x,
  );
  const centred = x.sub(x.mean([2, 3], { keepDim: true }));
  const want = centred
    .div(centred.square().mean([2, 3], { keepDim: true }).add(1e-3).sqrt())
    .mul(sc.reshape([3, 1, 1]))
    .add(b.reshape([3, 1, 1]));
  assertClose(inorm, want, { atol: 1e-5 });
  const c = randn([4]);
  const init = [tensorToProto('c', c)];
  const multi = (op: string) => run(model({ nodes: [node(op, ['x', 'c', 'x'], ['y'])], initializers: init }), x);
  assertClose(multi('Sum'), x.add(c).add(x), { atol: 1e-6 });
  assertClose(multi('Mean'), x.add(c).add(x).div(3), { atol: 1e-6 });
  assertClose(multi('Min'), x.minimum(c), { atol: 0 });
  const masked = run(
    model({ nodes: [node('Less', ['x', 'c'], ['m']), node('Where', ['m', 'x', 'c'], ['y'])], initializers: init }),
    x,
  );
  assertClose(masked, x.minimum(c), { atol: 0 });
  // a data-sized mask cast to BOOL and back (an int32 tensor inside, not plain numbers)
  const big = randn([2, 3, 40, 40]);
  const relu = model({
    nodes: [
      node('Greater', ['x', 'zero'], ['g']),
      node('Cast', ['g'], ['b'], [attrInt('to', 9)]),
      node('Cast', ['b'], ['f'], [attrInt('to', 1)]),
      node('Mul', ['x', 'f'], ['y']),
    ],
    initializers: [floatProto('zero', [0], [])],
  });
  assertClose(run(relu, big), big.relu(), { atol: 0 });
});

test('Split (sizes as input from opset 13, as attribute before, or equal parts) and Tile', () => {
  const x = tensor([[1, 2, 3, 4, 5]]);
  const m13 = importOnnx(
    model({
      nodes: [node('Split', ['x', 's'], ['a', 'b'], [attrInt('axis', 1)])],
      initializers: [int64Proto('s', [2, 3])],
      outputs: ['a', 'b'],
    }),
  );
  assert.deepEqual(
    noGrad(() => m13.forwardAll(x)).map((t) => t.toArray()),
    [[[1, 2]], [[3, 4, 5]]],
  );
  const m11 = importOnnx(
    model({
      nodes: [node('Split', ['x'], ['a', 'b', 'c'], [attrInt('axis', -1)])],
      outputs: ['a', 'b', 'c'],
      opset: 11,
    }),
  );
  assert.deepEqual(
    noGrad(() => m11.forwardAll(x)).map((t) => t.toArray()),
    [[[1, 2]], [[3, 4]], [[5]]],
  );
  const tile = model({ nodes: [node('Tile', ['x', 'r'], ['y'])], initializers: [int64Proto('r', [2, 1])] });
  assert.deepEqual(run(tile, x).toArray(), [
    [1, 2, 3, 4, 5],
    [1, 2, 3, 4, 5],
  ]);
});

test('Upsample (opsets 7-9) and Resize gradients', () => {
  const x = tensor([
    [
      [
        [1, 2],
        [3, 4],
      ],
    ],
  ]);
  const up9 = model({
    nodes: [node('Upsample', ['x', 's'], ['y'])],
    initializers: [floatProto('s', [1, 1, 2, 2])],
    opset: 9,
  });
  assert.deepEqual(run(up9, x).toArray(), [
    [
      [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 4, 4],
        [3, 3, 4, 4],
      ],
    ],
  ]);
  const up7 = model({
    nodes: [node('Upsample', ['x'], ['y'], [attrFloats('scales', [1, 1, 1, 2]), attrString('mode', 'linear')])],
    opset: 7,
  });
  // asymmetric coordinates: output j samples input j / 2, the last cell clamped
  assert.deepEqual(run(up7, x).toArray(), [
    [
      [
        [1, 1.5, 2, 2],
        [3, 3.5, 4, 4],
      ],
    ],
  ]);
  const bilinear = importOnnx(fixtureBytes('resize-opset13.onnx'));
  manualSeed(14);
  const x0 = randn([1, 3, 4, 6]);
  const w = randn(noGrad(() => bilinear.call(x0)).shape);
  gradcheck((t) => bilinear.call(t).mul(w).sum(), [x0.requiresGrad_(true)], { msg: 'Resize' });
});

// ---- bad input: a clear error each, nothing run, nothing huge allocated ----

test('an unsupported op is an error naming the op type and the node, listing the supported ops', () => {
  const bytes = model({
    nodes: [node('Relu', ['x'], ['h']), node('NonMaxSuppression', ['h'], ['y'], [], { name: 'nms_1' })],
  });
  assert.throws(
    () => importOnnx(bytes),
    /node 'nms_1' \(NonMaxSuppression\): op type 'NonMaxSuppression' is not supported \(supported: .*Conv.*Gemm.*MaxPool/,
  );
});

test('a cyclic graph is an error naming the nodes on the cycle', () => {
  const bytes = model({
    nodes: [
      node('Relu', ['x'], ['a'], [], { name: 'entry' }),
      node('Add', ['a', 'c'], ['b'], [], { name: 'loop_add' }),
      node('Relu', ['b'], ['c'], [], { name: 'loop_relu' }),
      node('Identity', ['c'], ['y']),
    ],
  });
  assert.throws(
    () => importOnnx(bytes),
    /the graph has a cycle through node 'loop_(add|relu)'.*node 'loop_(add|relu)'/,
  );
  const self = model({ nodes: [node('Add', ['x', 'y'], ['y'], [], { name: 'self_loop' })] });
  assert.throws(() => importOnnx(self), /cycle through node 'self_loop' \(Add\)/);
});

test('absurd dimensions are errors before anything is allocated', () => {
  const huge = tensorToProto('w', tensor([1]));
  huge.dims = [1_000_000n, 1_000_000n, 1_000_000n];
  assert.throws(
    () => importOnnx(model({ nodes: [node('Add', ['x', 'w'], ['y'])], initializers: [huge] })),
    /initializer 'w'.*(more than|elements|out of range)/,
  );
  const lying = tensorToProto('w', tensor([1, 2, 3]));
  lying.dims = [3000n];
  assert.throws(
    () => importOnnx(model({ nodes: [node('Add', ['x', 'w'], ['y'])], initializers: [lying] })),
    /TensorProto w.*raw_data is 12 bytes, dims need 12000/,
  );
  assert.throws(
    () => importOnnx(model({ nodes: [node('Relu', ['x'], ['y'])], inputDims: ['n', 1 << 30, 1 << 30] })),
    /graph input 'x'/,
  );
  // a shape computed at run time is checked before the allocation
  const cos = model({
    nodes: [node('ConstantOfShape', ['s'], ['y'])],
    initializers: [int64Proto('s', [1 << 20, 1 << 20, 1 << 20])],
    inputs: [],
  });
  assert.throws(() => importOnnx(cos).forward(), /ConstantOfShape.*elements/);
});

test('truncated or foreign bytes are errors, never crashes', () => {
  const bytes = fixtureBytes('lenet5-opset13.onnx');
  for (const cut of [1, 7, 100, 1000, 50_000, bytes.length - 1]) {
    assert.throws(
      () => importOnnx(bytes.subarray(0, cut)),
      (e: Error) => /importOnnx|TensorProto/.test(e.message),
      `cut at ${cut}`,
    );
  }
  // subgraphs nested 30,000 deep (GraphProto.node -> NodeProto.attribute -> AttributeProto.g -> ...)
  const levels = 30_000;
  const varintSize = (n: number): number => (n < 128 ? 1 : 1 + varintSize(Math.floor(n / 128)));
  const lens = [0];
  for (let i = 0; i < levels; i++) lens.push(1 + varintSize(lens[i]) + lens[i]);
  const deep = new Uint8Array(1 + varintSize(lens[levels]) + lens[levels]);
  let at = 0;
  const put = (n: number): void => {
    for (; n >= 128; n = Math.floor(n / 128)) deep[at++] = (n & 127) | 128;
    deep[at++] = n;
  };
  deep[at++] = 0x3a; // ModelProto.graph
  put(lens[levels]);
  for (let i = levels - 1; i >= 0; i--) {
    deep[at++] = [0x0a, 0x2a, 0x32][(levels - 1 - i) % 3];
    put(lens[i]);
  }
  assert.throws(() => importOnnx(deep), /not a valid ONNX model \(protobuf decoding failed: .*recursion depth/);
  assert.throws(() => importOnnx(new Uint8Array(0)), /the model is empty/);
  // an ArrayBuffer (a fetch's arrayBuffer()) is read as well
  const copy = bytes.slice();
  assert.deepEqual(importOnnx(copy.buffer).inputNames, ['x']);
  assert.throws(() => importOnnx(new TextEncoder().encode('{"not": "onnx"}')), /importOnnx: /);
  assert.throws(
    () => importOnnx('model.onnx' as unknown as Uint8Array),
    /expected the model file's bytes as a Uint8Array or ArrayBuffer, got string/,
  );
});

test('a node outside the default domain, or a model without a default-domain opset, is an error', () => {
  const ms = model({ nodes: [node('Gelu', ['x'], ['y'], [], { name: 'g1', domain: 'com.microsoft' })] });
  assert.throws(
    () => importOnnx(ms),
    /node 'g1' \(Gelu\) is in domain 'com.microsoft'; convkit reads only the default ONNX domain/,
  );
  const noDefault = model({ nodes: [node('Relu', ['x'], ['y'])], domain: 'ai.onnx.ml', opset: 3 });
  assert.throws(() => importOnnx(noDefault), /imports no opset of the default ONNX domain.*'ai.onnx.ml'/);
  const explicit = model({ nodes: [node('Relu', ['x'], ['y'], [], { domain: 'ai.onnx' })], domain: 'ai.onnx' });
  assert.deepEqual(run(explicit, tensor([-1, 2])).toArray(), [0, 2]);
  assert.throws(
    () => importOnnx(model({ nodes: [node('Relu', ['x'], ['y'])], opset: 99 })),
    /opset 99 is not supported/,
  );
});

test('undefined inputs, values written twice, unknown data types and missing outputs are errors', () => {
  assert.throws(
    () => importOnnx(model({ nodes: [node('Add', ['x', 'ghost'], ['y'], [], { name: 'add0' })] })),
    /node 'add0' \(Add\) reads 'ghost', which no graph input, initializer or node defines/,
  );
  assert.throws(
    () =>
      importOnnx(model({ nodes: [node('Relu', ['x'], ['y']), node('Sigmoid', ['x'], ['y'], [], { name: 'dup' })] })),
    /node 'dup' \(Sigmoid\) writes 'y', which is already defined/,
  );
  const complex = tensorToProto('c', tensor([1, 2]));
  complex.dataType = 14;
  assert.throws(
    () => importOnnx(model({ nodes: [node('Add', ['x', 'c'], ['y'])], initializers: [complex] })),
    /initializer 'c' has data type COMPLEX64/,
  );
  const unknown = tensorToProto('u', tensor([1]));
  unknown.dataType = 99;
  assert.throws(
    () => importOnnx(model({ nodes: [node('Add', ['x', 'u'], ['y'])], initializers: [unknown] })),
    /unknown data type 99/,
  );
  assert.throws(
    () => importOnnx(model({ nodes: [node('Relu', ['x'], ['h'])], outputs: ['nowhere'] })),
    /graph output 'nowhere' is not computed/,
  );
  const badConst = model({
    nodes: [node('Constant', [], ['y'], [attrTensor('value', { ...floatProto('v', [1, 2]), dataType: 8 })])],
    inputs: [],
  });
  assert.throws(() => importOnnx(badConst), /data type STRING is not supported/);
});

test('op errors at run time name the node', () => {
  const bytes = model({
    nodes: [node('Conv', ['x', 'W'], ['y'], [attrInts('kernel_shape', [5, 5])], { name: 'c1' })],
    initializers: [tensorToProto('W', randn([2, 1, 3, 3]))],
  });
  const m = importOnnx(bytes);
  assert.throws(
    () => m.call(randn([1, 1, 8, 8])),
    /node 'c1' \(Conv\): kernel_shape \[5, 5\] does not match the weight's kernel \[3, 3\]/,
  );
  assert.throws(() => m.call(randn([1, 1, 8, 8]), randn([1])), /takes 1 input\(s\) \(x\), got 2/);
});
