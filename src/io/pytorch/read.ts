/**
 * The public reader of `torch.save` files: the zip archive (`<root>/data.pkl`, `<root>/data/<key>`,
 * `<root>/version`, `<root>/byteorder`; the root folder is the file's stem and varies), the
 * restricted unpickler, then the state dict found in the result and materialised as convkit
 * tensors. Rules:
 * - The state dict is the top-level dict when all its values are tensors; otherwise the first of
 *   `options.key`, `state_dict`, `model_state_dict`, `model`, `module`, `net`, `network`, `weights`
 *   that holds one (searched in nested checkpoint dicts too, e.g. `{"model": {"state_dict": ...}}`).
 *   Nothing found is an error listing the top-level keys.
 * - Keys are kept as stored; a `module.` prefix (DataParallel) is removed only when asked
 *   (`stripPrefix: 'module.'`).
 * - Legacy (non-zip, before PyTorch 1.6) files and TorchScript archives are refused with the
 *   python line that re-saves them; so is a whole pickled model (torch.save(model)).
 * - Limits: at most `maxBytes` (4 GiB) read from the archive, and neither the entries read nor
 *   the tensors copied out may take more than 16 times the file's size (+16 MiB): zip bombs and
 *   stride-0 views of tiny storages are errors before anything large is allocated. Each tensor
 *   also passes src/tensor/limits.ts (MAX_TENSOR_ELEMENTS, CONVKIT_MAX_TENSOR_MB).
 * - Values: float32 as stored, float16/bfloat16/float64 converted to float32; int64, int32,
 *   int16, int8, uint8, bool (and uint16/32/64 of torch 2.3+) to int32, an error naming the
 *   tensor for a value out of int32 range. Strides and offsets are honoured; every tensor is a
 *   contiguous copy (tensors that shared a storage in PyTorch do not share it here).
 */
import { checkAllocation } from '../../tensor/limits.js';
import type { StateDict } from '../../tensor/state-dict.js';
import { unpickle } from './pickle.js';
import { PyDict, PyTuple, type PyValue } from './py-values.js';
import { materialize, StorageCache } from './storage.js';
import { TensorRef, torchHooks, type StorageRef, type TorchDType } from './torch-globals.js';
import { isZip, ZipReader } from './zip.js';

export type { TorchDType } from './torch-globals.js';

/** Options of readTorchCheckpoint. */
export interface TorchCheckpointOptions {
  /** Top-level key that holds the state dict (e.g. 'state_dict', 'model_ema'); default: found as described above. */
  key?: string;
  /** A prefix removed from every key that starts with it, e.g. 'module.' for a DataParallel checkpoint. */
  stripPrefix?: string;
  /** The file's name or path, used in error messages (default 'checkpoint'). */
  name?: string;
  /** Most bytes of tensor data and pickle read from the archive, together (default 4 GiB). */
  maxBytes?: number;
}

/** Everything readTorchCheckpointContents finds. */
export interface TorchCheckpointContents {
  /** The state dict: float32 tensors (float16/bfloat16/float64 converted) and int32 tensors (integer and bool types). */
  tensors: StateDict;
  /** Each tensor's dtype as stored in the file. */
  dtypes: Record<string, TorchDType>;
  /** Where the state dict was found: the path of keys from the top (empty: the top level is the state dict). */
  key: string[];
  /** The top-level dict's keys (strings and numbers as text). */
  topLevelKeys: string[];
  /** Scalar entries of the top-level dict beside the state dict (e.g. epoch, best accuracy, arch). */
  info: Record<string, string | number | boolean | null>;
  /** The archive's format version (`<root>/version`), e.g. '3'. */
  version: string;
}

/** Default cap on bytes read from the archive. */
export const TORCH_MAX_BYTES = 4 * 2 ** 30;
/** Largest data.pkl read (a state dict's pickle is about 100 bytes per tensor). */
const MAX_PICKLE_BYTES = 256 * 2 ** 20;
const CANDIDATE_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'network', 'weights'];
const MAX_DEPTH = 4;
/** How many times its size a file's tensors may take once copied out (views of shared storages). */
const MAX_EXPANSION = 16;
const RESAVE = 'in python: torch.save(torch.load(path), "weights.pth") re-saves it in the default zip format';

