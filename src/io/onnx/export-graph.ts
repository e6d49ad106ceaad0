/**
 * The graph builder behind exportOnnx: nodes, initializers and value shapes, plus the few ops
 * whose ONNX signature changed between opsets (reductions take `axes` as an attribute before
 * opset 18 and as an input from 18). Exporters (export-layers.ts, export-zoo.ts, user-registered
 * ones) receive an `OnnxExportContext` and add nodes through it; every value they pass around is
 * an `OnnxValue`: a graph value name plus its shape for the input shape being exported (axis 0 is
 * the batch, which the file leaves dynamic).
 *
 * A module is seen through the structural `ExportableModule` interface, which every convkit
 * `Module` satisfies; its class is named by its declared typeName (nn/type-name.ts).
 */
import { create } from '@bufbuild/protobuf';
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { typeNameOf } from '../../nn/type-name.js';
import { NodeProtoSchema, type AttributeProto, type NodeProto, type TensorProto } from './generated/onnx_pb.js';
import { attrInt, attrInts, attrString } from './attributes.js';
import { floatProto, int64Proto, tensorToProto } from './tensor-proto.js';

/** The part of convkit's `Module` that exportOnnx uses (every `Module` has it). */
export interface ExportableModule {
  /** Training mode flag (export runs in eval mode). */
  training: boolean;
  /** The module's computation. */
  forward(...inputs: Tensor[]): Tensor;
  /** forward plus hooks. */
  call(...inputs: Tensor[]): Tensor;
  /** Direct children with their names, in registration order. */
  namedChildren(): Iterable<[string, ExportableModule]>;
  /** This module and all descendants with dotted paths ('' for this one). */
  namedModules(): Iterable<[string, ExportableModule]>;
  /** All parameters with dotted names. */
  namedParameters(): Iterable<[string, Tensor]>;
  /** All buffers with dotted names. */
  namedBuffers(): Iterable<[string, Tensor]>;
  /** Parameters and persistent buffers by state-dict key. */
  stateDict(): Map<string, Tensor>;
  /** Registers a hook run after forward. */
  registerForwardHook(hook: (module: ExportableModule, inputs: readonly Tensor[], output: Tensor) => void): {
    /** Unregisters the hook. */
    remove(): void;
  };
  /** Registers a hook run before forward. */
  registerForwardPreHook(hook: (module: ExportableModule, inputs: readonly Tensor[]) => void): {
    /** Unregisters the hook. */
    remove(): void;
  };
}

/** A value in the graph being built: its name and its shape for the exported input shape. */
export interface OnnxValue {
  /** The ONNX value name. */
  readonly name: string;
  /** Its shape (axis 0: the batch size of `inputShape`, dynamic in the file). */
  readonly shape: readonly number[];
}

/** Thrown by exporters for a module setting ONNX cannot express; exportOnnx adds the module path. */
export class OnnxExportError extends Error {
  /** Always 'OnnxExportError'. */
  override name = 'OnnxExportError';
}

/**
 * Exports one module: adds its nodes and returns its output. Return a value name (a string) to
 * let exportOnnx take the output shape from the model's own forward, or an OnnxValue with the
 * shape when the exporter knows it (containers composing their children).
 */
export type OnnxExporter<M = ExportableModule> = (
  ctx: OnnxExportContext,
  module: M,
  inputs: readonly OnnxValue[],
) => OnnxValue | string;

/** Services of exportOnnx the context needs (exporter lookup, shapes of leaf outputs). */
export interface ExportHost {
  /** The exporter of a module, or an error naming its path and class. */
  exporterOf(module: ExportableModule): OnnxExporter;
  /** The output shape of `module` on inputs of these shapes (from the model's recorded forward). */
  outputShape(module: ExportableModule, inputs: readonly OnnxValue[]): number[];
  /** A module's dotted path in the model ('' for the model itself). */
  pathOf(module: ExportableModule): string;
  /** State-dict key of a parameter or buffer (by storage), if it belongs to the model. */
  keyOf(tensor: Tensor): string | undefined;
}

/** Builds the node list and initializers of one graph; handed to every exporter. */
export class OnnxExportContext {
  /** The nodes, in topological order. */
  readonly nodes: NodeProto[] = [];
  /** Initializers by name. */
  readonly initializers = new Map<string, TensorProto>();
  readonly #tensorNames = new Map<Tensor['data'], string>();
  readonly #used = new Set<string>();
  readonly #stack: string[] = [];

  constructor(
    /** The opset the file declares (ONNX default domain). */
    readonly opset: number,
    private readonly host: ExportHost,
    reserved: readonly string[],
  ) {
    for (const r of reserved) this.#used.add(r);
  }

  /** The path of the module being exported (for names and messages). */
  get scope(): string {
    return this.#stack[this.#stack.length - 1] ?? '';
  }

