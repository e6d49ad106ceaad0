/**
 * fit(): the Keras-style training loop. Each epoch shuffles the data with the global seeded
 * generator, runs forward / loss / backward / optimizer step per batch, evaluates on the
 * validation data, and calls the callbacks; it returns a History of per-epoch logs.
 * Checkpoints (see ModelCheckpoint) hold everything a resumed run needs to continue exactly.
 */
import type { Batch } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import { clipGradNorm_ } from '../optim/clip-grad.js';
import type { Optimizer } from '../optim/optimizer.js';
import { manualSeed } from '../tensor/random.js';
import { stdoutIsTTY } from '../platform.js';
import type { Callback, Logs, TrainContext } from './callback.js';
import { loadCheckpoint, restoreCheckpoint, type Checkpoint } from './checkpoint.js';
import { batchSource, splitTail, type DataInput } from './data.js';
import { evaluate } from './evaluate.js';
import { History } from './history.js';
import { findNonFinite, namedGrads, NonFiniteError } from './non-finite.js';
import { resolveLoss, type LossFn, type LossName } from './losses.js';
import { Mean, resolveMetric, type Metric, type MetricName } from './metrics.js';
import { ProgressBar } from './progress-bar.js';
import { ProgressCallback, type FitProgress } from './lambda-callback.js';

/** Options of fit(). */
export interface FitOptions {
  /** Number of epochs to train (the last epoch index is epochs - 1; default 1). */
  epochs?: number;
  /** Samples per batch when data is a Dataset or {x, y} (default 32). */
  batchSize?: number;
  /** The optimizer (default Adam with lr 1e-3 over model.parameters()). */
  optimizer?: Optimizer;
  /** Loss name or function (default 'crossEntropy'). */
  loss?: LossName | LossFn;
  /** Metrics logged per epoch (default ['accuracy']). */
  metrics?: (MetricName | Metric)[];
  /** Validation data, or `{fraction}` to hold out the last fraction of the training data. */
  validation?:
    | DataInput
    | {
        /** Fraction of the training data held out (the last samples), in (0, 1). */
        fraction: number;
      };
  /** Batch size for validation passes (default 256). */
  validationBatchSize?: number;
  /** Callbacks (EarlyStopping, ModelCheckpoint, LRSchedulerCallback, CSVLogger, ...). */
  callbacks?: Callback[];
  /** Reshuffle the training data every epoch (default true). */
  shuffle?: boolean;
  /** Seeds the global generator before training (shuffling, dropout). */
  seed?: number;
  /** 0: silent; 1: progress bar (live on a terminal, one line per epoch otherwise; the console outside Node). Default: 1 on a terminal. */
  verbose?: 0 | 1 | boolean;
  /** Called after every batch and at each epoch's end with the progress (for a web page's progress bar). */
  onProgress?: (progress: FitProgress) => void;
  /** Clip the global gradient norm to this value before each step. */
  clipGradNorm?: number;
  /** First epoch index (for continuing a run by hand; default 0). */
  initialEpoch?: number;
  /**
   * A checkpoint (file path or loaded) to resume from: restores weights, optimizer, RNG, epoch,
   * history and callback state, so the run continues exactly as if uninterrupted (data shuffled
   * here or by a DataLoader without its own `seed`, whose stream is not checkpointed).
   */
  resume?: string | Checkpoint;
  /**
   * Stop with a NonFiniteError when an input batch holds NaN/±Infinity or the loss or a gradient
   * becomes non-finite (checked every step with one sum per tensor, before the update is applied,
   * so the model keeps its last finite weights). Default true.
   */
  terminateOnNaN?: boolean;
}

function isFraction(v: unknown): v is { fraction: number } {
  return (
    typeof v === 'object' && v !== null && 'fraction' in v && typeof (v as { fraction: unknown }).fraction === 'number'
  );
}

const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () =>
        new Promise((r) => {
          setImmediate(r);
        })
    : () =>
        new Promise((r) => {
          setTimeout(r, 0);
        });

