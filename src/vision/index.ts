/** Images and vision tools: decoding/encoding, classic filters, feature maps, filter grids, saliency maps and attribution methods (Grad-CAM, guided backprop, deconvnet, integrated gradients, activation maximisation, embeddings). */
export {
  backgroundLevel,
  decodeImage,
  encodeImage,
  encodeJpeg,
  encodePng,
  imageDimensions,
  imageFormat,
  imageFormatForPath,
  imageToTensor,
  resizeBilinear,
  tensorToImage,
  MAX_IMAGE_MEGAPIXELS,
} from './image.js';
export type { DecodedImage, DecodeImageOptions, ImageBackground, ImageFormat, ImageToTensorOptions } from './image.js';
export {
  applyFilter,
  borderIndex,
  boxKernel,
  edgeHorizontalKernel,
  edgeVerticalKernel,
  gaussianKernel,
  gradientMagnitude,
  identityKernel,
  KERNEL_NAMES,
  laplacianKernel,
  namedKernel,
  padImage,
  prewittX,
  prewittY,
  sharpenKernel,
  sobelX,
  sobelY,
  toGrayscale,
} from './filters.js';
export type { ApplyFilterOptions, FilterConvolution, FilterMode, GradientMagnitudeOptions } from './filters.js';
export { conv2dLayers, featureMaps } from './feature-maps.js';
export type { FeatureMapsOptions } from './feature-maps.js';
export {
  featureMapGrid,
  filterGrid,
  heatmap,
  rescale,
  saveImage,
  tileImages,
  upscaleNearest,
  MAX_OUTPUT_MEGAPIXELS,
} from './visualize.js';
export type { GridNormalize, GridOptions, TileOptions } from './visualize.js';
export { occlusionSensitivity, saliency } from './saliency.js';
export type { OcclusionOptions, OcclusionResult } from './saliency.js';
export { gradCam, gradCamPlusPlus, lastConvLayer, layerCam, xGradCam } from './gradcam.js';
export type { CamMethod, GradCamOptions, GradCamResult } from './gradcam.js';
export { guidedBackprop, guidedGradCam, inputGradient, withReluRule } from './guided-backprop.js';
export type { InputGradientResult, ReluRule } from './guided-backprop.js';
export { deconvnet } from './deconvnet.js';
export { integratedGradients } from './integrated-gradients.js';
export type { IntegratedGradientsOptions, IntegratedGradientsResult } from './integrated-gradients.js';
export { activationMaximization } from './activation-max.js';
export type { ActivationMaxOptions, ActivationMaxResult } from './activation-max.js';
export { pca, penultimateFeatures, umap } from './embedding.js';
export type { FeaturesOptions, PcaResult, UmapConstructor, UmapOptions } from './embedding.js';
