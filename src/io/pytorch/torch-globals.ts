/**
 * What a torch.save pickle may name, and what each name does: the allow-list of the restricted
 * unpickler. Storages become StorageRefs (a key into `data/`, a dtype, an element count),
 * `torch._utils._rebuild_tensor*` / `_rebuild_parameter*` become TensorRefs (storage, offset,
 * shape, strides: nothing is read until the tensor is materialised), OrderedDict a PyDict,
 * torch.Size a tuple. Any other name is refused at the GLOBAL opcode, before anything uses it.
 */
import type { UnpickleHooks } from './pickle.js';
import { PyDict, PyGlobal, PyObject, PySet, PyTuple, typeName, type PyValue } from './py-values.js';

/** Element types a torch checkpoint may store that convkit reads. */
export type TorchDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'uint16'
  | 'uint32'
  | 'uint64';

/** Bytes per element. */
export const ITEM_SIZE: Record<TorchDType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
};

/** The storage classes of torch.save's persistent ids (UntypedStorage counts bytes). */
const STORAGE_DTYPE: Record<string, TorchDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** Dtype objects (`torch.float32`), as _rebuild_tensor_v3 names them; aliases included. */
const DTYPE_NAMES: Record<string, TorchDType> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
};

const REBUILD = new Set([
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
]);

/** Every other name a state-dict pickle uses (besides storage classes and dtypes). */
const ALLOWED = new Set([
  ...REBUILD,
  'torch._tensor._rebuild_from_type_v2',
  'collections.OrderedDict',
  'torch.Size',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.device',
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  '_codecs.encode',
]);

/** Storage classes and dtypes torch has that convkit does not read (a clear error rather than "refusing"). */
const UNREAD_TYPE =
  /^((Complex|QInt|QUInt|Float8)\w*Storage|float8_\w+|float4_\w+|complex\d*|cfloat|cdouble|chalf|q(u)?int\w+|u?int[1-7]|bits\w+)$/;

/** One storage of the checkpoint: the bytes of `data/<key>` viewed as `dtype`. */
export class StorageRef extends PyObject {
  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    /** Elements (bytes for UntypedStorage). */
    readonly numel: number,
    readonly untyped: boolean,
  ) {
    super();
  }
  get nbytes(): number {
    return this.numel * ITEM_SIZE[this.dtype];
  }
  describe(): string {
    return `storage '${this.key}'`;
  }
}

/** A tensor as the pickle describes it: a strided view of a storage, read when materialised. */
export class TensorRef extends PyObject {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: TorchDType,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {
    super();
  }
  describe(): string {
    return `tensor [${this.shape.join(', ')}] ${this.dtype}`;
  }
}