  /** A fresh value or node name built from `base` (made unique with a counter). */
  unique(base: string): string {
    const clean = base.replace(/[^\w./:-]/g, '_') || 'v';
    let name = clean,
      i = 1;
    while (this.#used.has(name)) name = `${clean}_${i++}`;
    this.#used.add(name);
    return name;
  }

  /** Exports `module` on `inputs` through its exporter; errors name the module path and class. */
  run(module: ExportableModule, inputs: readonly OnnxValue[]): OnnxValue {
    const path = this.host.pathOf(module);
    const exporter = this.host.exporterOf(module);
    this.#stack.push(path);
    try {
      const out = exporter(this, module, inputs);
      if (typeof out !== 'string') return out;
      return { name: out, shape: this.host.outputShape(module, inputs) };
    } catch (e) {
      // the innermost module names itself; outer modules pass the error on
      if (e instanceof Error && e.message.startsWith('exportOnnx:')) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new OnnxExportError(`exportOnnx: ${describe(path, module)}: ${msg}`, { cause: e });
    } finally {
      this.#stack.pop();
    }
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  nodeN(opType: string, inputs: readonly string[], attrs: readonly AttributeProto[], outputs: number): string[] {
    const prefix = this.scope ? `${this.scope}/` : '';
    const outs = Array.from({ length: outputs }, () => this.unique(`${prefix}${opType}`));
    this.nodes.push(
      create(NodeProtoSchema, {
        name: this.unique(`${prefix}${opType}_node`),
        opType,
        input: [...inputs],
        output: outs,
        attribute: [...attrs],
      }),
    );
    return outs;
  }

  /** Adds a one-output node; returns the output name. */
  op(opType: string, inputs: readonly string[], attrs: readonly AttributeProto[] = []): string {
    return this.nodeN(opType, inputs, attrs, 1)[0];
  }

  /** The initializer name of a model tensor (its state-dict key), added once. */
  param(tensor: Tensor): string {
    const known = this.#tensorNames.get(tensor.data);
    if (known) return known;
    const key = this.host.keyOf(tensor);
    const name = key !== undefined && !this.#used.has(key) ? key : this.unique(`${this.scope || 'param'}.tensor`);
    this.#used.add(name);
    this.#tensorNames.set(tensor.data, name);
    this.initializers.set(name, tensorToProto(name, tensor.dtype === 'float32' ? tensor : tensor.float()));
    return name;
  }

  /** A float32 constant initializer (dims default [values.length]; [] for a scalar). */
  floats(hint: string, values: readonly number[], dims?: readonly number[]): string {
    const name = this.unique(`${this.scope ? `${this.scope}/` : ''}${hint}`);
    this.initializers.set(name, floatProto(name, values, dims ?? [values.length]));
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.floats('const', [value], []);
  }

  /** An int64 constant initializer (shapes, axes, pads, indices). */
  ints(hint: string, values: readonly number[], dims?: readonly number[]): string {
    const name = this.unique(`${this.scope ? `${this.scope}/` : ''}${hint}`);
    this.initializers.set(name, int64Proto(name, values, dims ?? [values.length]));
    return name;
  }

  // ---- ops whose form depends on the opset, and shape-carrying helpers ----

  /** ReduceMean/ReduceMax/ReduceSum over `axes` (attribute before opset 18, input from 18). */
  reduce(
    opType: 'ReduceMean' | 'ReduceMax' | 'ReduceSum',
    x: string,
    axes: readonly number[],
    keepdims: boolean,
  ): string {
    const keep = attrInt('keepdims', keepdims ? 1 : 0);
    if (opType === 'ReduceSum' || this.opset >= 18) return this.op(opType, [x, this.ints('axes', axes)], [keep]);
    return this.op(opType, [x], [attrInts('axes', axes), keep]);
  }

  /** Reshape to `shape` (0 copies the input's axis, -1 infers one axis). */
  reshape(x: string, shape: readonly number[]): string {
    return this.op('Reshape', [x, this.ints('shape', shape)]);
  }

  /** Slice along `axes` with optional steps. */
  slice(
    x: string,
    starts: readonly number[],
    ends: readonly number[],
    axes: readonly number[],
    steps?: readonly number[],
  ): string {
    const ins = [x, this.ints('starts', starts), this.ints('ends', ends), this.ints('axes', axes)];
    if (steps) ins.push(this.ints('steps', steps));
    return this.op('Slice', ins);
  }

  /** Pad with `pads` in ONNX order [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
  pad(x: string, pads: readonly number[], mode: 'constant' | 'reflect' | 'edge' = 'constant'): string {
    return this.op('Pad', [x, this.ints('pads', pads)], mode === 'constant' ? [] : [attrString('mode', mode)]);
  }

  /** Flatten axes 1.. of a value into one (ONNX Flatten, batch kept). */
  flatten(x: OnnxValue): OnnxValue {
    const rest = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return { name: this.op('Flatten', [x.name], [attrInt('axis', 1)]), shape: [x.shape[0], rest] };
  }

  /** Elementwise binary op on two values of the same shape (Add, Mul...). */
  binary(opType: 'Add' | 'Mul' | 'Sub' | 'Div', a: OnnxValue, b: OnnxValue): OnnxValue {
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
      throw new OnnxExportError(`${opType}: operands ${fmt(a.shape)} and ${fmt(b.shape)} differ`);
    return { name: this.op(opType, [a.name, b.name]), shape: a.shape };
  }

  /** Concatenates values along `axis`. */
  concat(values: readonly OnnxValue[], axis: number): OnnxValue {
    const r = values[0].shape.length;
    const a = axis < 0 ? axis + r : axis;
    const shape = [...values[0].shape];
    shape[a] = values.reduce((s, v) => s + v.shape[a], 0);
    return {
      name: this.op(
        'Concat',
        values.map((v) => v.name),
        [attrInt('axis', a)],
      ),
      shape,
    };
  }
}

/** "layer 'features.3' (Conv2d)" or "the model (Sequential)". */
export function describe(path: string, module: object): string {
  const cls = typeNameOf(module.constructor);
  return path === '' ? `the model (${cls})` : `layer '${path}' (${cls})`;
}
