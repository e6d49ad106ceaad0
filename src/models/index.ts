/** `models`: ready-made architectures and the by-name registry. */
export { mlp, heInit } from './mlp.js';
export type { MlpOptions } from './mlp.js';
export { lenet5 } from './lenet5.js';
export type { LeNet5Options } from './lenet5.js';
export { kerasFashion } from './keras-fashion.js';
export type { KerasFashionOptions } from './keras-fashion.js';
export { logisticRegression } from './logistic.js';
export type { LogisticOptions } from './logistic.js';
export { createModel, modelNames, modelSpec, modelLoss, modelTaskFor } from './registry.js';
export type { ModelOptions, ModelSpec, ModelTask } from './registry.js';
export { tcn1d, TCN, TemporalBlock, CausalConv1d, tcnReceptiveField, tcnLevelsFor } from './tcn.js';
export type { Tcn1dOptions } from './tcn.js';
export {
  pretrained,
  loadPretrainedWeights,
  pretrainedUrl,
  pretrainedNames,
  hasPretrained,
  PRETRAINED,
} from './pretrained.js';
export type { PretrainedEntry, PretrainedWeights, PretrainedOptions } from './pretrained.js';
export { alexnet, alexnetPlan, alexnetParameterCount, AlexNet } from './alexnet.js';
export type { AlexNetOptions } from './alexnet.js';
export { vgg11, vgg13, vgg16, vgg19, vggPlan, vggParameterCount, VGG, VGG_CONFIGS } from './vgg.js';
export type { VggOptions, VggDepth } from './vgg.js';
export { InceptionModule, BasicConv2d } from './inception.js';
export type { InceptionOptions, BasicConv2dOptions } from './inception.js';
export { googlenet, GoogLeNet, GoogLeNetTransformInput, InceptionAux } from './googlenet.js';
export type { GoogLeNetOptions } from './googlenet.js';
export {
  resnet18,
  resnet34,
  resnet50,
  resnetCifar,
  resnet20,
  ResNet,
  BasicBlock,
  Bottleneck,
  PadShortcut,
} from './resnet.js';
export type { ResNetOptions, ResNetCifarOptions, ShortcutType } from './resnet.js';
export { autoencoder, Autoencoder } from './autoencoder.js';
export type { AutoencoderOptions } from './autoencoder.js';
export { unet, UNet, UNetUp, DoubleConv } from './unet.js';
export type { UNetOptions } from './unet.js';
export { buildPlan, buildLayer, planParameters, specParameters } from './layer-plan.js';
export type { ZooInit } from './layer-plan.js';
export type { LayerSpec } from './layer-plan.js';
