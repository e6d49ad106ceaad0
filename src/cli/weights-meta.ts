/**
 * The metadata the CLI stores next to saved weights, so eval/predict can rebuild the model.
 * Decoding validates every field's type and range and names the file, the field and the value
 * at fault: a hand-edited or corrupt file gets a one-line error, never a silent NaN.
 */
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

/** Largest class count and input dimension accepted from metadata (far above any real model). */
const MAX_CLASSES = 1_000_000;
const MAX_DIM = 1_000_000;

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

/** Short quoted form of a metadata value for error messages. */
function show(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

/** Decodes WeightsInfo, with a clear error (file, field, value) for files not written by `convkit train`. */
export function decodeWeightsInfo(path: string, meta: Record<string, string>): WeightsInfo {
  const model = meta['convkit.model'];
  if (!model)
    throw new Error(
      `${path}: no 'convkit.model' metadata (not written by 'convkit train'); pass --model and --dataset`,
    );
  const bad = (field: string, raw: string, want: string): never => {
    throw new Error(
      `${path}: metadata '${field}' is ${show(raw)}, expected ${want} (corrupt or hand-edited file; re-save it with 'convkit train')`,
    );
  };
  const json = (field: string, fallback: string): { raw: string; value: unknown } => {
    const raw = meta[field] ?? fallback;
    try {
      return { raw, value: JSON.parse(raw) as unknown };
    } catch {
      return { raw, value: Symbol('invalid JSON') };
    }
  };

  const shape = json('convkit.inputShape', '[1,28,28]');
  const dims = shape.value;
  if (
    !Array.isArray(dims) ||
    dims.length < 1 ||
    dims.length > 3 ||
    !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 1 && (d as number) <= MAX_DIM)
  ) {
    bad('convkit.inputShape', shape.raw, 'a JSON array of 1 to 3 positive integers such as [1,28,28]');
  }

  const classesRaw = meta['convkit.numClasses'] ?? '10';
  const numClasses = /^\s*\d+\s*$/.test(classesRaw) ? Number(classesRaw) : NaN;
  if (!Number.isSafeInteger(numClasses) || numClasses < 1 || numClasses > MAX_CLASSES)
    bad('convkit.numClasses', classesRaw, `a positive integer (at most ${MAX_CLASSES})`);

  const names = json('convkit.classes', '[]');
  const classes = names.value;
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string'))
    bad('convkit.classes', names.raw, 'a JSON array of class-name strings');
  if ((classes as string[]).length !== 0 && (classes as string[]).length !== numClasses) {
    bad('convkit.classes', names.raw, `${numClasses} names (convkit.numClasses is ${numClasses})`);
  }

  const norm = json('convkit.normalize', 'null');
  let normalize: WeightsInfo['normalize'] = null;
  if (norm.value !== null) {
    const v = norm.value as { mean?: unknown; std?: unknown };
    if (typeof v !== 'object' || Array.isArray(v) || typeof v.mean !== 'number' || typeof v.std !== 'number') {
      bad('convkit.normalize', norm.raw, 'null or a JSON object {"mean": number, "std": number}');
    }
    const { mean, std } = v as { mean: number; std: number };
    // Pixels are in [0, 1], so their mean is too, and a standard deviation must be positive.
    if (!(mean >= 0 && mean <= 1))
      bad('convkit.normalize', norm.raw, `a mean in [0, 1] (pixel values), got mean ${mean}`);
    if (!(std > 0 && std <= 1))
      bad('convkit.normalize', norm.raw, `a standard deviation in (0, 1] (pixel values), got std ${std}`);
    normalize = { mean, std };
  }
  return {
    model,
    dataset: meta['convkit.dataset'] ?? '',
    inputShape: dims as number[],
    numClasses,
    classes: classes as string[],
    normalize,
  };
}
