/**
 * The backend interface: every numeric kernel convkit runs goes through one of these methods.
 *
 * Kernels work on contiguous, row-major typed arrays that the backend itself allocated with
 * `alloc` (so a WASM backend can hand out views into its own linear memory and run kernels
 * without copying), plus plain numbers describing shapes. A kernel never allocates its
 * result: the caller passes `out`. A kernel author only needs this folder.
 */

/** Unary elementwise operations. `alpha` is the op's parameter where it has one. */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'relu' | 'sigmoid' | 'tanh' | 'gelu' | 'softplus'
  | 'leakyRelu' // alpha = negative slope
  | 'elu' // alpha = elu alpha
  | 'powScalar' // alpha = exponent
  | 'addScalar' | 'mulScalar' // alpha = scalar
  | 'sin' | 'cos' | 'floor' | 'ceil' | 'round';

/** Binary elementwise operations with NumPy/PyTorch broadcasting. Comparisons give 1 or 0. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reductions over the middle axis of an (outer, axis, inner) view. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

/** Geometry of a 2-D convolution (conv1d uses h = 1). Padding may be asymmetric ('same'). */
export interface Conv2dGeometry {
  n: number; cIn: number; h: number; w: number;
  cOut: number; kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; // bottom/right padding is implied by outH/outW
  dilationH: number; dilationW: number;
  groups: number;
  outH: number; outW: number;
}

/** Geometry of a 2-D pooling window (pool1d uses h = 1). */
export interface Pool2dGeometry {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  dilationH: number; dilationW: number;
  outH: number; outW: number;
}

/** The kernels a backend provides. Arrays are contiguous; shapes are row-major. */
export interface Backend {
  /** Short name: 'js', 'wasm' or 'native'. */
  readonly name: string;
  /** Human-readable details (SIMD level, threads) for `convkit info`. */
  describe(): string;
  /** Allocates zeroed float32 storage for a tensor of `n` elements. */
  alloc(n: number): Float32Array;

  /** out[i] = op(x[i]). `out` may be `x` (in place). */
  unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void;
  /** out = op(a, b) with broadcasting; shapes are already aligned to outShape's rank. */
  binary(op: BinaryOp, a: Float32Array, aShape: readonly number[], b: Float32Array,
    bShape: readonly number[], out: Float32Array, outShape: readonly number[]): void;
  /** Reduces x viewed as (outer, len, inner) over the middle axis into out (outer, inner). */
  reduce(op: ReduceOp, x: Float32Array, outer: number, len: number, inner: number, out: Float32Array): void;
  /** Index of the max (or min) over the middle axis of (outer, len, inner); first wins on ties. */
  argReduce(op: 'argmax' | 'argmin', x: Float32Array, outer: number, len: number, inner: number, out: Int32Array): void;
  /** Copies x (shape `shape`) into out with its axes permuted by `perm`. */
  permute(x: Float32Array, shape: readonly number[], perm: readonly number[], out: Float32Array): void;

  /**
   * General matrix multiply on row-major matrices, batched:
   * C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b], op = transpose when the flag is set.
   * A is (M,K) or (K,M) if transA; B is (K,N) or (N,K) if transB; C is (M,N).
   * Batch strides are in elements (0 broadcasts a matrix over the batch).
   */
  gemm(transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number,
    alpha: number, a: Float32Array, aOffset: number, strideA: number,
    b: Float32Array, bOffset: number, strideB: number,
    beta: number, c: Float32Array, cOffset: number, strideC: number): void;

  /** Cross-correlation y = x (*) w + bias, x (N,C,H,W), w (O,C/g,kh,kw), y (N,O,outH,outW). */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv2dGeometry, y: Float32Array): void;
  /** dx from dy (the transposed convolution); overwrites dx. */
  conv2dBackwardData(dy: Float32Array, w: Float32Array, g: Conv2dGeometry, dx: Float32Array): void;
  /** dw from x and dy; overwrites dw. */
  conv2dBackwardWeight(x: Float32Array, dy: Float32Array, g: Conv2dGeometry, dw: Float32Array): void;

  /** Max pooling; padded cells never win. indices[i] = flat h*W+w index of the winner in its plane. */
  maxPool2d(x: Float32Array, g: Pool2dGeometry, y: Float32Array, indices: Int32Array): void;
  /** Routes dy to the stored argmax positions; overwrites dx. */
  maxPool2dBackward(dy: Float32Array, indices: Int32Array, g: Pool2dGeometry, dx: Float32Array): void;
  /** Average pooling; divisor is the full window when countIncludePad, else the in-bounds cells. */
  avgPool2d(x: Float32Array, g: Pool2dGeometry, countIncludePad: boolean, y: Float32Array): void;
  /** Spreads dy evenly over each window; overwrites dx. */
  avgPool2dBackward(dy: Float32Array, g: Pool2dGeometry, countIncludePad: boolean, dx: Float32Array): void;

  // ---- optional fused kernels: the op layer falls back to the kernels above without them ----

  /** ReLU's backward from its output: dx[i] = y[i] > 0 ? dy[i] : 0; overwrites dx. */
  reluBackward?(y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /**
   * One SGD step on a parameter, in place. Per element: d = gradSign * g + weightDecay * p;
   * with a momentum buffer: b = momentum * b + bufScale * d, step = nesterov ? d + momentum * b : b;
   * without (buf null): step = d; then p -= lr * step.
   */
  sgdUpdate?(p: Float32Array, g: Float32Array, buf: Float32Array | null, lr: number, weightDecay: number,
    gradSign: number, momentum: number, bufScale: number, nesterov: boolean): void;
}
