/**
 * The webgpu backend's entry: `initWebGPU()` starts the GPU device thread (asynchronously) and
 * makes the backend; the registry's candidate 'webgpu' (low priority: never chosen
 * automatically) then loads it, or throws why it cannot (not initialised yet, or the reason
 * initWebGPU failed). Typical use, in a Web Worker of a crossOriginIsolated page or in Node with
 * the `webgpu` package installed: `await initWebGPU(); setBackend('webgpu');`.
 */
import type { BackendCandidate } from '../index.js';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuOptions } from './backend.js';
import { GpuThread, gpuThreadUnavailable, type WebGPUAdapterInfo } from './bridge.js';

export type { WebGPUAdapterInfo } from './bridge.js';
export type { WebGpuBackend, WebGpuOptions, WebGpuStats } from './backend.js';

let backend: WebGpuBackend | null = null;
let starting: Promise<WebGPUAdapterInfo> | null = null;
let failure: string | null = null;

/**
 * Starts the WebGPU device thread and opens the GPU; resolves with the adapter's description
 * (vendor, architecture, limits). Call it once before `setBackend('webgpu')`; later calls return
 * the same promise. Rejects with the reason when WebGPU cannot run here: no SharedArrayBuffer or
 * a page that is not crossOriginIsolated, the main thread of a page (Atomics.wait is forbidden
 * there: use a Web Worker), no `navigator.gpu`, no adapter, or in Node no `webgpu` package.
 */
export function initWebGPU(options: WebGpuOptions = {}): Promise<WebGPUAdapterInfo> {
  if (starting !== null) return starting;
  starting = GpuThread.start().then(
    (thread) => {
      backend = createWebGpuBackend(thread, options);
      failure = null;
      return thread.info;
    },
    (e: unknown) => {
      failure = e instanceof Error ? e.message : String(e);
      throw new Error(`initWebGPU: ${failure}`);
    },
  );
  return starting;
}

/** The backend's registry entry. */
export const webgpuCandidate: BackendCandidate = {
  name: 'webgpu',
  priority: -10,
  load(): WebGpuBackend {
    if (backend) return backend;
    if (failure !== null) throw new Error(failure);
    const why = gpuThreadUnavailable();
    if (why !== null) throw new Error(why);
    throw new Error(
      starting !== null
        ? 'still starting: await the promise initWebGPU() returned before selecting it'
        : "not initialised: call `await initWebGPU()` before setBackend('webgpu') (it is never chosen automatically)",
    );
  },
};
