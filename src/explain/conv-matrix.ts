/**
 * Convolution as a matrix (seed 001, "Toeplitz matrix"): a conv layer is a constrained linear
 * layer x_out = W x_in + b, where W repeats the kernel taps along its diagonals. In 1-D W is a
 * Toeplitz matrix; in 2-D it is block Toeplitz with Toeplitz blocks (doubly block Toeplitz), and
 * with circular padding block circulant with circulant blocks (doubly block circulant).
 * `convMatrix` builds W for a small case, renders it (tap names per entry, '.' for zero, '|'
 * between blocks of one input row) and checks that W @ vec(x) + b equals conv1d/conv2d of x.
 */
import { conv1d, conv2d } from '../nn/functional/conv.js';
import { checkOptionNames, checkTensor, intTuple, resolvePadding } from '../nn/functional/conv-args.js';
import { noGrad } from '../autograd/engine.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of `convMatrix` (PyTorch's names). */
export interface ConvMatrixOptions {
  /** Step of the window. Default 1. */
  stride?: number | readonly number[];
  /** Padding per side, or 'valid' | 'same' | 'full'. Default 0. */
  padding?: number | readonly number[] | 'valid' | 'same' | 'full';
  /** Spacing of the kernel taps. Default 1. */
  dilation?: number | readonly number[];
  /** 'zeros' (Toeplitz blocks) or 'circular' (circulant blocks). Default 'zeros'. */
  paddingMode?: 'zeros' | 'circular';
}

/** The matrix, what it was checked against, and a text rendering. */
export interface ConvMatrix {
  /** W, shape (Cout*outputCells, Cin*inputCells): row = output unit, column = input pixel (row-major). */
  matrix: Tensor;
  /** Input shape without batch ((C, L) or (C, H, W)). */
  inputShape: number[];
  /** Output shape without batch. */
  outputShape: number[];
  /** Kernel tap of every non-zero entry: label[row][col] such as 'w12' (or 'c1:w12' with several input channels), '' for zero. */
  labels: string[][];
  /** W @ vec(x) + b, reshaped to the output shape. */
  product: Tensor;
  /** conv1d / conv2d of x, shape outputShape. */
  conv: Tensor;
  /** Largest |product - conv| (float32 rounding only: about 1e-6 of the values). */
  maxAbsDiff: number;
  /** 'Toeplitz', 'doubly block Toeplitz', 'circulant' or 'doubly block circulant'. */
  structure: string;
  /** The rendering: structure, the matrix of tap names, the numbers, and the check. */
  text: string;
}

/** Largest matrix built (entries): a teaching tool for small cases. */
export const CONV_MATRIX_MAX_ENTRIES = 1 << 20;

/**
 * The convolution matrix of weight (Cout, Cin, k) or (Cout, Cin, kH, kW) over input x ((Cin, L)
 * or (Cin, H, W), or with a batch of one), optionally with a bias (Cout), e.g.
 * convMatrix(tensor([[1, 2, 3, 4, 5]]), tensor([[[1, 0, -1]]])) for the 1-D Toeplitz view.
 */
