/**
 * The one place convkit looks at its host: which runtime this is (Node, a browser page, a
 * worker), the environment variables convkit reads (each declared once below, parsed and
 * validated by `getenv`, documented in the README's "Environment variables" section), Node's
 * built-in modules (loaded lazily, without a static `node:` import, so that the rest of
 * convkit bundles for browsers) and the thread-count rule every backend follows.
 *
 * This file imports nothing from the rest of convkit; every folder may import it.
 */
import type * as FsModule from 'node:fs';
import type * as FsPromisesModule from 'node:fs/promises';
import type * as ModuleModule from 'node:module';
import type * as OsModule from 'node:os';
import type * as PathModule from 'node:path';
import type * as UrlModule from 'node:url';
import type * as V8Module from 'node:v8';
import type * as VmModule from 'node:vm';
import type * as WorkerThreadsModule from 'node:worker_threads';
import type * as ZlibModule from 'node:zlib';

// ---- runtime detection ---------------------------------------------------------------------

interface ProcessLike {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?(name: string): unknown;
  stdout?: { isTTY?: boolean };
  stderr?: { write?(s: string): unknown };
}

const proc = (globalThis as { process?: ProcessLike }).process;

/** The kind of host convkit runs in. */
export type Runtime = 'node' | 'browser' | 'worker' | 'unknown';

/** True under Node.js (or a runtime that presents itself as Node), main thread or worker_threads. */
export const isNode: boolean = typeof proc?.versions?.node === 'string';

function detectRuntime(): Runtime {
  if (isNode) return 'node';
  const g = globalThis as {
    window?: unknown;
    document?: unknown;
    WorkerGlobalScope?: unknown;
    importScripts?: unknown;
  };
  if (typeof g.WorkerGlobalScope !== 'undefined' || typeof g.importScripts === 'function') return 'worker';
  if (typeof g.window !== 'undefined' && typeof g.document !== 'undefined') return 'browser';
  return 'unknown';
}

/** Where convkit runs: 'node', 'browser' (a page), 'worker' (a Web Worker) or 'unknown'. */
export const runtime: Runtime = detectRuntime();

/** Whether standard output is a terminal (false outside Node). */
export function stdoutIsTTY(): boolean {
  return proc?.stdout?.isTTY === true;
}

// ---- environment variables -----------------------------------------------------------------

/** How one environment variable is parsed; `parse` throws a message fragment ("must be ..."). */
interface EnvSpec<T> {
  /** One line for the README and error messages. */
  readonly doc: string;
  /** What an accepted value looks like, as used in "NAME must be <expects>, got 'value'". */
  readonly expects: string;
  /** Returns the value, or undefined when the text is not acceptable. */
  parse(text: string): T | undefined;
}

function spec<T>(expects: string, doc: string, parse: (text: string) => T | undefined): EnvSpec<T> {
  return { expects, doc, parse };
}
const anyText = (expects: string, doc: string): EnvSpec<string> => spec(expects, doc, (t) => t);
function oneOf<const T extends string>(values: readonly T[], doc: string): EnvSpec<T> {
  return spec(`one of ${values.map((v) => `'${v}'`).join(', ')}`, doc, (t) =>
    (values as readonly string[]).includes(t) ? (t as T) : undefined,
  );
}
function integer(min: number, doc: string): EnvSpec<number> {
  const expects = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
  return spec(expects, doc, (t) => {
    if (!/^\s*\+?\d+\s*$/.test(t)) return undefined;
    const n = Number(t);
    return Number.isSafeInteger(n) && n >= min ? n : undefined;
  });
}
function number(min: number, doc: string): EnvSpec<number> {
  return spec(min === 0 ? 'a non-negative number' : `a number >= ${min}`, doc, (t) => {
    if (t.trim() === '') return undefined;
    const n = Number(t);
    return Number.isFinite(n) && n >= min ? n : undefined;
  });
}

/**
 * Every environment variable convkit reads at run time, with how it is parsed. (The install
 * script scripts/build-native.mjs also reads CXX, npm_config_nodedir and
 * CONVKIT_NATIVE_VERBOSE; see the README.)
 */
