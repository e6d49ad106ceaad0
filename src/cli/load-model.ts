/** Rebuilding a model from a weights file: the step `eval`, `predict` and `visualize` share. */
import { createModel, type ModelOptions } from '../models/registry.js';
import type { Module } from '../nn/module.js';
import { loadWeights } from '../train/checkpoint.js';
import { readSafetensorsFile } from '../train/safetensors-file.js';
import { usage } from './options.js';
import { decodeWeightsInfo, type WeightsInfo } from './weights-meta.js';

/** The safetensors metadata (string pairs) stored in a weights file. */
export async function readWeightsMetadata(path: string): Promise<Record<string, string>> {
  return (await readSafetensorsFile(path)).metadata;
}

/** The WeightsInfo of a file written by `convkit train` (clear error for other files). */
export async function readWeightsInfo(path: string): Promise<WeightsInfo> {
  return decodeWeightsInfo(path, await readWeightsMetadata(path));
}

/**
 * Creates the registered model `name` sized by `dims` and loads the weights at `path` into it;
 * with `asUsage` an unknown name or unfitting shape (RangeError) is reported as a UsageError.
 */
export async function modelWithWeights(path: string, name: string, dims: ModelOptions, asUsage = false): Promise<Module> {
  const make = (): Module => createModel(name, { inputShape: dims.inputShape, numClasses: dims.numClasses });
  const model = asUsage ? usage(make) : make();
  await loadWeights(model, path);
  return model;
}
