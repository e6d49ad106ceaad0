/**
 * The kernel table: every numeric kernel convkit runs, declared once with its name, its typed
 * arguments and its plain-TypeScript reference implementation (in src/backend/js). A backend
 * provides any subset; `completeBackend` fills the rest with the references, so the op layer
 * calls `getBackend().<kernel>(...)` and always gets the backend's version where it has one.
 *
 * The argument lists are also what scripts/gen-kernels.mjs reads to generate the native
 * parameter-block layouts (C++ structs + the TypeScript bindings in src/backend/kernels.gen.ts)
 * and the wasm geometry offsets. Elementwise ops live in ./ops.ts. See
 * /work/brief/kernel-table-api.md (or the README of native/) for how to add a kernel.
 *
 * Calling convention: arrays are contiguous row-major Float32Arrays (Int32Array where
 * declared 'i32') that the backend allocated with `alloc`; a kernel never allocates its
 * result: the caller passes `out`.
 */
import type { Conv2dGeometry, Pool2dGeometry } from './backend.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight } from './js/conv.js';
import { binary, reluBackward, unary, unaryBackward } from './js/elementwise.js';
import { gemm } from './js/gemm.js';
import {
  batchNormBackward,
  batchNormForward,
  conv2dAct,
  conv2dActPool,
  crossEntropyBackward,
  crossEntropyForward,
  softmax,
  softmaxBackward,
} from './js/fused.js';
import { adagradUpdate, adamUpdate, rmspropUpdate, sgdUpdate } from './js/optim.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './js/pool.js';
import { argReduce, permute, reduce } from './js/reduce.js';
import type { ArgReduceOp, BinaryOp, ReduceOp, UnaryOp } from './ops.js';

/**
 * Kinds of kernel arguments. Arrays: 'f32' (Float32Array), 'f32?' (Float32Array or null),
 * 'i32' (Int32Array). Scalars, which travel in the native parameter block in declaration
 * order: 'number' (float64), 'int', 'bool'; geometry structs ('conv2d', 'pool2d') expand to
 * their fields there. 'shape' is a readonly number[] (bound by hand). The '*Op' kinds name
 * an op of a table in ./ops.ts (passed as its generated code).
 */
export type ArgKind =
  | 'f32'
  | 'f32?'
  | 'i32'
  | 'number'
  | 'int'
  | 'bool'
  | 'shape'
  | 'conv2d'
  | 'pool2d'
  | 'unaryOp'
  | 'binaryOp'
  | 'reduceOp'
  | 'argReduceOp';

type ArgType<K extends ArgKind> = K extends 'f32'
  ? Float32Array
  : K extends 'f32?'
    ? Float32Array | null
    : K extends 'i32'
      ? Int32Array
      : K extends 'number' | 'int'
        ? number
        : K extends 'bool'
          ? boolean
          : K extends 'shape'
            ? readonly number[]
            : K extends 'conv2d'
              ? Conv2dGeometry
              : K extends 'pool2d'
                ? Pool2dGeometry
                : K extends 'unaryOp'
                  ? UnaryOp
                  : K extends 'binaryOp'
                    ? BinaryOp
                    : K extends 'reduceOp'
                      ? ReduceOp
                      : K extends 'argReduceOp'
                        ? ArgReduceOp
                        : never;

/** One argument: [name, kind]. */
export type ArgSpec = readonly [name: string, kind: ArgKind];
/** The TypeScript parameter types of an argument list. */
export type ArgTypes<A extends readonly ArgSpec[]> = { -readonly [I in keyof A]: ArgType<A[I][1]> };

/** A declared kernel. */
export interface KernelDecl<A extends readonly ArgSpec[] = readonly ArgSpec[]> {
  readonly args: A;
  /** The reference implementation: the meaning of the kernel, run where a backend has no version. */
  readonly reference: (...args: ArgTypes<A>) => void;
}

/** Declares a kernel (the `const` keeps the argument list as a tuple for the types). */
function kernel<const A extends readonly ArgSpec[]>(decl: KernelDecl<A>): KernelDecl<A> {
  return decl;
}

