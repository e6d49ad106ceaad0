/**
 * The native backend: a Node addon (native/build/convkit.node, built at install time by
 * scripts/build-native.mjs) with AVX-512 / AVX2 / portable kernels chosen at load time and
 * its own thread pool. Tensors are plain Float32Arrays passed to C++ without copying; shapes
 * and geometry travel through one shared Float64Array so a call costs ~100 ns of overhead.
 */
import { getenv, nodeBuiltin, threadCount } from '../../platform.js';
import { packageFileUrl } from '../../platform-files.js';
import type { Backend } from '../backend.js';
import { completeBackend, type BackendImpl } from '../kernels.js';
import { bindNativeKernels, type NativeKernelExports } from '../generated/bindings.js';
import { BINARY_OPS, binarySpec, opCodes } from '../ops.js';
import type { BackendCandidate } from '../index.js';
import { binary as jsBinary } from '../js/elementwise.js';
import { permute as jsPermute } from '../js/reduce.js';

/**
 * The functions the addon exports (see native/src/addon.cc). The kernels of the table are
 * bound by generated code (NativeKernelExports, bindNativeKernels in ../generated/bindings.ts):
 * an addon that lacks one leaves that kernel to the reference implementation.
 */
export interface NativeAddon extends NativeKernelExports {
  setParams(params: Float64Array): void;
  describe(): string;
  isa(): string;
  threads(): number;
  supportedIsas(): string[];
  setIsa(isa: string): void;
  /** Sets the pool size before the pool starts; returns the size in effect (absent from older builds). */
  setThreads?(n: number): number;
  /** Broadcasting binary op; params: rank, aShape, bShape, outShape (bound by hand: shapes). */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** params: rank, shape, perm. */
  permute(x: Float32Array, out: Float32Array): void;
}

/** SIMD levels the addon can run, best first. */
export type NativeIsa = 'avx512' | 'avx2' | 'portable';

// Binary op codes: positions in the table of ../ops.ts, as the generated native code numbers them.
const binaryCode = opCodes(BINARY_OPS);

/** Path of the addon: CONVKIT_NATIVE_PATH, else native/build/convkit.node at the repository root. */
export function nativeAddonPath(): string {
  const env = getenv('CONVKIT_NATIVE_PATH');
  if (env !== undefined) return env;
  const url = nodeBuiltin('node:url');
  if (!url) throw new Error('the native backend needs Node.js');
  return url.fileURLToPath(packageFileUrl('native/build/convkit.node'));
}

/**
 * Why the install-time build did not produce the addon at `addonPath` (undefined when the file
 * exists or no reason was recorded): scripts/build-native.mjs
 * writes its one-line reason to build-failure.txt beside the addon (native/build) and removes
 * the file after a good build.
 */
export function nativeBuildFailure(addonPath: string): string | undefined {
  const fs = nodeBuiltin('node:fs'),
    path = nodeBuiltin('node:path');
  if (!fs || !path || fs.existsSync(addonPath)) return undefined;
  try {
    const text = fs.readFileSync(path.join(path.dirname(addonPath), 'build-failure.txt'), 'utf8').trim();
    return text.length > 0 ? text.split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}

// Highest rank the addon takes for binary/permute (its parameter block); beyond, the js loops run.
const MAX_RANK = 16;

let addon: NativeAddon | null = null;
// Shape and geometry parameters for the next addon call; registered with the addon once.
const params = new Float64Array(64);

/** Loads the addon once (throws with the reason if it cannot be loaded). */
export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  const nodeModule = nodeBuiltin('node:module');
  if (!nodeModule) throw new Error('the native backend needs Node.js (this is not a Node process)');
  // validate the variables the addon's pool and kernel choice depend on before loading it
  getenv('CONVKIT_NATIVE_ISA');
  const threads = threadCount('native backend', undefined, 256);
  const path = nativeAddonPath();
  let mod: NativeAddon;
  try {
    mod = nodeModule.createRequire(packageFileUrl('package.json'))(path) as NativeAddon;
  } catch (e) {
    const buildFailure = nativeBuildFailure(path);
    if (buildFailure)
      throw new Error(
        `native addon was not built at install: ${buildFailure}; fix that and run 'node scripts/build-native.mjs'`,
      );
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(
      `native addon ${path} could not be loaded (${why}); run 'node scripts/build-native.mjs' to build it`,
    );
  }
  mod.setParams(params);
  // the pool size comes from here (CONVKIT_THREADS checked and capped at the cores), not from the addon's own reading
  mod.setThreads?.(threads);
  addon = mod;
  return mod;
}

/**
 * Creates the native backend. `isa` switches the addon's kernel level (for tests and
 * benchmarks; it is process-wide); by default the addon picks the best level the CPU has,
 * lowered by CONVKIT_NATIVE_ISA.
 */
export function createNativeBackend(isa?: NativeIsa): Backend {
  const nat = loadNativeAddon();
  if (isa) nat.setIsa(isa);
  const be: BackendImpl = {
    name: 'native',
    describe: () => nat.describe(),
    alloc: (n) => new Float32Array(n),
    // every kernel without shape arguments: generated bindings (../generated/bindings.ts)
    ...bindNativeKernels(nat, params),
    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = binaryCode[op];
      if (code === undefined) binarySpec(op); // throws: unknown op
      const r = outShape.length;
      if (aShape.length !== r || bShape.length !== r) {
        throw new Error(`native binary: shapes [${aShape}] and [${bShape}] must have the output rank ${r}`);
      }
      if (r > MAX_RANK) {
        jsBinary(op, a, aShape, b, bShape, out, outShape);
        return;
      }
      params[0] = r;
      for (let d = 0; d < r; d++) {
        params[1 + d] = aShape[d];
        params[1 + r + d] = bShape[d];
        params[1 + 2 * r + d] = outShape[d];
      }
      nat.binary(code, a, b, out);
    },
    permute(x, shape, perm, out) {
      const r = shape.length;
      if (perm.length !== r) throw new Error(`native permute: perm [${perm}] does not match shape [${shape}]`);
      if (r > MAX_RANK) {
        jsPermute(x, shape, perm, out);
        return;
      }
      params[0] = r;
      for (let d = 0; d < r; d++) {
        params[1 + d] = shape[d];
        params[1 + r + d] = perm[d];
      }
      nat.permute(x, out);
    },
  };
  return completeBackend(be);
}

/** The native backend as a selection candidate (priority 20: preferred over wasm and js). */
export const nativeCandidate: BackendCandidate = { name: 'native', priority: 20, load: () => createNativeBackend() };
