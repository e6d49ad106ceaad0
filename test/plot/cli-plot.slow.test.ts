// `convkit plot` and `convkit train --plot` through the built CLI (npm run build first): every
// PNG decodes to the size the command prints, every SVG parses with its title, axes and legend;
// usage mistakes exit 2 and failures exit 1, each with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLine, runCli, tempDir } from '../cli/run-cli.js';
import { assertFigure, assertPng } from './svg-check.js';

const dir = tempDir(test.after, 'convkit-plot-cli-');

/** The size `convkit plot --json` reports. */
function reported(stdout: string): {
  out: string;
  kind: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
} {
  return JSON.parse(stdout.trim()) as {
    out: string;
    kind: string;
    format: string;
    width: number;
    height: number;
    bytes: number;
  };
}

test('train --plot draws the curves at the end; plot redraws them, the LR schedule, the confusion matrix and the weights', () => {
  const t = runCli(dir, [
    'train',
    '--model',
    'lenet5',
    '--dataset',
    'mnist',
    '--limit',
    '200',
    '--epochs',
    '2',
    '--val-fraction',
    '0.25',
    '--batch-size',
    '50',
    '--csv',
    'h.csv',
    '--plot',
    'curves.png',
    '--out',
    'w.safetensors',
  ]);
  assert.equal(t.status, 0, t.stderr);
  assertPng(new Uint8Array(readFileSync(join(dir, 'curves.png'))), 1000, 460);

  const svg = runCli(dir, ['plot', 'h.csv', '--out', 'curves.svg', '--json']);
  assert.equal(svg.status, 0, svg.stderr);
  assert.deepEqual(reported(svg.stdout).width, 1000);
  assertFigure(readFileSync(join(dir, 'curves.svg'), 'utf8'), {
    title: 'Learning curves',
    width: 1000,
    height: 460,
    legend: ['train loss', 'validation loss', 'test loss', 'train accuracy', 'validation accuracy'],
  });

  const lr = runCli(dir, [
    'plot',
    'h.csv',
    '--kind',
    'lr',
    '--out',
    'lr.png',
    '--width',
    '500',
    '--height',
    '300',
    '--scale',
    '2',
    '--json',
  ]);
  assert.equal(lr.status, 0, lr.stderr);
  assert.deepEqual([reported(lr.stdout).width, reported(lr.stdout).height], [1000, 600]);
  assertPng(new Uint8Array(readFileSync(join(dir, 'lr.png'))), 1000, 600, 2);

  const ev = runCli(dir, ['eval', '--weights', 'w.safetensors', '--limit', '200', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  writeFileSync(join(dir, 'eval.json'), ev.stdout);
  const cm = runCli(dir, ['plot', 'eval.json', '--out', 'cm.png', '--json']);
  assert.equal(cm.status, 0, cm.stderr);
  assert.equal(reported(cm.stdout).kind, 'confusion');
  assertPng(new Uint8Array(readFileSync(join(dir, 'cm.png'))), 640, 600);
  const acc = runCli(dir, ['plot', 'eval.json', '--kind', 'class-accuracy', '--out', 'acc.svg']);
  assert.equal(acc.status, 0, acc.stderr);
  assertFigure(readFileSync(join(dir, 'acc.svg'), 'utf8'), {
    title: 'Accuracy per class',
    width: 720,
    height: 420,
    legend: ['class accuracy'],
  });

  const w = runCli(dir, ['plot', 'w.safetensors', '--out', 'weights.png', '--json']);
  assert.equal(w.status, 0, w.stderr);
  const r = reported(w.stdout);
  assert.equal(r.kind, 'weights');
  assertPng(new Uint8Array(readFileSync(join(dir, 'weights.png'))), r.width, r.height);
});

test('plot: usage mistakes exit 2, unreadable or malformed inputs exit 1, one line each, nothing written', () => {
  writeFileSync(join(dir, 'bad.csv'), 'epoch,loss\n0,zz\n');
  writeFileSync(join(dir, 'ok.csv'), 'epoch,loss\n0,1\n1,0.5\n');
  const cases: [string[], number, RegExp][] = [
    [['plot', 'ok.csv', '--out', 'x.jpg'], 2, /--out: 'x\.jpg' must end in \.svg or \.png/],
    [['plot', 'ok.csv'], 2, /--out FIGURE\.png or FIGURE\.svg is required/],
    [['plot', '--out', 'x.png'], 2, /give exactly one input file/],
    [['plot', 'ok.csv', '--out', 'x.png', '--kind', 'pie'], 2, /--kind/],
    [['plot', 'ok.csv', '--out', 'x.png', '--scale', '9'], 2, /--scale must be in \(0, 8\], got 9/],
    [['plot', 'missing.csv', '--out', 'x.png'], 1, /cannot read missing\.csv: ENOENT/],
    [
      ['plot', 'bad.csv', '--out', 'x.png'],
      1,
      /^convkit plot: bad\.csv: line 2, column 'loss': 'zz' is not a number$/m,
    ],
    [['plot', 'ok.csv', '--out', 'x.png', '--kind', 'lr'], 1, /ok\.csv: no 'lr' column/],
    [['train', '--plot', 'c.gif', '--limit', '10'], 2, /--plot c\.gif: the file name must end in \.png or \.svg/],
  ];
  for (const [args, code, re] of cases) {
    const r = runCli(dir, args);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.match(r.stderr, re);
  }
  assert.throws(() => readFileSync(join(dir, 'x.png')), /ENOENT/, 'no figure was written');
});
