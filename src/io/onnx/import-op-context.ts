/**
 * What an ONNX import op receives: the node's label (for errors), its attributes, the model's
 * opset, whether the module is training, and typed access to its inputs (float tensors, integer
 * tensors, optional inputs). Every error names the node and the input at fault.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import type { NodeAttributes } from './attributes.js';
import { IntTensor, intsToFloat, type Value } from './import-values.js';

/** The context of one node evaluation. */
export interface OpContext {
  /** "node '<name>' (<OpType>)", for messages. */
  readonly label: string;
  readonly attrs: NodeAttributes;
  /** The model's opset of the default ('' / 'ai.onnx') domain. */
  readonly opset: number;
  /** The module's training flag (Dropout, BatchNormalization). */
  readonly training: boolean;
}

/** One op: the node's inputs (undefined for an omitted optional input) to its outputs. */
export type OpFn = (ctx: OpContext, inputs: readonly (Value | undefined)[], outputs: number) => Value[];

/** Ops by ONNX op type. */
export type OpTable = Readonly<Record<string, OpFn>>;

/** Input `i` as a float tensor (integer data is converted); an error names it when missing. */
export function floatIn(ctx: OpContext, inputs: readonly unknown[], i: number, what: string): Tensor {
  const v = inputs[i];
  if (v === undefined) throw new RangeError(`${ctx.label}: input ${i} (${what}) is required`);
  if (v instanceof IntTensor) return intsToFloat(v);
  if (v instanceof Tensor) return v.dtype === 'float32' ? v : v.float();
  throw new TypeError(`${ctx.label}: input ${i} (${what}) is not a tensor`);
}

/** Input `i` as a float tensor, or null when omitted. */
export function optFloatIn(ctx: OpContext, inputs: readonly unknown[], i: number, what: string): Tensor | null {
  return inputs[i] === undefined ? null : floatIn(ctx, inputs, i, what);
}

/** Input `i` as integers (shapes, axes, indices); float data there is an error. */
export function intIn(ctx: OpContext, inputs: readonly unknown[], i: number, what: string): IntTensor {
  const v = inputs[i];
  if (v === undefined) throw new RangeError(`${ctx.label}: input ${i} (${what}) is required`);
  if (v instanceof IntTensor) return v;
  if (v instanceof Tensor && v.dtype === 'int32') return new IntTensor(Array.from(v.data), v.shape);
  if (v instanceof Tensor)
    throw new TypeError(`${ctx.label}: input ${i} (${what}) must be an integer tensor, got float data ${fmt(v.shape)}`);
  throw new TypeError(`${ctx.label}: input ${i} (${what}) is not a tensor`);
}

/** Input `i` as a list of integers, or undefined when omitted. */
export function optInts(ctx: OpContext, inputs: readonly unknown[], i: number, what: string): number[] | undefined {
  return inputs[i] === undefined ? undefined : intIn(ctx, inputs, i, what).data;
}

/** A scalar input (one element) as a number, or undefined when omitted. */
export function optScalar(ctx: OpContext, inputs: readonly unknown[], i: number, what: string): number | undefined {
  const v = inputs[i];
  if (v === undefined) return undefined;
  const data = v instanceof IntTensor ? v.data : v instanceof Tensor ? v.data : null;
  if (!data || data.length !== 1) throw new RangeError(`${ctx.label}: input ${i} (${what}) must hold one value`);
  return data[0];
}

/** An axis in [-rank, rank) as a non-negative index, or an error naming the node. */
export function axisOf(ctx: OpContext, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new RangeError(`${ctx.label}: ${what} ${axis} is out of range for ${rank} axes`);
  return axis < 0 ? axis + rank : axis;
}