/** Reads the state dict of a `torch.save` file's bytes (see the file comment for the rules). */
export function readTorchCheckpoint(bytes: Uint8Array | ArrayBuffer, options: TorchCheckpointOptions = {}): StateDict {
  return readTorchCheckpointContents(bytes, options).tensors;
}

/** Reads a `torch.save` file: its state dict plus the dtypes, where it was found and the scalar entries beside it. */
export function readTorchCheckpointContents(
  input: Uint8Array | ArrayBuffer,
  options: TorchCheckpointOptions = {},
): TorchCheckpointContents {
  const name = options.name ?? 'checkpoint';
  const fail = (msg: string): never => {
    throw new Error(`readTorchCheckpoint: ${name}: ${msg}`);
  };
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer))
    fail("expected the file bytes as a Uint8Array or an ArrayBuffer (e.g. a fetch response's arrayBuffer())");
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const maxBytes = options.maxBytes ?? TORCH_MAX_BYTES;
  if (!(maxBytes > 0)) fail(`maxBytes must be a positive number of bytes, got ${String(maxBytes)}`);
  if (!isZip(bytes)) {
    if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5)
      fail(
        `legacy torch.save format (PyTorch before 1.6 or _use_new_zipfile_serialization=False) is not read; ${RESAVE}`,
      );
    if (bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar')
      fail(`legacy tar torch.save format (PyTorch 0.1-0.3) is not read; ${RESAVE}`);
    fail(
      bytes.length === 0
        ? 'the file is empty'
        : 'not a PyTorch checkpoint (torch.save writes a zip archive starting with "PK"); for safetensors use loadSafetensors',
    );
  }
  const zip = new ZipReader(bytes, { maxTotalBytes: maxBytes, maxExpansion: MAX_EXPANSION }, fail);
  const root = findRoot(zip, fail);
  const hooks = torchHooks(fail);
  const result = unpickle(zip.read(`${root}data.pkl`, MAX_PICKLE_BYTES), hooks, fail);
  const version = readText(zip, `${root}version`, 'unknown');
  const order = readText(zip, `${root}byteorder`, 'little');
  if (order !== 'little' && order !== 'big') fail(`byteorder is ${JSON.stringify(order)}, not "little" or "big"`);

  const found = findStateDict(result, options.key, fail);
  const cache = new StorageCache((s: StorageRef) => {
    const entry = `${root}data/${s.key}`;
    const have = zip.entries.get(entry);
    if (!have) fail(`storage '${s.key}' has no entry '${entry}' in the archive (truncated or corrupt file)`);
    if (have && have.size !== s.nbytes)
      fail(
        `storage '${s.key}' should be ${s.nbytes} bytes (${s.numel} ${s.dtype}) but '${entry}' has ${have.size}: corrupt file`,
      );
    return zip.read(entry, s.nbytes);
  }, order === 'little');

  const tensors: StateDict = new Map();
  const dtypes: Record<string, TorchDType> = {};
  // stride-0 and overlapping views let a few bytes of storage describe gigabytes of tensors:
  // what the tensors take, as convkit's contiguous copies, is bounded by the file's size
  const maxOut = MAX_EXPANSION * bytes.length + 2 ** 24;
  let out = 0;
  for (const [k, v] of found.dict.map) {
    let key = String(k);
    if (options.stripPrefix && key.startsWith(options.stripPrefix)) key = key.slice(options.stripPrefix.length);
    if (tensors.has(key)) fail(`two tensors are named '${key}' after removing the prefix '${options.stripPrefix}'`);
    try {
      out += 4 * checkAllocation(`tensor '${key}'`, [...(v as TensorRef).shape]);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
    if (out > maxOut)
      fail(
        `the tensors up to '${key}' would take ${out} bytes, more than ${MAX_EXPANSION}× the file's ${bytes.length} bytes: ` +
          'stride-0 or overlapping views of small storages (a crafted file?)',
      );
    tensors.set(key, materialize(v as TensorRef, key, cache, fail));
    dtypes[key] = (v as TensorRef).dtype;
  }
  const info: TorchCheckpointContents['info'] = {};
  const top = result instanceof PyDict ? result : null;
  if (top && found.path.length > 0) {
    for (const [k, v] of top.map) {
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') info[String(k)] = v;
      else if (typeof v === 'bigint') info[String(k)] = String(v);
    }
  }
  return {
    tensors,
    dtypes,
    key: found.path,
    topLevelKeys: top ? [...top.map.keys()].map((k) => String(k)) : [],
    info,
    version,
  };
}

