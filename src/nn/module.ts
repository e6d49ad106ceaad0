/**
 * `Module`: the PyTorch-style base class of every layer and model. A module owns named
 * parameters (trainable tensors), buffers (state such as BatchNorm running statistics) and
 * child modules. They are registered explicitly (`registerParameter`, `registerBuffer`,
 * `registerModule`) or, as PyTorch's `__setattr__` does, by assigning a Module or an
 * `nn.Parameter` to a property (`this.fc1 = new nn.Linear(3, 6)`, class fields included). A
 * registered name is a property of the module (`lin.weight`), kept in sync both ways.
 *
 * JavaScript has no `__setattr__` (and a Proxy would break `#private` fields), so assigned
 * properties are adopted lazily: every traversal (children, modules, parameters, buffers,
 * stateDict, getSubmodule, toString) and every explicit registration first turns this module's
 * own data properties that hold a Module or a parameter into registered accessors, in property
 * order, i.e. assignment order (an uninitialised class field `fc1: Linear;` is created at field
 * initialisation, so declaration order counts for those; `declare fc1: Linear;` creates none).
 * Deleting such a property (`delete this.fc1`) unregisters it; plain tensors, arrays and Maps
 * stay ordinary attributes (use `nn.Parameter` and `nn.ModuleList`).
 *
 * Run a module with `m.call(x)` (forward plus hooks) or `m.forward(x)` (no hooks); containers
 * call their children through `call` so that hooks (used by `summary`) see every layer.
 */
import { noGrad } from '../autograd/engine.js';
import { outsideScopes } from '../tensor/alloc.js';
import { inModuleCall, moduleTreeChanged, noteHooked, outermostCall } from './call-storage.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { expectTensor } from '../tensor/ops/check.js';
import { toStateDict, type StateDict, type StateDictLike } from '../tensor/state-dict.js';
import { renameLegacyKeys, warnLegacyNames } from './legacy-names.js';
import { typeNameOf } from './type-name.js';
import { isParameter, markParameter } from './parameter.js';

export type { StateDict, StateDictLike } from '../tensor/state-dict.js';

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Throw when keys are missing or unexpected (default true). Shape mismatches always throw. */
  strict?: boolean;
  /**
   * Map the keys convkit 0.1 saved (`runningMean`, ResNet `body.N`/`shortcut`, GoogLeNet
   * `inception3a.N`) to PyTorch's names when the dict uses them (default true; see legacy-names.ts).
   */
  legacyNames?: boolean;
}

/** What `loadStateDict` reports (with strict=false, the keys it skipped). */
export interface LoadStateDictResult {
  /** The module's keys the dict lacks. */
  missingKeys: string[];
  /** The dict's keys the module lacks. */
  unexpectedKeys: string[];
  /** Keys renamed from convkit 0.1's names, [old, new] (empty for a dict with PyTorch's names). */
  legacyRenamed: [string, string][];
}

/** How many keys an error message lists before it says how many more there are. */
const KEYS_SHOWN = 10;

/** `N label keys: a, b, c, ... and M more` (at most KEYS_SHOWN names). */
function keyList(label: string, keys: readonly string[]): string {
  const more = keys.length > KEYS_SHOWN ? `, ... and ${keys.length - KEYS_SHOWN} more` : '';
  return `${keys.length} ${label} key${keys.length === 1 ? '' : 's'}: ${keys.slice(0, KEYS_SHOWN).join(', ')}${more}`;
}

/** A hint when every unexpected key is a missing one behind the same extra first segment (`module.` of DDP). */
function prefixHint(missing: readonly string[], unexpected: readonly string[]): string | null {
  if (missing.length === 0 || unexpected.length === 0) return null;
  const dot = unexpected[0].indexOf('.');
  if (dot <= 0) return null;
  const prefix = unexpected[0].slice(0, dot + 1);
  const want = new Set(missing);
  if (!unexpected.every((k) => k.startsWith(prefix) && want.has(k.slice(prefix.length)))) return null;
  return `every unexpected key is a missing key with the prefix '${prefix}' (as DataParallel/DDP saves): strip that prefix from the keys`;
}

/** A hook run after a module's forward: receives the module, its inputs and its output. */
export type ForwardHook = (module: Module, inputs: readonly Tensor[], output: Tensor) => void;

