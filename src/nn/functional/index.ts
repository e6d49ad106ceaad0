/**
 * `F`: the functional ops, named as in torch.nn.functional (camelCase, PyTorch option names).
 * Each family lives in its own file; this barrel re-exports them all.
 */
export { relu, sigmoid, tanh } from '../../tensor/ops/elementwise.js';
export { pad } from '../../tensor/ops/shape.js';
export type { PadMode, PadOptions } from '../../tensor/ops/shape.js';
// every activation defined in activation.ts (a new one needs no line here)
export * from './activation.js';
export { softmax, logSoftmax, softmin } from './softmax.js';
export { linear } from './linear.js';
export { dropout, dropout1d, dropout2d } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { batchNorm, layerNorm, localResponseNorm, normalize } from './normalization.js';
export type {
  BatchNormOptions,
  LayerNormOptions,
  LocalResponseNormOptions,
  NormalizeOptions,
} from './normalization.js';
export type { Reduction } from './loss.js';
export {
  crossEntropy,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  multiMarginLoss,
  klDiv,
} from './loss-classification.js';
export type {
  CrossEntropyOptions,
  NllLossOptions,
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  MultiMarginLossOptions,
  KlDivOptions,
} from './loss-classification.js';
export { mseLoss, l1Loss, smoothL1Loss, huberLoss } from './loss-regression.js';
export type { RegressionLossOptions } from './loss-regression.js';
export { conv1d, conv2d, convTranspose1d, convTranspose2d } from './conv.js';
export type { Conv1dOptions, Conv2dOptions, ConvTranspose1dOptions, ConvTranspose2dOptions } from './conv.js';
export { convOutputSize } from './conv-args.js';
export type { ConvOutputSizeOptions, PaddingMode, PaddingString, Size1, Size2 } from './conv-args.js';
export { convolve1d, convolve2d, correlate1d, correlate2d } from './convolve.js';
export type { ConvolveMode } from './convolve.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, lpPool1d, lpPool2d } from './pool.js';
export type {
  MaxPool1dOptions,
  MaxPool2dOptions,
  AvgPool1dOptions,
  AvgPool2dOptions,
  LPPool1dOptions,
  LPPool2dOptions,
} from './pool.js';
export { adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, adaptiveMaxPool2d } from './adaptive-pool.js';
export type { AdaptiveMaxPoolOptions, AdaptiveSize1, AdaptiveSize2 } from './adaptive-pool.js';
export { maxUnpool1d, maxUnpool2d } from './unpool.js';
export type { MaxUnpool1dOptions, MaxUnpool2dOptions } from './unpool.js';
export { channelMaxPool } from './channel-pool.js';
export type { ChannelMaxPoolOptions } from './channel-pool.js';
export { unfold, fold } from './unfold.js';
export type { UnfoldOptions } from './unfold.js';
