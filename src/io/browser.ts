/**
 * Weights in a web page, as safetensors bytes (the same format as a .safetensors file, so a
 * file saved in Node loads in a page and back): kept in the page's IndexedDB (database
 * 'convkit', object store 'weights', one entry per name, written in one transaction so a
 * failed save leaves the previous entry), offered as a file download (a Blob and an <a download>
 * click), and fetched from a URL. Non-finite weights are refused before anything is written.
 * The IndexedDB and download functions need a browser and say so elsewhere (Node: use
 * train.saveWeights / loadWeights with a path); fetchWeights works wherever fetch does.
 */
import type { Tensor } from '../tensor/tensor.js';
import { toStateDict, type StateDict, type StateDictLike } from '../tensor/state-dict.js';
import { deserializeSafetensors, serializeSafetensors, type SafetensorsContents } from './safetensors.js';

/** Something with weights: a state dict, or a model (anything with stateDict(), e.g. an nn.Module). */
export type WeightsLike =
  | StateDictLike
  | {
      /** The weights by name (an nn.Module's stateDict()). */
      stateDict(): StateDictLike;
    };

/** Something weights load into (an nn.Module). */
export interface LoadsStateDict {
  /** Loads the weights; strict (default true) requires the same keys on both sides. */
  loadStateDict(dict: StateDictLike, options?: { strict?: boolean }): unknown;
}

/** Options of saveToIndexedDB, downloadWeights and weightsBlob. */
export interface SaveWeightsOptions {
  /** String metadata stored in the safetensors header. */
  metadata?: Record<string, string>;
  /** Save even when a weight is NaN or infinite (default false: refuse, keeping what was saved). */
  allowNonFinite?: boolean;
}

/** Options of loadFromIndexedDB and fetchWeights. */
export interface LoadWeightsOptions {
  /** Load the weights into this model too (strict unless strict: false). */
  model?: LoadsStateDict;
  /** Passed to model.loadStateDict (default true). */
  strict?: boolean;
}

/** Options naming the IndexedDB database (default 'convkit'). */
export interface IndexedDBOptions {
  /** Database name (default 'convkit'). */
  database?: string;
}

const STORE = 'weights';
const NODE_HINT = 'in Node use train.saveWeights(model, path) / train.loadWeights(model, path)';

function stateDictOf(op: string, weights: WeightsLike): StateDict {
  const w = weights as { stateDict?: unknown };
  if (w !== null && typeof w === 'object' && !(w instanceof Map) && typeof w.stateDict === 'function')
    return toStateDict(op, (weights as { stateDict(): StateDictLike }).stateDict());
  return toStateDict(op, weights);
}

function refuseNonFinite(op: string, target: string, dict: StateDict, options: SaveWeightsOptions): void {
  if (options.allowNonFinite) return;
  for (const [k, t] of dict as Map<string, Tensor>) {
    const d = t.data;
    for (let i = 0; i < d.length; i++)
      if (!Number.isFinite(d[i]))
        throw new RangeError(
          `${op}(${target}): weight '${k}' holds ${d[i]}; not saved, ${target} is unchanged (the run diverged: lower the learning rate; pass allowNonFinite to save anyway)`,
        );
  }
}

/** The safetensors bytes of the weights (non-finite weights refused unless allowNonFinite). */
function weightsBytes(op: string, target: string, weights: WeightsLike, options: SaveWeightsOptions): Uint8Array {
  const dict = stateDictOf(op, weights);
  refuseNonFinite(op, target, dict, options);
  return serializeSafetensors(dict, options.metadata);
}

