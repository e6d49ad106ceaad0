/**
 * What the host offers the WASM backend: Node built-ins (through src/platform.ts, without a
 * static import so that browser bundles do not need them), shared memory, and the number of cores.
 */
import { isNode, nodeBuiltin } from '../../platform.js';

interface NodeFs {
  readFileSync(path: URL | string): Uint8Array;
}
interface NodeWorker {
  on(event: 'error' | 'exit' | 'online', fn: (arg: unknown) => void): void;
  postMessage(msg: unknown): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface NodeWorkerThreads {
  Worker: new (src: string, opts: { eval: boolean }) => NodeWorker;
}

/** True when running under Node.js (or a Node-compatible runtime). */
export { isNode };

/** Node's fs and worker_threads modules (undefined in browsers). */
export const nodeFs: NodeFs | undefined = nodeBuiltin('node:fs') ?? undefined;
export const nodeWorkers = (nodeBuiltin('node:worker_threads') ?? undefined) as NodeWorkerThreads | undefined;
const nodeV8 = nodeBuiltin('node:v8');
const nodeVm = nodeBuiltin('node:vm');

let gcFn: (() => void) | null | undefined;
/**
 * A function that runs a full garbage collection, or null. In Node it is obtained through the
 * public v8/vm modules (the expose-gc flag applies to contexts created after it is set); the
 * wasm backend calls it when its tensor budget is spent, so that the FinalizationRegistry
 * learns which tensors died (wasm memory does not count towards V8's own GC heuristics).
 */
export function forceGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: unknown }).gc;
  gcFn = null;
  if (typeof g === 'function') gcFn = g as () => void;
  else if (nodeV8 && nodeVm) {
    try {
      nodeV8.setFlagsFromString('--expose-gc');
      const f = nodeVm.runInNewContext('gc');
      if (typeof f === 'function') gcFn = f as () => void;
    } catch {
      gcFn = null;
    }
  }
  return gcFn;
}

export type { NodeWorker };

/** Whether shared wasm memory can be created here (SharedArrayBuffer + cross-origin isolation in browsers). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (!isNode && g.crossOriginIsolated === false) return false;
  return true;
}
