/**
 * The metadata the CLI stores next to saved weights, so eval/predict can rebuild the model.
 * Decoding validates every field's type and range and names the file, the field and the value
 * at fault: a hand-edited or corrupt file gets a one-line error, never a silent NaN.
 * Normalisation is stored per channel (`{"mean":[...],"std":[...]}`, statistics of the training
 * split); files with one value for every channel keep the older scalar form
 * (`{"mean":0.1307,"std":0.3081}`), which is still read.
 */

/** Per-channel input normalisation: x' = (x - mean[c]) / std[c]. */
export interface ChannelNorm {
  mean: number[];
  std: number[];
}

/** What a CLI weights file says about its model and data. */
export interface WeightsInfo {
  model: string;
  dataset: string;
  /** The model's input shape (after any resizing of the dataset's samples). */
  inputShape: number[];
  numClasses: number;
  classes: string[];
  /** One mean/std for every channel (1-channel data, or all channels equal); null otherwise or when none. */
  normalize: { mean: number; std: number } | null;
  /** Per-channel normalisation (one entry per channel); absent or null: use `normalize`. */
  channelNorm?: ChannelNorm | null;
  /** What the model was trained for (absent in files from older versions: from the registry). */
  task?: 'classification' | 'reconstruction' | 'segmentation';
  /** The dataset's own sample shape when the CLI resized it to inputShape (absent: not resized). */
  dataShape?: number[];
}

/** What encodeWeightsInfo needs to know about the data (a loaded dataset fits). */
export interface WeightsData {
  name: string;
  inputShape: readonly number[];
  numClasses: number;
  classes: readonly string[];
  normalize: ChannelNorm | { mean: number; std: number } | null;
}

/** Extra facts encodeWeightsInfo records: the task, and the model input when the data was resized. */
export interface WeightsExtra {
  task?: WeightsInfo['task'];
  /** The model's input shape when it differs from the data's (resized). */
  inputShape?: readonly number[];
}

/** Largest class count and input dimension accepted from metadata (far above any real model). */
const MAX_CLASSES = 1_000_000;
const MAX_DIM = 1_000_000;

/** The per-channel form of either normalisation, for `channels` channels (null when there is none). */
export function channelStats(
  info: Pick<WeightsInfo, 'normalize' | 'channelNorm'>,
  channels: number,
): ChannelNorm | null {
  if (info.channelNorm) return info.channelNorm;
  if (!info.normalize) return null;
  return {
    mean: new Array<number>(channels).fill(info.normalize.mean),
    std: new Array<number>(channels).fill(info.normalize.std),
  };
}

/** The normalisation as stored: the scalar form when every channel has the same mean and std. */
function normJson(n: WeightsData['normalize']): string {
  if (n === null) return 'null';
  if (typeof n.mean === 'number') return JSON.stringify(n);
  const { mean, std } = n as ChannelNorm;
  const same = mean.every((m, i) => m === mean[0] && std[i] === std[0]);
  return JSON.stringify(same && mean.length > 0 ? { mean: mean[0], std: std[0] } : { mean, std });
}

/** Encodes WeightsInfo as safetensors metadata (string values). */
export function encodeWeightsInfo(model: string, ds: WeightsData, extra: WeightsExtra = {}): Record<string, string> {
  const shape = extra.inputShape ?? ds.inputShape;
  const resized = shape.length !== ds.inputShape.length || shape.some((d, i) => d !== ds.inputShape[i]);
  return {
    'convkit.model': model,
    'convkit.dataset': ds.name,
    'convkit.inputShape': JSON.stringify(shape),
    'convkit.numClasses': String(ds.numClasses),
    'convkit.classes': JSON.stringify(ds.classes),
    'convkit.normalize': normJson(ds.normalize),
    ...(extra.task ? { 'convkit.task': extra.task } : {}),
    ...(resized ? { 'convkit.dataShape': JSON.stringify(ds.inputShape) } : {}),
  };
}

