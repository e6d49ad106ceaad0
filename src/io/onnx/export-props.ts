/**
 * Reading a layer's public properties by name for the ONNX exporters (io may not import nn, so
 * layers are plain objects here); each reader fails with an OnnxExportError naming the property.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { OnnxExportError, type OnnxValue } from './export-graph.js';

/** A layer's properties, read by name. */
export type Props = Readonly<Record<string, unknown>>;

/** A property of a layer, read by name. */
export function prop(m: unknown, key: string): unknown {
  return (m as Props)[key];
}
export function get(m: unknown, key: string): unknown {
  const v = prop(m, key);
  if (v === undefined) throw new OnnxExportError(`the layer has no property '${key}' (not a convkit layer?)`);
  return v;
}
export function num(m: unknown, key: string): number {
  const v = get(m, key);
  if (typeof v !== 'number') throw new OnnxExportError(`property '${key}' is ${String(v)}, expected a number`);
  return v;
}
export function tensorOrNull(m: unknown, key: string): Tensor | null {
  const v = prop(m, key);
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || !('shape' in v) || !('data' in v))
    throw new OnnxExportError(`property '${key}' is not a Tensor`);
  return v as Tensor;
}
export function tensor(m: unknown, key: string): Tensor {
  const t = tensorOrNull(m, key);
  if (!t) throw new OnnxExportError(`the layer has no tensor '${key}'`);
  return t;
}
/** A size option as a dims-tuple (a number repeats; undefined/null gives `fallback`). */
export function tuple(v: unknown, dims: number, fallback: readonly number[] | number, what: string): number[] {
  if (v === undefined || v === null)
    return typeof fallback === 'number' ? new Array<number>(dims).fill(fallback) : [...fallback];
  if (typeof v === 'number') return new Array<number>(dims).fill(v);
  if (Array.isArray(v) && v.length === dims && v.every((x) => typeof x === 'number')) return [...(v as number[])];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return new Array<number>(dims).fill(v[0]);
  throw new OnnxExportError(`${what} ${JSON.stringify(v)} is not a size or a ${dims}-tuple`);
}

/** The input must be (N, C, ...spatial) with `spatial` axes (ONNX conv and pool ops need the batch axis). */
export function batched(x: OnnxValue, spatial: number, layer: string): void {
  if (x.shape.length !== spatial + 2)
    throw new OnnxExportError(
      `${layer} input ${fmt(x.shape)} must be batched (N, C${', ·'.repeat(spatial)}) for ONNX; give inputShape with a batch axis`,
    );
}

/** The single input of a one-input layer. */
export const one = (inputs: readonly OnnxValue[]): OnnxValue => {
  if (inputs.length !== 1) throw new OnnxExportError(`expected one input, got ${inputs.length}`);
  return inputs[0];
};
