/** Map-based access to safetensors files for checkpoints and weights (wraps src/io/safetensors). */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { deserializeSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';

/** Writes named tensors and string metadata to a safetensors file atomically. */
export async function writeSafetensorsFile(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string>): Promise<void> {
  await saveSafetensors(path, Object.fromEntries(tensors), metadata);
}

/** Reads a safetensors file into a Map of tensors (file order) and its metadata. */
export async function readSafetensorsFile(path: string): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  let buf: Buffer;
  try { buf = await readFile(path); } catch (e) {
    throw new Error(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // a plain Uint8Array (not a Buffer, whose slice() is a view into a shared pool)
  const bytes = new Uint8Array(buf.byteLength);
  bytes.set(buf);
  const { tensors, metadata } = deserializeSafetensors(bytes, basename(path));
  return { tensors: new Map(Object.entries(tensors)), metadata };
}