/** The hooks that make a torch.save pickle into PyDicts of TensorRefs; `fail` names the file. */
export function torchHooks(fail: (msg: string) => never): UnpickleHooks {
  const storages = new Map<string, StorageRef>();
  const globals = new Map<string, PyGlobal>();

  const ints = (v: PyValue, what: string, allowEmpty = true): number[] => {
    const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
    if (!items || (!allowEmpty && items.length === 0)) return fail(`${what} is a ${typeName(v)}, not a tuple of ints`);
    if (items.length > 64) return fail(`${what} has ${items.length} dimensions (at most 64 are read)`);
    return items.map((d) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
        return fail(`${what} contains ${typeof d === 'bigint' ? String(d) : typeName(d)}, not a non-negative int`);
      return d;
    });
  };
  const argCount = (g: PyGlobal, args: PyTuple, min: number, max: number): readonly PyValue[] => {
    if (args.items.length < min || args.items.length > max)
      fail(
        `'${g.path}' called with ${args.items.length} arguments (expected ${min === max ? min : `${min} to ${max}`})`,
      );
    return args.items;
  };
  const rebuild = (g: PyGlobal, args: PyTuple): TensorRef => {
    switch (g.name) {
      case '_rebuild_parameter':
      case '_rebuild_parameter_with_state': {
        const [data] = argCount(g, args, 1, 4);
        if (!(data instanceof TensorRef)) return fail(`'${g.path}' given a ${typeName(data)}, not a tensor`);
        return data;
      }
      default: {
        const v3 = g.name === '_rebuild_tensor_v3';
        const a = argCount(g, args, 4, g.name === '_rebuild_tensor' ? 4 : v3 ? 8 : 7);
        const [storage, offset] = a;
        if (!(storage instanceof StorageRef)) return fail(`'${g.path}' given a ${typeName(storage)}, not a storage`);
        if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
          return fail(`'${g.path}' given storage offset ${typeName(offset)} ${String(offset)}`);
        const shape = ints(a[2], 'tensor size');
        const stride = ints(a[3], 'tensor stride');
        if (stride.length !== shape.length)
          return fail(`tensor size [${shape.join(', ')}] and stride [${stride.join(', ')}] differ in length`);
        let dtype = storage.dtype;
        if (v3) {
          const d = a[6];
          if (!(d instanceof PyGlobal) || !(d.name in DTYPE_NAMES))
            return fail(`'${g.path}' given dtype ${typeName(d)}, not a torch dtype`);
          dtype = DTYPE_NAMES[d.name];
          if (!storage.untyped && storage.dtype !== dtype)
            return fail(`'${g.path}': a ${dtype} tensor on a ${storage.dtype} storage '${storage.key}'`);
        } else if (storage.untyped) {
          return fail(`'${g.path}' given an untyped storage '${storage.key}' without a dtype`);
        }
        return new TensorRef(storage, dtype, offset, shape, stride);
      }
    }
  };

  return {
    findClass(module, name) {
      const path = `${module}.${name}`;
      const known = globals.get(path);
      if (known) return known;
      const ok =
        ALLOWED.has(path) ||
        (module === 'torch' && (name in STORAGE_DTYPE || name in DTYPE_NAMES)) ||
        path === 'torch.tensor._rebuild_from_type_v2'; // torch's own load maps torch.tensor to torch._tensor
      if (!ok) {
        if (module === 'torch' && UNREAD_TYPE.test(name))
          fail(
            `'${path}' (a complex, quantized, float8 or sub-byte type) is not read; convert those tensors to float32 in python before saving`,
          );
        const wholeModel = /^(torch\.nn\.|torchvision\.|__main__$)/.test(module) || /^[A-Z]/.test(name);
        fail(
          `refusing to load global '${path}' (only tensors and state dicts are read; nothing in the file is run)` +
            (wholeModel
              ? '; if the file holds a whole model (torch.save(model)), save its weights in python, from a source you trust: ' +
                'torch.save(torch.load(path, weights_only=False).state_dict(), "weights.pth")'
              : ''),
        );
      }
      const g = new PyGlobal(module === 'torch.tensor' ? 'torch._tensor' : module, name);
      globals.set(path, g);
      return g;
    },

    persistentLoad(pid) {
      const items = pid instanceof PyTuple ? pid.items : null;
      if (!items || items[0] !== 'storage' || items.length !== 5)
        return fail(`persistent id ${typeName(pid)} is not ('storage', type, key, location, numel)`);
      const [, type, key, , numel] = items;
      if (!(type instanceof PyGlobal) || !(type.name in STORAGE_DTYPE))
        return fail(`persistent id names storage type ${typeName(type)}, not a torch storage class`);
      if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key))
        return fail(
          `storage key ${JSON.stringify(typeof key === 'string' ? key.slice(0, 70) : typeName(key))} is not a plain name`,
        );
      if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
        return fail(
          `storage '${key}' has element count ${typeof numel === 'bigint' ? String(numel) : typeName(numel)}`,
        );
      const dtype = STORAGE_DTYPE[type.name];
      const known = storages.get(key);
      if (known) {
        if (known.dtype !== dtype || known.numel !== numel)
          fail(
            `storage '${key}' is named twice with different types or sizes (${known.dtype}×${known.numel}, ${dtype}×${numel})`,
          );
        return known;
      }
      const s = new StorageRef(key, dtype, numel, type.name === 'UntypedStorage');
      storages.set(key, s);
      return s;
    },

    reduce(callable, args) {
      if (!(callable instanceof PyGlobal)) return fail(`REDUCE calls a ${typeName(callable)}, not a known function`);
      const path = callable.path;
      if (REBUILD.has(path)) return rebuild(callable, args);
      switch (path) {
        case 'collections.OrderedDict': {
          const d = new PyDict();
          const [items] = argCount(callable, args, 0, 1);
          if (items !== undefined) {
            const list = Array.isArray(items) ? items : items instanceof PyTuple ? items.items : null;
            if (!list) return fail(`'${path}' given a ${typeName(items)}`);
            for (const kv of list) {
              if (!(kv instanceof PyTuple) || kv.items.length !== 2) return fail(`'${path}' item is not a pair`);
              const k = kv.items[0];
              if (k !== null && typeof k === 'object') return fail(`'${path}' key is a ${typeName(k)}`);
              d.map.set(k, kv.items[1]);
            }
          }
          return d;
        }
        case 'builtins.set':
        case 'builtins.frozenset': {
          const [items] = argCount(callable, args, 0, 1);
          if (items === undefined) return new PySet([]);
          const list = Array.isArray(items) ? items : items instanceof PyTuple ? items.items : null;
          if (!list) return fail(`'${path}' given a ${typeName(items)}`);
          return new PySet([...list]);
        }
        case 'torch.Size':
          return new PyTuple(ints(argCount(callable, args, 1, 1)[0], 'torch.Size'));
        case 'torch.device': {
          const a = argCount(callable, args, 1, 2);
          return a.map((x) => String(x)).join(':');
        }
        case '_codecs.encode': {
          const [text, enc] = argCount(callable, args, 1, 2);
          if (typeof text !== 'string' || (enc !== undefined && enc !== 'latin1' && enc !== 'latin-1'))
            return fail(`'${path}' given ${typeName(text)}, ${typeName(enc ?? null)} (only latin1 text is decoded)`);
          return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
        }
        case 'builtins.bytearray': {
          const [b] = argCount(callable, args, 0, 1);
          if (b === undefined) return new Uint8Array(0);
          if (!(b instanceof Uint8Array)) return fail(`'${path}' given a ${typeName(b)}`);
          return b;
        }
        case 'torch._tensor._rebuild_from_type_v2': {
          const [func, type, inner] = argCount(callable, args, 3, 4);
          if (
            !(type instanceof PyGlobal) ||
            (type.path !== 'torch.Tensor' && type.path !== 'torch.nn.parameter.Parameter')
          )
            return fail(`'${path}' rebuilds a ${typeName(type)} (only torch.Tensor and Parameter are read)`);
          if (!(func instanceof PyGlobal) || !REBUILD.has(func.path) || !(inner instanceof PyTuple))
            return fail(
              `'${path}' given ${typeName(func)} (expected a torch._utils._rebuild_* function and its arguments)`,
            );
          return rebuild(func, inner);
        }
        default:
          return fail(`'${path}' cannot be called while reading a state dict`);
      }
    },

    newObj(cls, args) {
      const path = cls instanceof PyGlobal ? cls.path : typeName(cls);
      if (path === 'collections.OrderedDict' && args.items.length === 0) return new PyDict();
      if (path === 'builtins.set' && args.items.length === 0) return new PySet([]);
      if (path === 'torch.nn.parameter.Parameter' && args.items[0] instanceof TensorRef) return args.items[0];
      return fail(
        `NEWOBJ of ${path.startsWith("'") ? path : `'${path}'`} with ${args.items.length} arguments is not read`,
      );
    },

    build(obj, state) {
      if (obj instanceof PyDict) obj.attrs = state;
      else if (!(obj instanceof TensorRef)) fail(`BUILD on a ${typeName(obj)} is not read`);
    },
  };
}
