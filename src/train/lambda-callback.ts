/**
 * Callbacks as plain functions (Keras LambdaCallback), and the progress report behind fit's
 * `onProgress` option: what a web page (or any host without a terminal) needs to show
 * training progress, with no `process` and no stream.
 */
import { Callback, type Logs } from './callback.js';

/** Hooks of a LambdaCallback; each is optional. */
export interface LambdaCallbackOptions {
  /** Called once before the first epoch. */
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  /** Called once after training ends. */
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
  /** Called at the start of each epoch (0-based). */
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  /** Called at the end of each epoch with its logs (loss, metrics, validation). */
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  /** Called before each batch (batch index within the epoch). */
  onBatchBegin?: (batch: number, logs: Logs) => void;
  /** Called after each batch with its logs (loss). */
  onBatchEnd?: (batch: number, logs: Logs) => void;
}

/** A Callback made of functions (Keras LambdaCallback). */
export class LambdaCallback extends Callback {
  private readonly fns: LambdaCallbackOptions;

  /** See LambdaCallbackOptions. */
  constructor(fns: LambdaCallbackOptions) {
    super();
    for (const [k, v] of Object.entries(fns))
      if (v !== undefined && typeof v !== 'function')
        throw new TypeError(`LambdaCallback: ${k} must be a function, got ${typeof v}`);
    this.fns = { ...fns };
  }

  override async onTrainBegin(logs: Logs): Promise<void> {
    await this.fns.onTrainBegin?.(logs);
  }
  override async onTrainEnd(logs: Logs): Promise<void> {
    await this.fns.onTrainEnd?.(logs);
  }
  override async onEpochBegin(epoch: number, logs: Logs): Promise<void> {
    await this.fns.onEpochBegin?.(epoch, logs);
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    await this.fns.onEpochEnd?.(epoch, logs);
  }
  override onBatchBegin(batch: number, logs: Logs): void {
    this.fns.onBatchBegin?.(batch, logs);
  }
  override onBatchEnd(batch: number, logs: Logs): void {
    this.fns.onBatchEnd?.(batch, logs);
  }
}

/** One progress report of fit's `onProgress` (after every batch, and once more at each epoch's end). */
export interface FitProgress {
  /** The epoch (0-based) and the total fit() runs. */
  epoch: number;
  /** Epochs fit() runs in all. */
  epochs: number;
  /** Batches done in this epoch, and the epoch's batch count. */
  step: number;
  /** Batches per epoch. */
  steps: number;
  /** Fraction of the whole run done, 0..1 (from the first epoch fit() runs). */
  fraction: number;
  /** Training images per second so far in this epoch. */
  imagesPerSec: number;
  /** Running means of the loss and the metrics (at epoch end: the epoch's logs, validation included). */
  logs: Logs;
  /** True for the report at the end of an epoch. */
  epochEnd: boolean;
}

/** The callback behind fit's `onProgress`. */
export class ProgressCallback extends Callback {
  private readonly fn: (p: FitProgress) => void;
  private firstEpoch = -1;
  private epoch = 0;
  private seen = 0;
  private t0 = 0;

  constructor(fn: (p: FitProgress) => void) {
    super();
    if (typeof fn !== 'function') throw new TypeError(`fit: onProgress must be a function, got ${typeof fn}`);
    this.fn = fn;
  }

  override onEpochBegin(epoch: number): void {
    if (this.firstEpoch < 0) this.firstEpoch = epoch;
    this.epoch = epoch;
    this.seen = 0;
    this.t0 = performance.now();
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    this.seen += logs.size ?? 0;
    this.report(batch + 1, { ...logs }, false);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    this.report(this.ctx.stepsPerEpoch, { ...logs }, true);
  }

  private report(step: number, logs: Logs, epochEnd: boolean): void {
    const { epochs, stepsPerEpoch: steps } = this.ctx;
    const total = Math.max(1, epochs - this.firstEpoch);
    const done = this.epoch - this.firstEpoch + (steps > 0 ? step / steps : 1);
    const seconds = (performance.now() - this.t0) / 1000;
    this.fn({
      epoch: this.epoch,
      epochs,
      step,
      steps,
      fraction: Math.min(1, done / total),
      imagesPerSec: logs.imagesPerSec ?? this.seen / Math.max(seconds, 1e-9),
      logs,
      epochEnd,
    });
  }
}