/** Short quoted form of a metadata value for error messages. */
function show(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

/** Whether v is a JSON array of 1 to 3 positive integers (a sample shape). */
function isShape(v: unknown): v is number[] {
  return (
    Array.isArray(v) &&
    v.length >= 1 &&
    v.length <= 3 &&
    v.every((d) => Number.isSafeInteger(d) && (d as number) >= 1 && (d as number) <= MAX_DIM)
  );
}

const TASKS = ['classification', 'reconstruction', 'segmentation'] as const;

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
  if (!isShape(dims))
    bad('convkit.inputShape', shape.raw, 'a JSON array of 1 to 3 positive integers such as [1,28,28]');
  const inputShape = dims as number[];

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

  const channels = inputShape[0]; // the registry's channel axis: a sample's first (features for [30])
  const { normalize, channelNorm } = decodeNorm(
    json('convkit.normalize', 'null'),
    channels,
    inputShape.length === 3,
    bad,
  );

  const info: WeightsInfo = {
    model,
    dataset: meta['convkit.dataset'] ?? '',
    inputShape,
    numClasses,
    classes: classes as string[],
    normalize,
    channelNorm,
  };
  const task = meta['convkit.task'];
  if (task !== undefined) {
    if (!(TASKS as readonly string[]).includes(task))
      bad('convkit.task', task, TASKS.join(', ').replace(/, (?!.*, )/, ' or '));
    info.task = task as WeightsInfo['task'];
  }
  if (meta['convkit.dataShape'] !== undefined) {
    const ds = json('convkit.dataShape', '');
    if (!isShape(ds.value))
      bad('convkit.dataShape', ds.raw, 'a JSON array of 1 to 3 positive integers such as [1,28,28]');
    info.dataShape = ds.value as number[];
  }
  return info;
}

/**
 * The normalisation field: null, {"mean": m, "std": s} (every channel) or {"mean": [...], "std": [...]}
 * (one per channel). Image statistics (pixels in [0, 1]) must have means in [0, 1] and standard
 * deviations in (0, 1]; other data any finite mean and a positive standard deviation.
 */
function decodeNorm(
  norm: { raw: string; value: unknown },
  channels: number,
  image: boolean,
  bad: (field: string, raw: string, want: string) => never,
): { normalize: WeightsInfo['normalize']; channelNorm: ChannelNorm | null } {
  if (norm.value === null) return { normalize: null, channelNorm: null };
  const field = 'convkit.normalize';
  const v = norm.value as { mean?: unknown; std?: unknown };
  const scalar = typeof v === 'object' && !Array.isArray(v) && typeof v.mean === 'number' && typeof v.std === 'number';
  const perChannel =
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Array.isArray(v.mean) &&
    Array.isArray(v.std) &&
    v.mean.every((x) => typeof x === 'number') &&
    v.std.every((x) => typeof x === 'number');
  if (!scalar && !perChannel)
    bad(
      field,
      norm.raw,
      'null, a JSON object {"mean": number, "std": number} or {"mean": [numbers], "std": [numbers]} (one per channel)',
    );
  const mean = scalar ? [v.mean as number] : (v.mean as number[]);
  const std = scalar ? [v.std as number] : (v.std as number[]);
  if (perChannel && (mean.length !== channels || std.length !== channels))
    bad(field, norm.raw, `${channels} means and ${channels} standard deviations (one per input channel)`);
  for (const m of mean) {
    // Pixels are in [0, 1], so their mean is too, and a standard deviation must be positive.
    if (image && !(m >= 0 && m <= 1)) bad(field, norm.raw, `a mean in [0, 1] (pixel values), got mean ${m}`);
    if (!Number.isFinite(m)) bad(field, norm.raw, `a finite mean, got mean ${m}`);
  }
  for (const s of std) {
    if (image && !(s > 0 && s <= 1))
      bad(field, norm.raw, `a standard deviation in (0, 1] (pixel values), got std ${s}`);
    if (!(s > 0 && Number.isFinite(s))) bad(field, norm.raw, `a positive, finite standard deviation, got std ${s}`);
  }
  const same = mean.every((m, i) => m === mean[0] && std[i] === std[0]);
  return {
    normalize: same ? { mean: mean[0], std: std[0] } : null,
    channelNorm: {
      mean: scalar ? new Array<number>(channels).fill(mean[0]) : mean,
      std: scalar ? new Array<number>(channels).fill(std[0]) : std,
    },
  };
}
