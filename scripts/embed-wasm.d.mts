// Types of scripts/embed-wasm.mjs (for the tests that import it).
export const wasmPath: string;
export const fmaWasmPath: string;
export const embeddedPath: string;
export function renderEmbeddedWasm(bytes: Uint8Array, fmaBytes: Uint8Array): string;
export function writeEmbeddedWasm(): boolean;
