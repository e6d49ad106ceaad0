/**
 * `exportOnnx(model, { inputShape })`: a convkit model as ONNX bytes, in eval semantics
 * (dropout off, batch norm with its running statistics), with the batch axis dynamic.
 *
 * How: the model runs once on zeros of `inputShape` (recording every module's input and output
 * shapes; an input shape the model cannot take is an error naming the layer), then each module
 * is exported through an exporter found by its class: one registered with
 * `registerOnnxExporter` (by class), else the built-in tables for nn (export-layers.ts) and the
 * zoo (export-zoo.ts), keyed by the class's declared static typeName, which survives
 * minification (see ../export-classes.ts). A built-in entry applies only to a module that runs
 * that class's own forward, so a subclass with a different forward needs its own exporter.
 * Initializers are named by the model's state-dict keys. A module with no exporter is an error
 * naming its path and class.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { noGrad } from '../../autograd/engine.js';
import { zeros } from '../../tensor/creation.js';
import { fmt } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { typeNameOf } from '../../nn/type-name.js';
import { entryOf, exportClasses } from '../export-classes.js';
import {
  ModelProtoSchema,
  ValueInfoProtoSchema,
  TensorProto_DataType as DT,
  TensorShapeProto_DimensionSchema,
  type ValueInfoProto,
} from './generated/onnx_pb.js';
import {
  describe,
  OnnxExportContext,
  OnnxExportError,
  type ExportableModule,
  type OnnxExporter,
  type OnnxValue,
} from './export-graph.js';
import { LAYER_EXPORTERS } from './export-layers.js';
import { ZOO_EXPORTERS } from './export-zoo.js';

export { OnnxExportContext, OnnxExportError } from './export-graph.js';
export type { ExportableModule, OnnxExporter, OnnxValue } from './export-graph.js';

/** Options of exportOnnx. */
export interface OnnxExportOptions {
  /** Shape of the example input, batch axis first, e.g. [1, 3, 224, 224]. */
  inputShape: readonly number[];
  /** ONNX opset of the default domain (default 17; ONNX_MIN_OPSET..ONNX_MAX_OPSET). */
  opset?: number;
  /** Name of the graph input (default 'input'). */
  inputName?: string;
  /** Name of the graph output (default 'output'). */
  outputName?: string;
  /** Leave axis 0 as a symbolic 'batch' dimension (default true). */
  dynamicBatch?: boolean;
}

/** Lowest opset exportOnnx writes. */
export const ONNX_MIN_OPSET = 13;
/** Highest opset exportOnnx writes (the newest onnxruntime-web 1.30 loads). */
export const ONNX_MAX_OPSET = 26;
/** Largest protobuf message (an ONNX file without external data). */
const PROTOBUF_MAX_BYTES = 2 ** 31 - 2 ** 20;

/** The default opset. */
export const ONNX_DEFAULT_OPSET = 17;

/** The lowest IR version that carries an opset (ONNX's release table). */
function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  if (opset === 23) return 11;
  if (opset === 24) return 12;
  return 13;
}

/** A module class (anything constructible whose instances are modules). */
// biome-ignore lint/suspicious/noExplicitAny: constructor arguments are the class's own business
export type ModuleClass<M extends ExportableModule = ExportableModule> = abstract new (...args: any[]) => M;

const registered = new Map<ModuleClass, OnnxExporter>();

/**
 * Registers the ONNX exporter of a module class (a user's custom module, or an override of a
 * built-in one). The exporter adds nodes through the context and returns its output; see
 * OnnxExporter. Applies to subclasses that do not override forward.
 */
export function registerOnnxExporter<M extends ExportableModule>(cls: ModuleClass<M>, exporter: OnnxExporter<M>): void {
  if (typeof cls !== 'function') throw new TypeError(`registerOnnxExporter: expected a class, got ${String(cls)}`);
  if (typeof exporter !== 'function')
    throw new TypeError(`registerOnnxExporter: exporter for ${cls.name} must be a function, got ${String(exporter)}`);
  registered.set(cls as ModuleClass, exporter as OnnxExporter);
}

/**
 * The exporter for `m`: for each class from its own up to the one whose forward it runs, the one
 * registered for that class, else the built-in one for its declared typeName.
 */
