/**
 * The 'wasm' backend: WASM SIMD (f32x4) kernels written in AssemblyScript (wasm/assembly),
 * run on one shared WebAssembly.Memory by this thread plus a pool of workers.
 *
 * MEMORY DESIGN (tested in test/backend/wasm-runtime.test.ts):
 * - `alloc(n)` returns a Float32Array *view into the wasm memory*, so kernels run on tensor
 *   storage without copying. A FinalizationRegistry returns the block to a size-class free
 *   list when the view is garbage-collected. Consequence: a view made from tensor storage
 *   (`subarray`) must not outlive the tensor's own array.
 * - wasm memory is invisible to the JS GC's heuristics, and finalizers only run between
 *   tasks (never inside one long synchronous loop), so tensor storage in wasm memory is
 *   capped by a budget (default 512 MiB in Node, 256 MiB in browsers; env
 *   `CONVKIT_WASM_MEMORY_MB`). Past the budget, when no freed block of the right size is at
 *   hand, `alloc` returns an ordinary JS Float32Array: those are visible to the GC, and
 *   kernels accept them by copying into scratch memory. On reaching the budget the backend
 *   also forces a full GC (Node; again each time the budget is spent if finalizers ran
 *   since the last one, else at most once a second), so dead tensors' blocks come back at
 *   the next turn of the event loop (the trainer yields every 100 ms). Tested over 20,000
 *   steps of 3 x 16 KiB tensors with a 1 MiB budget: memory stays flat whether or not the
 *   loop yields; a loop that never yields degrades to copying, nothing worse.
 * - Shared-memory growth never detaches old views; views from before a growth stay valid.
 *   Without shared memory (a browser page that is not cross-origin isolated) growth would
 *   detach them, so that mode keeps all tensors on the JS heap and always copies.
 * - Small tensors (< 1024 elements) always live on the JS heap: they are the most numerous,
 *   copying them costs little, and it keeps a synchronous loop of small ops from filling wasm
 *   memory (test/train/memory.slow.test.ts: 20,000 steps of a tiny CNN). Exact elementwise ops
 *   with little work (< 1024 elements) on JS-heap operands run the reference TypeScript
 *   loops instead (no copies, no wasm call); see EXACT_UNARY for why only those.
 * - The per-call bookkeeping of copied operands uses fixed slots, not a Map: a Map keyed by
 *   the operands made V8 grow its heap by ~50 MB over that 20,000-step loop.
 */
import type { Backend, Conv2dGeometry, Pool2dGeometry } from '../backend.js';
import { createJsBackend } from '../js/index.js';
import { writeConv2dGeometry, writePool2dGeometry } from '../generated/bindings.js';
import { completeBackend, type KernelName as TableKernel, type Kernels } from '../kernels.js';
import {
  ARG_REDUCE_OPS,
  BINARY_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  binarySpec,
  opCodes,
  unarySpec,
  type BinaryOp,
  type UnaryOp,
} from '../ops.js';
import { Arena } from './arena.js';
import { compileModule, embeddedWasmBytes, preferredWasmModule, type WasmModuleKind } from './module.js';
import { forceGc, isNode, sharedMemoryAvailable } from './platform.js';
import { getenv, threadCount } from '../../platform.js';
import { WorkerPool } from './pool.js';

// op codes: positions in the op tables of ../ops.ts, as the generated wasm code numbers them
const UNARY_CODE = opCodes(UNARY_OPS);
const BINARY_CODE = opCodes(BINARY_OPS);
const REDUCE_CODE = opCodes(REDUCE_OPS);
const ARG_REDUCE_CODE = opCodes(ARG_REDUCE_OPS);
const KERNELS = [
  'gemm',
  'conv2d',
  'conv2dAct',
  'conv2dBackwardData',
  'conv2dBackwardWeight',
  'maxPool2d',
  'maxPool2dBackward',
  'avgPool2d',
  'avgPool2dBackward',
  'unary',
  'binary',
  'reduce',
  'argReduce',
  'permute',
  'sgdUpdate',
  'adamUpdate',
  'adagradUpdate',
  'rmspropUpdate',
  'softmax',
  'softmaxBackward',
  'crossEntropyForward',
  'crossEntropyBackward',
  'batchNormForward',
  'batchNormBackward',
  'unaryBackward',
] as const;
type KernelName = (typeof KERNELS)[number];
type KernelFn = (...args: number[]) => void;

