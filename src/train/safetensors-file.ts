/** Map-based access to safetensors files for checkpoints and weights (wraps src/io/safetensors). */
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import { toStateDict, type StateDict } from '../tensor/state-dict.js';

/** Writes named tensors and string metadata to a safetensors file atomically. */
export async function writeSafetensorsFile(
  path: string,
  tensors: StateDict,
  metadata: Record<string, string>,
): Promise<void> {
  await saveSafetensors(path, tensors, metadata);
}

/** Reads a safetensors file into a Map of tensors and its metadata. */
export async function readSafetensorsFile(
  path: string,
): Promise<{ tensors: StateDict; metadata: Record<string, string> }> {
  const { tensors, metadata } = await loadSafetensors(path);
  return { tensors: toStateDict('readSafetensorsFile', tensors), metadata };
}
