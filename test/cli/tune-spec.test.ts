// The pieces of convkit tune / lr-find / finetune that need no process: --grid and --space
// parsing, which models take width/depth/dropout, --resize, the head a finetune replaces, the
// results CSV and the lr-find figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/models/registry.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { lrFindFigure } from '../../src/cli/commands/lr-find.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headPath, loadModelData, parseResize } from '../../src/cli/commands/tune-common.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { encodePng } from '../../src/vision/image.js';
import { checkModelParams, modelForConfig, parseGrid, parseSpace } from '../../src/cli/commands/tune-spec.js';
import { resultsCsv, resultsTable } from '../../src/cli/commands/tune.js';
import type { TuneResult } from '../../src/train/tune.js';

test('--grid maps CLI names to tune names with typed values; mistakes name the item', () => {
  assert.deepEqual(parseGrid('lr=1e-3,1e-2; batch-size=32,64;optimizer=adam,sgd'), {
    lr: [1e-3, 1e-2],
    batchSize: [32, 64],
    optimizer: ['adam', 'sgd'],
  });
  assert.throws(() => parseGrid('learning-rate=1'), /unknown hyper-parameter 'learning-rate' \(known: lr, batch-size/);
  assert.throws(() => parseGrid('batch-size=3.5'), /batch-size must be a whole number, got '3.5'/);
  assert.throws(() => parseGrid('lr=fast'), /lr value 'fast' is not a number/);
  assert.throws(() => parseGrid('lr'), /'lr' is not NAME=VALUES/);
  assert.throws(() => parseGrid('lr=1;lr=2'), /'lr' is given twice/);
  assert.throws(() => parseGrid(' ; '), /--grid is empty/);
});

test('--space reads choices, uniform and log-uniform ranges (integer for counts)', () => {
  assert.deepEqual(parseSpace('lr=log:1e-4..1e-1;dropout=0..0.5;width=16..64;optimizer=adam,sgd;depth=1,2'), {
    lr: { min: 1e-4, max: 1e-1, log: true, integer: false },
    dropout: { min: 0, max: 0.5, log: false, integer: false },
    width: { min: 16, max: 64, log: false, integer: true },
    optimizer: { values: ['adam', 'sgd'] },
    depth: { values: [1, 2] },
  });
  assert.throws(() => parseSpace('lr=log:0..1'), /lr range 0\.\.1 needs LO <= HI and LO > 0/);
  assert.throws(() => parseSpace('dropout=0.5..0.1'), /dropout range 0\.5\.\.0\.1 needs LO <= HI/);
});

test('width, depth and dropout shape mlp only', () => {
  const m = modelForConfig('mlp', { width: 12, depth: 3, dropout: 0.25 }, { inputShape: [1, 4, 4], numClasses: 5 });
  const linears = [...m.modules()].filter((x): x is Linear => x instanceof Linear);
  assert.deepEqual(
    linears.map((l) => [l.inFeatures, l.outFeatures]),
    [
      [16, 12],
      [12, 12],
      [12, 12],
      [12, 5],
    ],
  );
  assert.equal([...m.modules()].filter((x) => x instanceof Dropout).length, 3);
  const plain = modelForConfig('mlp', { lr: 0.1 }, { inputShape: [30], numClasses: 2 });
  assert.deepEqual(
    [...plain.modules()].filter((x): x is Linear => x instanceof Linear).map((l) => l.outFeatures),
    [300, 100, 2],
    'no width/depth: the registry mlp',
  );
  assert.doesNotThrow(() => checkModelParams('mlp', [{ width: 8 }]));
  assert.throws(
    () => checkModelParams('lenet5', [{ lr: 1 }, { dropout: 0.1 }]),
    /'dropout' applies to --model mlp only/,
  );
});

test('--resize and the head a finetune rebuilds', () => {
  assert.deepEqual(parseResize('32x48'), [32, 48]);
  assert.deepEqual(parseResize('64'), [64, 64]);
  assert.equal(parseResize(undefined), undefined);
  assert.throws(() => parseResize('0x4'), /--resize must be HxW/);
  assert.equal(headPath(createModel('resnet20', { numClasses: 3 }), 'resnet20'), 'fc');
  const lenet = createModel('lenet5', { numClasses: 4 });
  const head = lenet.getSubmodule(headPath(lenet, 'lenet5'));
  assert.ok(head instanceof Linear && head.outFeatures === 4, 'the last Linear, the logits');
  assert.throws(
    () => headPath(createModel('unet', { inputShape: [1, 8, 8] }), 'unet'),
    /unet has no Linear layer to replace/,
  );
});

test('results table and CSV mark the best trial; diverged trials show as such', () => {
  const r: TuneResult = {
    objective: 'valLoss',
    trials: [
      {
        index: 0,
        key: '',
        config: { lr: 0.1, batchSize: 32 },
        score: 0.5,
        valLoss: 0.5,
        valAccuracy: 0.8,
        foldScores: [0.5],
        diverged: false,
        seconds: 1,
      },
      {
        index: 1,
        key: '',
        config: { lr: 10, batchSize: 32 },
        score: null,
        valLoss: null,
        valAccuracy: null,
        foldScores: [null],
        diverged: true,
        seconds: 1,
      },
    ],
    best: null,
  };
  r.best = r.trials[0];
  const csv = resultsCsv(r, ['lr', 'batchSize']).trim().split('\n');
  assert.deepEqual(csv, [
    'trial,lr,batch-size,val_loss,val_accuracy,score,diverged,seconds,best',
    '1,0.1,32,0.5,0.8,0.5,false,1.000,true',
    '2,10,32,,,,true,1.000,false',
  ]);
  const table = resultsTable(r, ['lr', 'batchSize']).split('\n');
  assert.match(table[1], /^1\*\s+0\.1\s+32\s+0\.5000\s+80\.00%/);
  assert.match(table[2], /^2\s+10\s+32\s+diverged/);
});

test('the lr-find figure marks the suggestion on a log10(lr) axis', () => {
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1];
  const svg = lrFindFigure(
    {
      lrs,
      losses: [2, 1.9, 1.2, 1.0, 3],
      rawLosses: [2, 1.8, 1.0, 0.9, 9],
      diverged: true,
      minLoss: 1,
      minLossLr: 0.1,
      suggestion: { lr: 1e-2, index: 2, slope: -0.6, method: 'steepest descent of the smoothed loss' },
    },
    'LR range test',
  );
  assert.match(svg, /log10\(learning rate\)/);
  assert.match(svg, /suggestion 0\.010/);
  assert.match(svg, /data-name="smoothed loss"/);
});

