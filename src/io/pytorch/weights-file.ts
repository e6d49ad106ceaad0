/**
 * Reading a weights file from disk whatever its format: a `torch.save` zip (`PK\x03\x04` magic,
 * or a `.pt`/`.pth`/`.bin` name on bytes that are not safetensors) goes to readTorchCheckpoint,
 * anything else to safetensors.
 * The result has the safetensors reader's shape (tensors, metadata, dtypes in safetensors
 * names), so callers that check stored dtypes (the CLI) treat both formats alike.
 */
import { nodeModules } from '../../platform.js';
import { deserializeSafetensors, type SafetensorsContents, type SafetensorsDType } from '../safetensors.js';
import { readTorchCheckpointContents, type TorchCheckpointOptions, type TorchDType } from './read.js';
import { isZip } from './zip.js';

/** A weights file's contents and which reader read it. */
export interface WeightsFileContents extends SafetensorsContents {
  /** Which reader read the file. */
  format: 'safetensors' | 'pytorch';
}

const AS_SAFETENSORS: Record<TorchDType, SafetensorsDType> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
  uint16: 'U16',
  uint32: 'U32',
  uint64: 'U64',
};

/**
 * Whether a file is a PyTorch checkpoint rather than safetensors: zip content, or else a
 * .pt/.pth/.bin name on bytes that do not look like safetensors (a JSON header at byte 8), so
 * a misnamed file still goes to the reader that can read it.
 */
export function isTorchCheckpoint(bytes: Uint8Array, path = ''): boolean {
  if (isZip(bytes)) return true;
  const looksSafetensors = bytes.length >= 9 && bytes[8] === 0x7b;
  return !looksSafetensors && /\.(pt|pth|bin)$/i.test(path);
}

/** Parses the bytes of a weights file of either format; errors name `path`. */
export function parseWeightsFile(
  bytes: Uint8Array,
  path: string,
  options: Omit<TorchCheckpointOptions, 'name'> = {},
): WeightsFileContents {
  if (!isTorchCheckpoint(bytes, path)) return { ...deserializeSafetensors(bytes, path), format: 'safetensors' };
  const c = readTorchCheckpointContents(bytes, { ...options, name: path });
  const tensors: SafetensorsContents['tensors'] = {};
  const dtypes: SafetensorsContents['dtypes'] = {};
  for (const [k, t] of c.tensors) {
    tensors[k] = t;
    dtypes[k] = AS_SAFETENSORS[c.dtypes[k]];
  }
  return { tensors, dtypes, metadata: {}, format: 'pytorch' };
}

/** Reads a weights file of either format from disk (Node only). */
export async function loadWeightsFile(
  path: string,
  options: Omit<TorchCheckpointOptions, 'name'> = {},
): Promise<WeightsFileContents> {
  const { fsp } = await nodeModules('loadWeightsFile');
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw new Error(`loadWeightsFile: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseWeightsFile(bytes, path, options);
}
