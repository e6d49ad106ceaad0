/**
 * The CLI's command registry: every `convkit` command with its one-line summary, its help text
 * (what `convkit <command> --help` prints) and its runner. The top-level `convkit --help`, the
 * dispatcher in main.ts and the generated CLI reference (scripts/build-docs.mjs) all read this list,
 * so the reference documents exactly the commands and options the CLI accepts.
 */
import { arithCommand, ARITH_USAGE } from './commands/arith.js';
import { augmentCommand, AUGMENT_USAGE } from './commands/augment.js';
import { evalCommand, EVAL_USAGE } from './commands/eval.js';
import { exportCommand, EXPORT_USAGE } from './commands/export.js';
import { explainCommand, EXPLAIN_USAGE } from './commands/explain.js';
import { filterCommand, FILTER_USAGE } from './commands/filter.js';
import { finetuneCommand, FINETUNE_USAGE } from './commands/finetune.js';
import { infoCommand, INFO_USAGE } from './commands/info.js';
import { lrFindCommand, LR_FIND_USAGE } from './commands/lr-find.js';
import { plotCommand, PLOT_USAGE } from './commands/plot.js';
import { predictCommand, PREDICT_USAGE } from './commands/predict.js';
import { studioCommand, STUDIO_USAGE } from './commands/studio.js';
import { summaryCommand, SUMMARY_USAGE } from './commands/summary.js';
import { trainCommand, TRAIN_USAGE } from './commands/train.js';
import { tuneCommand, TUNE_USAGE } from './commands/tune.js';
import { visualizeCommand, VISUALIZE_USAGE } from './commands/visualize.js';
import { datasetList, modelList } from './help.js';

/** One `convkit` command: its name, summary line, help text and runner. */
export interface CliCommand {
  /** The command's name (`convkit <name>`). */
  readonly name: string;
  /** One line for the top-level help's command list. */
  readonly summary: string;
  /** The full help text, printed by `convkit <name> --help` and `convkit help <name>`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  readonly run: (argv: string[]) => Promise<number>;
}

/** Every command, in the order the top-level help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  { name: 'train', summary: 'train a model on a dataset and save its weights', usage: TRAIN_USAGE, run: trainCommand },
  {
    name: 'augment',
    summary: 'preview an --augment spec: a captioned grid of augmented images (--list: presets, items)',
    usage: AUGMENT_USAGE,
    run: augmentCommand,
  },
  { name: 'eval', summary: 'test accuracy and confusion matrix of saved weights', usage: EVAL_USAGE, run: evalCommand },
  {
    name: 'predict',
    summary: 'classify PNG/JPEG images with saved weights (or the shipped pretrained ones)',
    usage: PREDICT_USAGE,
    run: predictCommand,
  },
  {
    name: 'summary',
    summary: "print a model's layers, output shapes and parameter counts",
    usage: SUMMARY_USAGE,
    run: summaryCommand,
  },
  {
    name: 'arith',
    summary: 'output size, parameters and receptive fields with the formulas filled in',
    usage: ARITH_USAGE,
    run: arithCommand,
  },
  {
    name: 'info',
    summary: 'version, Node, and the compute backends available here',
    usage: INFO_USAGE,
    run: infoCommand,
  },
  {
    name: 'visualize',
    summary: "a CNN's filters, feature maps, saliency; Grad-CAM, IG, actmax... with --method",
    usage: VISUALIZE_USAGE,
    run: visualizeCommand,
  },
  {
    name: 'filter',
    summary: 'apply a classic image kernel (blur, edges, Sobel, sharpen) to an image',
    usage: FILTER_USAGE,
    run: filterCommand,
  },
  {
    name: 'export',
    summary: 'a model for PyTorch (model.py + weights, DDP training) or ONNX (serving)',
    usage: EXPORT_USAGE,
    run: exportCommand,
  },
  {
    name: 'explain',
    summary: "replay the lectures' worked examples step by step; trace a convolution or pool",
    usage: EXPLAIN_USAGE,
    run: explainCommand,
  },
  {
    name: 'plot',
    summary: 'learning curves, LR schedule, confusion matrix or weight histograms as PNG/SVG',
    usage: PLOT_USAGE,
    run: plotCommand,
  },
  {
    name: 'lr-find',
    summary: 'learning-rate range test: loss against learning rate, a plot and a suggestion',
    usage: LR_FIND_USAGE,
    run: lrFindCommand,
  },
  {
    name: 'tune',
    summary: 'grid or random hyper-parameter search (split or k-fold), resumable',
    usage: TUNE_USAGE,
    run: tuneCommand,
  },
  {
    name: 'finetune',
    summary: 'transfer learning: pretrained weights, new head, frozen backbone, optional unfreezing',
    usage: FINETUNE_USAGE,
    run: finetuneCommand,
  },
  {
    name: 'studio',
    summary: 'the web app: convolutions animated, filters, sizes and receptive fields (in your browser)',
    usage: STUDIO_USAGE,
    run: studioCommand,
  },
];

/** The command called `name`, or undefined. */
export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The examples at the end of the top-level help. */
export const EXAMPLES: readonly string[] = [
  'convkit train --model lenet5 --dataset mnist --epochs 1',
  'convkit train --model resnet18 --dataset folder:./photos --resize 64 --augment light',
  'convkit train --model unet --dataset mnist-seg --limit 256 --epochs 2   (masks; test IoU per epoch)',
  'convkit eval --weights lenet5-mnist.safetensors',
  'convkit predict digit.png --weights lenet5-mnist.safetensors',
  'convkit predict shirt.png --model keras-fashion          (shipped pretrained weights)',
  'convkit summary --model keras-fashion',
  'convkit arith conv --input 32 --kernel 5 --padding same --dilation 2',
  'convkit visualize --weights lenet5-mnist.safetensors --image digit.png --out vis/',
  'convkit filter photo.png --kernel sobel-x --out edges.png',
  'convkit export --weights lenet5-mnist.safetensors --format pytorch --out cluster/',
  'convkit explain lecture seed004.conv2d-5x5',
  'convkit plot history.csv --out curves.png                (after convkit train --csv history.csv)',
];

/** Top-level help: the commands with their summaries, the models and datasets (from their registries), examples. */
export const USAGE = `convkit — convolutional networks in TypeScript

usage: convkit <command> [options]      (convkit <command> --help for its options)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

models (--model):
${modelList('  ')}

datasets (--dataset):
${datasetList('  ')}

examples:
${EXAMPLES.map((e) => `  ${e}`).join('\n')}`;
