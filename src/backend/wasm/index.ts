/** The 'wasm' backend: WASM SIMD kernels on shared memory with a worker pool. */
import type { Backend } from '../backend.js';
import type { BackendCandidate } from '../index.js';
import { createWasmBackend } from './backend.js';

export { createWasmBackend } from './backend.js';
export type { WasmBackend, WasmBackendOptions, WasmMemoryStats } from './backend.js';

/** The candidate registered with the backend registry (Node loads synchronously; browsers call initWasmBackend first). */
export const wasmBackendCandidate: BackendCandidate = {
  name: 'wasm',
  priority: 10,
  load: (): Backend => createWasmBackend(),
};
