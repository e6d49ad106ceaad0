/**
 * The graph layer of ONNX import: decodes the bytes with the official schema and checks the
 * graph before anything runs. Checked: the protobuf decodes (a truncated or foreign file is an
 * error), a default-domain opset ('' or 'ai.onnx') in the supported range, every node in the
 * default domain with a supported op type, every node input defined (graph input, initializer
 * or an earlier node's output), each value produced once, no cycle (the error names the nodes
 * on one), every graph output defined, input dims and initializer sizes within the allocation
 * limits, element types known. Returns the nodes in a topological order.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { checkAllocation, MAX_TENSOR_ELEMENTS } from '../../tensor/limits.js';
import {
  ModelProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './generated/onnx_pb.js';
import { dataTypeName, protoDims } from './tensor-proto.js';
import { FLOAT_TYPES, INT_TYPES } from './import-values.js';

/** The opsets of the default domain this importer reads. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 26;
/** Most nodes a graph may have. */
export const MAX_NODES = 100_000;

/** A graph input fed at run time: its name and declared dims (null where symbolic or absent). */
export interface GraphInput {
  name: string;
  dims: (number | null)[] | null;
}

/** A decoded and checked graph. */
export interface CheckedGraph {
  model: ModelProto;
  graph: GraphProto;
  opset: number;
  inputs: GraphInput[];
  outputs: string[];
  initializers: Map<string, TensorProto>;
  /** The nodes in an order where every input is computed before its use. */
  order: NodeProto[];
  /** Each node's label for messages ("node '<name>' (<OpType>)"). */
  labels: Map<NodeProto, string>;
}

/** "node '<name>' (<OpType>)" (the position stands in for a missing name). */
export function nodeLabel(node: NodeProto, index: number): string {
  return `node '${node.name || `#${index}`}' (${node.opType || 'no op type'})`;
}

function decode(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(
      `importOnnx: expected the model file's bytes as a Uint8Array or ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`,
    );
  if (bytes.length === 0) throw new RangeError('importOnnx: the model is empty (0 bytes)');
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw new RangeError(
      `importOnnx: the bytes are not a valid ONNX model (protobuf decoding failed: ${(e as Error).message}); is the file truncated or not an .onnx file?`,
    );
  }
  if (!model.graph || (model.graph.node.length === 0 && model.graph.output.length === 0))
    throw new RangeError('importOnnx: the model has no graph (is the file truncated or not an .onnx file?)');
  return model;
}

function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!entry) {
    const domains = model.opsetImport.map((o) => `'${o.domain}'`).join(', ') || 'none';
    throw new RangeError(
      `importOnnx: the model imports no opset of the default ONNX domain ('' or 'ai.onnx'; it imports ${domains})`,
    );
  }
  const v = Number(entry.version);
  if (v < MIN_OPSET || v > MAX_OPSET)
    throw new RangeError(
      `importOnnx: opset ${entry.version} is not supported (convkit reads opsets ${MIN_OPSET} to ${MAX_OPSET})`,
    );
  return v;
}

/** Declared dims of a graph input; each bounded, their product within the allocation limit. */
function inputDims(info: ValueInfoProto): (number | null)[] | null {
  const t = info.type?.value;
  if (!t) return null;
  if (t.case !== 'tensorType')
    throw new TypeError(`importOnnx: graph input '${info.name}' is a ${t.case ?? 'value'} (convkit feeds tensors)`);
  const elem = t.value.elemType;
  if (elem !== 0 && !FLOAT_TYPES.has(elem))
    throw new TypeError(
      `importOnnx: graph input '${info.name}' has element type ${dataTypeName(elem)} (convkit feeds float tensors)`,
    );
  if (!t.value.shape) return null;
  const dims = t.value.shape.dim.map((d) => {
    if (d.value.case !== 'dimValue') return null;
    const v = d.value.value;
    if (v < 0n || v > BigInt(MAX_TENSOR_ELEMENTS))
      throw new RangeError(
        `importOnnx: graph input '${info.name}' declares dim ${v}, outside [0, ${MAX_TENSOR_ELEMENTS}]`,
      );
    return Number(v);
  });
  checkAllocation(
    `importOnnx: graph input '${info.name}'`,
    dims.map((d) => d ?? 1),
  );
  return dims;
}

function checkInitializer(t: TensorProto): void {
  const where = `importOnnx: initializer '${t.name}'`;
  if (!FLOAT_TYPES.has(t.dataType) && !INT_TYPES.has(t.dataType))
    throw new TypeError(`${where} has data type ${dataTypeName(t.dataType)}, which convkit does not read`);
  let shape: number[];
  try {
    shape = protoDims(t).shape;
  } catch (e) {
    throw new RangeError(`${where}: ${(e as Error).message}`);
  }
  checkAllocation(where, shape);
}

