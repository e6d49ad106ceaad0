/** `convkit train`: trains a registered model on a named dataset and saves its weights. */
import { parseArgs } from 'node:util';
import { createModel, modelLoss, modelSpec } from '../../models/registry.js';
import { Adam, AdamW } from '../../optim/adam.js';
import { SGD } from '../../optim/sgd.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { manualSeed } from '../../tensor/random.js';
import { Callback, type Logs } from '../../train/callback.js';
import { saveWeights } from '../../train/checkpoint.js';
import { CSVLogger } from '../../train/csv-logger.js';
import { EarlyStopping } from '../../train/early-stopping.js';
import { evaluate } from '../../train/evaluate.js';
import { fit } from '../../train/fit.js';
import { JSONLogger } from '../../train/json-logger.js';
import { LRSchedulerCallback } from '../../train/lr-scheduler-callback.js';
import { CosineAnnealingLR } from '../../optim/lr-scheduler.js';
import { ModelCheckpoint } from '../../train/model-checkpoint.js';
import { ProgressBar } from '../../train/progress-bar.js';
import type { Module } from '../../nn/module.js';
import type { Dataset } from '../../data/dataset.js';
import { DATASET_NAMES, loadNamedDataset } from '../datasets.js';
import { paint } from '../style.js';
import { encodeWeightsInfo } from '../weights-meta.js';
import { intOption, numberOption, selectBackend, usage, UsageError } from '../options.js';

/** Help text of `convkit train`. */
export const TRAIN_USAGE = `convkit train [options]
  --model NAME         mlp | lenet5 | keras-fashion | logistic      (default lenet5)
  --dataset NAME       mnist | fashion-mnist | breast-cancer         (default mnist)
  --epochs N           epochs to train                               (default 1)
  --batch-size N       samples per step                              (default 32)
  --lr X               peak learning rate                            (default 3e-3 for adam/adamw, 0.05 for sgd)
  --schedule NAME      cosine (anneal to 0 per batch over the run) | constant   (default cosine)
  --optimizer NAME     adam | adamw | sgd                            (default adam)
  --momentum X         SGD momentum                                  (default 0.9)
  --weight-decay X     weight decay                                  (default 0; 0.01 for adamw)
  --seed N             seed for init, shuffling and dropout          (default 0)
  --val-fraction X     hold out the last X of the training set       (default 0: no validation)
  --limit N            use only the first N samples of each split
  --patience N         stop early after N epochs without improvement of valLoss
  --checkpoint PATH    save a full training checkpoint after every epoch
  --resume PATH        resume from a checkpoint written by --checkpoint
  --csv PATH           log epochs to a CSV file
  --out PATH           where to save the weights                     (default MODEL-DATASET.safetensors)
  --backend NAME       js | wasm | native                            (default: best available)
  --json               print exactly one JSON object per epoch on stdout, nothing else`;

/** Computes test accuracy after each epoch (so --json can report it). */
class TestEvaluator extends Callback {
  constructor(private readonly test: Dataset, private readonly loss: ReturnType<typeof modelLoss>) { super(); this.order = -10; }
  override onEpochEnd(_epoch: number, logs: Logs): void {
    const r = evaluate(this.ctx.model, this.test, { loss: this.loss, batchSize: 500 });
    logs.testLoss = r.loss;
    logs.testAccuracy = r.accuracy;
  }
}

/** The --json line of one epoch. */
export function epochRecord(epoch: number, logs: Logs): Record<string, number | null> {
  const v = (k: string): number | null => (typeof logs[k] === 'number' && Number.isFinite(logs[k]) ? logs[k] : null);
  return {
    epoch: epoch + 1,
    trainLoss: v('loss'), trainAccuracy: v('accuracy'),
    valLoss: v('valLoss'), valAccuracy: v('valAccuracy'),
    testAccuracy: v('testAccuracy'),
    imagesPerSec: v('imagesPerSec'), seconds: v('seconds'),
  };
}

function makeOptimizer(name: string, model: Module, lr: number | undefined, momentum: number, weightDecay: number | undefined): Optimizer {
  const params = model.parameters();
  switch (name) {
    case 'adam': return new Adam(params, { lr: lr ?? 3e-3, weightDecay: weightDecay ?? 0 });
    case 'adamw': return new AdamW(params, { lr: lr ?? 3e-3, weightDecay: weightDecay ?? 0.01 });
    case 'sgd': return new SGD(params, { lr: lr ?? 0.05, momentum, weightDecay: weightDecay ?? 0 });
    default: throw new UsageError(`--optimizer must be adam, adamw or sgd, got '${name}'`);
  }
}

