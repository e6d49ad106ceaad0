/**
 * The native backend: a Node addon (native/build/convkit.node, built at install time by
 * scripts/build-native.mjs) with AVX-512 / AVX2 / portable kernels chosen at load time and
 * its own thread pool. Tensors are plain Float32Arrays passed to C++ without copying; shapes
 * and geometry travel through one shared Float64Array so a call costs ~100 ns of overhead.
 */
import { getenv, nodeBuiltin, threadCount } from '../../platform.js';
import type { Backend, Conv2dGeometry, Pool2dGeometry } from '../backend.js';
import { completeBackend, type BackendImpl } from '../kernels.js';
import { ARG_REDUCE_OPS, BINARY_OPS, REDUCE_OPS, UNARY_OPS, opCodes } from '../ops.js';
import type { BackendCandidate } from '../index.js';
import { binary as jsBinary } from '../js/elementwise.js';
import { permute as jsPermute } from '../js/reduce.js';

/** The functions the addon exports (see native/src/addon.cc). */
export interface NativeAddon {
  setParams(params: Float64Array): void;
  describe(): string;
  isa(): string;
  threads(): number;
  supportedIsas(): string[];
  setIsa(isa: string): void;
  /** Sets the pool size before the pool starts; returns the size in effect (absent from older builds). */
  setThreads?(n: number): number;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  reduce(op: number, x: Float32Array, out: Float32Array): void;
  argReduce(isMax: number, x: Float32Array, out: Int32Array): void;
  permute(x: Float32Array, out: Float32Array): void;
  gemm(a: Float32Array, b: Float32Array, c: Float32Array): void;
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array): void;
  conv2dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  conv2dBackwardWeight(x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  maxPool2d(x: Float32Array, y: Float32Array, indices: Int32Array): void;
  maxPool2dBackward(dy: Float32Array, indices: Int32Array, dx: Float32Array): void;
  avgPool2d(x: Float32Array, y: Float32Array): void;
  avgPool2dBackward(dy: Float32Array, dx: Float32Array): void;
  /** Absent from addons built before it existed (then the op layer's fallback runs). */
  reluBackward?(y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** Scalars in the params block: lr, weightDecay, gradSign, momentum, bufScale, nesterov (0/1). */
  sgdUpdate?(p: Float32Array, g: Float32Array, buf: Float32Array | null): void;
}

/** SIMD levels the addon can run, best first. */
export type NativeIsa = 'avx512' | 'avx2' | 'portable';

// Op codes: positions in the op tables of ../ops.ts, as the generated native code numbers them.
const unaryCode = opCodes(UNARY_OPS);
const binaryCode = opCodes(BINARY_OPS);
const reduceCode = opCodes(REDUCE_OPS);
const argReduceCode = opCodes(ARG_REDUCE_OPS);

/** Path of the addon: CONVKIT_NATIVE_PATH, else native/build/convkit.node at the repository root. */
export function nativeAddonPath(): string {
  const env = getenv('CONVKIT_NATIVE_PATH');
  if (env !== undefined) return env;
  // this file is src/backend/native/index.ts (tsx) or dist/backend/native/index.js: 3 levels below the root
  const url = nodeBuiltin('node:url');
  if (!url) throw new Error('the native backend needs Node.js');
  return url.fileURLToPath(new URL('../../../native/build/convkit.node', import.meta.url));
}

/**
 * Why the install-time build did not produce the addon at `addonPath` (undefined when the file
 * exists or no reason was recorded): scripts/build-native.mjs
 * writes its one-line reason to build-failure.txt beside the addon (native/build) and removes
 * the file after a good build.
 */
export function nativeBuildFailure(addonPath: string): string | undefined {
  const fs = nodeBuiltin('node:fs'), path = nodeBuiltin('node:path');
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
    mod = nodeModule.createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    const buildFailure = nativeBuildFailure(path);
    if (buildFailure) throw new Error(`native addon was not built at install: ${buildFailure}; fix that and run 'node scripts/build-native.mjs'`);
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(`native addon ${path} could not be loaded (${why}); run 'node scripts/build-native.mjs' to build it`);
  }
  mod.setParams(params);
  // the pool size comes from here (CONVKIT_THREADS checked and capped at the cores), not from the addon's own reading
  mod.setThreads?.(threads);
  addon = mod;
  return mod;
}

function convParams(p: Float64Array, g: Conv2dGeometry): void {
  p[0] = g.n; p[1] = g.cIn; p[2] = g.h; p[3] = g.w; p[4] = g.cOut; p[5] = g.kh; p[6] = g.kw;
  p[7] = g.strideH; p[8] = g.strideW; p[9] = g.padTop; p[10] = g.padLeft; p[11] = g.dilationH; p[12] = g.dilationW;
  p[13] = g.groups; p[14] = g.outH; p[15] = g.outW;
}

