/**
 * `importOnnx(bytes)`: an ONNX model (the CNN op set, as torch.onnx.export writes it) as a
 * trainable convkit `Module`.
 *
 * Weights. Float initializers become parameters (trainable, so the model fine-tunes); those
 * that feed BatchNormalization's running mean and variance become buffers (as in PyTorch);
 * float scalars (0-d: an exporter's constants such as 0.5 or epsilon), float initializers that
 * only hold settings (Clip bounds, Pad values) and every integer initializer or Constant node
 * are constants of the graph, not in the state dict. A float initializer no node reads is kept
 * as a buffer (saved, not trained).
 *
 * Names. PyTorch's exporter names initializers after the state-dict keys (`conv1.weight`,
 * `layer1.0.bn1.running_mean`). A registered name cannot hold a dot, so a dotted name becomes a
 * path of `OnnxScope` submodules (`layer1` -> `0` -> `bn1`, holding `running_mean`), and
 * `stateDict()` keys equal the initializer names; beside each BatchNormalization's
 * `<p>running_mean` / `<p>running_var` an int32 `<p>num_batches_tracked` counter is added, as
 * PyTorch has, so a PyTorch state dict loads strictly with `loadStateDict`. A name that
 * cannot be a path (an empty segment, a segment that would shadow a Module method, a clash
 * between a tensor and a scope) is registered on the model itself with its dots replaced by
 * underscores (suffixed to stay unique); `initializerKeys` maps every initializer name to its
 * state-dict key.
 *
 * Running. `forward` evaluates the nodes in a topological order (checked at import, see
 * import-graph.ts) with convkit tensor ops, so autograd reaches the parameters; module.train()
 * makes BatchNormalization use batch statistics and Dropout drop, as in PyTorch.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { Module } from '../../nn/module.js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { NodeProtoSchema } from './generated/onnx_pb.js';
import { NodeAttributes } from './attributes.js';
import { checkGraph, type CheckedGraph, type GraphInput } from './import-graph.js';
import { IntTensor, protoToValue, type Value } from './import-values.js';
import type { OpContext, OpFn } from './import-op-context.js';
import { OPS, SETTING_INPUTS, STATISTIC_INPUTS } from './import-ops.js';

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /** Whether the imported float weights train (requiresGrad); default true. */
  trainable?: boolean;
}

/** A node ready to run. */
interface Step {
  fn: OpFn;
  label: string;
  attrs: NodeAttributes;
  inputs: string[];
  outputs: string[];
  /** State-dict key of a BatchNormalization's `num_batches_tracked` counter (PyTorch's). */
  counter?: string;
}

/**
 * A group of imported weights under one prefix of their dotted ONNX names (`layer1`,
 * `layer1.0`, ...); it has no computation of its own.
 */
export class OnnxScope extends Module {
  static override readonly typeName: string = 'OnnxScope';

  /** Its own weights with their shapes, e.g. `weight=[6, 1, 5, 5], bias=[6]`. */
  override extraRepr(): string {
    const own = [...this.namedParameters('', false), ...this.namedBuffers('', false)];
    return own.map(([n, t]) => `${n}=${fmt(t.shape)}`).join(', ');
  }

  forward(): Tensor {
    throw new Error(
      'OnnxScope only groups imported weights under their PyTorch names; run the imported model (the OnnxModule) instead',
    );
  }
}

const isSegment = (m: Module, s: string): boolean =>
  s.length > 0 && s !== 'training' && !(s in m && !Object.getOwnPropertyDescriptor(m, s));

/** An imported ONNX graph as a trainable module (see the file comment). */
export class OnnxModule extends Module {
  static override readonly typeName: string = 'OnnxModule';

  readonly #inputs: GraphInput[];
  readonly #outputs: string[];
  readonly #opset: number;
  readonly #steps: Step[];
  /** Integer initializers, setting-only float initializers and Constant outputs. */
  readonly #constants = new Map<string, Value>();
  /** ONNX initializer name -> state-dict key (parameters and buffers). */
  readonly #keys = new Map<string, string>();
  /** Names taken by tensors and by scopes, per module (a name is one or the other). */
  readonly #tensorNames = new Map<Module, Set<string>>();
  readonly #scopes = new Map<Module, Map<string, OnnxScope>>();
  /** Keys of the num_batches_tracked counters added beside BatchNormalization statistics. */
  readonly #counters = new Set<string>();

