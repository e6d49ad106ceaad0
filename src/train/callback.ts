/**
 * Keras-style training callbacks: hooks that fit() calls at the start and end of training,
 * of each epoch and of each batch. Subclass `Callback` and override the hooks you need.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { History } from './history.js';

/** Values logged at a hook: 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', ... */
export type Logs = Record<string, number>;

/** What callbacks can see and steer while fit() runs. */
export interface TrainContext {
  /** The model being trained. */
  readonly model: Module;
  /** Its optimizer. */
  readonly optimizer: Optimizer;
  /** Total number of epochs fit() will run (epochs are numbered from 0). */
  readonly epochs: number;
  /** Batches per epoch. */
  readonly stepsPerEpoch: number;
  /** Samples per epoch. */
  readonly samplesPerEpoch: number;
  /** Set to true to stop after the current epoch (EarlyStopping does). */
  stopTraining: boolean;
  /** All callbacks of this fit() call, in call order (checkpoints save their state). */
  readonly callbacks: readonly Callback[];
  /** The History being recorded (per-epoch logs so far). */
  readonly history: History;
}

/** Base class of all callbacks: every hook is a no-op until overridden. */
export abstract class Callback {
  /** Set by fit() before onTrainBegin. */
  context: TrainContext | null = null;
  /** Callbacks run in ascending order (stable); checkpoints use 100 to run after schedulers. */
  order = 0;

  /** The training context; throws if the callback is used outside fit(). */
  protected get ctx(): TrainContext {
    if (!this.context) throw new Error(`${this.constructor.name}: callback used outside fit()`);
    return this.context;
  }

  /** Called once before the first epoch. */
  onTrainBegin(_logs: Logs): void | Promise<void> {}
  /** Called once after the last epoch (or after early stopping). */
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  /** Called before each epoch (0-based). */
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  /** Called after each epoch with its train and validation results. */
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  /** Called before each batch (0-based within the epoch). */
  onBatchBegin(_batch: number, _logs: Logs): void {}
  /** Called after each batch with running means ('loss', metrics) and 'size'. */
  onBatchEnd(_batch: number, _logs: Logs): void {}
  /** State to store in a checkpoint so a resumed run continues identically (JSON-able). */
  stateDict(): Record<string, unknown> | null {
    return null;
  }
  /** Restores what stateDict returned. */
  loadStateDict(_state: Record<string, unknown>): void {}
}
