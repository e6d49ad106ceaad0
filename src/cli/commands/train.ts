/**
 * `convkit train`: trains a registered model on a named dataset and saves its weights.
 * Everything that can be checked is checked before the data loads: every flag, the model
 * against the dataset, the batch against the training set, a resumed checkpoint's configuration,
 * and that every output file can be written (then locked against a second run). A run whose
 * loss or gradients become NaN/Inf stops there, exits 1 and saves nothing.
 */
import { createModel, modelLoss, modelNames, modelSpec } from '../../models/registry.js';
import { Adam, AdamW } from '../../optim/adam.js';
import { SGD } from '../../optim/sgd.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { manualSeed } from '../../tensor/random.js';
import { Callback, type Logs } from '../../train/callback.js';
import { loadCheckpoint, saveWeights, type Checkpoint } from '../../train/checkpoint.js';
import { CSVLogger } from '../../train/csv-logger.js';
import { EarlyStopping } from '../../train/early-stopping.js';
import { evaluate } from '../../train/evaluate.js';
import { fit } from '../../train/fit.js';
import { JSONLogger } from '../../train/json-logger.js';
import { LRSchedulerCallback } from '../../train/lr-scheduler-callback.js';
import type { LossName } from '../../train/losses.js';
import { CosineAnnealingLR } from '../../optim/lr-scheduler.js';
import { ModelCheckpoint } from '../../train/model-checkpoint.js';
import { NonFiniteError } from '../../train/non-finite.js';
import { ProgressBar } from '../../train/progress-bar.js';
import { PlotCurves } from '../../train/plot-callback.js';
import type { Module } from '../../nn/module.js';
import type { Dataset } from '../../data/dataset.js';
import { DATASET_NAMES, datasetInfo, loadNamedDataset } from '../datasets.js';
import { nameChoices } from '../help.js';
import { checkOutputs, type OutputTarget } from '../output-paths.js';
import { acquireLocks } from '../run-lock.js';
import { ReconstructionDataset } from '../reconstruction.js';
import { paint } from '../style.js';
import {
  MAX_BATCH_SIZE,
  resolveRunConfig,
  RUN_METADATA_KEY,
  savedRunConfig,
  trainSamples,
  type RunConfig,
  type TrainFlags,
} from '../train-config.js';
import { encodeWeightsInfo } from '../weights-meta.js';
import { CliFailure, intOption, selectBackend, UsageError, parseCommand } from '../options.js';

/** Help text of `convkit train` (model and dataset names from the registry). */
export const TRAIN_USAGE = `convkit train [options]
  --model NAME         ${nameChoices(modelNames())}
                       (default lenet5; convkit --help describes each)
  --dataset NAME       ${nameChoices(DATASET_NAMES)}   (default mnist)
  --epochs N           epochs to train, >= 1                         (default 1)
  --batch-size N       samples per step, 1..${MAX_BATCH_SIZE} and at most the training set   (default 32)
  --lr X               peak learning rate, > 0                       (default 3e-3 for adam/adamw, 0.05 for sgd)
  --schedule NAME      cosine (anneal to 0 per batch over the run) | constant   (default cosine)
  --optimizer NAME     adam | adamw | sgd                            (default adam)
  --momentum X         SGD momentum in [0, 1)                        (default 0.9; sgd only)
  --weight-decay X     weight decay                                  (default 0; 0.01 for adamw)
  --seed N             seed for init, shuffling and dropout          (default 0)
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
  --backend NAME       js | wasm | native                            (default: best available)
  --json               print exactly one JSON object per epoch on stdout, nothing else
                       (on failure: one object with an "error" field)
A run whose loss or gradients become NaN or infinite stops at once, exits 1 and saves nothing.`;

/** Computes the test loss (and accuracy for classifiers) after each epoch (so --json can report it). */
class TestEvaluator extends Callback {
  constructor(
    private readonly test: Dataset,
    private readonly loss: LossName,
    private readonly classify: boolean,
  ) {
    super();
    this.order = -10;
  }
  override onEpochEnd(_epoch: number, logs: Logs): void {
    const r = evaluate(this.ctx.model, this.test, {
      loss: this.loss,
      batchSize: 500,
      metrics: this.classify ? ['accuracy'] : [],
    });
    logs.testLoss = r.loss;
    if (this.classify) logs.testAccuracy = r.accuracy;
  }
}

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

