/**
 * The optimizer base class: parameter groups that override defaults, per-parameter state,
 * zeroGrad, and a JSON-friendly stateDict keyed by parameter index (as in PyTorch).
 */
import { noGrad } from '../autograd/engine.js';
import { getBackend } from '../backend/index.js';
import { hostArray } from '../backend/webgpu/residency.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { addL1Subgradient, softThresholdArray_, type L1Mode } from './proximal.js';

/** Hyperparameters shared by every optimizer (each subclass adds its own). */
export interface BaseHyper {
  /** Learning rate. */
  lr: number;
  /** The learning rate before any scheduler changed it (set by LR schedulers). */
  initialLr?: number;
  /**
   * L1 penalty lambda * sum |w| on this group's parameters (default 0: none). PyTorch has no
   * such option. With l1Mode 'proximal' (the default) each step is followed by soft
   * thresholding, so weights become exactly 0; elastic net = `l1` plus `weightDecay`
   * (weightDecay = 2 * lambda2 for the lecture's lambda2 * ||W||^2).
   */
  l1?: number;
  /**
   * How `l1` is applied: 'proximal' (proximal gradient / ISTA: after the step, w <- sign(w) *
   * max(|w| - t, 0) with t = lr * l1, per coordinate lr * l1 / (sqrt(v) + eps) for the adaptive
   * optimizers) or 'subgradient' (l1 * sign(w) added to the gradient, like l1Penalty in the loss).
   * With SGD momentum mu the subgradient accumulates in the velocity (about l1 / (1 - mu) per
   * step) while the proximal step shrinks by lr * l1 once per step: compare the two at mu = 0.
   */
  l1Mode?: L1Mode;
}

/** A parameter group as passed to a constructor: params plus overrides of the defaults. */
export type ParamGroupInput<H> = {
  /** The parameters of the group. */
  params: Iterable<Tensor>;
} & Partial<H>;
/** A resolved parameter group: its params and its full set of hyperparameters. */
export type ParamGroup<H> = {
  /** The parameters of the group. */
  params: Tensor[];
} & H;
/** What optimizers accept as parameters: a flat list, or a list of groups. */
export type ParamsInput<H> = Iterable<Tensor> | ParamGroupInput<H>[];

/** One value of per-parameter optimizer state: a buffer or a scalar (e.g. the step count). */
export type StateValue = Float32Array | number;
/** The state an optimizer keeps for one parameter. */
export type ParamState = Record<string, StateValue>;
/** A JSON-able value (plus Float32Array buffers). */
export type HyperValue = number | boolean | string | null | number[];

/** An optimizer checkpoint: state keyed by global parameter index, groups with index lists. */
export interface OptimizerStateDict {
  /** Per-parameter state (buffers and scalars), keyed by the parameter's global index. */
  state: Record<string, ParamState>;
  /** The groups' hyper-parameters, each with the indices of its parameters. */
  paramGroups: ({
    /** Indices of the group's parameters in the optimizer's parameter order. */
    params: number[];
  } & Record<string, HyperValue>)[];
}

function isGroupList<H>(p: ParamsInput<H>): p is ParamGroupInput<H>[] {
  return Array.isArray(p) && p.length > 0 && !(p[0] instanceof Tensor);
}