/** Field order of the geometry structs in parameter blocks (C++ structs and wasm offsets are generated from these). */
export const GEOMETRY = {
  conv2d: [
    'n',
    'cIn',
    'h',
    'w',
    'cOut',
    'kh',
    'kw',
    'strideH',
    'strideW',
    'padTop',
    'padLeft',
    'dilationH',
    'dilationW',
    'groups',
    'outH',
    'outW',
  ],
  pool2d: [
    'n',
    'c',
    'h',
    'w',
    'kh',
    'kw',
    'strideH',
    'strideW',
    'padTop',
    'padLeft',
    'dilationH',
    'dilationW',
    'outH',
    'outW',
  ],
} as const satisfies { conv2d: readonly (keyof Conv2dGeometry)[]; pool2d: readonly (keyof Pool2dGeometry)[] };
// compile-time check that every geometry field is listed
type Missing<T, L extends readonly unknown[]> = Exclude<keyof T, L[number]>;
const everyField: [
  Missing<Conv2dGeometry, typeof GEOMETRY.conv2d>,
  Missing<Pool2dGeometry, typeof GEOMETRY.pool2d>,
] extends [never, never]
  ? true
  : false = true;
void everyField;

const conv = [['g', 'conv2d']] as const;

/** Every kernel. The JSDoc of each entry is the kernel's documentation (it shows on Backend). */
export const KERNELS = {
  /** out[i] = op(x[i]); `out` may be `x`. */
  unary: kernel({
    args: [
      ['op', 'unaryOp'],
      ['x', 'f32'],
      ['out', 'f32'],
      ['alpha', 'number'],
    ],
    reference: unary,
  }),
  /** out = op(a, b) with broadcasting; aShape and bShape are already padded to outShape's rank. */
  binary: kernel({
    args: [
      ['op', 'binaryOp'],
      ['a', 'f32'],
      ['aShape', 'shape'],
      ['b', 'f32'],
      ['bShape', 'shape'],
      ['out', 'f32'],
      ['outShape', 'shape'],
    ],
    reference: binary,
  }),
  /** Reduces x viewed as (outer, len, inner) over the middle axis into out (outer, inner). */
  reduce: kernel({
    args: [
      ['op', 'reduceOp'],
      ['x', 'f32'],
      ['outer', 'int'],
      ['len', 'int'],
      ['inner', 'int'],
      ['out', 'f32'],
    ],
    reference: reduce,
  }),
  /** Index of the max (or min) over the middle axis of (outer, len, inner); first wins on ties. */
  argReduce: kernel({
    args: [
      ['op', 'argReduceOp'],
      ['x', 'f32'],
      ['outer', 'int'],
      ['len', 'int'],
      ['inner', 'int'],
      ['out', 'i32'],
    ],
    reference: argReduce,
  }),
  /** Copies x (shape `shape`) into out with its axes permuted by `perm`. */
  permute: kernel({
    args: [
      ['x', 'f32'],
      ['shape', 'shape'],
      ['perm', 'shape'],
      ['out', 'f32'],
    ],
    reference: permute,
  }),
  /**
   * Batched row-major GEMM: C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b], op = transpose
   * when the flag is set. A is (M,K) or (K,M) if transA; B is (K,N) or (N,K) if transB; C is
   * (M,N). Batch strides are in elements (0 broadcasts a matrix over the batch).
   */
  gemm: kernel({
    args: [
      ['transA', 'bool'],
      ['transB', 'bool'],
      ['batch', 'int'],
      ['m', 'int'],
      ['n', 'int'],
      ['k', 'int'],
      ['alpha', 'number'],
      ['a', 'f32'],
      ['aOffset', 'int'],
      ['strideA', 'int'],
      ['b', 'f32'],
      ['bOffset', 'int'],
      ['strideB', 'int'],
      ['beta', 'number'],
      ['c', 'f32'],
      ['cOffset', 'int'],
      ['strideC', 'int'],
    ],
    reference: gemm,
  }),
  /** Cross-correlation y = x (*) w + bias, x (N,C,H,W), w (O,C/g,kh,kw), y (N,O,outH,outW). */
  conv2d: kernel({ args: [['x', 'f32'], ['w', 'f32'], ['bias', 'f32?'], ...conv, ['y', 'f32']], reference: conv2d }),
  /**
   * Inference epilogue fusion: y = act(conv(x, w) + bias), act a unary op of ./ops.ts with its
   * alpha (e.g. 'relu', alpha 0), applied to every output cell after the bias; the same geometry
   * and layout as conv2d. Forward only (the op layer calls it when no gradient is recorded). A
   * backend without it is not slowed down: the op layer then calls conv2d + unary itself.
   */
  conv2dAct: kernel({
    args: [
      ['x', 'f32'],
      ['w', 'f32'],
      ['bias', 'f32?'],
      ...conv,
      ['act', 'unaryOp'],
      ['alpha', 'number'],
      ['y', 'f32'],
    ],
    reference: conv2dAct,
  }),
  /**
   * Inference fusion of a convolution, its activation and a max pool: y = maxPool(act(conv(x, w)
   * + bias)), `g` the convolution's geometry and `pg` the pool's over its output (pg.n = g.n,
   * pg.c = g.cOut, pg.h/pg.w = g.outH/g.outW), y (n, cOut, pg.outH, pg.outW); no argmax
   * indices. Forward only. A backend without it is not slowed down: the op layer uses it only
   * where the backend has its own version (else conv2dAct, or conv2d + unary, then maxPool2d).
   */
  conv2dActPool: kernel({
    args: [
      ['x', 'f32'],
      ['w', 'f32'],
      ['bias', 'f32?'],
      ...conv,
      ['act', 'unaryOp'],
      ['alpha', 'number'],
      ['pg', 'pool2d'],
      ['y', 'f32'],
    ],
    reference: conv2dActPool,
  }),
  /** dx from dy (the transposed convolution); overwrites dx. */
  conv2dBackwardData: kernel({
    args: [['dy', 'f32'], ['w', 'f32'], ...conv, ['dx', 'f32']],
    reference: conv2dBackwardData,
  }),
  /** dw from x and dy; overwrites dw. */
  conv2dBackwardWeight: kernel({
    args: [['x', 'f32'], ['dy', 'f32'], ...conv, ['dw', 'f32']],
    reference: conv2dBackwardWeight,
  }),
  /** Max pooling; padded cells never win. indices[i] = flat h*W+w index of the winner in its plane. */
  maxPool2d: kernel({
    args: [
      ['x', 'f32'],
      ['g', 'pool2d'],
      ['y', 'f32'],
      ['indices', 'i32'],
    ],
    reference: maxPool2d,
  }),
  /** Routes dy to the stored argmax positions; overwrites dx. */
  maxPool2dBackward: kernel({
    args: [
      ['dy', 'f32'],
      ['indices', 'i32'],
      ['g', 'pool2d'],
      ['dx', 'f32'],
    ],
    reference: maxPool2dBackward,
  }),
  /** Average pooling; divisor is the full window when countIncludePad, else the in-bounds cells. */
  avgPool2d: kernel({
    args: [
      ['x', 'f32'],
      ['g', 'pool2d'],
      ['countIncludePad', 'bool'],
      ['y', 'f32'],
    ],
    reference: avgPool2d,
  }),
  /** Spreads dy evenly over each window; overwrites dx. */
  avgPool2dBackward: kernel({
    args: [
      ['dy', 'f32'],
      ['g', 'pool2d'],
      ['countIncludePad', 'bool'],
      ['dx', 'f32'],
    ],
    reference: avgPool2dBackward,
  }),
  /**
   * A unary op's backward: dx[i] = dy[i] * op'(x[i]), the derivative declared with the op in
   * ./ops.ts (`grad`), given the op's input x and output y; throws for an op without one.
   */
  unaryBackward: kernel({
    args: [
      ['op', 'unaryOp'],
      ['x', 'f32'],
      ['y', 'f32'],
      ['dy', 'f32'],
      ['dx', 'f32'],
      ['alpha', 'number'],
    ],
    reference: unaryBackward,
  }),
  /** ReLU's backward from its output: dx[i] = y[i] > 0 ? dy[i] : 0; overwrites dx. */
  reluBackward: kernel({
    args: [
      ['y', 'f32'],
      ['dy', 'f32'],
      ['dx', 'f32'],
    ],
    reference: reluBackward,
  }),
  /**
   * One SGD step on a parameter, in place. Per element: d = gradSign * g + weightDecay * p;
   * with a momentum buffer: b = momentum * b + bufScale * d, step = nesterov ? d + momentum * b : b;
   * without (buf null): step = d; then p -= lr * step.
   */
  sgdUpdate: kernel({
    args: [
      ['p', 'f32'],
      ['g', 'f32'],
      ['buf', 'f32?'],
      ['lr', 'number'],
      ['weightDecay', 'number'],
      ['gradSign', 'number'],
      ['momentum', 'number'],
      ['bufScale', 'number'],
      ['nesterov', 'bool'],
    ],
    reference: sgdUpdate,
  }),
  /**
   * One Adam/AdamW step on a parameter, in place (float64 arithmetic, float32 storage). Per element:
   * w = p * (decoupled ? 1 - lr * weightDecay : 1); d = g + (decoupled ? 0 : weightDecay) * w;
   * m = beta1 m + (1 - beta1) d; v = beta2 v + (1 - beta2) d^2; AMSGrad (vmax given): vmax = max(vmax, v);
   * p = w - lr / (1 - beta1^step) * m / (sqrt(vmax or v) / sqrt(1 - beta2^step) + eps).
   */
  adamUpdate: kernel({
    args: [
      ['p', 'f32'],
      ['g', 'f32'],
      ['m', 'f32'],
      ['v', 'f32'],
      ['vmax', 'f32?'],
      ['lr', 'number'],
      ['beta1', 'number'],
      ['beta2', 'number'],
      ['eps', 'number'],
      ['weightDecay', 'number'],
      ['decoupled', 'bool'],
      ['step', 'int'],
    ],
    reference: adamUpdate,
  }),
  /** One Adagrad step in place: d = g + weightDecay p; sum += d^2; p -= lr d / (sqrt(sum) + eps) (lr already decayed). */
  adagradUpdate: kernel({
    args: [
      ['p', 'f32'],
      ['g', 'f32'],
      ['sum', 'f32'],
      ['lr', 'number'],
      ['weightDecay', 'number'],
      ['eps', 'number'],
    ],
    reference: adagradUpdate,
  }),
  /**
   * One RMSprop step in place: d = g + weightDecay p; sq = alpha sq + (1 - alpha) d^2; centered (gradAvg
   * given): ga = alpha ga + (1 - alpha) d, avg = sqrt(sq - ga^2) + eps, else avg = sqrt(sq) + eps; with a
   * momentum buffer: b = momentum b + d / avg, p -= lr b; else p -= lr d / avg.
   */
  rmspropUpdate: kernel({
    args: [
      ['p', 'f32'],
      ['g', 'f32'],
      ['squareAvg', 'f32'],
      ['gradAvg', 'f32?'],
      ['momentumBuffer', 'f32?'],
      ['lr', 'number'],
      ['alpha', 'number'],
      ['eps', 'number'],
      ['weightDecay', 'number'],
      ['momentum', 'number'],
    ],
    reference: rmspropUpdate,
  }),
  /** Softmax (log = false) or log-softmax over the middle axis of x viewed as (outer, len, inner), into y. */
  softmax: kernel({
    args: [
      ['x', 'f32'],
      ['outer', 'int'],
      ['len', 'int'],
      ['inner', 'int'],
      ['log', 'bool'],
      ['y', 'f32'],
    ],
    reference: softmax,
  }),
  /** Backward of softmax / log-softmax from its output y: dx = y (dy - sum(dy y)), or dy - exp(y) sum(dy) when log. */
  softmaxBackward: kernel({
    args: [
      ['y', 'f32'],
      ['dy', 'f32'],
      ['outer', 'int'],
      ['len', 'int'],
      ['inner', 'int'],
      ['log', 'bool'],
      ['dx', 'f32'],
    ],
    reference: softmaxBackward,
  }),
  /**
   * Softmax cross-entropy of logits (n, c, inner) against class indices (n * inner), with
   * PyTorch's class weights, ignoreIndex and label smoothing: writes the class probabilities and
   * the loss (per position for reduction 0 'none'; the total for 2 'sum'; the total over the
   * summed weights of the non-ignored targets for 1 'mean').
   */
  crossEntropyForward: kernel({
    args: [
      ['z', 'f32'],
      ['target', 'i32'],
      ['weight', 'f32?'],
      ['n', 'int'],
      ['c', 'int'],
      ['inner', 'int'],
      ['ignoreIndex', 'int'],
      ['smoothing', 'number'],
      ['reduction', 'int'],
      ['probs', 'f32'],
      ['loss', 'f32'],
    ],
    reference: crossEntropyForward,
  }),
  /** Gradient of crossEntropyForward with respect to the logits, from the saved probs and the loss gradient; overwrites dz. */
  crossEntropyBackward: kernel({
    args: [
      ['probs', 'f32'],
      ['target', 'i32'],
      ['weight', 'f32?'],
      ['gLoss', 'f32'],
      ['n', 'int'],
      ['c', 'int'],
      ['inner', 'int'],
      ['ignoreIndex', 'int'],
      ['smoothing', 'number'],
      ['reduction', 'int'],
      ['dz', 'f32'],
    ],
    reference: crossEntropyBackward,
  }),
  /**
   * Batch normalisation of x (n, c, inner) per channel: batch statistics in training (updating
   * runMean / runVar in place when given: (1 - momentum) old + momentum stat, unbiased variance),
   * the running statistics in evaluation; y = (x - mean) invStd weight + bias. Writes the mean
   * and invStd used to saveMean / saveInvStd for the backward.
   */
  batchNormForward: kernel({
    args: [
      ['x', 'f32'],
      ['weight', 'f32?'],
      ['bias', 'f32?'],
      ['runMean', 'f32?'],
      ['runVar', 'f32?'],
      ['n', 'int'],
      ['c', 'int'],
      ['inner', 'int'],
      ['training', 'bool'],
      ['momentum', 'number'],
      ['eps', 'number'],
      ['y', 'f32'],
      ['saveMean', 'f32'],
      ['saveInvStd', 'f32'],
    ],
    reference: batchNormForward,
  }),
  /** Backward of batchNormForward: dx, dweight (sum dy x_hat), dbias (sum dy), each written when not null. */
  batchNormBackward: kernel({
    args: [
      ['x', 'f32'],
      ['dy', 'f32'],
      ['weight', 'f32?'],
      ['saveMean', 'f32'],
      ['saveInvStd', 'f32'],
      ['n', 'int'],
      ['c', 'int'],
      ['inner', 'int'],
      ['training', 'bool'],
      ['dx', 'f32?'],
      ['dweight', 'f32?'],
      ['dbias', 'f32?'],
    ],
    reference: batchNormBackward,
  }),
};

