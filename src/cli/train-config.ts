/**
 * `convkit train`'s flags turned into a validated run configuration before anything is loaded:
 * every value is range-checked, the model must fit the dataset, the batch must fit the training
 * set. When resuming, flags left out are taken from the checkpoint's configuration and flags
 * given must agree with it (a mismatch names the flag and both values, unless --force).
 */
import { modelSpec } from '../models/registry.js';
import { choiceOption, CliFailure, intOption, numberOption, usage, UsageError } from './options.js';
import { dataFacts, parseResize, planTraining } from './train-data.js';

/** What defines a training run: stored in checkpoints (metadata key RUN_METADATA_KEY) and compared on resume. */
export interface RunConfig {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'adamw' | 'sgd';
  lr: number;
  schedule: 'cosine' | 'constant';
  momentum: number;
  weightDecay: number;
  seed: number;
  valFraction: number;
  limit: number | null;
  /** --data-dir: where datasets that cannot ship (cifar10, eurosat) are read from (null: not given). */
  dataDir: string | null;
  /** --augment: a preset name or a comma list ('none': no augmentation). */
  augment: string;
  /** --resize as 'HxW' (null: only where the model needs it). */
  resize: string | null;
}

/** Values of the fields added after the first checkpoints were written (used when a checkpoint lacks them). */
const LATER_FIELDS: Partial<RunConfig> = { dataDir: null, augment: 'none', resize: null };

/** Safetensors metadata key of the run configuration in checkpoints written by `convkit train`. */
export const RUN_METADATA_KEY = 'convkit.run';

/** The flag of each RunConfig field. */
export const RUN_FLAGS: Readonly<Record<keyof RunConfig, string>> = {
  model: '--model',
  dataset: '--dataset',
  epochs: '--epochs',
  batchSize: '--batch-size',
  optimizer: '--optimizer',
  lr: '--lr',
  schedule: '--schedule',
  momentum: '--momentum',
  weightDecay: '--weight-decay',
  seed: '--seed',
  valFraction: '--val-fraction',
  limit: '--limit',
  dataDir: '--data-dir',
  augment: '--augment',
  resize: '--resize',
};

/** Largest --batch-size accepted: beyond it one batch of LeNet-5 activations alone needs gigabytes. */
export const MAX_BATCH_SIZE = 4096;

/** Raw flag values as parseArgs gives them (undefined: not given). */
export type TrainFlags = Partial<
  Record<
    | 'model'
    | 'dataset'
    | 'epochs'
    | 'batch-size'
    | 'schedule'
    | 'lr'
    | 'optimizer'
    | 'momentum'
    | 'weight-decay'
    | 'seed'
    | 'val-fraction'
    | 'limit'
    | 'data-dir'
    | 'augment'
    | 'resize',
    string
  >
>;

const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
const SCHEDULES = ['cosine', 'constant'] as const;

/** Defaults of a fresh run (lr and weight decay depend on the optimizer). */
function defaults(optimizer: RunConfig['optimizer']): Omit<RunConfig, 'optimizer'> {
  return {
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 1,
    batchSize: 32,
    lr: optimizer === 'sgd' ? 0.05 : 3e-3,
    schedule: 'cosine',
    momentum: 0.9,
    weightDecay: optimizer === 'adamw' ? 0.01 : 0,
    seed: 0,
    valFraction: 0,
    limit: null,
    dataDir: null,
    augment: 'none',
    resize: null,
  };
}

/** Parses the flags that were given (each validated on its own). */
function parseGiven(f: TrainFlags): Partial<RunConfig> {
  const out: Partial<RunConfig> = {};
  if (f.model !== undefined) out.model = usage(() => modelSpec(f.model as string)).name;
  if (f.dataset !== undefined) out.dataset = usage(() => dataFacts(f.dataset as string)).name;
  if (f.epochs !== undefined) out.epochs = intOption('--epochs', f.epochs, 1);
  if (f['batch-size'] !== undefined) {
    out.batchSize = intOption('--batch-size', f['batch-size'], 1);
    if (out.batchSize > MAX_BATCH_SIZE)
      throw new UsageError(
        `--batch-size must be at most ${MAX_BATCH_SIZE}, got ${out.batchSize} (one batch's activations would need gigabytes of memory)`,
      );
  }
  if (f.optimizer !== undefined) out.optimizer = choiceOption('--optimizer', f.optimizer, OPTIMIZERS);
  if (f.lr !== undefined) {
    out.lr = numberOption('--lr', f.lr);
    if (!(out.lr > 0)) throw new UsageError(`--lr must be a positive number, got ${f.lr}`);
  }
  if (f.schedule !== undefined) out.schedule = choiceOption('--schedule', f.schedule, SCHEDULES);
  if (f.momentum !== undefined) {
    out.momentum = numberOption('--momentum', f.momentum);
    if (!(out.momentum >= 0 && out.momentum < 1))
      throw new UsageError(`--momentum must be in [0, 1), got ${f.momentum}`);
  }
  if (f['weight-decay'] !== undefined) {
    out.weightDecay = numberOption('--weight-decay', f['weight-decay']);
    if (!(out.weightDecay >= 0)) throw new UsageError(`--weight-decay must be >= 0, got ${f['weight-decay']}`);
  }
  if (f.seed !== undefined) out.seed = intOption('--seed', f.seed, 0);
  if (f['val-fraction'] !== undefined) {
    out.valFraction = numberOption('--val-fraction', f['val-fraction']);
    if (!(out.valFraction >= 0 && out.valFraction < 1))
      throw new UsageError(`--val-fraction must be in [0, 1), got ${f['val-fraction']}`);
  }
  if (f.limit !== undefined) out.limit = intOption('--limit', f.limit, 1);
  if (f['data-dir'] !== undefined) {
    if (f['data-dir'].trim() === '') throw new UsageError("--data-dir needs a folder path, got ''");
    out.dataDir = f['data-dir'];
  }
  if (f.augment !== undefined) {
    if (f.augment.trim() === '') throw new UsageError("--augment needs a preset name or a comma list, got ''");
    out.augment = f.augment.trim();
  }
  if (f.resize !== undefined) out.resize = parseResize(f.resize).join('x');
  return out;
}