/** Follows producer edges among `left` from `start` until a node repeats: a cycle. */
function findCycle(start: NodeProto, producer: Map<string, NodeProto>, left: Set<NodeProto>): NodeProto[] {
  const path: NodeProto[] = [];
  const seen = new Map<NodeProto, number>();
  let cur: NodeProto | undefined = start;
  while (cur && !seen.has(cur)) {
    seen.set(cur, path.length);
    path.push(cur);
    const next: NodeProto | undefined = cur.input
      .map((i) => producer.get(i))
      .find((p) => p !== undefined && left.has(p));
    cur = next;
  }
  return cur ? path.slice(seen.get(cur)) : [start];
}

/** Decodes and checks an ONNX model (see the file comment); `supported` lists the op types. */
export function checkGraph(bytes: Uint8Array, supported: ReadonlySet<string>): CheckedGraph {
  const model = decode(bytes);
  const graph = model.graph as GraphProto;
  const opset = defaultOpset(model);
  if (graph.node.length > MAX_NODES)
    throw new RangeError(
      `importOnnx: the graph has ${graph.node.length} nodes, more than the ${MAX_NODES} convkit reads`,
    );
  if (graph.sparseInitializer.length > 0)
    throw new RangeError(
      `importOnnx: sparse initializers ('${graph.sparseInitializer[0].values?.name ?? ''}') are not supported`,
    );

  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer) {
    if (!t.name) throw new RangeError('importOnnx: an initializer has no name');
    if (initializers.has(t.name)) throw new RangeError(`importOnnx: initializer '${t.name}' is defined twice`);
    checkInitializer(t);
    initializers.set(t.name, t);
  }
  const defined = new Set<string>(initializers.keys());
  const inputs: GraphInput[] = [];
  for (const info of graph.input) {
    if (initializers.has(info.name)) continue; // IR < 4 lists initializers as inputs too
    if (!info.name) throw new RangeError('importOnnx: a graph input has no name');
    if (defined.has(info.name)) throw new RangeError(`importOnnx: graph input '${info.name}' is defined twice`);
    inputs.push({ name: info.name, dims: inputDims(info) });
    defined.add(info.name);
  }

  const labels = new Map<NodeProto, string>();
  const producer = new Map<string, NodeProto>();
  const list = [...supported].sort().join(', ');
  graph.node.forEach((node, i) => {
    const label = nodeLabel(node, i);
    labels.set(node, label);
    if (node.domain !== '' && node.domain !== 'ai.onnx')
      throw new RangeError(
        `importOnnx: ${label} is in domain '${node.domain}'; convkit reads only the default ONNX domain ('' or 'ai.onnx')`,
      );
    if (!supported.has(node.opType))
      throw new RangeError(`importOnnx: ${label}: op type '${node.opType}' is not supported (supported: ${list})`);
    for (const out of node.output) {
      if (out === '') continue;
      if (defined.has(out) || producer.has(out))
        throw new RangeError(`importOnnx: ${label} writes '${out}', which is already defined`);
      producer.set(out, node);
    }
  });
  for (const node of graph.node) {
    for (const name of node.input) {
      if (name !== '' && !defined.has(name) && !producer.has(name))
        throw new RangeError(
          `importOnnx: ${labels.get(node)} reads '${name}', which no graph input, initializer or node defines`,
        );
    }
  }

  // Kahn's algorithm: a node is ready once every producer of its inputs has run
  const waiting = new Map<NodeProto, number>();
  const users = new Map<NodeProto, NodeProto[]>();
  const ready: NodeProto[] = [];
  for (const node of graph.node) {
    const deps = new Set(node.input.map((n) => producer.get(n)).filter((p): p is NodeProto => p !== undefined));
    waiting.set(node, deps.size);
    for (const d of deps) users.set(d, [...(users.get(d) ?? []), node]);
    if (deps.size === 0) ready.push(node);
  }
  const order: NodeProto[] = [];
  for (let k = 0; k < ready.length; k++) {
    const node = ready[k];
    order.push(node);
    for (const u of users.get(node) ?? []) {
      const w = (waiting.get(u) as number) - 1;
      waiting.set(u, w);
      if (w === 0) ready.push(u);
    }
  }
  if (order.length !== graph.node.length) {
    const done = new Set(order);
    const left = new Set(graph.node.filter((n) => !done.has(n)));
    const cycle = findCycle([...left][0], producer, left);
    throw new RangeError(
      `importOnnx: the graph has a cycle through ${cycle.map((n) => labels.get(n)).join(' -> ')}; an ONNX graph must be acyclic`,
    );
  }

  const outputs = graph.output.map((o) => o.name);
  if (outputs.length === 0) throw new RangeError('importOnnx: the graph declares no output');
  for (const o of outputs) {
    if (!defined.has(o) && !producer.has(o))
      throw new RangeError(`importOnnx: graph output '${o}' is not computed by any node, input or initializer`);
  }
  return { model, graph, opset, inputs, outputs, initializers, order, labels };
}