export const ENVIRONMENT = {
  CONVKIT_BACKEND: anyText(
    'a backend name',
    "Backend to use ('native', 'wasm' or 'js'); an unavailable one is an error. Default: the best that loads.",
  ),
  CONVKIT_THREADS: integer(
    1,
    'Threads a kernel runs on (native and wasm). Above the logical core count: a warning and the core count. Default: the logical cores (wasm: at most 16).',
  ),
  CONVKIT_NATIVE_PATH: anyText('a file path', 'Path of the native addon to load instead of native/build/convkit.node.'),
  CONVKIT_NATIVE_ISA: oneOf(
    ['avx512', 'avx2', 'portable'] as const,
    'Highest SIMD level the native kernels may use (lowers the automatic choice).',
  ),
  CONVKIT_WASM_MEMORY_MB: number(
    0,
    'MiB of tensor storage the wasm backend keeps in wasm memory before using the JS heap. Default 512 in Node, 256 in browsers.',
  ),
  CONVKIT_WASM_SIMD: oneOf(
    ['relaxed', 'simd'] as const,
    "Which wasm kernel build: 'simd' (the same bits on every engine and CPU) or 'relaxed' (relaxed SIMD: a fused multiply-add in the GEMM tile; faster, rounds differently; an error where the engine lacks it). Default 'simd'.",
  ),
  CONVKIT_MAX_TENSOR_MB: number(
    0,
    `Largest tensor (MiB of storage) one allocation may create; larger ones are refused with an error naming the op and shape. Default: no limit beyond ${2 ** 31 - 1} elements.`,
  ),
  CONVKIT_POOL: oneOf(
    ['1', '0', 'poison'] as const,
    "Storage recycling (debugging): '0' turns it off, 'poison' fills recycled storage with NaN. Default '1'.",
  ),
  CONVKIT_DEBUG: anyText(
    'any text',
    'When set (not empty and not 0), the CLI prints the stack trace of a failure after its one-line message.',
  ),
  NO_COLOR: anyText('any text', 'When set (not empty), the CLI writes no colour (https://no-color.org).'),
  TERM: anyText('a terminal name', "'dumb' turns the CLI's colour off."),
} as const satisfies Record<string, EnvSpec<unknown>>;

/** Names of the environment variables convkit reads. */
export type EnvName = keyof typeof ENVIRONMENT;
/** The parsed type of an environment variable. */
export type EnvValue<K extends EnvName> = NonNullable<ReturnType<(typeof ENVIRONMENT)[K]['parse']>>;

/** The raw text of an environment variable, or undefined when it is unset or empty (or not in Node). */
export function rawEnv(name: string): string | undefined {
  const v = proc?.env?.[name];
  return v !== undefined && v !== '' ? v : undefined;
}

/**
 * An environment variable convkit reads, parsed and validated: undefined when unset or empty,
 * else its typed value; an unacceptable value throws an error naming the variable, the value
 * and what is expected (e.g. "CONVKIT_THREADS must be a positive integer, got 'abc'").
 */
export function getenv<K extends EnvName>(name: K): EnvValue<K> | undefined {
  const text = rawEnv(name);
  if (text === undefined) return undefined;
  const s = ENVIRONMENT[name] as EnvSpec<unknown>;
  const v = s.parse(text);
  if (v === undefined) throw new RangeError(`${name} must be ${s.expects}, got '${text}' (unset it for the default)`);
  return v as EnvValue<K>;
}

/** A flag variable: true when set to anything but '' or '0' (NO_COLOR: anything but ''). */
export function envFlag(name: 'CONVKIT_DEBUG' | 'NO_COLOR'): boolean {
  const v = getenv(name);
  if (v === undefined) return false;
  return name === 'NO_COLOR' || v !== '0';
}

// ---- warnings ------------------------------------------------------------------------------

const warned = new Set<string>();

/** Writes a one-line warning to standard error (the console outside Node) once per key. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  const line = `convkit: warning: ${message}`;
  if (typeof proc?.stderr?.write === 'function') proc.stderr.write(line + '\n');
  else console.warn(line);
}

// ---- Node built-in modules -----------------------------------------------------------------

/** The Node built-ins convkit uses, by name. */
export interface NodeBuiltins {
  'node:fs': typeof FsModule;
  'node:fs/promises': typeof FsPromisesModule;
  'node:module': typeof ModuleModule;
  'node:os': typeof OsModule;
  'node:path': typeof PathModule;
  'node:url': typeof UrlModule;
  'node:v8': typeof V8Module;
  'node:vm': typeof VmModule;
  'node:worker_threads': typeof WorkerThreadsModule;
  'node:zlib': typeof ZlibModule;
}
type BuiltinName = keyof NodeBuiltins;

// process.getBuiltinModule (Node >= 20.16, the engines field) loads a built-in synchronously on
// first use. No top-level await and no import of a node: specifier here: bundlers (vite's worker
// format 'iife' included) take this file as it is, and browsers never reach a Node module.
if (isNode && typeof proc?.getBuiltinModule !== 'function') {
  warnOnce(
    'getBuiltinModule',
    `Node ${proc?.versions?.node} lacks process.getBuiltinModule: convkit needs Node >= 20.16 for files, threads and the native backend`,
  );
}

/** A Node built-in module, or null outside Node. Loaded on first use. */
export function nodeBuiltin<K extends BuiltinName>(name: K): NodeBuiltins[K] | null {
  if (!isNode) return null;
  const m = proc?.getBuiltinModule?.(name);
  return (m ?? null) as NodeBuiltins[K] | null;
}

/**
 * What a page or Web Worker uses instead of each Node-only function, by the name the function
 * gives in its error ("<fn> needs Node's file system; in a browser use <alternative>").
 */
