// Area A (augment): --augment specs (presets, item lists, merging, channel rules, errors) and
// the `convkit augment` command run in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, Tensor } from '../../src/index.js';
import {
  AUGMENT_ITEMS,
  AUGMENT_PRESETS,
  Compose,
  CutMix,
  MixUp,
  mirrorSafe,
  parseAugment,
  PixelSpace,
  RandomChoiceBatch,
  RandomHorizontalFlip,
} from '../../src/data/index.js';
import { augmentCommand, augmentListText, augmentPreview } from '../../src/cli/commands/augment.js';
import { assertClose } from '../helpers/check.js';

const GREY = { numClasses: 10, channels: 1 };
const RGB = { numClasses: 10, channels: 3 };

test('every preset parses for grey and RGB data and runs on a batch; none is empty', () => {
  const names = AUGMENT_PRESETS.map((p) => p.name);
  assert.deepEqual(names, ['none', 'light', 'standard', 'strong', 'randaugment', 'trivialaugment', 'mixup', 'cutmix']);
  for (const p of AUGMENT_PRESETS)
    for (const o of [GREY, RGB]) {
      const a = parseAugment(p.name, o);
      assert.equal(p.name === 'none', a.transform === null && a.batchTransform === null, p.name);
      const x = new Tensor(new Float32Array(4 * o.channels * 16).fill(0.5), [4, o.channels, 4, 4]);
      const y = new Tensor(Int32Array.from([0, 1, 2, 3]), [4]);
      const t = a.transform ? a.transform.apply(x) : x;
      assert.deepEqual(t.shape, x.shape);
      if (a.batchTransform) assert.deepEqual(a.batchTransform.apply(t, y).y.shape, [4, 10]);
    }
  assert.equal(parseAugment('none', GREY).description, 'none');
});

test('item lists: order kept, affine and jitter items merged, later items override, presets inside lists', () => {
  const a = parseAugment('hflip,rotate=10,erase=0.25,mixup=0.2', GREY);
  assert.equal(
    a.description,
    'Compose(RandomHorizontalFlip(p=0.5), RandomAffine(degrees=[-10, 10]), RandomErasing(p=0.25, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)); batch: MixUp(alpha=0.2, num_classes=10)',
  );
  const b = parseAugment('rotate=5,hflip=0.3,shear=7,scale=0.2,translate=0.1,brightness=0.1,contrast=0.3', GREY);
  assert.equal(
    b.description,
    'Compose(RandomAffine(degrees=[-5, 5], translate=(0.1, 0.1), scale=(0.8, 1.2), shear=[-7, 7, 0, 0]), RandomHorizontalFlip(p=0.3), ColorJitter(brightness=(0.9, 1.1), contrast=(0.7, 1.3)))',
  );
  // 'light' then a second hflip: overridden in place
  const c = parseAugment('light,hflip=0.9', RGB);
  assert.ok(c.transform instanceof Compose);
  assert.equal((c.transform.transforms[1] as RandomHorizontalFlip).p, 0.9);
  // jitter on RGB adds saturation and hue v/4
  assert.match(parseAugment('jitter=0.4', RGB).description, /saturation=\(0.6, 1.4\), hue=\(-0.1, 0.1\)/);
  assert.doesNotMatch(parseAugment('jitter=0.4', GREY).description, /saturation|hue/);
  // randaugment alone is the preset (crop, flip, RandAugment); inside a list the item alone
  assert.match(parseAugment('randaugment', RGB).description, /^Compose\(RandomCrop.*RandAugment/);
  assert.equal(
    parseAugment('vflip,randaugment=5', RGB).description,
    'Compose(RandomVerticalFlip(p=0.5), RandAugment(num_ops=2, magnitude=5, num_magnitude_bins=31))',
  );
  const both = parseAugment('mixup,cutmix', GREY).batchTransform;
  assert.ok(both instanceof RandomChoiceBatch);
  assert.ok(both.transforms[0] instanceof MixUp && both.transforms[1] instanceof CutMix);
});

test('presets drop RGB-only items on grey data and flips when mirroring changes the class', () => {
  assert.doesNotMatch(parseAugment('strong', GREY).description, /Grayscale/);
  assert.match(parseAugment('strong', RGB).description, /RandomGrayscale\(p=0.1\)/);
  assert.doesNotMatch(parseAugment('light', { ...GREY, hflip: false }).description, /HorizontalFlip/);
  assert.match(parseAugment('light,hflip', { ...GREY, hflip: false }).description, /HorizontalFlip/);
  assert.equal(mirrorSafe('mnist'), false);
  assert.equal(mirrorSafe('mnist-seg'), false);
  assert.equal(mirrorSafe('fashion-mnist'), true);
  assert.equal(mirrorSafe('cifar10'), true);
});

test('bad specs throw RangeErrors naming the item and listing the valid ones', () => {
  assert.throws(
    () => parseAugment('hflip,wobble=3', GREY),
    (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /augment: bad item 'wobble=3' in 'hflip,wobble=3': unknown name 'wobble'/);
      assert.match(
        e.message,
        /valid: presets: none, light, standard, strong, randaugment, trivialaugment, mixup, cutmix; items: hflip\[=v\]/,
      );
      for (const k of Object.keys(AUGMENT_ITEMS)) assert.ok(e.message.includes(k), k);
      return true;
    },
  );
  assert.throws(() => parseAugment('rotate=abc', GREY), /bad item 'rotate=abc' in 'rotate=abc': 'abc' is not a number/);
  assert.throws(() => parseAugment('hflip=1.5', GREY), /bad item 'hflip=1.5'.*hflip must be in \[0, 1\], got 1.5/);
  assert.throws(() => parseAugment('crop=1.5', GREY), /crop must be an integer, got 1.5/);
  assert.throws(
    () => parseAugment('gray', GREY),
    /bad item 'gray' in 'gray': gray needs RGB images \(3 channels\), the data have 1/,
  );
  assert.throws(() => parseAugment('trivialaugment=3', GREY), /trivialaugment takes no value/);
  assert.throws(
    () => parseAugment('mixup', { numClasses: 1, channels: 1 }),
    /bad item 'mixup=0.2' in 'mixup': mixup needs a classification task with 2\+ classes, got numClasses 1/,
  );
  assert.throws(
    () => parseAugment('light', { numClasses: 0, channels: 1 }),
    /augment: numClasses must be a positive integer/,
  );
});