/** Runs `convkit train`; returns the process exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      model: { type: 'string' },
      dataset: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      schedule: { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
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
  for (const f of ['checkpoint', 'resume', 'csv', 'plot', 'out'] as const) {
    if (values[f] !== undefined && values[f].trim() === '') throw new UsageError(`--${f} needs a file path, got ''`);
  }
  if (values.plot !== undefined && !/\.(png|svg)$/i.test(values.plot))
    throw new UsageError(`--plot ${values.plot}: the file name must end in .png or .svg (the figure's format)`);
  if (values.force && values.resume === undefined) throw new UsageError('--force only applies with --resume');
  const resumePath = values.resume ?? null;
  const ck = resumePath ? await readResume(resumePath) : null;
  const saved = ck && resumePath ? savedRunConfig(resumePath, ck.metadata) : null;
  const { run, notes } = resolveRunConfig(values as TrainFlags, saved, resumePath, values.force === true);
  const patience = values.patience === undefined ? null : intOption('--patience', values.patience, 0);
  if (patience !== null && run.valFraction === 0)
    throw new UsageError('--patience needs validation data: pass --val-fraction');
  const spec = modelSpec(run.model);
  const classify = spec.task === 'classification';
  const out = values.out ?? `${spec.name}-${run.dataset}.safetensors`;
  if (ck && !saved)
    log(
      `note: ${resumePath} has no run configuration (written by an older convkit); the flags are not checked against it`,
    );
  for (const n of notes) log(`note: ${n}`);

  // 2. a finished run has nothing left to do
  if (ck && ck.meta.epoch + 1 >= run.epochs) {
    log(
      `nothing to do: ${resumePath} has already finished epoch ${ck.meta.epoch + 1} of ${run.epochs}; pass a larger --epochs with --force to train on`,
    );
    return 0;
  }

  // 3. every output can be written (with room for it), and no other run writes it
  const info = datasetInfo(run.dataset);
  const shape = { inputShape: [...info.inputShape], numClasses: info.numClasses };
  let weightBytes = 64 * 1024; // header and metadata
  for (const t of createModel(spec.name, shape).stateDict().values()) weightBytes += 4 * t.size;
  const targets: OutputTarget[] = [{ flag: '--out', path: out, bytes: weightBytes }];
  if (values.checkpoint)
    // weights plus up to three optimizer buffers per parameter (Adam with AMSGrad)
    targets.push({ flag: '--checkpoint', path: values.checkpoint.replace(/\{epoch\}/g, '1'), bytes: 4 * weightBytes });
  if (values.csv) targets.push({ flag: '--csv', path: values.csv, append: resumePath !== null });
  if (values.plot) targets.push({ flag: '--plot', path: values.plot });
  checkOutputs(targets);
  const lock = acquireLocks(targets);
  for (const n of lock.notes) log(`note: ${n}`);
  try {
    // 4. the expensive part
    const loaded = await loadNamedDataset(run.dataset, run.limit ?? undefined);
    const ds = classify
      ? loaded
      : { ...loaded, train: new ReconstructionDataset(loaded.train), test: new ReconstructionDataset(loaded.test) };
    manualSeed(run.seed);
    const model = createModel(spec.name, { inputShape: ds.inputShape, numClasses: ds.numClasses });
    const optimizer = makeOptimizer(run, model);
    const loss = modelLoss(spec.name, ds.numClasses);

    const callbacks: Callback[] = [new TestEvaluator(ds.test, loss, classify)];
    if (run.schedule === 'cosine') {
      const steps = Math.ceil(trainSamples(run) / run.batchSize) * run.epochs;
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
    const weightsInfo = encodeWeightsInfo(spec.name, ds);
    if (values.checkpoint)
      callbacks.push(
        new ModelCheckpoint(values.checkpoint, {
          metadata: { ...weightsInfo, [RUN_METADATA_KEY]: JSON.stringify(run) },
        }),
      );
    if (values.csv) callbacks.push(new CSVLogger(values.csv, { append: resumePath !== null }));
    if (values.plot)
      callbacks.push(new PlotCurves(values.plot, { title: `Learning curves: ${spec.name} on ${ds.name}` }));

    if (!json)
      log(
        `training ${spec.name} (${model.numParameters().toLocaleString('en-US')} parameters) on ${ds.name}: ${ds.train.length} train / ${ds.test.length} test samples, ${run.optimizer} (${run.schedule} schedule, lr ${run.lr}), batch ${run.batchSize}, seed ${run.seed}${ck ? `, resuming after epoch ${ck.meta.epoch + 1}` : ''}`,
      );
    let history;
    try {
      history = await fit(model, ds.train, {
        epochs: run.epochs,
        batchSize: run.batchSize,
        optimizer,
        loss,
        callbacks,
        seed: run.seed,
        verbose: 0,
        metrics: classify ? ['accuracy'] : [],
        ...(run.valFraction > 0 ? { validation: { fraction: run.valFraction } } : {}),
        ...(ck ? { resume: ck } : {}),
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
    const final =
      patience !== null && history.epoch.length > 0
        ? evaluate(model, ds.test, { loss, batchSize: 500, metrics: classify ? ['accuracy'] : [] })
        : { loss: history.last().testLoss, accuracy: history.last().testAccuracy };
    const score = classify
      ? typeof final.accuracy === 'number'
        ? ` test accuracy ${(final.accuracy * 100).toFixed(2)}%;`
        : ''
      : typeof final.loss === 'number'
        ? ` test MSE ${final.loss.toFixed(5)};`
        : '';
    const stream = json ? process.stderr : process.stdout;
    log(`${paint(stream, 'green', 'done:')}${score} weights saved to ${out}`);
    return 0;
  } finally {
    lock.release();
  }
}
