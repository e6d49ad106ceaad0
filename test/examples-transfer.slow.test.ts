/**
 * examples/transfer-learning.ts runs end to end on a small budget (a few images per class, one
 * epoch per stage, 300 test images) and prints the three test accuracies: the shipped LeNet-5
 * backbone frozen with a new head, then fine-tuned, and the same architecture from scratch.
 * The example imports 'convkit', i.e. this package's build: run `npm run build` first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test('examples/transfer-learning.ts fine-tunes the shipped backbone and prints it next to training from scratch', () => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/index.js is missing: run npm run build first');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'examples/transfer-learning.ts',
      '--per-class',
      '5',
      '--head-epochs',
      '1',
      '--tune-epochs',
      '1',
      '--test-limit',
      '300',
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
  assert.match(
    r.stdout,
    /Fashion-MNIST: 50 training images \(5 per class\), 300 test images; backbone: LeNet-5 trained on MNIST \(\d+\.\d\d% on its test set\)/,
  );
  const figure = (label: RegExp): number => {
    const m = new RegExp(`${label.source}: (\\d+\\.\\d\\d)%`).exec(r.stdout);
    assert.ok(m, `no ${label.source} line in:\n${r.stdout}`);
    const v = Number(m[1]);
    assert.ok(v >= 0 && v <= 100, `${label.source}: ${v}`);
    return v;
  };
  figure(/test accuracy, pretrained backbone, head only \(1 epochs\)/);
  figure(/test accuracy, pretrained backbone, then fine-tuned \(\+1 epochs\)/);
  figure(/test accuracy, from scratch \(same 1\+1 epochs, same data\)/);
});
