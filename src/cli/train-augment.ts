/**
 * --augment for `convkit train`: the training split wrapped in a DataLoader whose transforms
 * augment each batch (area A's parseAugment: per-image transforms on pixel values, MixUp/CutMix
 * with soft labels), drawn from the run's seeded generator so a run is reproducible and
 * resumable. Augmentation applies to image classifiers only; the validation and test splits are
 * never augmented.
 */
import { AUGMENT_PRESETS, mirrorSafe, parseAugment, type ParsedAugment } from '../data/augment/index.js';
import { DataLoader } from '../data/dataloader.js';
import type { Dataset } from '../data/dataset.js';
import { splitTail } from '../train/data.js';
import { UsageError } from './options.js';
import type { RunConfig } from './train-config.js';
import type { DataFacts, TrainData, TrainPlan } from './train-data.js';

/** The --augment lines of `convkit train --help`: each preset and what it does. */
export const AUGMENT_HELP = [
  ...AUGMENT_PRESETS.map((p) => `                         ${p.name.padEnd(15)}${p.description}`),
  '                       or a comma list such as hflip,rotate=10,erase=0.25,mixup=0.2',
  '                       (convkit augment --list lists the items; presets skip hflip on digits)',
].join('\n');

/** The augmented training data: a loader over the training split, and the held-out validation split. */
export interface AugmentedTraining {
  /** Shuffled, augmented batches of the training split. */
  loader: DataLoader;
  /** The validation split (--val-fraction's tail, not augmented), or null. */
  val: Dataset | null;
  /** Samples per epoch. */
  trainCount: number;
  /** What the augmentation does (torchvision-style). */
  description: string;
}

/** Parses --augment for this model and data (UsageError naming the bad item and the valid ones). */
function parse(
  run: RunConfig,
  plan: TrainPlan,
  facts: DataFacts,
  numClasses: number,
  data: TrainData | null,
): ParsedAugment {
  if (plan.task !== 'classification' || plan.modelShape.length !== 3)
    throw new UsageError(
      `--augment applies to image classifiers; --model ${run.model} on --dataset ${facts.name} is ${plan.task} of samples [${plan.modelShape.join(', ')}]; leave --augment out`,
    );
  let parsed: ParsedAugment;
  try {
    parsed = parseAugment(run.augment, {
      numClasses,
      channels: plan.modelShape[0],
      normalize: data?.normalize ?? null,
      hflip: mirrorSafe(facts.name),
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--augment ${run.augment}: ${e.message}`);
    throw e;
  }
  if (parsed.batchTransform && plan.loss !== 'crossEntropy')
    throw new UsageError(
      `--augment ${run.augment}: MixUp/CutMix make soft labels, which need a softmax cross-entropy classifier; --model ${run.model} trains with ${plan.loss} (for 2 classes, use mlp)`,
    );
  return parsed;
}

/**
 * Checks --augment against the plan and, given the loaded data, builds the augmented loader
 * (null for 'none', or when only checking).
 */
export function augmentedTraining(
  run: RunConfig,
  plan: TrainPlan,
  facts: DataFacts,
  numClasses: number,
  data: TrainData | null,
): AugmentedTraining | null {
  if (run.augment === 'none') return null;
  const parsed = parse(run, plan, facts, numClasses, data);
  if (!data) return null;
  const { train, val } =
    run.valFraction > 0 ? splitTail('convkit train', data.train, run.valFraction) : { train: data.train, val: null };
  const loader = new DataLoader(train, {
    batchSize: run.batchSize,
    shuffle: true,
    ...(parsed.transform ? { transform: parsed.transform } : {}),
    ...(parsed.batchTransform ? { batchTransform: parsed.batchTransform } : {}),
  });
  return { loader, val, trainCount: train.length, description: parsed.description || 'none' };
}
