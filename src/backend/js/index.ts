/** The reference backend: plain TypeScript loops that are easy to check by eye. */
import type { Backend } from '../backend.js';
import { binary, reluBackward, unary } from './elementwise.js';
import { argReduce, permute, reduce } from './reduce.js';
import { gemm } from './gemm.js';
import { sgdUpdate } from './optim.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';

/** Creates the reference backend. */
export function createJsBackend(): Backend {
  return {
    name: 'js',
    describe: () => 'reference TypeScript loops, 1 thread',
    alloc: (n) => new Float32Array(n),
    unary, binary, reduce, argReduce, permute, gemm,
    conv2d, conv2dBackwardData, conv2dBackwardWeight,
    maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
    reluBackward, sgdUpdate,
  };
}
