// Area A (augment): the deterministic image ops behind the augmentations against
// torchvision.transforms.functional, and cross-entropy with class-probability targets against
// torch.nn.functional.cross_entropy (values from scripts/gen-augment-fixtures.py).
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { F as TF, Tensor } from '../../src/index.js';
import { augmentF as F, applyAutoOp } from '../../src/data/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

interface CeCase {
  name: string;
  input: number[];
  inputShape: number[];
  target: number[];
  weight: number[] | null;
  labelSmoothing: number;
  reduction: 'mean' | 'sum' | 'none';
  loss: number[];
  lossShape: number[];
  grad: number[];
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/augment/ops.json', import.meta.url), 'utf8')) as {
  rgb: number[];
  gray: number[];
  u8: number[];
  ops: Record<string, { shape: number[]; data: number[] }>;
  crossEntropy: CeCase[];
};

const rgb = Float32Array.from(fx.rgb);
const gray = Float32Array.from(fx.gray);
const u8 = Float32Array.from(fx.u8, (v) => v / 255);
const HW = 64;

function check(name: string, got: Float32Array, atol = 1e-5): void {
  assertClose(got, fx.ops[name].data, { atol, rtol: 0, msg: name });
}

test('colour ops equal torchvision: brightness, contrast (RGB and grey), saturation, hue, grayscale', () => {
  check('brightness_1.3', F.adjustBrightness(rgb, 3, HW, 1.3));
  check('contrast_0.6', F.adjustContrast(rgb, 3, HW, 0.6));
  check('contrast_gray_1.5', F.adjustContrast(gray, 1, HW, 1.5));
  check('saturation_1.7', F.adjustSaturation(rgb, 3, HW, 1.7));
  check('saturation_0.2', F.adjustSaturation(rgb, 3, HW, 0.2));
  check('hue_0.2', F.adjustHue(rgb, 3, HW, 0.2));
  check('hue_-0.35', F.adjustHue(rgb, 3, HW, -0.35));
  check('grayscale', F.grayscale(rgb, 3, HW));
});

test('Gaussian blur equals torchvision (square and rectangular kernels, reflect padding)', () => {
  check('blur_5_1.1', F.gaussianBlur(rgb, 3, 8, 8, [5, 5], [1.1, 1.1]));
  check('blur_3x5_0.7_1.3', F.gaussianBlur(rgb, 3, 8, 8, [3, 5], [0.7, 1.3]));
});

test('affine warps equal torchvision: nearest with fill, bilinear with zero padding, corner shear, rotate', () => {
  check(
    'affine_nearest',
    F.affine(rgb, 3, 8, 8, { angle: 20, translate: [1, -2], scale: 1.1, shear: [8, -5] }, 'nearest', 0),
  );
  check(
    'affine_bilinear',
    F.affine(rgb, 3, 8, 8, { angle: -13, translate: [2, 1], scale: 0.9, shear: [4, 6] }, 'bilinear', 0),
  );
  // RandAugment's ShearX at magnitude 0.3 (about the top-left corner) and Rotate (F.rotate's sign)
  check('shearx_corner', applyAutoOp('ShearX', rgb, 3, 8, 8, 0.3));
  check('rotate_25', applyAutoOp('Rotate', rgb, 3, 8, 8, 25));
});

test('resized crop equals torchvision resized_crop(antialias=True), enlarging and shrinking', () => {
  check('resized_crop_up', F.resizedCrop(rgb, 3, 8, 8, [1, 2, 5, 6], 7, 9));
  check('resized_crop_down', F.resizedCrop(rgb, 3, 8, 8, [0, 1, 8, 7], 3, 5));
});

test('autocontrast, solarize, sharpness, equalize and posterize (8-bit) equal torchvision', () => {
  check('autocontrast', F.autocontrast(rgb, 3, HW));
  check('solarize_0.4', F.solarize(rgb, 0.4));
  check('sharpness_1.8', F.adjustSharpness(rgb, 3, 8, 8, 1.8));
  check('sharpness_0.3', F.adjustSharpness(rgb, 3, 8, 8, 0.3));
  check('equalize_u8', F.equalize(u8, 3, HW), 1e-6);
  check('posterize_u8_3', F.posterize(u8, 3), 1e-6);
});

for (const c of fx.crossEntropy) {
  test(`crossEntropy with probability targets equals torch (${c.name}): loss and logits gradient`, () => {
    const x = new Tensor(Float32Array.from(c.input), c.inputShape).requiresGrad_(true);
    const t = new Tensor(Float32Array.from(c.target), c.inputShape);
    const options = {
      weight: c.weight ? new Tensor(Float32Array.from(c.weight), [c.weight.length]) : null,
      labelSmoothing: c.labelSmoothing,
      reduction: c.reduction,
    };
    const loss = TF.crossEntropy(x, t, options);
    assertClose(loss, c.loss, { atol: 2e-6, rtol: 1e-5, msg: `${c.name} loss` });
    loss.sum().backward();
    assertClose(x.grad as Tensor, c.grad, { atol: 2e-6, rtol: 1e-5, msg: `${c.name} grad` });
  });
}

test('crossEntropy with probability targets: gradients by finite differences (logits and target, smoothing, weights)', () => {
  const c = fx.crossEntropy[2];
  const x = new Tensor(Float32Array.from(c.input), c.inputShape).requiresGrad_(true);
  const t = new Tensor(Float32Array.from(c.target), c.inputShape).requiresGrad_(true);
  const weight = new Tensor(Float32Array.from(c.weight ?? []), [5]);
  gradcheck((a, b) => TF.crossEntropy(a, b, { weight, labelSmoothing: 0.1 }), [x, t], {
    msg: 'crossEntropy(probs)',
  });
});
