/**
 * Training checkpoints: model weights, optimizer state, epoch, RNG state, callback state and
 * History in ONE safetensors file. Weights keep their plain names (so a checkpoint is also a
 * weights file), optimizer buffers are stored as `__optimizer__.<param>.<buffer>` tensors,
 * tensors in a callback's state (EarlyStopping's best weights) as
 * `__callback__.<index>.<key>.<name>`, and everything else is JSON in the header metadata
 * under `convkit.checkpoint`.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict, ParamState } from '../optim/optimizer.js';
import { getRngState, setRngState, type RngState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import type { Callback } from './callback.js';
import { History } from './history.js';
import { findNonFinite } from './non-finite.js';
import { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js';
import { toStateDict, type StateDict } from '../tensor/state-dict.js';
import { loadWeightsFile } from '../io/pytorch/weights-file.js';
import { requireFs } from '../platform.js';

/** Metadata key holding the checkpoint JSON. */
export const CHECKPOINT_KEY = 'convkit.checkpoint';
const OPT_PREFIX = '__optimizer__.';
const CB_PREFIX = '__callback__.';

/** The JSON placeholder of a callback-state entry whose tensors are stored beside the weights. */
interface TensorMapRef {
  $tensors: string[];
}

function isTensorMap(v: unknown): v is Map<string, Tensor> {
  if (!(v instanceof Map) || v.size === 0) return false;
  for (const [k, t] of v) if (typeof k !== 'string' || !(t instanceof Tensor)) return false;
  return true;
}

function isTensorMapRef(v: unknown): v is TensorMapRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as TensorMapRef).$tensors) &&
    (v as TensorMapRef).$tensors.every((k) => typeof k === 'string')
  );
}

/** The JSON part of a checkpoint. */
export interface CheckpointMeta {
  /** Marks the file as a convkit checkpoint. */
  format: 'convkit-checkpoint';
  /** Version of this layout. */
  version: 1;
  /** The last completed epoch (0-based); resuming starts at epoch + 1. */
  epoch: number;
  /** Global generator state at the end of that epoch. */
  rng: RngState;
  /** Optimizer groups and scalar per-parameter state (buffers are tensors). */
  optimizer: {
    /** The optimizer's parameter groups (hyper-parameters and parameter indices). */
    paramGroups: OptimizerStateDict['paramGroups'];
    /** Scalar state per parameter index (e.g. Adam's step count), by state name. */
    scalars: Record<string, Record<string, number>>;
  } | null;
  /**
   * State of each callback that has one, by position and class name; an entry that was a Map of
   * tensors (EarlyStopping's bestWeights) is `{$tensors: names}`, its tensors stored as
   * `__callback__.<index>.<key>.<name>`.
   */
  callbacks: {
    /** Position of the callback in the callbacks list. */
    index: number;
    /** The callback's class name (checked on restore). */
    type: string;
    /** The callback's JSON state. */
    state: Record<string, unknown>;
  }[];
  /** Per-epoch logs so far. */
  history: ReturnType<History['toJSON']>;
}

/** A checkpoint in memory: tensors by name plus metadata. */
export interface Checkpoint {
  /** Model weights, optimizer buffers and callback tensors, by name. */
  tensors: StateDict;
  /** Everything else: epoch, RNG, optimizer scalars, callback state, history. */
  meta: CheckpointMeta;
  /** Other string metadata stored in the file's header (e.g. what the CLI needs to rebuild the model). */
  metadata?: Record<string, string>;
}

/** What a checkpoint is taken from. */
export interface CheckpointSource {
  /** The model whose weights are saved. */
  model: Module;
  /** The optimizer whose state is saved (none: not saved). */
  optimizer?: Optimizer | null;
  /** The last completed epoch (0-based). */
  epoch: number;
  /** Callbacks whose state is saved (those that have state). */
  callbacks?: readonly Callback[];
  /** The per-epoch logs so far. */
  history?: History;
}

