/**
 * convkit: tensors, autograd, layers, training and fast kernels for convolutional networks.
 *
 * One public path per symbol (README "Where things live"): the tensor core is at the top level,
 * like `torch.*` (Tensor, creation, random state, tensor ops, grad mode, backend selection);
 * everything else lives in exactly one namespace: F (torch.nn.functional), nn (torch.nn),
 * optim, data (torch.utils.data and the datasets), io, vision, train (Keras-style fit,
 * callbacks, checkpoints, summary), models and autograd (gradcheck, customOp).
 *
 * @module convkit
 */
export { Tensor } from './tensor/tensor.js';
export type { DType, NestedArray, TensorData } from './tensor/tensor.js';
export { setPrintOptions } from './tensor/format.js';
export type { PrintOptions, SetPrintOptions } from './tensor/format.js';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  rand,
  randn,
  randint,
} from './tensor/creation.js';
export type { CreateOptions } from './tensor/creation.js';
export { manualSeed, getRngState, setRngState } from './tensor/random.js';
export { randperm } from './tensor/ops/randperm.js';
export type { RngState } from './tensor/random.js';
export { concat, stack } from './tensor/ops/shape.js';
export { matmul } from './tensor/ops/matmul.js';
export { where } from './tensor/ops/where.js';
export { gather } from './tensor/ops/gather.js';
export { split, chunk } from './tensor/ops/split.js';
export { repeat } from './tensor/ops/repeat.js';
export { flip } from './tensor/ops/flip.js';
export { cumsum } from './tensor/ops/cumsum.js';
export { isclose, allclose } from './tensor/ops/allclose.js';
export type { CloseOptions } from './tensor/ops/allclose.js';
export type { ReduceOptions } from './tensor/ops/reduce.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/engine.js';
export {
  getBackend,
  setBackend,
  listBackends,
  registerBackend,
  backendFailure,
  ready,
  disposeBackend,
} from './backend/index.js';
export type { Backend, BackendCandidate } from './backend/index.js';
export { initWasmBackend } from './backend/wasm/index.js';
export { initWebGPU } from './backend/webgpu/index.js';
export type { WebGPUAdapterInfo, WebGpuBackend, WebGpuOptions, WebGpuStats } from './backend/webgpu/index.js';
export type { WasmBackend, WasmBackendOptions, WasmMemoryStats, WasmModuleKind } from './backend/wasm/index.js';
export * as autograd from './autograd/index.js';
export * as F from './nn/functional/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as io from './io/index.js';
export * as vision from './vision/index.js';
export * as train from './train/index.js';
export * as models from './models/index.js';
export * as plot from './plot/index.js';
export * as explain from './explain/index.js';
