/**
 * EarlyStopping: stops training when a monitored quantity (default 'valLoss') has not
 * improved by more than minDelta for `patience` epochs; optionally restores the weights of
 * the best epoch when training ends (keras.callbacks.EarlyStopping, Keras 3: at the end of
 * training whether or not it stopped early). With restoreBestWeights its state, and so every
 * full checkpoint, holds the best weights, so a resumed run still restores them.
 */
import { Callback, type Logs } from './callback.js';
import { improves, monitoredValue, resolveMode, type MonitorMode } from './monitor.js';
import type { StateDict } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { warnOnce } from '../platform.js';

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
  /**
   * Load the best epoch's weights back when training ends (default false). The best weights
   * are kept in memory and stored in training checkpoints (ModelCheckpoint), so a run resumed
   * from one restores them too.
   */
  restoreBestWeights?: boolean;
}

/** Stops fit() when the monitored quantity stops improving. */
export class EarlyStopping extends Callback {
  /** The quantity watched (a logs key, e.g. 'valLoss'). */
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
  private bestWeightsSnapshot: StateDict | null = null;
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

  /** The weights of the best epoch (a copy), kept when restoreBestWeights is set; null before any. */
  get bestWeights(): StateDict | null {
    return this.bestWeightsSnapshot;
  }

  override onTrainBegin(): void {
    // a fresh fit() starts over; a resumed one keeps the state loaded from the checkpoint, and
    // one resumed from the epoch at which it stopped stops again at once (as the uninterrupted
    // run did) unless this EarlyStopping has a larger patience
    if (!this.restored) {
      this.wait = 0;
      this.best = this.baseline;
      this.bestEpoch = -1;
      this.bestWeightsSnapshot = null;
      this.stoppedEpoch = -1;
    } else if (this.stoppedEpoch >= 0 && this.wait >= this.patience) this.ctx.stopTraining = true;
    else this.stoppedEpoch = -1;
    this.restored = false;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitoredValue('EarlyStopping', this.monitor, logs);
    if (improves(value, this.best, this.mode, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeightsSnapshot = this.ctx.model.stateDict({ clone: true });
      return;
    }
    this.wait += 1;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.ctx.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeightsSnapshot && this.bestEpoch >= 0)
      this.ctx.model.loadStateDict(this.bestWeightsSnapshot);
  }

  /** Counters, and with restoreBestWeights the best weights (a Map of tensors, stored as tensors in checkpoints). */
  override stateDict(): Record<string, unknown> {
    const state: Record<string, unknown> = {
      best: this.best,
      bestEpoch: this.bestEpoch,
      wait: this.wait,
      stoppedEpoch: this.stoppedEpoch,
    };
    if (this.restoreBestWeights && this.bestWeightsSnapshot) state.bestWeights = this.bestWeightsSnapshot;
    return state;
  }

  /** Restores what stateDict returned (a checkpoint's state); the next fit() continues from it. */
  override loadStateDict(state: Record<string, unknown>): void {
    this.best = typeof state.best === 'number' ? state.best : null;
    this.bestEpoch = typeof state.bestEpoch === 'number' ? state.bestEpoch : -1;
    this.wait = typeof state.wait === 'number' ? state.wait : 0;
    this.stoppedEpoch = typeof state.stoppedEpoch === 'number' ? state.stoppedEpoch : -1;
    const w = state.bestWeights;
    const isWeights = w instanceof Map && [...w.values()].every((t) => t instanceof Tensor);
    this.bestWeightsSnapshot = isWeights ? (w as StateDict) : null;
    if (this.restoreBestWeights && !isWeights && this.bestEpoch >= 0)
      warnOnce(
        'early-stopping-no-best-weights',
        `EarlyStopping: the checkpoint holds no best weights (epoch ${this.bestEpoch + 1} was best; saved without restoreBestWeights, or by an older convkit): only an epoch that improves after resuming can be restored`,
      );
    this.restored = true;
  }
}