/** The archive's root folder ('archive/' or the file's stem), refusing TorchScript archives. */
function findRoot(zip: ZipReader, fail: (msg: string) => never): string {
  const roots: string[] = [];
  let torchScript = false;
  for (const n of zip.entries.keys()) {
    const m = /^([^/]*\/)?data\.pkl$/.exec(n);
    if (m) roots.push(m[1] ?? '');
    if (/^([^/]*\/)?(constants\.pkl|code\/)/.test(n)) torchScript = true;
  }
  if (torchScript)
    fail(
      'this is a TorchScript archive (torch.jit.save), which holds code; it is not read. In python: ' +
        'torch.save(torch.jit.load(path).state_dict(), "weights.pth") saves its weights as a state dict',
    );
  if (roots.length !== 1)
    fail(
      roots.length === 0
        ? 'zip archive has no data.pkl: not a torch.save checkpoint (save one with torch.save(model.state_dict(), path))'
        : `zip archive has ${roots.length} data.pkl entries (${roots.join(', ')}): not a single torch.save checkpoint`,
    );
  return roots[0];
}

function readText(zip: ZipReader, entry: string, fallback: string): string {
  if (!zip.entries.has(entry)) return fallback;
  return new TextDecoder().decode(zip.read(entry, 64)).trim();
}

/** A dict whose values are all tensors (at least one) and whose keys are strings. */
function isTensorDict(v: PyValue): boolean {
  if (!(v instanceof PyDict) || v.map.size === 0) return false;
  for (const [k, t] of v.map) if (typeof k !== 'string' || !(t instanceof TensorRef)) return false;
  return true;
}

/** Finds the state dict in the unpickled object (see the file comment). */
function findStateDict(
  result: PyValue,
  key: string | undefined,
  fail: (msg: string) => never,
): { dict: PyDict; path: string[] } {
  const keysOf = (d: PyDict): string =>
    [...d.map.keys()]
      .slice(0, 20)
      .map((k) => JSON.stringify(String(k)))
      .join(', ') + (d.map.size > 20 ? `, ... (${d.map.size} keys)` : '');
  if (!(result instanceof PyDict)) {
    const what = result instanceof PyTuple ? 'tuple' : result instanceof TensorRef ? 'single tensor' : typeof result;
    return fail(`the file holds a ${what}, not a state dict (save one with torch.save(model.state_dict(), path))`);
  }
  if (key !== undefined) {
    const v = result.map.get(key);
    if (v === undefined) fail(`no key '${key}' at the top level (keys: ${keysOf(result)})`);
    if (!isTensorDict(v as PyValue)) fail(`'${key}' is not a dict of tensors (top-level keys: ${keysOf(result)})`);
    return { dict: v as PyDict, path: [key] };
  }
  const search = (d: PyDict, path: string[]): { dict: PyDict; path: string[] } | null => {
    if (isTensorDict(d)) return { dict: d, path };
    if (path.length >= MAX_DEPTH) return null;
    for (const c of CANDIDATE_KEYS) {
      const v = d.map.get(c);
      if (v instanceof PyDict) {
        const hit = search(v, [...path, c]);
        if (hit) return hit;
      }
    }
    return null;
  };
  const hit = search(result, []);
  if (!hit)
    fail(
      `no state dict (a dict of tensors) found; top-level keys: ${keysOf(result) || '(none)'}. ` +
        `Pass the key that holds it (options.key), or save one with torch.save(model.state_dict(), path)`,
    );
  return hit as { dict: PyDict; path: string[] };
}