/** Runs `convkit train`; returns the process exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'lenet5' },
      dataset: { type: 'string', default: 'mnist' },
      epochs: { type: 'string', default: '1' },
      'batch-size': { type: 'string', default: '32' },
      schedule: { type: 'string', default: 'cosine' },
      lr: { type: 'string' },
      optimizer: { type: 'string', default: 'adam' },
      momentum: { type: 'string', default: '0.9' },
      'weight-decay': { type: 'string' },
      seed: { type: 'string', default: '0' },
      'val-fraction': { type: 'string', default: '0' },
      limit: { type: 'string' },
      patience: { type: 'string' },
      checkpoint: { type: 'string' },
      resume: { type: 'string' },
      csv: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) { process.stdout.write(TRAIN_USAGE + '\n'); return 0; }
  selectBackend(values.backend);
  const json = values.json === true;
  const log = (text: string): void => { (json ? process.stderr : process.stdout).write(text + '\n'); };
  const epochs = intOption('--epochs', values.epochs, 0);
  const batchSize = intOption('--batch-size', values['batch-size'], 1);
  const seed = intOption('--seed', values.seed, 0);
  const limit = values.limit === undefined ? undefined : intOption('--limit', values.limit, 1);
  const valFraction = numberOption('--val-fraction', values['val-fraction']);
  if (!(valFraction >= 0 && valFraction < 1)) throw new UsageError(`--val-fraction must be in [0, 1), got ${valFraction}`);
  const spec = usage(() => modelSpec(values.model as string));
  if (!(DATASET_NAMES as readonly string[]).includes(values.dataset as string)) throw new UsageError(`unknown dataset '${values.dataset}' (known: ${DATASET_NAMES.join(', ')})`);

  const ds = await loadNamedDataset(values.dataset as string, limit);
  manualSeed(seed);
  const model = createModel(spec.name, { inputShape: ds.inputShape, numClasses: ds.numClasses });
  const optimizer = makeOptimizer(values.optimizer as string, model,
    values.lr === undefined ? undefined : numberOption('--lr', values.lr),
    numberOption('--momentum', values.momentum as string),
    values['weight-decay'] === undefined ? undefined : numberOption('--weight-decay', values['weight-decay']));
  const loss = modelLoss(spec.name, ds.numClasses);

  const callbacks: Callback[] = [new TestEvaluator(ds.test, loss)];
  const schedule = values.schedule as string;
  if (schedule === 'cosine') {
    const nTrain = ds.train.length - (valFraction > 0 ? Math.floor(ds.train.length * valFraction) : 0);
    const steps = Math.ceil(nTrain / batchSize) * epochs;
    if (steps > 0) callbacks.push(new LRSchedulerCallback(new CosineAnnealingLR(optimizer, steps), { interval: 'batch' }));
  } else if (schedule !== 'constant') {
    throw new UsageError(`--schedule must be cosine or constant, got '${schedule}'`);
  }
  if (json) {
    callbacks.push(new JSONLogger(process.stdout, { transform: epochRecord }));
    if (process.stderr.isTTY) callbacks.push(new ProgressBar({ stream: process.stderr }));
  } else {
    callbacks.push(new ProgressBar({ stream: process.stdout }));
  }
  if (values.patience !== undefined) {
    if (valFraction === 0) throw new UsageError('--patience needs validation data: pass --val-fraction');
    callbacks.push(new EarlyStopping({ monitor: 'valLoss', patience: intOption('--patience', values.patience, 0), restoreBestWeights: true }));
  }
  if (values.checkpoint) callbacks.push(new ModelCheckpoint(values.checkpoint));
  if (values.csv) callbacks.push(new CSVLogger(values.csv, { append: values.resume !== undefined }));

  if (!json) log(`training ${spec.name} (${model.numParameters().toLocaleString('en-US')} parameters) on ${ds.name}: ${ds.train.length} train / ${ds.test.length} test samples, ${values.optimizer} (${schedule} schedule), batch ${batchSize}, seed ${seed}`);
  const history = await fit(model, ds.train, {
    epochs, batchSize, optimizer, loss, callbacks, seed, verbose: 0,
    ...(valFraction > 0 ? { validation: { fraction: valFraction } } : {}),
    ...(values.resume ? { resume: values.resume } : {}),
  });

  const out = values.out ?? `${spec.name}-${ds.name}.safetensors`;
  await saveWeights(model, out, encodeWeightsInfo(spec.name, ds));
  // EarlyStopping may have restored an earlier epoch's weights: evaluate those
  const finalAcc = values.patience !== undefined && history.epoch.length > 0 ? evaluate(model, ds.test, { loss, batchSize: 500 }).accuracy : history.last().testAccuracy;
  const acc = typeof finalAcc === 'number' ? ` test accuracy ${(finalAcc * 100).toFixed(2)}%;` : '';
  const stream = json ? process.stderr : process.stdout;
  log(`${paint(stream, 'green', 'done:')}${acc} weights saved to ${out}`);
  return 0;
}
