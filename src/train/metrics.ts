/**
 * Classification metrics: plain functions on a batch (accuracy, topKAccuracy, confusionMatrix;
 * targets are labels or (N, C) class probabilities) and streaming `Metric` objects that
 * fit/evaluate accumulate over batches (segmentation's iou/dice live in segmentation-metrics.ts).
 */
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dice, IoU } from './segmentation-metrics.js';

/** True when target is a float (N, C) matrix of class probabilities (soft labels, MixUp/CutMix) matching [N, C] scores. */
function isSoftTarget(output: Tensor, target: Tensor): boolean {
  return (
    target.dtype === 'float32' &&
    target.ndim === 2 &&
    output.ndim === 2 &&
    output.shape[1] > 1 &&
    target.shape[0] === output.shape[0] &&
    target.shape[1] === output.shape[1]
  );
}

/** Checks output/target shapes and returns [N, C] (C = 1 for a binary logit output). */
function dims(op: string, output: Tensor, target: Tensor): [number, number] {
  const n = output.shape[0] ?? 1;
  const binary = output.ndim === 1 || (output.ndim === 2 && output.shape[1] === 1);
  if (!binary && output.ndim !== 2)
    throw new RangeError(
      `${op}: output must be [N, C] scores (or [N] / [N, 1] binary logits), got ${fmt(output.shape)}` +
        (output.ndim > 2 ? '; for per-pixel outputs use the iou or dice metric' : ''),
    );
  if (isSoftTarget(output, target)) return [n, output.shape[1]];
  if (target.size !== n)
    throw new RangeError(
      `${op}: output ${fmt(output.shape)} has ${n} rows but target ${fmt(target.shape)} has ${target.size} labels` +
        ' (targets are one label per row, or [N, C] class probabilities)',
    );
  return [n, binary ? 1 : output.shape[1]];
}

/**
 * The class label per row of a target: the labels themselves (rounded), or the argmax of each
 * row of a float (N, C) probability target (soft labels from MixUp/CutMix or label smoothing).
 */
export function targetClasses(output: Tensor, target: Tensor): Int32Array {
  if (!isSoftTarget(output, target)) {
    const out = new Int32Array(target.size);
    for (let i = 0; i < out.length; i++) out[i] = Math.round(target.data[i]);
    return out;
  }
  return predictClasses(target);
}