/** Snapshots model, optimizer, RNG, callbacks and history (copies, safe to keep). */
export function captureCheckpoint(src: CheckpointSource): Checkpoint {
  const tensors: StateDict = new Map();
  for (const [k, t] of src.model.stateDict({ clone: true })) {
    if (k.startsWith(OPT_PREFIX) || k.startsWith(CB_PREFIX))
      throw new Error(
        `captureCheckpoint: model key '${k}' clashes with the checkpoint's '${k.startsWith(OPT_PREFIX) ? OPT_PREFIX : CB_PREFIX}' prefix; rename that submodule`,
      );
    tensors.set(k, t);
  }
  let optimizer: CheckpointMeta['optimizer'] = null;
  if (src.optimizer) {
    const sd = src.optimizer.stateDict();
    const scalars: Record<string, Record<string, number>> = {};
    for (const [i, st] of Object.entries(sd.state)) {
      for (const [k, v] of Object.entries(st)) {
        if (typeof v === 'number') (scalars[i] ??= {})[k] = v;
        else tensors.set(`${OPT_PREFIX}${i}.${k}`, new Tensor(v, [v.length]));
      }
      scalars[i] ??= {};
    }
    optimizer = { paramGroups: sd.paramGroups, scalars };
  }
  const callbacks: CheckpointMeta['callbacks'] = [];
  (src.callbacks ?? []).forEach((cb, index) => {
    const raw = cb.stateDict();
    if (!raw) return;
    const state: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (!isTensorMap(value)) {
        state[key] = value;
        continue;
      }
      if (key.includes('.'))
        throw new Error(
          `captureCheckpoint: ${cb.constructor.name}.stateDict() key '${key}' holds tensors and must not contain '.'`,
        );
      for (const [name, t] of value) tensors.set(`${CB_PREFIX}${index}.${key}.${name}`, t.clone());
      state[key] = { $tensors: [...value.keys()] } satisfies TensorMapRef;
    }
    callbacks.push({ index, type: cb.constructor.name, state });
  });
  return {
    tensors,
    meta: {
      format: 'convkit-checkpoint',
      version: 1,
      epoch: src.epoch,
      rng: getRngState(),
      optimizer,
      callbacks,
      history: (src.history ?? new History()).toJSON(),
    },
  };
}

/** Where a checkpoint is restored into. */
export interface CheckpointTarget {
  /** The model to load the weights into (strictly). */
  model: Module;
  /** The optimizer to restore (its parameters must match the saved ones). */
  optimizer?: Optimizer | null;
  /** The callbacks to restore, in the order they were saved. */
  callbacks?: readonly Callback[];
}

/** Loads weights, optimizer state, callback state and the RNG; returns the epoch and history. */
export function restoreCheckpoint(
  ck: Checkpoint,
  target: CheckpointTarget,
): {
  /** The last completed epoch of the checkpoint. */
  epoch: number;
  /** The per-epoch logs up to it. */
  history: History;
} {
  const m = ck.meta;
  if (!m || m.format !== 'convkit-checkpoint')
    throw new TypeError(
      'restoreCheckpoint: not a convkit training checkpoint (no convkit.checkpoint metadata); use loadWeights for a weights-only file',
    );
  target.model.loadStateDict(modelTensors(ck.tensors));
  if (target.optimizer) {
    if (!m.optimizer) throw new Error('restoreCheckpoint: the checkpoint has no optimizer state');
    const state: Record<string, ParamState> = {};
    for (const [i, sc] of Object.entries(m.optimizer.scalars)) state[i] = { ...sc };
    for (const [k, t] of ck.tensors) {
      if (!k.startsWith(OPT_PREFIX)) continue;
      const rest = k.slice(OPT_PREFIX.length);
      const dot = rest.indexOf('.');
      const i = rest.slice(0, dot),
        name = rest.slice(dot + 1);
      (state[i] ??= {})[name] = Float32Array.from(t.f32);
    }
    target.optimizer.loadStateDict({ state, paramGroups: m.optimizer.paramGroups });
  }
  const cbs = target.callbacks ?? [];
  for (const entry of m.callbacks) {
    const state = callbackState(ck, entry);
    const cb = cbs[entry.index];
    if (cb && cb.constructor.name === entry.type) cb.loadStateDict(state);
    else {
      const match = cbs.find((c) => c.constructor.name === entry.type);
      if (match) match.loadStateDict(state);
    }
  }
  setRngState(m.rng);
  return { epoch: m.epoch, history: History.fromJSON(m.history) };
}

/** A callback's stored state with its tensor maps rebuilt from the checkpoint's tensors. */
function callbackState(ck: Checkpoint, entry: CheckpointMeta['callbacks'][number]): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.state)) {
    if (!isTensorMapRef(value)) {
      state[key] = value;
      continue;
    }
    const map: StateDict = new Map();
    for (const name of value.$tensors) {
      const full = `${CB_PREFIX}${entry.index}.${key}.${name}`;
      const t = ck.tensors.get(full);
      if (!t)
        throw new RangeError(
          `restoreCheckpoint: ${entry.type}'s '${key}' lists tensor '${name}' but the checkpoint has no '${full}' (a truncated or edited file)`,
        );
      map.set(name, t);
    }
    state[key] = map;
  }
  return state;
}

