// Tensor <-> TensorProto conversion and the ONNX attribute builders/readers (fast tier).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Tensor, tensor } from '../../src/index.js';
import { tensorToProto, protoToTensor, protoToInts, int64Proto, floatProto } from '../../src/io/onnx/tensor-proto.js';
import {
  attrInt,
  attrInts,
  attrFloat,
  attrFloats,
  attrString,
  attrTensor,
  NodeAttributes,
} from '../../src/io/onnx/attributes.js';
import {
  NodeProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType as DT,
  TensorProto_DataLocation,
} from '../../src/io/onnx/generated/onnx_pb.js';

const roundTrip = <T extends Parameters<typeof toBinary<typeof TensorProtoSchema>>[1]>(p: T) =>
  fromBinary(TensorProtoSchema, toBinary(TensorProtoSchema, p));

test('float32 tensor -> FLOAT raw_data little-endian -> same tensor', () => {
  const t = tensor([
    [1, -2.5, 3],
    [0.1, 1e-8, -0],
  ]);
  const p = tensorToProto('w', t);
  assert.equal(p.dataType, DT.FLOAT);
  assert.deepEqual(p.dims, [2n, 3n]);
  assert.deepEqual([...p.rawData.subarray(0, 8)], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  const back = protoToTensor(roundTrip(p));
  assert.deepEqual(back.shape, [2, 3]);
  assert.equal(back.dtype, 'float32');
  assert.deepEqual([...back.data], [...t.data]);
});

test('int32 tensor -> INT64 (default) or INT32, back to int32', () => {
  const t = new Tensor(Int32Array.of(5, -1, 2147483647), [3]);
  const p64 = tensorToProto('i', t);
  assert.equal(p64.dataType, DT.INT64);
  assert.equal(p64.rawData.length, 24);
  assert.deepEqual([...protoToTensor(roundTrip(p64)).data], [5, -1, 2147483647]);
  const p32 = tensorToProto('i', t, 'int32');
  assert.equal(p32.dataType, DT.INT32);
  assert.deepEqual([...protoToTensor(p32).data], [5, -1, 2147483647]);
  assert.throws(() => tensorToProto('i', t, 'float32'), /cannot write an int32 tensor as float32/);
});

test('int64Proto / floatProto / protoToInts', () => {
  const p = int64Proto('shape', [0, -1]);
  assert.deepEqual(protoToInts(p), [0, -1]);
  const big = create(TensorProtoSchema, { name: 'b', dims: [1n], dataType: DT.INT64, int64Data: [2n ** 40n] });
  assert.deepEqual(protoToInts(big), [2 ** 40]);
  assert.throws(() => protoToTensor(big), /b: INT64 value 1099511627776 does not fit in int32/);
  assert.deepEqual([...protoToTensor(floatProto('s', [0.5], [])).data], [0.5]);
  assert.throws(() => protoToInts(floatProto('f', [1])), /f: expected an integer tensor, got FLOAT/);
});

test('typed-field fallbacks: float_data, int64_data, int32_data, double_data, float16 bits', () => {
  const f = create(TensorProtoSchema, { name: 'f', dims: [2n], dataType: DT.FLOAT, floatData: [1.5, -2] });
  assert.deepEqual([...protoToTensor(f).data], [1.5, -2]);
  const i = create(TensorProtoSchema, { name: 'i', dims: [2n], dataType: DT.INT64, int64Data: [3n, -4n] });
  assert.deepEqual([...protoToTensor(i).data], [3, -4]);
  const d = create(TensorProtoSchema, { name: 'd', dims: [1n], dataType: DT.DOUBLE, doubleData: [0.25] });
  const dt = protoToTensor(d);
  assert.equal(dt.dtype, 'float32');
  assert.deepEqual([...dt.data], [0.25]);
  // float16 1.0 = 0x3c00, -2.0 = 0xc000, smallest subnormal 0x0001
  const h = create(TensorProtoSchema, { name: 'h', dims: [3n], dataType: DT.FLOAT16, int32Data: [0x3c00, 0xc000, 1] });
  assert.deepEqual([...protoToTensor(h).data], [1, -2, Math.fround(2 ** -24)]);
  const hr = create(TensorProtoSchema, {
    name: 'hr',
    dims: [2n],
    dataType: DT.FLOAT16,
    rawData: Uint8Array.of(0x00, 0x3c, 0x00, 0x7c),
  });
  assert.deepEqual([...protoToTensor(hr).data], [1, Infinity]);
  const dr = new Uint8Array(8);
  new DataView(dr.buffer).setFloat64(0, -3.5, true);
  assert.deepEqual(
    [...protoToTensor(create(TensorProtoSchema, { name: 'dr', dims: [], dataType: DT.DOUBLE, rawData: dr })).data],
    [-3.5],
  );
});

test('hostile or corrupt TensorProtos: errors naming the tensor, nothing allocated', () => {
  const huge = create(TensorProtoSchema, {
    name: 'w',
    dims: [1000000n, 1000000n],
    dataType: DT.FLOAT,
    rawData: new Uint8Array(4),
  });
  assert.throws(() => protoToTensor(huge), /TensorProto w: dims \[1000000, 1000000\] hold more than/);
  const neg = create(TensorProtoSchema, { name: 'n', dims: [-1n], dataType: DT.FLOAT });
  assert.throws(() => protoToTensor(neg), /TensorProto n: dim -1 .* out of range/);
  const short = create(TensorProtoSchema, { name: 's', dims: [4n], dataType: DT.FLOAT, rawData: new Uint8Array(12) });
  assert.throws(() => protoToTensor(short), /TensorProto s \(FLOAT, dims \[4\]\): raw_data is 12 bytes, dims need 16/);
  const few = create(TensorProtoSchema, { name: 'q', dims: [3n], dataType: DT.FLOAT, floatData: [1] });
  assert.throws(() => protoToTensor(few), /q .*float_data has 1 values, dims need 3/);
  const str = create(TensorProtoSchema, { name: 'str', dims: [1n], dataType: DT.STRING });
  assert.throws(() => protoToTensor(str), /TensorProto str: data type STRING is not supported/);
  const ext = create(TensorProtoSchema, {
    name: 'e',
    dims: [1n],
    dataType: DT.FLOAT,
    dataLocation: TensorProto_DataLocation.EXTERNAL,
  });
  assert.throws(() => protoToTensor(ext), /TensorProto e: external data is not supported/);
});

test('attributes: builders round-trip through a NodeProto and the typed reader', () => {
  const node = create(NodeProtoSchema, {
    name: 'conv_0',
    opType: 'Conv',
    attribute: [
      attrInt('group', 2),
      attrInts('pads', [1, 1, 0, 0]),
      attrFloat('alpha', 0.25),
      attrFloats('scales', [1, 2]),
      attrString('auto_pad', 'NOTSET'),
      attrTensor('value', floatProto('v', [7])),
    ],
  });
  const a = new NodeAttributes(fromBinary(NodeProtoSchema, toBinary(NodeProtoSchema, node)));
  assert.equal(a.int('group'), 2);
  assert.deepEqual(a.ints('pads'), [1, 1, 0, 0]);
  assert.equal(a.float('alpha'), 0.25);
  assert.deepEqual(a.floats('scales'), [1, 2]);
  assert.equal(a.string('auto_pad'), 'NOTSET');
  assert.deepEqual([...protoToTensor(a.tensor('value')).data], [7]);
  assert.equal(a.int('missing', 9), 9);
  assert.deepEqual(a.ints('strides', [1, 1]), [1, 1]);
  assert.equal(a.has('group'), true);
  assert.deepEqual(a.names().sort(), ['alpha', 'auto_pad', 'group', 'pads', 'scales', 'value']);
  assert.throws(() => a.int('kernel_shape'), /node conv_0 \(Conv\): required attribute kernel_shape is missing/);
  assert.throws(() => a.int('pads'), /node conv_0 \(Conv\): attribute pads is INTS, expected INT/);
  assert.throws(() => a.string('alpha'), /attribute alpha is FLOAT, expected STRING/);
  assert.throws(() => attrInt('group', 1.5), /attribute group: 1.5 is not an integer/);
  const dup = create(NodeProtoSchema, { opType: 'Relu', attribute: [attrInt('x', 1), attrInt('x', 2)] });
  assert.throws(() => new NodeAttributes(dup, 4), /node #4 \(Relu\): attribute x appears twice/);
});
