/** Asynchronous set-up of the wasm backend for browsers (and Node when the module sits at a URL). */
import { registerBackend, setBackend } from '../index.js';
import { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backend.js';
import { embeddedWasmBytes, fetchWasmBytes, preferredWasmModule } from './module.js';

/**
 * Selects the 'wasm' backend and resolves with it once its workers are running (or failed to
 * start, in which case it runs single-threaded). Not needed: the wasm backend starts by itself
 * on the first op. Useful to pass options (threads, memory budget) or a module of your own:
 * `url` (e.g. the package's `convkit/wasm/convkit.wasm`, served by you) is fetched and
 * compiled; without it the module embedded in convkit is used.
 */
export async function initWasmBackend(
  url?: URL | string,
  opts: Omit<WasmBackendOptions, 'bytes'> = {},
): Promise<WasmBackend> {
  const bytes = url === undefined ? embeddedWasmBytes(preferredWasmModule(opts.simd)) : await fetchWasmBytes(url);
  const backend = createWasmBackend({ ...opts, bytes });
  // this backend first; after disposeBackend() a fresh one with the same module and options
  let first: WasmBackend | null = backend;
  registerBackend({
    name: 'wasm',
    priority: 10,
    load: () => {
      const b = first ?? createWasmBackend({ ...opts, bytes });
      first = null;
      return b;
    },
  });
  const selected = setBackend('wasm') as WasmBackend;
  // In Node the registry may already hold a synchronously loaded wasm backend: keep that one.
  if (selected !== backend) backend.dispose();
  await selected.ready();
  return selected;
}
