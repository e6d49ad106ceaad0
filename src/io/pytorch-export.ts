/**
 * `exportPytorch(model)`: the source of a self-contained model.py — a torch `nn.Module` whose
 * state-dict keys are exactly the convkit model's, a safetensors reader/writer in plain python,
 * `load(path)` / `save(model, path)`, and a `__main__` that loads the weights and prints (and,
 * given a reference, checks) the output. This is the road to a cluster: the model trains under
 * torchrun / DistributedDataParallel and the weights come back into convkit unchanged.
 *
 * Every layer maps through the table in pytorch-export/layers.ts and every container or zoo
 * model through pytorch-export/composites.ts, both keyed by the class's declared static
 * typeName, found as exportOnnx finds its exporters (export-classes.ts; a string key survives
 * minification). The module is read through its public traversal methods. A module without a
 * mapping, or a layer whose state names differ from torch's, is an error naming its path and
 * class.
 */
import type { Tensor } from '../tensor/tensor.js';
import { typeNameOf } from '../nn/type-name.js';
import { entryOf, exportClasses } from './export-classes.js';
import { COMPOSITES, type CompositeEmit } from './pytorch-export/composites.js';
import { ExportError, LAYERS, py, type LeafEmit, type Props } from './pytorch-export/layers.js';
import { PY_CLASSES, PY_PRELUDE, pyTail } from './pytorch-export/python-lib.js';

/** What exportPytorch reads of a module (convkit's `Module` has all of it). */
export interface ExportableModule {
  /** Children with their names (absent ones skipped). */
  namedChildren(): Iterable<[string, ExportableModule]>;
  /** Own parameters with recurse = false. */
  namedParameters(prefix?: string, recurse?: boolean): Iterable<[string, Tensor]>;
  /** Own buffers with recurse = false. */
  namedBuffers(prefix?: string, recurse?: boolean): Iterable<[string, Tensor]>;
  /** Parameters and persistent buffers by dotted name. */
  stateDict(): Map<string, Tensor>;
}

/** Options of exportPytorch. */
export interface ExportPytorchOptions {
  /** Name of the generated nn.Module class (default 'ConvkitModel'). */
  className?: string;
  /** Input shape with the batch axis, e.g. [1, 1, 28, 28]: `python3 model.py` runs on it. */
  inputShape?: readonly number[];
  /** File name of the weights beside model.py that load() reads by default (default 'model.safetensors'). */
  weightsFile?: string;
  /**
   * convkit's output for `pytorchCheckInput(inputShape)` (flattened); model.py then reports the
   * largest relative difference and exits 1 above 1e-4. At most the first 4096 values are kept.
   */
  reference?: ArrayLike<number>;
}

const MAX_REFERENCE = 4096;
const PY_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The deterministic input model.py's check runs on: value i of the flattened tensor is
 * ((i * 37) mod 101) / 50 - 1 (exact in float32 on both sides).
 */
export function pytorchCheckInput(shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 37) % 101) / 50 - 1;
  return out;
}

type Mapping = { leaf: (p: Props) => LeafEmit } | { composite: (typeof COMPOSITES)[string] };

/**
 * The mapping of a module: its own class's, or that of the nearest ancestor class when no class
 * in between defines its own forward (a subclass that only configures, like DoubleConv).
 */
function mappingOf(m: object): Mapping | null {
  for (const { key } of exportClasses(m)) {
    const leaf = entryOf(LAYERS, key);
    if (leaf) return { leaf };
    const composite = entryOf(COMPOSITES, key);
    if (composite) return { composite };
  }
  return null;
}

interface Context {
  /** python-lib classes needed. */
  used: Set<string>;
  /** alias classes: name -> base. */
  aliases: Map<string, string>;
}

interface Emitted {
  cls: string;
  args: string;
}

const indent = (s: string, n: number): string => s.replace(/\n/g, `\n${' '.repeat(n)}`);
const where = (path: string): string => (path === '' ? 'the model itself' : `'${path}'`);
const className = (m: object): string => typeNameOf(m.constructor);

function use(ctx: Context, cls: string): void {
  if (!PY_CLASSES[cls]) return;
  for (const d of PY_CLASSES[cls].deps) use(ctx, d);
  ctx.used.add(cls);
}

