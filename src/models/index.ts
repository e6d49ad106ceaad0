/** `models`: ready-made architectures and the by-name registry. */
export { mlp, heInit } from './mlp.js';
export type { MlpOptions } from './mlp.js';
export { lenet5 } from './lenet5.js';
export type { LeNet5Options } from './lenet5.js';
export { kerasFashion } from './keras-fashion.js';
export type { KerasFashionOptions } from './keras-fashion.js';
export { logisticRegression } from './logistic.js';
export type { LogisticOptions } from './logistic.js';
export { createModel, modelNames, modelSpec, modelLoss } from './registry.js';
export type { ModelOptions, ModelSpec } from './registry.js';