test('normalised data are augmented in pixel space and come back normalised', () => {
  const stats = { mean: [0.5], std: [0.25] };
  const a = parseAugment('brightness=0', { ...GREY, normalize: stats }); // factor in [1, 1]: the identity
  // brightness=0 gives the range (1, 1): ColorJitter with nothing to do
  const pixels = new Tensor(Float32Array.from([0, 0.25, 0.5, 1]), [1, 1, 2, 2]);
  const normalised = pixels.sub(0.5).div(0.25);
  assert.ok(a.transform instanceof PixelSpace);
  assertClose(a.transform.apply(normalised), normalised, { atol: 1e-6 });
  // brightness x2 on pixels: clamp(2p) normalised, not 2 * normalised
  const b = parseAugment('brightness=1', { ...GREY, normalize: stats });
  manualSeed(1);
  const out = (b.transform as PixelSpace).apply(normalised);
  const back = Array.from(out.data, (v) => v * 0.25 + 0.5);
  assert.ok(
    back.every((v) => v >= -1e-6 && v <= 1 + 1e-6),
    `pixels ${back}`,
  );
  assert.match(b.description, /on pixels \(data normalised with Normalize\(mean=\[0.5\], std=\[0.25\]\)\)/);
});

test('convkit augment --preview writes a captioned grid; --list text; usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-augment-'));
  try {
    const out = join(dir, 'grid.svg');
    const r = await augmentPreview({ dataset: 'mnist', augment: 'light,mixup', out, count: 6, seed: 2 });
    assert.equal(r.count, 6);
    assert.doesNotMatch(r.description, /HorizontalFlip/); // presets do not mirror digits
    const svg = readFileSync(out, 'utf8');
    assert.equal((svg.match(/<image /g) ?? []).length, 6);
    assert.match(svg, /mnist, --augment light,mixup \(seed 2\)/);
    assert.match(svg, />\d+% \d( \+ \d+% \d)?</); // mixed-label captions
    const again = join(dir, 'again.svg');
    await augmentPreview({ dataset: 'mnist', augment: 'light,mixup', out: again, count: 6, seed: 2 });
    assert.equal(readFileSync(again, 'utf8'), svg, 'the same seed draws the same grid');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(augmentListText(), /presets:\n {2}none/);
  assert.match(augmentListText(), /randaugment\[=9\]/);
  await assert.rejects(augmentCommand(['--dataset', 'mnist']), /give --preview/);
  await assert.rejects(
    augmentCommand(['--preview', '--dataset', 'mnist', '--augment', 'gray', '--out', join(dir, 'g.svg')]),
    /gray needs RGB images \(3 channels\), the data have 1/,
  );
  await assert.rejects(
    augmentCommand(['--preview', '--dataset', 'breast-cancer', '--out', 'x.png']),
    /breast-cancer holds 1-D samples, not images/,
  );
  await assert.rejects(
    augmentCommand(['--preview', '--dataset', 'mnist', '--out', 'x.gif']),
    /--out must end in .png or .svg/,
  );
});
