/** Map-based access to safetensors files for checkpoints and weights (wraps src/io/safetensors). */
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';

/** Writes named tensors and string metadata to a safetensors file atomically. */
export async function writeSafetensorsFile(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string>): Promise<void> {
  await saveSafetensors(path, Object.fromEntries(tensors), metadata);
}

/** Reads a safetensors file into a Map of tensors and its metadata. */
export async function readSafetensorsFile(path: string): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  const { tensors, metadata } = await loadSafetensors(path);
  return { tensors: new Map(Object.entries(tensors)), metadata };
}
