/** Datasets, data loading, transforms, dataset loaders and the dataset registry (MNIST, Fashion-MNIST, CIFAR-10, EuroSAT, image folders, CSV, signals, segmentation). */
export { TensorDataset, Subset, randomSplit, trainValSplit, collate } from './dataset.js';
export type { Dataset, Sample, Batch, TensorDatasetOptions } from './dataset.js';
export { DataLoader } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { SeededStream } from './seeded.js';
export {
  Compose,
  Normalize,
  RandomHorizontalFlip,
  RandomCrop,
  RandomAffine,
  RandomRotation,
  RandomTranslation,
  RandomVerticalFlip,
  GaussianNoise,
  applyTransform,
} from './transforms.js';
export type {
  Transform,
  TransformLike,
  RandomCropOptions,
  RandomAffineOptions,
  GaussianNoiseOptions,
} from './transforms.js';
export { parseIdx, readIdx, IDX_MAX_BYTES } from './idx.js';
export type { IdxArray, IdxDType, ReadIdxOptions } from './idx.js';
export { parseCsv, parseCsvRecords, csvNumber } from './csv.js';
export type { CsvOptions, CsvRecord } from './csv.js';
export {
  loadMnist,
  loadFashionMnist,
  parseFashionClassJson,
  MNIST_STATS,
  FASHION_MNIST_STATS,
  FASHION_MNIST_CLASSES,
  FASHION_SPLIT_SEED,
} from './mnist.js';
export type { Split, MnistOptions, LoadMnistOptions } from './mnist.js';
export { loadBreastCancer, parseSklearnCsv, splitTable, BREAST_CANCER_FEATURES } from './breast-cancer.js';
export type { BreastCancerOptions, BreastCancerData, ParsedTable } from './breast-cancer.js';
export { parseCifar10Batch, loadCifar10Batch, loadCifar10, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from './cifar10.js';
export type { Cifar10Options } from './cifar10.js';
export { ImageFolder } from './image-folder.js';
export {
  readBytes,
  mnistFromBytes,
  fashionMnistFromBytes,
  fashionMnistFromJson,
  cifar10FromBytes,
} from './from-bytes.js';
export type { BinaryData, ByteSource, ReadBytesOptions, IdxBytesOptions } from './from-bytes.js';
export { decodeImageBlob, imageFromBlob } from './image-blob.js';
export type { ImageFolderOptions } from './image-folder.js';
export { DATASET_REGISTRY, datasetNames, datasetSpec, loadDataset } from './registry.js';
export type { DatasetLoadOptions, DatasetSpec, DatasetTask, LoadedDataset } from './registry-types.js';
export { channelStats, normalizeChannels, normalizeTensorDataset } from './channel-stats.js';
export type { ChannelStats } from './channel-stats.js';
export { MappedDataset, headOf } from './views.js';
export type { MappedDatasetOptions, TensorMap } from './views.js';
export { FOLDER_PREFIX, FOLDER_CACHE_BYTES, stratifiedSplit } from './folder-dataset.js';
export { ByteImageDataset } from './byte-images.js';
export { EUROSAT_CLASSES, EUROSAT_CLASS_COUNTS } from './eurosat.js';
export { MNIST_SEG_CLASSES, MNIST_SEG_THRESHOLD, withStrokeMasks } from './segmentation.js';
export {
  WAVEFORM_CLASSES,
  WAVEFORM_LENGTH,
  WAVEFORM_NOISE,
  WAVEFORM_SIZES,
  makeWaveforms,
  unitWave,
} from './signals.js';
export * from './augment/index.js';
