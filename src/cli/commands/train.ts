/**
 * `convkit train`: trains a registered model on a named dataset and saves its weights.
 * Everything that can be checked is checked before the data loads: every flag, the model
 * against the dataset (images are resized where the model needs another size), the batch
 * against the training set, a resumed checkpoint's configuration, and that every output file
 * can be written (then locked against a second run); for datasets whose size is known only
 * once loaded (folder:PATH) those checks follow the loading. Classifiers learn labels, the
 * autoencoder (and U-Net on images) learns x → x with MSE and writes its reconstructions as an
 * image grid, U-Net on a segmentation dataset learns masks and reports IoU. A run whose loss or
 * gradients become NaN/Inf stops there, exits 1 and saves nothing.
 */
import { basename } from 'node:path';
import { createModel, modelNames, modelSpec } from '../../models/registry.js';
import { Adam, AdamW } from '../../optim/adam.js';
import { SGD } from '../../optim/sgd.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { manualSeed } from '../../tensor/random.js';
import type { Callback, Logs } from '../../train/callback.js';
import { loadCheckpoint, saveWeights, type Checkpoint } from '../../train/checkpoint.js';
import { CSVLogger } from '../../train/csv-logger.js';
import { EarlyStopping } from '../../train/early-stopping.js';
import { fit, type FitOptions } from '../../train/fit.js';
import { JSONLogger } from '../../train/json-logger.js';
import { LRSchedulerCallback } from '../../train/lr-scheduler-callback.js';
import { CosineAnnealingLR } from '../../optim/lr-scheduler.js';
import { ModelCheckpoint } from '../../train/model-checkpoint.js';
import { NonFiniteError } from '../../train/non-finite.js';
import { ProgressBar } from '../../train/progress-bar.js';
import { PlotCurves } from '../../train/plot-callback.js';
import type { Module } from '../../nn/module.js';
import { nameChoices } from '../help.js';
import { checkOutputs, type OutputTarget } from '../output-paths.js';
import { writeOutputGrid } from '../output-grid.js';
import { acquireLocks } from '../run-lock.js';
import { ReconstructionDataset } from '../reconstruction.js';
import { ResizedDataset } from '../resized-dataset.js';
import { paint } from '../style.js';
import {
  checkModelAndData,
  MAX_BATCH_SIZE,
  resolveRunConfig,
  RUN_METADATA_KEY,
  savedRunConfig,
  type RunConfig,
  type TrainFlags,
} from '../train-config.js';
import { augmentedTraining, AUGMENT_HELP } from '../train-augment.js';
import {
  dataFacts,
  dataNames,
  loadData,
  parseResize,
  planTraining,
  type TrainData,
  type TrainPlan,
} from '../train-data.js';
import { TestEvaluator } from '../train-evaluator.js';
import { encodeWeightsInfo } from '../weights-meta.js';
import { CliFailure, intOption, selectBackend, UsageError, parseCommand } from '../options.js';

