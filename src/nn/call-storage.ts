/**
 * Storage of a module call: what the outermost `Module.call` allocated is given back when the
 * call no longer needs it, so memory stays flat without the garbage collector (see
 * tensor/alloc.ts for the mechanism, autograd/engine.ts for `freeWithGraph`).
 *
 * Kept: the output, every tensor a hook saw, and every tensor stored on a module reached
 * from the called one (parameters, buffers, and any property holding a tensor directly or in
 * an array, Map or plain object, e.g. GoogLeNet's `auxOutputs`). Everything else the forward
 * allocated is an intermediate: recycled now when no kept tensor has a graph, else when
 * backward releases the graphs of the kept tensors that have one. A forward that wants to keep
 * a tensor for later therefore stores it on its module (or returns it); nothing is declared
 * per layer class.
 */
import { freeWithGraph } from '../autograd/engine.js';
import { closeScope, openScope, recycle, type StorageScope } from '../tensor/alloc.js';
import { Tensor, type TensorData } from '../tensor/tensor.js';
import type { Module } from './module.js';

/** The outermost module call in progress. */
interface CallState {
  readonly scope: StorageScope;
  /** Tensors handed to hooks (user code may keep them). */
  readonly hooked: Tensor[];
}

let active: CallState | null = null;

/** Whether a module call is in progress (nested calls share the outermost call's scope). */
export function inModuleCall(): boolean {
  return active !== null;
}

/** Notes tensors handed to a hook: the call keeps their storage. */
export function noteHooked(tensors: readonly Tensor[]): void {
  if (active !== null) for (const t of tensors) active.hooked.push(t);
}

/** Runs `run` (the forward of `root` with its hooks) as the outermost call and settles its storage. */
export function outermostCall(root: Module, run: () => Tensor): Tensor {
  const state: CallState = { scope: openScope(), hooked: [] };
  active = state;
  let out: Tensor;
  try {
    out = run();
  } finally {
    active = null;
    closeScope(state.scope);
  }
  // a forward that failed, or returned something else, leaves its storage to the GC
  if (state.scope.storages.size > 0 && out instanceof Tensor) settle(root, state, out);
  return out;
}

function settle(root: Module, state: CallState, out: Tensor): void {
  const keep = new Set<TensorData>();
  const roots = new Set<Tensor>();
  const hold = (t: Tensor): void => {
    keep.add(t.storageRaw());
    if (t.gradFn !== null) roots.add(t);
  };
  hold(out);
  for (const t of state.hooked) hold(t);
  holdModuleState(root, hold);
  const dead = state.scope.unkept(keep);
  if (dead.length === 0) return;
  if (roots.size === 0) for (const d of dead) recycle(d);
  else freeWithGraph([...roots], dead);
}

/** Bumped whenever a submodule is registered or replaced anywhere (invalidates `trees`). */
let treeVersion = 0;

/** Called by Module when a submodule is registered or assigned. */
export function moduleTreeChanged(): void {
  treeVersion++;
}

/** Each called module's registered descendants (itself included), while no tree changed. */
const trees = new WeakMap<Module, { version: number; modules: Set<Module> }>();

function treeOf(root: Module): Set<Module> {
  const hit = trees.get(root);
  if (hit !== undefined && hit.version === treeVersion) return hit.modules;
  const modules = new Set<Module>();
  const add = (m: Module): void => {
    if (modules.has(m)) return;
    modules.add(m);
    for (const c of m.children()) add(c);
  };
  add(root);
  trees.set(root, { version: treeVersion, modules });
  return modules;
}

/** One walk over module state: the called module's tree, and modules found outside it. */
interface Walk {
  readonly hold: (t: Tensor) => void;
  readonly tree: Set<Module>;
  extra: Set<Module> | null;
}

/** Holds every tensor stored on the modules of root's tree (see the file comment). */
function holdModuleState(root: Module, hold: (t: Tensor) => void): void {
  const walk: Walk = { hold, tree: treeOf(root), extra: null };
  for (const m of walk.tree) holdProperties(m, walk);
}

/** Holds the tensors in m's own properties; a module held there but outside the tree is walked too. */
function holdProperties(m: Module, walk: Walk): void {
  const rec = m as unknown as Record<string, unknown>;
  for (const k of Object.keys(m)) holdValue(rec[k], walk, true);
}

function holdValue(v: unknown, walk: Walk, nested: boolean): void {
  if (typeof v !== 'object' || v === null) return;
  if (v instanceof Tensor) {
    walk.hold(v);
    return;
  }
  if (isModule(v)) {
    if (walk.tree.has(v) || walk.extra?.has(v) === true) return;
    (walk.extra ??= new Set()).add(v);
    for (const c of v.children()) holdValue(c, walk, false);
    holdProperties(v, walk);
    return;
  }
  if (!nested) return;
  if (Array.isArray(v)) for (const e of v) holdValue(e, walk, false);
  else if (v instanceof Map) for (const e of v.values()) holdValue(e, walk, false);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v)) holdValue(e, walk, false);
}

function isModule(v: object): v is Module {
  return (
    typeof (v as { children?: unknown }).children === 'function' &&
    typeof (v as { forward?: unknown }).forward === 'function'
  );
}