/** Predicted class per row: argmax of the scores, or logit > 0 for a binary [N]/[N, 1] output. */
export function predictClasses(output: Tensor): Int32Array {
  const n = output.shape[0] ?? 1;
  const c = output.ndim === 2 ? output.shape[1] : 1;
  if (output.ndim > 2) throw new RangeError(`predictClasses: output must be [N, C] or [N], got ${fmt(output.shape)}`);
  const d = output.data;
  const out = new Int32Array(n);
  if (c === 1) {
    for (let i = 0; i < n; i++) out[i] = d[i] > 0 ? 1 : 0;
    return out;
  }
  for (let i = 0; i < n; i++) {
    let best = 0,
      bv = d[i * c];
    for (let j = 1; j < c; j++) {
      const v = d[i * c + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Number of rows whose predicted class equals the target label. */
export function countCorrect(output: Tensor, target: Tensor): number {
  dims('accuracy', output, target);
  const pred = predictClasses(output);
  const t = targetClasses(output, target);
  let k = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === t[i]) k++;
  return k;
}

/** Number of target rows: labels, or the rows of an (N, C) probability target. */
function rows(output: Tensor, target: Tensor): number {
  return isSoftTarget(output, target) ? target.shape[0] : target.size;
}

/**
 * Fraction of rows whose argmax (or binary logit > 0) equals the target label; with (N, C)
 * class-probability targets (MixUp, CutMix) the label is the target row's argmax.
 */
export function accuracy(output: Tensor, target: Tensor): number {
  const n = rows(output, target);
  if (n === 0) throw new RangeError('accuracy: empty batch');
  return countCorrect(output, target) / n;
}

/** Number of rows whose target is among the k highest scores (ties count in the target's favour). */
export function countTopK(output: Tensor, target: Tensor, k: number): number {
  const [n, c] = dims('topKAccuracy', output, target);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topKAccuracy: k must be a positive integer, got ${k}`);
  if (c === 1) throw new RangeError(`topKAccuracy: needs [N, C] class scores, got ${fmt(output.shape)}`);
  const d = output.data,
    t = targetClasses(output, target);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const label = t[i];
    if (label < 0 || label >= c) throw new RangeError(`topKAccuracy: label ${label} out of range for ${c} classes`);
    const v = d[i * c + label];
    let above = 0;
    for (let j = 0; j < c; j++) if (d[i * c + j] > v) above++;
    if (above < k) hits++;
  }
  return hits;
}

/** Fraction of rows whose target label (argmax of a probability row) is among the k highest-scoring classes. */
export function topKAccuracy(output: Tensor, target: Tensor, k = 5): number {
  const n = rows(output, target);
  if (n === 0) throw new RangeError('topKAccuracy: empty batch');
  return countTopK(output, target, k) / n;
}

/**
 * The confusion matrix as number[true][predicted]. `output` is either class scores [N, C]
 * (argmax is taken) / binary logits, or already-predicted labels as an int32 tensor [N].
 */
export function confusionMatrix(output: Tensor, target: Tensor, numClasses?: number): number[][] {
  const pred =
    output.dtype === 'int32' && output.ndim === 1
      ? (output.data as Int32Array)
      : (dims('confusionMatrix', output, target), predictClasses(output));
  const t = targetClasses(output, target);
  if (pred.length !== t.length)
    throw new RangeError(`confusionMatrix: ${pred.length} predictions but ${t.length} targets`);
  let c = numClasses ?? (output.dtype === 'float32' && output.ndim === 2 ? Math.max(2, output.shape[1]) : 0);
  if (c === 0) {
    for (let i = 0; i < pred.length; i++) c = Math.max(c, pred[i] + 1, t[i] + 1);
  }
  const m: number[][] = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < pred.length; i++) {
    const a = t[i],
      p = pred[i];
    if (a < 0 || a >= c || p < 0 || p >= c)
      throw new RangeError(`confusionMatrix: label ${a} or prediction ${p} out of range for ${c} classes`);
    m[a][p]++;
  }
  return m;
}

/** A metric accumulated over batches: reset, update per batch, result at the end of an epoch. */
export interface Metric {
  /** Key in logs and History (e.g. 'accuracy'; validation adds the 'val' prefix). */
  readonly name: string;
  /** Forgets everything accumulated. */
  reset(): void;
  /** Adds one batch of model outputs and targets. */
  update(output: Tensor, target: Tensor): void;
  /** The value over all batches since reset. */
  result(): number;
}

/** Streaming accuracy (see `accuracy`). */
export class Accuracy implements Metric {
  readonly name: string = 'accuracy';
  private correct = 0;
  private total = 0;
  /** Forgets accumulated counts. */
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  /** Counts correct rows of a batch. */
  update(output: Tensor, target: Tensor): void {
    this.correct += countCorrect(output, target);
    this.total += rows(output, target);
  }
  /** Correct / total (NaN before any update). */
  result(): number {
    return this.total === 0 ? NaN : this.correct / this.total;
  }
}

/** Streaming top-k accuracy, logged as `top{k}Accuracy`. */
export class TopKAccuracy implements Metric {
  readonly name: string;
  private hits = 0;
  private total = 0;
  /**
   * k: how many of the highest scores count as a hit.
   * @param k How many of the highest scores count as a hit.
   */
  constructor(readonly k = 5) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`TopKAccuracy: k must be a positive integer, got ${k}`);
    this.name = `top${k}Accuracy`;
  }
  /** Forgets accumulated counts. */
  reset(): void {
    this.hits = 0;
    this.total = 0;
  }
  /** Counts hits of a batch. */
  update(output: Tensor, target: Tensor): void {
    this.hits += countTopK(output, target, this.k);
    this.total += rows(output, target);
  }
  /** Hits / total (NaN before any update). */
  result(): number {
    return this.total === 0 ? NaN : this.hits / this.total;
  }
}

/** Streaming mean of a per-batch value weighted by batch size (used for the loss). */
export class Mean {
  private sum = 0;
  private count = 0;
  /** Forgets accumulated values. */
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  /** Adds a batch mean `value` over `n` samples. */
  add(value: number, n: number): void {
    this.sum += value * n;
    this.count += n;
  }
  /** The weighted mean (NaN before any add). */
  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}

/** Names accepted in `metrics: [...]`: 'accuracy' / 'acc', 'top5' / 'top5Accuracy' (any k), 'iou', 'dice' (segmentation). */
export type MetricName = 'accuracy' | 'acc' | `top${number}` | `top${number}Accuracy` | 'iou' | 'dice';

/** Resolves a metric name or object to a fresh Metric. */
export function resolveMetric(m: MetricName | Metric): Metric {
  if (typeof m !== 'string') return m;
  if (m === 'accuracy' || m === 'acc') return new Accuracy();
  if (m === 'iou') return new IoU();
  if (m === 'dice') return new Dice();
  const match = /^top(\d+)(Accuracy)?$/.exec(m);
  if (match) return new TopKAccuracy(Number(match[1]));
  throw new RangeError(`metrics: unknown metric '${m}' (known: accuracy, topK e.g. top5, iou, dice)`);
}