/** Help text of `convkit train` (model and dataset names from the registries). */
export const TRAIN_USAGE = `convkit train [options]
  --model NAME         ${nameChoices(modelNames())}
                       (default lenet5; convkit --help describes each)
  --dataset NAME       ${nameChoices([...dataNames(), 'folder:PATH'])}
                       (default mnist; convkit --help describes each)
  --data-dir DIR       the folder holding a dataset's files where it cannot ship (cifar10, eurosat)
  --epochs N           epochs to train, >= 1                         (default 1)
  --batch-size N       samples per step, 1..${MAX_BATCH_SIZE} and at most the training set   (default 32)
  --lr X               peak learning rate, > 0                       (default 3e-3 for adam/adamw, 0.05 for sgd)
  --schedule NAME      cosine (anneal to 0 per batch over the run) | constant   (default cosine)
  --optimizer NAME     adam | adamw | sgd                            (default adam)
  --momentum X         SGD momentum in [0, 1)                        (default 0.9; sgd only)
  --weight-decay X     weight decay                                  (default 0; 0.01 for adamw)
  --augment SPEC       training-set augmentation (classifiers of images; default none):
${AUGMENT_HELP}
  --resize HxW         resize the images to HxW (default: only where the model needs a larger or
                       fixed size, e.g. MNIST at 64x64 for alexnet; the size is saved with the weights)
  --seed N             seed for init, shuffling, augmentation and dropout   (default 0)
  --val-fraction X     hold out the last X of the training set       (default 0: no validation)
  --limit N            use only the first N samples of each split
  --patience N         stop early after N epochs without improvement of valLoss
  --checkpoint PATH    save a full training checkpoint after every epoch
  --resume PATH        continue a run from its --checkpoint file; flags left out come from it,
                       flags given must match it
  --force              resume even when flags differ from the checkpoint's run
  --csv PATH           log epochs to a CSV file
  --plot PATH          draw the learning curves to PATH (.png or .svg) when training ends
  --out PATH           where to save the weights                     (default MODEL-DATASET.safetensors)
  --recon-out PATH     image-to-image models (autoencoder, unet): the first test images and the
                       model's outputs as a grid, .png or .svg     (default: beside --out, -recon.png)
  --backend NAME       js | wasm | native                            (default: best available)
  --json               print exactly one JSON object per epoch on stdout, nothing else
                       (on failure: one object with an "error" field)
Autoencoders train on x → x (MSE); unet on a segmentation dataset (mnist-seg) learns the masks
with binary cross-entropy and reports the test IoU each epoch.
A run whose loss or gradients become NaN or infinite stops at once, exits 1 and saves nothing.`;

/** The --json line of one epoch. */
export function epochRecord(epoch: number, logs: Logs): Record<string, number | null> {
  const v = (k: string): number | null => (typeof logs[k] === 'number' && Number.isFinite(logs[k]) ? logs[k] : null);
  return {
    epoch: epoch + 1,
    trainLoss: v('loss'),
    trainAccuracy: v('accuracy'),
    valLoss: v('valLoss'),
    valAccuracy: v('valAccuracy'),
    testLoss: v('testLoss'),
    testAccuracy: v('testAccuracy'),
    testIoU: v('testIoU'),
    imagesPerSec: v('imagesPerSec'),
    seconds: v('seconds'),
  };
}

function makeOptimizer(run: RunConfig, model: Module): Optimizer {
  const params = model.parameters();
  switch (run.optimizer) {
    case 'adam':
      return new Adam(params, { lr: run.lr, weightDecay: run.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr: run.lr, weightDecay: run.weightDecay });
    case 'sgd':
      return new SGD(params, { lr: run.lr, momentum: run.momentum, weightDecay: run.weightDecay });
  }
}

/** Loads the --resume checkpoint (a failure names the flag and file). */
async function readResume(path: string): Promise<Checkpoint> {
  try {
    return await loadCheckpoint(path);
  } catch (e) {
    throw new CliFailure(`--resume ${path}: ${e instanceof Error ? e.message : String(e)}`, { flag: '--resume', path });
  }
}

/** The CLI's message for a diverged run. */
function divergedFailure(e: NonFiniteError, run: RunConfig, out: string): CliFailure {
  const { what, epoch, step } = e.at;
  const v = Number.isNaN(e.at.value) ? 'NaN' : String(e.at.value);
  const subject =
    what === 'loss' ? 'the loss' : what === 'gradient' ? `the gradient of '${e.at.name}'` : 'the input data';
  const hint =
    what === 'input' ? 'the dataset holds non-finite values' : `training diverged: lower --lr (it is ${run.lr})`;
  return new CliFailure(
    `${subject} became ${v} at epoch ${epoch + 1}, step ${step + 1}; ${hint}; nothing was saved (${out} is unchanged)`,
    { reason: 'non-finite', what, epoch: epoch + 1, step: step + 1, value: v },
  );
}