/** A hook run before a module's forward: receives the module and its inputs. */
export type ForwardPreHook = (module: Module, inputs: readonly Tensor[]) => void;

/** Returned by `registerForwardHook`; `remove()` unregisters the hook. */
export interface HookHandle {
  /** Unregisters the hook (calling it again does nothing). */
  remove(): void;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Node's `util.inspect` hook: `console.log(model)` prints the tree (a registered symbol; no Node import). */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** What kind of entry a registered name is. */
type Kind = 'Parameter' | 'Buffer' | 'Module';

/** A value as error messages name it: `a Tensor of shape [2, 3]`, `a number (3)`, `an Array`. */
function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a ${isParameter(v) ? 'Parameter' : 'Tensor'} of shape ${fmt(v.shape)}`;
  if (typeof v === 'object') return `an object of class ${typeNameOf((v as object).constructor)}`;
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}

/** Base class of all layers and models (see the file comment). */
export abstract class Module {
  /**
   * The class's stable name (reprs, errors, the ONNX/PyTorch exporters; see type-name.ts), as
   * minifiers rename classes: each nn layer and zoo class declares its own,
   * `static override readonly typeName: string = 'Conv2d'`; a class without one is named by its
   * JavaScript class name.
   */
  static readonly typeName: string = 'Module';

  /** Whether the module is in training mode (Dropout active, BatchNorm uses batch statistics). */
  training = true;
  readonly #params = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module | null>();
  readonly #hooks = new Map<number, ForwardHook>();
  readonly #preHooks = new Map<number, ForwardPreHook>();
  /** Names whose property this module defined as an accessor of the registry (see bindProperty). */
  readonly #bound = new Set<string>();
  #nextHook = 0;

  /** The computation of this module; call it through `call` so hooks run. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Runs the pre-hooks, forward, then the forward hooks; this is how a module should be invoked.
   * The outermost call gives back the storage its forward allocated and nothing keeps, once
   * no graph needs it (see call-storage.ts): a forward that keeps a tensor for later stores it
   * on its module (a property, or an array, Map or plain object in one) or returns it.
   */
  call(...inputs: Tensor[]): Tensor {
    for (let i = 0; i < inputs.length; i++) {
      if (!(inputs[i] instanceof Tensor))
        expectTensor(`${this.typeName}.call`, inputs.length === 1 ? 'input' : `input ${i + 1}`, inputs[i]);
    }
    // the outermost call gives back what its forward allocated and nothing keeps (call-storage.ts)
    return inModuleCall() ? this.#run(inputs) : outermostCall(this, () => this.#run(inputs));
  }

  #run(inputs: Tensor[]): Tensor {
    if (this.#preHooks.size > 0) {
      noteHooked(inputs);
      outsideScopes(() => {
        for (const h of [...this.#preHooks.values()]) h(this, inputs);
      });
    }
    const out = this.forward(...inputs);
    if (this.#hooks.size > 0) {
      noteHooked(inputs);
      noteHooked([out]);
      outsideScopes(() => {
        for (const h of [...this.#hooks.values()]) h(this, inputs, out);
      });
    }
    return out;
  }

  /** Whether forward hooks or pre-hooks are registered on this module. */
  get hasHooks(): boolean {
    return this.#hooks.size > 0 || this.#preHooks.size > 0;
  }

  /** Registers a hook run after every `call` of this module; returns a handle to remove it. */
  registerForwardHook(hook: ForwardHook): HookHandle {
    const id = this.#nextHook++;
    this.#hooks.set(id, hook);
    return {
      remove: () => {
        this.#hooks.delete(id);
      },
    };
  }

  /** Registers a hook run before every `forward` of `call`; returns a handle to remove it. */
  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    const id = this.#nextHook++;
    this.#preHooks.set(id, hook);
    return {
      remove: () => {
        this.#preHooks.delete(id);
      },
    };
  }

  /** The name shown by toString and summary: the class's own static typeName, else its JavaScript name. */
  get typeName(): string {
    return typeNameOf(this.constructor);
  }

  // ---- registration ----

  private checkName(kind: Kind, name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.includes('.')) {
      throw new TypeError(
        `${this.typeName}.register${kind}: name must be a non-empty string without '.', got '${String(name)}'`,
      );
    }
    const owners: [Kind, Map<string, unknown>][] = [
      ['Parameter', this.#params],
      ['Buffer', this.#buffers],
      ['Module', this.#modules],
    ];
    for (const [k, m] of owners) {
      if (k !== kind && m.has(name))
        throw new Error(`${this.typeName}.register${kind}: '${name}' is already registered as a ${k.toLowerCase()}`);
    }
    if (name === 'training') throw new Error(`${this.typeName}.register${kind}: 'training' is reserved`);
    if (!(name in this) || Object.getOwnPropertyDescriptor(this, name)) return;
    throw new Error(
      `${this.typeName}.register${kind}: '${name}' would shadow a method or property of ${this.typeName}`,
    );
  }

  /** The registry of one kind. */
  #store(kind: Kind): Map<string, unknown> {
    return kind === 'Parameter' ? this.#params : kind === 'Buffer' ? this.#buffers : this.#modules;
  }

  /** What `name` is registered as, or null. */
  #kindOf(name: string): Kind | null {
    if (this.#params.has(name)) return 'Parameter';
    if (this.#buffers.has(name)) return 'Buffer';
    return this.#modules.has(name) ? 'Module' : null;
  }

  /** Throws PyTorch's TypeError when `v` cannot be stored as a `kind` named `name`. */
  #check(name: string, kind: Kind, v: unknown): void {
    if (v === null) return;
    if (kind === 'Module') {
      if (!(v instanceof Module))
        throw new TypeError(
          `${this.typeName}: submodule '${name}' must be a Module or null, got ${describe(v)} (to store something else under that name, delete the property first)`,
        );
      if (v === this) throw new Error(`${this.typeName}.registerModule: a module cannot contain itself ('${name}')`);
      return;
    }
    const what = kind === 'Parameter' ? 'parameter' : 'buffer';
    if (!(v instanceof Tensor))
      throw new TypeError(
        `${this.typeName}: ${what} '${name}' must be a Tensor or null, got ${describe(v)} (to store something else under that name, delete the property first)`,
      );
    if (kind === 'Parameter' && v.dtype !== 'float32')
      throw new TypeError(
        `${this.typeName}: parameter '${name}' must be float32, got ${v.dtype} (shape ${fmt(v.shape)}); convert it with .float()`,
      );
  }

  /**
   * Makes `this[name]` read and write the registry entry, as PyTorch's attribute access does;
   * names that are not identifiers ('0' of Sequential) get no property unless `always`.
   */
  private bindProperty(name: string, kind: Kind, always = false): void {
    if (!always && !IDENT.test(name)) return;
    const store = this.#store(kind);
    Object.defineProperty(this, name, {
      configurable: true,
      enumerable: true,
      get: () => store.get(name),
      set: (v: unknown) => this.#assign(name, kind, v),
    });
    this.#bound.add(name);
  }

  /**
   * An assignment to a registered property, with PyTorch's `__setattr__` rules: a Module or an
   * nn.Parameter re-registers the name as that kind; otherwise the value must fit the kind
   * (a Tensor for a parameter or buffer, a Module for a child; null for any).
   */
  #assign(name: string, kind: Kind, v: unknown): void {
    const to: Kind | null = v instanceof Module ? 'Module' : isParameter(v) ? 'Parameter' : null;
    if (to !== null && to !== kind) {
      this.#unregister(name);
      this.#register(to, name, v as Tensor | Module, true);
      return;
    }
    this.#check(name, kind, v);
    if (kind === 'Parameter' && v instanceof Tensor) markParameter(v);
    this.#store(kind).set(name, v);
    if (kind === 'Module') moduleTreeChanged();
  }

  /** Registers `v` as a `kind` (no adoption pass; see the public register methods). */
  #register(kind: Kind, name: string, v: Tensor | Module | null, always: boolean): void {
    this.checkName(kind, name);
    this.#check(name, kind, v);
    if (kind === 'Parameter' && v instanceof Tensor) {
      if (!v.isLeaf)
        throw new Error(
          `${this.typeName}.registerParameter: '${name}' must be a leaf tensor (detach it first, or wrap it: nn.Parameter(t))`,
        );
      // a plain tensor becomes trainable; an nn.Parameter keeps the requiresGrad it was given
      if (!v.requiresGrad && !isParameter(v as unknown)) v.requiresGrad_(true);
      markParameter(v);
    }
    this.#store(kind).set(name, v);
    if (kind === 'Module') moduleTreeChanged();
    this.bindProperty(name, kind, always);
  }

  /** Forgets the registration of `name` (any kind); the property is left as it is. */
  #unregister(name: string): boolean {
    const wasModule = this.#modules.delete(name);
    const was = this.#params.delete(name) || this.#buffers.delete(name) || wasModule;
    this.#nonPersistent.delete(name);
    if (wasModule) moduleTreeChanged();
    return was;
  }

  /**
   * PyTorch's `__setattr__`, done lazily: registers this module's own data properties that hold
   * a Module or an nn.Parameter (in property order), and unregisters names whose property was
   * deleted. Runs before every traversal and explicit registration.
   */
  #adopt(): void {
    const rec = this as unknown as Record<string, unknown>;
    let boundSeen = 0;
    for (const k of Object.keys(this)) {
      if (this.#bound.has(k)) {
        boundSeen++;
        continue;
      }
      const v = rec[k];
      if (!(v instanceof Module) && !isParameter(v)) continue;
      const d = Object.getOwnPropertyDescriptor(this, k);
      // a frozen property cannot become an accessor; a dotted name cannot be a state-dict segment
      if (d === undefined || !('value' in d) || !d.configurable || k.includes('.') || k === 'training') continue;
      const kind: Kind = v instanceof Module ? 'Module' : 'Parameter';
      const cur = this.#kindOf(k);
      if (cur !== null && cur !== kind) this.#unregister(k);
      if (v === this)
        throw new Error(
          `${this.typeName}: property '${k}' holds the module itself; a module cannot contain itself (store a reference elsewhere)`,
        );
      this.#register(kind, k, v, true);
      boundSeen++;
    }
    if (boundSeen === this.#bound.size) return;
    for (const n of [...this.#bound]) {
      if (Object.hasOwn(this, n)) continue;
      // `delete this.fc1`: PyTorch's __delattr__ removes the registration
      this.#bound.delete(n);
      this.#unregister(n);
    }
  }

  /** Registers a trainable tensor (or null, e.g. `bias` when disabled) under a name; returns it. */
  registerParameter<T extends Tensor | null>(name: string, param: T): T {
    this.#adopt();
    this.#register('Parameter', name, param, false);
    return param;
  }

  /** Registers non-trainable state; persistent buffers are saved in stateDict. Returns it. */
  registerBuffer<T extends Tensor | null>(name: string, buffer: T, persistent = true): T {
    this.#adopt();
    this.#register('Buffer', name, buffer, false);
    if (persistent) this.#nonPersistent.delete(name);
    else this.#nonPersistent.add(name);
    return buffer;
  }

  /** Registers a child module under a name (its parameters get the prefix `name.`). Returns it. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.#adopt();
    this.#register('Module', name, module, false);
    return module;
  }

  // ---- traversal ----

  /** Direct children with their names. */
  *namedChildren(): Generator<[string, Module]> {
    this.#adopt();
    const seen = new Set<Module>();
    for (const [n, m] of this.#modules)
      if (m && !seen.has(m)) {
        seen.add(m);
        yield [n, m];
      }
  }

  /** Direct children. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and all descendants, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = '', memo: Set<Module> = new Set()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    this.#adopt();
    yield [prefix, this];
    for (const [n, m] of this.#modules) {
      if (m) yield* m.namedModules(prefix ? `${prefix}.${n}` : n, memo);
    }
  }

  /** This module and all descendants. */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** The tensors in `own(m)` of this module (and its descendants if recurse) with dotted names, shared ones once. */
  *#namedTensors(
    own: (m: Module) => Map<string, Tensor | null>,
    prefix: string,
    recurse: boolean,
  ): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    if (!recurse) this.#adopt();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [n, t] of own(m)) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        yield [mp ? `${mp}.${n}` : n, t];
      }
    }
  }

  /** All parameters with dotted names (shared tensors listed once); recurse=false: own only. */
  *namedParameters(prefix = '', recurse = true): Generator<[string, Tensor]> {
    yield* this.#namedTensors((m) => m.#params, prefix, recurse);
  }

  /** All parameters (what an optimizer trains). */
  parameters(recurse = true): Tensor[] {
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }

  /** All buffers with dotted names. */
  *namedBuffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    yield* this.#namedTensors((m) => m.#buffers, prefix, recurse);
  }

  /** All buffers. */
  buffers(recurse = true): Tensor[] {
    return [...this.namedBuffers('', recurse)].map(([, b]) => b);
  }

  /** The descendant at a dotted path ('' is this module), or a clear error. */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let cur: Module = this;
    for (const part of path.split('.')) {
      cur.#adopt();
      const next = cur.#modules.get(part);
      if (!next)
        throw new Error(`${this.typeName}.getSubmodule: ${cur.typeName} has no submodule '${part}' (path '${path}')`);
      cur = next;
    }
    return cur;
  }

  // ---- modes and gradients ----

  /** Sets training mode on this module and all descendants; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (same as train(false)); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Stops gradients for every parameter (transfer learning: freeze a pretrained trunk). */
  freeze(): this {
    for (const p of this.parameters()) {
      p.requiresGrad = false;
      p.grad = null;
    }
    return this;
  }

  /** Makes every parameter trainable again. */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  /** Clears the gradients of all parameters (sets them to null). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls fn on every descendant, then on this module (as PyTorch's apply); returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Number of parameter values (only those with requiresGrad when trainableOnly). */
  numParameters({ trainableOnly = false }: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  // ---- checkpoints ----

  /**
   * Parameters and persistent buffers by dotted name. The tensors are detached views that
   * share storage with the module (as in PyTorch); pass `{clone: true}` for a snapshot.
   */
  stateDict({ clone = false }: { clone?: boolean } = {}): StateDict {
    const out: StateDict = new Map();
    for (const [mp, m] of this.namedModules()) {
      const put = (n: string, t: Tensor): void => {
        const key = mp ? `${mp}.${n}` : n;
        out.set(key, clone ? new Tensor(t.data.slice(), t.shape) : t.detach());
      };
      for (const [n, p] of m.#params) if (p) put(n, p);
      for (const [n, b] of m.#buffers) if (b && !m.#nonPersistent.has(n)) put(n, b);
    }
    return out;
  }

  /**
   * Copies values from a state dict (a StateDict Map or a plain record) into this module's
   * parameters and buffers in place. Keys are PyTorch's (`layer1.0.bn1.running_mean`); a dict
   * saved by convkit 0.1 is renamed first (one console warning per process; see legacy-names.ts).
   * Shape and dtype mismatches always throw; missing or unexpected keys throw when strict
   * (default) and are returned otherwise. Errors give counts and the first keys of each kind.
   */
  loadStateDict(
    dict: StateDictLike,
    { strict = true, legacyNames = true }: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    let src = toStateDict(`${this.typeName}.loadStateDict`, dict);
    const own = this.stateDict();
    const legacy = legacyNames ? renameLegacyKeys(src, own) : null;
    if (legacy) src = legacy.dict;
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    if (strict && missingKeys.length > 0) errors.push(keyList('missing', missingKeys));
    if (strict && unexpectedKeys.length > 0) errors.push(keyList('unexpected', unexpectedKeys));
    const mismatches: string[] = [];
    for (const [k, dst] of own) {
      const s = src.get(k);
      if (s === undefined) continue;
      if (!(s instanceof Tensor)) {
        mismatches.push(`'${k}' is not a Tensor`);
        continue;
      }
      if (s.shape.length !== dst.shape.length || s.shape.some((d, i) => d !== dst.shape[i])) {
        mismatches.push(`size mismatch for '${k}': checkpoint has shape ${fmt(s.shape)}, model has ${fmt(dst.shape)}`);
      } else if (s.dtype !== dst.dtype) {
        mismatches.push(
          `dtype mismatch for '${k}': checkpoint has ${s.dtype}, model has ${dst.dtype} (convert it with ${dst.dtype === 'float32' ? '.float()' : '.int()'} if that is intended)`,
        );
      }
    }
    if (mismatches.length > 0) {
      const more = mismatches.length > KEYS_SHOWN ? `; ... and ${mismatches.length - KEYS_SHOWN} more` : '';
      errors.push(
        `${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}: ${mismatches.slice(0, KEYS_SHOWN).join('; ')}${more}`,
      );
    }
    if (errors.length > 0) {
      const hint = strict ? prefixHint(missingKeys, unexpectedKeys) : null;
      if (hint) errors.push(hint);
      throw new Error(`${this.typeName}.loadStateDict: ${errors.join('; ')}`);
    }
    noGrad(() => {
      for (const [k, dst] of own) {
        const s = src.get(k);
        if (s) dst.data.set(s.data);
      }
    });
    if (legacy) warnLegacyNames(`the state dict loaded into ${this.typeName}`, legacy.renamed.length);
    return { missingKeys, unexpectedKeys, legacyRenamed: legacy ? legacy.renamed : [] };
  }

  // ---- printing ----

  /** Extra text shown inside the parentheses of toString (layer hyperparameters). */
  extraRepr(): string {
    return '';
  }

  /**
   * A PyTorch-like nested description of the module tree: `Net(\n  (fc1): Linear(...)\n ...)`.
   * `console.log(model)` and `util.inspect` print the same.
   */
  toString(): string {
    return this.#repr(new Set());
  }

  /** toString, with the modules being printed (a module holding an ancestor prints `<cycle>`). */
  #repr(open: Set<Module>): string {
    this.#adopt();
    const kids = [...this.#modules].filter((e): e is [string, Module] => e[1] !== null);
    const extra = this.extraRepr();
    if (kids.length === 0) return `${this.typeName}(${extra})`;
    open.add(this);
    const show = (m: Module): string => (open.has(m) ? `<cycle: ${m.typeName}>` : m.#repr(open));
    const lines = kids.map(([n, m]) => `(${n}): ${show(m).replace(/\n/g, '\n  ')}`);
    open.delete(this);
    if (extra) lines.unshift(extra);
    return `${this.typeName}(\n  ${lines.join('\n  ')}\n)`;
  }

  /** Node's `util.inspect` (and so `console.log`) shows the module tree, as PyTorch's print does. */
  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * Children registered as '0', '1', ... with `append`, `length`, `at(i)` and iteration: the shared
 * machinery of `Sequential` and `ModuleList` (`label` names the container in error messages).
 */
export abstract class IndexedModules extends Module {
  #count = 0;
  readonly #label: string;

  /** Registers `modules` in order; `label` prefixes error messages (e.g. 'Sequential.at'). */
  protected constructor(label: string, modules: readonly Module[]) {
    super();
    this.#label = label;
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end; returns this. */
  append(module: Module): this {
    if (!(module instanceof Module))
      throw new TypeError(`${this.#label}.append: expected a Module, got ${String(module)}`);
    this.registerModule(String(this.#count++), module);
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.#count;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const k = i < 0 ? i + this.#count : i;
    if (!Number.isInteger(k) || k < 0 || k >= this.#count)
      throw new RangeError(`${this.#label}.at: index ${i} is out of range for ${this.#count} modules`);
    return this.getSubmodule(String(k));
  }

  /** Iterates over the modules in order. */
  *[Symbol.iterator](): Iterator<Module> {
    for (let i = 0; i < this.#count; i++) yield this.at(i);
  }
}

/** Runs its modules one after another (indexable with `at(i)`, extendable with `append`). */
export class Sequential extends IndexedModules {
  static override readonly typeName: string = 'Sequential';

  /** `new Sequential(conv, relu, pool, ...)`; the children are named '0', '1', ... */
  constructor(...modules: Module[]) {
    super('Sequential', modules);
  }

  /** Feeds x through every module in turn (fusing layer patterns when no gradient is recorded: nn/fusion.ts). */
  forward(x: Tensor): Tensor {
    if (sequentialRunner !== null) return sequentialRunner(this, x);
    let y = x;
    for (let i = 0; i < this.length; i++) y = this.at(i).call(y);
    return y;
  }
}

let sequentialRunner: ((seq: Sequential, x: Tensor) => Tensor) | null = null;

/**
 * Installs Sequential's forward with inference fusion (nn/fusion.ts registers it: it imports
 * the layer classes, which import this file).
 */
export function setSequentialRunner(run: (seq: Sequential, x: Tensor) => Tensor): void {
  sequentialRunner = run;
}