function poolParams(p: Float64Array, g: Pool2dGeometry, countIncludePad: boolean): void {
  p[0] = g.n; p[1] = g.c; p[2] = g.h; p[3] = g.w; p[4] = g.kh; p[5] = g.kw; p[6] = g.strideH; p[7] = g.strideW;
  p[8] = g.padTop; p[9] = g.padLeft; p[10] = g.dilationH; p[11] = g.dilationW; p[12] = g.outH; p[13] = g.outW;
  p[14] = countIncludePad ? 1 : 0;
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
    unary(op, x, out, alpha) {
      const code = unaryCode[op];
      if (code === undefined) throw new Error(`native unary: unknown op '${op}'`);
      nat.unary(code, x, out, alpha);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = binaryCode[op];
      if (code === undefined) throw new Error(`native binary: unknown op '${op}'`);
      const r = outShape.length;
      if (aShape.length !== r || bShape.length !== r) {
        throw new Error(`native binary: shapes [${aShape}] and [${bShape}] must have the output rank ${r}`);
      }
      if (r > MAX_RANK) { jsBinary(op, a, aShape, b, bShape, out, outShape); return; }
      params[0] = r;
      for (let d = 0; d < r; d++) { params[1 + d] = aShape[d]; params[1 + r + d] = bShape[d]; params[1 + 2 * r + d] = outShape[d]; }
      nat.binary(code, a, b, out);
    },
    reduce(op, x, outer, len, inner, out) {
      const code = reduceCode[op];
      if (code === undefined) throw new Error(`native reduce: unknown op '${op}'`);
      params[0] = outer; params[1] = len; params[2] = inner;
      nat.reduce(code, x, out);
    },
    argReduce(op, x, outer, len, inner, out) {
      const code = argReduceCode[op];
      if (code === undefined) throw new Error(`native argReduce: unknown op '${op}'`);
      params[0] = outer; params[1] = len; params[2] = inner;
      nat.argReduce(code, x, out);
    },
    permute(x, shape, perm, out) {
      const r = shape.length;
      if (perm.length !== r) throw new Error(`native permute: perm [${perm}] does not match shape [${shape}]`);
      if (r > MAX_RANK) { jsPermute(x, shape, perm, out); return; }
      params[0] = r;
      for (let d = 0; d < r; d++) { params[1 + d] = shape[d]; params[1 + r + d] = perm[d]; }
      nat.permute(x, out);
    },
    gemm(transA, transB, batch, m, n, k, alpha, a, aOffset, strideA, b, bOffset, strideB, beta, c, cOffset, strideC) {
      params[0] = transA ? 1 : 0; params[1] = transB ? 1 : 0; params[2] = batch; params[3] = m; params[4] = n;
      params[5] = k; params[6] = alpha; params[7] = aOffset; params[8] = strideA; params[9] = bOffset;
      params[10] = strideB; params[11] = beta; params[12] = cOffset; params[13] = strideC;
      nat.gemm(a, b, c);
    },
    conv2d(x, w, bias, g, y) { convParams(params, g); nat.conv2d(x, w, bias, y); },
    conv2dBackwardData(dy, w, g, dx) { convParams(params, g); nat.conv2dBackwardData(dy, w, dx); },
    conv2dBackwardWeight(x, dy, g, dw) { convParams(params, g); nat.conv2dBackwardWeight(x, dy, dw); },
    maxPool2d(x, g, y, indices) { poolParams(params, g, false); nat.maxPool2d(x, y, indices); },
    maxPool2dBackward(dy, indices, g, dx) { poolParams(params, g, false); nat.maxPool2dBackward(dy, indices, dx); },
    avgPool2d(x, g, countIncludePad, y) { poolParams(params, g, countIncludePad); nat.avgPool2d(x, y); },
    avgPool2dBackward(dy, g, countIncludePad, dx) { poolParams(params, g, countIncludePad); nat.avgPool2dBackward(dy, dx); },
  };
  const { reluBackward, sgdUpdate } = nat;
  if (reluBackward) be.reluBackward = (y, dy, dx) => reluBackward(y, dy, dx);
  if (sgdUpdate) {
    be.sgdUpdate = (p, g, buf, lr, weightDecay, gradSign, momentum, bufScale, nesterov) => {
      params[0] = lr; params[1] = weightDecay; params[2] = gradSign; params[3] = momentum; params[4] = bufScale;
      params[5] = nesterov ? 1 : 0;
      sgdUpdate(p, g, buf);
    };
  }
  return completeBackend(be);
}

/** The native backend as a selection candidate (priority 20: preferred over wasm and js). */
export const nativeCandidate: BackendCandidate = { name: 'native', priority: 20, load: () => createNativeBackend() };
