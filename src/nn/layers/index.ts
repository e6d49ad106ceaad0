/** Every layer class, one file per family. */
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from './conv.js';
export type { ConvOptions, ConvTransposeOptions } from './conv.js';
export { LocallyConnected2d } from './locally-connected.js';
export type { LocallyConnected2dOptions } from './locally-connected.js';
export {
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  LPPool1d,
  LPPool2d,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  GlobalAvgPool,
  ChannelMaxPool,
} from './pooling.js';
export type {
  MaxPool1dLayerOptions,
  MaxPool2dLayerOptions,
  AvgPool1dLayerOptions,
  AvgPool2dLayerOptions,
  LPPool1dOptions,
  LPPool2dOptions,
} from './pooling.js';
export { Flatten, Unflatten } from './flatten.js';
export { Dropout, Dropout1d, Dropout2d } from './dropout.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, LocalResponseNorm } from './normalization.js';
export type { BatchNormOptions, LayerNormOptions } from './normalization.js';
// every activation layer defined in activation.ts (a new one needs no line here)
export * from './activation.js';
export { Residual, Concat, ModuleList } from './containers.js';
export type { ResidualOptions } from './containers.js';
