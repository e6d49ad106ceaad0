/**
 * `--augment SPEC`: a preset name ('light', 'strong', ...) or a comma list of items such as
 * 'hflip,rotate=10,erase=0.25,mixup=0.2' (presets may appear in lists: 'light,erase=0.5'; the
 * names that are both a preset and an item, e.g. randaugment or mixup, are the preset alone and
 * the item inside a list),
 * turned into a per-image Transform and a batch-level BatchTransform (MixUp/CutMix) with a
 * torchvision-style description. A later item of the same name overrides the earlier one in
 * place; rotate/translate/scale/shear merge into one RandomAffine and
 * jitter/brightness/contrast/saturation/hue into one ColorJitter.
 */
import { Compose, GaussianNoise, RandomHorizontalFlip, RandomVerticalFlip, type Transform } from '../transforms.js';
import { RandomAffine, type RandomAffineOptions } from '../transforms.js';
import { RandAugment, TrivialAugmentWide } from './auto.js';
import {
  ColorJitter,
  Cutout,
  GaussianBlur,
  RandomChannelDropout,
  RandomChannelPermutation,
  RandomErasing,
  RandomGrayscale,
  type ColorJitterOptions,
} from './color.js';
import { PadCrop, RandomResizedCrop } from './geometric.js';
import { CutMix, MixUp, RandomChoiceBatch, type BatchTransform } from './mix.js';
import { PixelSpace, type NormalizeStats } from './pixel-space.js';

/** What parseAugment needs to know about the data. */
export interface AugmentOptions {
  /** Number of classes (MixUp/CutMix one-hot width). */
  numClasses: number;
  /** Image channels (1 = grey, 3 = RGB): colour items need 3. */
  channels: number;
  /**
   * The per-channel statistics the data were normalised with, if any: the augmentations then
   * run on pixel values (undo, augment, redo), as torchvision's augment-then-Normalize order.
   */
  normalize?: NormalizeStats | null;
  /**
   * Whether presets include a horizontal flip (default true); false for data whose classes
   * change under mirroring (digits, letters). An explicit 'hflip' item is always honoured.
   */
  hflip?: boolean;
}

/** What parseAugment returns. */
export interface ParsedAugment {
  /** The per-image transform for DataLoader's `transform` (null: none). */
  transform: Transform | null;
  /** The batch-level label-mixing transform for DataLoader's `batchTransform` (null: none). */
  batchTransform: BatchTransform | null;
  /** torchvision-style description of both, e.g. 'RandomHorizontalFlip(p=0.5); batch: MixUp(alpha=0.2, ...)'. */
  description: string;
}

/** A named preset. */
export interface AugmentPreset {
  /** The preset's name, as `--augment` takes it. */
  name: string;
  /** The item list it stands for (before channel-dependent items are dropped). */
  spec: string;
  /** What the preset does, in words. */
  description: string;
}

/** The presets of --augment, with the item lists they expand to. */
export const AUGMENT_PRESETS: readonly AugmentPreset[] = [
  { name: 'none', spec: '', description: 'no augmentation' },
  { name: 'light', spec: 'crop,hflip', description: 'padded random crop + horizontal flip (the CIFAR recipe)' },
  {
    name: 'standard',
    spec: 'crop,hflip,rotate=10,scale=0.1,jitter=0.2,erase=0.25',
    description: 'crop, flip, small rotation and zoom, colour jitter 0.2, random erasing p=0.25',
  },
  {
    name: 'strong',
    spec: 'rrc=0.35,hflip,rotate=15,shear=10,jitter=0.4,gray=0.1,blur=1,erase=0.5',
    description: 'resized crop (35-100% area), flip, rotation, shear, jitter 0.4, grayscale, blur, erasing p=0.5',
  },
  {
    name: 'randaugment',
    spec: 'crop,hflip,randaugment=9',
    description: 'crop, flip, RandAugment (2 ops, magnitude 9)',
  },
  { name: 'trivialaugment', spec: 'crop,hflip,trivialaugment', description: 'crop, flip, TrivialAugmentWide' },
  { name: 'mixup', spec: 'mixup=0.2', description: 'batch MixUp with alpha 0.2 (soft labels)' },
  { name: 'cutmix', spec: 'cutmix=1', description: 'batch CutMix with alpha 1 (soft labels)' },
];

/** One list item: its default value, what the value means, and whether it needs RGB. */
interface ItemDef {
  def: number | null;
  help: string;
  rgb?: boolean;
  min?: number;
  max?: number;
  integer?: boolean;
}