const MAX_THREADS = 16;
const SHARES_PER_THREAD = 4; // kernels are cut into this many shares per thread, claimed dynamically
const MAX_RANK = 32; // metadata/index scratch per thread holds 32 axes
const SMALL_TENSOR = 1024; // elements: smaller tensors live on the JS heap (see the top of this file)
const SMALL_WORK = 1024; // elements: below this, JS-heap operands of exact ops use the reference loops
/**
 * Ops whose reference loops give bit-identical results (IEEE add/sub/mul/div/sqrt and
 * comparisons round the same in float64-then-float32 as in float32): only these may switch
 * between the reference loops and wasm by size. Everything else (transcendentals, ops with
 * a float64 scalar, GEMM and sums, whose accumulation order differs) always runs in wasm,
 * so that a result never depends on the batch size it was computed in.
 */
const EXACT_UNARY = new Set<UnaryOp>((Object.keys(UNARY_OPS) as UnaryOp[]).filter((k) => unarySpec(k).exact === true));
const EXACT_BINARY = new Set<BinaryOp>(
  (Object.keys(BINARY_OPS) as BinaryOp[]).filter((k) => binarySpec(k).exact === true),
);
const PAR_ELEMENTWISE = 1 << 18; // elements before elementwise work is shared (memory-bound: little to gain)
const PAR_SOFTMAX = 1 << 15; // elements before softmax / cross-entropy work is shared (an exp each)
const PAR_FLOPS = 1 << 20; // multiply-adds (~25 us of work) before GEMM/conv work is shared
const COL_CAP = 1 << 20; // floats of im2col buffer per thread (4 MiB)
// Control block (bytes from heapBase): 0..255 job words, 256.. args, 1024.. metadata, 4096.. indices
const META_OFFSET = 1024;
const IDX_OFFSET = 4096;

/** Options for createWasmBackend. */
export interface WasmBackendOptions {
  /** Total threads including the calling one (default: CONVKIT_THREADS, else the core count, at most 16). */
  threads?: number;
  /** Use shared memory when available (default true); false forces the single-threaded copying mode. */
  sharedMemory?: boolean;
  /** Most MiB of tensor storage kept in wasm memory (default CONVKIT_WASM_MEMORY_MB, else 512 in Node, 256 in browsers). */
  memoryBudgetMB?: number;
  /**
   * Which embedded build of the kernels (default CONVKIT_WASM_SIMD, else 'simd'): 'simd' gives the
   * same bits on every engine and CPU; 'relaxed' (relaxed SIMD: a fused multiply-add in the GEMM
   * tile, wasm/build/convkit-fma.wasm) is faster where the CPU has FMA (Chromium sgemm 1024 on one
   * Zen 3 thread: 36 -> 45 GFLOPS) but rounds differently, and needs an engine with relaxed SIMD
   * (Chromium >= 114, Node >= 22). Ignored when `bytes` is given.
   */
  simd?: WasmModuleKind;
  /** The module's bytes (default: the embedded build `simd` names). */
  bytes?: Uint8Array;
  /** Tensors with fewer elements live on the JS heap (default 1024; 0 puts every tensor in wasm memory). */
  smallTensor?: number;
  /** Worker source override, for tests that simulate workers failing to start. */
  workerSource?: string;
}

/** Memory figures for monitoring and tests. */
export interface WasmMemoryStats {
  /** Bytes of linear memory. */
  memoryBytes: number;
  /** Bytes of the heap in use (tensors, free lists, scratch, workspaces). */
  heapBytes: number;
  /** Bytes carved for tensor storage (live or free). */
  tensorBytes: number;
  /** Tensor views not yet collected. */
  liveTensors: number;
  /** Allocations that went to the JS heap because the budget was spent. */
  fallbacks: number;
  /** Full garbage collections forced to reclaim tensor storage. */
  forcedGcs: number;
  /** Whether the memory is shared (threads possible). */
  shared: boolean;
}

/** The wasm backend with its extra controls. */
export interface WasmBackend extends Backend {
  /** Threads a large kernel runs on right now (1 until workers are ready). */
  readonly threads: number;
  /** Resolves with the thread count once every worker has started (or failed). */
  ready(): Promise<number>;
  /** Limits the threads used (1 = this thread only); cannot exceed the workers started. */
  setThreads(n: number): void;
  /** Memory figures. */
  memoryStats(): WasmMemoryStats;
  /** Why workers failed to start, if any did. */
  workerErrors(): readonly string[];
  /**
   * Stops the worker threads (kernels then run on the calling thread at once; tensors and
   * memory stay); stopped() resolves when every thread has ended. Nothing starts them again
   * but resume(). disposeBackend() calls it and forgets the backend.
   */
  dispose(): void;
  /** Stops the worker threads, as dispose(); resume() starts them again. */
  pause(): void;
  /** Resolves when the threads stopped by the last pause() or dispose() have ended (at once if none). */
  stopped(): Promise<void>;
  /** Starts the worker threads again after pause(); resolves with the thread count once they are up. */
  resume(): Promise<number>;
}

