/**
 * `convkit finetune`: transfer learning, the lecture's recipe. Loads pretrained weights
 * (safetensors or a PyTorch .pth) into a zoo model whose head (its last Linear layer: resnet's
 * `fc`, alexnet/vgg's `classifier.6`) is rebuilt for the new dataset's classes, freezes the rest
 * (the backbone), trains the head, and with --unfreeze-after N then trains everything, the
 * backbone in its own optimizer parameter group at --backbone-lr-mult x the learning rate.
 * BatchNorm layers of a frozen backbone still update their running statistics (as in PyTorch,
 * where requires_grad=False stops gradients only).
 */
import { existsSync } from 'node:fs';
import { loadWeightsFile } from '../../io/pytorch/weights-file.js';
import { createModel } from '../../models/registry.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Adam, AdamW } from '../../optim/adam.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { SGD } from '../../optim/sgd.js';
import { manualSeed } from '../../tensor/random.js';
import { toStateDict } from '../../tensor/state-dict.js';
import { Callback, type Logs } from '../../train/callback.js';
import { modelTensors, saveWeights } from '../../train/checkpoint.js';
import { evaluate } from '../../train/evaluate.js';
import { fit } from '../../train/fit.js';
import type { LossName } from '../../train/losses.js';
import { NonFiniteError } from '../../train/non-finite.js';
import { checkOutputs } from '../output-paths.js';
import {
  CliFailure,
  choiceOption,
  intOption,
  numberOption,
  parseCommand,
  selectBackend,
  UsageError,
} from '../options.js';
import { encodeWeightsInfo } from '../weights-meta.js';
import { DATA_FLAGS, DATA_FLAGS_USAGE, headPath, loadModelData, resizeNote } from './tune-common.js';

/** Help text of `convkit finetune`. */
export const FINETUNE_USAGE = `convkit finetune --from WEIGHTS --model NAME --dataset NAME [options]
Transfer learning: the pretrained weights are loaded into --model except its head (the last Linear
layer, e.g. resnet's fc), which is rebuilt for the dataset's classes; the backbone is frozen and
the head trained; with --unfreeze-after N everything trains from epoch N+1 on, the backbone at
--backbone-lr-mult x --lr (optimizer parameter groups).
  --from PATH          pretrained weights: .safetensors (convkit) or .pt/.pth (PyTorch state dict)
  --model NAME         the architecture of those weights (convkit --help lists the models)
${DATA_FLAGS_USAGE}
  --freeze WHAT        backbone | none                                 (default backbone)
  --epochs N           epochs in all                                  (default 3)
  --unfreeze-after N   unfreeze the backbone after N epochs (0 <= N < --epochs; default: never)
  --backbone-lr-mult X the backbone's learning rate = X x --lr once unfrozen   (default 0.1)
  --lr X               learning rate of the head                      (default 1e-3)
  --optimizer NAME     adam | adamw | sgd                             (default adam)
  --batch-size N       samples per step                               (default 32)
  --val-fraction X     hold out the last X of the training split for validation (default 0)
  --out PATH           where to save the weights       (default MODEL-finetuned-DATASET.safetensors)
  --json               one JSON object per epoch on stdout, then one with the result`;

/** Prints one line (or JSON object) per epoch with the test accuracy. */
class EpochReport extends Callback {
  constructor(
    private readonly test: Parameters<typeof evaluate>[1],
    private readonly loss: LossName,
    private readonly classify: boolean,
    private readonly json: boolean,
    private readonly stage: () => string,
  ) {
    super();
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    const r = evaluate(this.ctx.model, this.test, {
      loss: this.loss,
      batchSize: 256,
      metrics: this.classify ? ['accuracy'] : [],
    });
    const rec = {
      epoch: epoch + 1,
      stage: this.stage(),
      trainLoss: logs.loss ?? null,
      trainAccuracy: logs.accuracy ?? null,
      valLoss: logs.valLoss ?? null,
      valAccuracy: logs.valAccuracy ?? null,
      testLoss: r.loss,
      testAccuracy: this.classify ? r.accuracy : null,
      lr: this.ctx.optimizer.paramGroups.map((g) => g.lr),
    };
    if (this.json) {
      process.stdout.write(`${JSON.stringify(rec)}\n`);
      return;
    }
    const acc = rec.testAccuracy === null ? '' : `, test accuracy ${(rec.testAccuracy * 100).toFixed(2)}%`;
    process.stdout.write(
      `epoch ${rec.epoch} (${rec.stage}): train loss ${Number(rec.trainLoss).toFixed(4)}, test loss ${r.loss.toFixed(4)}${acc}\n`,
    );
  }
}

