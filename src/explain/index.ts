/**
 * `explain`: step-by-step traces of the lectures' computations (convolution windows, pooling,
 * softmax and cross-entropy, a backward pass, batch norm, dropout, momentum) as typed steps
 * plus a text rendering, and the registry of the five lectures' worked examples.
 */
export * from './types.js';
export { conv1dTrace, conv2dTrace, convTranspose2dTrace } from './conv.js';
export type { ConvTraceOptions, ConvTransposeTraceOptions } from './conv.js';
export { maxPool2dTrace, avgPool2dTrace } from './pool.js';
export type { PoolTraceOptions } from './pool.js';
export {
  softmaxCrossEntropyTrace,
  backpropTrace,
  batchNormTrace,
  dropoutTrace,
  momentumTrace,
  outputSizeTrace,
  convParamsTrace,
} from './equations.js';
export type { BackpropInputs, BatchNormTraceOptions, OutputSizeOptions } from './equations.js';
export { renderTrace, renderGrid, convWindowLine, TRACE_TOLERANCE } from './render.js';
export { listLectureExamples, lectureExample, renderLectureExample } from './lectures.js';
export { convMatrix, CONV_MATRIX_MAX_ENTRIES } from './conv-matrix.js';
export type { ConvMatrix, ConvMatrixOptions } from './conv-matrix.js';
export type { JsonValue, LectureExample, LectureExampleInfo, LectureSlip } from './lectures.js';
