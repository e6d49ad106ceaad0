/**
 * Segmentation metrics: intersection over union (IoU, Jaccard index) and the Dice coefficient
 * (F1 score of pixels) of predicted masks against target masks, as plain functions on a batch
 * and as streaming metrics ('iou', 'dice') for fit/evaluate.
 *
 * Two layouts, told apart by shape:
 * - binary: output and target have the same number of elements (e.g. (N, 1, H, W) mask logits
 *   and (N, 1, H, W) 0/1 masks); a pixel is predicted positive when sigmoid(logit) > threshold
 *   (or, with `logits: false`, when the output probability > threshold), and is positive in the
 *   target when the target > 0.5. The score is the foreground class's.
 * - multi-class: output (N, C, ...) class scores with C > 1 and target (N, ...) or (N, 1, ...)
 *   integer class labels; the prediction is the argmax over C. The score is the mean over the
 *   classes that occur in the prediction or the target (mean IoU / mean Dice).
 * Counts are summed over every pixel of every batch before dividing (as torchmetrics'
 * JaccardIndex and Dice do), not averaged per image. When a class is absent from both
 * prediction and target the score is 1 (nothing to find, nothing found).
 */
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Metric } from './metrics.js';

/** Options of iou, dice and the IoU / Dice metrics. */
export interface SegmentationMetricOptions {
  /** Binary layout: probability above which a pixel counts as foreground (default 0.5). */
  threshold?: number;
  /** Binary layout: the output holds logits (sigmoid applied first; default true) or probabilities. */
  logits?: boolean;
  /** Multi-class layout: target label whose pixels are left out (e.g. 255 for "void"). */
  ignoreIndex?: number;
}

/** Per-class pixel counts: intersection |P ∩ T|, predicted |P| and target |T| (binary: one class, the foreground). */
export interface SegmentationCounts {
  /** Pixels predicted and labelled as the class. */
  intersection: number[];
  /** Pixels predicted as the class. */
  predicted: number[];
  /** Pixels labelled as the class. */
  actual: number[];
}

function checkOptions(op: string, o: SegmentationMetricOptions): { threshold: number; logits: boolean } {
  const threshold = o.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1))
    throw new RangeError(`${op}: threshold must be a probability in (0, 1), got ${String(threshold)}`);
  return { threshold, logits: o.logits ?? true };
}

/** The pixel counts of one batch (see the file comment for the two layouts). */
export function segmentationCounts(
  output: Tensor,
  target: Tensor,
  options: SegmentationMetricOptions = {},
  op = 'segmentationCounts',
): SegmentationCounts {
  const { threshold, logits } = checkOptions(op, options);
  if (output.dtype !== 'float32') throw new TypeError(`${op}: output must be float32 scores, got ${output.dtype}`);
  if (output.size === target.size) {
    // binary masks: sigmoid(x) > t  <=>  x > log(t / (1 - t))
    const cut = logits ? Math.log(threshold / (1 - threshold)) : threshold;
    const o = output.data,
      t = target.data;
    let inter = 0,
      pred = 0,
      act = 0;
    for (let i = 0; i < o.length; i++) {
      const p = o[i] > cut,
        a = t[i] > 0.5;
      if (p) pred++;
      if (a) act++;
      if (p && a) inter++;
    }
    return { intersection: [inter], predicted: [pred], actual: [act] };
  }
  const c = output.ndim >= 2 ? output.shape[1] : 0;
  const n = output.shape[0];
  const inner = c > 0 ? output.size / (n * c) : 0;
  if (c < 2 || target.size !== n * inner || target.shape[0] !== n) {
    throw new RangeError(
      `${op}: output ${fmt(output.shape)} and target ${fmt(target.shape)} do not match: pass binary masks of the ` +
        "output's shape, or (N, C, ...) class scores with (N, ...) or (N, 1, ...) integer labels",
    );
  }
  const o = output.data,
    t = target.data;
  const ignore = options.ignoreIndex;
  const counts: SegmentationCounts = {
    intersection: new Array<number>(c).fill(0),
    predicted: new Array<number>(c).fill(0),
    actual: new Array<number>(c).fill(0),
  };
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < inner; q++) {
      const label = Math.round(t[b * inner + q]);
      if (ignore !== undefined && label === ignore) continue;
      if (!(label >= 0 && label < c))
        throw new RangeError(`${op}: target label ${t[b * inner + q]} at pixel ${b * inner + q} is not in [0, ${c})`);
      let best = 0,
        bv = o[b * c * inner + q];
      for (let k = 1; k < c; k++) {
        const v = o[(b * c + k) * inner + q];
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
      counts.predicted[best]++;
      counts.actual[label]++;
      if (best === label) counts.intersection[label]++;
    }
  }
  return counts;
}

