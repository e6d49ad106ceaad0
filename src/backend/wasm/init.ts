/** Asynchronous set-up of the wasm backend for browsers (and Node when the module sits at a URL). */
import { registerBackend, setBackend } from '../index.js';
import { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backend.js';
import { defaultWasmUrl, fetchWasmBytes } from './module.js';

/**
 * Fetches and compiles convkit.wasm, registers the backend as 'wasm', selects it, and resolves
 * once its workers are running (or failed to start, in which case it runs single-threaded).
 */
export async function initWasmBackend(url: URL | string = defaultWasmUrl, opts: Omit<WasmBackendOptions, 'bytes'> = {}): Promise<WasmBackend> {
  const bytes = await fetchWasmBytes(url);
  const backend = createWasmBackend({ ...opts, bytes });
  registerBackend({ name: 'wasm', priority: 10, load: () => backend });
  setBackend('wasm');
  await backend.ready();
  return backend;
}
