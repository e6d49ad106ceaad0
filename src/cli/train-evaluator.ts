/**
 * The callback `convkit train` uses to score the test split after every epoch (so --json and the
 * progress line can report it): the loss, accuracy for classifiers, and for segmentation the
 * intersection over union of the predicted masks (logit > 0, i.e. probability > 0.5) with the
 * true ones, over every test pixel.
 */
import type { Dataset } from '../data/dataset.js';
import { Callback, type Logs } from '../train/callback.js';
import { evaluate, predict } from '../train/evaluate.js';
import { batchSource } from '../train/data.js';
import type { LossName } from '../train/losses.js';
import type { Module } from '../nn/module.js';
import type { TrainTask } from './train-data.js';

/** Intersection over union of (logits > 0) with (target > 0.5) over every pixel of the dataset (1 when both are empty). */
export function datasetIoU(model: Module, data: Dataset, batchSize = 256): number {
  let inter = 0,
    union = 0;
  for (const b of batchSource('iou', data, batchSize, false).batches()) {
    const out = predict(model, b.x).data;
    const t = b.y.data;
    if (out.length !== t.length)
      throw new RangeError(
        `iou: the model outputs ${out.length / b.x.shape[0]} values per sample, the masks have ${t.length / b.x.shape[0]}`,
      );
    for (let i = 0; i < out.length; i++) {
      const p = out[i] > 0,
        y = t[i] > 0.5;
      if (p && y) inter++;
      if (p || y) union++;
    }
  }
  return union === 0 ? 1 : inter / union;
}

/** Adds testLoss (and testAccuracy for classifiers, testIoU for segmentation) to each epoch's logs. */
export class TestEvaluator extends Callback {
  /** test: the test split as the model sees it (targets included). */
  constructor(
    private readonly test: Dataset,
    private readonly loss: LossName,
    private readonly task: TrainTask,
  ) {
    super();
    this.order = -10;
  }

  /** The scores of the model on the test split now. */
  scores(model: Module): { loss: number; accuracy?: number; iou?: number } {
    const classify = this.task === 'classification';
    const r = evaluate(model, this.test, { loss: this.loss, batchSize: 500, metrics: classify ? ['accuracy'] : [] });
    return {
      loss: r.loss,
      ...(classify ? { accuracy: r.accuracy } : {}),
      ...(this.task === 'segmentation' ? { iou: datasetIoU(model, this.test, 500) } : {}),
    };
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const s = this.scores(this.ctx.model);
    logs.testLoss = s.loss;
    if (s.accuracy !== undefined) logs.testAccuracy = s.accuracy;
    if (s.iou !== undefined) logs.testIoU = s.iou;
  }
}
