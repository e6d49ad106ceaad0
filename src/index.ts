/** convkit: tensors, autograd, layers, training and fast kernels for convolutional networks. */
export { Tensor } from './tensor/tensor.js';
export type { DType, NestedArray, TensorData } from './tensor/tensor.js';
export { tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, rand, randn, randint } from './tensor/creation.js';
export type { CreateOptions } from './tensor/creation.js';
export { manualSeed, getRngState, setRngState, randperm } from './tensor/random.js';
export type { RngState } from './tensor/random.js';
export { concat, stack, pad } from './tensor/ops/shape.js';
export type { PadMode } from './tensor/ops/shape.js';
export { matmul } from './tensor/ops/matmul.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/engine.js';
export { getBackend, setBackend, listBackends, registerBackend, backendFailure } from './backend/index.js';
export type { Backend, BackendCandidate } from './backend/index.js';
export * as F from './nn/functional/index.js';
