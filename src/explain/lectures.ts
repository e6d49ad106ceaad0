/**
 * The registry of the five lectures' worked examples (/work/shared/seeds, mirrored by the tests
 * in test/lecture): a stable id per example, the lecture and section it comes from, its inputs,
 * the traces that compute it with convkit's ops, the right answer, and, where the note printed
 * something else, the note's value, the right one and the step that goes wrong.
 */
import { tensor, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from '../nn/functional/index.js';
import { avgPool2dTrace, maxPool2dTrace } from './pool.js';
import { conv1dTrace, conv2dTrace, convTranspose2dTrace } from './conv.js';
import {
  backpropTrace,
  batchNormTrace,
  convParamsTrace,
  dropoutTrace,
  momentumTrace,
  outputSizeTrace,
  softmaxCrossEntropyTrace,
} from './equations.js';
import { num } from './format-number.js';
import { convWindowLine, renderTrace } from './render.js';
import type { ConvTrace, EquationStep, EquationTrace, Grid, Trace } from './types.js';

/** A JSON value (inputs and answers are printed by `convkit explain lecture <id> --json`). */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Where a lecture note printed a value that differs from the right one. */
export interface LectureSlip {
  /** What is wrong: an output cell ("y[2,1]"), a shape, a product. */
  where: string;
  /** What the note prints. */
  printed: JsonValue;
  /** The right value, taken from the trace. */
  right: JsonValue;
  /** The step that goes wrong, with the trace's correct line. */
  step: string;
}

/** One worked example, replayed. */
export interface LectureExample {
  /** The example's id, e.g. `seed004.conv2d-5x5` (what `convkit explain lecture` takes). */
  id: string;
  /** Lecture number as in the seed file name ("000" .. "004"). */
  lecture: string;
  /** The seed file the example comes from. */
  source: string;
  /** The section of the lecture notes the example is in. */
  section: string;
  /** What the example computes. */
  title: string;
  /** The example's inputs, as in the notes. */
  inputs: { [key: string]: JsonValue };
  /** The step-by-step traces that compute the answer with convkit's ops. */
  traces: Trace[];
  /** The right answer(s) to the example's question, read from the traces. */
  answer: { [key: string]: JsonValue };
  /** Where the notes go wrong, each with the correct line from the trace. */
  slips: LectureSlip[];
  /** Remarks that are not slips (rounding, formula conventions, chosen inputs). */
  notes: string[];
}

/** The one-line listing of an example. */
export interface LectureExampleInfo {
  /** The example's id (what `convkit explain lecture` takes). */
  id: string;
  /** Lecture number ("000" .. "004"). */
  lecture: string;
  /** The section of the lecture notes. */
  section: string;
  /** What the example computes. */
  title: string;
  /** How many slips of the notes the example points out. */
  slips: number;
}

const SOURCES: Record<string, string> = {
  '000': '000_594938cf66fac341.txt (DS 4400, Deep Learning & CNNs)',
  '001': '001_52167cf6b100b21c.txt (image filtering and CNNs)',
  '002': '002_20aacb1edfa45849.txt (CNN lab notes)',
  '003': '003_60b72016da2f5f85.txt (neural nets, backpropagation, CNNs)',
  '004': '004_8be6e6ac1a4978a3.txt (convolutional neural networks)',
};

interface Entry {
  id: string;
  section: string;
  title: string;
  build: () => Omit<LectureExample, 'id' | 'lecture' | 'source' | 'section' | 'title'>;
}

const row = (t: ConvTrace): number[] => t.output[0];
const at = (t: ConvTrace, out: number[]): number =>
  t.windows.find((w) => w.out.join() === out.join())?.value ?? Number.NaN;
const lineAt = (t: ConvTrace, out: number[]): string =>
  convWindowLine(
    t,
    t.windows.findIndex((w) => w.out.join() === out.join()),
  );
const fill = (h: number, w: number, v: (r: number, c: number) => number): Grid =>
  Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => v(r, c)));
const flat = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>, Number);

const x004 = [4, 1, 1, 2, 3, 5, 8, 13],
  w004 = [1, -2, 1];
const x5: Grid = [
  [1, 0, 3, 0, 2],
  [0, 3, 4, 0, 2],
  [1, 0, 2, 0, 1],
  [8, 12, 0, 1, 0],
  [0, 6, 3, 2, 0],
];
const k3: Grid = [
  [1, -1, 0],
  [0, 2, -2],
  [-1, 0, 2],
];
const edge6: Grid = fill(6, 6, (_, c) => (c < 3 ? 10 : 0));
const vertical: Grid = [
  [-1, 0, 1],
  [-1, 0, 1],
  [-1, 0, 1],
];
const horizontal: Grid = [
  [-1, -1, -1],
  [0, 0, 0],
  [1, 1, 1],
];
const pool6: Grid = [
  [3, 0, 1, 0, 2, 4],
  [0, 1, 8, 12, 0, 0],
  [4, 0, 0, 3, 2, 2],
  [2, 0, 1, 0, 1, 1],
  [3, 2, 0, 6, 0, 5],
  [1, 0, 6, 0, 0, 9],
];
const eq = (title: string, steps: EquationStep[]): EquationTrace => ({ kind: 'equations', title, steps });

