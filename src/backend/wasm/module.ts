/**
 * Finding, compiling and adapting the kernel module wasm/build/convkit.wasm, or on request its
 * relaxed-SIMD build convkit-fma.wasm (both built by scripts/build-wasm.mjs).
 * The same bytes serve Node, pages and Web Workers, threaded or not: they are embedded in this
 * package's JavaScript (generated/module-bytes.ts, base64, written by scripts/embed-wasm.mjs at
 * build time), so that every bundler and a plain <script type="module"> get them with default settings and nothing is fetched at run time.
 * The module is built with a shared memory import; when shared memory is unavailable the
 * import's "shared" flag is cleared in a copy of the bytes before compiling (the kernels use no
 * atomic instructions, so the module validates either way).
 */
import { WASM_BASE64, WASM_BYTE_LENGTH, WASM_FMA_BASE64, WASM_FMA_BYTE_LENGTH } from './generated/module-bytes.js';
import { getenv } from '../../platform.js';
import { nodeFs } from './platform.js';

/** The two builds of the kernels: SIMD only, and SIMD with relaxed SIMD's fused multiply-add. */
export type WasmModuleKind = 'simd' | 'relaxed';

// A module whose one function returns f32x4.relaxed_madd of three splats: it validates only
// where the engine has relaxed SIMD (Chromium >= 114, Node >= 22; Node 20 behind
// --experimental-wasm-relaxed-simd).
// biome-ignore format: the bytes are grouped by section and instruction
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // functions: one of type 0
  0x0a, 0x1c, 0x01, 0x1a, 0x00, // code: one body of 26 bytes, no locals
  0x43, 0, 0, 0, 0, 0xfd, 0x13, // f32.const 0, f32x4.splat
  0x43, 0, 0, 0, 0, 0xfd, 0x13,
  0x43, 0, 0, 0, 0, 0xfd, 0x13,
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

let relaxed: boolean | undefined;
/** Whether this engine runs relaxed SIMD (checked once, by validating a tiny module). */
export function relaxedSimdSupported(): boolean {
  if (relaxed === undefined) {
    try {
      relaxed = WebAssembly.validate(RELAXED_PROBE);
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}

/**
 * The module kind to load: `requested` (an option), else CONVKIT_WASM_SIMD, else 'simd'. The plain
 * SIMD build is the default because its results are the same bits on every engine and CPU (a page
 * in Chromium computes exactly what Node computes); the relaxed build is faster where the CPU has
 * a fused multiply-add but rounds differently. Asking for 'relaxed' where the engine lacks relaxed
 * SIMD is an error.
 */
export function preferredWasmModule(requested?: WasmModuleKind): WasmModuleKind {
  const want = requested ?? getenv('CONVKIT_WASM_SIMD') ?? 'simd';
  if (want !== 'simd' && want !== 'relaxed')
    throw new Error(`wasm backend: simd must be 'simd' or 'relaxed', got '${String(want)}'`);
  if (want === 'relaxed' && !relaxedSimdSupported())
    throw new Error(
      `wasm backend: ${requested ? "simd: 'relaxed'" : "CONVKIT_WASM_SIMD is 'relaxed'"} but this engine does not run relaxed SIMD (Chromium >= 114 and Node >= 22 do; Node 20 needs --experimental-wasm-relaxed-simd); use 'simd'`,
    );
  return want;
}

const embedded: Partial<Record<WasmModuleKind, Uint8Array>> = {};

/**
 * The embedded convkit.wasm ('simd') or convkit-fma.wasm ('relaxed'); by default the one
 * preferredWasmModule() names (CONVKIT_WASM_SIMD, else 'simd'). Decoded once; callers must not
 * modify it.
 */
export function embeddedWasmBytes(kind: WasmModuleKind = preferredWasmModule()): Uint8Array {
  const cached = embedded[kind];
  if (cached) return cached;
  const [b64, length, file] =
    kind === 'relaxed'
      ? [WASM_FMA_BASE64, WASM_FMA_BYTE_LENGTH, 'convkit-fma.wasm']
      : [WASM_BASE64, WASM_BYTE_LENGTH, 'convkit.wasm'];
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  if (bytes.length !== length)
    throw new Error(
      `wasm backend: the embedded ${file} has ${bytes.length} bytes, expected ${length} (rebuild: npm run build)`,
    );
  embedded[kind] = bytes;
  return bytes;
}

/** Reads a module's bytes from a file: URL synchronously (Node only). */
export function readWasmBytesSync(url: URL): Uint8Array {
  if (!nodeFs)
    throw new Error(`wasm backend: reading ${url.href} needs Node's file system; in a browser pass an http(s) URL`);
  try {
    return nodeFs.readFileSync(url);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`wasm backend: cannot read ${url.pathname}: ${why}`);
  }
}

/** Fetches a module's bytes (an http(s) URL, or a file: URL in Node); a relative string is resolved against the page. */
export async function fetchWasmBytes(url: URL | string): Promise<Uint8Array> {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url, base) : url;
  } catch {
    throw new Error(
      `wasm backend: cannot resolve the module URL '${String(url)}'${base ? '' : ' (no page to resolve it against: pass an absolute URL)'}`,
    );
  }
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
