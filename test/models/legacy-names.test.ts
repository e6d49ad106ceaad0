// Files saved by convkit 0.1 (before PyTorch's names: BatchNorm `runningMean`, ResNet `body.N` and
// `shortcut`, GoogLeNet `inception3a.N`) still load, through the one-time map in
// src/nn/legacy-names.ts, and compute what they computed then. The fixtures in
// test/fixtures/legacy/ were written by scripts/gen-legacy-fixtures.ts with the 0.1 code
// (commit e722df0), with the logits that code computed on a fixed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, manualSeed, models, nn, noGrad, optim, randn, tensor, type Tensor } from '../../src/index.js';
import { fit } from '../../src/train/fit.js';
import { ModelCheckpoint } from '../../src/train/model-checkpoint.js';
import { currentKeyName, renameLegacyKeys } from '../../src/nn/legacy-names.js';
import { loadCheckpoint, loadWeights, restoreCheckpoint } from '../../src/train/checkpoint.js';
import { modelWithWeights } from '../../src/cli/load-model.js';
import { readSafetensorsFile } from '../../src/train/safetensors-file.js';
import { assertClose } from '../helpers/check.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'legacy');
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { input: number[]; shape: number[]; logits: number[] }
>;
const OLD_KEYS = JSON.parse(readFileSync(join(DIR, 'old-keys.json'), 'utf8')) as Record<string, string[]>;

/** Checks the model (in eval mode) computes the 0.1 logits recorded for `name`. */
function sameLogits(name: string, model: nn.Module): void {
  const e = EXPECTED[name];
  const x = tensor(e.input).reshape(e.shape);
  const y = noGrad(() => model.eval().call(x));
  assertClose(y, e.logits, { atol: 1e-5, rtol: 1e-5, msg: name });
}

/** Runs fn with console.warn captured; returns the warnings. */
async function warnings(fn: () => Promise<unknown> | unknown): Promise<string[]> {
  const seen: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => {
    seen.push(a.map(String).join(' '));
  };
  try {
    await fn();
  } finally {
    console.warn = orig;
  }
  return seen;
}

const bnMlp = (): nn.Sequential =>
  new nn.Sequential(new nn.Linear(6, 5), new nn.BatchNorm1d(5), new nn.ReLU(), new nn.Linear(5, 3));

