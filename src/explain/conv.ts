/**
 * Step-by-step traces of conv1d / conv2d (cross-correlation, or true convolution with the kernel
 * flipped) and of convTranspose2d: every window with its products and sum, next to the output
 * of convkit's own F.conv1d / F.conv2d / F.convTranspose2d.
 */
import { tensor } from '../tensor/creation.js';
import { flip } from '../tensor/ops/flip.js';
import * as F from '../nn/functional/index.js';
import { gridTensor, pair, tensorGrid, toGrid } from './grid.js';
import type { ConvTrace, ConvTransposeTrace, ConvWindow, Grid, ScatterCell } from './types.js';

/** Options of conv1dTrace / conv2dTrace (PyTorch names; numbers or [h, w] pairs in 2-D). */
export interface ConvTraceOptions {
  /** Stride (a number, or [h, w] in 2-D). Default 1. */
  stride?: number | readonly [number, number];
  /** Zeros per side, or 'valid' (0), 'same' (stride 1; output as large as the input), 'full' (k-1). */
  padding?: number | readonly [number, number] | 'valid' | 'same' | 'full';
  /** Dilation (a number, or [h, w] in 2-D). Default 1. */
  dilation?: number | readonly [number, number];
  /** Added to every window's sum. Default 0. */
  bias?: number;
  /** True convolution: flip the kernel on every axis before sliding it (default false: cross-correlation, what conv layers compute). */
  flip?: boolean;
}

function resolvePadding(op: string, p: ConvTraceOptions['padding'], k: number[], d: number[], s: number[]): number[] {
  if (p === undefined || p === 'valid') return [0, 0];
  if (p === 'full') return [d[0] * (k[0] - 1), d[1] * (k[1] - 1)];
  if (p === 'same') {
    if (s[0] !== 1 || s[1] !== 1)
      throw new RangeError(`${op}: padding 'same' needs stride 1, got stride ${s.join('x')}`);
    return [0, 1].map((a) => {
      const total = d[a] * (k[a] - 1);
      if (total % 2 !== 0)
        throw new RangeError(`${op}: padding 'same' with a kernel of even extent ${k[a]} pads unevenly; give a number`);
      return total / 2;
    });
  }
  return pair(op, 'padding', p as number | readonly number[], 0, 0);
}

const reversed = (g: Grid): Grid => g.map((row) => [...row].reverse()).reverse();

