/**
 * Classification metrics: plain functions on a batch (accuracy, topKAccuracy, confusionMatrix)
 * and streaming `Metric` objects that fit/evaluate accumulate over batches.
 */
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Checks output/target shapes and returns [N, C] (C = 1 for a binary logit output). */
function dims(op: string, output: Tensor, target: Tensor): [number, number] {
  const n = output.shape[0] ?? 1;
  const binary = output.ndim === 1 || (output.ndim === 2 && output.shape[1] === 1);
  if (!binary && output.ndim !== 2)
    throw new RangeError(
      `${op}: output must be [N, C] scores (or [N] / [N, 1] binary logits), got ${fmt(output.shape)}`,
    );
  if (target.size !== n)
    throw new RangeError(
      `${op}: output ${fmt(output.shape)} has ${n} rows but target ${fmt(target.shape)} has ${target.size} labels`,
    );
  return [n, binary ? 1 : output.shape[1]];
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
  const t = target.data;
  let k = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === Math.round(t[i])) k++;
  return k;
}

/** Fraction of rows whose argmax (or binary logit > 0) equals the target label. */
export function accuracy(output: Tensor, target: Tensor): number {
  const n = target.size;
  if (n === 0) throw new RangeError('accuracy: empty batch');
  return countCorrect(output, target) / n;
}

/** Number of rows whose target is among the k highest scores (ties count in the target's favour). */
export function countTopK(output: Tensor, target: Tensor, k: number): number {
  const [n, c] = dims('topKAccuracy', output, target);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topKAccuracy: k must be a positive integer, got ${k}`);
  if (c === 1) throw new RangeError(`topKAccuracy: needs [N, C] class scores, got ${fmt(output.shape)}`);
  const d = output.data,
    t = target.data;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const label = Math.round(t[i]);
    if (label < 0 || label >= c) throw new RangeError(`topKAccuracy: label ${label} out of range for ${c} classes`);
    const v = d[i * c + label];
    let above = 0;
    for (let j = 0; j < c; j++) if (d[i * c + j] > v) above++;
    if (above < k) hits++;
  }
  return hits;
}

/** Fraction of rows whose target label is among the k highest-scoring classes. */
export function topKAccuracy(output: Tensor, target: Tensor, k = 5): number {
  if (target.size === 0) throw new RangeError('topKAccuracy: empty batch');
  return countTopK(output, target, k) / target.size;
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
  if (pred.length !== target.size)
    throw new RangeError(`confusionMatrix: ${pred.length} predictions but ${target.size} targets`);
  const t = target.data;
  let c = numClasses ?? (output.dtype === 'float32' && output.ndim === 2 ? Math.max(2, output.shape[1]) : 0);
  if (c === 0) {
    for (let i = 0; i < pred.length; i++) c = Math.max(c, pred[i] + 1, Math.round(t[i]) + 1);
  }
  const m: number[][] = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < pred.length; i++) {
    const a = Math.round(t[i]),
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
    this.total += target.size;
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
  /** k: how many of the highest scores count as a hit. */
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
    this.total += target.size;
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

/** Names accepted in `metrics: [...]`: 'accuracy' / 'acc', 'top5' / 'top5Accuracy' (any k). */
export type MetricName = 'accuracy' | 'acc' | `top${number}` | `top${number}Accuracy`;

/** Resolves a metric name or object to a fresh Metric. */
export function resolveMetric(m: MetricName | Metric): Metric {
  if (typeof m !== 'string') return m;
  if (m === 'accuracy' || m === 'acc') return new Accuracy();
  const match = /^top(\d+)(Accuracy)?$/.exec(m);
  if (match) return new TopKAccuracy(Number(match[1]));
  throw new RangeError(`metrics: unknown metric '${m}' (known: accuracy, topK e.g. top5)`);
}
