/**
 * Test helpers for ONNX import: hand-built models (nodes, initializers, opset) serialised with
 * the generated protobuf messages, and the committed PyTorch fixtures with their reference
 * input/output (test/fixtures/onnx, written by scripts/gen-onnx-fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import { Tensor } from '../../src/index.js';
import { deserializeSafetensors } from '../../src/io/index.js';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
} from '../../src/io/onnx/generated/onnx_pb.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'onnx');

/** A node of a hand-built graph. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attribute: AttributeProto[] = [],
  extra: { name?: string; domain?: string } = {},
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: inputs,
    output: outputs,
    attribute,
    name: extra.name ?? `${opType}_${outputs[0] ?? ''}`,
    domain: extra.domain ?? '',
  });
}

/** A float graph input/output declaration with dims (a string is a symbolic dim). */
function valueInfo(name: string, dims?: (number | string)[]) {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: {
          $typeName: 'onnx.TypeProto.Tensor',
          elemType: TensorProto_DataType.FLOAT,
          shape: dims
            ? {
                $typeName: 'onnx.TensorShapeProto',
                dim: dims.map((d) => ({
                  $typeName: 'onnx.TensorShapeProto.Dimension' as const,
                  denotation: '',
                  value:
                    typeof d === 'number'
                      ? { case: 'dimValue' as const, value: BigInt(d) }
                      : { case: 'dimParam' as const, value: d },
                })),
              }
            : undefined,
        },
      },
    }),
  });
}

/** Options of `model`. */
export interface ModelSpec {
  nodes: NodeProto[];
  initializers?: TensorProto[];
  inputs?: string[];
  inputDims?: (number | string)[];
  outputs?: string[];
  opset?: number;
  domain?: string;
}

/** Serialises a one-graph model (default: input 'x', output 'y', opset 13). */
export function model(spec: ModelSpec): Uint8Array {
  const graph = create(GraphProtoSchema, {
    name: 'g',
    node: spec.nodes,
    initializer: spec.initializers ?? [],
    input: (spec.inputs ?? ['x']).map((n) => valueInfo(n, spec.inputDims)),
    output: (spec.outputs ?? ['y']).map((n) => valueInfo(n)),
  });
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: 'convkit-test',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: spec.domain ?? '', version: BigInt(spec.opset ?? 13) })],
      graph,
    }),
  );
}

/** A committed fixture's bytes. */
export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, file)));
}

/** The reference input `x` and PyTorch output `y` of a fixture (`<name>.io.safetensors`). */
export function reference(name: string): { x: Tensor; y: Tensor } {
  const { tensors } = deserializeSafetensors(new Uint8Array(readFileSync(join(FIXTURES, `${name}.io.safetensors`))));
  return { x: tensors.x, y: tensors.y };
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(a: Tensor, b: Tensor): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < b.size; i++) {
    num = Math.max(num, Math.abs(a.data[i] - b.data[i]));
    den = Math.max(den, Math.abs(b.data[i]));
  }
  return num / Math.max(den, 1e-30);
}
