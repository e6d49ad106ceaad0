/**
 * ModelCheckpoint: saves a checkpoint after every epoch ("last") or only when the monitored
 * quantity improves ("best"), as one safetensors file written atomically. Full checkpoints
 * hold weights + optimizer + epoch + RNG + callback state, so `fit(..., {resume: path})`
 * continues exactly (an EarlyStopping with restoreBestWeights stores its best weights in them
 * too, so the resumed run still restores those); `weightsOnly` saves just the model. `{epoch}`
 * in the path is replaced by the 1-based epoch number.
 */
import { Callback, type Logs } from './callback.js';
import { captureCheckpoint, saveCheckpoint, saveWeights } from './checkpoint.js';
import { improves, monitoredValue, resolveMode, type MonitorMode } from './monitor.js';

/** Options of ModelCheckpoint. */
export interface ModelCheckpointOptions {
  /** Quantity watched when saveBestOnly (default 'valLoss'). */
  monitor?: string;
  /** Direction of improvement (default 'auto'). */
  mode?: MonitorMode;
  /** Save only when the monitored quantity improves (default false: save every epoch). */
  saveBestOnly?: boolean;
  /** Save only the model's weights (default false: full training checkpoint). */
  weightsOnly?: boolean;
  /** String metadata written into every file's header (e.g. the run's configuration). */
  metadata?: Record<string, string>;
}

/** Saves checkpoints during fit(). */
export class ModelCheckpoint extends Callback {
  /** The quantity watched (a logs key, e.g. 'valLoss'). */
  readonly monitor: string;
  private readonly mode: 'min' | 'max';
  private readonly saveBestOnly: boolean;
  private readonly weightsOnly: boolean;
  private readonly metadata: Record<string, string>;
  /** Best monitored value so far. */
  best: number | null = null;
  /** Paths written, in order. */
  readonly saved: string[] = [];

  /** filepath: where to save (may contain `{epoch}`). */
  constructor(
    /** Where to save (may contain `{epoch}`). */
    readonly filepath: string,
    options: ModelCheckpointOptions = {},
  ) {
    super();
    this.order = 100;
    this.monitor = options.monitor ?? 'valLoss';
    this.mode = resolveMode(this.monitor, options.mode ?? 'auto');
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.weightsOnly = options.weightsOnly ?? false;
    this.metadata = { ...options.metadata };
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const v = monitoredValue('ModelCheckpoint', this.monitor, logs);
      if (!improves(v, this.best, this.mode, 0)) return;
      this.best = v;
    }
    const path = this.filepath.replace(/\{epoch\}/g, String(epoch + 1));
    const { model, optimizer, callbacks, history } = this.ctx;
    if (this.weightsOnly) await saveWeights(model, path, this.metadata);
    else
      await saveCheckpoint(path, {
        ...captureCheckpoint({ model, optimizer, epoch, callbacks, history }),
        metadata: this.metadata,
      });
    this.saved.push(path);
  }

  override stateDict(): Record<string, unknown> {
    return { best: this.best };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.best = typeof state.best === 'number' ? state.best : null;
  }
}
