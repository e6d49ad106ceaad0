/**
 * The WGSL kernels of the webgpu backend, by kernel-table name (src/backend/kernels.ts). Each
 * takes the `GpuRunner` first, then the kernel's own arguments, and only enqueues dispatches;
 * a kernel missing here runs the js reference on synced host arrays (the backend's wrapper).
 */
import type { KernelName, Kernels } from '../../kernels.js';
import type { GpuRunner } from '../dispatch.js';
import { binary, reluBackward, unary, unaryBackward } from './elementwise.js';
import { conv2d, conv2dAct, conv2dBackwardData, conv2dBackwardWeight } from './conv.js';
import { batchNormBackward, batchNormForward, crossEntropyBackward, crossEntropyForward } from './fused.js';
import { gemm } from './gemm.js';
import { adagradUpdate, adamUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { argReduce, permute, reduce, softmax, softmaxBackward } from './reduce.js';

/** Every WebGPU kernel implementation, by name. */
export const WEBGPU_KERNELS: { [K in KernelName]?: (r: GpuRunner, ...a: Parameters<Kernels[K]>) => void } = {
  unary,
  unaryBackward,
  reluBackward,
  binary,
  gemm,
  conv2d,
  conv2dAct,
  conv2dBackwardData,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  reduce,
  argReduce,
  permute,
  softmax,
  softmaxBackward,
  crossEntropyForward,
  crossEntropyBackward,
  batchNormForward,
  batchNormBackward,
  sgdUpdate,
  adamUpdate,
  adagradUpdate,
  rmspropUpdate,
};
