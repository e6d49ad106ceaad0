/**
 * evaluate(): loss and metrics of a model over a dataset, in eval mode without autograd;
 * predict(): the model's outputs for a batch tensor or a dataset, computed in batches.
 */
import { noGrad } from '../autograd/engine.js';
import type { Module } from '../nn/module.js';
import { concat } from '../tensor/ops/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Logs } from './callback.js';
import { batchSource, type DataInput } from './data.js';
import { resolveLoss, type LossFn, type LossName } from './losses.js';
import { Mean, resolveMetric, type Metric, type MetricName } from './metrics.js';

/** Options of evaluate(). */
export interface EvaluateOptions {
  /** Samples per forward pass (default 256). */
  batchSize?: number;
  /** Loss to report as 'loss' (default 'crossEntropy'). */
  loss?: LossName | LossFn;
  /** Metrics to report (default ['accuracy']). */
  metrics?: (MetricName | Metric)[];
}

/** Runs fn with the model in eval mode and no graph, then restores its previous mode. */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    if (wasTraining) model.train();
  }
}

/** Mean loss and metrics of the model over data: `{loss, accuracy, ...}`. */
export function evaluate(model: Module, data: DataInput, options: EvaluateOptions = {}): Logs {
  const lossFn = resolveLoss(options.loss);
  const metrics = (options.metrics ?? ['accuracy']).map(resolveMetric);
  const source = batchSource('evaluate', data, options.batchSize ?? 256, false);
  const loss = new Mean();
  for (const m of metrics) m.reset();
  inEvalMode(model, () => {
    for (const { x, y } of source.batches()) {
      const out = model.call(x);
      loss.add(lossFn(out, y).item(), y.shape[0] ?? 1);
      for (const m of metrics) m.update(out, y);
    }
  });
  const logs: Logs = { loss: loss.result() };
  for (const m of metrics) logs[m.name] = m.result();
  return logs;
}

/** Options of predict(). */
export interface PredictOptions {
  /** Samples per forward pass (default 256). */
  batchSize?: number;
}

/** The model's outputs (e.g. logits [N, C]) for inputs x [N, ...] or every sample of a dataset. */
export function predict(model: Module, x: Tensor | DataInput, options: PredictOptions = {}): Tensor {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`predict: batchSize must be a positive integer, got ${String(batchSize)}`);
  const outs: Tensor[] = [];
  inEvalMode(model, () => {
    if (x instanceof Tensor) {
      if (x.ndim < 1) throw new RangeError('predict: x must have a batch axis');
      const n = x.shape[0];
      for (let s = 0; s < n; s += batchSize)
        outs.push(model.call(n <= batchSize ? x : x.slice(0, s, Math.min(n, s + batchSize))));
    } else {
      for (const b of batchSource('predict', x, batchSize, false).batches()) outs.push(model.call(b.x));
    }
  });
  if (outs.length === 0) throw new RangeError('predict: no inputs');
  return outs.length === 1 ? outs[0] : concat(outs, 0);
}