/** The items of a --augment list (name[=value]). */
export const AUGMENT_ITEMS: Readonly<Record<string, ItemDef>> = {
  hflip: { def: 0.5, help: 'horizontal flip with probability p', min: 0, max: 1 },
  vflip: { def: 0.5, help: 'vertical flip with probability p', min: 0, max: 1 },
  crop: { def: null, help: 'zero-pad by N pixels (default side/8) and crop back', min: 0, integer: true },
  rrc: { def: 0.08, help: 'RandomResizedCrop with area fraction in [v, 1]', min: 0.01, max: 1 },
  rotate: { def: 15, help: 'rotation by up to ±v degrees', min: 0, max: 180 },
  translate: { def: 0.1, help: 'shift by up to v of the width/height', min: 0, max: 1 },
  scale: { def: 0.1, help: 'zoom by a factor in [1 - v, 1 + v]', min: 0, max: 0.99 },
  shear: { def: 10, help: 'shear along x by up to ±v degrees', min: 0, max: 89 },
  jitter: { def: 0.4, help: 'ColorJitter: brightness/contrast/saturation v, hue v/4', min: 0 },
  brightness: { def: 0.4, help: 'brightness factor in [1 - v, 1 + v]', min: 0 },
  contrast: { def: 0.4, help: 'contrast factor in [1 - v, 1 + v]', min: 0 },
  saturation: { def: 0.4, help: 'saturation factor in [1 - v, 1 + v]', rgb: true, min: 0 },
  hue: { def: 0.1, help: 'hue shift in [-v, v] turns', rgb: true, min: 0, max: 0.5 },
  gray: { def: 0.1, help: 'grayscale with probability p', rgb: true, min: 0, max: 1 },
  shuffle: { def: 0.5, help: 'channel shuffle with probability p', rgb: true, min: 0, max: 1 },
  chdrop: { def: 0.2, help: 'drop one channel with probability p', rgb: true, min: 0, max: 1 },
  blur: { def: 1, help: 'Gaussian blur (p=0.5), sigma in [0.1, v]', min: 0.1, max: 10 },
  noise: { def: 0.05, help: 'additive Gaussian noise with std v', min: 0 },
  erase: { def: 0.25, help: 'RandomErasing with probability p', min: 0, max: 1 },
  cutout: { def: 0.5, help: 'Cutout: a square of side v x image side', min: 0.01, max: 1 },
  randaugment: { def: 9, help: 'RandAugment, 2 ops at magnitude v (0-30)', min: 0, max: 30, integer: true },
  trivialaugment: { def: null, help: 'TrivialAugmentWide' },
  mixup: { def: 0.2, help: 'batch MixUp, lambda ~ Beta(v, v)', min: 0.001 },
  cutmix: { def: 1, help: 'batch CutMix, lambda ~ Beta(v, v)', min: 0.001 },
};

/**
 * Whether a dataset's classes survive a left-right mirror (presets' horizontal flip): false for
 * the digit datasets (mnist, mnist-seg: a mirrored 2 or 7 is no digit), true otherwise.
 */
export function mirrorSafe(datasetName: string): boolean {
  return !/^mnist($|-)/.test(datasetName);
}

const AFFINE = ['rotate', 'translate', 'scale', 'shear'];
const JITTER = ['jitter', 'brightness', 'contrast', 'saturation', 'hue'];

function validList(): string {
  return `presets: ${AUGMENT_PRESETS.map((p) => p.name).join(', ')}; items: ${Object.keys(AUGMENT_ITEMS)
    .map((k) => (AUGMENT_ITEMS[k].def === null && k !== 'crop' ? k : `${k}[=v]`))
    .join(', ')}`;
}

function fail(spec: string, item: string, why: string): never {
  throw new RangeError(`augment: bad item '${item}' in '${spec}': ${why} (valid: ${validList()})`);
}

/** Item name -> value (null = default), in first-appearance order; presets expanded. */
function collect(spec: string, opts: AugmentOptions): Map<string, number | null> {
  const items = new Map<string, number | null>();
  const add = (raw: string, fromPreset: boolean): void => {
    const item = raw.trim();
    if (item === '') return;
    // a preset name expands, unless it is also an item name inside a list ('light,randaugment')
    const preset = fromPreset ? undefined : AUGMENT_PRESETS.find((p) => p.name === item);
    if (preset && (whole || !(item in AUGMENT_ITEMS))) {
      for (const sub of preset.spec.split(',')) add(sub, true);
      return;
    }
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const def = AUGMENT_ITEMS[name];
    if (!def) fail(spec, item, `unknown name '${name}'`);
    let value: number | null = null;
    if (eq >= 0) {
      const text = item.slice(eq + 1).trim();
      value = Number(text);
      if (text === '' || !Number.isFinite(value)) fail(spec, item, `'${text}' is not a number`);
      if (name === 'trivialaugment') fail(spec, item, 'trivialaugment takes no value');
      if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max))
        fail(spec, item, `${name} must be in [${def.min ?? '-inf'}, ${def.max ?? 'inf'}], got ${value}`);
      if (def.integer && !Number.isInteger(value)) fail(spec, item, `${name} must be an integer, got ${value}`);
    }
    if ((name === 'mixup' || name === 'cutmix') && opts.numClasses < 2)
      fail(spec, item, `${name} needs a classification task with 2+ classes, got numClasses ${opts.numClasses}`);
    if (fromPreset) {
      if (name === 'hflip' && opts.hflip === false) return;
      if (def.rgb && opts.channels !== 3) return;
    } else if (def.rgb && opts.channels !== 3) {
      fail(spec, item, `${name} needs RGB images (3 channels), the data have ${opts.channels}`);
    }
    items.set(name, value);
  };
  const whole = !spec.includes(',');
  for (const part of spec.split(',')) add(part, false);
  return items;
}

