/**
 * The structured steps that every `explain` trace returns: typed windows (conv, pool), cells of
 * a transposed convolution, and named equations (backprop, batch norm, softmax, sizes...).
 * Each step keeps the hand-expanded sum next to the value convkit's own op produced.
 */

/** A grid of numbers, row-major (a 1-D trace uses one row). */
export type Grid = number[][];

/** One product of a sliding window: input value times the kernel tap that meets it. */
export interface ConvTerm {
  /** Input coordinates ([j] in 1-D, [r, c] in 2-D); outside the input when `padded`. */
  at: number[];
  /** Kernel tap ([b] or [a, b]) of the kernel as slid (after the flip of true convolution). */
  tap: number[];
  /** The input value at `at` (0 inside the padding). */
  input: number;
  /** The kernel weight at `tap`. */
  weight: number;
  /** `input * weight`. */
  product: number;
  /** True when the window reads the zero padding. */
  padded: boolean;
}

/** One output position of a convolution: its window, the products, their sum and the op's value. */
export interface ConvWindow {
  /** Output coordinates ([i] or [i, j]). */
  out: number[];
  /** Input coordinates of the window's first tap (negative inside the padding). */
  origin: number[];
  /** The products of the window, one per kernel tap. */
  terms: ConvTerm[];
  /** The bias added to the sum (0 without one). */
  bias: number;
  /** Sum of the products plus the bias, computed here in double precision. */
  sum: number;
  /** The value convkit's op returned at this position. */
  value: number;
}

/** Step-by-step trace of conv1d / conv2d (one channel in, one filter out). */
export interface ConvTrace {
  /** Which op was traced. */
  kind: 'conv1d' | 'conv2d';
  /** Cross-correlation (what conv layers compute) or true convolution (the kernel flipped). */
  operation: 'cross-correlation' | 'convolution';
  /** The input, as given. */
  input: Grid;
  /** The kernel, as given. */
  kernel: Grid;
  /** The kernel as slid: `kernel` for cross-correlation, flipped on every axis for convolution. */
  applied: Grid;
  /** The bias added to every output. */
  bias: number;
  /** Stride per spatial axis. */
  stride: number[];
  /** Zero padding per spatial axis (each side). */
  padding: number[];
  /** Dilation per spatial axis. */
  dilation: number[];
  /** Shape of the output ([L] or [H, W]). */
  outShape: number[];
  /** Every output position's window, in row-major order. */
  windows: ConvWindow[];
  /** The whole output, from `op`. */
  output: Grid;
  /** The convkit call that produced `output`. */
  op: string;
}

/** One input contribution to an output cell of a transposed convolution. */
export interface ScatterTerm {
  /** Input coordinates of the value. */
  from: number[];
  /** Kernel tap ([a, b]) that the input value is multiplied by. */
  tap: number[];
  /** The input value. */
  input: number;
  /** The kernel weight at `tap`. */
  weight: number;
  /** `input * weight`, added to the output cell. */
  product: number;
}

/** One output cell of a transposed convolution: every input x kernel product that lands on it. */
export interface ScatterCell {
  /** Output coordinates ([i, j]). */
  out: number[];
  /** The products that land on this cell. */
  terms: ScatterTerm[];
  /** Sum of the products, computed here in double precision. */
  sum: number;
  /** The value convkit's op returned at this cell. */
  value: number;
}

/** Trace of convTranspose2d: each input value scales the kernel and is added at stride steps. */
export interface ConvTransposeTrace {
  /** Which op was traced. */
  kind: 'convTranspose2d';
  /** The input, as given. */
  input: Grid;
  /** The kernel, as given. */
  kernel: Grid;
  /** Stride per spatial axis. */
  stride: number[];
  /** Padding per spatial axis (removed from each side of the full output). */
  padding: number[];
  /** Extra rows and columns added at the bottom and right of the output. */
  outputPadding: number[];
  /** Dilation per spatial axis. */
  dilation: number[];
  /** Shape of the output ([H, W]). */
  outShape: number[];
  /** Every output cell with its contributions, in row-major order. */
  cells: ScatterCell[];
  /** The whole output, from `op`. */
  output: Grid;
  /** The convkit call that produced `output`. */
  op: string;
}

/** One pooling window: its cells, the result and (max pool) where the max was. */
export interface PoolWindow {
  /** Output coordinates ([i, j]). */
  out: number[];
  /** Input coordinates of the window's first cell. */
  origin: number[];
  /** The input cells in the window, with their coordinates. */
  cells: {
    /** Input coordinates of the cell. */
    at: number[];
    /** Its value. */
    value: number;
  }[];
  /** max, or the mean of the cells. */
  result: number;
  /** Max pool: input coordinates of the first maximum (the index the backward pass routes to). */
  argmax?: number[];
  /** The value convkit's op returned. */
  value: number;
  /** Max pool: the flat index (r * W + c) convkit's op returned with returnIndices. */
  index?: number;
}

/** Trace of maxPool2d / avgPool2d. */
export interface PoolTrace {
  /** Which pooling op was traced. */
  kind: 'maxPool2d' | 'avgPool2d';
  /** The input, as given. */
  input: Grid;
  /** Window size per spatial axis. */
  kernelSize: number[];
  /** Stride per spatial axis. */
  stride: number[];
  /** Shape of the output ([H, W]). */
  outShape: number[];
  /** Every output position's window, in row-major order. */
  windows: PoolWindow[];
  /** The whole output, from `op`. */
  output: Grid;
  /** The convkit call that produced `output`. */
  op: string;
}

/** One named quantity of a chain of equations: the formula, the numbers filled in, the value. */
export interface EquationStep {
  /** The quantity's name (e.g. `dL/dw1`). */
  name: string;
  /** The formula, in symbols. */
  formula: string;
  /** The formula with this example's numbers in it. */
  filled: string;
  /** The value computed by hand here (double precision). */
  value: number | number[];
  /** The value convkit's op or autograd produced, when one does (else absent). */
  fromOp?: number | number[];
  /** The convkit call behind `fromOp`. */
  op?: string;
}

/** A chain of equations: backprop, batch norm, dropout, momentum, softmax, output sizes. */
export interface EquationTrace {
  /** Marks a chain of equations. */
  kind: 'equations';
  /** What the chain computes. */
  title: string;
  /** The equations, in order. */
  steps: EquationStep[];
}

/** Every trace kind. */
export type Trace = ConvTrace | ConvTransposeTrace | PoolTrace | EquationTrace;
