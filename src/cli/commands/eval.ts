/** `convkit eval`: test loss, accuracy and confusion matrix of saved weights. */
import { modelLoss, modelSpec } from '../../models/registry.js';
import { evaluate, predict } from '../../train/evaluate.js';
import { confusionMatrix } from '../../train/metrics.js';
import { Tensor } from '../../tensor/tensor.js';
import { datasetInfo, loadNamedDataset } from '../datasets.js';
import { intOption, selectBackend, usage, UsageError, parseCommand } from '../options.js';
import { modelWithWeights, readWeightsMetadata } from '../load-model.js';
import { ReconstructionDataset } from '../reconstruction.js';
import { decodeWeightsInfo, type WeightsInfo } from '../weights-meta.js';

/** Help text of `convkit eval`. */
export const EVAL_USAGE = `convkit eval [options]
  --weights PATH    weights saved by 'convkit train'   (default lenet5-mnist.safetensors)
  --model NAME      the model the weights belong to    (default: read from the weights; must match them)
  --dataset NAME    dataset to test on                 (default: the one the weights were trained on)
  --limit N         use only the first N test samples
  --backend NAME    js | wasm | native
  --json            print {"testLoss","testAccuracy","samples","confusionMatrix"} as JSON`;

/** Formats a confusion matrix as an aligned table (rows: true class, columns: predicted). */
export function formatConfusion(m: number[][], names: readonly string[]): string {
  const w = Math.max(4, ...m.flat().map((v) => String(v).length), ...names.map((n) => Math.min(n.length, 8))) + 1;
  const label = (s: string): string => s.slice(0, 8).padStart(w);
  const lines = [' '.repeat(10) + m.map((_, j) => label(names[j] ?? String(j))).join('')];
  m.forEach((row, i) =>
    lines.push((names[i] ?? String(i)).slice(0, 9).padEnd(10) + row.map((v) => String(v).padStart(w)).join('')),
  );
  return lines.join('\n');
}

/**
 * What to rebuild for the weights: their metadata, checked against --model/--dataset; a file
 * without convkit metadata (plain weights, e.g. saveWeights from a script) needs both flags.
 */
async function weightsInfoFor(
  path: string,
  model: string | undefined,
  dataset: string | undefined,
): Promise<WeightsInfo> {
  const meta = await readWeightsMetadata(path);
  if (meta['convkit.model'] === undefined) {
    if (model === undefined || dataset === undefined)
      throw new UsageError(
        `${path} has no convkit metadata (not written by 'convkit train'); pass --model and --dataset`,
      );
    const d = datasetInfo(dataset);
    return { model, dataset, inputShape: [...d.inputShape], numClasses: d.numClasses, classes: [], normalize: null };
  }
  const info = decodeWeightsInfo(path, meta);
  if (model !== undefined && model !== info.model)
    throw new UsageError(
      `--model ${model} does not match ${path}, which holds ${info.model} weights; leave --model out or pass the right weights`,
    );
  return info;
}

/** Runs `convkit eval`; returns the exit code. */
export async function evalCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      weights: { type: 'string', default: 'lenet5-mnist.safetensors' },
      model: { type: 'string' },
      dataset: { type: 'string' },
      limit: { type: 'string' },
      backend: { type: 'string' },
    },
    EVAL_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  selectBackend(values.backend);
  const path = values.weights as string;
  const limit = values.limit === undefined ? undefined : intOption('--limit', values.limit, 1);
  const modelFlag = values.model === undefined ? undefined : usage(() => modelSpec(values.model as string)).name;
  const datasetFlag =
    values.dataset === undefined ? undefined : usage(() => datasetInfo(values.dataset as string)).name;
  const info = await weightsInfoFor(path, modelFlag, datasetFlag);
  const spec = modelSpec(info.model);
  const dsName = datasetFlag ?? info.dataset;
  const problem = spec.inputProblem(datasetInfo(dsName).inputShape);
  if (problem) throw new UsageError(`--model ${spec.name} cannot run on --dataset ${dsName}: it ${problem}`);
  const loaded = await loadNamedDataset(dsName, limit);
  const model = await modelWithWeights(path, info.model, loaded);
  const t0 = performance.now();
  if (spec.task === 'reconstruction') {
    const test = new ReconstructionDataset(loaded.test);
    const r = evaluate(model, test, { loss: 'mse', metrics: [], batchSize: 500 });
    const seconds = (performance.now() - t0) / 1000;
    if (values.json) process.stdout.write(JSON.stringify({ testLoss: r.loss, samples: test.length, seconds }) + '\n');
    else
      process.stdout.write(
        `${info.model} on ${loaded.name} test (${test.length} samples): reconstruction MSE ${r.loss.toFixed(5)} (${seconds.toFixed(1)}s)\n`,
      );
    return 0;
  }
  const ds = loaded;
  const r = evaluate(model, ds.test, { loss: modelLoss(info.model, ds.numClasses), batchSize: 500 });
  const seconds = (performance.now() - t0) / 1000;
  const labels = new Int32Array(ds.test.length);
  for (let i = 0; i < labels.length; i++) labels[i] = ds.test.get(i).y;
  const cm = confusionMatrix(
    predict(model, ds.test, { batchSize: 500 }),
    new Tensor(labels, [labels.length]),
    ds.numClasses,
  );
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        testLoss: r.loss,
        testAccuracy: r.accuracy,
        samples: ds.test.length,
        seconds,
        confusionMatrix: cm,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `${info.model} on ${ds.name} test (${ds.test.length} samples): loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(2)}% (${seconds.toFixed(1)}s)\n`,
    );
    process.stdout.write(
      `confusion matrix (rows: true class, columns: predicted):\n${formatConfusion(cm, ds.classes)}\n`,
    );
  }
  return 0;
}
