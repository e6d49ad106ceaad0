/** `convkit eval`: test loss, accuracy and confusion matrix of saved weights. */
import { parseArgs } from 'node:util';
import { modelLoss } from '../../models/registry.js';
import { evaluate, predict } from '../../train/evaluate.js';
import { confusionMatrix } from '../../train/metrics.js';
import { Tensor } from '../../tensor/tensor.js';
import { loadNamedDataset } from '../datasets.js';
import { intOption, selectBackend } from '../options.js';
import { modelWithWeights, readWeightsInfo } from '../load-model.js';

/** Help text of `convkit eval`. */
export const EVAL_USAGE = `convkit eval [options]
  --weights PATH    weights saved by 'convkit train'   (default lenet5-mnist.safetensors)
  --dataset NAME    dataset to test on                 (default: the one the weights were trained on)
  --limit N         use only the first N test samples
  --backend NAME    js | wasm | native
  --json            print {"testLoss","testAccuracy","samples","confusionMatrix"} as JSON`;

/** Formats a confusion matrix as an aligned table (rows: true class, columns: predicted). */
export function formatConfusion(m: number[][], names: readonly string[]): string {
  const w = Math.max(4, ...m.flat().map((v) => String(v).length), ...names.map((n) => Math.min(n.length, 8))) + 1;
  const label = (s: string): string => s.slice(0, 8).padStart(w);
  const lines = [' '.repeat(10) + m.map((_, j) => label(names[j] ?? String(j))).join('')];
  m.forEach((row, i) => lines.push((names[i] ?? String(i)).slice(0, 9).padEnd(10) + row.map((v) => String(v).padStart(w)).join('')));
  return lines.join('\n');
}

/** Runs `convkit eval`; returns the exit code. */
export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string', default: 'lenet5-mnist.safetensors' },
      dataset: { type: 'string' },
      limit: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) { process.stdout.write(EVAL_USAGE + '\n'); return 0; }
  selectBackend(values.backend);
  const path = values.weights as string;
  const info = await readWeightsInfo(path);
  const ds = await loadNamedDataset(values.dataset ?? info.dataset, values.limit === undefined ? undefined : intOption('--limit', values.limit, 1));
  const model = await modelWithWeights(path, info.model, ds);
  const t0 = performance.now();
  const r = evaluate(model, ds.test, { loss: modelLoss(info.model, ds.numClasses), batchSize: 500 });
  const seconds = (performance.now() - t0) / 1000;
  const labels = new Int32Array(ds.test.length);
  for (let i = 0; i < labels.length; i++) labels[i] = ds.test.get(i).y;
  const cm = confusionMatrix(predict(model, ds.test, { batchSize: 500 }), new Tensor(labels, [labels.length]), ds.numClasses);
  if (values.json) {
    process.stdout.write(JSON.stringify({ testLoss: r.loss, testAccuracy: r.accuracy, samples: ds.test.length, seconds, confusionMatrix: cm }) + '\n');
  } else {
    process.stdout.write(`${info.model} on ${ds.name} test (${ds.test.length} samples): loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(2)}% (${seconds.toFixed(1)}s)\n`);
    process.stdout.write(`confusion matrix (rows: true class, columns: predicted):\n${formatConfusion(cm, ds.classes)}\n`);
  }
  return 0;
}
