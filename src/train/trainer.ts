/**
 * Trainer: Keras' compile-then-fit style — bind a model to its optimizer, loss and metrics
 * once, then call fit / evaluate / predict without repeating them.
 */
import type { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Logs } from './callback.js';
import type { DataInput } from './data.js';
import { evaluate, predict, type PredictOptions } from './evaluate.js';
import { fit, type FitOptions } from './fit.js';
import type { History } from './history.js';
import type { LossFn, LossName } from './losses.js';
import type { Metric, MetricName } from './metrics.js';

/** What Trainer binds to the model (Keras' compile arguments). */
export interface TrainerOptions {
  /** Default: Adam, lr 1e-3. */
  optimizer?: Optimizer;
  /** Default: 'crossEntropy'. */
  loss?: LossName | LossFn;
  /** Default: ['accuracy']. */
  metrics?: (MetricName | Metric)[];
}

/** A model compiled with an optimizer, loss and metrics. */
export class Trainer {
  /** The optimizer used by fit. */
  readonly optimizer: Optimizer;
  private readonly loss: LossName | LossFn;
  private readonly metrics: (MetricName | Metric)[];

  /** Binds model to optimizer, loss and metrics. */
  constructor(
    /** The model trained. */
    readonly model: Module,
    options: TrainerOptions = {},
  ) {
    this.optimizer = options.optimizer ?? new Adam(model.parameters(), { lr: 1e-3 });
    this.loss = options.loss ?? 'crossEntropy';
    this.metrics = options.metrics ?? ['accuracy'];
  }

  /** fit() with the bound optimizer, loss and metrics. */
  fit(data: DataInput, options: Omit<FitOptions, 'optimizer' | 'loss' | 'metrics'> = {}): Promise<History> {
    return fit(this.model, data, { ...options, optimizer: this.optimizer, loss: this.loss, metrics: this.metrics });
  }

  /** evaluate() with the bound loss and metrics. */
  evaluate(data: DataInput, options: { batchSize?: number } = {}): Logs {
    return evaluate(this.model, data, { ...options, loss: this.loss, metrics: this.metrics });
  }

  /** predict() on the bound model. */
  predict(x: Tensor | DataInput, options: PredictOptions = {}): Tensor {
    return predict(this.model, x, options);
  }
}