  /** Built by `importOnnx`. */
  constructor(g: CheckedGraph, options: ImportOnnxOptions = {}) {
    super();
    this.#inputs = g.inputs;
    this.#outputs = g.outputs;
    this.#opset = g.opset;
    const trainable = options.trainable ?? true;
    // how each initializer is used decides what it becomes
    const roles = new Map<string, Set<'data' | 'setting' | 'statistic'>>();
    for (const node of g.order) {
      node.input.forEach((name, i) => {
        if (!g.initializers.has(name)) return;
        const role = SETTING_INPUTS[node.opType]?.includes(i)
          ? 'setting'
          : STATISTIC_INPUTS[node.opType]?.includes(i)
            ? 'statistic'
            : 'data';
        roles.set(name, (roles.get(name) ?? new Set()).add(role));
      });
    }
    for (const [name, proto] of g.initializers) {
      const value = protoToValue(proto, `importOnnx: initializer '${name}'`);
      const r = roles.get(name) ?? new Set();
      // scalars are constants of the formula (an exporter's 0.5, epsilon, 1/sqrt(2)), not weights
      const setting =
        value instanceof IntTensor || value.ndim === 0 || (r.size > 0 && !r.has('data') && !r.has('statistic'));
      if (setting) {
        this.#constants.set(name, value);
      } else if (r.has('data')) {
        this.#keys.set(name, this.#place(name, value.requiresGrad_(trainable), 'parameter'));
      } else {
        this.#keys.set(name, this.#place(name, value, 'buffer'));
      }
    }
    const steps: Step[] = [];
    for (const node of g.order) {
      const step: Step = {
        fn: OPS[node.opType],
        label: g.labels.get(node) as string,
        attrs: new NodeAttributes(node),
        inputs: [...node.input],
        outputs: [...node.output],
      };
      if (step.fn === OPS.Constant) {
        // Constant nodes are evaluated once, here
        const [v] = step.fn(this.#context(step), [], 1);
        if (step.outputs[0]) this.#constants.set(step.outputs[0], v);
        continue;
      }
      // decoded byte fields are views of the whole file: a node re-decoded from its own bytes
      // keeps only itself alive, not the model's bytes
      step.attrs = new NodeAttributes(fromBinary(NodeProtoSchema, toBinary(NodeProtoSchema, node)));
      if (node.opType === 'BatchNormalization') step.counter = this.#counterFor(node.input[3], node.input[4]);
      steps.push(step);
    }
    this.#steps = steps;
    if (trainable === false) this.freeze();
  }

  /**
   * PyTorch's `num_batches_tracked` beside running statistics named `<p>running_mean` and
   * `<p>running_var` (an int32 scalar buffer `<p>num_batches_tracked`, counting training
   * batches), so the state dict is PyTorch's in full and a torch checkpoint loads strictly.
   * Returns its key, or undefined when the statistics are named otherwise.
   */
  #counterFor(meanName: string, varName: string): string | undefined {
    const km = this.#keys.get(meanName),
      kv = this.#keys.get(varName);
    if (!km || !kv || !(km === 'running_mean' || km.endsWith('.running_mean'))) return undefined;
    const prefix = km.slice(0, -'running_mean'.length);
    if (kv !== `${prefix}running_var`) return undefined;
    const key = `${prefix}num_batches_tracked`;
    const taken = new Set([...this.namedBuffers(), ...this.namedParameters()].map(([k]) => k));
    if (taken.has(key)) return this.#counters.has(key) ? key : undefined;
    this.#place(key, new Tensor(new Int32Array(1), []), 'buffer');
    this.#counters.add(key);
    return key;
  }

