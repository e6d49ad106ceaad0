/** The 'wasm' backend: WASM SIMD kernels on shared memory with a worker pool. */
export { createWasmBackend } from './backend.js';
export type { WasmBackend, WasmBackendOptions, WasmMemoryStats } from './backend.js';
export type { WasmModuleKind } from './module.js';
export { wasmBackendCandidate } from './candidate.js';
export { initWasmBackend } from './init.js';