/** Kernel names. */
export type KernelName = keyof typeof KERNELS;
/** Every kernel's function type, by name (what the op layer calls on `getBackend()`). */
export type Kernels = { [K in KernelName]: (typeof KERNELS)[K]['reference'] };
/** All kernel names, in declaration order. */
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** What every backend has besides kernels. */
export interface BackendInfo {
  /** Short name: 'js', 'wasm' or 'native'. */
  readonly name: string;
  /** Human-readable details (SIMD level, threads) for `convkit info`. */
  describe(): string;
  /** Allocates zeroed float32 storage for a tensor of `n` elements. */
  alloc(n: number): Float32Array;
}

/** A backend as it is written: its info plus any subset of the kernels. */
export type BackendImpl = BackendInfo & Partial<Kernels>;

const fromReference = new WeakMap<object, ReadonlySet<KernelName>>();

/**
 * Fills every kernel the backend does not provide with the reference implementation (in
 * place, so getters and extra members stay) and returns it as a complete backend.
 * Idempotent. Dispatch then costs nothing: the op layer calls the property directly.
 */
export function completeBackend<T extends BackendImpl>(impl: T): T & Kernels {
  if (!fromReference.has(impl)) {
    const filled = new Set<KernelName>();
    const slots = impl as unknown as Record<KernelName, unknown>;
    for (const k of KERNEL_NAMES) {
      if (typeof slots[k] !== 'function') {
        slots[k] = KERNELS[k].reference;
        filled.add(k);
      }
    }
    fromReference.set(impl, filled);
  }
  return impl as T & Kernels;
}

/** Whether a completed backend runs `kernel` itself ('backend') or through the reference. */
export function kernelSource(backend: BackendInfo, kernel: KernelName): 'backend' | 'reference' {
  const filled = fromReference.get(backend);
  if (!filled) throw new Error(`kernelSource: backend '${backend.name}' was not completed with completeBackend`);
  return filled.has(kernel) ? 'reference' : 'backend';
}
