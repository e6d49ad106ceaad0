/**
 * The values the restricted unpickler builds (src/io/pytorch/pickle.ts): Python's None, bool,
 * int, float, str and bytes as JS primitives and Uint8Array, containers as the classes below,
 * and names and objects only as the hooks made them (PyGlobal, PyObject subclasses).
 */

/** A Python tuple. */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A Python dict or OrderedDict (insertion order kept); `attrs` holds what BUILD set on it (e.g. `_metadata`). */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  attrs: PyValue = null;
}

/** A Python set or frozenset. */
export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/** A name the hooks accepted (GLOBAL / STACK_GLOBAL), e.g. `collections.OrderedDict`. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get path(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Objects the hooks make (tensors, storages): opaque to the unpickler. */
export abstract class PyObject {
  abstract describe(): string;
}

/** What unpickling yields: None is null, int is number (bigint past 2**53), bytes are Uint8Array, list is an array. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyTuple
  | PyValue[]
  | PyDict
  | PySet
  | PyGlobal
  | PyObject;

/** A short name for a value's type, for error messages. */
export function typeName(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PySet) return 'set';
  if (v instanceof PyGlobal) return `'${v.path}'`;
  if (v instanceof PyObject) return v.describe();
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  return 'str';
}
