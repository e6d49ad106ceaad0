/**
 * The README's "Converting a torchvision checkpoint" command: `convkit predict --model resnet18
 * --weights resnet18.pth photo.png` on a state dict that torchvision itself saved (random,
 * seeded weights: nothing is downloaded), with ImageNet normalisation, gives PyTorch's class
 * probabilities for the same picture; --classes names them; --mean/--std are checked.
 * Needs /usr/bin/python3 with torch and torchvision (Debian: apt install python3-torch
 * python3-torchvision) and the built CLI (npm run build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-predict-torchvision-');
const PYTHON = '/usr/bin/python3';

// torchvision's resnet18 with seeded random weights, a 224x224 RGB picture (no resizing, so
// both sides see the same pixels) and PyTorch's softmax over the ImageNet-normalised input.
const SCRIPT = `
import json, sys, torch, torchvision, numpy as np
from PIL import Image
out = sys.argv[1]
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None).eval()
torch.save(m.state_dict(), out + '/resnet18.pth')
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:224, 0:224]
img = np.stack([xx * 255 // 223, yy * 255 // 223, (xx + yy) * 255 // 446], -1).astype(np.uint8)
img[60:160, 60:160] = rng.integers(0, 256, (100, 100, 3), dtype=np.uint8)
Image.fromarray(img, 'RGB').save(out + '/photo.png')
x = torch.tensor(img, dtype=torch.float32).permute(2, 0, 1) / 255
mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
with torch.no_grad():
    p = torch.softmax(m(((x - mean) / std)[None]), 1)[0]
    q = torch.softmax(m(x[None]), 1)[0]
print(json.dumps({'imagenet': p.tolist(), 'raw': q.tolist()}))
`;

function python(): { imagenet: number[]; raw: number[] } {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: install python3-torch and python3-torchvision (apt)`);
  const r = spawnSync(PYTHON, ['-c', SCRIPT, dir], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(
    r.status,
    0,
    `python3 with torch and torchvision is needed (apt install python3-torch python3-torchvision):\n${r.stderr}`,
  );
  return JSON.parse(r.stdout) as { imagenet: number[]; raw: number[] };
}

interface Row {
  label: number;
  name: string;
  probability: number;
  top: { label: number; name: string; probability: number }[];
}

function topOf(p: number[], n: number): { label: number; probability: number }[] {
  return p
    .map((probability, label) => ({ label, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, n);
}

function assertSameTop(got: Row, want: number[], what: string): void {
  const expected = topOf(want, 5);
  assert.deepEqual(
    got.top.map((t) => t.label),
    expected.map((t) => t.label),
    `${what}: top-5 classes`,
  );
  for (let i = 0; i < 5; i++) {
    const rel = Math.abs(got.top[i].probability - expected[i].probability) / expected[i].probability;
    assert.ok(
      rel < 1e-4,
      `${what}: class ${expected[i].label}: ${got.top[i].probability} vs ${expected[i].probability}`,
    );
  }
}

test('predict --model resnet18 --weights a torchvision .pth gives PyTorch probabilities (ImageNet normalisation)', () => {
  const want = python();
  const pth = join(dir, 'resnet18.pth'),
    photo = join(dir, 'photo.png');
  const r = runCli(dir, ['predict', photo, '--model', 'resnet18', '--weights', pth, '--top', '5', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /resnet18\.pth has no convkit metadata: resnet18 with 1000 classes, input \[3, 224, 224\], ImageNet normalisation/,
  );
  assertSameTop(JSON.parse(r.stdout) as Row, want.imagenet, 'ImageNet normalisation');

  // --mean 0 --std 1: the raw [0, 1] pixels, as PyTorch's second forward.
  const raw = runCli(dir, [
    'predict',
    photo,
    '--model',
    'resnet18',
    '--weights',
    pth,
    '--top',
    '5',
    '--json',
    '--mean',
    '0',
    '--std',
    '1',
  ]);
  assert.equal(raw.status, 0, raw.stderr);
  assertSameTop(JSON.parse(raw.stdout) as Row, want.raw, '--mean 0 --std 1');

  // --classes names the classes (one per line), and must have as many as the model.
  const names = Array.from({ length: 1000 }, (_, i) => `class-${i}`);
  writeFileSync(join(dir, 'classes.txt'), names.join('\n') + '\n');
  const named = runCli(dir, [
    'predict',
    photo,
    '--model',
    'resnet18',
    '--weights',
    pth,
    '--classes',
    join(dir, 'classes.txt'),
  ]);
  assert.equal(named.status, 0, named.stderr);
  assert.match(named.stdout, new RegExp(`photo\\.png: class-${topOf(want.imagenet, 1)[0].label} \\(`));
  writeFileSync(join(dir, 'ten.txt'), names.slice(0, 10).join('\n'));
  const short = runCli(dir, [
    'predict',
    photo,
    '--model',
    'resnet18',
    '--weights',
    pth,
    '--classes',
    join(dir, 'ten.txt'),
  ]);
  assert.equal(short.status, 2);
  assert.match(short.stderr, /--classes .*ten\.txt has 10 names but the model has 1000 classes/);
  const badStd = runCli(dir, ['predict', photo, '--model', 'resnet18', '--weights', pth, '--std', '0.2,0,0.2']);
  assert.equal(badStd.status, 2);
  assert.match(
    badStd.stderr,
    /--std must be 1 or 3 comma-separated positive numbers \(one per channel\), got '0.2,0,0.2'/,
  );

  // Without --model the file does not say what it holds.
  const noModel = runCli(dir, ['predict', photo, '--weights', pth]);
  assert.equal(noModel.status, 2);
  assert.match(
    noModel.stderr,
    /resnet18\.pth has no convkit metadata \(not written by 'convkit train'\); pass --model NAME/,
  );
  // The wrong architecture: loadWeights names the keys that do not fit.
  const wrong = runCli(dir, ['predict', photo, '--model', 'resnet34', '--weights', pth]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /loadWeights\(.*resnet18\.pth\): .*missing keys: layer1\.2\./);
});