function emit(m: ExportableModule, path: string, ctx: Context): Emitted {
  const name = className(m);
  const mapping = mappingOf(m);
  const fail = (why: string): never => {
    throw new ExportError(`exportPytorch: cannot export ${where(path)} (${name}): ${why}`);
  };
  if (!mapping)
    return fail(
      'no PyTorch mapping for this class; use the built-in layers and containers, or add the class to src/io/pytorch-export/',
    );
  const kids = [...m.namedChildren()];
  if ('leaf' in mapping) {
    if (kids.length > 0) fail(`a layer with children (${kids.map(([n]) => n).join(', ')}) is not supported`);
    let leaf: LeafEmit;
    try {
      leaf = mapping.leaf(m as unknown as Props);
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    const own = [...m.stateDict().keys()].sort();
    const want = [...leaf.tensors].sort();
    if (own.join() !== want.join())
      fail(
        `its state-dict names [${own.join(', ')}] differ from torch's ${leaf.cls} [${want.join(', ')}]; the layer must use PyTorch's names`,
      );
    use(ctx, leaf.cls);
    return { cls: leaf.cls, args: leaf.args };
  }
  const own = [...m.namedParameters('', false), ...m.namedBuffers('', false)].map(([n]) => n);
  if (own.length > 0) fail(`a container with its own tensors (${own.join(', ')}) is not supported`);
  let c: CompositeEmit;
  try {
    c = mapping.composite(
      kids.map(([n]) => n),
      m as unknown as Props,
    );
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  const parts = kids.map(([n, k]) => {
    const e = emit(k, path === '' ? n : `${path}.${n}`, ctx);
    return { name: n, expr: `${e.cls}(${e.args})` };
  });
  if (c.kind === 'sequential' || c.kind === 'modulelist') {
    parts.forEach((p, i) => {
      if (p.name !== String(i)) fail(`child '${p.name}' at position ${i} is not named '${i}'`);
    });
    const body = parts.map((p) => `\n    ${indent(p.expr, 4)},`).join('');
    return c.kind === 'sequential'
      ? { cls: 'nn.Sequential', args: `${body}\n` }
      : { cls: 'nn.ModuleList', args: `[${body}\n]` };
  }
  const cls = c.cls ?? fail('composite without a python class');
  if (c.base) {
    use(ctx, c.base);
    if (cls !== c.base && !PY_CLASSES[cls]) ctx.aliases.set(cls, c.base);
  } else use(ctx, cls);
  const body = parts.map((p) => `\n    (${py(p.name)}, ${indent(p.expr, 4)}),`).join('');
  const attrs = Object.entries(c.attrs ?? {}).map(([k, v]) => `, ${k}=${v}`);
  return { cls, args: `[${body}\n]${attrs.join('')}` };
}

/** Python lib classes in dependency order (each after those it needs). */
function librarySource(used: Set<string>): string {
  const out: string[] = [];
  const done = new Set<string>();
  const add = (n: string): void => {
    if (done.has(n)) return;
    done.add(n);
    for (const d of PY_CLASSES[n].deps) add(d);
    out.push(PY_CLASSES[n].source);
  };
  for (const n of Object.keys(PY_CLASSES)) if (used.has(n)) add(n);
  return out.join('\n\n');
}

function referenceSource(ref: ArrayLike<number> | undefined): string {
  if (ref === undefined) return 'None';
  const n = Math.min(ref.length, MAX_REFERENCE);
  const vals: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = ref[i];
    if (!Number.isFinite(v)) throw new ExportError(`exportPytorch: reference value ${i} is ${v}, not a finite number`);
    vals.push(String(Math.fround(v)));
  }
  const lines: string[] = [];
  for (let i = 0; i < vals.length; i += 8) lines.push(`    ${vals.slice(i, i + 8).join(', ')},`);
  return `[\n${lines.join('\n')}\n]`;
}

/**
 * The source of model.py for `model` (see the file comment). Throws an Error naming the module
 * path and class for anything that has no PyTorch equivalent.
 */
export function exportPytorch(model: ExportableModule, options: ExportPytorchOptions = {}): string {
  const { className: cn = 'ConvkitModel', inputShape, weightsFile = 'model.safetensors', reference } = options;
  if (!PY_IDENT.test(cn)) throw new ExportError(`exportPytorch: className '${cn}' is not a python identifier`);
  if (inputShape !== undefined && (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)))
    throw new ExportError(`exportPytorch: inputShape [${inputShape.join(', ')}] must be positive integers`);
  if (weightsFile.includes('/') || weightsFile.includes('\\') || weightsFile === '')
    throw new ExportError(
      `exportPytorch: weightsFile '${weightsFile}' must be a plain file name (it sits beside model.py)`,
    );
  const ctx: Context = { used: new Set(), aliases: new Map() };
  const root = emit(model, '', ctx);
  if (ctx.used.has(cn) || ctx.aliases.has(cn) || ['Chain', '_Composite'].includes(cn))
    throw new ExportError(`exportPytorch: className '${cn}' clashes with a class model.py defines; choose another`);
  const aliases = [...ctx.aliases].map(
    ([a, base]) => `class ${a}(${base}):\n    """convkit's ${a}, with its forward as a ${base}."""\n`,
  );
  const keys = [...model.stateDict().keys()];
  const header = `# model.py: generated by convkit (exportPytorch) — a torch nn.Module with convkit's state-dict names.
#   python3 model.py [weights.safetensors]   loads the weights and prints the output (checked against convkit's)
#   from model import load, save             model = load(path); ...train...; save(model, 'trained.safetensors')
# ${keys.length} tensors, from '${keys[0] ?? ''}' to '${keys[keys.length - 1] ?? ''}'. Needs only torch (no safetensors package).
`;
  const init = root.args === '' ? 'super().__init__()' : `super().__init__(${indent(root.args, 8)})`;
  const cls = `class ${cn}(${root.cls}):
    """${className(model)} exported from convkit; its state_dict() keys equal convkit's."""

    def __init__(self):
        ${init}
`;
  return [
    header,
    PY_PRELUDE,
    ...(ctx.used.size > 0 ? [librarySource(ctx.used)] : []),
    ...aliases,
    `INPUT_SHAPE = ${inputShape === undefined ? 'None' : py([...inputShape])}\nREFERENCE = ${referenceSource(reference)}\n`,
    cls,
    pyTail(cn, weightsFile),
  ].join('\n\n');
}