export function convMatrix(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvMatrixOptions = {},
): ConvMatrix {
  const op = 'convMatrix';
  checkOptionNames(op, options, ['stride', 'padding', 'dilation', 'paddingMode']);
  checkTensor(op, 'weight', weight);
  checkTensor(op, 'input', input);
  const dims = weight.ndim - 2;
  if (dims !== 1 && dims !== 2)
    throw new RangeError(`${op}: weight must be (Cout, Cin, k) or (Cout, Cin, kH, kW), got shape ${fmt(weight.shape)}`);
  const [cout, cin, ...k] = weight.shape;
  let x = input;
  if (x.ndim === dims + 2) {
    if (x.shape[0] !== 1)
      throw new RangeError(`${op}: input must hold one sample, got a batch of ${x.shape[0]} (shape ${fmt(x.shape)})`);
    x = x.reshape(x.shape.slice(1));
  }
  if (x.ndim !== dims + 1 || x.shape[0] !== cin) {
    throw new RangeError(
      `${op}: input must be (${cin}, ${dims === 1 ? 'L' : 'H, W'}) for weight ${fmt(weight.shape)}, got shape ${fmt(input.shape)}`,
    );
  }
  if (bias !== null) {
    checkTensor(op, 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== cout)
      throw new RangeError(`${op}: bias must be (${cout}), got shape ${fmt(bias.shape)}`);
  }
  const mode = options.paddingMode ?? 'zeros';
  if (mode !== 'zeros' && mode !== 'circular')
    throw new TypeError(`${op}: paddingMode must be 'zeros' or 'circular', got ${JSON.stringify(mode)}`);
  const s = intTuple(op, 'stride', options.stride ?? 1, dims, 1);
  const d = intTuple(op, 'dilation', options.dilation ?? 1, dims, 1);
  const pad = resolvePadding(op, options.padding, k, d);
  const inSp = x.shape.slice(1);
  const outSp = inSp.map((n, a) => Math.floor((n + pad.before[a] + pad.after[a] - d[a] * (k[a] - 1) - 1) / s[a]) + 1);
  if (outSp.some((o) => o < 1))
    throw new RangeError(`${op}: kernel ${fmt(k)} (dilation ${fmt(d)}) does not fit in the padded input ${fmt(inSp)}`);
  // 2-D geometry with a height of 1 for the 1-D case
  const [H, W] = dims === 2 ? inSp : [1, inSp[0]];
  const [oH, oW] = dims === 2 ? outSp : [1, outSp[0]];
  const [kH, kW] = dims === 2 ? k : [1, k[0]];
  const [sH, sW] = dims === 2 ? s : [1, s[0]];
  const [dH, dW] = dims === 2 ? d : [1, d[0]];
  const [pT, pL] = dims === 2 ? pad.before : [0, pad.before[0]];
  const rows = cout * oH * oW,
    cols = cin * H * W;
  if (rows * cols > CONV_MATRIX_MAX_ENTRIES)
    throw new RangeError(
      `${op}: the matrix would have ${rows} x ${cols} entries (more than ${CONV_MATRIX_MAX_ENTRIES}); use a smaller input or fewer channels`,
    );
  const m = new Float32Array(rows * cols);
  const labels: string[][] = Array.from({ length: rows }, () => new Array<string>(cols).fill(''));
  const wd = weight.data;
  const tapName = (ci: number, ki: number, kj: number): string =>
    `${cin > 1 ? `c${ci}:` : ''}w${dims === 2 ? `${ki}${kj}` : `${kj}`}`;
  for (let co = 0; co < cout; co++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        const r = (co * oH + oh) * oW + ow;
        for (let ci = 0; ci < cin; ci++) {
          for (let ki = 0; ki < kH; ki++) {
            let ih = oh * sH - pT + ki * dH;
            if (mode === 'circular') ih = ((ih % H) + H) % H;
            if (ih < 0 || ih >= H) continue;
            for (let kj = 0; kj < kW; kj++) {
              let iw = ow * sW - pL + kj * dW;
              if (mode === 'circular') iw = ((iw % W) + W) % W;
              if (iw < 0 || iw >= W) continue;
              const c = (ci * H + ih) * W + iw;
              m[r * cols + c] += wd[((co * cin + ci) * kH + ki) * kW + kj];
              labels[r][c] = labels[r][c] ? `${labels[r][c]}+${tapName(ci, ki, kj)}` : tapName(ci, ki, kj);
            }
          }
        }
      }
    }
  }
  const matrix = new Tensor(m, [rows, cols]);
  const xd = x.data;
  const prod = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = bias ? bias.data[Math.floor(r / (oH * oW))] : 0;
    for (let c = 0; c < cols; c++) acc += m[r * cols + c] * xd[c];
    prod[r] = acc;
  }
  const outputShape = [cout, ...outSp];
  const product = new Tensor(prod, outputShape);
  const padArg = typeof options.padding === 'string' ? options.padding : null;
  const conv = noGrad(() =>
    dims === 2
      ? conv2d(x.reshape([1, ...x.shape]), weight, bias, {
          stride: [s[0], s[1]],
          dilation: [d[0], d[1]],
          padding: padArg ?? [pad.before[0], pad.before[1]],
          paddingMode: mode,
        })
      : conv1d(x.reshape([1, ...x.shape]), weight, bias, {
          stride: s[0],
          dilation: d[0],
          padding: padArg ?? pad.before[0],
          paddingMode: mode,
        }),
  ).reshape(outputShape);
  let maxAbsDiff = 0;
  for (let i = 0; i < rows; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(prod[i] - conv.data[i]));
  const circ = mode === 'circular';
  const structure =
    dims === 1 ? (circ ? 'circulant' : 'Toeplitz') : circ ? 'doubly block circulant' : 'doubly block Toeplitz';
  const result = { matrix, inputShape: [...x.shape], outputShape, labels, product, conv, maxAbsDiff, structure };
  return { ...result, text: renderConvMatrix(result, W, dims, bias !== null) };
}

function renderConvMatrix(r: Omit<ConvMatrix, 'text'>, rowWidth: number, dims: number, hasBias: boolean): string {
  const [rows, cols] = r.matrix.shape;
  const lines = [
    `convolution as a matrix: input ${fmt(r.inputShape)} -> output ${fmt(r.outputShape)}; W is ${rows} x ${cols} (${r.structure})`,
    `vec(y) = W vec(x)${hasBias ? ' + b' : ''}; row = output unit, column = input pixel in row-major order${dims === 2 ? `, '|' every ${rowWidth} columns (one input row per block)` : ''}`,
  ];
  if (cols > 64 || rows > 64) {
    lines.push(`(${rows} x ${cols} is too large to print; see .matrix and .labels)`);
  } else {
    const grid = (cell: (i: number, j: number) => string): string[] => {
      const cells = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => cell(i, j)));
      const w = Math.max(1, ...cells.flat().map((c) => c.length));
      return cells.map(
        (row) =>
          `  ${row
            .map((c, j) => `${dims === 2 && j > 0 && j % rowWidth === 0 ? '| ' : ''}${c.padStart(w)}`)
            .join(' ')}`,
      );
    };
    lines.push('taps:', ...grid((i, j) => r.labels[i][j] || '.'));
    const md = r.matrix.data;
    lines.push(
      'values:',
      ...grid((i, j) => {
        const v = md[i * cols + j];
        return v === 0 ? '.' : String(Number(v.toPrecision(4)));
      }),
    );
  }
  lines.push(
    `check: W @ vec(x)${hasBias ? ' + b' : ''} = ${r.outputShape.length === 2 ? 'conv1d' : 'conv2d'}(x): max |difference| = ${r.maxAbsDiff.toExponential(1)}`,
  );
  return lines.join('\n');
}