  /** Registers a tensor under its dotted name as a path of scopes, or flat; returns its key. */
  #place(name: string, t: Tensor, kind: 'parameter' | 'buffer'): string {
    const parts = name.split('.');
    const tensorNames = (m: Module): Set<string> => {
      let s = this.#tensorNames.get(m);
      if (!s) this.#tensorNames.set(m, (s = new Set()));
      return s;
    };
    const scopes = (m: Module): Map<string, OnnxScope> => {
      let s = this.#scopes.get(m);
      if (!s) this.#scopes.set(m, (s = new Map()));
      return s;
    };
    // can the whole path be used? (scopes reuse existing ones; no name is both a tensor and a scope)
    let m: Module = this;
    let ok = parts.every((p) => p.length > 0);
    for (let i = 0; ok && i < parts.length - 1; i++) {
      const existing = scopes(m).get(parts[i]);
      if (existing) m = existing;
      else if (tensorNames(m).has(parts[i]) || !isSegment(m, parts[i])) ok = false;
      else m = new OnnxScope(); // a fresh scope: the remaining segments only need to be valid
    }
    const leaf = parts[parts.length - 1];
    ok = ok && isSegment(m, leaf) && !tensorNames(m).has(leaf) && !scopes(m).has(leaf);
    if (ok) {
      let cur: Module = this;
      for (const p of parts.slice(0, -1)) {
        let next = scopes(cur).get(p);
        if (!next) {
          next = cur.registerModule(p, new OnnxScope());
          scopes(cur).set(p, next);
        }
        cur = next;
      }
      if (kind === 'parameter') cur.registerParameter(leaf, t);
      else cur.registerBuffer(leaf, t);
      tensorNames(cur).add(leaf);
      return name;
    }
    const base = name.replace(/\./g, '_') || 'initializer';
    for (let k = 1; ; k++) {
      const flat = k === 1 ? base : `${base}_${k}`;
      if (!isSegment(this, flat) || tensorNames(this).has(flat) || scopes(this).has(flat)) continue;
      if (kind === 'parameter') this.registerParameter(flat, t);
      else this.registerBuffer(flat, t);
      tensorNames(this).add(flat);
      return flat;
    }
  }

  #context(s: Step): OpContext {
    return { label: s.label, attrs: s.attrs, opset: this.#opset, training: this.training };
  }

  /** Names of the graph inputs `forward` takes, in order. */
  get inputNames(): string[] {
    return this.#inputs.map((i) => i.name);
  }
  /** Names of the graph outputs; `forward` returns the first, `forwardAll` all. */
  get outputNames(): string[] {
    return [...this.#outputs];
  }
  /** The model's opset of the default ONNX domain. */
  get opset(): number {
    return this.#opset;
  }
  /** ONNX initializer name -> state-dict key, for every imported parameter and buffer. */
  get initializerKeys(): ReadonlyMap<string, string> {
    return new Map(this.#keys);
  }

  override extraRepr(): string {
    return `opset=${this.#opset}, nodes=${this.#steps.length}, inputs=[${this.inputNames.join(', ')}], outputs=[${this.#outputs.join(', ')}]`;
  }

  /** Runs the graph on its inputs and returns the first graph output. */
  override forward(...inputs: Tensor[]): Tensor {
    return this.forwardAll(...inputs)[0];
  }

  /**
   * Runs the graph and returns every graph output (integer outputs as int32 tensors). Call it
   * directly (`call` keeps only the first output's storage).
   */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    if (inputs.length !== this.#inputs.length)
      throw new RangeError(
        `OnnxModule: the model takes ${this.#inputs.length} input(s) (${this.inputNames.join(', ')}), got ${inputs.length}`,
      );
    const env = new Map<string, Value>(this.#constants);
    const tensors = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    for (const [name, key] of this.#keys) {
      const t = tensors.get(key);
      if (t) env.set(name, t);
    }
    this.#inputs.forEach((spec, i) => {
      const x = inputs[i];
      if (!(x instanceof Tensor)) throw new TypeError(`OnnxModule: input '${spec.name}' must be a Tensor`);
      const d = spec.dims;
      if (d && (d.length !== x.ndim || d.some((v, k) => v !== null && v !== 0 && v !== x.shape[k]))) {
        const want = `[${d.map((v) => (v === null ? '?' : v)).join(', ')}]`;
        throw new RangeError(`OnnxModule: input '${spec.name}' has shape ${fmt(x.shape)}; the model expects ${want}`);
      }
      env.set(spec.name, x.dtype === 'float32' ? x : x.float());
    });
    for (const s of this.#steps) {
      const args = s.inputs.map((n) => (n === '' ? undefined : env.get(n)));
      const wanted = s.outputs.reduce((k, o, i) => (o !== '' ? i + 1 : k), 0);
      let outs: Value[];
      try {
        outs = s.fn(this.#context(s), args, wanted);
      } catch (e) {
        const msg = (e as Error).message;
        if (msg.includes(s.label) || msg.startsWith('node ')) throw e;
        throw new (e instanceof TypeError ? TypeError : RangeError)(`${s.label}: ${msg}`);
      }
      s.outputs.forEach((o, i) => {
        if (o !== '' && outs[i] !== undefined) env.set(o, outs[i]);
      });
      if (s.counter && this.training) {
        const c = tensors.get(s.counter);
        if (c) c.data[0] += 1;
      }
    }
    return this.#outputs.map((name) => {
      const v = env.get(name);
      if (v === undefined) throw new Error(`OnnxModule: graph output '${name}' was not computed`);
      return v instanceof IntTensor ? new Tensor(Int32Array.from(v.data), v.shape) : v;
    });
  }
}

/**
 * Imports an ONNX model (the bytes of an .onnx file: a Uint8Array / Buffer, or the ArrayBuffer
 * of a fetch) as a trainable `OnnxModule`. The graph is checked first (see import-graph.ts);
 * an unsupported op is an error naming it and its node.
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, options: ImportOnnxOptions = {}): OnnxModule {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`importOnnx: options must be an object like { trainable }, got ${String(options)}`);
  for (const k of Object.keys(options))
    if (k !== 'trainable') throw new TypeError(`importOnnx: unknown option '${k}' (known: trainable)`);
  const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  return new OnnxModule(checkGraph(data, new Set(Object.keys(OPS))), options);
}

/** The op types importOnnx reads, sorted. */
export function supportedOnnxOps(): string[] {
  return Object.keys(OPS).sort();
}