/** Mean over classes present in prediction or target of score(intersection, predicted, actual); 1 when none is. */
function meanScore(c: SegmentationCounts, score: (i: number, p: number, a: number) => number): number {
  let sum = 0,
    k = 0;
  for (let j = 0; j < c.intersection.length; j++) {
    if (c.predicted[j] + c.actual[j] === 0) continue;
    sum += score(c.intersection[j], c.predicted[j], c.actual[j]);
    k++;
  }
  return k === 0 ? 1 : sum / k;
}

const iouOf = (i: number, p: number, a: number): number => i / (p + a - i);
const diceOf = (i: number, p: number, a: number): number => (2 * i) / (p + a);

/** IoU from pixel counts (mean over the classes that occur; 1 when none does). */
export function iouFromCounts(counts: SegmentationCounts): number {
  return meanScore(counts, iouOf);
}

/** Dice from pixel counts (mean over the classes that occur; 1 when none does). */
export function diceFromCounts(counts: SegmentationCounts): number {
  return meanScore(counts, diceOf);
}

/** Intersection over union |P ∩ T| / |P ∪ T| of a batch (mean IoU over classes for class scores). */
export function iou(output: Tensor, target: Tensor, options: SegmentationMetricOptions = {}): number {
  return iouFromCounts(segmentationCounts(output, target, options, 'iou'));
}

/** Dice coefficient 2|P ∩ T| / (|P| + |T|) of a batch (mean over classes for class scores). */
export function dice(output: Tensor, target: Tensor, options: SegmentationMetricOptions = {}): number {
  return diceFromCounts(segmentationCounts(output, target, options, 'dice'));
}

/** Streaming pixel counts; subclasses pick the score. */
abstract class CountingMetric implements Metric {
  abstract readonly name: string;
  private counts: SegmentationCounts | null = null;
  /**
   * Options as given to the constructor.
   * @param options Threshold, logits and ignoreIndex, as given.
   */
  constructor(readonly options: SegmentationMetricOptions = {}) {
    checkOptions('segmentation metric', options);
  }
  /** Forgets accumulated counts. */
  reset(): void {
    this.counts = null;
  }
  /** Adds the pixel counts of one batch. */
  update(output: Tensor, target: Tensor): void {
    const c = segmentationCounts(output, target, this.options, this.name);
    if (this.counts === null) {
      this.counts = c;
      return;
    }
    if (this.counts.intersection.length !== c.intersection.length)
      throw new RangeError(
        `${this.name}: a batch has ${c.intersection.length} classes, earlier batches ${this.counts.intersection.length}`,
      );
    for (let j = 0; j < c.intersection.length; j++) {
      this.counts.intersection[j] += c.intersection[j];
      this.counts.predicted[j] += c.predicted[j];
      this.counts.actual[j] += c.actual[j];
    }
  }
  /** The score over all batches since reset (NaN before any update). */
  result(): number {
    return this.counts === null ? NaN : this.score(this.counts);
  }
  /** The score of accumulated counts. */
  protected abstract score(c: SegmentationCounts): number;
}

/** Streaming IoU over an epoch (pixel counts summed over batches), logged as 'iou'. */
export class IoU extends CountingMetric {
  /** The name the metric is logged under ('iou'). */
  readonly name: string = 'iou';
  /** IoU of the counts. */
  protected score(c: SegmentationCounts): number {
    return iouFromCounts(c);
  }
}

/** Streaming Dice coefficient over an epoch (pixel counts summed over batches), logged as 'dice'. */
export class Dice extends CountingMetric {
  /** The name the metric is logged under ('dice'). */
  readonly name: string = 'dice';
  /** Dice of the counts. */
  protected score(c: SegmentationCounts): number {
    return diceFromCounts(c);
  }
}
