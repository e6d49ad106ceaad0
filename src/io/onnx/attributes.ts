/**
 * ONNX node attributes, shared by ONNX export and import: builders (int, ints, float, floats,
 * string, tensor) and a typed reader whose errors name the node, its op and the attribute.
 */
import { create } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AT,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
} from './generated/onnx_pb.js';

function checkInt(name: string, v: number): bigint {
  if (!Number.isSafeInteger(v)) throw new RangeError(`ONNX attribute ${name}: ${v} is not an integer`);
  return BigInt(v);
}

/** An INT attribute. */
export function attrInt(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AT.INT, i: checkInt(name, value) });
}
/** An INTS attribute. */
export function attrInts(name: string, values: readonly number[]): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AT.INTS, ints: values.map((v) => checkInt(name, v)) });
}
/** A FLOAT attribute (stored as float32). */
export function attrFloat(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: value });
}
/** A FLOATS attribute. */
export function attrFloats(name: string, values: readonly number[]): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: [...values] });
}
/** A STRING attribute (UTF-8). */
export function attrString(name: string, value: string): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(value) });
}
/** A TENSOR attribute (e.g. Constant's value). */
export function attrTensor(name: string, value: TensorProto): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AT.TENSOR, t: value });
}

/** Typed access to a node's attributes; every error names the node, op and attribute. */
export class NodeAttributes {
  private readonly byName = new Map<string, AttributeProto>();
  private readonly label: string;

  /** `index` (the node's position in the graph) names unnamed nodes in errors. */
  constructor(node: NodeProto, index?: number) {
    const name = node.name || (index !== undefined ? `#${index}` : '(unnamed)');
    this.label = `node ${name} (${node.opType || 'no op'})`;
    for (const a of node.attribute) {
      if (this.byName.has(a.name)) throw new Error(`${this.label}: attribute ${a.name} appears twice`);
      this.byName.set(a.name, a);
    }
  }

  /** Names of all attributes present (to reject unknown ones). */
  names(): string[] {
    return [...this.byName.keys()];
  }
  /** Whether the attribute is present. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  private get(name: string, type: AT, fallback: unknown): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a) {
      if (fallback === undefined) throw new Error(`${this.label}: required attribute ${name} is missing`);
      return undefined;
    }
    // a writer may leave type unset (UNDEFINED) on old files; accept it when the field is set
    if (a.type !== type && a.type !== AT.UNDEFINED)
      throw new TypeError(`${this.label}: attribute ${name} is ${AT[a.type] ?? a.type}, expected ${AT[type]}`);
    return a;
  }

  private toInt(name: string, v: bigint): number {
    if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`${this.label}: attribute ${name} value ${v} is out of range`);
    return Number(v);
  }

  /** An INT attribute; `fallback` when absent (required when no fallback). */
  int(name: string, fallback?: number): number {
    const a = this.get(name, AT.INT, fallback);
    return a ? this.toInt(name, a.i) : (fallback as number);
  }
  /** An INTS attribute. */
  ints(name: string, fallback?: readonly number[]): number[] {
    const a = this.get(name, AT.INTS, fallback);
    return a ? a.ints.map((v) => this.toInt(name, v)) : [...(fallback as readonly number[])];
  }
  /** A FLOAT attribute. */
  float(name: string, fallback?: number): number {
    const a = this.get(name, AT.FLOAT, fallback);
    return a ? a.f : (fallback as number);
  }
  /** A FLOATS attribute. */
  floats(name: string, fallback?: readonly number[]): number[] {
    const a = this.get(name, AT.FLOATS, fallback);
    return a ? [...a.floats] : [...(fallback as readonly number[])];
  }
  /** A STRING attribute (decoded as UTF-8). */
  string(name: string, fallback?: string): string {
    const a = this.get(name, AT.STRING, fallback);
    return a ? new TextDecoder().decode(a.s) : (fallback as string);
  }
  /** A TENSOR attribute (required). */
  tensor(name: string): TensorProto {
    const a = this.get(name, AT.TENSOR, undefined);
    if (!a?.t) throw new Error(`${this.label}: attribute ${name} has no tensor`);
    return a.t;
  }
}
