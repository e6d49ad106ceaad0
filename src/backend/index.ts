/**
 * Backend selection. The reference 'js' backend is always available; faster ones register
 * themselves with `registerBackend` and the best available one is chosen automatically,
 * unless `CONVKIT_BACKEND` or `setBackend()` says otherwise.
 */
import type { Backend } from './backend.js';
import { getenv, warnOnce } from '../platform.js';
import { createJsBackend } from './js/index.js';
import { completeBackend, type BackendImpl } from './kernels.js';
import { wasmBackendCandidate } from './wasm/candidate.js';
import { nativeCandidate } from './native/index.js';
import { webgpuCandidate } from './webgpu/index.js';
import { gpuKernels } from './webgpu/residency.js';

export type { Backend, BinaryOp, UnaryOp, ReduceOp, ArgReduceOp, Conv2dGeometry, Pool2dGeometry } from './backend.js';
export type { BackendImpl, BackendInfo, Kernels, KernelName } from './kernels.js';
export { KERNELS, KERNEL_NAMES, completeBackend, kernelSource } from './kernels.js';

/** A backend that may or may not be loadable on this machine. */
export interface BackendCandidate {
  /** The name setBackend takes ('js', 'wasm', 'native', ...). */
  name: string;
  /** Higher wins when choosing automatically. */
  priority: number;
  /** Returns the backend (any subset of the kernels; the rest run the references), or throws with the reason it is unavailable. */
  load(): Backend | BackendImpl;
}

const candidates = new Map<string, BackendCandidate>();
const loaded = new Map<string, Backend>();
const failures = new Map<string, string>();
let current: Backend | null = null;

/** Makes a backend available for selection. */
export function registerBackend(candidate: BackendCandidate): void {
  candidates.set(candidate.name, candidate);
  failures.delete(candidate.name);
}

registerBackend({ name: 'js', priority: 0, load: createJsBackend });
registerBackend(wasmBackendCandidate);
registerBackend(nativeCandidate);
registerBackend(webgpuCandidate);

/** Makes b the backend every op uses (tensor storage syncs from the GPU unless b runs on it). */
function use(b: Backend | null): void {
  current = b;
  gpuKernels.active = b !== null && b.name === 'webgpu';
}

function tryLoad(name: string): Backend | null {
  const hit = loaded.get(name);
  if (hit) return hit;
  const c = candidates.get(name);
  if (!c) return null;
  try {
    const b = completeBackend(c.load());
    loaded.set(name, b);
    failures.delete(name);
    return b;
  } catch (e) {
    failures.set(name, e instanceof Error ? e.message : String(e));
    return null;
  }
}

/** Names of the registered backends, best first. */
export function listBackends(): string[] {
  return [...candidates.values()].sort((a, b) => b.priority - a.priority).map((c) => c.name);
}

/** Why a backend failed to load, if it did. */
export function backendFailure(name: string): string | undefined {
  return failures.get(name);
}

function envChoice(): string | undefined {
  // a malformed setting every backend reads is an error here, not a silent fall back to 'js'
  getenv('CONVKIT_THREADS');
  getenv('CONVKIT_NATIVE_ISA');
  getenv('CONVKIT_WASM_MEMORY_MB');
  return getenv('CONVKIT_BACKEND');
}

/** The backend every op uses now. */
export function getBackend(): Backend {
  if (current) return current;
  const wanted = envChoice();
  if (wanted) {
    const b = tryLoad(wanted);
    if (!b) {
      const why = failures.get(wanted) ?? `unknown backend (known: ${listBackends().join(', ')})`;
      throw new Error(`CONVKIT_BACKEND=${wanted}: cannot use this backend: ${why}`);
    }
    use(b);
    return b;
  }
  for (const name of listBackends()) {
    const b = tryLoad(name);
    if (b) {
      use(b);
      const wasmWhy = failures.get('wasm');
      if (b.name === 'js' && wasmWhy !== undefined)
        warnOnce(
          'wasm-fallback',
          `the wasm backend could not start (${wasmWhy}); using the slower 'js' backend (backendFailure('wasm') gives the reason)`,
        );
      return b;
    }
  }
  throw new Error('no backend could be loaded');
}

/** What a backend may offer besides kernels for starting up and shutting down (the wasm backend has both). */
interface Lifecycle {
  ready?(): Promise<unknown>;
  dispose?(): void;
  stopped?(): Promise<void>;
}

/**
 * Resolves with the backend every op uses once it has fully started: for 'wasm', once every
 * worker thread started (or failed; the backend then runs on fewer threads). Nothing needs it:
 * the backend starts by itself on the first op and threads join as they come up; await it
 * before timing, or before reading the thread count.
 */
export async function ready(): Promise<Backend> {
  const b = getBackend();
  await (b as Backend & Lifecycle).ready?.();
  return b;
}

/**
 * Stops every loaded backend's worker threads and forgets the backends: the next op loads the
 * backend again (new threads). Tensors made before stay usable. The threads stop at once (no
 * op uses them any more); the promise resolves when they have ended, e.g. before
 * `performance.measureUserAgentSpecificMemory()`, which waits for every thread of the page.
 */
export async function disposeBackend(): Promise<void> {
  const ending = [...loaded.values()].map((b: Backend & Lifecycle) => {
    b.dispose?.();
    return b.stopped?.();
  });
  loaded.clear();
  use(null);
  await Promise.all(ending);
}

/** Selects a backend by name ('js', 'wasm', 'native', 'webgpu' after initWebGPU); throws if it cannot load. */
export function setBackend(name: string): Backend {
  const b = tryLoad(name);
  if (!b)
    throw new Error(
      `setBackend('${name}'): ${failures.get(name) ?? `unknown backend (known: ${listBackends().join(', ')})`}`,
    );
  use(b);
  return b;
}
