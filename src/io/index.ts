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
export { importOnnx, OnnxModule, OnnxScope, supportedOnnxOps } from './onnx/import.js';
export type { ImportOnnxOptions } from './onnx/import.js';
