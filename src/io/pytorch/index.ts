/** Reading PyTorch checkpoints (`torch.save` zip files) safely: no code in the file is ever run. */
export { readTorchCheckpoint, readTorchCheckpointContents, TORCH_MAX_BYTES } from './read.js';
export type { TorchCheckpointOptions, TorchCheckpointContents, TorchDType } from './read.js';
export { loadWeightsFile, parseWeightsFile, isTorchCheckpoint } from './weights-file.js';
export type { WeightsFileContents } from './weights-file.js';