export const BROWSER_ALTERNATIVES: Readonly<Record<string, string>> = {
  loadMnist: 'data.mnistFromBytes(images, labels) on fetched bytes or a File',
  loadFashionMnist:
    'data.fashionMnistFromBytes(images, labels) (IDX) or data.fashionMnistFromJson(classFiles) on fetched bytes or Files',
  readIdx: 'data.parseIdx(bytes) on fetched bytes or a File',
  loadCifar10: 'data.cifar10FromBytes(batches) on fetched bytes or a File',
  loadCifar10Batch: 'data.cifar10FromBytes(batch) on fetched bytes or a File',
  loadBreastCancer: 'data.parseSklearnCsv(text) on fetched text',
  ImageFolder: 'data.imageFromBlob(blob) on fetched images or Files',
  loadSafetensors: 'io.deserializeSafetensors(bytes) on fetched bytes or a File',
  saveSafetensors: 'io.serializeSafetensors(tensors) and a Blob download',
  atomicWriteFile: 'a Blob download of the bytes',
  loadWeights: 'io.fetchWeights(url, { model }) or io.loadFromIndexedDB(name, { model })',
  loadWeightsFile:
    'io.deserializeSafetensors(bytes) or io.readTorchCheckpoint(bytes) on fetched bytes, then model.loadStateDict',
  saveWeights: 'io.downloadWeights(model, filename) or io.saveToIndexedDB(name, model)',
  CSVLogger: 'a callback that keeps the rows (callbacks: [{ onEpochEnd }])',
  JSONLogger: 'JSONLogger with a function target instead of a file path',
  'the CLI': 'the library API (convkit) in the page',
  'the native backend': "the 'wasm' backend (chosen automatically in browsers)",
};

/**
 * The error of a Node-only function called where there is no Node (a page, a Web Worker):
 * "<op> needs Node's file system; in a browser use <alternative>". `alternative` defaults to
 * the entry of BROWSER_ALTERNATIVES for `op`.
 */
export function nodeOnlyError(op: string, alternative = BROWSER_ALTERNATIVES[op], what = "Node's file system"): Error {
  const alt = alternative ?? 'the functions that take bytes (fetch the file, or read a File, first)';
  return new Error(`${op} needs ${what}; in a ${runtime === 'worker' ? 'Web Worker' : 'browser'} use ${alt}`);
}

/** A Node built-in module, or convkit's own error naming the op (see nodeOnlyError) when not running under Node. */
export function requireNode<K extends BuiltinName>(name: K, op: string, alternative?: string): NodeBuiltins[K] {
  const m = nodeBuiltin(name);
  if (!m)
    throw nodeOnlyError(
      op,
      alternative,
      name === 'node:fs' || name === 'node:fs/promises' ? "Node's file system" : `Node.js (${name})`,
    );
  return m;
}

/** node:fs, or convkit's own error naming the op when not running under Node. */
export function requireFs(op: string, alternative?: string): typeof FsModule {
  return requireNode('node:fs', op, alternative);
}

/** The Node modules the file loaders need. */
export interface NodeModules {
  fs: typeof FsModule;
  fsp: typeof FsPromisesModule;
  path: typeof PathModule;
  zlib: typeof ZlibModule;
  module: typeof ModuleModule;
}

/**
 * node:fs, node:fs/promises, node:path, node:zlib and node:module; outside Node it rejects with
 * "<op> needs Node's file system; in a browser use <alternative>" (see BROWSER_ALTERNATIVES).
 */
export async function nodeModules(op: string, alternative?: string): Promise<NodeModules> {
  if (!isNode) throw nodeOnlyError(op, alternative);
  return {
    fs: requireNode('node:fs', op, alternative),
    fsp: requireNode('node:fs/promises', op, alternative),
    path: requireNode('node:path', op, alternative),
    zlib: requireNode('node:zlib', op, alternative),
    module: requireNode('node:module', op, alternative),
  };
}

// ---- threads -------------------------------------------------------------------------------

/** Logical cores this process may use (the affinity mask in Node; navigator.hardwareConcurrency in browsers). */
export function logicalCores(): number {
  const os = nodeBuiltin('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * The one thread-count rule of every backend. CONVKIT_THREADS must be a positive integer (else
 * an error naming the variable and the value); above the logical core count it is capped there,
 * with a warning printed once; unset, the count is the logical cores. An explicit count from
 * code (`requested`, e.g. createWasmBackend({ threads })) must be a positive integer too but is
 * taken as given (tests and benchmarks oversubscribe on purpose). `backendMax` caps the result
 * quietly (a backend's own limit). `who` names the backend or option in messages.
 */
export function threadCount(who: string, requested?: number, backendMax = Infinity): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1)
      throw new RangeError(`${who}: threads must be a positive integer, got ${String(requested)}`);
    return Math.min(requested, backendMax);
  }
  const cores = logicalCores();
  let n = getenv('CONVKIT_THREADS') ?? cores;
  if (n > cores) {
    warnOnce(
      `CONVKIT_THREADS=${n}`,
      `CONVKIT_THREADS=${n} is more than the ${cores} logical core${cores === 1 ? '' : 's'} here; using ${cores}`,
    );
    n = cores;
  }
  return Math.max(1, Math.min(n, backendMax));
}
