/** `convkit summary --model NAME`: the Keras-style layer table of a registered model. */
import { createModel, modelSpec } from '../../models/registry.js';
import { summary } from '../../train/summary.js';
import { intOption, usage, UsageError, parseCommand } from '../options.js';

/** Help text of `convkit summary`. */
export const SUMMARY_USAGE = `convkit summary --model NAME [--input-shape 1,28,28] [--classes 10] [--json]`;

/** Runs `convkit summary`; returns the exit code. */
export async function summaryCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      model: { type: 'string', default: 'lenet5' },
      'input-shape': { type: 'string' },
      classes: { type: 'string' },
    },
    SUMMARY_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const spec = usage(() => modelSpec(values.model as string));
  let inputShape = [...spec.defaultInputShape];
  if (values['input-shape'] !== undefined) {
    inputShape = values['input-shape'].split(',').map((s) => Number(s.trim()));
    if (inputShape.some((d) => !Number.isInteger(d) || d < 1))
      throw new UsageError(`--input-shape must be comma-separated positive integers, got '${values['input-shape']}'`);
  }
  const problem = spec.inputProblem(inputShape);
  if (problem)
    throw new UsageError(`--model ${spec.name} cannot take --input-shape ${inputShape.join(',')}: it ${problem}`);
  const numClasses =
    values.classes === undefined ? (spec.name === 'logistic' ? 2 : 10) : intOption('--classes', values.classes, 2);
  const model = createModel(spec.name, { inputShape, numClasses });
  const s = summary(model, inputShape);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        model: spec.name,
        inputShape: s.inputShape,
        outputShape: s.outputShape,
        totalParams: s.totalParams,
        trainableParams: s.trainableParams,
        nonTrainableParams: s.nonTrainableParams,
        rows: s.rows,
      }) + '\n',
    );
  } else {
    process.stdout.write(`${s.text}\n`);
  }
  return 0;
}
