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
  input: number;
  weight: number;
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
  terms: ConvTerm[];
  bias: number;
  /** Sum of the products plus the bias, computed here in double precision. */
  sum: number;
  /** The value convkit's op returned at this position. */
  value: number;
}

/** Step-by-step trace of conv1d / conv2d (one channel in, one filter out). */
export interface ConvTrace {
  kind: 'conv1d' | 'conv2d';
  operation: 'cross-correlation' | 'convolution';
  input: Grid;
  kernel: Grid;
  /** The kernel as slid: `kernel` for cross-correlation, flipped on every axis for convolution. */
  applied: Grid;
  bias: number;
  stride: number[];
  padding: number[];
  dilation: number[];
  outShape: number[];
  windows: ConvWindow[];
  /** The whole output, from `op`. */
  output: Grid;
  /** The convkit call that produced `output`. */
  op: string;
}

/** One input contribution to an output cell of a transposed convolution. */
export interface ScatterTerm {
  from: number[];
  tap: number[];
  input: number;
  weight: number;
  product: number;
}

/** One output cell of a transposed convolution: every input x kernel product that lands on it. */
export interface ScatterCell {
  out: number[];
  terms: ScatterTerm[];
  sum: number;
  value: number;
}

/** Trace of convTranspose2d: each input value scales the kernel and is added at stride steps. */
export interface ConvTransposeTrace {
  kind: 'convTranspose2d';
  input: Grid;
  kernel: Grid;
  stride: number[];
  padding: number[];
  outputPadding: number[];
  dilation: number[];
  outShape: number[];
  cells: ScatterCell[];
  output: Grid;
  op: string;
}

/** One pooling window: its cells, the result and (max pool) where the max was. */
export interface PoolWindow {
  out: number[];
  origin: number[];
  cells: { at: number[]; value: number }[];
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
  kind: 'maxPool2d' | 'avgPool2d';
  input: Grid;
  kernelSize: number[];
  stride: number[];
  outShape: number[];
  windows: PoolWindow[];
  output: Grid;
  op: string;
}

/** One named quantity of a chain of equations: the formula, the numbers filled in, the value. */
export interface EquationStep {
  name: string;
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
  kind: 'equations';
  title: string;
  steps: EquationStep[];
}

/** Every trace kind. */
export type Trace = ConvTrace | ConvTransposeTrace | PoolTrace | EquationTrace;