function findExporter(m: ExportableModule): OnnxExporter | undefined {
  for (const { cls, key } of exportClasses(m)) {
    const fn =
      registered.get(cls as unknown as ModuleClass) ?? entryOf(LAYER_EXPORTERS, key) ?? entryOf(ZOO_EXPORTERS, key);
    if (fn) return fn;
  }
  return undefined;
}

interface CallRecord {
  inputs: number[][];
  output: number[];
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

function checkOptions(options: OnnxExportOptions): Required<OnnxExportOptions> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('exportOnnx: options must be an object like { inputShape: [1, 3, 224, 224] }');
  const known = ['inputShape', 'opset', 'inputName', 'outputName', 'dynamicBatch'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new TypeError(`exportOnnx: unknown option '${k}' (known: ${known.join(', ')})`);
  const { inputShape, opset = ONNX_DEFAULT_OPSET, inputName = 'input', outputName = 'output' } = options;
  const dynamicBatch = options.dynamicBatch ?? true;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1))
    throw new RangeError(
      `exportOnnx: inputShape must be a non-empty array of positive integers with the batch axis first (e.g. [1, 3, 224, 224]), got ${Array.isArray(inputShape) ? fmt(inputShape) : String(inputShape)}`,
    );
  if (!Number.isInteger(opset) || opset < ONNX_MIN_OPSET || opset > ONNX_MAX_OPSET)
    throw new RangeError(
      `exportOnnx: opset must be an integer from ${ONNX_MIN_OPSET} to ${ONNX_MAX_OPSET}, got ${String(opset)}`,
    );
  for (const [k, v] of [
    ['inputName', inputName],
    ['outputName', outputName],
  ] as const)
    if (typeof v !== 'string' || v.length === 0)
      throw new TypeError(`exportOnnx: ${k} must be a non-empty string, got ${String(v)}`);
  if (inputName === outputName)
    throw new RangeError(`exportOnnx: inputName and outputName are both '${inputName}'; give them different names`);
  if (typeof dynamicBatch !== 'boolean')
    throw new TypeError(`exportOnnx: dynamicBatch must be true or false, got ${String(dynamicBatch)}`);
  return { inputShape: [...inputShape], opset, inputName, outputName, dynamicBatch };
}

/** Runs the model on zeros, recording each module's call shapes; errors name the failing layer. */
function recordShapes(
  model: ExportableModule,
  paths: Map<ExportableModule, string>,
  inputShape: readonly number[],
): { records: Map<ExportableModule, CallRecord[]>; output: number[] } {
  const records = new Map<ExportableModule, CallRecord[]>();
  const stack: ExportableModule[] = [];
  const handles: { remove(): void }[] = [];
  for (const m of paths.keys()) {
    handles.push(m.registerForwardPreHook((mod) => void stack.push(mod)));
    handles.push(
      m.registerForwardHook((mod, ins, out) => {
        stack.pop();
        const list = records.get(mod) ?? [];
        if (
          !list.some(
            (r) =>
              sameShape(r.output, out.shape) &&
              r.inputs.length === ins.length &&
              r.inputs.every((s, i) => sameShape(s, ins[i].shape)),
          )
        )
          list.push({ inputs: ins.map((t) => [...t.shape]), output: [...out.shape] });
        records.set(mod, list);
      }),
    );
  }
  try {
    const x = zeros(inputShape);
    const y = noGrad(() => model.call(x));
    return { records, output: [...y.shape] };
  } catch (e) {
    const at = stack[stack.length - 1] ?? model;
    const msg = e instanceof Error ? e.message : String(e);
    throw new RangeError(
      `exportOnnx: inputShape ${fmt(inputShape)} does not fit ${describe(paths.get(at) ?? '?', at)}: ${msg}`,
    );
  } finally {
    for (const h of handles) h.remove();
  }
}

function valueInfo(name: string, shape: readonly number[], dynamicBatch: boolean): ValueInfoProto {
  const dim = shape.map((d, i) =>
    create(TensorShapeProto_DimensionSchema, {
      value: i === 0 && dynamicBatch ? { case: 'dimParam', value: 'batch' } : { case: 'dimValue', value: BigInt(d) },
    }),
  );
  return create(ValueInfoProtoSchema, {
    name,
    type: { value: { case: 'tensorType', value: { elemType: DT.FLOAT, shape: { dim } } } },
  });
}

