/**
 * EarlyStopping: stops training when a monitored quantity (default 'valLoss') has not
 * improved by more than minDelta for `patience` epochs; optionally restores the weights of
 * the best epoch when training ends (keras.callbacks.EarlyStopping).
 */
import { Callback, type Logs } from './callback.js';
import { improves, monitoredValue, resolveMode, type MonitorMode } from './monitor.js';
import type { StateDict } from '../nn/module.js';

/** Options of EarlyStopping. */
export interface EarlyStoppingOptions {
  /** Logged quantity to watch (default 'valLoss'). */
  monitor?: string;
  /** Minimum change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Direction of improvement (default 'auto'). */
  mode?: MonitorMode;
  /** Values not better than this count as no improvement from the start (default none). */
  baseline?: number | null;
  /** Load the best epoch's weights back when training ends (default false). */
  restoreBestWeights?: boolean;
}

/** Stops fit() when the monitored quantity stops improving. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly mode: 'min' | 'max';
  private readonly baseline: number | null;
  private readonly restoreBestWeights: boolean;
  /** Best value seen. */
  best: number | null = null;
  /** Epoch of the best value (-1 before any). */
  bestEpoch = -1;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epoch at which training was stopped (-1 if it was not). */
  stoppedEpoch = -1;
  private bestWeights: StateDict | null = null;
  private restored = false;

  /** See EarlyStoppingOptions. */
  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'valLoss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${this.patience}`);
    this.mode = resolveMode(this.monitor, options.mode ?? 'auto');
    this.baseline = options.baseline ?? null;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  override onTrainBegin(): void {
    this.stoppedEpoch = -1;
    // a fresh fit() starts over; a resumed one keeps the counters loaded from the checkpoint
    if (!this.restored) {
      this.wait = 0;
      this.best = this.baseline;
      this.bestEpoch = -1;
      this.bestWeights = null;
    }
    this.restored = false;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitoredValue('EarlyStopping', this.monitor, logs);
    if (improves(value, this.best, this.mode, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.ctx.model.stateDict({ clone: true });
      return;
    }
    this.wait += 1;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.ctx.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.bestEpoch >= 0)
      this.ctx.model.loadStateDict(this.bestWeights);
  }

  override stateDict(): Record<string, unknown> {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.best = typeof state.best === 'number' ? state.best : null;
    this.bestEpoch = typeof state.bestEpoch === 'number' ? state.bestEpoch : -1;
    this.wait = typeof state.wait === 'number' ? state.wait : 0;
    this.restored = true;
  }
}
