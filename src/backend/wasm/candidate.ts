/** The wasm backend's entry in the backend registry (kept apart from init.ts, which imports the registry). */
import type { Backend } from '../backend.js';
import type { BackendCandidate } from '../index.js';
import { createWasmBackend } from './backend.js';

/** The candidate registered with the backend registry (Node loads synchronously; browsers call initWasmBackend first). */
export const wasmBackendCandidate: BackendCandidate = {
  name: 'wasm',
  priority: 10,
  load: (): Backend => createWasmBackend(),
};
