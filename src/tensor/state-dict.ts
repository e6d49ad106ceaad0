/**
 * The one state-dict type: what Module.stateDict returns, loadStateDict reads, checkpoints and
 * io.saveSafetensors write. Names are dotted paths (`features.0.weight`) in registration order.
 */
import { describeValue } from './ops/check.js';
import { Tensor } from './tensor.js';

/** Parameter and buffer names (dotted, registration order) to tensors, like PyTorch's OrderedDict. */
export type StateDict = Map<string, Tensor>;

/** What a function that reads a state dict accepts: a StateDict or a plain record of tensors. */
export type StateDictLike = StateDict | Readonly<Record<string, Tensor>>;

/** The StateDict behind a StateDictLike (the same Map when given one); every value must be a Tensor. */
export function toStateDict(op: string, dict: unknown): StateDict {
  if (dict instanceof Map) {
    for (const [k, v] of dict) {
      if (typeof k !== 'string') throw new TypeError(`${op}: state dict keys must be strings, got ${describeValue(k)}`);
      if (!(v instanceof Tensor)) throw new TypeError(`${op}: '${k}' is not a Tensor (got ${describeValue(v)})`);
    }
    return dict as StateDict;
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict) || dict instanceof Tensor) {
    throw new TypeError(
      `${op}: expected a state dict (a Map or a record of names to Tensors), got ${describeValue(dict)}`,
    );
  }
  const out: StateDict = new Map();
  for (const [k, v] of Object.entries(dict)) {
    if (!(v instanceof Tensor)) throw new TypeError(`${op}: '${k}' is not a Tensor (got ${describeValue(v)})`);
    out.set(k, v);
  }
  return out;
}
