/**
 * `summary(model, inputShape)`: a Keras-like table of a model's layers, their output shapes and
 * parameter counts, found by running one dummy batch through the model (zeros, batch 1, under
 * noGrad and in eval mode, with every module's mode and the RNG state restored afterwards).
 * Parameters are counted as in PyTorch: BatchNorm running statistics are buffers, not params.
 * A second table gives each layer's receptive field, jump, start, MACs and activation memory
 * (the recurrences are in src/nn/conv-arith.ts); the rows carry the same values.
 */
import { noGrad } from '../autograd/engine.js';
import { zeros } from '../tensor/creation.js';
import { getRngState, setRngState } from '../tensor/random.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { HookHandle, Module } from '../nn/module.js';
import { hullFields, inputField, layerField, layerMacs, type Field } from '../nn/conv-arith.js';

/** One line of the table: a module call, in execution order. */
export interface SummaryRow {
  /** Dotted path in the model ('features.0'; '' when the model is a single layer). */
  name: string;
  /** Class name ('Conv2d'). */
  type: string;
  /** Nesting depth (1 = direct child of the model). */
  depth: number;
  /** Shape of the module's (first) input for the dummy batch. */
  inputShape: number[];
  /** Shape of the module's output for the dummy batch. */
  outputShape: number[];
  /** Parameter values of this module and its descendants. */
  params: number;
  /** Of which trainable (requiresGrad). */
  trainableParams: number;
  /** Whether the module has submodules (its params are listed on their rows). */
  isContainer: boolean;
  /**
   * Receptive field of one output unit, in input pixels, per spatial axis of the input (H, W);
   * null when it cannot be known (`fieldNote` says why). After a merge of branches (ResNet,
   * Inception) it is the hull of the branches' fields, i.e. the largest for centred branches.
   */
  receptiveField: number[] | null;
  /** Jump (effective stride): input pixels between neighbouring output units; null when flattened or unknown. */
  jump: number[] | null;
  /** Centre of output unit 0's field in input pixels (pixel i centred at i); null when unknown. */
  start: number[] | null;
  /** Why receptiveField is null, or 'flattened' notes; undefined when all is known. */
  fieldNote?: string;
  /** Multiply-accumulates of this call for the whole batch (conv, transposed conv, linear; containers: their layers' sum). */
  macs: number;
  /** Bytes of this module's output for the whole batch (4 per element). */
  activationBytes: number;
}

/** The result of `summary`; `text` (also `toString()`) is the printable table. */
export interface ModelSummary {
  /** The printable table (Keras style). */
  text: string;
  /** One row per layer. */
  rows: SummaryRow[];
  /** The input shape, batch included. */
  inputShape: number[];
  /** The model's output shape, batch included. */
  outputShape: number[];
  /** Parameters, trainable or not. */
  totalParams: number;
  /** Parameters with requiresGrad. */
  trainableParams: number;
  /** Parameters without requiresGrad (frozen). */
  nonTrainableParams: number;
  /** Multiply-accumulates of one forward pass of the batch (FLOPs are about twice as many). */
  totalMacs: number;
  /** Bytes of every leaf layer's output for the batch: about what training keeps for the backward pass. */
  activationBytes: number;
  /** The printable table, as `text`. */
  toString(): string;
}

/** Options of `summary`. */
export interface SummaryOptions {
  /** Deepest nesting level listed (default Infinity); deeper modules are folded into their parent's row. */
  depth?: number;
  /** Batch size of the dummy input (default 1). */
  batchSize?: number;
}

/** Formats an integer with thousands separators (1,413,834). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Formats a byte count like Keras (5.39 MB, 0.00 B). */
function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes,
    u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

