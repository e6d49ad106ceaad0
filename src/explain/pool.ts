/**
 * Step-by-step traces of maxPool2d (each window, its maximum and the argmax the backward pass
 * routes the gradient to) and avgPool2d (each window's sum and mean), next to convkit's
 * F.maxPool2d (with returnIndices) / F.avgPool2d.
 */
import * as F from '../nn/functional/index.js';
import { gridTensor, pair, tensorGrid, toGrid } from './grid.js';
import type { PoolTrace, PoolWindow } from './types.js';

/** Options of the pool traces: window size and stride (default: the window size, as in PyTorch). */
export interface PoolTraceOptions {
  /** Window size (a number or [h, w]). */
  kernelSize: number | readonly [number, number];
  /** Stride (a number or [h, w]); default the window size. */
  stride?: number | readonly [number, number];
}

function poolTrace(kind: 'maxPool2d' | 'avgPool2d', input: unknown, options: PoolTraceOptions): PoolTrace {
  const op = `explain.${kind}Trace`;
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${op}: options { kernelSize } are required`);
  const x = toGrid(op, 'input', input);
  const k = pair(op, 'kernelSize', options.kernelSize, 1, 1);
  const s = options.stride === undefined ? k : pair(op, 'stride', options.stride, 1, 1);
  const h = x.length,
    w = x[0].length;
  if (k[0] > h || k[1] > w) throw new RangeError(`${op}: the ${k.join('x')} window is larger than the ${h}x${w} input`);
  const oh = Math.floor((h - k[0]) / s[0]) + 1,
    ow = Math.floor((w - k[1]) / s[1]) + 1;
  const opts = { kernelSize: [k[0], k[1]] as [number, number], stride: [s[0], s[1]] as [number, number] };
  let output: number[][];
  let indices: number[] | null = null;
  if (kind === 'maxPool2d') {
    const [y, idx] = F.maxPool2d(gridTensor(x), { ...opts, returnIndices: true });
    output = tensorGrid(y, oh, ow);
    indices = Array.from(idx.data as ArrayLike<number>, Number);
  } else output = tensorGrid(F.avgPool2d(gridTensor(x), opts), oh, ow);
  const windows: PoolWindow[] = [];
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) {
      const r0 = i * s[0],
        c0 = j * s[1];
      const cells: { at: number[]; value: number }[] = [];
      for (let a = 0; a < k[0]; a++)
        for (let b = 0; b < k[1]; b++) cells.push({ at: [r0 + a, c0 + b], value: x[r0 + a][c0 + b] });
      const win: PoolWindow = { out: [i, j], origin: [r0, c0], cells, result: 0, value: output[i][j] };
      if (kind === 'maxPool2d') {
        let best = cells[0];
        for (const cell of cells) if (cell.value > best.value) best = cell; // the first maximum wins a tie
        win.result = best.value;
        win.argmax = best.at;
        win.index = indices?.[i * ow + j];
      } else win.result = cells.reduce((t, cell) => t + cell.value, 0) / cells.length;
      windows.push(win);
    }
  return {
    kind,
    input: x,
    kernelSize: k,
    stride: s,
    outShape: [oh, ow],
    windows,
    output,
    op: `F.${kind}(x, { kernelSize: [${k}], stride: [${s}]${kind === 'maxPool2d' ? ', returnIndices: true' : ''} })`,
  };
}

/** Traces a 2-D max pool: each window, its maximum, and where it is (the argmax). */
export function maxPool2dTrace(input: readonly (readonly number[])[], options: PoolTraceOptions): PoolTrace {
  return poolTrace('maxPool2d', input, options);
}

/** Traces a 2-D average pool: each window and its mean. */
export function avgPool2dTrace(input: readonly (readonly number[])[], options: PoolTraceOptions): PoolTrace {
  return poolTrace('avgPool2d', input, options);
}