function convTrace(kind: 'conv1d' | 'conv2d', input: unknown, kernel: unknown, options: ConvTraceOptions): ConvTrace {
  const op = `explain.${kind}Trace`;
  const oneD = kind === 'conv1d';
  const x = toGrid(op, 'input', input),
    k = toGrid(op, 'kernel', kernel);
  if (oneD && (x.length !== 1 || k.length !== 1))
    throw new RangeError(`${op}: input and kernel must be 1-D lists (use conv2dTrace for grids)`);
  const one = (name: string, v: ConvTraceOptions['stride'], min: number): [number, number] => {
    if (oneD && Array.isArray(v)) throw new TypeError(`${op}: ${name} is one number in 1-D, got ${JSON.stringify(v)}`);
    const [a, b] = pair(op, name, v, 1, min);
    return oneD ? [1, b] : [a, b];
  };
  const stride = one('stride', options.stride, 1),
    dilation = one('dilation', options.dilation, 1);
  const kh = k.length,
    kw = k[0].length,
    h = x.length,
    w = x[0].length;
  let padding = resolvePadding(op, options.padding, [kh, kw], dilation, stride);
  if (oneD) padding = [0, padding[1]];
  const bias = options.bias ?? 0;
  if (typeof bias !== 'number' || !Number.isFinite(bias)) throw new TypeError(`${op}: bias must be a finite number`);
  const conv = options.flip === true;
  const applied = conv ? reversed(k) : k.map((r) => [...r]);
  const oh = Math.floor((h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  if (oh < 1 || ow < 1)
    throw new RangeError(
      `${op}: the ${oneD ? kw : `${kh}x${kw}`} kernel (dilation ${oneD ? dilation[1] : dilation.join('x')}) does not fit the padded ${oneD ? w : `${h}x${w}`} input; pad it or use a smaller kernel`,
    );
  // the output comes from convkit's op; the windows below expand it term by term
  let wt = gridTensor(k, oneD);
  if (conv) wt = flip(wt, oneD ? [2] : [2, 3]);
  const b = bias !== 0 ? tensor([bias]) : null;
  const xt = gridTensor(x, oneD);
  const out = oneD
    ? F.conv1d(xt, wt, b, { stride: stride[1], padding: padding[1], dilation: dilation[1] })
    : F.conv2d(xt, wt, b, {
        stride: [stride[0], stride[1]],
        padding: [padding[0], padding[1]],
        dilation: [dilation[0], dilation[1]],
      });
  const output = tensorGrid(out, oh, ow);
  const windows: ConvWindow[] = [];
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) {
      const r0 = i * stride[0] - padding[0],
        c0 = j * stride[1] - padding[1];
      const terms = [];
      let sum = bias;
      for (let a = 0; a < kh; a++)
        for (let bb = 0; bb < kw; bb++) {
          const r = r0 + a * dilation[0],
            c = c0 + bb * dilation[1];
          const padded = r < 0 || r >= h || c < 0 || c >= w;
          const v = padded ? 0 : x[r][c],
            wv = applied[a][bb];
          const product = v * wv + 0; // + 0 turns a -0 into 0
          sum += product;
          terms.push({ at: oneD ? [c] : [r, c], tap: oneD ? [bb] : [a, bb], input: v, weight: wv, product, padded });
        }
      windows.push({ out: oneD ? [j] : [i, j], origin: oneD ? [c0] : [r0, c0], terms, bias, sum, value: output[i][j] });
    }
  const opts = oneD
    ? `{ stride: ${stride[1]}, padding: ${padding[1]}, dilation: ${dilation[1]} }`
    : `{ stride: [${stride}], padding: [${padding}], dilation: [${dilation}] }`;
  const wname = conv ? `flip(w, [${oneD ? 2 : '2, 3'}])` : 'w';
  return {
    kind,
    operation: conv ? 'convolution' : 'cross-correlation',
    input: x,
    kernel: k,
    applied,
    bias,
    stride: oneD ? [stride[1]] : stride,
    padding: oneD ? [padding[1]] : padding,
    dilation: oneD ? [dilation[1]] : dilation,
    outShape: oneD ? [ow] : [oh, ow],
    windows,
    output,
    op: `F.${kind}(x, ${wname}, ${b ? 'b' : 'null'}, ${opts})`,
  };
}

/** Traces a 1-D convolution of a signal with a kernel (lists of numbers): each window's products and sum. */
export function conv1dTrace(
  input: readonly number[],
  kernel: readonly number[],
  options: ConvTraceOptions = {},
): ConvTrace {
  return convTrace('conv1d', input, kernel, options);
}

/** Traces a 2-D convolution of an image with a kernel (row lists): each window's products and sum. */
export function conv2dTrace(
  input: readonly (readonly number[])[],
  kernel: readonly (readonly number[])[],
  options: ConvTraceOptions = {},
): ConvTrace {
  return convTrace('conv2d', input, kernel, options);
}

/** Options of convTranspose2dTrace (PyTorch's ConvTranspose2d names). */
export interface ConvTransposeTraceOptions {
  /** Stride (a number or [h, w]). Default 1. */
  stride?: number | readonly [number, number];
  /** Padding removed from each side of the full output (a number or [h, w]). Default 0. */
  padding?: number | readonly [number, number];
  /** Extra rows and columns at the bottom and right of the output. Default 0. */
  outputPadding?: number | readonly [number, number];
  /** Dilation (a number or [h, w]). Default 1. */
  dilation?: number | readonly [number, number];
}

/**
 * Traces a transposed convolution: input cell (i, j) adds input[i][j] * kernel[a][b] to output
 * cell (i*s - p + a*d, j*s - p + b*d). Each output cell lists the products that land on it.
 */
export function convTranspose2dTrace(
  input: readonly (readonly number[])[],
  kernel: readonly (readonly number[])[],
  options: ConvTransposeTraceOptions = {},
): ConvTransposeTrace {
  const op = 'explain.convTranspose2dTrace';
  const x = toGrid(op, 'input', input),
    k = toGrid(op, 'kernel', kernel);
  const stride = pair(op, 'stride', options.stride, 1, 1),
    padding = pair(op, 'padding', options.padding, 0, 0),
    outputPadding = pair(op, 'outputPadding', options.outputPadding, 0, 0),
    dilation = pair(op, 'dilation', options.dilation, 1, 1);
  const h = x.length,
    w = x[0].length,
    kh = k.length,
    kw = k[0].length;
  const oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
  const ow = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
  if (oh < 1 || ow < 1) throw new RangeError(`${op}: padding ${padding.join('x')} removes the whole output; use less`);
  const out = F.convTranspose2d(gridTensor(x), gridTensor(k), null, {
    stride: [stride[0], stride[1]],
    padding: [padding[0], padding[1]],
    outputPadding: [outputPadding[0], outputPadding[1]],
    dilation: [dilation[0], dilation[1]],
  });
  const output = tensorGrid(out, oh, ow);
  const cells: ScatterCell[] = [];
  for (let r = 0; r < oh; r++)
    for (let c = 0; c < ow; c++) cells.push({ out: [r, c], terms: [], sum: 0, value: output[r][c] });
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++) {
          const r = i * stride[0] - padding[0] + a * dilation[0],
            c = j * stride[1] - padding[1] + b * dilation[1];
          if (r < 0 || r >= oh || c < 0 || c >= ow) continue;
          const cell = cells[r * ow + c];
          const product = x[i][j] * k[a][b];
          cell.terms.push({ from: [i, j], tap: [a, b], input: x[i][j], weight: k[a][b], product });
          cell.sum += product;
        }
  return {
    kind: 'convTranspose2d',
    input: x,
    kernel: k,
    stride,
    padding,
    outputPadding,
    dilation,
    outShape: [oh, ow],
    cells,
    output,
    op: `F.convTranspose2d(x, w, null, { stride: [${stride}], padding: [${padding}], outputPadding: [${outputPadding}], dilation: [${dilation}] })`,
  };
}
