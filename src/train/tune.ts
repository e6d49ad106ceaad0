/**
 * tune(): hyper-parameter search by grid or random sampling (the lecture's "choose layers and
 * neurons by grid search"; Bergstra & Bengio 2012 for random search). Every trial trains a fresh
 * model from the same seed on the same split, so trials differ only in their configuration; the
 * score is the validation loss or accuracy after the last epoch (averaged over the folds with
 * k-fold cross-validation). Trials already finished (`completed`, e.g. read back from a JSONL
 * file) are skipped, which makes a search resumable; a trial whose training diverges (NaN/Inf)
 * is recorded as diverged and the search goes on.
 */
import { Subset, type Dataset } from '../data/dataset.js';
import { SeededStream } from '../data/seeded.js';
import type { Module } from '../nn/module.js';
import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { manualSeed, random, randperm } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { asDataset } from './data.js';
import { fit } from './fit.js';
import type { LossFn, LossName } from './losses.js';
import type { Metric, MetricName } from './metrics.js';
import { NonFiniteError } from './non-finite.js';

/** One hyper-parameter value. */
export type ParamValue = number | string;
/** One trial's configuration: hyper-parameter name → value. */
export type TrialConfig = Readonly<Record<string, ParamValue>>;

/** The hyper-parameters tune() and the CLI know, with what each means. */
export const TUNE_PARAMS: Readonly<Record<string, string>> = {
  lr: 'learning rate (> 0)',
  batchSize: 'samples per step (integer >= 1)',
  weightDecay: 'weight decay of the optimizer (>= 0)',
  momentum: 'SGD momentum in [0, 1)',
  optimizer: "'adam' | 'adamw' | 'sgd'",
  epochs: 'epochs per trial (integer >= 1)',
  width: 'units per hidden layer (mlp)',
  depth: 'number of hidden layers (mlp)',
  dropout: 'dropout probability after each hidden layer, in [0, 1) (mlp)',
};

/** A dimension of a random search: a list of choices, or a range (log-uniform when log, whole numbers when integer). */
export type SearchDim =
  | {
      /** The choices, drawn uniformly. */
      values: readonly ParamValue[];
    }
  | {
      /** Lower end of the range. */
      min: number;
      /** Upper end of the range. */
      max: number;
      /** Sample log-uniformly (for learning rates). */
      log?: boolean;
      /** Round to whole numbers. */
      integer?: boolean;
    };

/** Every combination of the values, in order (the last name varies fastest, as nested loops). */
export function gridConfigs(space: Readonly<Record<string, readonly ParamValue[]>>): TrialConfig[] {
  let out: Record<string, ParamValue>[] = [{}];
  for (const [name, values] of Object.entries(space)) {
    if (values.length === 0) throw new RangeError(`gridConfigs: '${name}' has no values; give at least one`);
    out = out.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return out;
}

/** n configurations drawn from the space with a private seeded stream (the same seed gives the same list). */
export function randomConfigs(space: Readonly<Record<string, SearchDim>>, n: number, seed = 0): TrialConfig[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`randomConfigs: n must be an integer >= 1, got ${String(n)}`);
  for (const [name, d] of Object.entries(space)) {
    if ('values' in d) {
      if (d.values.length === 0) throw new RangeError(`randomConfigs: '${name}' has no values; give at least one`);
    } else if (!(Number.isFinite(d.min) && Number.isFinite(d.max) && d.min <= d.max) || (d.log && d.min <= 0)) {
      throw new RangeError(
        `randomConfigs: '${name}' range ${d.min}..${d.max} is invalid (need min <= max${d.log ? ' and min > 0 for a log range' : ''})`,
      );
    }
  }
  const stream = new SeededStream(seed);
  return stream.run(() =>
    Array.from({ length: n }, () => {
      const c: Record<string, ParamValue> = {};
      for (const [name, d] of Object.entries(space)) {
        if ('values' in d) {
          c[name] = d.values[Math.min(d.values.length - 1, Math.floor(random() * d.values.length))];
        } else if (d.log) {
          const v = Math.exp(Math.log(d.min) + random() * (Math.log(d.max) - Math.log(d.min)));
          c[name] = d.integer ? Math.min(d.max, Math.max(d.min, Math.round(v))) : Number(v.toPrecision(4));
        } else {
          c[name] = d.integer
            ? Math.min(d.max, Math.floor(d.min + random() * (d.max - d.min + 1)))
            : Number((d.min + random() * (d.max - d.min)).toPrecision(4));
        }
      }
      return c;
    }),
  );
}

