/**
 * `convkit eval`: the test loss of saved weights and, for classifiers, accuracy and the confusion
 * matrix; reconstruction MSE for autoencoders; IoU for segmentation. The test data are prepared
 * as in training: the weights' per-channel normalisation, and the size the weights were trained
 * at (images resized to it).
 */
import { modelLoss, modelSpec, modelTaskFor } from '../../models/registry.js';
import { evaluate, predict } from '../../train/evaluate.js';
import { confusionMatrix } from '../../train/metrics.js';
import { Tensor } from '../../tensor/tensor.js';
import { intOption, selectBackend, usage, UsageError, parseCommand } from '../options.js';
import { modelWithWeights, readWeightsMetadata } from '../load-model.js';
import { ReconstructionDataset } from '../reconstruction.js';
import { ResizedDataset } from '../resized-dataset.js';
import { dataFacts, loadData, planTraining, renormalized, type TrainData, type TrainTask } from '../train-data.js';
import { datasetIoU } from '../train-evaluator.js';
import { channelStats, decodeWeightsInfo, type WeightsInfo } from '../weights-meta.js';

/** Help text of `convkit eval`. */
export const EVAL_USAGE = `convkit eval [options]
  --weights PATH    weights saved by 'convkit train'   (default lenet5-mnist.safetensors)
  --model NAME      the model the weights belong to    (default: read from the weights; must match them)
  --dataset NAME    dataset to test on                 (default: the one the weights were trained on;
                    a registry name or folder:PATH, see convkit --help)
  --data-dir DIR    the folder holding the dataset's files where it cannot ship (cifar10, eurosat)
  --limit N         use only the first N test samples
  --backend NAME    js | wasm | native
  --json            print one JSON object: classifiers {"testLoss","testAccuracy","samples","seconds",
                    "confusionMatrix"}; reconstruction {"testLoss","samples","seconds"};
                    segmentation {"testLoss","testIoU","samples","seconds"}`;

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
 * What the weights say about their model and data (null for a file without convkit metadata,
 * which then needs --model and --dataset), checked against --model.
 */
async function weightsInfoFor(
  path: string,
  model: string | undefined,
  dataset: string | undefined,
): Promise<WeightsInfo | null> {
  const meta = await readWeightsMetadata(path);
  if (meta['convkit.model'] === undefined) {
    if (model === undefined || dataset === undefined)
      throw new UsageError(
        `${path} has no convkit metadata (not written by 'convkit train'); pass --model and --dataset`,
      );
    return null;
  }
  const info = decodeWeightsInfo(path, meta);
  if (model !== undefined && model !== info.model)
    throw new UsageError(
      `--model ${model} does not match ${path}, which holds ${info.model} weights; leave --model out or pass the right weights`,
    );
  return info;
}

/** Whether two shapes are equal. */
const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** The reason the weights' input does not fit the dataset's samples (resizing images aside), or null. */
function shapeProblem(weights: readonly number[], data: readonly number[]): string | null {
  if (sameShape(weights, data)) return null;
  if (weights.length === 3 && data.length === 3 && weights[0] === data[0]) return null; // resized
  return `the weights take samples [${weights.join(', ')}], the dataset gives [${data.join(', ')}]`;
}

