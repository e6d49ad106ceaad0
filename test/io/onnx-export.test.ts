// ONNX export without a runtime (fast tier): the file's structure read back with fromBinary
// (IR version, opset, producer, dynamic batch, names, initializers = state-dict tensors byte for
// byte, a well-formed node list for every layer case), registration of user exporters, and the
// errors: an input shape the model cannot take, a module without an exporter, bad options.
// Numerical parity with onnxruntime is in onnx-export.slow.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto, type ValueInfoProto } from '../../src/io/onnx/generated/onnx_pb.js';
import {
  exportOnnx,
  registerOnnxExporter,
  ONNX_DEFAULT_OPSET,
  ONNX_MAX_OPSET,
  ONNX_MIN_OPSET,
} from '../../src/io/onnx/export.js';
import { protoToTensor } from '../../src/io/onnx/tensor-proto.js';
import * as io from '../../src/io/index.js';
import * as nn from '../../src/nn/index.js';
import { Module, Sequential } from '../../src/nn/module.js';
import { declaredTypeName } from '../../src/nn/type-name.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { resnet20 } from '../../src/models/resnet.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { LAYER_CASES, ZOO_BLOCK_CASES } from './onnx-export-cases.js';
import { LAYER_EXPORTERS } from '../../src/io/onnx/export-layers.js';
import { ZOO_EXPORTERS } from '../../src/io/onnx/export-zoo.js';
import * as zoo from '../../src/models/index.js';

const parse = (bytes: Uint8Array): ModelProto => fromBinary(ModelProtoSchema, bytes);

/** The dims of a graph input/output: 'batch' for the symbolic axis, numbers otherwise. */
function dims(vi: ValueInfoProto): (string | number)[] {
  const t = vi.type?.value;
  assert.equal(t?.case, 'tensorType');
  return (t?.value.shape?.dim ?? []).map((d) => (d.value.case === 'dimParam' ? d.value.value : Number(d.value.value)));
}

/** Every node input is the graph input, an initializer or an earlier output; names are unique. */
function assertWellFormed(m: ModelProto, label: string): void {
  const g = m.graph;
  assert.ok(g, `${label}: no graph`);
  const known = new Set<string>([...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name)]);
  const nodeNames = new Set<string>();
  for (const n of g.node) {
    assert.ok(n.name && !nodeNames.has(n.name), `${label}: node name '${n.name}' missing or repeated`);
    nodeNames.add(n.name);
    for (const i of n.input)
      assert.ok(known.has(i), `${label}: node ${n.name} (${n.opType}) reads '${i}' before it exists`);
    for (const o of n.output) {
      assert.ok(!known.has(o), `${label}: value '${o}' written twice`);
      known.add(o);
    }
  }
  for (const o of g.output) assert.ok(known.has(o.name), `${label}: graph output '${o.name}' is never written`);
  const inits = g.initializer.map((t) => t.name);
  assert.equal(new Set(inits).size, inits.length, `${label}: repeated initializer names`);
}

test('lenet5: header, dynamic batch, names, initializers are the state-dict tensors byte for byte', () => {
  const model = lenet5();
  const m = parse(exportOnnx(model, { inputShape: [1, 1, 28, 28] }));
  assert.equal(m.producerName, 'convkit');
  assert.equal(m.irVersion, 8n);
  assert.deepEqual(
    m.opsetImport.map((o) => [o.domain, o.version]),
    [['', BigInt(ONNX_DEFAULT_OPSET)]],
  );
  const g = m.graph!;
  assert.deepEqual(
    g.input.map((v) => v.name),
    ['input'],
  );
  assert.deepEqual(dims(g.input[0]), ['batch', 1, 28, 28]);
  assert.deepEqual(
    g.output.map((v) => v.name),
    ['output'],
  );
  assert.deepEqual(dims(g.output[0]), ['batch', 10]);
  const sd = model.stateDict();
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  for (const [key, t] of sd) {
    const p = inits.get(key);
    assert.ok(p, `initializer ${key} missing`);
    const back = protoToTensor(p);
    assert.deepEqual(back.shape, t.shape, key);
    assert.deepEqual(back.data, t.data, key);
  }
  assertWellFormed(m, 'lenet5');
  assert.deepEqual(
    g.node.map((n) => n.opType),
    ['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm'],
  );
});

