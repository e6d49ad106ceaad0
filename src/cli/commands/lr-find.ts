/**
 * `convkit lr-find`: the learning-rate range test (train.lrFinder) for a zoo model on a dataset:
 * prints the suggestion (the steepest descent of the smoothed loss), optionally draws loss
 * against learning rate (plot.lineChart) and prints one JSON object with --json.
 */
import { createModel } from '../../models/registry.js';
import { Adam, AdamW } from '../../optim/adam.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { SGD } from '../../optim/sgd.js';
import { lineChart } from '../../plot/lines.js';
import { toPng } from '../../plot/png.js';
import { atomicWriteFile } from '../../io/atomic-write.js';
import { manualSeed } from '../../tensor/random.js';
import { lrFinder, type LRFinderResult } from '../../train/lr-finder.js';
import { checkOutputs } from '../output-paths.js';
import { choiceOption, intOption, numberOption, parseCommand, selectBackend, UsageError } from '../options.js';
import { DATA_FLAGS, DATA_FLAGS_USAGE, loadModelData, resizeNote } from './tune-common.js';

/** Help text of `convkit lr-find`. */
export const LR_FIND_USAGE = `convkit lr-find --model NAME --dataset NAME [options]
The learning-rate range test (Smith 2015; fastai's lr_find, torch-lr-finder): the learning rate
grows exponentially from --start-lr to --end-lr, one mini-batch each; the loss is smoothed and the
sweep stops when it exceeds --diverge times its best. The model, optimizer and random state are
restored after. Suggested: the learning rate where the smoothed loss falls fastest (steepest
descent against log10(lr)); the minimum itself is too high (use about a tenth of it).
  --model NAME         a zoo model (convkit --help lists them)
${DATA_FLAGS_USAGE}
  --optimizer NAME     adam | adamw | sgd                  (default adam, as convkit train)
  --momentum X         SGD momentum                        (default 0.9)
  --weight-decay X     weight decay                        (default 0)
  --batch-size N       samples per step                    (default 32)
  --start-lr X         first learning rate                 (default 1e-7)
  --end-lr X           last learning rate                  (default 10)
  --steps N            mini-batches in the sweep           (default 100)
  --smoothing X        weight of the newest loss in the moving average, (0, 1]  (default 0.05)
  --diverge X          stop when the smoothed loss exceeds X times its best      (default 5)
  --out PATH           draw loss against learning rate to PATH (.png or .svg)
  --json               print one JSON object (lrs, losses, suggestion) on stdout`;

/** The figure: smoothed and raw loss against log10(lr), the suggestion marked. */
export function lrFindFigure(r: LRFinderResult, title: string): string {
  const x = r.lrs.map((v) => Math.log10(v));
  const finite = r.rawLosses.filter(Number.isFinite);
  const lo = Math.min(...r.losses);
  // the last steps of a diverging sweep would squash the curve: cap the y range at 4x the start
  const yMax = Math.min(Math.max(...finite), Math.max(r.losses[0] * 4, lo * 4));
  return lineChart(
    [
      { name: 'smoothed loss', x, y: r.losses },
      { name: 'mini-batch loss', x, y: r.rawLosses.map((v) => Math.min(v, yMax)), dashed: true, markers: false },
    ],
    {
      title,
      xLabel: 'log10(learning rate)',
      yLabel: 'training loss',
      yMax,
      subtitle: r.suggestion
        ? `suggested lr ${r.suggestion.lr.toPrecision(2)} (steepest descent of the smoothed loss)`
        : 'no suggestion: the smoothed loss never fell',
      vlines: r.suggestion
        ? [{ x: Math.log10(r.suggestion.lr), label: `suggestion ${r.suggestion.lr.toPrecision(2)}` }]
        : [],
    },
  );
}

function positive(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = numberOption(flag, v);
  if (!(n > 0)) throw new UsageError(`${flag} must be > 0, got '${v}'`);
  return n;
}