function countParams(m: Module): { total: number; trainable: number } {
  let total = 0,
    trainable = 0;
  for (const p of m.parameters()) {
    total += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  return { total, trainable };
}

/**
 * Runs a dummy forward of shape [batchSize, ...inputShape] and returns the layer table with
 * total / trainable / non-trainable parameter counts (e.g. summary(model, [1, 28, 28])).
 */
export function summary(
  model: Module,
  inputShape: readonly number[],
  { depth = Infinity, batchSize = 1 }: SummaryOptions = {},
): ModelSummary {
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new TypeError(
      `summary: inputShape must be positive integers without the batch axis (e.g. [1, 28, 28]), got ${String(inputShape)}`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`summary: batchSize must be a positive integer, got ${String(batchSize)}`);
  const names = new Map<Module, string>();
  for (const [n, m] of model.namedModules()) names.set(m, n);
  const rows: SummaryRow[] = [];
  const open: { module: Module; row: SummaryRow | null; inputs: readonly Tensor[]; from: number }[] = [];
  // conv arithmetic: every tensor a module call produced, with its field, in execution order
  const fields = new WeakMap<Tensor, Field | string>();
  const produced: { t: Tensor; f: Field | string }[] = [];
  const handles: HookHandle[] = [];
  const leafModel = model.children().next().done === true;
  for (const [m, name] of names) {
    if (m === model && !leafModel) continue; // a single layer gets its own row
    handles.push(
      m.registerForwardPreHook((mod, inputs) => {
        const n = names.get(mod) ?? name;
        const d = n === '' ? 1 : n.split('.').length;
        const { total, trainable } = countParams(mod);
        const isContainer = mod.children().next().done !== true;
        const row: SummaryRow = {
          name: n,
          type: mod.typeName,
          depth: d,
          inputShape: inputs.length > 0 ? [...inputs[0].shape] : [],
          outputShape: [],
          params: total,
          trainableParams: trainable,
          isContainer,
          receptiveField: null,
          jump: null,
          start: null,
          macs: 0,
          activationBytes: 0,
        };
        rows.push(row);
        // an input no module returned (a residual sum, a concatenation, a functional flatten)
        // gets the hull of the fields of the tensors of its spatial size in the enclosing call
        const parent = open[open.length - 1];
        const scope = parent
          ? withFields([...parent.inputs], produced.slice(parent.from), fields)
          : withFields([x], produced, fields);
        for (const t of inputs) if (!fields.has(t)) fields.set(t, mergedField(t, scope));
        open.push({ module: mod, row, inputs, from: produced.length });
      }),
    );
    handles.push(
      m.registerForwardHook((mod, inputs, out) => {
        const top = open.pop();
        if (!top?.row) return;
        const row = top.row;
        row.outputShape = [...out.shape];
        row.activationBytes = out.size * 4;
        const f = row.isContainer
          ? (fields.get(out) ?? mergedField(out, withFields([...top.inputs], produced.slice(top.from), fields)))
          : leafField(mod, inputs, out, fields);
        if (!row.isContainer) row.macs = inputs.length > 0 ? layerMacs(mod, inputs[0].shape, out.shape) : 0;
        fields.set(out, f);
        produced.push({ t: out, f });
        setField(row, f);
      }),
    );
  }
  const modes = new Map<Module, boolean>();
  for (const m of names.keys()) modes.set(m, m.training);
  const rng = getRngState();
  const x = zeros([batchSize, ...inputShape]);
  fields.set(x, inputField(inputShape.length - 1));
  let out: Tensor;
  try {
    model.eval();
    out = noGrad(() => model.call(x));
  } catch (e) {
    const at = open.length > 0 ? open[open.length - 1].module : null;
    const where = at ? ` in layer '${names.get(at)}' (${at.typeName})` : '';
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(
      `summary: the forward pass of ${model.typeName} on input ${fmt([batchSize, ...inputShape])} failed${where}: ${msg}`,
      { cause: e },
    );
  } finally {
    for (const h of handles) h.remove();
    for (const [m, t] of modes) m.training = t;
    setRngState(rng);
  }
  const { total, trainable } = countParams(model);
  sumContainerMacs(rows);
  const leaves = rows.filter((r) => !r.isContainer);
  const totalMacs = leaves.reduce((a, r) => a + r.macs, 0);
  const activationBytes = leaves.reduce((a, r) => a + r.activationBytes, 0);
  const shown = rows.filter((r) => r.depth <= depth);
  const text = [
    render(model, [batchSize, ...inputShape], out.shape, shown, depth, total, trainable),
    renderArith(shown, totalMacs, activationBytes, batchSize),
  ].join('\n');
  return {
    text,
    rows,
    inputShape: [batchSize, ...inputShape],
    outputShape: [...out.shape],
    totalParams: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
    totalMacs,
    activationBytes,
    toString: () => text,
  };
}

function render(
  model: Module,
  inShape: readonly number[],
  outShape: readonly number[],
  rows: SummaryRow[],
  depth: number,
  total: number,
  trainable: number,
): string {
  const cells = rows.map((r) => {
    const expanded = r.isContainer && r.depth < depth;
    return [
      `${'  '.repeat(r.depth - 1)}${r.name === '' ? r.type : `${r.name} (${r.type})`}`,
      fmt(r.outputShape),
      expanded ? '--' : formatCount(r.params),
    ];
  });
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => `${c[0].padEnd(w[0])}   ${c[1].padEnd(w[1])}   ${c[2].padStart(w[2])}`;
  const width = w[0] + w[1] + w[2] + 6;
  const out = [
    `Model: "${model.typeName}"`,
    '_'.repeat(width),
    line(head),
    '='.repeat(width),
    ...cells.map(line),
    '='.repeat(width),
    `Input shape: ${fmt(inShape)}`,
    `Output shape: ${fmt(outShape)}`,
    `Total params: ${formatCount(total)} (${formatBytes(total * 4)})`,
    `Trainable params: ${formatCount(trainable)} (${formatBytes(trainable * 4)})`,
    `Non-trainable params: ${formatCount(total - trainable)} (${formatBytes((total - trainable) * 4)})`,
    '_'.repeat(width),
  ];
  return out.join('\n');
}

type Made = { t: Tensor; f: Field | string };

/** The given inputs with their fields, followed by the tensors made since. */
function withFields(inputs: Tensor[], since: Made[], fields: WeakMap<Tensor, Field | string>): Made[] {
  const ins: Made[] = [];
  for (const t of inputs) {
    const f = fields.get(t);
    if (f !== undefined) ins.push({ t, f });
  }
  return [...ins, ...since];
}

function sameSpatial(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape[0] === b.shape[0] && a.shape.slice(2).every((d, i) => d === b.shape[i + 2]);
}

/** A field flattened over the given spatial extent (a functional flatten or mean). */
function flatField(f: Field, spatial: readonly number[]): Field {
  if (f.flat || spatial.length === 0) return f;
  return {
    flat: true,
    axes: f.axes.map((x, a) => ({
      rf: x.rf + ((spatial[a] ?? 1) - 1) * x.jump,
      jump: x.jump,
      start: x.start + (((spatial[a] ?? 1) - 1) / 2) * x.jump,
    })),
  };
}

/**
 * The field of a tensor no module returned (a residual sum, a concatenation, a functional
 * flatten): the hull of the fields of the tensors in scope (the enclosing call's inputs and
 * every tensor its layers made) with its spatial size, i.e. the branches that were merged.
 */
function mergedField(t: Tensor, scope: Made[]): Field | string {
  const cands = scope.filter((c): c is { t: Tensor; f: Field } => typeof c.f !== 'string' && sameSpatial(c.t, t));
  if (cands.length > 0) return hullFields(cands.map((c) => c.f));
  const last = scope[scope.length - 1];
  if (last && typeof last.f !== 'string' && t.ndim === 2) return flatField(last.f, last.t.shape.slice(2));
  if (last && typeof last.f === 'string') return last.f;
  return 'made by an operation outside any layer';
}

function leafField(
  mod: Module,
  inputs: readonly Tensor[],
  out: Tensor,
  fields: WeakMap<Tensor, Field | string>,
): Field | string {
  if (inputs.length === 0) return 'the layer has no input';
  const ins = inputs.map((t) => fields.get(t) ?? 'its input was not seen');
  const bad = ins.find((f) => typeof f === 'string');
  if (bad !== undefined) return bad;
  const merged = hullFields(ins as Field[]);
  if (typeof merged === 'string') return merged;
  return layerField(mod, merged, inputs[0].shape, out.shape);
}

function setField(row: SummaryRow, f: Field | string): void {
  if (typeof f === 'string') {
    row.fieldNote = f;
    return;
  }
  row.receptiveField = f.axes.map((x) => x.rf);
  row.start = f.axes.map((x) => x.start);
  row.jump = f.flat ? null : f.axes.map((x) => x.jump);
  if (f.flat) row.fieldNote = 'flattened: the field is the hull over every position';
}

/** A container's MACs are its layers' (rows are in call order, children after their parent). */
function sumContainerMacs(rows: SummaryRow[]): void {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (!r.isContainer) continue;
    let macs = 0;
    for (let j = i + 1; j < rows.length && rows[j].depth > r.depth; j++) if (!rows[j].isContainer) macs += rows[j].macs;
    r.macs = macs;
  }
}

