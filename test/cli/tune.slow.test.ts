// `convkit lr-find`, `tune` and `finetune` end to end on small data through the built CLI:
// the sweep's JSON and plot; a tune run killed (SIGKILL) after its first trial and resumed gives
// the same results as an uninterrupted run; finetune keeps a frozen backbone bit for bit, rebuilds
// the head for the folder's classes, and unfreezes into a second parameter group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { deserializeSafetensors } from '../../src/io/safetensors.js';
import { loadWeightsFile } from '../../src/io/pytorch/weights-file.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { saveWeights } from '../../src/train/checkpoint.js';
import { encodePng } from '../../src/vision/image.js';
import { lcg } from '../train/synthetic.js';
import { mainJs, oneLine, root, runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-tune-cli-');

test('lr-find prints a suggestion inside the sweep, writes the plot, and --json has the curve', () => {
  const png = join(dir, 'lr.png');
  const r = runCli(dir, [
    'lr-find',
    '--model',
    'mlp',
    '--dataset',
    'mnist',
    '--limit',
    '256',
    '--steps',
    '40',
    '--start-lr',
    '1e-5',
    '--end-lr',
    '10',
    '--out',
    png,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { lrs: number[]; losses: number[]; suggestedLr: number; method: string };
  assert.ok(o.lrs.length >= 3 && o.lrs.length <= 40);
  assert.equal(o.losses.length, o.lrs.length);
  assert.ok(o.suggestedLr > 1e-5 && o.suggestedLr < 10, `suggested ${o.suggestedLr}`);
  assert.equal(o.method, 'steepest descent of the smoothed loss');
  assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  const bad = runCli(dir, ['lr-find', '--model', 'mlp', '--dataset', 'mnist', '--start-lr', '1', '--end-lr', '0.1']);
  assert.equal(bad.status, 2);
  assert.ok(oneLine(bad.stderr));
  assert.match(bad.stderr, /--end-lr \(0\.1\) must be greater than --start-lr \(1\)/);
});

const TUNE = ['tune', '--model', 'lenet5', '--dataset', 'mnist', '--limit', '600', '--grid', 'lr=1e-3,3e-3,1e-2'];

type Trial = { index: number; valLoss: number; valAccuracy: number };
const trials = (d: string): Trial[] =>
  readFileSync(join(d, 'trials.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Trial)
    .sort((a, b) => a.index - b.index);

test('tune killed after its first trial resumes where it stopped and ends as an uninterrupted run', async () => {
  const full = join(dir, 'full');
  const r0 = runCli(dir, [...TUNE, '--out', full]);
  assert.equal(r0.status, 0, r0.stderr);
  assert.match(r0.stdout, /^#\s+lr\s+val loss\s+val acc/m);
  assert.match(
    r0.stdout,
    /^train it: convkit train --model lenet5 --dataset mnist --limit 600 --optimizer adam --lr \S+ --epochs 1 --batch-size 32 --schedule constant$/m,
  );
  const best = JSON.parse(readFileSync(join(full, 'best.json'), 'utf8')) as {
    valAccuracy: number;
    config: { lr: number };
  };
  const all = trials(full);
  assert.equal(all.length, 3);
  assert.equal(best.valAccuracy, Math.max(...all.map((t) => t.valAccuracy)));
  assert.equal(readFileSync(join(full, 'results.csv'), 'utf8').trim().split('\n').length, 4);

  const cut = join(dir, 'cut');
  const child = spawn(process.execPath, [mainJs, ...TUNE, '--out', cut], { cwd: dir, stdio: 'ignore' });
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const file = join(cut, 'trials.jsonl');
  let killed = false;
  while (child.exitCode === null) {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() !== '') {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
    await new Promise((res) => setTimeout(res, 10));
  }
  await done;
  assert.ok(killed, 'the run was killed after its first trial');
  const before = trials(cut).length;
  assert.ok(before >= 1 && before <= 3);
  const r1 = runCli(dir, [...TUNE, '--out', cut]);
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stdout, new RegExp(`; ${before} finished earlier \\(.*trials\\.jsonl\\) are skipped`));
  assert.equal((r1.stdout.match(/^trial \d\/3 /gm) ?? []).length, 3 - before, 'only the unfinished trials train');
  assert.deepEqual(
    trials(cut).map((t) => [t.index, t.valLoss, t.valAccuracy]),
    all.map((t) => [t.index, t.valLoss, t.valAccuracy]),
  );
  // the same directory with other settings is refused rather than mixed
  const r2 = runCli(dir, [...TUNE, '--out', cut, '--epochs', '2']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /holds a search with other settings \(epochs 1 there, 2 now\)/);
});

test('tune --random with k-fold on mlp searches width, depth and dropout; other models refuse them', () => {
  const out = join(dir, 'random');
  const r = runCli(dir, [
    'tune',
    '--model',
    'mlp',
    '--dataset',
    'breast-cancer',
    '--random',
    '3',
    '--space',
    'lr=log:1e-3..1e-1;width=8..32;depth=1,2;dropout=0..0.3',
    '--folds',
    '3',
    '--epochs',
    '2',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { trials: { foldScores: number[]; config: Record<string, number> }[] };
  assert.equal(o.trials.length, 3);
  for (const t of o.trials) {
    assert.equal(t.foldScores.length, 3);
    assert.ok(t.config.width >= 8 && t.config.width <= 32 && Number.isInteger(t.config.width));
  }
  const bad = runCli(dir, ['tune', '--model', 'lenet5', '--dataset', 'mnist', '--grid', 'width=8,16']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /'width' applies to --model mlp only/);
});

/** A folder of 16x16 RGB PNGs, three classes told apart by their bright channel. */
function colourFolder(root: string): void {
  const r = lcg(5);
  ['red', 'green', 'blue'].forEach((cls, c) => {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const px = new Float32Array(3 * 16 * 16);
      for (let j = 0; j < px.length; j++) px[j] = Math.floor(j / 256) === c ? 0.6 + 0.4 * r() : 0.3 * r();
      writeFileSync(join(root, cls, `${i}.png`), encodePng(new Tensor(px, [3, 16, 16])));
    }
  });
}

test('finetune: a frozen backbone stays bit for bit, the head is rebuilt for the classes, unfreezing adds a group', async () => {
  const folder = join(dir, 'colours');
  colourFolder(folder);
  manualSeed(1);
  const src = createModel('resnet18', { inputShape: [3, 16, 16], numClasses: 10 });
  const from = join(dir, 'r18.safetensors');
  await saveWeights(src, from);
  const params = [...src.namedParameters()].map(([k]) => k).filter((k) => !k.startsWith('fc.'));
  const read = (p: string) => deserializeSafetensors(readFileSync(p), p).tensors;
  const base = [
    'finetune',
    '--from',
    from,
    '--model',
    'resnet18',
    '--dataset',
    `folder:${folder}`,
    '--batch-size',
    '6',
  ];

  const headOnly = join(dir, 'head.safetensors');
  const r1 = runCli(dir, [...base, '--epochs', '1', '--out', headOnly]);
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stdout, /head 'fc' rebuilt/);
  const a = read(from);
  const b = read(headOnly);
  for (const k of params) assert.deepEqual(b[k].data, a[k].data, `${k} is frozen`);
  assert.deepEqual(b['fc.weight'].shape, [3, 512]);

  const both = join(dir, 'both.safetensors');
  const r2 = runCli(dir, [...base, '--epochs', '2', '--unfreeze-after', '1', '--lr', '0.01', '--out', both, '--json']);
  assert.equal(r2.status, 0, r2.stderr);
  const lines = r2.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { stage?: string; lr?: number[]; done?: boolean });
  assert.deepEqual(
    lines.slice(0, 2).map((l) => [l.stage, l.lr]),
    [
      ['head', [0.01]],
      ['all', [0.01, 0.001]],
    ],
  );
  assert.equal(lines[2].done, true);
  const c = read(both);
  assert.ok(
    params.some((k) => c[k].data.some((v, i) => v !== a[k].data[i])),
    'the unfrozen backbone trained',
  );

  const lenet = join(dir, 'lenet.safetensors');
  await saveWeights(createModel('lenet5'), lenet);
  const wrong = runCli(dir, ['finetune', '--from', lenet, '--model', 'resnet18', '--dataset', `folder:${folder}`]);
  assert.equal(wrong.status, 1);
  assert.ok(oneLine(wrong.stderr));
  assert.match(wrong.stderr, /are these weights for --model resnet18\?/);
});

test('finetune --from a PyTorch .pth (scripts/gen-finetune-fixtures.py): the backbone keeps the values torch saved', async () => {
  const pth = join(root, 'test', 'fixtures', 'finetune', 'lenet5_torch.pth');
  const out = join(dir, 'lenet-fashion.safetensors');
  const r = runCli(dir, [
    'finetune',
    '--from',
    pth,
    '--model',
    'lenet5',
    '--dataset',
    'fashion-mnist',
    '--limit',
    '64',
    '--epochs',
    '1',
    '--out',
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /head '11' rebuilt \(850 parameters\), PyTorch weights loaded into the other 8 tensors/);
  const torchW = (await loadWeightsFile(pth)).tensors;
  const tuned = deserializeSafetensors(readFileSync(out), out).tensors;
  for (const k of ['0.weight', '0.bias', '3.weight', '7.weight', '9.bias'])
    assert.deepEqual(tuned[k].data, torchW[k].data, k);
  assert.notDeepEqual(tuned['11.weight'].data, torchW['11.weight'].data, 'the head is new and trained');
});

test('examples/lr-find.ts runs the range test and a grid around its suggestion', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/lr-find.ts', '--limit', '600'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lr = /suggested lr (\S+) \(steepest descent/.exec(r.stdout);
  assert.ok(lr, r.stdout);
  assert.equal((r.stdout.match(/^lr \S+\s+val loss/gm) ?? []).length, 3);
  assert.match(r.stdout, /^best: lr \S+$/m);
});