function checkOptions(opts: AugmentOptions): void {
  if (!opts || !Number.isInteger(opts.numClasses) || opts.numClasses < 1)
    throw new RangeError(`augment: numClasses must be a positive integer, got ${String(opts?.numClasses)}`);
  if (!Number.isInteger(opts.channels) || opts.channels < 1)
    throw new RangeError(`augment: channels must be a positive integer, got ${String(opts.channels)}`);
}

/**
 * Parses a --augment spec (a preset or a comma list of items) into a per-image transform and a
 * batch transform; invalid specs throw a RangeError naming the bad item and the valid ones.
 */
export function parseAugment(spec: string, opts: AugmentOptions): ParsedAugment {
  checkOptions(opts);
  if (typeof spec !== 'string') throw new RangeError(`augment: spec must be a string (valid: ${validList()})`);
  const items = collect(spec, opts);
  const v = (name: string): number => items.get(name) ?? (AUGMENT_ITEMS[name].def as number);
  const perImage: Transform[] = [];
  const batch: BatchTransform[] = [];
  let affineDone = false,
    jitterDone = false;
  for (const name of items.keys()) {
    if (AFFINE.includes(name)) {
      if (affineDone) continue;
      affineDone = true;
      const o: RandomAffineOptions = {};
      if (items.has('rotate')) o.degrees = v('rotate');
      if (items.has('translate')) o.translate = v('translate');
      if (items.has('scale')) o.scale = [1 - v('scale'), 1 + v('scale')];
      if (items.has('shear')) o.shear = v('shear');
      perImage.push(new RandomAffine(o));
      continue;
    }
    if (JITTER.includes(name)) {
      if (jitterDone) continue;
      jitterDone = true;
      const rgb = opts.channels === 3;
      const o: ColorJitterOptions = {};
      if (items.has('jitter')) {
        const j = v('jitter');
        o.brightness = j;
        o.contrast = j;
        if (rgb) {
          o.saturation = j;
          o.hue = Math.min(0.5, j / 4);
        }
      }
      for (const k of ['brightness', 'contrast', 'saturation', 'hue'] as const) if (items.has(k)) o[k] = v(k);
      perImage.push(new ColorJitter(o));
      continue;
    }
    switch (name) {
      case 'hflip':
        perImage.push(new RandomHorizontalFlip(v(name)));
        break;
      case 'vflip':
        perImage.push(new RandomVerticalFlip(v(name)));
        break;
      case 'crop':
        perImage.push(new PadCrop(items.get(name) ?? null));
        break;
      case 'rrc':
        perImage.push(new RandomResizedCrop(null, { scale: [v(name), 1] }));
        break;
      case 'gray':
        perImage.push(new RandomGrayscale(v(name)));
        break;
      case 'shuffle':
        perImage.push(new RandomChannelPermutation(v(name)));
        break;
      case 'chdrop':
        perImage.push(new RandomChannelDropout({ p: v(name) }));
        break;
      case 'blur': {
        const s = v(name);
        perImage.push(new GaussianBlur(2 * Math.ceil(2 * s) + 1, { sigma: [Math.min(0.1, s), s], p: 0.5 }));
        break;
      }
      case 'noise':
        perImage.push(new GaussianNoise({ std: v(name) }));
        break;
      case 'erase':
        perImage.push(new RandomErasing({ p: v(name) }));
        break;
      case 'cutout':
        perImage.push(new Cutout({ size: v(name) }));
        break;
      case 'randaugment':
        perImage.push(new RandAugment({ magnitude: v(name) }));
        break;
      case 'trivialaugment':
        perImage.push(new TrivialAugmentWide());
        break;
      case 'mixup':
        batch.push(new MixUp({ numClasses: opts.numClasses, alpha: v(name) }));
        break;
      case 'cutmix':
        batch.push(new CutMix({ numClasses: opts.numClasses, alpha: v(name) }));
        break;
    }
  }
  let transform: Transform | null =
    perImage.length === 0 ? null : perImage.length === 1 ? perImage[0] : new Compose(perImage);
  if (transform && opts.normalize) transform = new PixelSpace(opts.normalize, transform);
  const batchTransform = batch.length === 0 ? null : batch.length === 1 ? batch[0] : new RandomChoiceBatch(batch);
  const parts: string[] = [];
  if (transform) parts.push(String(transform));
  if (batchTransform) parts.push(`batch: ${String(batchTransform)}`);
  return { transform, batchTransform, description: parts.length ? parts.join('; ') : 'none' };
}