test('resnet20: BatchNorm reads running_mean/running_var by their state-dict keys; num_batches_tracked is not needed', () => {
  const model = resnet20();
  const m = parse(exportOnnx(model, { inputShape: [2, 3, 32, 32], opset: 13 }));
  assert.equal(m.irVersion, 7n);
  assert.equal(m.opsetImport[0].version, 13n);
  const names = new Set(m.graph!.initializer.map((t) => t.name));
  for (const [k] of model.namedParameters()) assert.ok(names.has(k), `parameter ${k} is an initializer`);
  const bufferKeys = [...model.stateDict().keys()].filter((k) => /running_(mean|var)$/.test(k));
  assert.ok(bufferKeys.length > 0, 'resnet20 has batch-norm buffers named running_mean/running_var');
  for (const k of bufferKeys) assert.ok(names.has(k), `buffer ${k} is an initializer`);
  assert.ok(![...names].some((n) => n.endsWith('num_batches_tracked')));
  const bn = m.graph!.node.find((n) => n.opType === 'BatchNormalization')!;
  assert.deepEqual(bn.input.slice(1), ['bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var']);
  assertWellFormed(m, 'resnet20');
});

test('options: names, fixed batch, opset range and IR versions', () => {
  const model = new Sequential(new nn.Linear(4, 3), new nn.ReLU());
  const m = parse(
    exportOnnx(model, { inputShape: [5, 4], inputName: 'pixels', outputName: 'logits', dynamicBatch: false }),
  );
  assert.deepEqual(dims(m.graph!.input[0]), [5, 4]);
  assert.equal(m.graph!.input[0].name, 'pixels');
  assert.equal(m.graph!.output[0].name, 'logits');
  assert.deepEqual(dims(m.graph!.output[0]), [5, 3]);
  for (const [opset, ir] of [
    [ONNX_MIN_OPSET, 7n],
    [18, 8n],
    [20, 9n],
    [21, 10n],
    [ONNX_MAX_OPSET, 13n],
  ] as const) {
    const p = parse(exportOnnx(model, { inputShape: [1, 4], opset }));
    assert.equal(p.irVersion, ir, `IR version for opset ${opset}`);
  }
  // an identity model still has a node writing the output
  const id = parse(exportOnnx(new nn.Identity(), { inputShape: [1, 4] }));
  assert.deepEqual(
    id.graph!.node.map((n) => [n.opType, n.input, n.output]),
    [['Identity', ['input'], ['output']]],
  );
  assert.equal(io.exportOnnx, exportOnnx, 'io.exportOnnx');
});

test('bad options are errors naming the option', () => {
  const model = new nn.ReLU();
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 0, 3] }),
    /exportOnnx: inputShape must be .*positive integers.*\[1, 0, 3\]/,
  );
  assert.throws(() => exportOnnx(model, { inputShape: [] }), /inputShape must be a non-empty array/);
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 3], opset: 12 }),
    /opset must be an integer from 13 to \d+, got 12/,
  );
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 3], opset: ONNX_MAX_OPSET + 1 }),
    new RegExp(`opset must be an integer from 13 to ${ONNX_MAX_OPSET}`),
  );
  assert.throws(() => exportOnnx(model, { inputShape: [1, 3], inputName: 'x', outputName: 'x' }), /both 'x'/);
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 3], batch: 2 } as unknown as Parameters<typeof exportOnnx>[1]),
    /unknown option 'batch'/,
  );
  assert.throws(() => exportOnnx({} as unknown as Module, { inputShape: [1, 3] }), /expected a convkit Module/);
});

test('an input shape the model cannot take is an error naming the layer; training mode is restored', () => {
  const model = lenet5();
  model.train();
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 1, 5, 5] }),
    /exportOnnx: inputShape \[1, 1, 5, 5\] does not fit layer '\d+' \((Conv2d|MaxPool2d)\): /,
  );
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 3, 28, 28] }),
    /does not fit layer '0' \(Conv2d\): .*3 channels/,
  );
  assert.ok(
    [...model.modules()].every((m) => m.training),
    'training flags restored after a failed export',
  );
  const nested = resnet20();
  assert.throws(() => exportOnnx(nested, { inputShape: [1, 4, 32, 32] }), /does not fit layer 'conv1' \(Conv2d\)/);
});

class Doubler extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}
class ScaledTanh extends nn.Tanh {
  override forward(x: Tensor): Tensor {
    return super.forward(x).mul(3);
  }
}