function loadInto(op: string, where: string, contents: SafetensorsContents, options: LoadWeightsOptions): void {
  if (!options.model) return;
  if (typeof options.model.loadStateDict !== 'function')
    throw new TypeError(`${op}: options.model must have loadStateDict (an nn.Module)`);
  try {
    options.model.loadStateDict(contents.tensors, { strict: options.strict ?? true });
  } catch (e) {
    throw new Error(`${op}(${where}): ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ---- IndexedDB -----------------------------------------------------------------------------

function idb(op: string): IDBFactory {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new Error(`${op}: needs a browser with IndexedDB (indexedDB is not defined here); ${NODE_HINT}`);
  return f;
}

function checkName(op: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError(`${op}: name must be a non-empty string, got ${JSON.stringify(name) ?? typeof name}`);
  return name;
}

function promised<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

async function openDb(op: string, options: IndexedDBOptions): Promise<IDBDatabase> {
  const factory = idb(op);
  const database = options.database ?? 'convkit';
  const req = factory.open(database, 1);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
  };
  try {
    return await promised(req);
  } catch (e) {
    throw new Error(
      `${op}: cannot open IndexedDB database '${database}': ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** Runs one transaction on the weights store; resolves with fn's request result once committed. */
async function withStore<T>(
  op: string,
  options: IndexedDBOptions,
  mode: IDBTransactionMode,
  fn: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openDb(op, options);
  try {
    const tx = db.transaction(STORE, mode);
    const result = promised(fn(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (storage quota?)'));
    });
    return await result;
  } catch (e) {
    throw new Error(`${op}: IndexedDB: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db.close();
  }
}

/** The record stored per name. */
interface StoredWeights {
  bytes: ArrayBuffer;
  savedAt: string;
}

/**
 * Saves weights (a model or a state dict) under `name` in the page's IndexedDB as safetensors
 * bytes, replacing an earlier entry of that name only when the write succeeds.
 */
export async function saveToIndexedDB(
  name: string,
  weights: WeightsLike,
  options: SaveWeightsOptions & IndexedDBOptions = {},
): Promise<void> {
  const op = 'saveToIndexedDB';
  checkName(op, name);
  idb(op);
  const bytes = weightsBytes(op, `'${name}'`, weights, options);
  const record: StoredWeights = {
    bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    savedAt: new Date().toISOString(),
  };
  await withStore(op, options, 'readwrite', (s) => s.put(record, name));
}

/**
 * Reads the weights saved under `name` (tensors, metadata, dtypes); with `model` also loads them
 * into it. An unknown name is an error listing the saved names.
 */
export async function loadFromIndexedDB(
  name: string,
  options: LoadWeightsOptions & IndexedDBOptions = {},
): Promise<SafetensorsContents> {
  const op = 'loadFromIndexedDB';
  checkName(op, name);
  const rec = (await withStore(op, options, 'readonly', (s) => s.get(name))) as StoredWeights | undefined;
  if (rec === undefined) {
    const names = await listIndexedDB(options);
    throw new Error(
      `${op}: no weights named '${name}' in IndexedDB database '${options.database ?? 'convkit'}' (saved: ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'none'})`,
    );
  }
  if (!rec || !(rec.bytes instanceof ArrayBuffer))
    throw new Error(`${op}: the IndexedDB entry '${name}' is not convkit weights (no safetensors bytes)`);
  const contents = deserializeSafetensors(new Uint8Array(rec.bytes), `IndexedDB '${name}'`);
  loadInto(op, `'${name}'`, contents, options);
  return contents;
}

/** Names of the weights saved in IndexedDB, sorted. */
export async function listIndexedDB(options: IndexedDBOptions = {}): Promise<string[]> {
  const keys = await withStore('listIndexedDB', options, 'readonly', (s) => s.getAllKeys());
  return keys.map(String).sort();
}

/** Deletes the weights saved under `name`; resolves true when there was such an entry. */
export async function deleteFromIndexedDB(name: string, options: IndexedDBOptions = {}): Promise<boolean> {
  const op = 'deleteFromIndexedDB';
  checkName(op, name);
  const n = await withStore(op, options, 'readwrite', (s) => s.count(name));
  if (n === 0) return false;
  await withStore(op, options, 'readwrite', (s) => s.delete(name));
  return true;
}

// ---- Blob download and fetch ---------------------------------------------------------------

/** The weights as a safetensors Blob (type application/octet-stream), e.g. to upload. */
export function weightsBlob(weights: WeightsLike, options: SaveWeightsOptions = {}): Blob {
  const bytes = weightsBytes('weightsBlob', 'the Blob', weights, options);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
}

/**
 * Offers the weights as a file download named `filename` (default 'weights.safetensors'):
 * a safetensors Blob behind an <a download> click. Returns the Blob.
 */
export function downloadWeights(
  weights: WeightsLike,
  filename = 'weights.safetensors',
  options: SaveWeightsOptions = {},
): Blob {
  const op = 'downloadWeights';
  const doc = (globalThis as { document?: Document }).document;
  if (!doc || typeof URL.createObjectURL !== 'function')
    throw new Error(`${op}: needs a browser page (document is not defined here); ${NODE_HINT}`);
  if (typeof filename !== 'string' || filename.length === 0)
    throw new TypeError(`${op}: filename must be a non-empty string, got ${JSON.stringify(filename)}`);
  const bytes = weightsBytes(op, filename, weights, options);
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  doc.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000); // the download reads the URL after click() returns
  }
  return blob;
}

/** Largest weights file fetchWeights reads unless told otherwise (2 GiB). */
export const FETCH_WEIGHTS_MAX_BYTES = 2 ** 31;

/**
 * Fetches a .safetensors file (weights saved by convkit, or any safetensors file) and parses it;
 * with `model` also loads it into the model. HTTP errors and oversized files are errors naming the URL.
 */
export async function fetchWeights(
  url: string | URL,
  options: LoadWeightsOptions & { maxBytes?: number; init?: RequestInit } = {},
): Promise<SafetensorsContents> {
  const op = 'fetchWeights';
  if (typeof fetch !== 'function') throw new Error(`${op}: needs fetch (not available here); ${NODE_HINT}`);
  const where = String(url);
  const maxBytes = options.maxBytes ?? FETCH_WEIGHTS_MAX_BYTES;
  let res: Response;
  try {
    res = await fetch(url, options.init);
  } catch (e) {
    throw new Error(`${op}: cannot fetch ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok) throw new Error(`${op}: fetching ${where} failed: HTTP ${res.status} ${res.statusText}`.trim());
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes)
    throw new RangeError(`${op}: ${where} is ${declared} bytes, more than the ${maxBytes}-byte limit (maxBytes)`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > maxBytes)
    throw new RangeError(
      `${op}: ${where} is ${bytes.byteLength} bytes, more than the ${maxBytes}-byte limit (maxBytes)`,
    );
  const contents = deserializeSafetensors(bytes, where);
  loadInto(op, where, contents, options);
  return contents;
}