/** The identity of a configuration (JSON with sorted names): equal configurations are one trial. */
export function configKey(config: TrialConfig): string {
  return JSON.stringify(Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** One finished trial. */
export interface TrialResult {
  /** Position in the configuration list. */
  index: number;
  /** configKey(config). */
  key: string;
  /** The hyper-parameters of the trial. */
  config: TrialConfig;
  /** The objective (mean over folds), or null when training diverged. */
  score: number | null;
  /** Validation loss after the last epoch (mean over folds), null when diverged. */
  valLoss: number | null;
  /** Validation accuracy after the last epoch (mean over folds), null when not measured or diverged. */
  valAccuracy: number | null;
  /** The objective of each fold (one entry with a validation split). */
  foldScores: (number | null)[];
  /** True when a fold's loss or gradients became NaN/Inf. */
  diverged: boolean;
  /** Wall-clock seconds the trial took. */
  seconds: number;
}

/** How trials are validated: a held-out fraction (seeded shuffle, then the last part), or k-fold cross-validation. */
export type TuneValidation =
  | {
      /** Fraction of the data held out for validation (a seeded split). */
      fraction: number;
    }
  | {
      /** Number of cross-validation folds (k >= 2). */
      folds: number;
    };

/** Options of tune(). */
export interface TuneOptions {
  /** The configurations to try (gridConfigs / randomConfigs). */
  configs: readonly TrialConfig[];
  /** Builds a fresh model for a configuration (called after seeding, so every trial starts alike). */
  model: (config: TrialConfig) => Module;
  /** Builds the optimizer (default from config: optimizer adam|adamw|sgd, lr 1e-3, weightDecay 0, momentum 0.9 for sgd). */
  optimizer?: (config: TrialConfig, model: Module) => Optimizer;
  /** Loss (default 'crossEntropy'). */
  loss?: LossName | LossFn;
  /** Metrics (default ['accuracy']; [] for regression). */
  metrics?: (MetricName | Metric)[];
  /** Epochs per trial unless the configuration sets `epochs` (default 1). */
  epochs?: number;
  /** Batch size unless the configuration sets `batchSize` (default 32). */
  batchSize?: number;
  /** Validation split or folds (default { fraction: 0.2 }). */
  validation?: TuneValidation;
  /** What is optimised: 'valLoss' (lower is better, default) or 'valAccuracy' (higher is better). */
  objective?: 'valLoss' | 'valAccuracy';
  /** Seed of the split, of every trial's initialisation and shuffling (default 0). */
  seed?: number;
  /** Trials finished earlier: configurations with the same key are not trained again. */
  completed?: readonly TrialResult[];
  /** Called before a trial trains. */
  onTrialBegin?: (index: number, config: TrialConfig) => void;
  /** Called after each newly finished trial (persist it here to make the search resumable). */
  onTrialEnd?: (result: TrialResult) => void | Promise<void>;
}

/** The search's outcome. */
export interface TuneResult {
  /** One result per configuration, in configuration order. */
  trials: TrialResult[];
  /** The best trial (diverged ones never win), or null when every trial diverged. */
  best: TrialResult | null;
  /** What was optimised: the validation loss (lower wins) or accuracy (higher wins). */
  objective: 'valLoss' | 'valAccuracy';
}

/** The default optimizer of a trial from its configuration. */
export function optimizerFromConfig(config: TrialConfig, model: Module): Optimizer {
  const lr = num(config, 'lr', 1e-3);
  const weightDecay = num(config, 'weightDecay', 0);
  const params = model.parameters().filter((p) => p.requiresGrad);
  const kind = config.optimizer ?? 'adam';
  if (kind === 'adam') return new Adam(params, { lr, weightDecay });
  if (kind === 'adamw') return new AdamW(params, { lr, weightDecay });
  if (kind === 'sgd') return new SGD(params, { lr, weightDecay, momentum: num(config, 'momentum', 0.9) });
  throw new RangeError(`tune: optimizer '${String(kind)}' is not one of adam, adamw, sgd`);
}

function num(config: TrialConfig, name: string, fallback: number): number {
  const v = config[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new RangeError(`tune: '${name}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function checkConfig(config: TrialConfig): void {
  for (const [k, v] of Object.entries(config)) {
    if (!(k in TUNE_PARAMS))
      throw new RangeError(`tune: unknown hyper-parameter '${k}' (known: ${Object.keys(TUNE_PARAMS).join(', ')})`);
    const bad = (why: string): never => {
      throw new RangeError(`tune: ${k}=${JSON.stringify(v)} is invalid: ${TUNE_PARAMS[k]}${why}`);
    };
    if (k === 'optimizer') {
      if (v !== 'adam' && v !== 'adamw' && v !== 'sgd') bad('');
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(' (a number)');
    const n = v as number;
    if (k === 'lr' && !(n > 0)) bad('');
    if ((k === 'weightDecay' && n < 0) || (k === 'momentum' && !(n >= 0 && n < 1))) bad('');
    if (k === 'dropout' && !(n >= 0 && n < 1)) bad('');
    if ((k === 'batchSize' || k === 'epochs' || k === 'width' || k === 'depth') && !(Number.isInteger(n) && n >= 1))
      bad('');
  }
}

/** Train/validation index pairs: one split or k folds over a seeded permutation. */
function splits(n: number, validation: TuneValidation, seed: number): { train: Int32Array; val: Int32Array }[] {
  const order = new SeededStream(seed).run(() => randperm(n));
  if ('folds' in validation) {
    const k = validation.folds;
    if (!Number.isInteger(k) || k < 2 || k > n)
      throw new RangeError(`tune: folds must be an integer in [2, ${n}] (the number of samples), got ${String(k)}`);
    return Array.from({ length: k }, (_, f) => {
      const lo = Math.floor((f * n) / k);
      const hi = Math.floor(((f + 1) * n) / k);
      return { train: Int32Array.from([...order.subarray(0, lo), ...order.subarray(hi)]), val: order.slice(lo, hi) };
    });
  }
  const f = validation.fraction;
  const nVal = Math.floor(n * f);
  if (!(f > 0 && f < 1) || nVal < 1 || nVal >= n)
    throw new RangeError(
      `tune: validation fraction must be in (0, 1) and leave both parts non-empty, got ${String(f)} of ${n} samples`,
    );
  return [{ train: order.slice(0, n - nVal), val: order.slice(n - nVal) }];
}

/** Runs the search; trains every configuration not already in `completed`. */
export async function tune(data: Dataset | { x: Tensor; y: Tensor }, options: TuneOptions): Promise<TuneResult> {
  const ds = asDataset('tune', data);
  if (!('get' in ds)) throw new TypeError('tune: data must be a Dataset or {x, y} tensors (folds need random access)');
  if (options.configs.length === 0) throw new RangeError('tune: no configurations to try');
  options.configs.forEach(checkConfig);
  const objective = options.objective ?? 'valLoss';
  const metrics = options.metrics ?? ['accuracy'];
  if (objective === 'valAccuracy' && !metrics.some((m) => (typeof m === 'string' ? m : m.name) === 'accuracy'))
    throw new RangeError("tune: objective 'valAccuracy' needs the 'accuracy' metric");
  const seed = options.seed ?? 0;
  const parts = splits(ds.length, options.validation ?? { fraction: 0.2 }, seed).map((s) => ({
    train: new Subset(ds, s.train),
    val: new Subset(ds, s.val),
  }));
  const done = new Map<string, TrialResult>();
  for (const r of options.completed ?? []) done.set(r.key, r);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  const trials: TrialResult[] = [];
  for (let index = 0; index < options.configs.length; index++) {
    const config = options.configs[index];
    const key = configKey(config);
    const prior = done.get(key);
    if (prior) {
      trials.push({ ...prior, index, config });
      continue;
    }
    options.onTrialBegin?.(index, config);
    const t0 = performance.now();
    const losses: number[] = [];
    const accs: number[] = [];
    const foldScores: (number | null)[] = [];
    let diverged = false;
    for (const part of parts) {
      manualSeed(seed);
      const model = options.model(config);
      const optimizer = (options.optimizer ?? optimizerFromConfig)(config, model);
      try {
        const h = await fit(model, part.train, {
          epochs: num(config, 'epochs', options.epochs ?? 1),
          batchSize: num(config, 'batchSize', options.batchSize ?? 32),
          optimizer,
          loss: options.loss,
          metrics,
          validation: part.val,
          seed,
          verbose: 0,
        });
        const last = h.last();
        const vl = last.valLoss;
        const va = last.valAccuracy;
        if (typeof vl !== 'number' || !Number.isFinite(vl)) {
          diverged = true;
          foldScores.push(null);
          continue;
        }
        losses.push(vl);
        if (typeof va === 'number') accs.push(va);
        foldScores.push(objective === 'valLoss' ? vl : typeof va === 'number' ? va : null);
      } catch (e) {
        if (!(e instanceof NonFiniteError)) throw e;
        diverged = true;
        foldScores.push(null);
      }
    }
    const valLoss = diverged ? null : mean(losses);
    const valAccuracy = diverged || accs.length !== parts.length ? null : mean(accs);
    const result: TrialResult = {
      index,
      key,
      config,
      score: objective === 'valLoss' ? valLoss : valAccuracy,
      valLoss,
      valAccuracy,
      foldScores,
      diverged,
      seconds: (performance.now() - t0) / 1000,
    };
    trials.push(result);
    done.set(key, result);
    await options.onTrialEnd?.(result);
  }
  let best: TrialResult | null = null;
  for (const t of trials) {
    if (t.score === null) continue;
    if (best === null || best.score === null || (objective === 'valLoss' ? t.score < best.score : t.score > best.score))
      best = t;
  }
  return { trials, best, objective };
}
