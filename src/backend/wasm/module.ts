/**
 * Finding, compiling and adapting the kernel module wasm/build/convkit.wasm (built by
 * scripts/build-wasm.mjs). The same file serves Node and browsers, threaded or not: it is
 * built with a shared memory import, and when shared memory is unavailable the import's
 * "shared" flag is cleared in a copy of the bytes before compiling (the kernels use no
 * atomic instructions, so the module validates either way).
 */
import { nodeFs } from './platform.js';

/** Where the built module lies, relative to this file in src/ and in dist/ alike. */
export const defaultWasmUrl = new URL('../../../wasm/build/convkit.wasm', import.meta.url);

/** Reads the module's bytes synchronously (Node only). */
export function readWasmBytesSync(url: URL = defaultWasmUrl): Uint8Array {
  if (!nodeFs) throw new Error('wasm backend: synchronous loading needs Node; call initWasmBackend() in browsers');
  try {
    return nodeFs.readFileSync(url);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`wasm backend: cannot read ${url.pathname} (run "npm run build" to build it): ${why}`);
  }
}

/** Fetches the module's bytes (browsers, or Node with a URL). */
export async function fetchWasmBytes(url: URL | string = defaultWasmUrl): Promise<Uint8Array> {
  const u =
    typeof url === 'string'
      ? new URL(url, (globalThis as { location?: { href: string } }).location?.href ?? defaultWasmUrl)
      : url;
  if (u.protocol === 'file:') return readWasmBytesSync(u);
  const res = await fetch(u);
  if (!res.ok) throw new Error(`wasm backend: fetching ${u.href} failed with HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function readLeb(b: Uint8Array, p: number): [number, number] {
  let v = 0,
    shift = 0,
    x: number;
  do {
    x = b[p++];
    v += (x & 0x7f) * 2 ** shift;
    shift += 7;
  } while (x & 0x80);
  return [v, p];
}

/** Facts about the module read from its sections. */
export interface ModuleLayout {
  /** Byte offset of the memory import's limits flag (0x03 shared, 0x01 not). */
  limitsFlagAt: number;
  /** First byte past the module's static data. */
  dataEnd: number;
}

/** Parses the import and data sections (the module is tiny; this takes microseconds). */
export function moduleLayout(bytes: Uint8Array): ModuleLayout {
  let p = 8,
    limitsFlagAt = -1,
    dataEnd = 0;
  while (p < bytes.length) {
    const id = bytes[p++];
    let size: number;
    [size, p] = readLeb(bytes, p);
    const end = p + size;
    if (id === 2) {
      let q: number, count: number;
      [count, q] = readLeb(bytes, p);
      if (count > 0) {
        // convkit.wasm imports only its memory
        let len: number;
        [len, q] = readLeb(bytes, q);
        q += len; // module name
        [len, q] = readLeb(bytes, q);
        q += len; // field name
        if (bytes[q++] !== 2) throw new Error('wasm backend: unexpected import in convkit.wasm');
        limitsFlagAt = q;
      }
    } else if (id === 11) {
      let q: number, count: number;
      [count, q] = readLeb(bytes, p);
      for (let i = 0; i < count; i++) {
        const mode = bytes[q++];
        if (mode !== 0 || bytes[q] !== 0x41) throw new Error('wasm backend: unexpected data segment in convkit.wasm');
        let off: number, len: number;
        [off, q] = readLeb(bytes, q + 1); // i32.const (small positive offsets only)
        q++; // end
        [len, q] = readLeb(bytes, q);
        dataEnd = Math.max(dataEnd, off + len);
        q += len;
      }
    }
    p = end;
  }
  if (limitsFlagAt < 0) throw new Error('wasm backend: convkit.wasm does not import its memory');
  return { limitsFlagAt, dataEnd };
}

/** Compiles the module for a shared or an ordinary memory. */
export function compileModule(
  bytes: Uint8Array,
  shared: boolean,
): { module: WebAssembly.Module; layout: ModuleLayout } {
  const layout = moduleLayout(bytes);
  let b = bytes;
  if (!shared) {
    b = bytes.slice();
    b[layout.limitsFlagAt] &= ~0x02;
  }
  return { module: new WebAssembly.Module(b as Uint8Array<ArrayBuffer>), layout };
}