test('a module without an exporter is an error naming its path and class; registerOnnxExporter adds one', () => {
  const model = new Sequential(new nn.Linear(3, 3), new Sequential(new nn.ReLU(), new Doubler()));
  assert.throws(
    () => exportOnnx(model, { inputShape: [1, 3] }),
    /exportOnnx: layer '1\.1' \(Doubler\) has no ONNX exporter; register one with registerOnnxExporter\(Doubler/,
  );
  // a subclass that overrides forward does not inherit its parent's exporter
  assert.throws(
    () => exportOnnx(new Sequential(new ScaledTanh()), { inputShape: [1, 3] }),
    /layer '0' \(ScaledTanh\) has no ONNX exporter/,
  );
  registerOnnxExporter(Doubler, (ctx, _m, inputs) => ctx.op('Mul', [inputs[0].name, ctx.scalar(2)]));
  const m = parse(exportOnnx(model, { inputShape: [1, 3] }));
  assert.deepEqual(
    m.graph!.node.map((n) => n.opType),
    ['Gemm', 'Relu', 'Mul'],
  );
  assert.equal(m.graph!.node[2].name, '1.1/Mul_node', 'node names carry the module path');
  assertWellFormed(m, 'registered');
  assert.throws(() => registerOnnxExporter(Doubler, 3 as unknown as never), /exporter for Doubler must be a function/);
  // an exporter's own failure is reported with the module's path and class
  class Broken extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  registerOnnxExporter(Broken, () => {
    throw new TypeError('cannot do this');
  });
  assert.throws(
    () => exportOnnx(new Sequential(new nn.ReLU(), new Broken()), { inputShape: [1, 3] }),
    /exportOnnx: layer '1' \(Broken\): cannot do this/,
  );
});

test('every layer case and zoo block case exports to a well-formed graph at every opset', () => {
  for (const c of [...LAYER_CASES, ...ZOO_BLOCK_CASES])
    for (const opset of [ONNX_MIN_OPSET, ONNX_DEFAULT_OPSET, ONNX_MAX_OPSET]) {
      const m = parse(exportOnnx(c.build(), { inputShape: c.input, opset }));
      assertWellFormed(m, `${c.name} (opset ${opset})`);
    }
});

test('every Module class of nn and of the zoo has a built-in exporter (its own, or the parent class one when it keeps that forward)', () => {
  const missing: string[] = [];
  for (const [name, cls] of [...Object.entries(nn), ...Object.entries(zoo)]) {
    if (typeof cls !== 'function' || !(cls.prototype instanceof Module)) continue;
    let found = false;
    for (let p = cls.prototype; p && p.forward === cls.prototype.forward; p = Object.getPrototypeOf(p)) {
      const n = declaredTypeName(p.constructor) ?? '';
      if (Object.hasOwn(LAYER_EXPORTERS, n) || Object.hasOwn(ZOO_EXPORTERS, n)) found = true;
    }
    if (!found) missing.push(name);
  }
  assert.deepEqual(
    missing,
    [],
    `classes without an ONNX exporter (add one to src/io/onnx/export-layers.ts or export-zoo.ts): ${missing.join(', ')}`,
  );
});

test('tcn1d: each causal conv pads (k-1)·dilation zeros on the left of the time axis only, then a Conv without pads', () => {
  const model = new zoo.TCN({ inChannels: 2, channels: 3, levels: 3, kernelSize: 3, numClasses: 4 });
  const m = parse(exportOnnx(model, { inputShape: [1, 2, 16] }));
  const g = m.graph!;
  assertWellFormed(m, 'tcn1d');
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const pads = g.node.filter((n) => n.opType === 'Pad').map((n) => [...protoToTensor(init.get(n.input[1])!).data]);
  // two causal convs per block, dilation 1, 2, 4 with kernel 3: left padding 2, 4, 8
  assert.deepEqual(
    pads,
    [2, 2, 4, 4, 8, 8].map((left) => [0, 0, left, 0, 0, 0]),
  );
  for (const conv of g.node.filter((n) => n.opType === 'Conv')) {
    const p = conv.attribute.find((a) => a.name === 'pads');
    assert.deepEqual(p?.ints.map(Number), [0, 0], `${conv.name}: no padding inside the Conv`);
  }
  // block 0 changes the width (1x1 conv shortcut), blocks 1 and 2 add the identity
  assert.equal(g.node.filter((n) => n.opType === 'Conv').length, 7);
  assert.deepEqual(
    g.node.slice(-2).map((n) => n.opType),
    ['ReduceMean', 'Gemm'],
  );
});
