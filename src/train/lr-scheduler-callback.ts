/**
 * LRSchedulerCallback: steps an optim LR scheduler from fit() — once per epoch (default) or
 * once per batch (warmup, cosine over all steps); fit() logs the rate each epoch started with
 * as 'lr'. A ReduceLROnPlateau is
 * stepped with the monitored quantity (default 'valLoss', falling back to 'loss').
 */
import { Callback, type Logs } from './callback.js';
import { LRScheduler, ReduceLROnPlateau, type SchedulerStateDict } from '../optim/lr-scheduler.js';

/** Options of LRSchedulerCallback. */
export interface LRSchedulerCallbackOptions {
  /** 'epoch' (default) steps after every epoch; 'batch' after every batch. */
  interval?: 'epoch' | 'batch';
  /** The quantity a ReduceLROnPlateau watches (default 'valLoss', or 'loss' without validation). */
  monitor?: string;
}

/** Drives an LR scheduler during fit(). */
export class LRSchedulerCallback extends Callback {
  private readonly interval: 'epoch' | 'batch';
  private readonly monitor: string | undefined;

  /** scheduler: any LRScheduler, or a ReduceLROnPlateau. */
  constructor(
    /** The scheduler stepped by this callback. */
    readonly scheduler: LRScheduler | ReduceLROnPlateau,
    options: LRSchedulerCallbackOptions = {},
  ) {
    super();
    this.interval = options.interval ?? 'epoch';
    if (this.interval !== 'epoch' && this.interval !== 'batch')
      throw new RangeError(`LRSchedulerCallback: interval must be 'epoch' or 'batch', got '${String(this.interval)}'`);
    if (scheduler instanceof ReduceLROnPlateau && this.interval === 'batch')
      throw new RangeError('LRSchedulerCallback: ReduceLROnPlateau can only be stepped per epoch');
    this.monitor = options.monitor;
  }

  override onTrainBegin(): void {
    if (this.scheduler.optimizer !== this.ctx.optimizer)
      throw new Error('LRSchedulerCallback: the scheduler wraps a different optimizer than the one passed to fit()');
  }

  override onBatchEnd(): void {
    if (this.interval === 'batch' && this.scheduler instanceof LRScheduler) this.scheduler.step();
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.interval !== 'epoch') return;
    if (this.scheduler instanceof ReduceLROnPlateau) {
      const key = this.monitor ?? ('valLoss' in logs ? 'valLoss' : 'loss');
      const v = logs[key];
      if (typeof v !== 'number')
        throw new RangeError(
          `LRSchedulerCallback: monitored quantity '${key}' is not in the logs (logged: ${Object.keys(logs).join(', ')})`,
        );
      this.scheduler.step(v);
    } else {
      this.scheduler.step();
    }
  }

  override stateDict(): Record<string, unknown> {
    return { scheduler: this.scheduler.stateDict() };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    if (state.scheduler && typeof state.scheduler === 'object')
      this.scheduler.loadStateDict(state.scheduler as SchedulerStateDict);
  }
}