/** The model's tensors of a checkpoint or weights file (optimizer and callback entries removed). */
export function modelTensors(tensors: StateDict): StateDict {
  const out: StateDict = new Map();
  for (const [k, t] of tensors) if (!k.startsWith(OPT_PREFIX) && !k.startsWith(CB_PREFIX)) out.set(k, t);
  return out;
}

/** Options of saveWeights and saveCheckpoint. */
export interface SaveOptions {
  /** Save even when a weight is NaN or infinite (default false: refuse, leaving the file unchanged). */
  allowNonFinite?: boolean;
}

/** Refuses to write NaN or infinite weights over a file (a diverged run must not replace good work). */
function refuseNonFinite(op: string, path: string, tensors: StateDict, options: SaveOptions): void {
  if (options.allowNonFinite) return;
  const bad = findNonFinite(modelTensors(tensors));
  if (bad)
    throw new RangeError(
      `${op}(${path}): weight '${bad[0]}' holds ${bad[1]}; not saved, the file is unchanged (the run diverged: lower the learning rate; pass allowNonFinite to save anyway)`,
    );
}

/** Writes a checkpoint to one safetensors file (atomically); refuses non-finite weights. */
export async function saveCheckpoint(path: string, ck: Checkpoint, options: SaveOptions = {}): Promise<void> {
  requireFs('saveCheckpoint'); // outside Node: this op's own error, not that of the file writer it calls
  refuseNonFinite('saveCheckpoint', path, ck.tensors, options);
  await writeSafetensorsFile(path, ck.tensors, { ...ck.metadata, [CHECKPOINT_KEY]: JSON.stringify(ck.meta) });
}

/** Reads a checkpoint written by saveCheckpoint / ModelCheckpoint. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  requireFs('loadCheckpoint');
  const { tensors, metadata } = await readSafetensorsFile(path);
  const json = metadata[CHECKPOINT_KEY];
  if (json === undefined)
    throw new TypeError(
      `loadCheckpoint: ${path} is a weights file without training state (no '${CHECKPOINT_KEY}' metadata)`,
    );
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(json) as CheckpointMeta;
  } catch (e) {
    throw new TypeError(
      `loadCheckpoint: ${path} has malformed '${CHECKPOINT_KEY}' metadata: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const rest = { ...metadata };
  delete rest[CHECKPOINT_KEY];
  return { tensors, meta, metadata: rest };
}

/** Saves the model's weights (parameters and persistent buffers) as safetensors, atomically; refuses non-finite weights. */
export async function saveWeights(
  model: Module,
  path: string,
  metadata: Record<string, string> = {},
  options: SaveOptions = {},
): Promise<void> {
  requireFs('saveWeights');
  const sd = model.stateDict();
  refuseNonFinite('saveWeights', path, sd, options);
  await writeSafetensorsFile(path, sd, metadata);
}

/** Options of loadWeights. */
export interface LoadWeightsFromFileOptions {
  /** Every key of the model must be in the file and every key of the file in the model (default true). */
  strict?: boolean;
  /** PyTorch files: the top-level key holding the state dict (default: found, see io.readTorchCheckpoint). */
  key?: string;
  /** PyTorch files: a prefix removed from every key, e.g. 'module.' for a DataParallel checkpoint. */
  stripPrefix?: string;
}

/**
 * Loads weights into the model (strict by default) from a safetensors weights file or checkpoint,
 * or from a PyTorch `torch.save` file (zip content, or a .pt/.pth/.bin name), read without
 * running any code in it. Returns the safetensors metadata (empty for PyTorch files).
 */
export async function loadWeights(
  model: Module,
  path: string,
  { strict = true, key, stripPrefix }: LoadWeightsFromFileOptions = {},
): Promise<Record<string, string>> {
  requireFs('loadWeights');
  const { tensors, metadata, format } = await loadWeightsFile(path, { key, stripPrefix });
  try {
    model.loadStateDict(modelTensors(toStateDict('loadWeights', tensors)), { strict });
  } catch (e) {
    const keys = Object.keys(tensors);
    const hint =
      format === 'pytorch' && !stripPrefix && keys.length > 0 && keys.every((k) => k.startsWith('module.'))
        ? " (every key in the file starts with 'module.': a DataParallel checkpoint; pass stripPrefix: 'module.')"
        : '';
    throw new Error(`loadWeights(${path}): ${e instanceof Error ? e.message : String(e)}${hint}`);
  }
  return metadata;
}