function show(v: unknown): string {
  return v === null ? 'none' : String(v);
}

/** The validated configuration; `saved` is the checkpoint's when resuming (null: a fresh run or an old checkpoint). */
export function resolveRunConfig(
  flags: TrainFlags,
  saved: RunConfig | null,
  resumePath: string | null,
  force: boolean,
): { run: RunConfig; notes: string[] } {
  const given = parseGiven(flags);
  const notes: string[] = [];
  if (saved && resumePath) {
    for (const key of Object.keys(RUN_FLAGS) as (keyof RunConfig)[]) {
      if (given[key] === undefined || given[key] === saved[key]) continue;
      const what = `${RUN_FLAGS[key]} ${show(given[key])} does not match the checkpoint ${resumePath} (${RUN_FLAGS[key]} ${show(saved[key])})`;
      if (!force)
        throw new UsageError(
          `${what}; leave the flag out to continue the saved run, or pass --force to resume with the new value`,
        );
      notes.push(`${what}; continuing with ${show(given[key])} (--force)`);
    }
  }
  const optimizer = given.optimizer ?? saved?.optimizer ?? 'adam';
  const base = saved ?? { ...defaults(optimizer), optimizer };
  const run: RunConfig = {
    ...base,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    optimizer,
  };
  if (!saved) {
    // lr and weight decay defaults follow the chosen optimizer
    const d = defaults(optimizer);
    if (given.lr === undefined) run.lr = d.lr;
    if (given.weightDecay === undefined) run.weightDecay = d.weightDecay;
  }
  if (flags.momentum !== undefined && run.optimizer !== 'sgd')
    throw new UsageError(`--momentum applies to --optimizer sgd only (the optimizer is ${run.optimizer})`);
  checkModelAndData(run);
  return { run, notes };
}

/** Samples per training epoch after --limit and --val-fraction, for a training split of `trainSize` samples. */
export function trainSamples(run: RunConfig, trainSize: number): number {
  const n = Math.min(trainSize, run.limit ?? Infinity);
  return n - (run.valFraction > 0 ? Math.floor(n * run.valFraction) : 0);
}

/**
 * Refuses a model that cannot take the dataset's samples (even resized), a dataset that needs
 * --data-dir without it, and a batch larger than the training set. `loaded`: the sizes after
 * loading (for datasets such as folder:PATH whose shape is known only then); before loading,
 * what the dataset table knows is checked.
 */
export function checkModelAndData(
  run: RunConfig,
  loaded?: { inputShape: readonly number[]; numClasses: number; trainSize: number },
): void {
  const spec = modelSpec(run.model);
  const d = dataFacts(run.dataset);
  if (d.needsDataDir && run.dataDir === null)
    throw new UsageError(
      `--dataset ${run.dataset} cannot be downloaded here: pass --data-dir DIR, the folder holding its files (see convkit --help)`,
    );
  const inputShape = loaded?.inputShape ?? d.inputShape;
  const numClasses = loaded?.numClasses ?? d.numClasses;
  if (inputShape !== null && numClasses !== null)
    planTraining(
      spec,
      { name: d.name, task: d.task, inputShape, numClasses },
      run.resize ? parseResize(run.resize) : null,
    );
  const size = loaded?.trainSize ?? d.trainSize;
  if (size === null) return;
  const n = trainSamples(run, size);
  const limited = Math.min(size, run.limit ?? Infinity);
  if (run.valFraction > 0 && n < 1)
    throw new UsageError(`--val-fraction ${run.valFraction} leaves no training samples`);
  if (run.valFraction > 0 && n === limited)
    throw new UsageError(
      `--val-fraction ${run.valFraction} of ${n} samples holds out none; use a larger fraction or more samples`,
    );
  if (run.batchSize > n) {
    throw new UsageError(
      `--batch-size ${run.batchSize} is larger than the training set (${n.toLocaleString('en-US')} samples${run.limit !== null || run.valFraction > 0 ? ' after --limit/--val-fraction' : ''}); use at most ${Math.min(n, MAX_BATCH_SIZE)}`,
    );
  }
}

/** Reads the RunConfig stored in checkpoint metadata (null when absent: a checkpoint from an older version). */
export function savedRunConfig(path: string, metadata: Record<string, string> | undefined): RunConfig | null {
  const raw = metadata?.[RUN_METADATA_KEY];
  if (raw === undefined) return null;
  try {
    const o = { ...LATER_FIELDS, ...(JSON.parse(raw) as Partial<RunConfig>) } as RunConfig;
    for (const key of Object.keys(RUN_FLAGS) as (keyof RunConfig)[]) if (!(key in o)) throw new Error(`no '${key}'`);
    return o;
  } catch (e) {
    throw new CliFailure(
      `--resume ${path}: malformed '${RUN_METADATA_KEY}' metadata (${e instanceof Error ? e.message : String(e)})`,
    );
  }
}
