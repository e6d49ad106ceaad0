/** Data augmentation at torchvision v2's level: image ops, random transforms, MixUp/CutMix, RandAugment, --augment specs. */
export {
  ColorJitter,
  Cutout,
  GaussianBlur,
  RandomChannelDropout,
  RandomChannelPermutation,
  RandomErasing,
  RandomGrayscale,
} from './color.js';
export type {
  ColorJitterOptions,
  CutoutOptions,
  GaussianBlurOptions,
  RandomChannelDropoutOptions,
  RandomErasingOptions,
} from './color.js';
export { PadCrop, RandomResizedCrop } from './geometric.js';
export type { RandomResizedCropOptions } from './geometric.js';
export {
  applyBatchTransform,
  CutMix,
  MixUp,
  RandomChoiceBatch,
  sampleBeta,
  toProbabilities,
} from './mix.js';
export type { BatchTransform, BatchTransformLike, MixOptions } from './mix.js';
export { AUTO_AUGMENT_OPS, applyAutoOp, RandAugment, TrivialAugmentWide } from './auto.js';
export type { AutoAugmentOp, RandAugmentOptions } from './auto.js';
export { PixelSpace } from './pixel-space.js';
export type { NormalizeStats } from './pixel-space.js';
export { AUGMENT_ITEMS, AUGMENT_PRESETS, mirrorSafe, parseAugment } from './spec.js';
export type { AugmentOptions, AugmentPreset, ParsedAugment } from './spec.js';
/** Deterministic image operations behind the random augmentations (torchvision.transforms.v2.functional's formulas), one (C, H, W) image at a time. */
export * as augmentF from './functional.js';
