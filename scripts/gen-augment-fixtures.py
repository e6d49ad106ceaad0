#!/usr/bin/python3
"""Golden values for convkit's augmentation ops and soft-label cross-entropy (area A, issue #12).

    /usr/bin/python3 scripts/gen-augment-fixtures.py

Writes test/fixtures/augment/ops.json, read by test/data/augment-golden.test.ts: a seeded
3x8x8 float image in [0, 1] (and a 1x8x8 one, and 8-bit levels), and what
torchvision.transforms.functional (Debian's python3-torchvision 0.14, tensor code path, float64)
returns for brightness, contrast, saturation, hue, grayscale, Gaussian blur, affine (nearest
with fill 0, bilinear with fill None = zero padding), rotate, resized_crop (antialias=True,
up- and down-sampling), autocontrast, equalize and posterize (uint8), solarize and sharpness.
Also torch.nn.functional.cross_entropy with class-probability targets (with and without
label_smoothing and class weights, every reduction, and an (N, C, H, W) case): the loss and
the gradient with respect to the logits.
"""
import json
import math
import os

import torch
import torch.nn.functional as TF
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'augment', 'ops.json')

torch.manual_seed(12)
rgb = torch.rand(3, 8, 8, dtype=torch.float64)
rgb32 = rgb.float().double()  # the float32 values the test feeds in
gray = torch.rand(1, 8, 8, dtype=torch.float64).float().double()
u8 = (torch.rand(3, 8, 8) * 256).clamp(0, 255).to(torch.uint8)
u8[:, :2, :] = 200  # repeated levels: a non-trivial equalization histogram

NEAREST = InterpolationMode.NEAREST
BILINEAR = InterpolationMode.BILINEAR


def flat(t):
    return [float('%.9g' % v) for v in t.flatten().tolist()]


ops = {
    'brightness_1.3': F.adjust_brightness(rgb32, 1.3),
    'contrast_0.6': F.adjust_contrast(rgb32, 0.6),
    'contrast_gray_1.5': F.adjust_contrast(gray, 1.5),
    'saturation_1.7': F.adjust_saturation(rgb32, 1.7),
    'saturation_0.2': F.adjust_saturation(rgb32, 0.2),
    'hue_0.2': F.adjust_hue(rgb32, 0.2),
    'hue_-0.35': F.adjust_hue(rgb32, -0.35),
    'grayscale': F.rgb_to_grayscale(rgb32, 1),
    'blur_5_1.1': F.gaussian_blur(rgb32, [5, 5], [1.1, 1.1]),
    'blur_3x5_0.7_1.3': F.gaussian_blur(rgb32, [3, 5], [0.7, 1.3]),
    'affine_nearest': F.affine(rgb32, angle=20.0, translate=[1, -2], scale=1.1, shear=[8.0, -5.0],
                               interpolation=NEAREST, fill=[0.0]),
    'affine_bilinear': F.affine(rgb32, angle=-13.0, translate=[2, 1], scale=0.9, shear=[4.0, 6.0],
                                interpolation=BILINEAR, fill=None),
    'shearx_corner': F.affine(rgb32, angle=0.0, translate=[0, 0], scale=1.0,
                              shear=[math.degrees(math.atan(0.3)), 0.0], interpolation=NEAREST,
                              fill=[0.0], center=[0, 0]),
    'rotate_25': F.rotate(rgb32, 25.0, interpolation=NEAREST, fill=[0.0]),
    'resized_crop_up': F.resized_crop(rgb32, 1, 2, 5, 6, [7, 9], interpolation=BILINEAR, antialias=True),
    'resized_crop_down': F.resized_crop(rgb32, 0, 1, 8, 7, [3, 5], interpolation=BILINEAR, antialias=True),
    'autocontrast': F.autocontrast(rgb32),
    'solarize_0.4': F.solarize(rgb32, 0.4),
    'sharpness_1.8': F.adjust_sharpness(rgb32, 1.8),
    'sharpness_0.3': F.adjust_sharpness(rgb32, 0.3),
    'equalize_u8': F.equalize(u8).double() / 255,
    'posterize_u8_3': F.posterize(u8, 3).double() / 255,
}

# cross-entropy with class-probability targets
torch.manual_seed(5)
logits = torch.randn(4, 5, dtype=torch.float64).float().double()
probs = torch.softmax(torch.randn(4, 5, dtype=torch.float64), 1).float().double()
weight = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.8], dtype=torch.float64)
logits4 = torch.randn(2, 3, 2, 2, dtype=torch.float64).float().double()
probs4 = torch.softmax(torch.randn(2, 3, 2, 2, dtype=torch.float64), 1).float().double()

ce = []
for name, x, t, kw in [
    ('mean', logits, probs, {}),
    ('smooth0.2', logits, probs, {'label_smoothing': 0.2}),
    ('weight_smooth0.1', logits, probs, {'weight': weight, 'label_smoothing': 0.1}),
    ('sum_weight', logits, probs, {'weight': weight, 'reduction': 'sum'}),
    ('none_smooth0.3', logits, probs, {'label_smoothing': 0.3, 'reduction': 'none'}),
    ('nchw_smooth0.1', logits4, probs4, {'label_smoothing': 0.1}),
]:
    xg = x.clone().requires_grad_(True)
    loss = TF.cross_entropy(xg, t, **kw)
    loss.sum().backward()
    ce.append({
        'name': name,
        'input': flat(x), 'inputShape': list(x.shape),
        'target': flat(t),
        'weight': flat(kw['weight']) if 'weight' in kw else None,
        'labelSmoothing': kw.get('label_smoothing', 0.0),
        'reduction': kw.get('reduction', 'mean'),
        'loss': flat(loss.detach()), 'lossShape': list(loss.shape),
        'grad': flat(xg.grad),
    })

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({
        'torch': torch.__version__,
        'rgb': flat(rgb32), 'gray': flat(gray), 'u8': [int(v) for v in u8.flatten().tolist()],
        'ops': {k: {'shape': list(v.shape), 'data': flat(v)} for k, v in ops.items()},
        'crossEntropy': ce,
    }, f)
print('wrote', OUT)