/** Base class of all optimizers; subclasses implement `updateParam` as a tight loop. */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The resolved parameter groups (edit `lr` etc. here; schedulers do). */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state (buffers, step counts). */
  readonly state = new Map<Tensor, ParamState>();
  /** Default hyperparameters for groups that do not override them. */
  readonly defaults: H;
  /** Name used in error messages. */
  protected readonly name: string;

  /** Builds groups from params (a list of tensors or of `{params, ...overrides}`). */
  constructor(name: string, params: ParamsInput<H>, defaults: H) {
    this.name = name;
    this.defaults = defaults;
    const groups: ParamGroupInput<H>[] = isGroupList(params) ? params : [{ params } as ParamGroupInput<H>];
    if (groups.length === 0 || (groups.length === 1 && [...groups[0].params].length === 0)) {
      throw new RangeError(
        `${name}: got an empty parameter list. The model usually has no registered parameters: ` +
          'layers kept in a plain array, Map or object are not registered (use nn.ModuleList, or registerModule(name, layer) for each), ' +
          'a plain tensor stored on a module is not a parameter (wrap it: nn.Parameter(t)), ' +
          'or a filter such as p.requiresGrad removed them all (a frozen model). ' +
          'Check model.parameters().length and print the model (console.log(model)) to see what it holds',
      );
    }
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (e.g. newly unfrozen layers); unspecified hyperparameters take the defaults. */
  addParamGroup(group: ParamGroupInput<H>): void {
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: parameter groups must contain Tensors`);
      if (p.dtype !== 'float32')
        throw new TypeError(
          `${this.name}: parameter of shape ${fmt(p.shape)} is ${p.dtype}; only float32 tensors can be optimized`,
        );
      if (seen.has(p))
        throw new Error(`${this.name}: a parameter of shape ${fmt(p.shape)} appears in more than one group`);
      seen.add(p);
    }
    const resolved = { ...this.defaults, ...group, params } as ParamGroup<H>;
    for (const [k, v] of Object.entries(resolved)) {
      if (v === undefined)
        (resolved as unknown as Record<string, unknown>)[k] = (this.defaults as Record<string, unknown>)[k];
    }
    this.validate(resolved);
    this.paramGroups.push(resolved);
  }

  /** Checks a group's hyperparameters; throws a RangeError naming the bad one. */
  protected validate(group: ParamGroup<H>): void {
    if (!(group.lr >= 0)) throw new RangeError(`${this.name}: invalid learning rate ${group.lr}`);
    const l1 = group.l1 ?? 0;
    if (typeof l1 !== 'number' || !(l1 >= 0) || !Number.isFinite(l1))
      throw new RangeError(`${this.name}: invalid l1 ${String(l1)} (the L1 lambda must be a finite number >= 0)`);
    const mode = group.l1Mode ?? 'proximal';
    if (mode !== 'proximal' && mode !== 'subgradient')
      throw new RangeError(`${this.name}: unknown l1Mode '${String(mode)}' (expected 'proximal' or 'subgradient')`);
  }

  /**
   * The proximal step of lambda * ||w||_1 after this optimizer's update of one parameter (l1Mode
   * 'proximal'): uniform soft thresholding by lr * lambda here (exact proximal gradient for plain
   * SGD); adaptive optimizers override it with their per-coordinate step sizes.
   */
  protected proximalL1(p: Float32Array, _state: ParamState, group: ParamGroup<H>, lambda: number): void {
    softThresholdArray_(p, group.lr * lambda);
  }

  /** Throws a RangeError naming the first of `keys` whose value in the group is not >= 0. */
  protected requireNonNegative(group: ParamGroup<H>, ...keys: (keyof H & string)[]): void {
    for (const k of keys) {
      const v: unknown = group[k];
      if (!((v as number) >= 0)) throw new RangeError(`${this.name}: invalid ${k} ${String(v)}`);
    }
  }

  /**
   * True when `updateParam` only passes its arrays to backend kernels (the built-in optimizers):
   * the arrays are then not synced to the host (they stay on the GPU with the webgpu backend). A
   * subclass whose `updateParam` reads or writes values itself leaves it false.
   */
  protected readonly updatesWithKernels: boolean = false;

  /** Applies the update to one parameter: p and g are its data and gradient (same length). */
  protected abstract updateParam(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<H>): void;

  /** Performs one optimization step on every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          const grad = param.grad;
          if (grad === null) continue;
          if (grad.size !== param.size) {
            throw new RangeError(
              `${this.name}.step: gradient of shape ${fmt(grad.shape)} does not match parameter of shape ${fmt(param.shape)}`,
            );
          }
          let st = this.state.get(param);
          if (!st) {
            st = {};
            this.state.set(param, st);
          }
          const l1 = group.l1 ?? 0;
          if (l1 === 0 && this.updatesWithKernels) {
            // kernels only: the arrays stay where they are (on the GPU for the webgpu backend)
            this.updateParam(param.storageF32, grad.storageF32, st, group);
            continue;
          }
          // host code reads or writes the arrays: make the host copies current first
          for (const v of Object.values(st)) if (v instanceof Float32Array) hostArray(v);
          const proximal = (group.l1Mode ?? 'proximal') === 'proximal';
          const g = l1 > 0 && !proximal ? addL1Subgradient(param.f32, grad.f32, l1) : grad.f32;
          this.updateParam(param.f32, g, st, group);
          if (l1 > 0 && proximal) {
            for (const v of Object.values(st)) if (v instanceof Float32Array) hostArray(v);
            this.proximalL1(param.f32, st, group, l1);
          }
        }
      }
    });
  }

  /** Clears the gradients of all parameters (sets them to null, like set_to_none=True). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /** A snapshot of hyperparameters and state; buffers are copied Float32Arrays. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups: OptimizerStateDict['paramGroups'] = this.paramGroups.map((g) => {
      const ids: number[] = [];
      for (const p of g.params) {
        if (!index.has(p)) index.set(p, index.size);
        ids.push(index.get(p) as number);
      }
      const out: Record<string, HyperValue> = {};
      for (const [k, v] of Object.entries(g))
        if (k !== 'params') out[k] = Array.isArray(v) ? [...(v as number[])] : (v as HyperValue);
      return { ...out, params: ids };
    });
    const state: Record<string, ParamState> = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(st)) copy[k] = typeof v === 'number' ? v : Float32Array.from(hostArray(v));
      state[String(i)] = copy;
    }
    return { state, paramGroups };
  }

  /** Restores a stateDict produced by an optimizer of the same kind over the same parameters. */
  loadStateDict(sd: OptimizerStateDict): void {
    if (!sd || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new TypeError(`${this.name}.loadStateDict: expected {state, paramGroups}`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${this.name}.loadStateDict: state dict has ${sd.paramGroups.length} parameter groups, optimizer has ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, Tensor>();
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi];
      if (!Array.isArray(sg.params) || sg.params.length !== g.params.length) {
        throw new RangeError(
          `${this.name}.loadStateDict: group ${gi} has ${sg.params?.length} params in the state dict but ${g.params.length} in the optimizer`,
        );
      }
      sg.params.forEach((id, k) => byIndex.set(id, g.params[k]));
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, st] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw new RangeError(`${this.name}.loadStateDict: state for unknown parameter index ${key}`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(st)) {
        if (typeof v === 'number') {
          copy[k] = v;
          continue;
        }
        const arr = v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
        if (arr.length !== p.size) {
          throw new RangeError(
            `${this.name}.loadStateDict: buffer '${k}' of parameter ${key} has ${arr.length} values, parameter of shape ${fmt(p.shape)} has ${p.size}`,
          );
        }
        const buf = getBackend().alloc(arr.length);
        buf.set(arr);
        copy[k] = buf;
      }
      newState.set(p, copy);
    }
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') g[k] = Array.isArray(v) ? [...v] : v;
    });
    this.state.clear();
    for (const [p, st] of newState) this.state.set(p, st);
  }
}

/** Increments the step count kept in a parameter's state (starting from 0) and returns it. */
export function nextStep(state: ParamState): number {
  const step = ((state.step as number | undefined) ?? 0) + 1;
  state.step = step;
  return step;
}

/** The buffer `key` of a parameter's state, created zero-filled (or by `init`) on first use. */
export function buffer(state: ParamState, key: string, n: number, init?: Float32Array): Float32Array {
  const b = state[key];
  if (b instanceof Float32Array) return b;
  // backend storage (wasm memory on the wasm backend), so update kernels run on it without copies
  const fresh = getBackend().alloc(n);
  if (init) fresh.set(init);
  state[key] = fresh;
  return fresh;
}