function defaultBudgetMB(): number {
  return getenv('CONVKIT_WASM_MEMORY_MB') ?? (isNode ? 512 : 256);
}

/** Merges adjacent axes that walk memory contiguously for every operand; drops size-1 axes. */
function coalesce(shape: readonly number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const sz = shape[d];
    if (sz === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => s[d] === outStrides[k][0] * outShape[0])) {
      outShape[0] *= sz;
      continue;
    }
    outShape.unshift(sz);
    strides.forEach((s, k) => outStrides[k].unshift(s[d]));
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = shape[d] === 1 ? 0 : acc;
    acc *= shape[d];
  }
  return st;
}

/** Creates a wasm backend (synchronously; workers join as they start). */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  if (typeof WebAssembly === 'undefined') throw new Error('wasm backend: WebAssembly is not available');
  const bytes = opts.bytes ?? embeddedWasmBytes(preferredWasmModule(opts.simd));
  const wantThreads = threadCount('wasm backend', opts.threads, MAX_THREADS);
  const shared = opts.sharedMemory !== false && sharedMemoryAvailable();
  const { module, layout } = compileModule(bytes, shared);

  // Shared memory must declare a maximum; reserve the whole 32-bit space where possible.
  let memory: WebAssembly.Memory | null = null;
  for (const maximum of shared ? [65536, 16384, 4096] : [65536]) {
    try {
      memory = new WebAssembly.Memory({ initial: 32, maximum, shared } as WebAssembly.MemoryDescriptor);
      break;
    } catch (e) {
      if (maximum === 4096) throw e;
    }
  }
  if (!memory) throw new Error('wasm backend: cannot create memory');
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exp = instance.exports as unknown as Record<KernelName, KernelFn> & {
    GEMM_WS_BYTES: WebAssembly.Global;
    RELAXED_SIMD?: WebAssembly.Global;
    fill: KernelFn;
  };
  const fma = (exp.RELAXED_SIMD?.value as number | undefined) === 1;
  const gemmWs = exp.GEMM_WS_BYTES.value as number;
  const arena = new Arena(memory, layout.dataEnd, (opts.memoryBudgetMB ?? defaultBudgetMB()) * 2 ** 20, forceGc);
  const ctl = arena.heapBase;
  const metaPtr = ctl + META_OFFSET;
  const idxPtr = ctl + IDX_OFFSET;
  const js = createJsBackend();

  const startPool = (): WorkerPool | null =>
    shared && wantThreads > 1
      ? new WorkerPool({ module, memory, ctl, names: KERNELS, helpers: wantThreads - 1, source: opts.workerSource })
      : null;
  let pool = startPool();
  let stopping: Promise<void> = Promise.resolve();
  let resuming: Promise<number> | null = null;
  const smallTensor = opts.smallTensor ?? SMALL_TENSOR;
  let threadLimit = wantThreads;
  const activeThreads = (): number => (pool ? Math.min(threadLimit, pool.helpers + 1) : 1);

  // Per-thread workspace (GEMM packing + im2col column buffer), allocated on first use.
  const wsStride = Math.ceil((gemmWs + COL_CAP * 4) / 64) * 64;
  let wsPtr = 0;
  const workspace = (): number => {
    if (wsPtr === 0) wsPtr = arena.take(wsStride * wantThreads);
    return wsPtr;
  };

  // ---- per-call marshalling of operands that are not in wasm memory ----
  // Fixed slots reused call after call (kernels run on every op; no per-call garbage here).
  const takenP: number[] = [],
    takenB: number[] = []; // scratch blocks of this call
  const memoA: (ArrayBufferView | null)[] = [],
    memoP: number[] = []; // operand -> its copy
  const outA: (Float32Array | Int32Array | null)[] = [],
    outP: number[] = []; // copies to write back
  let takenN = 0,
    memoN = 0,
    outN = 0;
  const scratch = (bytes: number): number => {
    const p = arena.take(bytes);
    takenP[takenN] = p;
    takenB[takenN] = bytes;
    takenN++;
    return p;
  };
  const memoGet = (a: ArrayBufferView): number => {
    for (let i = 0; i < memoN; i++) if (memoA[i] === a) return memoP[i];
    return -1;
  };
  const input = (a: Float32Array | Int32Array): number => {
    if (arena.owns(a)) return a.byteOffset;
    const hit = memoGet(a);
    if (hit >= 0) return hit;
    const p = scratch(a.length * 4);
    arena.refresh();
    if (a instanceof Float32Array) arena.f32.set(a, p >>> 2);
    else arena.i32.set(a, p >>> 2);
    memoA[memoN] = a;
    memoP[memoN] = p;
    memoN++;
    return p;
  };
  const output = (a: Float32Array | Int32Array, copyIn: boolean): number => {
    if (arena.owns(a)) return a.byteOffset;
    let p = copyIn ? input(a) : memoGet(a);
    if (p < 0) {
      p = scratch(a.length * 4);
      memoA[memoN] = a;
      memoP[memoN] = p;
      memoN++;
    }
    outA[outN] = a;
    outP[outN] = p;
    outN++;
    return p;
  };
  const finish = (): void => {
    if (outN > 0) {
      arena.refresh();
      for (let i = 0; i < outN; i++) {
        const a = outA[i] as Float32Array | Int32Array,
          o = outP[i] >>> 2,
          n = a.length;
        const src = a instanceof Float32Array ? arena.f32 : arena.i32;
        if (n > 4096)
          a.set(src.subarray(o, o + n)); // (a subarray is one more object per call)
        else for (let j = 0; j < n; j++) a[j] = src[o + j];
        outA[i] = null;
      }
      outN = 0;
    }
    for (let i = 0; i < takenN; i++) arena.give(takenP[i], takenB[i]);
    takenN = 0;
    for (let i = 0; i < memoN; i++) memoA[i] = null;
    memoN = 0;
  };
  // (fixed arity, no rest array: these run on every kernel call)
  const owned = (a: ArrayBufferView, b: ArrayBufferView, c?: ArrayBufferView): boolean =>
    arena.owns(a) && arena.owns(b) && (c === undefined || arena.owns(c));

  const kernelIndex = new Map<KernelName, number>(KERNELS.map((k, i) => [k, i]));
  /** Runs a kernel on the pool (or this thread only), then copies outputs back. */
  const run = (name: KernelName, parallel: boolean, args: number[]): void => {
    try {
      const nt = parallel ? activeThreads() : 1;
      if (nt > 1 && pool) pool.run(kernelIndex.get(name) as number, exp[name], nt * SHARES_PER_THREAD, args);
      else exp[name](0, 1, 0, ...args);
    } finally {
      finish();
    }
  };
  const writeMeta = (values: readonly number[]): number => {
    arena.refresh();
    arena.i32.set(values, metaPtr >>> 2);
    return metaPtr;
  };
  const writeMeta3 = (n: number, sa: number, sb: number): number => {
    arena.refresh();
    const i = metaPtr >>> 2;
    arena.i32[i] = n;
    arena.i32[i + 1] = sa;
    arena.i32[i + 2] = sb;
    return metaPtr;
  };
  // geometry goes straight into the metadata slots (no temporary arrays on this hot path), in
  // the declared layout the generated wasm offsets read
  const convMeta = (g: Conv2dGeometry): number => {
    arena.refresh();
    writeConv2dGeometry(arena.i32, metaPtr >>> 2, g);
    return metaPtr;
  };
  const poolMeta = (g: Pool2dGeometry): number => {
    arena.refresh();
    writePool2dGeometry(arena.i32, metaPtr >>> 2, g);
    return metaPtr;
  };
  const convWork = (g: Conv2dGeometry): number => g.n * g.cOut * g.outH * g.outW * (g.cIn / g.groups) * g.kh * g.kw;

  const impl: Omit<WasmBackend, TableKernel> & Partial<Kernels> = {
    name: 'wasm',
    describe: () =>
      `WASM SIMD (f32x4${fma ? ' with relaxed-SIMD fused multiply-add' : ''}, 4x8 register tile), ${activeThreads()} thread${activeThreads() === 1 ? '' : 's'}` +
      (shared ? ' on shared memory' : ' (no shared memory: single-threaded, tensors on the JS heap)') +
      (pool && pool.helpers + 1 < Math.min(threadLimit, wantThreads) ? `, ${wantThreads} requested` : ''),

    get threads() {
      return activeThreads();
    },
    ready: () => resuming ?? (pool ? pool.ready().then(() => activeThreads()) : Promise.resolve(1)),
    setThreads(n: number) {
      if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: expected a positive integer, got ${n}`);
      threadLimit = n;
    },
    memoryStats: () => ({
      memoryBytes: memory.buffer.byteLength,
      heapBytes: arena.heapBytes,
      tensorBytes: arena.tensorBytes,
      liveTensors: arena.liveTensors,
      fallbacks: arena.fallbacks,
      forcedGcs: arena.forcedGcs,
      shared,
    }),
    workerErrors: () => pool?.errors ?? [],
    dispose() {
      resuming = null;
      if (!pool) return;
      const p = pool;
      pool = null;
      p.stop();
      stopping = p.stopped;
    },
    pause: () => impl.dispose(),
    stopped: () => stopping,
    resume() {
      if (pool || !shared || wantThreads === 1) return impl.ready();
      // the old threads must have ended before new ones share the control block
      const r = stopping.then(() => {
        if (resuming !== r) return activeThreads(); // paused again meanwhile
        pool = startPool();
        resuming = null;
        return pool ? pool.ready().then(() => activeThreads()) : 1;
      });
      resuming = r;
      return r;
    },

    alloc(n: number): Float32Array {
      if (!shared || n < smallTensor || n === 0) return new Float32Array(n);
      return arena.tensor(n) ?? new Float32Array(n);
    },

    unary(op, x, out, alpha) {
      const code = UNARY_CODE[op];
      if (code === undefined) unarySpec(op); // throws: unknown op
      const n = x.length;
      if (n === 0) return;
      if (n < SMALL_WORK && EXACT_UNARY.has(op) && !owned(x, out)) {
        js.unary(op, x, out, alpha);
        return;
      }
      const px = input(x);
      const po = out === x ? output(out, true) : output(out, false);
      run('unary', n >= PAR_ELEMENTWISE, [code, px, po, n, alpha]);
    },

    unaryBackward(op, x, y, dy, dx, alpha) {
      const code = UNARY_CODE[op];
      if (code === undefined || !unarySpec(op).grad) {
        js.unaryBackward(op, x, y, dy, dx, alpha);
        return;
      } // (throws)
      const n = dx.length;
      if (n === 0) return;
      const px = input(x),
        py = input(y),
        pdy = input(dy);
      const pdx = dx === x || dx === y || dx === dy ? output(dx, true) : output(dx, false);
      run('unaryBackward', n >= PAR_ELEMENTWISE, [code, px, py, pdy, pdx, n, alpha]);
    },

    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = BINARY_CODE[op];
      if (code === undefined) binarySpec(op); // throws: unknown op
      const total = out.length;
      if (total === 0) return;
      if ((total < SMALL_WORK && EXACT_BINARY.has(op) && !owned(a, b, out)) || outShape.length > MAX_RANK) {
        js.binary(op, a, aShape, b, bShape, out, outShape);
        return;
      }
      const pa = input(a),
        pb = input(b);
      const po = output(out, out === a || out === b);
      let rank = 1,
        meta: number;
      const na = sizeOf(aShape),
        nb = sizeOf(bShape);
      if ((na === total || na === 1) && (nb === total || nb === 1)) {
        // each operand is either the full shape or a single broadcast value
        meta = writeMeta3(total, na === total ? 1 : 0, nb === total ? 1 : 0);
      } else {
        const { shape, strides } = coalesce(outShape, [contiguousStrides(aShape), contiguousStrides(bShape)]);
        rank = shape.length;
        meta = writeMeta([...shape, ...strides[0], ...strides[1]]);
      }
      run('binary', total >= PAR_ELEMENTWISE, [code, pa, pb, po, rank, meta, total, idxPtr]);
    },

    reduce(op, x, outer, len, inner, out) {
      const code = REDUCE_CODE[op];
      if (code === undefined) throw new Error(`wasm reduce: unknown op '${String(op)}'`);
      if (outer * inner === 0) return;
      if (outer * len * inner < SMALL_WORK && (op === 'max' || op === 'min') && !owned(x, out)) {
        js.reduce(op, x, outer, len, inner, out);
        return;
      }
      const px = input(x),
        po = output(out, false);
      run('reduce', outer * len * inner >= PAR_ELEMENTWISE, [code, px, outer, len, inner, po]);
    },

    argReduce(op, x, outer, len, inner, out) {
      const code = ARG_REDUCE_CODE[op];
      if (code === undefined) throw new Error(`wasm argReduce: unknown op '${String(op)}'`);
      if (outer * inner === 0) return;
      if (outer * len * inner < SMALL_WORK && !owned(x, out)) {
        js.argReduce(op, x, outer, len, inner, out);
        return;
      }
      const px = input(x),
        po = output(out, false);
      run('argReduce', outer * len * inner >= PAR_ELEMENTWISE, [code, px, outer, len, inner, po]);
    },

    permute(x, shape, perm, out) {
      const total = out.length;
      if (total === 0) return;
      if ((total < SMALL_WORK && !owned(x, out)) || shape.length > MAX_RANK) {
        js.permute(x, shape, perm, out);
        return;
      }
      const inStrides = contiguousStrides(shape);
      const outShape = perm.map((p) => shape[p]);
      const c = coalesce(outShape, [perm.map((p) => inStrides[p])]);
      const px = input(x),
        po = output(out, false);
      const meta = writeMeta([...c.shape, ...c.strides[0]]);
      run('permute', total >= PAR_ELEMENTWISE, [px, po, c.shape.length, meta, total, idxPtr]);
    },

    gemm(transA, transB, batch, m, n, k, alpha, a, aOffset, strideA, b, bOffset, strideB, beta, c, cOffset, strideC) {
      if (batch <= 0 || m <= 0 || n <= 0) return;
      const work = batch * m * n * k; // (always in wasm, see EXACT_UNARY)
      const pa = input(a) + aOffset * 4,
        pb = input(b) + bOffset * 4;
      // C outside wasm memory is copied in even when beta = 0: elements outside the
      // batch's rows (offset, gaps between strides) must survive the copy back.
      const pc = output(c, true) + cOffset * 4;
      run('gemm', work >= PAR_FLOPS, [
        transA ? 1 : 0,
        transB ? 1 : 0,
        batch,
        m,
        n,
        k,
        alpha,
        pa,
        strideA,
        pb,
        strideB,
        beta,
        pc,
        strideC,
        workspace(),
        wsStride,
      ]);
    },

    conv2d(x, w, bias, g, y) {
      if (y.length === 0) return;
      const px = input(x),
        pw = input(w),
        pbias = bias ? input(bias) : 0;
      const py = output(y, false);
      run('conv2d', convWork(g) >= PAR_FLOPS, [convMeta(g), px, pw, pbias, py, workspace(), wsStride, COL_CAP]);
    },

    conv2dAct(x, w, bias, g, act, alpha, y) {
      const code = UNARY_CODE[act];
      if (code === undefined) unarySpec(act); // throws: unknown op
      if (y.length === 0) return;
      const px = input(x),
        pw = input(w),
        pbias = bias ? input(bias) : 0;
      const py = output(y, false);
      run('conv2dAct', convWork(g) >= PAR_FLOPS, [
        convMeta(g),
        px,
        pw,
        pbias,
        py,
        workspace(),
        wsStride,
        COL_CAP,
        code,
        alpha,
      ]);
    },

    conv2dBackwardData(dy, w, g, dx) {
      if (dx.length === 0) return;
      const pdy = input(dy),
        pw = input(w),
        pdx = output(dx, false);
      run('conv2dBackwardData', convWork(g) >= PAR_FLOPS, [convMeta(g), pdy, pw, pdx, workspace(), wsStride, COL_CAP]);
    },

    conv2dBackwardWeight(x, dy, g, dw) {
      if (dw.length === 0) return;
      const px = input(x),
        pdy = input(dy),
        pdw = output(dw, false);
      run('conv2dBackwardWeight', convWork(g) >= PAR_FLOPS, [
        convMeta(g),
        px,
        pdy,
        pdw,
        workspace(),
        wsStride,
        COL_CAP,
      ]);
    },

    maxPool2d(x, g, y, indices) {
      if (y.length === 0) return;
      const px = input(x),
        py = output(y, false),
        pi = output(indices, false);
      run('maxPool2d', y.length * g.kh * g.kw >= PAR_ELEMENTWISE, [poolMeta(g), px, py, pi]);
    },

    maxPool2dBackward(dy, indices, g, dx) {
      if (dx.length === 0) return;
      const pdy = input(dy),
        pi = input(indices),
        pdx = output(dx, false);
      run('maxPool2dBackward', dx.length >= PAR_ELEMENTWISE, [poolMeta(g), pdy, pi, pdx]);
    },

    avgPool2d(x, g, countIncludePad, y) {
      if (y.length === 0) return;
      const px = input(x),
        py = output(y, false);
      run('avgPool2d', y.length * g.kh * g.kw >= PAR_ELEMENTWISE, [poolMeta(g), countIncludePad ? 1 : 0, px, py]);
    },

    avgPool2dBackward(dy, g, countIncludePad, dx) {
      if (dx.length === 0) return;
      const pdy = input(dy),
        pdx = output(dx, false);
      run('avgPool2dBackward', dx.length >= PAR_ELEMENTWISE, [poolMeta(g), countIncludePad ? 1 : 0, pdy, pdx]);
    },
  };

  // fused kernels (wasm/assembly/fused.ts): parameters and state are updated in place. Small
  // work on JS-heap operands runs the reference instead (no copies, no wasm call): these kernels
  // compute in float64 like the reference, so both give the same float32 results but for a
  // rare last-bit difference of exp / pow.
  const small = (n: number, a: Float32Array, b: Float32Array, c: Float32Array | null): boolean =>
    n < SMALL_WORK && !(arena.owns(a) && arena.owns(b) && (c === null || arena.owns(c)));
  const inout = (a: Float32Array | null): number => (a ? output(a, true) : 0);
  impl.sgdUpdate = (p, g, buf, lr, weightDecay, gradSign, momentum, bufScale, nesterov) => {
    if (p.length === 0) return;
    if (small(p.length, p, g, buf)) {
      js.sgdUpdate(p, g, buf, lr, weightDecay, gradSign, momentum, bufScale, nesterov);
      return;
    }
    const pg = input(g),
      pp = inout(p),
      pb = inout(buf);
    run('sgdUpdate', p.length >= PAR_ELEMENTWISE, [
      pp,
      pg,
      pb,
      p.length,
      lr,
      weightDecay,
      gradSign,
      momentum,
      bufScale,
      nesterov ? 1 : 0,
    ]);
  };
  impl.adamUpdate = (p, g, m, v, vmax, lr, beta1, beta2, eps, weightDecay, decoupled, step) => {
    if (p.length === 0) return;
    if (small(p.length, p, g, m)) {
      js.adamUpdate(p, g, m, v, vmax, lr, beta1, beta2, eps, weightDecay, decoupled, step);
      return;
    }
    const pg = input(g),
      pp = inout(p),
      pm = inout(m),
      pv = inout(v),
      pvm = inout(vmax);
    run('adamUpdate', p.length >= PAR_ELEMENTWISE, [
      pp,
      pg,
      pm,
      pv,
      pvm,
      p.length,
      lr,
      beta1,
      beta2,
      eps,
      weightDecay,
      decoupled ? 1 : 0,
      step,
    ]);
  };
  impl.adagradUpdate = (p, g, sum, lr, weightDecay, eps) => {
    if (p.length === 0) return;
    if (small(p.length, p, g, sum)) {
      js.adagradUpdate(p, g, sum, lr, weightDecay, eps);
      return;
    }
    const pg = input(g),
      pp = inout(p),
      ps = inout(sum);
    run('adagradUpdate', p.length >= PAR_ELEMENTWISE, [pp, pg, ps, p.length, lr, weightDecay, eps]);
  };
  impl.rmspropUpdate = (p, g, squareAvg, gradAvg, momentumBuffer, lr, alpha, eps, weightDecay, momentum) => {
    if (p.length === 0) return;
    if (small(p.length, p, g, squareAvg)) {
      js.rmspropUpdate(p, g, squareAvg, gradAvg, momentumBuffer, lr, alpha, eps, weightDecay, momentum);
      return;
    }
    const pg = input(g),
      pp = inout(p),
      psq = inout(squareAvg),
      pga = inout(gradAvg),
      pmb = inout(momentumBuffer);
    run('rmspropUpdate', p.length >= PAR_ELEMENTWISE, [
      pp,
      pg,
      psq,
      pga,
      pmb,
      p.length,
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
    ]);
  };
  impl.softmax = (x, outer, len, inner, log, y) => {
    const total = outer * len * inner;
    if (total === 0) return;
    if (small(total, x, y, null)) {
      js.softmax(x, outer, len, inner, log, y);
      return;
    }
    const px = input(x),
      py = output(y, y === x);
    run('softmax', total >= PAR_SOFTMAX && outer * inner > 1, [px, outer, len, inner, log ? 1 : 0, py]);
  };
  impl.softmaxBackward = (y, dy, outer, len, inner, log, dx) => {
    const total = outer * len * inner;
    if (total === 0) return;
    if (small(total, y, dy, dx)) {
      js.softmaxBackward(y, dy, outer, len, inner, log, dx);
      return;
    }
    const py = input(y),
      pdy = input(dy),
      pdx = output(dx, dx === dy || dx === y);
    run('softmaxBackward', total >= PAR_SOFTMAX && outer * inner > 1, [py, pdy, outer, len, inner, log ? 1 : 0, pdx]);
  };
  impl.crossEntropyForward = (z, target, weight, n, c, inner, ignoreIndex, smoothing, reduction, probs, loss) => {
    if (n * c * inner === 0 || small(n * c * inner, z, probs, null)) {
      js.crossEntropyForward(z, target, weight, n, c, inner, ignoreIndex, smoothing, reduction, probs, loss);
      return;
    }
    const pz = input(z),
      pt = input(target),
      pw = weight ? input(weight) : 0;
    const pp = output(probs, false),
      pl = output(loss, false);
    run('crossEntropyForward', false, [pz, pt, pw, n, c, inner, ignoreIndex, smoothing, reduction, pp, pl]);
  };
  impl.crossEntropyBackward = (probs, target, weight, gLoss, n, c, inner, ignoreIndex, smoothing, reduction, dz) => {
    if (n * c * inner === 0) return;
    if (small(n * c * inner, probs, dz, null)) {
      js.crossEntropyBackward(probs, target, weight, gLoss, n, c, inner, ignoreIndex, smoothing, reduction, dz);
      return;
    }
    const pp = input(probs),
      pt = input(target),
      pw = weight ? input(weight) : 0,
      pg = input(gLoss);
    const pd = output(dz, dz === probs);
    run('crossEntropyBackward', n * c * inner >= PAR_SOFTMAX && n * inner > 1, [
      pp,
      pt,
      pw,
      pg,
      n,
      c,
      inner,
      ignoreIndex,
      smoothing,
      reduction,
      pd,
    ]);
  };
  impl.batchNormForward = (
    x,
    weight,
    bias,
    runMean,
    runVar,
    n,
    c,
    inner,
    training,
    momentum,
    eps,
    y,
    saveMean,
    saveInvStd,
  ) => {
    if (c === 0) return;
    if (!training && (!runMean || !runVar))
      throw new Error('wasm batchNormForward: evaluation needs runMean and runVar');
    if (small(n * c * inner, x, y, null)) {
      js.batchNormForward(
        x,
        weight,
        bias,
        runMean,
        runVar,
        n,
        c,
        inner,
        training,
        momentum,
        eps,
        y,
        saveMean,
        saveInvStd,
      );
      return;
    }
    const px = input(x),
      pw = weight ? input(weight) : 0,
      pb = bias ? input(bias) : 0;
    const prm = inout(runMean),
      prv = inout(runVar);
    const py = output(y, y === x),
      psm = output(saveMean, false),
      psi = output(saveInvStd, false);
    run('batchNormForward', n * c * inner >= PAR_ELEMENTWISE / 4 && c > 1, [
      px,
      pw,
      pb,
      prm,
      prv,
      n,
      c,
      inner,
      training ? 1 : 0,
      momentum,
      eps,
      py,
      psm,
      psi,
    ]);
  };
  impl.batchNormBackward = (x, dy, weight, saveMean, saveInvStd, n, c, inner, training, dx, dweight, dbias) => {
    if (c === 0) return;
    if (small(n * c * inner, x, dy, null)) {
      js.batchNormBackward(x, dy, weight, saveMean, saveInvStd, n, c, inner, training, dx, dweight, dbias);
      return;
    }
    const px = input(x),
      pdy = input(dy),
      pw = weight ? input(weight) : 0,
      psm = input(saveMean),
      psi = input(saveInvStd);
    const pdx = dx ? output(dx, dx === dy) : 0,
      pdw = dweight ? output(dweight, false) : 0,
      pdb = dbias ? output(dbias, false) : 0;
    run('batchNormBackward', n * c * inner >= PAR_ELEMENTWISE / 4 && c > 1, [
      px,
      pdy,
      pw,
      psm,
      psi,
      n,
      c,
      inner,
      training ? 1 : 0,
      pdx,
      pdw,
      pdb,
    ]);
  };

  const backend: WasmBackend = completeBackend(impl);
  warmUp(backend);
  return backend;
}

/** Runs the hot kernels once so V8 tiers them up before anyone times them. */
function warmUp(b: Backend): void {
  const n = 96;
  const a = b.alloc(n * n),
    c = b.alloc(n * n);
  for (let i = 0; i < a.length; i++) a[i] = (i % 7) - 3;
  // V8 compiles the optimized tier in the background once a function has run enough; keep
  // calling for a few milliseconds so that it is usually in place before real work starts.
  const t0 = performance.now();
  for (let r = 0; r < 4 || (r < 64 && performance.now() - t0 < 8); r++) {
    b.gemm(false, false, 1, n, n, n, 1, a, 0, 0, a, 0, 0, 0, c, 0, 0);
  }
  const g: Conv2dGeometry = {
    n: 1,
    cIn: 4,
    h: 12,
    w: 12,
    cOut: 8,
    kh: 3,
    kw: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padLeft: 1,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    outH: 12,
    outW: 12,
  };
  const x = b.alloc(4 * 144),
    w = b.alloc(8 * 36),
    y = b.alloc(8 * 144);
  b.conv2d(x, w, null, g, y);
  b.conv2dBackwardData(y, w, g, x);
  b.conv2dBackwardWeight(x, y, g, w);
}