/**
 * The model as ONNX bytes (a ModelProto) for inputs of `inputShape` (batch axis first; the batch
 * is dynamic unless dynamicBatch is false). Throws naming the layer when the input shape does not
 * fit the model or a module cannot be exported.
 */
export function exportOnnx(model: ExportableModule, options: OnnxExportOptions): Uint8Array {
  if (model === null || typeof model !== 'object' || typeof model.namedModules !== 'function')
    throw new TypeError(`exportOnnx: expected a convkit Module, got ${String(model)}`);
  const o = checkOptions(options);
  const paths = new Map<ExportableModule, string>();
  for (const [p, m] of model.namedModules()) paths.set(m, p);
  const modes = [...paths.keys()].map((m) => [m, m.training] as const);
  for (const m of paths.keys()) m.training = false;
  try {
    const { records, output } = recordShapes(model, paths, o.inputShape);
    const keys = new Map<Tensor['data'], string>();
    for (const [k, t] of model.stateDict()) keys.set(t.data, k);
    for (const [k, t] of [...model.namedParameters(), ...model.namedBuffers()])
      if (!keys.has(t.data)) keys.set(t.data, k);
    const ctx = new OnnxExportContext(
      o.opset,
      {
        exporterOf: (m) => {
          const fn = findExporter(m);
          if (!fn) {
            const cls = typeNameOf(m.constructor);
            throw new OnnxExportError(
              `exportOnnx: ${describe(paths.get(m) ?? '?', m)} has no ONNX exporter; register one with registerOnnxExporter(${cls}, (ctx, module, inputs) => ...)`,
            );
          }
          return fn;
        },
        outputShape: (m, inputs) => outputShape(m, inputs, records),
        pathOf: (m) => paths.get(m) ?? '?',
        keyOf: (t) => keys.get(t.data),
      },
      [o.inputName, o.outputName],
    );
    const y = ctx.run(model, [{ name: o.inputName, shape: o.inputShape }]);
    if (!sameShape(y.shape, output))
      throw new OnnxExportError(
        `exportOnnx: the exported graph of ${describe('', model)} ends in shape ${fmt(y.shape)} but the model outputs ${fmt(output)} (an exporter is wrong)`,
      );
    nameOutput(ctx, y.name, o.outputName);
    const weightBytes = [...ctx.initializers.values()].reduce((n, t) => n + t.rawData.length, 0);
    if (weightBytes > PROTOBUF_MAX_BYTES)
      throw new RangeError(
        `exportOnnx: the model's tensors take ${(weightBytes / 2 ** 20).toFixed(0)} MiB, more than the 2 GiB a protobuf ONNX file can hold (external data files are not written)`,
      );
    const dynamicOut = o.dynamicBatch && output.length > 0 && output[0] === o.inputShape[0];
    const proto = create(ModelProtoSchema, {
      irVersion: BigInt(irVersionFor(o.opset)),
      producerName: 'convkit',
      opsetImport: [{ domain: '', version: BigInt(o.opset) }],
      graph: {
        name: typeNameOf(model.constructor),
        node: ctx.nodes,
        initializer: [...ctx.initializers.values()],
        input: [valueInfo(o.inputName, o.inputShape, o.dynamicBatch)],
        output: [valueInfo(o.outputName, output, dynamicOut)],
      },
    });
    return toBinary(ModelProtoSchema, proto);
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/** A leaf's output shape: from the recorded forward, or by running it on zeros of the input shapes. */
function outputShape(
  m: ExportableModule,
  inputs: readonly OnnxValue[],
  records: Map<ExportableModule, CallRecord[]>,
): number[] {
  const hit = records
    .get(m)
    ?.find((r) => r.inputs.length === inputs.length && r.inputs.every((s, i) => sameShape(s, inputs[i].shape)));
  if (hit) return hit.output;
  return [...noGrad(() => m.call(...inputs.map((v) => zeros(v.shape)))).shape];
}

/** Makes `name` the graph output `outputName`: renames its producer's output, or adds an Identity. */
function nameOutput(ctx: OnnxExportContext, name: string, outputName: string): void {
  const producer = ctx.nodes.find((n) => n.output.includes(name));
  if (producer && !ctx.nodes.some((n) => n.input.includes(name))) {
    producer.output = producer.output.map((v) => (v === name ? outputName : v));
    return;
  }
  ctx.op('Identity', [name]);
  ctx.nodes[ctx.nodes.length - 1].output = [outputName];
}