/** Runs `convkit finetune`; returns the exit code. */
export async function finetuneCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...DATA_FLAGS,
      from: { type: 'string' },
      freeze: { type: 'string' },
      epochs: { type: 'string' },
      'unfreeze-after': { type: 'string' },
      'backbone-lr-mult': { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      'batch-size': { type: 'string' },
      'val-fraction': { type: 'string' },
      out: { type: 'string' },
    },
    FINETUNE_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const json = values.json === true;
  const log = (text: string): void => {
    (json ? process.stderr : process.stdout).write(`${text}\n`);
  };
  selectBackend(values.backend);

  // 1. every flag
  const from = values.from;
  if (from === undefined || from.trim() === '')
    throw new UsageError('--from PATH (the pretrained weights) is required');
  if (!existsSync(from)) throw new UsageError(`--from ${from}: no such file`);
  const freeze = choiceOption('--freeze', values.freeze ?? 'backbone', ['backbone', 'none'] as const);
  const epochs = values.epochs === undefined ? 3 : intOption('--epochs', values.epochs, 1);
  const unfreezeAfter =
    values['unfreeze-after'] === undefined ? null : intOption('--unfreeze-after', values['unfreeze-after'], 0);
  if (unfreezeAfter !== null && freeze === 'none')
    throw new UsageError('--unfreeze-after needs --freeze backbone (with --freeze none nothing is frozen)');
  if (unfreezeAfter !== null && unfreezeAfter >= epochs)
    throw new UsageError(`--unfreeze-after ${unfreezeAfter} must be less than --epochs ${epochs}`);
  const mult =
    values['backbone-lr-mult'] === undefined ? 0.1 : numberOption('--backbone-lr-mult', values['backbone-lr-mult']);
  if (!(mult > 0)) throw new UsageError(`--backbone-lr-mult must be > 0, got '${values['backbone-lr-mult']}'`);
  if (values['backbone-lr-mult'] !== undefined && unfreezeAfter === null && freeze === 'backbone')
    throw new UsageError(
      '--backbone-lr-mult applies once the backbone trains: add --unfreeze-after N (or --freeze none)',
    );
  const lr = values.lr === undefined ? 1e-3 : numberOption('--lr', values.lr);
  if (!(lr > 0)) throw new UsageError(`--lr must be > 0, got '${values.lr}'`);
  const optName = choiceOption('--optimizer', values.optimizer ?? 'adam', ['adam', 'adamw', 'sgd'] as const);
  const batchSize = values['batch-size'] === undefined ? 32 : intOption('--batch-size', values['batch-size'], 1);
  const valFraction = values['val-fraction'] === undefined ? 0 : numberOption('--val-fraction', values['val-fraction']);
  if (!(valFraction >= 0 && valFraction < 1))
    throw new UsageError(`--val-fraction must be in [0, 1), got '${values['val-fraction']}'`);
  const seed = values.seed === undefined ? 0 : intOption('--seed', values.seed, 0);
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError("--out needs a file path, got ''");

  // 2. data, model, pretrained weights without the head
  const md = await loadModelData(values);
  if (!md.classify)
    throw new UsageError(
      `finetune trains classifiers; --model ${md.spec.name} on ${md.loaded.name} is not classification`,
    );
  const out = values.out ?? `${md.spec.name}-finetuned-${md.loaded.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.safetensors`;
  checkOutputs([{ flag: '--out', path: out }]);
  manualSeed(seed);
  const model = createModel(md.spec.name, md.createOptions);
  const head = headPath(model, md.spec.name);
  const inHead = (key: string): boolean => key.startsWith(`${head}.`);
  let file: Awaited<ReturnType<typeof loadWeightsFile>>;
  try {
    file = await loadWeightsFile(from);
  } catch (e) {
    throw new CliFailure(`--from ${from}: ${e instanceof Error ? e.message : String(e)}`, {
      flag: '--from',
      path: from,
    });
  }
  const all = modelTensors(toStateDict('finetune', file.tensors as Record<string, Tensor>));
  const pretrained = new Map([...all].filter(([k]) => !inHead(k)));
  let result: ReturnType<typeof model.loadStateDict>;
  try {
    result = model.loadStateDict(pretrained, { strict: false });
  } catch (e) {
    throw new CliFailure(
      `--from ${from} does not fit --model ${md.spec.name} on ${md.loaded.name} (input ${md.loaded.inputShape.join('x')}): ${e instanceof Error ? e.message : String(e)}`,
      { flag: '--from', path: from },
    );
  }
  const missing = result.missingKeys.filter((k) => !inHead(k));
  if (missing.length > 0 || result.unexpectedKeys.length > 0) {
    const parts = [];
    if (missing.length > 0)
      parts.push(`${missing.length} of the model's tensors are missing (first: ${missing.slice(0, 3).join(', ')})`);
    if (result.unexpectedKeys.length > 0)
      parts.push(
        `${result.unexpectedKeys.length} are not in the model (first: ${result.unexpectedKeys.slice(0, 3).join(', ')})`,
      );
    throw new CliFailure(`--from ${from}: ${parts.join('; ')}; are these weights for --model ${md.spec.name}?`, {
      flag: '--from',
      path: from,
    });
  }

  // 3. freeze, train the head, then optionally everything
  const named = [...model.namedParameters()];
  const headParams = named.filter(([k]) => inHead(k)).map(([, p]) => p);
  const backbone = named.filter(([k]) => !inHead(k)).map(([, p]) => p);
  if (freeze === 'backbone') for (const p of backbone) p.requiresGrad_(false);
  const firstParams = freeze === 'backbone' ? headParams : [...headParams, ...backbone];
  const optimizer: Optimizer =
    optName === 'sgd'
      ? new SGD(firstParams, { lr, momentum: 0.9 })
      : optName === 'adamw'
        ? new AdamW(firstParams, { lr })
        : new Adam(firstParams, { lr });
  const count = (ps: Tensor[]): number => ps.reduce((a, p) => a + p.size, 0);
  log(
    `fine-tuning ${md.spec.name} from ${from} on ${md.loaded.name}${resizeNote(md)} (${md.loaded.numClasses} classes, ${md.train.length} train / ${md.test.length} test): head '${head}' rebuilt (${count(headParams).toLocaleString('en-US')} parameters), ${file.format === 'pytorch' ? 'PyTorch' : 'safetensors'} weights loaded into the other ${pretrained.size} tensors; backbone (${count(backbone).toLocaleString('en-US')} parameters) ${freeze === 'backbone' ? `frozen${unfreezeAfter !== null ? ` for ${unfreezeAfter} epoch(s), then trained at lr ${lr * mult}` : ''}` : 'trained too'}`,
  );
  let stage = freeze === 'backbone' ? 'head' : 'all';
  const report = new EpochReport(md.test, md.loss, true, json, () => stage);
  const common = {
    batchSize,
    optimizer,
    loss: md.loss,
    callbacks: [report],
    verbose: 0 as const,
    metrics: ['accuracy' as const],
    ...(valFraction > 0 ? { validation: { fraction: valFraction } } : {}),
  };
  try {
    const firstEpochs = unfreezeAfter ?? epochs;
    if (firstEpochs > 0) await fit(model, md.train, { ...common, epochs: firstEpochs, seed });
    if (unfreezeAfter !== null) {
      for (const p of backbone) p.requiresGrad_(true);
      optimizer.addParamGroup({ params: backbone, lr: lr * mult });
      stage = 'all';
      await fit(model, md.train, {
        ...common,
        epochs,
        initialEpoch: unfreezeAfter,
        ...(firstEpochs > 0 ? {} : { seed }),
      });
    }
  } catch (e) {
    if (e instanceof NonFiniteError)
      throw new CliFailure(`training diverged (${e.message}); lower --lr (it is ${lr}); nothing was saved`, {
        reason: 'non-finite',
      });
    throw e;
  }
  await saveWeights(model, out, encodeWeightsInfo(md.spec.name, md.loaded));
  const final = evaluate(model, md.test, { loss: md.loss, batchSize: 256, metrics: ['accuracy'] });
  if (json)
    process.stdout.write(
      `${JSON.stringify({ done: true, out, head, testLoss: final.loss, testAccuracy: final.accuracy })}\n`,
    );
  else log(`done: test accuracy ${(final.accuracy * 100).toFixed(2)}%; weights saved to ${out}`);
  return 0;
}