const ENTRIES: Record<string, Entry[]> = {
  '000': [
    {
      id: 'seed000.filter1d',
      section: 'Convolutional Neural Networks: Understanding a 1D Filter',
      title: 'signal [1 2 3 4 5] slid under filter [1 0 -1] gives [-2 -2 -2]',
      build: () => {
        const corr = conv1dTrace([1, 2, 3, 4, 5], [1, 0, -1]);
        const conv = conv1dTrace([1, 2, 3, 4, 5], [1, 0, -1], { flip: true });
        const t0 = corr.windows[0].terms[2];
        return {
          inputs: { signal: [1, 2, 3, 4, 5], filter: [1, 0, -1] },
          traces: [corr, conv],
          answer: { 'sliding (cross-correlation)': row(corr), 'true convolution (flipped filter)': row(conv) },
          slips: [
            {
              where: 'position 0, third product (third slide)',
              printed: '(2 * -1)',
              right: `(${t0.input} * ${t0.weight})`,
              step: `the window at position 0 covers signal values 1, 2, 3, so the third factor is ${t0.input}, not 2 (with 2 the sum would be -1, yet the slide still writes -2): ${convWindowLine(corr, 0)}`,
            },
          ],
          notes: ['true convolution flips the filter to [-1 0 1] and changes the sign: [2 2 2]'],
        };
      },
    },
    {
      id: 'seed000.vertical-edge',
      section: 'Convolutional Neural Networks: edge detection (6x6 image, 3x3 vertical filter)',
      title: '6x6 image [10 10 10 0 0 0] with the vertical-edge filter [[-1 0 1]]x3',
      build: () => {
        const corr = conv2dTrace(edge6, vertical);
        const conv = conv2dTrace(edge6, vertical, { flip: true });
        return {
          inputs: { image: edge6, filter: vertical },
          traces: [corr, conv],
          answer: { 'cross-correlation (conv2d)': corr.output, 'true convolution': conv.output },
          slips: [
            {
              where: 'output shape',
              printed: '3x4',
              right: corr.outShape.join('x'),
              step: `a 3x3 kernel on a 6x6 image fits (6 - 3 + 1) = ${corr.outShape[0]} times down and across`,
            },
            {
              where: 'y[r,1] (cross-correlation, every row)',
              printed: 30,
              right: at(corr, [0, 1]),
              step: `the window at column 1 covers columns 1..3 = 10, 10, 0 in each row: ${lineAt(corr, [0, 1])}`,
            },
            {
              where: 'y[r,2] (true convolution, every row)',
              printed: -30,
              right: at(conv, [0, 2]),
              step: `every row of the result has one sign; with the flipped kernel [1 0 -1]: ${lineAt(conv, [0, 2])}`,
            },
          ],
          notes: [
            'cross-correlation (what conv2d computes) gives [0 -30 -30 0] in each row, true convolution [0 30 30 0]',
          ],
        };
      },
    },
    {
      id: 'seed000.vertical-edge-stride2',
      section: 'Convolutional Neural Networks: Stride = 2',
      title: 'the same 6x6 edge image and filter with stride 2: a 2x2 map',
      build: () => {
        const t = conv2dTrace(edge6, vertical, { stride: 2 });
        return {
          inputs: { image: edge6, filter: vertical, stride: 2 },
          traces: [t],
          answer: { output: t.output },
          slips: [
            {
              where: 'output',
              printed: '3x4 [[0 30 -30 0] x3] (the stride-1 matrix repeated)',
              right: t.output,
              step: `with stride 2 the windows start at rows and columns 0 and 2 only (floor((6 - 3)/2) + 1 = ${t.outShape[0]}): ${lineAt(t, [0, 1])}`,
            },
          ],
          notes: [],
        };
      },
    },
    {
      id: 'seed000.output-size-table',
      section: 'Convolutional Neural Networks: output size (32x32 input, 3x3 kernel)',
      title: 'output sizes for padding 0/1/2 and stride 1/1/2, and padding floor(k/2) keeps the size',
      build: () => {
        const ts = [
          outputSizeTrace(32, 3, { padding: 0, stride: 1 }),
          outputSizeTrace(32, 3, { padding: 1, stride: 1 }),
          outputSizeTrace(32, 3, { padding: 2, stride: 2 }),
        ];
        const same = [3, 5, 7].map((k) => outputSizeTrace(32, k, { padding: Math.floor(k / 2) }));
        return {
          inputs: {
            n: 32,
            k: 3,
            rows: [
              [0, 1],
              [1, 1],
              [2, 2],
            ],
          },
          traces: [...ts, ...same],
          answer: {
            'p0 s1': ts[0].steps[0].value,
            'p1 s1': ts[1].steps[0].value,
            'p2 s2': ts[2].steps[0].value,
            'k 3/5/7 with p = floor(k/2)': same.map((t) => t.steps[0].value as number),
          },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed000.conv-volume',
      section: 'Convolutional Neural Networks: 32x32x3 image, six 5x5x3 filters (also 001, 003)',
      title: 'six 5x5x3 filters on 32x32x3: a 28x28x6 volume and 450 weights',
      build: () => {
        const size = outputSizeTrace(32, 5);
        const params = convParamsTrace(3, 6, 5);
        // one activation: the 5x5x3 chunk at the top left dotted with filter 0, plus its bias
        // (a patterned image and filter of small integers, so the sum can be checked by hand)
        const xv = (c: number, i: number, j: number): number => ((c + 2 * i + 3 * j) % 5) - 2;
        const wv = (f: number, c: number, i: number, j: number): number => ((f + c * i + j) % 3) - 1;
        const xt = tensor(Array.from({ length: 3 }, (_, c) => fill(32, 32, (i, j) => xv(c, i, j)))).reshape(
          1,
          3,
          32,
          32,
        );
        const wt = tensor(
          Array.from({ length: 6 }, (_, f) =>
            Array.from({ length: 3 }, (_, c) => fill(5, 5, (i, j) => wv(f, c, i, j))),
          ),
        );
        const y = F.conv2d(xt, wt, tensor([0.5, 0, 0, 0, 0, 0]));
        const perChannel = [0, 1, 2].map((c) => {
          let t = 0;
          for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) t += xv(c, i, j) * wv(0, c, i, j);
          return t;
        });
        const one = eq('one activation of the 28x28x6 volume: y[0, 0, 0]', [
          {
            name: 'channel sums',
            formula: 'sum_{i,j < 5} x[c, i, j] w0[c, i, j] for c = 0, 1, 2 (25 products each)',
            filled: 'x[c, i, j] = (c + 2i + 3j) mod 5 - 2, w0[c, i, j] = (ci + j) mod 3 - 1',
            value: perChannel,
          },
          {
            name: 'y[0,0,0]',
            formula: 'sum of the 75 products + b0',
            filled: `${perChannel.map(num).join(' + ')} + 0.5`,
            value: perChannel.reduce((p, q) => p + q, 0) + 0.5,
            fromOp: flat(y)[0],
            op: 'F.conv2d(x [1, 3, 32, 32], w [6, 3, 5, 5], b)',
          },
          {
            name: 'shape',
            formula: '[N, filters, 28, 28]',
            filled: 'F.conv2d(...).shape',
            value: [1, 6, 28, 28],
            fromOp: [...y.shape],
            op: 'F.conv2d(...).shape',
          },
        ]);
        return {
          inputs: { input: '32x32x3', filters: 6, kernel: '5x5x3' },
          traces: [size, params, one],
          answer: {
            output: `${String(size.steps[0].value)}x${String(size.steps[0].value)}x6`,
            weights: params.steps[0].value,
          },
          slips: [],
          notes: ['75 weights per filter (5*5*3), 6 filters; with biases 456 parameters'],
        };
      },
    },
    {
      id: 'seed000.receptive-field',
      section: 'Convolutional Neural Networks: stacking layers, larger receptive field',
      title: 'L stacked 3x3 convolutions see L*(k-1)+1 pixels per side',
      build: () => {
        const steps: EquationStep[] = [1, 2, 3].map((L) => {
          // an impulse pushed through L all-ones 3x3 convs: its non-zero footprint is the receptive field
          let y: Tensor = zeros([1, 1, 9, 9]);
          (y.data as Float32Array)[4 * 9 + 4] = 1;
          for (let l = 0; l < L; l++) y = F.conv2d(y, zeros([1, 1, 3, 3]).add(1), null, { padding: 1 });
          const nz = flat(y).filter((v) => v !== 0).length;
          return {
            name: `L = ${L}`,
            formula: '(L (k - 1) + 1)^2 pixels',
            filled: `(${L} * 2 + 1)^2`,
            value: (L * 2 + 1) ** 2,
            fromOp: nz,
            op: 'non-zero outputs of an impulse through L F.conv2d',
          };
        });
        return {
          inputs: { k: 3, layers: [1, 2, 3] },
          traces: [eq('receptive field of stacked 3x3 convolutions', steps)],
          answer: { 'side for L = 1, 2, 3': [3, 5, 7] },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed000.maxpool-3x3',
      section: 'Convolutional Neural Networks: Max Pool = (3x3) with stride = 3',
      title: 'max pool 3x3 stride 3 of the 10/0 edge image gives [[10 0] [10 0]]',
      build: () => {
        const t = maxPool2dTrace(edge6, { kernelSize: 3, stride: 3 });
        return { inputs: { image: edge6 }, traces: [t], answer: { output: t.output }, slips: [], notes: [] };
      },
    },
    {
      id: 'seed000.avgpool-3x3',
      section: 'Convolutional Neural Networks: Average Pool = (3x3) with stride = 3',
      title: 'average pool 3x3 stride 3: [[4 0.3] [3.3 0.3]]',
      build: () => {
        const img: Grid = [
          [1, 10, 1, 0, 1, 0],
          [1, 10, 1, 0, 1, 0],
          [1, 10, 1, 0, 1, 0],
          [10, 0, 0, 1, 0, 0],
          [10, 0, 0, 1, 0, 0],
          [10, 0, 0, 1, 0, 0],
        ];
        const t = avgPool2dTrace(img, { kernelSize: 3, stride: 3 });
        return {
          inputs: { image: img },
          traces: [t],
          answer: { output: t.output },
          slips: [],
          notes: ['the slide prints 0.3 and 3.3: 3/9 and 30/9 rounded to one decimal, not a slip'],
        };
      },
    },
    {
      id: 'seed000.backprop',
      section: 'Deep Learning: Backpropagation (1-1-1 sigmoid network, L = 1/2 (y - y_hat)^2)',
      title: 'one forward and backward pass of the two-layer sigmoid network, then a gradient-descent step',
      build: () => {
        const inputs = { a0: 0.5, w1: 0.8, b1: 0.1, w2: -1.2, b2: 0.3, y: 1, lr: 0.1 };
        const t = backpropTrace(inputs);
        const v = (name: string): number => t.steps.find((s) => s.name === name)?.value as number;
        return {
          inputs,
          traces: [t],
          answer: { L: v('L'), dw2: v('dw2'), db2: v('dz2'), dw1: v('dw1'), db1: v('dz1') },
          slips: [
            {
              where: 'dL/da1 on the second "Final Equations" slide',
              printed: `dz2 * a1 = ${num(v('dz2') * v('a1'))} (with these inputs)`,
              right: v('da1'),
              step: `the chain rule goes through dz2/da1 = w2, not a1 (a1 is the factor of dw2): da1 = dz2 * w2 = ${num(v('dz2'))} * ${num(inputs.w2)} = ${num(v('da1'))}; the first "Final Equations" slide has it right`,
            },
          ],
          notes: [
            'the slides give the equations without numbers; the inputs here are chosen, and autograd checks every gradient',
          ],
        };
      },
    },
    {
      id: 'seed000.batch-norm',
      section: 'Deep Learning Regularization: Batch Normalization',
      title: 'batch norm of a 2x2 batch: mean, variance, z_hat, gamma z_hat + beta, running statistics',
      build: () => {
        const batch = [
          [1, 2],
          [3, 6],
        ];
        const t = batchNormTrace(batch, { gamma: [2, 1], beta: [0.5, -1] });
        return {
          inputs: { batch, gamma: [2, 1], beta: [0.5, -1], eps: 1e-5, momentum: 0.1 },
          traces: [t],
          answer: { y: t.steps.filter((s) => s.name.startsWith('y ')).map((s) => s.value as number[]) },
          slips: [],
          notes: [
            'the slide writes z_hat = (z - mu_B) / sqrt(var_B); PyTorch and convkit add eps = 1e-5 inside the root',
          ],
        };
      },
    },
  ],
  '001': [
    {
      id: 'seed001.box-filter-1d',
      section: '1D Convolution. Example',
      title: 'f = [10 50 60 10 20 40 30] blurred by g = [1/3 1/3 1/3]',
      build: () => {
        const third = 1 / 3;
        const t = conv1dTrace([10, 50, 60, 10, 20, 40, 30], [third, third, third], { padding: 'same', flip: true });
        return {
          inputs: { f: [10, 50, 60, 10, 20, 40, 30], g: [third, third, third], padding: 'same (zeros)' },
          traces: [t],
          answer: { h: row(t), 'h(3)': at(t, [3]) },
          slips: [
            {
              where: 'h(4)',
              printed: 20,
              right: at(t, [4]),
              step: `h(4) averages f(3..5) = 10, 20, 40: ${lineAt(t, [4])}; the other six entries are right`,
            },
          ],
          notes: [],
        };
      },
    },
    {
      id: 'seed001.box-filter-2d',
      section: 'Example: box filter',
      title: 'the 10x10 image of 90s blurred by ones(3,3)/9 gives the 8x8 h on the slide',
      build: () => {
        const f = fill(10, 10, (r, c) =>
          r >= 2 && r <= 6 && c >= 3 && c <= 7 && !(r === 5 && c === 4) ? 90 : r === 8 && c === 2 ? 90 : 0,
        );
        const g = fill(3, 3, () => 1 / 9);
        const t = conv2dTrace(f, g);
        return {
          inputs: { f, g },
          traces: [t],
          answer: { h: t.output },
          slips: [],
          notes: ['a symmetric kernel: convolution and correlation agree'],
        };
      },
    },
    {
      id: 'seed001.linear-filters',
      section: 'Practice with linear filters',
      title: 'identity, shift by one pixel (and the flip of true convolution), sharpen',
      build: () => {
        const img: Grid = [
          [1, 2, 3, 4, 5],
          [6, 7, 8, 9, 10],
          [11, 12, 13, 14, 15],
          [16, 17, 18, 19, 20],
        ];
        const identity = [
          [0, 0, 0],
          [0, 1, 0],
          [0, 0, 0],
        ];
        const right = [
          [0, 0, 0],
          [0, 0, 1],
          [0, 0, 0],
        ];
        const sharpen = fill(3, 3, (r, c) => (r === 1 && c === 1 ? 2 : 0) - 1 / 9);
        const id = conv2dTrace(img, identity, { padding: 1 });
        const shiftCorr = conv2dTrace(img, right, { padding: 1 });
        const shiftConv = conv2dTrace(img, right, { padding: 1, flip: true });
        const sharp = conv2dTrace(img, sharpen, { padding: 1 });
        return {
          inputs: { image: img, identity, shift: right, sharpen: '2 * identity - ones(3,3)/9' },
          traces: [id, shiftCorr, shiftConv, sharp],
          answer: {
            identity: id.output,
            'shift (correlation: left)': shiftCorr.output,
            'shift (convolution: right)': shiftConv.output,
            sharpen: sharp.output,
          },
          slips: [],
          notes: [
            'the slides use a photograph; a small numbered image shows the same effects',
            'true convolution flips the kernel, so the same kernel shifts the other way ("notice the flip")',
          ],
        };
      },
    },
    {
      id: 'seed001.maxpool-backward',
      section: 'Max Pooling: what is the backprop rule for max pooling?',
      title: 'store the index that took the max; the gradient goes only there (also 002)',
      build: () => {
        const t = maxPool2dTrace(pool6, { kernelSize: 2 });
        const upstream = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        const x = tensor(pool6, { requiresGrad: true });
        const y = F.maxPool2d(x.reshape(1, 1, 6, 6), { kernelSize: 2 });
        y.backward(tensor(upstream).reshape(1, 1, 3, 3));
        const hand = new Array<number>(36).fill(0);
        t.windows.forEach((w, i) => {
          const [r, c] = w.argmax ?? [0, 0];
          hand[r * 6 + c] += upstream[i];
        });
        const g = eq('gradient of max pooling with upstream gradients 1..9', [
          {
            name: 'indices',
            formula: 'flat r*6 + c of each window max (first max wins a tie)',
            filled: 'from the windows above',
            value: t.windows.map((w) => (w.argmax?.[0] ?? 0) * 6 + (w.argmax?.[1] ?? 0)),
            fromOp: t.windows.map((w) => w.index ?? Number.NaN),
            op: 'F.maxPool2d returnIndices',
          },
          {
            name: 'dL/dx',
            formula: 'upstream gradient at the argmax, 0 elsewhere',
            filled: 'upstream [1..9] scattered to the indices',
            value: hand,
            fromOp: flat(x.grad as Tensor),
            op: 'autograd: x.grad',
          },
        ]);
        return {
          inputs: { x: pool6, upstream },
          traces: [t, g],
          answer: { indices: g.steps[0].value, grad: hand },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed001.channel-pool',
      section: 'Pooling across channels: why?',
      title: 'max over a vertical- and a horizontal-edge channel responds to either edge',
      build: () => {
        const vImg = fill(5, 5, (_, c) => (c >= 2 ? 10 : 0));
        const hImg = fill(5, 5, (r) => (r >= 2 ? 10 : 0));
        const traces = [
          conv2dTrace(vImg, vertical),
          conv2dTrace(vImg, horizontal),
          conv2dTrace(hImg, vertical),
          conv2dTrace(hImg, horizontal),
        ];
        const filters = tensor([vertical, horizontal]).reshape(2, 1, 3, 3);
        const pooled = [vImg, hImg].map((im) =>
          flat(F.channelMaxPool(F.conv2d(tensor(im).reshape(1, 1, 5, 5), filters), { kernelSize: 2 })),
        );
        const hand = [0, 2].map((i) =>
          traces[i].output.flat().map((v, k) => Math.max(v, traces[i + 1].output.flat()[k])),
        );
        const p = eq('channel max pool of the two edge responses', [
          {
            name: 'vertical-edge image',
            formula: 'max(vertical response, horizontal response) per pixel',
            filled: 'from the first two traces',
            value: hand[0],
            fromOp: pooled[0],
            op: 'F.channelMaxPool(F.conv2d(x, filters), { kernelSize: 2 })',
          },
          {
            name: 'horizontal-edge image',
            formula: 'max(vertical response, horizontal response) per pixel',
            filled: 'from the last two traces',
            value: hand[1],
            fromOp: pooled[1],
            op: 'F.channelMaxPool(F.conv2d(x, filters), { kernelSize: 2 })',
          },
        ]);
        return {
          inputs: { verticalEdgeImage: vImg, horizontalEdgeImage: hImg, filters: [vertical, horizontal] },
          traces: [...traces, p],
          answer: {
            'peak for the vertical-edge image': Math.max(...hand[0]),
            'peak for the horizontal-edge image': Math.max(...hand[1]),
          },
          slips: [],
          notes: ['the slide argues in pictures; these images and filters make it numeric'],
        };
      },
    },
    {
      id: 'seed001.dropout',
      section: 'Dropout (Srivastava et al., JMLR 2014)',
      title: 'inverted dropout with p = 0.5 and a seeded mask',
      build: () => {
        const x = [1, 2, 3, 4, 5, 6, 7, 8];
        const t = dropoutTrace(x, { p: 0.5, seed: 0 });
        return {
          inputs: { x, p: 0.5, seed: 0 },
          traces: [t],
          answer: { y: t.steps[2].value },
          slips: [],
          notes: ['the slide shows the thinned network as a figure; the numbers here are chosen'],
        };
      },
    },
    {
      id: 'seed001.transposed-conv',
      section: 'Transposed Convolution (deconvolution, fractionally strided convolution)',
      title: 'a 2x2 input upsampled by a 3x3 kernel with stride 2',
      build: () => {
        const x = [
          [1, 2],
          [3, 4],
        ];
        const k = [
          [1, 0, -1],
          [2, 1, 0],
          [0, 1, 1],
        ];
        const t = convTranspose2dTrace(x, k, { stride: 2 });
        return {
          inputs: { x, kernel: k, stride: 2 },
          traces: [t],
          answer: { output: t.output },
          slips: [],
          notes: ['the slide shows an animation; the numbers here are chosen'],
        };
      },
    },
    {
      id: 'seed001.dilated-conv',
      section: 'Transposed Conv vs. Dilated Conv',
      title: 'a 3x3 kernel with dilation 2 on a 5x5 input: one output seeing the whole 5x5',
      build: () => {
        const x = fill(5, 5, (r, c) => r * 5 + c + 1);
        const t = conv2dTrace(x, k3, { dilation: 2 });
        return {
          inputs: { x, kernel: k3, dilation: 2 },
          traces: [t],
          answer: { output: t.output },
          slips: [],
          notes: ['the slide shows a figure; the numbers here are chosen'],
        };
      },
    },
    {
      id: 'seed001.convnet-shapes',
      section: 'Example ConvNet: 10 3x3 filters stride 1 pad 1, then 2x2 pool stride 2',
      title: 'a 3x32x32 CIFAR image to 10x32x32, then 10x16x16',
      build: () => {
        const conv = outputSizeTrace(32, 3, { stride: 1, padding: 1 });
        const pool = outputSizeTrace(32, 2, { stride: 2 });
        const shape = F.maxPool2d(F.conv2d(zeros([1, 3, 32, 32]), zeros([10, 3, 3, 3]), zeros([10]), { padding: 1 }), {
          kernelSize: 2,
          stride: 2,
        }).shape;
        return {
          inputs: { input: '3x32x32', conv: '10 filters 3x3, stride 1, pad 1', pool: '2x2 stride 2' },
          traces: [conv, pool],
          answer: {
            'after conv': `10x${String(conv.steps[0].value)}x${String(conv.steps[0].value)}`,
            'after pool': shape.slice(1).join('x'),
          },
          slips: [],
          notes: ['pooling uses the same size formula with its window as k'],
        };
      },
    },
  ],
  '002': [
    {
      id: 'seed002.edge-6x6',
      section: 'Convolution: a 6x6 input and a 3x3 vertical-edge filter, 16 placements',
      title: 'rows alternating 1..6 and 6..1 with [[1 0 -1]]x3: the first placement is -2',
      build: () => {
        const img = fill(6, 6, (r, c) => (r % 2 === 0 ? c + 1 : 6 - c));
        const k = [
          [1, 0, -1],
          [1, 0, -1],
          [1, 0, -1],
        ];
        const t = conv2dTrace(img, k);
        return {
          inputs: { image: img, filter: k },
          traces: [t],
          answer: { 'first placement': at(t, [0, 0]), placements: t.windows.length, output: t.output },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed002.full-padding',
      section: 'Zero padding: valid, same and full',
      title: "'full' padding (k - 1 per side) on a 7-wide input with a 3x3 kernel gives 9",
      build: () => {
        const t = outputSizeTrace(7, 3, { padding: 'full' });
        return {
          inputs: { n: 7, k: 3, padding: 'full' },
          traces: [t],
          answer: { out: t.steps[0].value },
          slips: [],
          notes: [],
        };
      },
    },
  ],
  '003': [
    {
      id: 'seed003.activations',
      section: 'Neural Nets: Definition (ReLU, sigmoid, tanh)',
      title: 'ReLU, sigmoid 1/(1 + e^-a) and tanh (e^a - e^-a)/(e^a + e^-a) at a = -2, -0.5, 0, 0.5, 2',
      build: () => {
        const a = [-2, -0.5, 0, 0.5, 2];
        const x = tensor(a);
        const ep = a.map(Math.exp),
          en = a.map((v) => Math.exp(-v));
        const tanh = a.map((_, i) => (ep[i] - en[i]) / (ep[i] + en[i]));
        const t = eq('activation functions', [
          {
            name: 'ReLU',
            formula: 'max{0, a}',
            filled: a.map((v) => `max(0, ${num(v)})`).join(', '),
            value: a.map((v) => Math.max(0, v)),
            fromOp: flat(F.relu(x)),
            op: 'F.relu',
          },
          {
            name: 'sigmoid',
            formula: '1 / (1 + e^-a)',
            filled: en.map((v) => `1 / (1 + ${num(v)})`).join(', '),
            value: en.map((v) => 1 / (1 + v)),
            fromOp: flat(F.sigmoid(x)),
            op: 'F.sigmoid',
          },
          {
            name: 'e^a - e^-a',
            formula: 'numerator of tanh',
            filled: a.map((_, i) => `${num(ep[i])} - ${num(en[i])}`).join(', '),
            value: a.map((_, i) => ep[i] - en[i]),
          },
          {
            name: 'e^a + e^-a',
            formula: 'denominator of tanh',
            filled: a.map((_, i) => `${num(ep[i])} + ${num(en[i])}`).join(', '),
            value: a.map((_, i) => ep[i] + en[i]),
          },
          {
            name: 'tanh',
            formula: '(e^a - e^-a) / (e^a + e^-a)',
            filled: 'numerator / denominator',
            value: tanh,
            fromOp: flat(F.tanh(x)),
            op: 'F.tanh',
          },
        ]);
        const i2 = a.indexOf(2);
        return {
          inputs: { a },
          traces: [t],
          answer: { relu: t.steps[0].value, sigmoid: t.steps[1].value, tanh },
          slips: [
            {
              where: 'tanh numerator',
              printed: `e^a e^-a (= 1 for every a; tanh(2) would be ${num(1 / (ep[i2] + en[i2]))})`,
              right: tanh[i2],
              step: `the numerator is the difference e^a - e^-a, not the product (which is always 1): at a = 2, (${num(ep[i2])} - ${num(en[i2])}) / (${num(ep[i2])} + ${num(en[i2])}) = ${num(tanh[i2])}; lecture 000 writes it right`,
            },
          ],
          notes: [],
        };
      },
    },
    {
      id: 'seed003.output-size-7x7',
      section: 'Convolution layer: 7x7 input (spatially), 3x3 filter',
      title: 'stride 1 gives 5, stride 2 gives 3, stride 3 does not fit (2, last column uncovered), pad 1 gives 7',
      build: () => {
        const ts = [
          outputSizeTrace(7, 3, { stride: 1 }),
          outputSizeTrace(7, 3, { stride: 2 }),
          outputSizeTrace(7, 3, { stride: 3 }),
          outputSizeTrace(7, 3, { stride: 1, padding: 1 }),
        ];
        return {
          inputs: { n: 7, k: 3 },
          traces: ts,
          answer: {
            'stride 1': ts[0].steps[0].value,
            'stride 2': ts[1].steps[0].value,
            'stride 3': ts[2].steps[0].value,
            'stride 1, pad 1': ts[3].steps[0].value,
          },
          slips: [],
          notes: [
            'stride 3: (7 - 3)/3 + 1 = 2.33 is not an integer; like PyTorch, convkit floors to 2 and never reads the last column',
          ],
        };
      },
    },
    {
      id: 'seed003.conv-params-760',
      section: 'Convolution layer: 32x32x3 input, ten 5x5 filters, stride 1, pad 2',
      title: 'output 32x32x10 and (5*5*3 + 1) * 10 = 760 parameters',
      build: () => {
        const size = outputSizeTrace(32, 5, { stride: 1, padding: 2 });
        const params = convParamsTrace(3, 10, 5);
        return {
          inputs: { input: '32x32x3', filters: 10, kernel: 5, stride: 1, padding: 2 },
          traces: [size, params],
          answer: {
            output: `${String(size.steps[0].value)}x${String(size.steps[0].value)}x10`,
            parameters: params.steps[1].value,
          },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed003.shrinking-volumes',
      section: 'Convolution layer: 32x32 input convolved repeatedly with 5x5 filters',
      title: 'volumes shrink spatially: 32 -> 28 -> 24',
      build: () => {
        const a = outputSizeTrace(32, 5);
        const b = outputSizeTrace(a.steps[0].value as number, 5);
        return {
          inputs: { n: 32, k: 5, layers: 2 },
          traces: [a, b],
          answer: { sizes: [a.steps[0].value as number, b.steps[0].value as number] },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed003.momentum',
      section: 'SGD with momentum (a simple version)',
      title: 'v <- alpha v + g_t, w_t <- w_{t-1} - eta v for three rounds, and the unrolled updates',
      build: () => {
        const t = momentumTrace(3, [1, -2, 4], { lr: 0.1, momentum: 0.5 });
        return {
          inputs: { w0: 3, gradients: [1, -2, 4], eta: 0.1, alpha: 0.5 },
          traces: [t],
          answer: { w: t.steps.filter((s) => /^w\d$/.test(s.name)).map((s) => s.value as number) },
          slips: [],
          notes: ['the slide gives the update rule without numbers; the inputs here are chosen'],
        };
      },
    },
    {
      id: 'seed003.softmax-cross-entropy',
      section: 'Softmax + MLE = minimizing cross-entropy loss',
      title: 'softmax of logits [1 2 3] and the cross-entropy of class 2',
      build: () => {
        const t = softmaxCrossEntropyTrace([1, 2, 3], 2);
        return {
          inputs: { logits: [1, 2, 3], target: 2 },
          traces: [t],
          answer: { p: t.steps[3].value, loss: t.steps[4].value },
          slips: [],
          notes: ['the slide gives the formula; the logits here are chosen'],
        };
      },
    },
  ],
  '004': [
    {
      id: 'seed004.conv1d',
      section: '1-D convolution: example x = (4,1,1,2,3,5,8,13), w = (1,-2,1)',
      title: 'no padding: z_2..z_7 = [3 1 0 1 1 2]',
      build: () => {
        const t = conv1dTrace(x004, w004);
        const f = conv1dTrace(x004, w004, { flip: true });
        return {
          inputs: { x: x004, w: w004 },
          traces: [t, f],
          answer: { z: row(t) },
          slips: [],
          notes: ['the kernel is symmetric, so the flip of true convolution changes nothing'],
        };
      },
    },
    {
      id: 'seed004.conv1d-same',
      section: '1-D convolution: zero padding to keep the dimension',
      title: 'padding 1 keeps the length: z_1 = -7 ... z_8 = -18',
      build: () => {
        const t = conv1dTrace(x004, w004, { padding: 1 });
        return { inputs: { x: x004, w: w004, padding: 1 }, traces: [t], answer: { z: row(t) }, slips: [], notes: [] };
      },
    },
    {
      id: 'seed004.conv2d-5x5',
      section: 'Convolution layer in CNN: 5x5 input with a 3x3 filter',
      title: 'the 3x3 feature map (cross-correlation, bias 0)',
      build: () => {
        const t = conv2dTrace(x5, k3);
        return {
          inputs: { x: x5, kernel: k3, bias: 0 },
          traces: [t],
          answer: { output: t.output },
          slips: [
            {
              where: 'y[2,1]',
              printed: -8,
              right: at(t, [2, 1]),
              step: `the nine products on the slide are right; their sum is not: ${lineAt(t, [2, 1])}`,
            },
          ],
          notes: [
            'the first slide shows the kernel with -3 in the middle row; the worked slides (and their sums) use -2, as here',
          ],
        };
      },
    },
    {
      id: 'seed004.conv2d-stride2',
      section: 'Convolution layer in CNN: stride 2',
      title: 'stride 2: a 2x2 map of every other window (and with the -3 kernel of the first slide)',
      build: () => {
        const t = conv2dTrace(x5, k3, { stride: 2 });
        const k3b = [
          [1, -1, 0],
          [0, 2, -3],
          [-1, 0, 2],
        ];
        const b = conv2dTrace(x5, k3b, { stride: 2 });
        return {
          inputs: { x: x5, kernel: k3, stride: 2, firstSlideKernel: k3b },
          traces: [t, b],
          answer: { output: t.output, 'with the -3 kernel': b.output },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed004.conv2d-pad1',
      section: 'Convolution layer in CNN: zero-padding 1',
      title: 'zero padding 1: a 5x5 output, the same size as the input',
      build: () => {
        const t = conv2dTrace(x5, k3, { padding: 1 });
        return {
          inputs: { x: x5, kernel: k3, padding: 1 },
          traces: [t],
          answer: { output: t.output },
          slips: [],
          notes: ['the inner 3x3 is the unpadded result'],
        };
      },
    },
    {
      id: 'seed004.output-size-formula',
      section: 'Convolution layer: H2 = (H1 - F + 2P)/S + 1',
      title: 'a 5x5 input with F = 3, S = 2, P = 1 gives 3x3',
      build: () => {
        const t = outputSizeTrace(5, 3, { stride: 2, padding: 1 });
        return {
          inputs: { H1: 5, F: 3, S: 2, P: 1 },
          traces: [t],
          answer: { H2: t.steps[0].value },
          slips: [],
          notes: [],
        };
      },
    },
    {
      id: 'seed004.maxpool-2x2',
      section: 'Pooling example (ML4Engineers book)',
      title: 'max pool 2x2 stride 2 of the 6x6 input: [[3 12 4] [4 3 2] [3 6 9]]',
      build: () => {
        const t = maxPool2dTrace(pool6, { kernelSize: 2, stride: 2 });
        return { inputs: { x: pool6 }, traces: [t], answer: { output: t.output }, slips: [], notes: [] };
      },
    },
  ],
};

const ALL: (Entry & { lecture: string })[] = Object.entries(ENTRIES).flatMap(([lecture, list]) =>
  list.map((e) => ({ ...e, lecture })),
);

/** Every worked example: id, lecture, section, one-line title and how many slips the note has. */
export function listLectureExamples(): LectureExampleInfo[] {
  return ALL.map((e) => ({
    id: e.id,
    lecture: e.lecture,
    section: e.section,
    title: e.title,
    slips: e.build().slips.length,
  }));
}

/** Replays one worked example by id (see listLectureExamples); the error lists close ids. */
export function lectureExample(id: string): LectureExample {
  const e = ALL.find((x) => x.id === id);
  if (!e) {
    const prefix = typeof id === 'string' ? id.split('.')[0] : '';
    const near = ALL.filter((x) => x.id.startsWith(prefix)).map((x) => x.id);
    throw new RangeError(
      `explain: no lecture example '${String(id)}' (${near.length > 0 && prefix ? `in ${prefix}: ${near.join(', ')}` : `ids start with seed000..seed004; list them with convkit explain lecture`})`,
    );
  }
  const built = e.build();
  return { id: e.id, lecture: e.lecture, source: SOURCES[e.lecture], section: e.section, title: e.title, ...built };
}

const json = (v: JsonValue): string => {
  if (typeof v === 'number') return num(v);
  if (Array.isArray(v)) return `[${v.map(json).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${json(x)}`)
      .join(', ')} }`;
  return String(v);
};

/** The text replay of an example: where it comes from, every trace, the answer, and each slip with both values. */
export function renderLectureExample(ex: LectureExample): string {
  const out = [`${ex.id}: ${ex.title}`, `lecture ${ex.lecture} (${ex.source}), section "${ex.section}"`, ''];
  ex.traces.forEach((t, i) => {
    out.push(`step ${i + 1} of ${ex.traces.length}: ${renderTrace(t)}`, '');
  });
  out.push('answer:');
  for (const [k, v] of Object.entries(ex.answer)) out.push(`  ${k}: ${json(v)}`);
  for (const n of ex.notes) out.push(`note: ${n}`);
  if (ex.slips.length === 0) out.push("the note's printed values agree with these.");
  for (const s of ex.slips) {
    out.push(`SLIP at ${s.where}: the note prints ${json(s.printed)}; the right value is ${json(s.right)}.`);
    out.push(`  the step that goes wrong: ${s.step}`);
  }
  return out.join('\n');
}
