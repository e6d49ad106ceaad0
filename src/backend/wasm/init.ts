/** Asynchronous set-up of the wasm backend for browsers (and Node when the module sits at a URL). */
import { registerBackend, setBackend } from '../index.js';
import { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backend.js';
import { defaultWasmUrl, fetchWasmBytes } from './module.js';

/**
 * Fetches and compiles convkit.wasm, registers the backend as 'wasm', selects it, and resolves
 * with the selected wasm backend
 * once its workers are running (or failed to start, in which case it runs single-threaded).
 */
export async function initWasmBackend(
  url: URL | string = defaultWasmUrl,
  opts: Omit<WasmBackendOptions, 'bytes'> = {},
): Promise<WasmBackend> {
  const bytes = await fetchWasmBytes(url);
  const backend = createWasmBackend({ ...opts, bytes });
  registerBackend({ name: 'wasm', priority: 10, load: () => backend });
  const selected = setBackend('wasm') as WasmBackend;
  // In Node the registry may already hold a synchronously loaded wasm backend: keep that one.
  if (selected !== backend) backend.dispose();
  await selected.ready();
  return selected;
}