// This test runs first in its process: the warning is shown once per process.
test('a 0.1 BatchNorm weights file loads strictly, with one warning naming the old names and the fix', async () => {
  const file = join(DIR, 'bn-mlp.safetensors');
  const { tensors } = await readSafetensorsFile(file);
  assert.ok(tensors.has('1.runningMean') && !tensors.has('1.running_mean'), 'the fixture has the 0.1 names');
  const a = bnMlp();
  const b = bnMlp();
  const seen = await warnings(async () => {
    await loadWeights(a, file);
    await loadWeights(b, file);
  });
  assert.equal(seen.length, 1, `one warning per process, got ${JSON.stringify(seen)}`);
  assert.match(seen[0], /pre-0\.2 state-dict names \(3 keys/);
  assert.match(seen[0], /re-save it .*saveWeights\(model, path\)/);
  sameLogits('bn-mlp', a);
  const bn = a.at(1) as nn.BatchNorm1d;
  assert.equal(bn.num_batches_tracked?.data[0], 2, 'num_batches_tracked came from numBatchesTracked');
  assert.deepEqual(bn.running_var?.toFlatArray(), tensors.get('1.runningVar')?.toFlatArray());
  // loadStateDict reports what it renamed; legacyNames: false refuses the old names
  const res = bnMlp().loadStateDict(tensors);
  assert.deepEqual([...res.legacyRenamed].sort(), [
    ['1.numBatchesTracked', '1.num_batches_tracked'],
    ['1.runningMean', '1.running_mean'],
    ['1.runningVar', '1.running_var'],
  ]);
  assert.throws(
    () => bnMlp().loadStateDict(tensors, { legacyNames: false }),
    /3 missing keys: 1\.running_mean, 1\.running_var, 1\.num_batches_tracked; 3 unexpected keys: 1\.numBatchesTracked/,
  );
});

test('a 0.1 resnet20 weights file written by convkit train loads in the CLI (eval/predict) with a note', async () => {
  const path = join(DIR, 'resnet20-cli.safetensors');
  const notes: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    notes.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let model: nn.Module;
  try {
    model = await modelWithWeights(path, 'resnet20', { inputShape: [3, 32, 32], numClasses: 10 });
  } finally {
    process.stderr.write = write;
  }
  assert.equal(notes.length, 1);
  assert.ok(notes[0].startsWith(`note: ${path} uses pre-0.2 state-dict names`), notes[0]);
  sameLogits('resnet20-cli', model);
  assert.ok(model.stateDict().has('layer2.0.bn1.running_mean'));
  // and through loadWeights
  const m2 = models.resnet20({ init: 'default' });
  await loadWeights(m2, path);
  sameLogits('resnet20-cli', m2);
});

test('a 0.1 training checkpoint (projection shortcuts, SGD momentum) restores weights and optimizer state', async () => {
  const ck = await loadCheckpoint(join(DIR, 'resnet8b-checkpoint.safetensors'));
  assert.ok(ck.tensors.has('layer2.0.shortcut.0.weight') && ck.tensors.has('layer1.0.body.4.runningVar'));
  const model = models.resnetCifar({ depth: 8, numClasses: 4, shortcut: 'B', init: 'default' });
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const { epoch } = restoreCheckpoint(ck, { model, optimizer: opt });
  assert.equal(epoch, 0);
  sameLogits('resnet8b-checkpoint', model);
  // optimizer state is by parameter index: the renamed model keeps the 0.1 parameter order
  const state = opt.stateDict().state;
  const params = [...model.namedParameters()];
  assert.equal(Object.keys(state).length, params.length);
  params.forEach(([name, p], i) => {
    const buf = Object.values(state[String(i)]).find((v) => typeof v !== 'number') as Float32Array;
    assert.equal(buf.length, p.size, `momentum of ${name}`);
    const stored = [...ck.tensors].find(([k]) => k.startsWith(`__optimizer__.${i}.`))?.[1] as Tensor;
    assert.deepEqual(Array.from(buf), Array.from(stored.data), `momentum of ${name}`);
  });
});

test('fit resumes a 0.1 checkpoint and its next checkpoint has PyTorch names (the re-save path)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-legacy-'));
  try {
    const model = models.resnetCifar({ depth: 8, numClasses: 4, shortcut: 'B', init: 'default' });
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    manualSeed(3);
    const ds = new data.TensorDataset(randn([8, 3, 16, 16]), [0, 1, 2, 3, 0, 1, 2, 3]);
    const out = join(dir, 'next.safetensors');
    const history = await fit(model, ds, {
      epochs: 2,
      batchSize: 4,
      optimizer,
      resume: join(DIR, 'resnet8b-checkpoint.safetensors'),
      callbacks: [new ModelCheckpoint(out)],
      verbose: 0,
    });
    assert.deepEqual(history.epoch, [1], 'epoch 0 came from the checkpoint');
    const next = await loadCheckpoint(out);
    assert.equal(next.meta.epoch, 1);
    assert.ok(next.tensors.has('layer2.0.downsample.1.running_mean') && next.tensors.has('layer1.0.conv2.weight'));
    assert.ok(![...next.tensors.keys()].some((k) => /runningMean|\.body\.|shortcut/.test(k)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the 0.1 keys of resnet18, resnet50 and googlenet (aux) map one to one onto the current keys', () => {
  const cases: [string, () => nn.Module][] = [
    ['resnet18', () => models.resnet18({ init: 'default' })],
    ['resnet50', () => models.resnet50({ init: 'default' })],
    ['googlenetAux', () => models.googlenet({ auxLogits: true, init: 'default' })],
  ];
  for (const [name, build] of cases) {
    const model = build();
    const sd = model.stateDict();
    const now = [...sd.keys()];
    const old = OLD_KEYS[name];
    assert.equal(old.length, now.length, name);
    // key i of 0.1 is key i now (the order of parameters, and of optimizer state, is unchanged)
    assert.deepEqual(old.map(currentKeyName), now, name);
    // a dict with the old keys loads strictly and each tensor lands on its new key
    const values = now.map((k, i) => {
      const t = sd.get(k) as Tensor;
      return t.dtype === 'int32' ? tensor(new Int32Array(t.size).fill(i), t.shape) : null;
    });
    const dict = new Map(old.map((k, i) => [k, values[i] ?? (sd.get(now[i]) as Tensor)]));
    const res = model.loadStateDict(dict);
    assert.ok(res.legacyRenamed.length > 0, name);
    now.forEach((k, i) => {
      if (values[i]) assert.equal(sd.get(k)?.data[0], i, `${name}: ${k}`);
    });
  }
});

test('the map renames only keys the model lacks into keys it has (nn.Residual keeps body/shortcut)', () => {
  assert.equal(currentKeyName('layer1.0.body.0.weight'), 'layer1.0.conv1.weight');
  assert.equal(currentKeyName('layer1.0.body.2.weight'), 'layer1.0.body.2.weight', 'body.2 was a ReLU');
  assert.equal(currentKeyName('inception4e.3.1.bn.runningVar'), 'inception4e.branch4.1.bn.running_var');
  assert.equal(currentKeyName('runningMean.weight'), 'runningMean.weight', 'only a final segment is a buffer');
  const block = new nn.Residual(new nn.Sequential(new nn.Linear(2, 2)), { shortcut: new nn.Linear(2, 2) });
  const own = block.stateDict();
  assert.equal(renameLegacyKeys(own, own), null);
  const res = block.loadStateDict(block.stateDict({ clone: true }));
  assert.deepEqual(res.legacyRenamed, []);
});
