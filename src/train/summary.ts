/**
 * `summary(model, inputShape)`: a Keras-like table of a model's layers, their output shapes and
 * parameter counts, found by running one dummy batch through the model (zeros, batch 1, under
 * noGrad and in eval mode, with every module's mode and the RNG state restored afterwards).
 * Parameters are counted as in PyTorch: BatchNorm running statistics are buffers, not params.
 */
import { noGrad } from '../autograd/engine.js';
import { zeros } from '../tensor/creation.js';
import { getRngState, setRngState } from '../tensor/random.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { HookHandle, Module } from '../nn/module.js';

/** One line of the table: a module call, in execution order. */
export interface SummaryRow {
  /** Dotted path in the model ('features.0'; '' when the model is a single layer). */
  name: string;
  /** Class name ('Conv2d'). */
  type: string;
  /** Nesting depth (1 = direct child of the model). */
  depth: number;
  /** Shape of the module's output for the dummy batch. */
  outputShape: number[];
  /** Parameter values of this module and its descendants. */
  params: number;
  /** Of which trainable (requiresGrad). */
  trainableParams: number;
  /** Whether the module has submodules (its params are listed on their rows). */
  isContainer: boolean;
}

/** The result of `summary`; `text` (also `toString()`) is the printable table. */
export interface ModelSummary {
  text: string;
  rows: SummaryRow[];
  inputShape: number[];
  outputShape: number[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
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
  const open: { module: Module; row: SummaryRow | null }[] = [];
  const handles: HookHandle[] = [];
  const leafModel = model.children().next().done === true;
  for (const [m, name] of names) {
    if (m === model && !leafModel) continue; // a single layer gets its own row
    handles.push(
      m.registerForwardPreHook((mod) => {
        const n = names.get(mod) ?? name;
        const d = n === '' ? 1 : n.split('.').length;
        const { total, trainable } = countParams(mod);
        const isContainer = mod.children().next().done !== true;
        const row: SummaryRow = {
          name: n,
          type: mod.typeName,
          depth: d,
          outputShape: [],
          params: total,
          trainableParams: trainable,
          isContainer,
        };
        rows.push(row);
        open.push({ module: mod, row });
      }),
    );
    handles.push(
      m.registerForwardHook((_mod, _inputs, out) => {
        const top = open.pop();
        if (top?.row) top.row.outputShape = [...out.shape];
      }),
    );
  }
  const modes = new Map<Module, boolean>();
  for (const m of names.keys()) modes.set(m, m.training);
  const rng = getRngState();
  const x = zeros([batchSize, ...inputShape]);
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
  const shown = rows.filter((r) => r.depth <= depth);
  const text = render(model, [batchSize, ...inputShape], out.shape, shown, depth, total, trainable);
  return {
    text,
    rows,
    inputShape: [batchSize, ...inputShape],
    outputShape: [...out.shape],
    totalParams: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
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
