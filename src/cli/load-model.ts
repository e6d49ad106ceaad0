/**
 * Rebuilding a model from a weights file: the step `eval`, `predict` and `visualize` share.
 * Every tensor is checked before it is used: its stored dtype must suit the parameter (float
 * bytes labelled I32 are refused) and its values must be finite (NaN or Infinity weights from a
 * diverged run would only ever predict NaN), with errors that name the file and the key. Files
 * saved by convkit 0.1 (pre-PyTorch names) are renamed first, with a note.
 */
import type { SafetensorsContents, SafetensorsDType } from '../io/safetensors.js';
import { loadWeightsFile } from '../io/pytorch/weights-file.js';
import { createModel, type ModelOptions } from '../models/registry.js';
import type { Module } from '../nn/module.js';
import { legacyNamesNote, renameLegacyKeys } from '../nn/legacy-names.js';
import type { Tensor } from '../tensor/tensor.js';
import { modelTensors } from '../train/checkpoint.js';
import { usage } from './options.js';
import { decodeWeightsInfo, type WeightsInfo } from './weights-meta.js';

const FLOAT_DTYPES: readonly SafetensorsDType[] = ['F32', 'F64', 'F16', 'BF16'];

/** The safetensors metadata (string pairs) stored in a weights file. */
export async function readWeightsMetadata(path: string): Promise<Record<string, string>> {
  return (await loadWeightsFile(path)).metadata; // safetensors or a PyTorch .pth (no metadata)
}

/** The WeightsInfo of a file written by `convkit train` (clear error for other files). */
export async function readWeightsInfo(path: string): Promise<WeightsInfo> {
  return decodeWeightsInfo(path, await readWeightsMetadata(path));
}

/** Index of the first NaN or infinite value and how many there are (-1, 0 when all are finite). */
function nonFinite(t: Tensor): { first: number; count: number } {
  const d = t.data;
  let first = -1,
    count = 0;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { first, count };
}

/**
 * Checks the tensors of a weights file against a model's state dict: a float parameter must be
 * stored as F32/F64/F16/BF16 and an integer buffer as an integer type, and every value must be
 * finite. Throws an Error naming the file (path), the key and what is wrong.
 */
export function checkWeightsTensors(path: string, file: SafetensorsContents, own: Map<string, Tensor>): void {
  for (const [key, dst] of own) {
    const src = file.tensors[key];
    const stored = file.dtypes[key];
    if (src === undefined || stored === undefined) continue; // missing keys: loadStateDict names them
    const wantFloat = dst.dtype === 'float32';
    if (wantFloat !== FLOAT_DTYPES.includes(stored)) {
      throw new Error(
        `${path}: tensor '${key}' is stored as ${stored} but the model's ${key} is ${dst.dtype}; ` +
          `the file is corrupt or was written for another model (convkit writes ${wantFloat ? 'F32' : 'I32'})`,
      );
    }
    const { first, count } = nonFinite(src);
    if (count > 0) {
      throw new Error(
        `${path}: tensor '${key}' has ${count} NaN or infinite value${count === 1 ? '' : 's'} (first at index ${first}); ` +
          'these weights come from a diverged run and would only predict NaN: retrain (e.g. with a lower --lr)',
      );
    }
  }
}

/**
 * The file's tensors under PyTorch's names: a file saved by convkit 0.1 (`runningMean`, ResNet
 * `body.N`, ...) is renamed through src/nn/legacy-names.ts, with a note on stderr naming the file
 * and how to re-save it. Files with current names are returned as they are.
 */
export function withCurrentNames(
  path: string,
  file: SafetensorsContents,
  own: Map<string, Tensor>,
): SafetensorsContents {
  const legacy = renameLegacyKeys(new Map(Object.entries(file.tensors)), own);
  if (!legacy) return file;
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, SafetensorsDType> = { ...file.dtypes };
  for (const [k, t] of legacy.dict) tensors[k] = t;
  for (const [from, to] of legacy.renamed) {
    dtypes[to] = file.dtypes[from];
    delete dtypes[from];
  }
  process.stderr.write(`note: ${legacyNamesNote(path, legacy.renamed.length)}\n`);
  return { ...file, tensors, dtypes };
}

/**
 * Creates the registered model `name` sized by `dims` (and built for `dims.task`, e.g. U-Net's
 * segmentation head) and loads the weights at `path` into it,
 * after checkWeightsTensors; with `asUsage` an unknown name or unfitting shape (RangeError) is
 * reported as a UsageError.
 */
export async function modelWithWeights(
  path: string,
  name: string,
  dims: ModelOptions,
  asUsage = false,
): Promise<Module> {
  const make = (): Module =>
    createModel(name, {
      inputShape: dims.inputShape,
      numClasses: dims.numClasses,
      ...(dims.task ? { task: dims.task } : {}),
    });
  const model = asUsage ? usage(make) : make();
  const file = withCurrentNames(path, await loadWeightsFile(path), model.stateDict());
  checkWeightsTensors(path, file, model.stateDict());
  try {
    model.loadStateDict(modelTensors(new Map(Object.entries(file.tensors))));
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return model;
}
