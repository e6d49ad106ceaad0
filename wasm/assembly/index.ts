// convkit WASM kernels: entry point of the AssemblyScript build (see scripts/build-wasm.mjs).
// The module imports one memory ('env.memory', shared when threads are available) and owns
// no heap: the TypeScript loader allocates every buffer and passes byte pointers.
export { gemm, GEMM_WS_BYTES, RELAXED_SIMD } from './gemm';
export { conv2d, conv2dAct, conv2dBackwardData, conv2dBackwardWeight } from './conv';
export { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from './pool';
export { unary, unaryBackward, binary, reduce, argReduce, permute, fill } from './elementwise';
export { sgdUpdate, adamUpdate, adagradUpdate, rmspropUpdate, softmax, softmaxBackward, crossEntropyForward, crossEntropyBackward,
  batchNormForward, batchNormBackward } from './fused';
