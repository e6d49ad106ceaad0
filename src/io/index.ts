/** File formats and safe file writing: safetensors and atomic writes. */
export {
  serializeSafetensors,
  deserializeSafetensors,
  saveSafetensors,
  loadSafetensors,
  SAFETENSORS_MAX_HEADER,
} from './safetensors.js';
export type { SafetensorsContents, SafetensorsDType } from './safetensors.js';
export { atomicWriteFile } from './atomic-write.js';
export type { AtomicWriteOptions, ChunkWriter } from './atomic-write.js';
export {
  saveToIndexedDB,
  loadFromIndexedDB,
  listIndexedDB,
  deleteFromIndexedDB,
  downloadWeights,
  weightsBlob,
  fetchWeights,
  FETCH_WEIGHTS_MAX_BYTES,
} from './browser.js';
export type {
  WeightsLike,
  LoadsStateDict,
  SaveWeightsOptions,
  LoadWeightsOptions,
  IndexedDBOptions,
} from './browser.js';
export { exportPytorch, pytorchCheckInput } from './pytorch-export.js';
export type { ExportPytorchOptions, ExportableModule as PytorchExportableModule } from './pytorch-export.js';
export { importOnnx, OnnxModule, OnnxScope, supportedOnnxOps } from './onnx/import.js';
export type { ImportOnnxOptions } from './onnx/import.js';
export {
  exportOnnx,
  registerOnnxExporter,
  OnnxExportContext,
  OnnxExportError,
  ONNX_MIN_OPSET,
  ONNX_MAX_OPSET,
  ONNX_DEFAULT_OPSET,
} from './onnx/export.js';
export type {
  OnnxExportOptions,
  OnnxExporter,
  OnnxValue,
  ExportableModule as OnnxExportableModule,
  ModuleClass as OnnxModuleClass,
} from './onnx/export.js';
export { readTorchCheckpoint, readTorchCheckpointContents, loadWeightsFile, TORCH_MAX_BYTES } from './pytorch/index.js';
export type {
  TorchCheckpointOptions,
  TorchCheckpointContents,
  TorchDType,
  WeightsFileContents,
} from './pytorch/index.js';