test('loadModelData resizes a folder for the model, picks the task and loss, refuses a model that cannot do the task', async () => {
  const root = mkdtempSync(join(tmpdir(), 'convkit-tune-folder-'));
  try {
    for (const cls of ['a', 'b']) {
      mkdirSync(join(root, cls));
      for (let i = 0; i < 3; i++)
        writeFileSync(
          join(root, cls, `${i}.png`),
          encodePng(new Tensor(new Float32Array(32 * 32).fill(i / 3), [1, 32, 32])),
        );
    }
    const md = await loadModelData({ model: 'lenet5', dataset: `folder:${root}` });
    assert.deepEqual(md.autoResized, [28, 28]);
    assert.deepEqual(md.loaded.inputShape, [3, 28, 28], 'folders load as RGB');
    assert.equal(md.loss, 'crossEntropy');
    assert.equal(md.classify, true);
    const own = await loadModelData({ model: 'resnet20', dataset: `folder:${root}`, resize: '8x8' });
    assert.deepEqual([own.autoResized, own.loaded.inputShape], [null, [3, 8, 8]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const seg = await loadModelData({ model: 'unet', dataset: 'mnist-seg', limit: '4' });
  assert.deepEqual([seg.task, seg.loss, seg.classify], ['segmentation', 'bceWithLogits', false]);
  await assert.rejects(
    loadModelData({ model: 'lenet5', dataset: 'mnist-seg', limit: '4' }),
    /--model lenet5 cannot train on mnist-seg/,
  );
  await assert.rejects(loadModelData({ dataset: 'mnist' }), /--model is required/);
});
