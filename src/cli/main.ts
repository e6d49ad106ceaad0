#!/usr/bin/env node
/**
 * The `convkit` command line: train, eval, predict, summary, info, visualize, filter, export. Each subcommand parses its
 * own options with node:util parseArgs; errors print one line on stderr (exit 1, or 2 for
 * usage mistakes).
 */
import { arithCommand, ARITH_USAGE } from './commands/arith.js';
import { augmentCommand, AUGMENT_USAGE } from './commands/augment.js';
import { evalCommand, EVAL_USAGE } from './commands/eval.js';
import { exportCommand, EXPORT_USAGE } from './commands/export.js';
import { explainCommand, EXPLAIN_USAGE } from './commands/explain.js';
import { filterCommand, FILTER_USAGE } from './commands/filter.js';
import { finetuneCommand, FINETUNE_USAGE } from './commands/finetune.js';
import { infoCommand, INFO_USAGE, packageVersion } from './commands/info.js';
import { lrFindCommand, LR_FIND_USAGE } from './commands/lr-find.js';
import { plotCommand, PLOT_USAGE } from './commands/plot.js';
import { predictCommand, PREDICT_USAGE } from './commands/predict.js';
import { studioCommand, STUDIO_USAGE } from './commands/studio.js';
import { summaryCommand, SUMMARY_USAGE } from './commands/summary.js';
import { trainCommand, TRAIN_USAGE } from './commands/train.js';
import { tuneCommand, TUNE_USAGE } from './commands/tune.js';
import { visualizeCommand, VISUALIZE_USAGE } from './commands/visualize.js';
import { CliFailure, parseArgsMessage, UsageError } from './options.js';
import { datasetList, modelList } from './help.js';
import { envFlag } from '../platform.js';

/** Top-level help (the model and dataset lists come from the registry). */
export const USAGE = `convkit — convolutional networks in TypeScript

usage: convkit <command> [options]      (convkit <command> --help for its options)

commands:
  train     train a model on a dataset and save its weights
  augment   preview an --augment spec: a captioned grid of augmented images (--list: presets, items)
  eval      test accuracy and confusion matrix of saved weights
  predict   classify PNG/JPEG images with saved weights (or the shipped pretrained ones)
  summary   print a model's layers, output shapes and parameter counts
  arith     output size, parameters and receptive fields with the formulas filled in
  info      version, Node, and the compute backends available here
  visualize a CNN's filters, feature maps, saliency; Grad-CAM, IG, actmax... with --method
  filter    apply a classic image kernel (blur, edges, Sobel, sharpen) to an image
  export    a model for PyTorch (model.py + weights, DDP training) or ONNX (serving)
  explain   replay the lectures' worked examples step by step; trace a convolution or pool
  plot      learning curves, LR schedule, confusion matrix or weight histograms as PNG/SVG
  lr-find   learning-rate range test: loss against learning rate, a plot and a suggestion
  tune      grid or random hyper-parameter search (split or k-fold), resumable
  finetune  transfer learning: pretrained weights, new head, frozen backbone, optional unfreezing
  studio    the web app: convolutions animated, filters, sizes and receptive fields (in your browser)

models (--model):
${modelList('  ')}

datasets (--dataset):
${datasetList('  ')}

examples:
  convkit train --model lenet5 --dataset mnist --epochs 1
  convkit train --model resnet18 --dataset folder:./photos --resize 64 --augment light
  convkit train --model unet --dataset mnist-seg --limit 256 --epochs 2   (masks; test IoU per epoch)
  convkit eval --weights lenet5-mnist.safetensors
  convkit predict digit.png --weights lenet5-mnist.safetensors
  convkit predict shirt.png --model keras-fashion          (shipped pretrained weights)
  convkit summary --model keras-fashion
  convkit arith conv --input 32 --kernel 5 --padding same --dilation 2
  convkit visualize --weights lenet5-mnist.safetensors --image digit.png --out vis/
  convkit filter photo.png --kernel sobel-x --out edges.png
  convkit export --weights lenet5-mnist.safetensors --format pytorch --out cluster/
  convkit explain lecture seed004.conv2d-5x5
  convkit plot history.csv --out curves.png                (after convkit train --csv history.csv)`;

const commands: Record<string, [(argv: string[]) => Promise<number>, string]> = {
  train: [trainCommand, TRAIN_USAGE],
  eval: [evalCommand, EVAL_USAGE],
  predict: [predictCommand, PREDICT_USAGE],
  summary: [summaryCommand, SUMMARY_USAGE],
  arith: [arithCommand, ARITH_USAGE],
  info: [infoCommand, INFO_USAGE],
  visualize: [visualizeCommand, VISUALIZE_USAGE],
  filter: [filterCommand, FILTER_USAGE],
  export: [exportCommand, EXPORT_USAGE],
  explain: [explainCommand, EXPLAIN_USAGE],
  plot: [plotCommand, PLOT_USAGE],
  studio: [studioCommand, STUDIO_USAGE],
  'lr-find': [lrFindCommand, LR_FIND_USAGE],
  tune: [tuneCommand, TUNE_USAGE],
  finetune: [finetuneCommand, FINETUNE_USAGE],
  augment: [augmentCommand, AUGMENT_USAGE],
};

/** Runs the CLI with the given arguments (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const sub = cmd === 'help' ? rest[0] : undefined;
    process.stdout.write((sub && commands[sub] ? commands[sub][1] : USAGE) + '\n');
    return 0;
  }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const entry = commands[cmd];
  if (!entry) {
    process.stderr.write(
      `convkit: unknown command '${cmd}' (commands: ${Object.keys(commands).join(', ')}; try convkit --help)\n`,
    );
    return 2;
  }
  try {
    return await entry[0](rest);
  } catch (e) {
    const parseMsg = parseArgsMessage(e);
    const usage = e instanceof UsageError || parseMsg !== null;
    // one line: the message, and for usage mistakes where to find the options
    const msg = (parseMsg ?? (e instanceof Error ? e.message : String(e))).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`convkit ${cmd}: ${msg}${usage ? ` (see convkit ${cmd} --help)` : ''}\n`);
    if (rest.includes('--json')) {
      const details = e instanceof CliFailure ? e.details : {};
      process.stdout.write(JSON.stringify({ error: msg, exitCode: usage ? 2 : 1, ...details }) + '\n');
    }
    if (!usage && envFlag('CONVKIT_DEBUG') && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return usage ? 2 : 1;
  }
}

// `convkit ... | head` closes stdout early: stop quietly instead of crashing on EPIPE
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`convkit: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