/** Trains model on trainData for `epochs` epochs; returns the per-epoch History. */
export async function fit(model: Module, trainData: DataInput, options: FitOptions = {}): Promise<History> {
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new RangeError(`fit: epochs must be a non-negative integer, got ${String(epochs)}`);
  if (options.seed !== undefined) manualSeed(options.seed);
  const optimizer = options.optimizer ?? new Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = resolveLoss(options.loss);
  const metrics = (options.metrics ?? ['accuracy']).map(resolveMetric);
  const names = new Set(['loss']);
  for (const m of metrics) {
    if (names.has(m.name)) throw new RangeError(`fit: two metrics are named '${m.name}'`);
    names.add(m.name);
  }

  let train: DataInput = trainData;
  let val: DataInput | undefined;
  if (isFraction(options.validation)) {
    const split = splitTail('fit', trainData, options.validation.fraction);
    train = split.train;
    val = split.val;
  } else {
    val = options.validation;
  }
  const source = batchSource('fit', train, options.batchSize ?? 32, options.shuffle ?? true);

  const verbose = options.verbose ?? stdoutIsTTY();
  const callbacks = [...(options.callbacks ?? [])];
  if (verbose) callbacks.push(new ProgressBar());
  if (options.onProgress !== undefined) callbacks.push(new ProgressCallback(options.onProgress));
  callbacks.sort((a, b) => a.order - b.order);

  let history = new History();
  let startEpoch = options.initialEpoch ?? 0;
  if (options.resume !== undefined) {
    const ck = typeof options.resume === 'string' ? await loadCheckpoint(options.resume) : options.resume;
    const r = restoreCheckpoint(ck, { model, optimizer, callbacks });
    startEpoch = r.epoch + 1;
    history = r.history;
  }

  const ctx: TrainContext = {
    model,
    optimizer,
    epochs,
    callbacks,
    history,
    stepsPerEpoch: source.steps,
    samplesPerEpoch: source.samples,
    stopTraining: false,
  };
  for (const cb of callbacks) cb.context = ctx;
  const params = model.parameters();
  const named = [...model.namedParameters()];
  const checkFinite = options.terminateOnNaN ?? true;
  const lossMean = new Mean();

  try {
    return await runEpochs();
  } finally {
    for (const cb of callbacks) cb.context = null;
  }

  async function runEpochs(): Promise<History> {
    for (const cb of callbacks) await cb.onTrainBegin({});
    for (let epoch = startEpoch; epoch < epochs && !ctx.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin(epoch, {});
      const lr = optimizer.paramGroups[0].lr;
      model.train();
      lossMean.reset();
      for (const m of metrics) m.reset();
      const t0 = performance.now();
      let lastYield = t0;
      let step = 0,
        seen = 0;
      for (const batch of source.batches() as Iterable<Batch>) {
        const n = batch.y.shape[0] ?? 1;
        for (const cb of callbacks) cb.onBatchBegin(step, { size: n });
        if (checkFinite) {
          // a NaN in the data may vanish inside the model (relu, a kernel skipping zeros): look at the batch itself
          const bad = findNonFinite([['input', batch.x]]);
          if (bad) throw new NonFiniteError('fit', { what: 'input', epoch, step, value: bad[1] });
        }
        optimizer.zeroGrad();
        const out = model.call(batch.x);
        const loss = lossFn(out, batch.y);
        if (loss.size !== 1)
          throw new RangeError(`fit: the loss must be a scalar, got ${loss.size} values (use reduction 'mean')`);
        const lv = loss.item();
        if (checkFinite && !Number.isFinite(lv))
          throw new NonFiniteError('fit', { what: 'loss', epoch, step, value: lv });
        loss.backward();
        if (checkFinite) {
          const bad = findNonFinite(namedGrads(named));
          if (bad) throw new NonFiniteError('fit', { what: 'gradient', epoch, step, value: bad[1], name: bad[0] });
        }
        if (options.clipGradNorm !== undefined) clipGradNorm_(params, options.clipGradNorm);
        optimizer.step();
        lossMean.add(lv, n);
        for (const m of metrics) m.update(out, batch.y);
        seen += n;
        const logs: Logs = { loss: lossMean.result(), size: n };
        for (const m of metrics) logs[m.name] = m.result();
        for (const cb of callbacks) cb.onBatchEnd(step, logs);
        step++;
        const now = performance.now();
        if (now - lastYield > 100) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      const logs: Logs = { loss: lossMean.result() };
      for (const m of metrics) logs[m.name] = m.result();
      if (val !== undefined) {
        const v = evaluate(model, val, { batchSize: options.validationBatchSize ?? 256, loss: lossFn, metrics });
        for (const [k, value] of Object.entries(v)) logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = value;
      }
      logs.lr = lr;
      logs.seconds = seconds;
      logs.imagesPerSec = seen / Math.max(seconds, 1e-9);
      history.record(epoch, logs);
      for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
      history.amendLast(logs);
    }
    for (const cb of callbacks) await cb.onTrainEnd(history.last());
    return history;
  }
}
