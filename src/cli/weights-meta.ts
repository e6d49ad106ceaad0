/** The metadata the CLI stores next to saved weights, so eval/predict can rebuild the model. */
import type { NamedDataset } from './datasets.js';

/** What a CLI weights file says about its model and data. */
export interface WeightsInfo {
  model: string;
  dataset: string;
  inputShape: number[];
  numClasses: number;
  classes: string[];
  normalize: { mean: number; std: number } | null;
}

/** Encodes WeightsInfo as safetensors metadata (string values). */
export function encodeWeightsInfo(model: string, ds: NamedDataset): Record<string, string> {
  return {
    'convkit.model': model,
    'convkit.dataset': ds.name,
    'convkit.inputShape': JSON.stringify(ds.inputShape),
    'convkit.numClasses': String(ds.numClasses),
    'convkit.classes': JSON.stringify(ds.classes),
    'convkit.normalize': JSON.stringify(ds.normalize),
  };
}

/** Decodes WeightsInfo, with a clear error for files not written by `convkit train`. */
export function decodeWeightsInfo(path: string, meta: Record<string, string>): WeightsInfo {
  const model = meta['convkit.model'];
  if (!model) throw new Error(`${path}: no 'convkit.model' metadata (not written by 'convkit train'); pass --model and --dataset`);
  try {
    return {
      model,
      dataset: meta['convkit.dataset'] ?? '',
      inputShape: JSON.parse(meta['convkit.inputShape'] ?? '[1,28,28]') as number[],
      numClasses: Number(meta['convkit.numClasses'] ?? 10),
      classes: JSON.parse(meta['convkit.classes'] ?? '[]') as string[],
      normalize: JSON.parse(meta['convkit.normalize'] ?? 'null') as { mean: number; std: number } | null,
    };
  } catch (e) {
    throw new Error(`${path}: malformed convkit metadata: ${e instanceof Error ? e.message : String(e)}`);
  }
}