/** Runs `convkit eval`; returns the exit code. */
export async function evalCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      weights: { type: 'string', default: 'lenet5-mnist.safetensors' },
      model: { type: 'string' },
      dataset: { type: 'string' },
      'data-dir': { type: 'string' },
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
  const dataDir = values['data-dir'];
  if (dataDir !== undefined && dataDir.trim() === '') throw new UsageError("--data-dir needs a folder path, got ''");
  const modelFlag = values.model === undefined ? undefined : usage(() => modelSpec(values.model as string)).name;
  const datasetFlag = values.dataset === undefined ? undefined : dataFacts(values.dataset).name;
  const stored = await weightsInfoFor(path, modelFlag, datasetFlag);
  const modelName = stored?.model ?? (modelFlag as string);
  const spec = modelSpec(modelName);
  const dsName = datasetFlag ?? stored?.dataset ?? '';
  if (dsName === '') throw new UsageError(`${path} does not name its dataset; pass --dataset`);
  const facts = dataFacts(dsName);
  if (facts.needsDataDir && dataDir === undefined)
    throw new UsageError(
      `--dataset ${dsName} cannot be downloaded here: pass --data-dir DIR, the folder holding its files (see convkit --help)`,
    );
  if (stored && facts.inputShape) {
    const problem = shapeProblem(stored.inputShape, facts.inputShape);
    if (problem) throw new UsageError(`--model ${spec.name} cannot run on --dataset ${dsName}: ${problem}`);
  }
  if (!stored && facts.inputShape) {
    const problem = spec.inputProblem(facts.inputShape);
    if (problem) throw new UsageError(`--model ${spec.name} cannot run on --dataset ${dsName}: it ${problem}`);
  }

  const folderSize =
    facts.inputShape === null && stored && stored.inputShape.length === 3
      ? ([stored.inputShape[1], stored.inputShape[2]] as [number, number])
      : null;
  let data: TrainData = await loadData(dsName, {
    ...(limit !== undefined ? { limit } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(folderSize ? { resize: folderSize } : {}), // a folder's images, at the weights' size as they decode
  });
  const task: TrainTask = stored?.task ?? modelTaskFor(spec.name, data.task) ?? spec.task;
  if (task === 'segmentation' && data.task !== 'segmentation')
    throw new UsageError(
      `${path} holds ${spec.name} weights trained for segmentation; --dataset ${dsName} has no masks (use mnist-seg)`,
    );
  // the weights' input: as stored, or (plain weights) what training would have used
  const info: WeightsInfo = stored ?? {
    model: spec.name,
    dataset: dsName,
    inputShape: planTraining(spec, data, null).modelShape,
    numClasses: data.numClasses,
    classes: data.classes,
    normalize: null,
  };
  const problem = shapeProblem(info.inputShape, data.inputShape);
  if (problem) throw new UsageError(`--model ${spec.name} cannot run on --dataset ${dsName}: ${problem}`);
  data = renormalized(data, channelStats(info, info.inputShape[0]), path);
  let test = data.test;
  if (!sameShape(info.inputShape, data.inputShape))
    test = new ResizedDataset(test, [info.inputShape[1], info.inputShape[2]]);
  if (task === 'classification' && info.numClasses !== data.numClasses)
    throw new UsageError(
      `${path} has ${info.numClasses} classes, --dataset ${dsName} ${data.numClasses}; evaluate on the dataset the weights were trained on`,
    );
  const model = await modelWithWeights(path, info.model, {
    inputShape: info.inputShape,
    numClasses: info.numClasses,
    task,
  });
  const t0 = performance.now();
  const json = (o: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  if (task === 'reconstruction') {
    const recon = new ReconstructionDataset(test);
    const r = evaluate(model, recon, { loss: 'mse', metrics: [], batchSize: 500 });
    const seconds = (performance.now() - t0) / 1000;
    if (values.json) json({ testLoss: r.loss, samples: recon.length, seconds });
    else
      process.stdout.write(
        `${info.model} on ${data.name} test (${recon.length} samples): reconstruction MSE ${r.loss.toFixed(5)} (${seconds.toFixed(1)}s)\n`,
      );
    return 0;
  }
  if (task === 'segmentation') {
    const r = evaluate(model, test, { loss: 'bceWithLogits', metrics: [], batchSize: 500 });
    const iou = datasetIoU(model, test, 500);
    const seconds = (performance.now() - t0) / 1000;
    if (values.json) json({ testLoss: r.loss, testIoU: iou, samples: test.length, seconds });
    else
      process.stdout.write(
        `${info.model} on ${data.name} test (${test.length} samples): IoU ${iou.toFixed(4)} (mask probability > 0.5), BCE ${r.loss.toFixed(5)} (${seconds.toFixed(1)}s)\n`,
      );
    return 0;
  }
  const loss = modelLoss(spec.name, info.numClasses, 'classification');
  const r = evaluate(model, test, { loss, batchSize: 500 });
  const seconds = (performance.now() - t0) / 1000;
  const labels = new Int32Array(test.length);
  for (let i = 0; i < labels.length; i++) labels[i] = test.get(i).y;
  const cm = confusionMatrix(
    predict(model, test, { batchSize: 500 }),
    new Tensor(labels, [labels.length]),
    data.numClasses,
  );
  const names = info.classes.length > 0 ? info.classes : data.classes;
  if (values.json) {
    json({ testLoss: r.loss, testAccuracy: r.accuracy, samples: test.length, seconds, confusionMatrix: cm });
  } else {
    process.stdout.write(
      `${info.model} on ${data.name} test (${test.length} samples): loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(2)}% (${seconds.toFixed(1)}s)\n`,
    );
    process.stdout.write(`confusion matrix (rows: true class, columns: predicted):\n${formatConfusion(cm, names)}\n`);
  }
  return 0;
}