/** A file-name-safe form of a dataset name ('folder:/data/pets' → 'folder-pets'). */
export function datasetSlug(name: string): string {
  const i = name.indexOf(':');
  if (i < 0) return name;
  const rest = basename(name.slice(i + 1).replace(/[\\/]+$/, '')) || 'data';
  return `${name.slice(0, i)}-${rest}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** The model for a plan (segmentation: one mask logit per pixel for two classes). */
function buildModel(run: RunConfig, plan: TrainPlan, numClasses: number): Module {
  return createModel(run.model, { inputShape: plan.modelShape, numClasses, task: plan.task });
}

/** The default --recon-out: beside the weights. */
function defaultReconOut(out: string, task: TrainPlan['task']): string {
  return `${out.replace(/\.safetensors$/i, '')}-${task === 'segmentation' ? 'masks' : 'recon'}.png`;
}

/** Checks every output before training and locks them; returns the lock's release. */
function claimOutputs(
  model: Module,
  paths: { out: string; recon: string | null; checkpoint?: string; csv?: string; plot?: string; resuming: boolean },
  log: (s: string) => void,
): () => void {
  let weightBytes = 64 * 1024; // header and metadata
  for (const t of model.stateDict().values()) weightBytes += 4 * t.size;
  const targets: OutputTarget[] = [{ flag: '--out', path: paths.out, bytes: weightBytes }];
  if (paths.checkpoint)
    // weights plus up to three optimizer buffers per parameter (Adam with AMSGrad)
    targets.push({ flag: '--checkpoint', path: paths.checkpoint.replace(/\{epoch\}/g, '1'), bytes: 4 * weightBytes });
  if (paths.csv) targets.push({ flag: '--csv', path: paths.csv, append: paths.resuming });
  if (paths.plot) targets.push({ flag: '--plot', path: paths.plot });
  if (paths.recon) targets.push({ flag: '--recon-out', path: paths.recon });
  checkOutputs(targets);
  const lock = acquireLocks(targets);
  for (const n of lock.notes) log(`note: ${n}`);
  return () => lock.release();
}

/** The train/test splits as the model sees them: resized, and with x as the target for reconstruction. */
function taskViews(data: TrainData, plan: TrainPlan): TrainData {
  const size = plan.resize;
  const resized = size
    ? { ...data, train: new ResizedDataset(data.train, size), test: new ResizedDataset(data.test, size) }
    : data;
  return plan.task === 'reconstruction'
    ? {
        ...resized,
        train: new ReconstructionDataset(resized.train),
        test: new ReconstructionDataset(resized.test),
      }
    : resized;
}

/** Runs `convkit train`; returns the process exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      model: { type: 'string' },
      dataset: { type: 'string' },
      'data-dir': { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      schedule: { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      augment: { type: 'string' },
      resize: { type: 'string' },
      seed: { type: 'string' },
      'val-fraction': { type: 'string' },
      limit: { type: 'string' },
      patience: { type: 'string' },
      checkpoint: { type: 'string' },
      resume: { type: 'string' },
      force: { type: 'boolean', default: false },
      csv: { type: 'string' },
      plot: { type: 'string' },
      out: { type: 'string' },
      'recon-out': { type: 'string' },
      backend: { type: 'string' },
    },
    TRAIN_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const json = values.json === true;
  const log = (text: string): void => {
    (json ? process.stderr : process.stdout).write(text + '\n');
  };

  // 1. every flag, before anything is read or loaded
  selectBackend(values.backend);
  for (const f of ['checkpoint', 'resume', 'csv', 'plot', 'out', 'recon-out'] as const) {
    if (values[f] !== undefined && values[f].trim() === '') throw new UsageError(`--${f} needs a file path, got ''`);
  }
  if (values.plot !== undefined && !/\.(png|svg)$/i.test(values.plot))
    throw new UsageError(`--plot ${values.plot}: the file name must end in .png or .svg (the figure's format)`);
  if (values['recon-out'] !== undefined && !/\.(png|svg)$/i.test(values['recon-out']))
    throw new UsageError(
      `--recon-out ${values['recon-out']}: the file name must end in .png or .svg (the figure's format)`,
    );
  if (values.force && values.resume === undefined) throw new UsageError('--force only applies with --resume');
  const resumePath = values.resume ?? null;
  const ck = resumePath ? await readResume(resumePath) : null;
  const saved = ck && resumePath ? savedRunConfig(resumePath, ck.metadata) : null;
  const { run, notes } = resolveRunConfig(values as TrainFlags, saved, resumePath, values.force === true);
  const patience = values.patience === undefined ? null : intOption('--patience', values.patience, 0);
  if (patience !== null && run.valFraction === 0)
    throw new UsageError('--patience needs validation data: pass --val-fraction');
  const spec = modelSpec(run.model);
  const facts = dataFacts(run.dataset);
  const resizeFlag = run.resize ? parseResize(run.resize) : null;
  const out = values.out ?? `${spec.name}-${datasetSlug(run.dataset)}.safetensors`;
  if (ck && !saved)
    log(
      `note: ${resumePath} has no run configuration (written by an older convkit); the flags are not checked against it`,
    );
  for (const n of notes) log(`note: ${n}`);

  // the plan when the dataset's shape is known before loading (else after)
  const planFor = (shape: readonly number[], numClasses: number): TrainPlan =>
    planTraining(spec, { name: facts.name, task: facts.task, inputShape: shape, numClasses }, resizeFlag);
  const early = facts.inputShape && facts.numClasses !== null ? planFor(facts.inputShape, facts.numClasses) : null;
  if (early && facts.numClasses !== null) augmentedTraining(run, early, facts, facts.numClasses, null); // checks --augment

  // 2. a finished run has nothing left to do
  if (ck && ck.meta.epoch + 1 >= run.epochs) {
    log(
      `nothing to do: ${resumePath} has already finished epoch ${ck.meta.epoch + 1} of ${run.epochs}; pass a larger --epochs with --force to train on`,
    );
    return 0;
  }

  // 3. every output can be written (with room for it), and no other run writes it
  const outputs = (plan: TrainPlan) => ({
    out,
    recon: plan.task === 'classification' ? null : (values['recon-out'] ?? defaultReconOut(out, plan.task)),
    checkpoint: values.checkpoint,
    csv: values.csv,
    plot: values.plot,
    resuming: resumePath !== null,
  });
  // the model is built once, seeded as fit() will be, before the data loads when its size is known
  const build = (plan: TrainPlan, numClasses: number): Module => {
    manualSeed(run.seed);
    return buildModel(run, plan, numClasses);
  };
  let model = early && facts.numClasses !== null ? build(early, facts.numClasses) : null;
  let release = model && early ? claimOutputs(model, outputs(early), log) : null;
  try {
    // 4. the expensive part
    const data = await loadData(run.dataset, {
      ...(run.limit !== null ? { limit: run.limit } : {}),
      ...(run.dataDir !== null ? { dataDir: run.dataDir } : {}),
      // folders may hold images of several sizes: --resize gives them one as they decode
      ...(resizeFlag && facts.inputShape === null ? { resize: resizeFlag } : {}),
      seed: run.seed,
    });
    checkModelAndData(run, { inputShape: data.inputShape, numClasses: data.numClasses, trainSize: data.train.length });
    const plan = planFor(data.inputShape, data.numClasses);
    if (!model) model = build(plan, data.numClasses);
    if (!release) release = claimOutputs(model, outputs(plan), log);
    const recon = outputs(plan).recon;
    const ds = taskViews(data, plan);
    const optimizer = makeOptimizer(run, model);
    const loss = plan.loss;
    const classify = plan.task === 'classification';
    const aug = augmentedTraining(run, plan, facts, data.numClasses, ds);
    const trainCount = aug ? aug.trainCount : trainSizeAfterSplit(ds.train.length, run.valFraction);

    const evaluator = new TestEvaluator(ds.test, loss, plan.task);
    const callbacks: Callback[] = [evaluator];
    if (run.schedule === 'cosine') {
      const steps = Math.ceil(trainCount / run.batchSize) * run.epochs;
      callbacks.push(new LRSchedulerCallback(new CosineAnnealingLR(optimizer, steps), { interval: 'batch' }));
    }
    if (json) {
      callbacks.push(new JSONLogger(process.stdout, { transform: epochRecord }));
      if (process.stderr.isTTY) callbacks.push(new ProgressBar({ stream: process.stderr }));
    } else {
      callbacks.push(new ProgressBar({ stream: process.stdout }));
    }
    if (patience !== null)
      callbacks.push(new EarlyStopping({ monitor: 'valLoss', patience, restoreBestWeights: true }));
    const weightsInfo = encodeWeightsInfo(spec.name, data, { task: plan.task, inputShape: plan.modelShape });
    if (values.checkpoint)
      callbacks.push(
        new ModelCheckpoint(values.checkpoint, {
          metadata: { ...weightsInfo, [RUN_METADATA_KEY]: JSON.stringify(run) },
        }),
      );
    if (values.csv) callbacks.push(new CSVLogger(values.csv, { append: resumePath !== null }));
    if (values.plot)
      callbacks.push(new PlotCurves(values.plot, { title: `Learning curves: ${spec.name} on ${data.name}` }));

    if (!json) {
      const what = plan.task === 'reconstruction' ? ' (x → x, MSE)' : plan.task === 'segmentation' ? ' (masks)' : '';
      const resized = plan.resize
        ? `, images resized from ${data.inputShape.slice(1).join('x')} to ${plan.resize.join('x')}`
        : '';
      const augmented = aug ? `, augment ${aug.description}` : '';
      log(
        `training ${spec.name}${what} (${model.numParameters().toLocaleString('en-US')} parameters) on ${data.name}: ${data.train.length} train / ${data.test.length} test samples${resized}, ${run.optimizer} (${run.schedule} schedule, lr ${run.lr}), batch ${run.batchSize}${augmented}, seed ${run.seed}${ck ? `, resuming after epoch ${ck.meta.epoch + 1}` : ''}`,
      );
    }
    const options: FitOptions = {
      epochs: run.epochs,
      batchSize: run.batchSize,
      optimizer,
      loss,
      callbacks,
      seed: run.seed,
      verbose: 0,
      metrics: classify ? ['accuracy'] : [],
      ...(ck ? { resume: ck } : {}),
    };
    let history;
    try {
      if (aug) history = await fit(model, aug.loader, { ...options, ...(aug.val ? { validation: aug.val } : {}) });
      else
        history = await fit(model, ds.train, {
          ...options,
          ...(run.valFraction > 0 ? { validation: { fraction: run.valFraction } } : {}),
        });
    } catch (e) {
      if (e instanceof NonFiniteError) {
        if (!json && process.stdout.isTTY) process.stdout.write('\n'); // end the live progress line
        throw divergedFailure(e, run, out);
      }
      throw e;
    }

    await saveWeights(model, out, weightsInfo);
    // EarlyStopping may have restored an earlier epoch's weights: evaluate those
    const last = history.epoch.length > 0 ? history.last() : {};
    const final =
      patience !== null && history.epoch.length > 0
        ? evaluator.scores(model)
        : { loss: last.testLoss, accuracy: last.testAccuracy, iou: last.testIoU };
    if (recon)
      await writeOutputGrid(recon, model, ds.test, {
        task: plan.task === 'segmentation' ? 'segmentation' : 'reconstruction',
        normalize: data.normalize,
        title: `${spec.name} on ${data.name}: ${plan.task === 'segmentation' ? 'test images, true and predicted masks' : 'test images and reconstructions'}`,
      });
    const num = (v: unknown): v is number => typeof v === 'number';
    const score = classify
      ? num(final.accuracy)
        ? ` test accuracy ${(final.accuracy * 100).toFixed(2)}%;`
        : ''
      : plan.task === 'segmentation'
        ? `${num(final.iou) ? ` test IoU ${final.iou.toFixed(4)}` : ''}${num(final.loss) ? `, BCE ${final.loss.toFixed(5)};` : ';'}`
        : num(final.loss)
          ? ` test MSE ${final.loss.toFixed(5)};`
          : '';
    const stream = json ? process.stderr : process.stdout;
    log(
      `${paint(stream, 'green', 'done:')}${score} weights saved to ${out}${recon ? `; ${plan.task === 'segmentation' ? 'masks' : 'reconstructions'} drawn to ${recon}` : ''}`,
    );
    return 0;
  } finally {
    release?.();
  }
}

/** Training samples left after --val-fraction holds out the tail. */
function trainSizeAfterSplit(n: number, valFraction: number): number {
  return n - (valFraction > 0 ? Math.floor(n * valFraction) : 0);
}