/** Runs `convkit lr-find`; returns the exit code. */
export async function lrFindCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...DATA_FLAGS,
      optimizer: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      'batch-size': { type: 'string' },
      'start-lr': { type: 'string' },
      'end-lr': { type: 'string' },
      steps: { type: 'string' },
      smoothing: { type: 'string' },
      diverge: { type: 'string' },
      out: { type: 'string' },
    },
    LR_FIND_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const json = values.json === true;
  selectBackend(values.backend);
  const optName = choiceOption('--optimizer', values.optimizer ?? 'adam', ['adam', 'adamw', 'sgd'] as const);
  const momentum = values.momentum === undefined ? 0.9 : numberOption('--momentum', values.momentum);
  if (!(momentum >= 0 && momentum < 1)) throw new UsageError(`--momentum must be in [0, 1), got '${values.momentum}'`);
  const weightDecay = values['weight-decay'] === undefined ? 0 : numberOption('--weight-decay', values['weight-decay']);
  if (weightDecay < 0) throw new UsageError(`--weight-decay must be >= 0, got '${values['weight-decay']}'`);
  const batchSize = values['batch-size'] === undefined ? 32 : intOption('--batch-size', values['batch-size'], 1);
  const startLr = positive('--start-lr', values['start-lr'], 1e-7);
  const endLr = positive('--end-lr', values['end-lr'], 10);
  if (endLr <= startLr) throw new UsageError(`--end-lr (${endLr}) must be greater than --start-lr (${startLr})`);
  const steps = values.steps === undefined ? 100 : intOption('--steps', values.steps, 2);
  const smoothing = positive('--smoothing', values.smoothing, 0.05);
  if (smoothing > 1) throw new UsageError(`--smoothing must be in (0, 1], got '${values.smoothing}'`);
  const diverge = positive('--diverge', values.diverge, 5);
  if (diverge <= 1) throw new UsageError(`--diverge must be > 1, got '${values.diverge}'`);
  if (values.out !== undefined && !/\.(png|svg)$/i.test(values.out))
    throw new UsageError(`--out ${values.out}: the file name must end in .png or .svg (the figure's format)`);
  if (values.out !== undefined) checkOutputs([{ flag: '--out', path: values.out }]);
  const seed = values.seed === undefined ? 0 : intOption('--seed', values.seed, 0);

  const md = await loadModelData(values);
  manualSeed(seed);
  const model = createModel(md.spec.name, md.createOptions);
  const params = model.parameters();
  const optimizer: Optimizer =
    optName === 'sgd'
      ? new SGD(params, { lr: startLr, momentum, weightDecay })
      : optName === 'adamw'
        ? new AdamW(params, { lr: startLr, weightDecay })
        : new Adam(params, { lr: startLr, weightDecay });
  const r = lrFinder(model, md.train, {
    optimizer,
    loss: md.loss,
    startLr,
    endLr,
    steps,
    smoothing,
    divergeThreshold: diverge,
    batchSize,
    seed,
  });
  const title = `LR range test: ${md.spec.name} on ${md.loaded.name} (${optName}, batch ${batchSize})`;
  if (values.out !== undefined) {
    const svg = lrFindFigure(r, title);
    await atomicWriteFile(values.out, /\.svg$/i.test(values.out) ? svg : await toPng(svg));
  }
  const sug = r.suggestion;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        model: md.spec.name,
        dataset: md.loaded.name,
        optimizer: optName,
        steps: r.lrs.length,
        diverged: r.diverged,
        suggestedLr: sug ? sug.lr : null,
        method: 'steepest descent of the smoothed loss',
        minLoss: r.minLoss,
        minLossLr: r.minLossLr,
        lrs: r.lrs,
        losses: r.losses,
        rawLosses: r.rawLosses,
        ...(values.out !== undefined ? { plot: values.out } : {}),
      })}\n`,
    );
    return 0;
  }
  const out = process.stdout;
  out.write(
    `${title}${resizeNote(md)}: ${r.lrs.length} steps from ${startLr} to ${r.lrs[r.lrs.length - 1].toPrecision(3)}`,
  );
  out.write(r.diverged ? ' (stopped: the loss diverged)\n' : '\n');
  const every = Math.max(1, Math.floor(r.lrs.length / 10));
  out.write('  lr          smoothed loss\n');
  for (let i = 0; i < r.lrs.length; i += every)
    out.write(`  ${r.lrs[i].toExponential(2).padEnd(11)} ${r.losses[i].toFixed(4)}\n`);
  out.write(
    `lowest smoothed loss ${r.minLoss.toFixed(4)} at lr ${r.minLossLr.toPrecision(2)} (too high to train at)\n`,
  );
  if (sug)
    out.write(
      `suggested --lr ${sug.lr.toPrecision(2)} (steepest descent of the smoothed loss, ${sug.slope.toFixed(3)} per decade)\n`,
    );
  else out.write('no suggestion: the smoothed loss never fell; widen --start-lr/--end-lr or add --steps\n');
  if (values.out !== undefined) out.write(`plot written to ${values.out}\n`);
  return 0;
}