/** '212' when every axis agrees, else '212x196'; fractions with up to 3 decimals. */
function axes(v: number[] | null, none = 'n/a'): string {
  if (v === null) return none;
  if (v.length === 0) return '-';
  const s = v.map((x) => String(Number(x.toFixed(3))));
  return s.every((x) => x === s[0]) ? s[0] : s.join('x');
}

/** Formats a MAC count (416,520 or 15.47 G). */
function formatMacs(n: number): string {
  if (n < 1e6) return formatCount(n);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
  ];
  for (const [v, u] of units) if (n >= v) return `${(n / v).toFixed(2)} ${u}`;
  return String(n);
}

function renderArith(rows: SummaryRow[], totalMacs: number, activationBytes: number, batchSize: number): string {
  const cells = rows.map((r) => [
    `${'  '.repeat(r.depth - 1)}${r.name === '' ? r.type : `${r.name} (${r.type})`}`,
    axes(r.receptiveField),
    axes(r.jump, r.receptiveField ? '-' : 'n/a'),
    axes(r.start),
    formatMacs(r.macs),
    formatBytes(r.activationBytes),
  ]);
  const head = ['Layer (type)', 'RF', 'Jump', 'Start', 'MACs', 'Activations'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === 0 ? v.padEnd(w[i]) : v.padStart(w[i])))
      .join('   ')
      .trimEnd();
  const width = w.reduce((a, b) => a + b, 0) + 3 * (w.length - 1);
  const notes = [
    ...new Set(
      rows.filter((r) => r.receptiveField === null && r.fieldNote).map((r) => `${r.name || r.type}: ${r.fieldNote}`),
    ),
  ];
  return [
    'Receptive field (RF), jump and start in input pixels (start: centre of output unit 0, pixel i centred at i)',
    '='.repeat(width),
    line(head),
    '='.repeat(width),
    ...cells.map(line),
    '='.repeat(width),
    `Total MACs: ${formatMacs(totalMacs)} (multiply-accumulates of conv/linear layers for a batch of ${batchSize}; FLOPs ~ 2 x MACs)`,
    `Activations: ${formatBytes(activationBytes)} (every layer's float32 output for a batch of ${batchSize})`,
    ...notes.slice(0, 5).map((n) => `RF n/a at ${n}`),
    '_'.repeat(width),
  ].join('\n');
}
