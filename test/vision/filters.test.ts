// Classic image filters (src/vision/filters.ts): kernel values, scipy.ndimage.convolve
// semantics (flip, centre, border modes) on hand-computed images, and the lecture's kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tensor, tensor, randn, manualSeed } from '../../src/index.js';
import { pad } from '../../src/nn/functional/index.js';
import {
  applyFilter,
  borderIndex,
  boxKernel,
  edgeHorizontalKernel,
  edgeVerticalKernel,
  gaussianKernel,
  gradientMagnitude,
  identityKernel,
  laplacianKernel,
  namedKernel,
  padImage,
  prewittX,
  prewittY,
  sharpenKernel,
  sobelX,
  sobelY,
  toGrayscale,
  KERNEL_NAMES,
  type FilterMode,
} from '../../src/vision/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

const img3 = (): Tensor =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
  ]);
/** A 3x4 image dark on the left, light on the right: one vertical edge between columns 1 and 2. */
const step = (): Tensor =>
  tensor([
    [0, 0, 1, 1],
    [0, 0, 1, 1],
    [0, 0, 1, 1],
  ]);

test('kernel values: box, Gaussian, Sobel, Prewitt, Laplacian, sharpen, identity and the lecture edge kernels', () => {
  assertClose(boxKernel(3), new Array(9).fill(1 / 9));
  assert.deepEqual(boxKernel(5).shape, [5, 5]);
  assertClose(boxKernel(5).sum(), [1]);
  // 3x3 with sigma 1: outer product of [e^-1/2, 1, e^-1/2] / (1 + 2 e^-1/2)
  const e = Math.exp(-0.5),
    s = 1 + 2 * e,
    g1 = [e / s, 1 / s, e / s];
  assertClose(
    gaussianKernel(3, 1),
    g1.flatMap((a) => g1.map((b) => a * b)),
    { atol: 1e-7 },
  );
  const g5 = gaussianKernel(5);
  assertClose(g5.sum(), [1], { atol: 1e-6 });
  assert.equal(g5.argmax().item(), 12, 'the centre weight is the largest');
  assertClose(g5, g5.transpose(), { atol: 0 });
  // OpenCV's default sigma for size 5 is 1.1
  assertClose(g5, gaussianKernel(5, 1.1), { atol: 1e-7 });
  assertClose(sobelX(), [-1, 0, 1, -2, 0, 2, -1, 0, 1]);
  assertClose(sobelY(), sobelX().transpose());
  assertClose(prewittX(), [-1, 0, 1, -1, 0, 1, -1, 0, 1]);
  assertClose(prewittY(), prewittX().transpose());
  assertClose(laplacianKernel(), [0, 1, 0, 1, -4, 1, 0, 1, 0]);
  assertClose(laplacianKernel(true), [1, 1, 1, 1, -8, 1, 1, 1, 1]);
  assertClose(sharpenKernel(), [0, -1, 0, -1, 5, -1, 0, -1, 0]);
  assertClose(identityKernel(3), [0, 0, 0, 0, 1, 0, 0, 0, 0]);
  // the lecture's kernels, as printed in 002 ("Vertical / Horizontal Edge detection")
  assertClose(
    edgeVerticalKernel(),
    [
      [-0.25, 0, 0.25],
      [-0.25, 0, 0.25],
      [-0.25, 0, 0.25],
    ].flat(),
  );
  assertClose(
    edgeHorizontalKernel(),
    [
      [-0.25, -0.25, -0.25],
      [0, 0, 0],
      [0.25, 0.25, 0.25],
    ].flat(),
  );
  assertClose(namedKernel('edge-v'), edgeVerticalKernel());
  assertClose(namedKernel('box7'), boxKernel(7));
  assertClose(namedKernel('gaussian7'), gaussianKernel(7));
  for (const n of KERNEL_NAMES) assert.equal(namedKernel(n).ndim, 2, n);
  assert.throws(() => namedKernel('blur'), /namedKernel: unknown kernel 'blur' \(known: identity, box3/);
  assert.throws(() => boxKernel(0), /boxKernel: size must be a positive integer, got 0/);
  assert.throws(() => gaussianKernel(5, -1), /gaussianKernel: sigma must be a positive number, got -1/);
  assert.throws(() => identityKernel(4), /identityKernel: size must be odd, got 4/);
});

test("the lecture's 3x3 mean blur (1/9) with scipy's mode='reflect' (symmetric) and with zeros, by hand", () => {
  // symmetric padding repeats the edge rows/columns: the top-left output averages
  // 1 1 2 / 1 1 2 / 4 4 5 = 21 / 9
  const y = applyFilter(img3(), boxKernel(3));
  assertClose(
    y,
    [21, 27, 33, 39, 45, 51, 57, 63, 69].map((v) => v / 9),
  );
  // zeros: the corner sees only 1 + 2 + 4 + 5
  const z = applyFilter(img3(), boxKernel(3), { mode: 'zeros' });
  assertClose(
    z,
    [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v / 9),
  );
  // the blur keeps the shape, for (C, H, W) and (N, C, H, W) too, channel by channel
  const batch = applyFilter(
    img3()
      .reshape(1, 1, 3, 3)
      .expand(2, 3, 3, 3)
      .mul(tensor([1, 2, 3]).reshape(1, 3, 1, 1)),
    boxKernel(3),
  );
  assert.deepEqual(batch.shape, [2, 3, 3, 3]);
  assertClose(batch.slice(0, 1, 2).slice(1, 2, 3).reshape(3, 3), y.mul(3), { atol: 1e-5 });
});

test("the lecture's vertical-edge kernel: true convolution flips it (dark-to-light edges come out negative)", () => {
  // scipy.ndimage.convolve flips the kernel, so each row computes 0.25 (x[j-1] - x[j+1]), times 3 rows
  const conv = applyFilter(step(), edgeVerticalKernel());
  assertClose(conv, [0, -0.75, -0.75, 0, 0, -0.75, -0.75, 0, 0, -0.75, -0.75, 0]);
  // cross-correlation (what a conv layer computes) keeps the sign: right minus left
  const corr = applyFilter(step(), edgeVerticalKernel(), { convolution: 'correlation' });
  assertClose(corr, [0, 0.75, 0.75, 0, 0, 0.75, 0.75, 0, 0, 0.75, 0.75, 0]);
  // with zero padding the image border itself looks like an edge, and the top/bottom rows lose a row
  const zeros = applyFilter(step(), edgeVerticalKernel(), { convolution: 'correlation', mode: 'zeros' });
  assertClose(zeros, [0, 0.5, 0.5, -0.5, 0, 0.75, 0.75, -0.75, 0, 0.5, 0.5, -0.5]);
  // the horizontal-edge kernel does not respond to a vertical edge, and finds the transposed one
  assertClose(applyFilter(step(), edgeHorizontalKernel()), new Array(12).fill(0));
  const t = applyFilter(step().transpose(), edgeHorizontalKernel(), { convolution: 'correlation' });
  assertClose(t, [0, 0, 0, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0, 0, 0]);
});

test('even-sized kernels are centred at floor(k/2) like scipy (hand-computed 1x2 case)', () => {
  const x = tensor([[1, 2, 4, 8]]),
    k = tensor([[1, 2]]);
  // correlation: out[i] = 1 x[i-1] + 2 x[i], x[-1] = x[0] (symmetric)
  assertClose(applyFilter(x, k, { convolution: 'correlation' }), [3, 5, 10, 20]);
  // true convolution: out[i] = 1 x[i+1] + 2 x[i], x[4] = x[3]
  assertClose(applyFilter(x, k), [4, 8, 16, 24]);
  assertClose(applyFilter(x, k, { mode: 'zeros' }), [4, 8, 16, 16]);
  assertClose(applyFilter(x, k, { mode: 'circular' }), [4, 8, 16, 17]);
});

test('border modes: symmetric (scipy reflect) repeats the edge sample, reflect (PyTorch) does not', () => {
  const idx = (mode: 'symmetric' | 'reflect' | 'replicate' | 'circular'): number[] =>
    [-5, -4, -3, -2, -1, 0, 3, 4, 5, 6, 7, 8].map((i) => borderIndex(i, 4, mode));
  // a b c d -> d c b a | a b c d | d c b a
  assert.deepEqual(idx('symmetric'), [3, 3, 2, 1, 0, 0, 3, 3, 2, 1, 0, 0]);
  // a b c d -> d c b | a b c d | c b a
  assert.deepEqual(idx('reflect'), [1, 2, 3, 2, 1, 0, 3, 2, 1, 0, 1, 2]);
  assert.deepEqual(idx('replicate'), [0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3]);
  assert.deepEqual(idx('circular'), [3, 0, 1, 2, 3, 0, 3, 0, 1, 2, 3, 0]);
  assert.equal(borderIndex(-3, 1, 'reflect'), 0);
  const x = tensor([[1, 2, 3, 4]]);
  assertClose(padImage(x, 0, 0, 2, 2, 'symmetric'), [2, 1, 1, 2, 3, 4, 4, 3]);
  // 'reflect' is exactly the framework's (and PyTorch's) reflect padding
  manualSeed(1);
  const r = randn([2, 5, 6]);
  assertClose(padImage(r, 2, 1, 3, 4, 'reflect'), pad(r, [3, 4, 2, 1], { mode: 'reflect' }), { atol: 0 });
  assertClose(padImage(r, 2, 1, 3, 4, 'replicate'), pad(r, [3, 4, 2, 1], { mode: 'replicate' }), { atol: 0 });
  assertClose(padImage(r, 1, 1, 1, 1, 'zeros'), pad(r, [1, 1, 1, 1], { mode: 'constant' }), { atol: 0 });
  // a 5x5 kernel on a 2x2 image needs borders wider than the image: still defined, as in scipy
  const tiny = tensor([
    [1, 2],
    [3, 4],
  ]);
  const blurred = applyFilter(tiny, boxKernel(5));
  // symmetric extension is periodic with period 4, so every 5x5 window sums rows/cols a a b b a
  // or similar; its mean stays inside [1, 4] and the constant image is preserved exactly
  for (const v of blurred.data) assert.ok(v > 1 && v < 4);
  assertClose(
    applyFilter(
      tensor([
        [2, 2],
        [2, 2],
      ]),
      boxKernel(5),
    ),
    [2, 2, 2, 2],
    { atol: 1e-6 },
  );
});

test('gradientMagnitude of a step edge and grayscale conversion', () => {
  // Sobel x: (1 + 2 + 1) (x[j+1] - x[j-1]) on every row; y-gradient 0
  assertClose(gradientMagnitude(step()), [0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4, 0]);
  assertClose(gradientMagnitude(step(), { operator: 'prewitt' }), [0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0]);
  // a diagonal ramp x + y has gx = gy = 8 with Sobel inside the image: magnitude 8 sqrt 2
  const ramp = tensor([
    [0, 1, 2],
    [1, 2, 3],
    [2, 3, 4],
  ]);
  assertClose(gradientMagnitude(ramp).slice(0, 1, 2).slice(1, 1, 2), [8 * Math.SQRT2], { atol: 1e-5 });
  const rgb = tensor([[[1, 0]], [[0, 1]], [[0, 0]]]); // (3, 1, 2): a red and a green pixel
  const gray = toGrayscale(rgb);
  assert.deepEqual(gray.shape, [1, 1, 2]);
  assertClose(gray, [0.299, 0.587], { atol: 1e-6 });
  const rgba = tensor([[[1]], [[1]], [[1]], [[0.2]]]);
  assertClose(toGrayscale(rgba), [1], { atol: 1e-6 });
  const one = tensor([[[0.5]]]);
  assert.equal(toGrayscale(one), one);
  assert.deepEqual(toGrayscale(randn([2, 3, 4, 5])).shape, [2, 1, 4, 5]);
  assert.throws(
    () => toGrayscale(randn([2, 4, 4])),
    /toGrayscale: image must have 1, 3 or 4 channels, got 2 \(shape \[2, 4, 4\]\)/,
  );
});

test('applyFilter is differentiable (finite differences) and rejects bad arguments clearly', () => {
  manualSeed(3);
  const x = randn([2, 4, 5]),
    k = randn([3, 2]);
  gradcheck((a, b) => applyFilter(a, b), [x, k]);
  gradcheck((a) => applyFilter(a, sobelX(), { mode: 'reflect', convolution: 'correlation' }), [randn([1, 4, 4])]);
  assert.throws(
    () => applyFilter(img3(), boxKernel(3), { mode: 'mirror' as 'reflect' }),
    /applyFilter: mode must be one of 'symmetric', 'reflect', 'replicate', 'circular', 'zeros', got "mirror" \(scipy's 'mirror' is 'reflect' here\)/,
  );
  assert.throws(
    () => applyFilter(img3(), boxKernel(3), { convolution: 'conv' as 'true' }),
    /applyFilter: convolution must be 'true' or 'correlation', got "conv"/,
  );
  assert.throws(
    () => applyFilter(img3(), randn([1, 3, 3])),
    /applyFilter: kernel must be a non-empty 2-D \(kH, kW\) tensor, got shape \[1, 3, 3\]/,
  );
  assert.throws(
    () => applyFilter(tensor([1, 2, 3]), boxKernel(3)),
    /applyFilter: image must be \(H, W\), \(C, H, W\) or \(N, C, H, W\), got shape \[3\]/,
  );
  assert.throws(
    () => applyFilter(img3(), boxKernel(3), { padding: 1 } as never),
    /applyFilter: unknown option 'padding'/,
  );
  assert.throws(() => padImage(img3(), -1, 0, 0, 0), /padImage: padding must be non-negative integers/);
});

test('applyFilter matches scipy.ndimage.convolve / correlate in every mode, odd and even kernels (fixture)', () => {
  // generated by test/vision/fixtures/scipy-convolve.py (scipy mode -> convkit mode in each case)
  const fx = JSON.parse(readFileSync(new URL('./fixtures/scipy-convolve.json', import.meta.url), 'utf8')) as {
    image: number[][];
    cases: {
      kernel: number[][];
      scipyMode: string;
      mode: FilterMode;
      convolution: 'true' | 'correlation';
      expected: number[][];
    }[];
    wide: {
      image: number[][];
      kernel: number[][];
      cases: { scipyMode: string; mode: FilterMode; expected: number[][] }[];
    };
  };
  const image = tensor(fx.image);
  assert.equal(fx.cases.length, 40);
  for (const c of fx.cases) {
    const y = applyFilter(image, tensor(c.kernel), { mode: c.mode, convolution: c.convolution });
    assertClose(y, c.expected, {
      atol: 2e-5,
      msg: `scipy ${c.convolution === 'true' ? 'convolve' : 'correlate'} mode=${c.scipyMode} kernel ${c.kernel.length}x${c.kernel[0].length}`,
    });
  }
  // a 9x8 kernel on a 3x4 image: the border is wider than the image, every mode still agrees
  assert.equal(fx.wide.cases.length, 5);
  for (const c of fx.wide.cases) {
    assertClose(applyFilter(tensor(fx.wide.image), tensor(fx.wide.kernel), { mode: c.mode }), c.expected, {
      atol: 5e-5,
      msg: `wide kernel, scipy mode=${c.scipyMode}`,
    });
  }
});
