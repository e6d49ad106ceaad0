/**
 * Classic image filters from the lectures: hand-made kernels (box / mean blur, Gaussian blur,
 * Sobel and Prewitt gradients, Laplacian, sharpen, the lecture's [[-0.25, 0, 0.25]] x 3 edge
 * detectors) and `applyFilter`, which runs a kernel over every channel of an image the way
 * `scipy.ndimage.convolve(image, kernel, mode='reflect')` does in the lecture code.
 *
 * Boundary modes (what lies outside an image row a b c d), with their scipy.ndimage names:
 *   'symmetric'  d c b a | a b c d | d c b a   scipy 'reflect' (the default here, as in scipy)
 *   'reflect'    d c b   | a b c d | c b a     scipy 'mirror'  (PyTorch's and numpy's 'reflect')
 *   'replicate'  a a a   | a b c d | d d d     scipy 'nearest'
 *   'circular'   b c d   | a b c d | a b c     scipy 'wrap'
 *   'zeros'      0 0 0   | a b c d | 0 0 0     scipy 'constant' with cval=0
 * So scipy's 'reflect' repeats the edge sample while PyTorch's does not; pass 'symmetric' to
 * reproduce the lecture's scipy results. Every mode is defined for borders wider than the
 * image (a kernel larger than the image), with the same values as scipy.
 *
 * `convolution: 'true'` (default, like scipy.ndimage.convolve) flips the kernel;
 * 'correlation' does not (like scipy.ndimage.correlate and every conv layer). The kernel's
 * centre is at index floor(k/2) along each axis, as in scipy, for odd and even sizes.
 * Everything is built from differentiable tensor ops (indexSelect, conv2d). Large images that
 * need no gradient (and any image when an onProgress callback is given) are filtered in bands
 * of rows, each padded from the image by the same border rule, so memory stays bounded at about
 * a megapixel of working space beyond the input and output, and progress can be reported.
 */
import { conv2d } from '../nn/functional/conv.js';
import { pad, reshape } from '../tensor/ops/shape.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** How applyFilter extends the image beyond its border (see the file comment for scipy's names). */
export type FilterMode = 'symmetric' | 'reflect' | 'replicate' | 'circular' | 'zeros';

/** Whether applyFilter flips the kernel (true convolution) or not (cross-correlation). */
export type FilterConvolution = 'true' | 'correlation';

/** Options of applyFilter. */
export interface ApplyFilterOptions {
  /** Border handling; default 'symmetric' (scipy.ndimage's 'reflect'). */
  mode?: FilterMode;
  /** 'true' flips the kernel like scipy.ndimage.convolve (default); 'correlation' does not. */
  convolution?: FilterConvolution;
  /**
   * Called as bands of rows are finished with the pixels done so far and the total (for long
   * work on large images); giving it selects the banded path (no gradient flows through it).
   */
  onProgress?: (done: number, total: number) => void;
}

/** Images with more values than this are filtered in bands when no gradient is needed. */
const BAND_THRESHOLD = 1 << 22;
/** Padded pixels per band (about 4 MB of float32). */
const BAND_PIXELS = 1 << 20;

const MODES: readonly FilterMode[] = ['symmetric', 'reflect', 'replicate', 'circular', 'zeros'];
const SCIPY_NAMES: Record<string, FilterMode> = {
  mirror: 'reflect',
  nearest: 'replicate',
  wrap: 'circular',
  constant: 'zeros',
  'grid-wrap': 'circular',
  'grid-constant': 'zeros',
};

function kernelTensor(rows: number[][]): Tensor {
  return new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
}

function checkSize(op: string, name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(n)}`);
  return n;
}

/** The n x n mean (box) blur kernel, every weight 1/n² (the lecture's 3x3 kernel of 1/9). */
export function boxKernel(n = 3): Tensor {
  checkSize('boxKernel', 'size', n);
  return new Tensor(new Float32Array(n * n).fill(1 / (n * n)), [n, n]);
}

/**
 * A size x size Gaussian blur kernel exp(-(dx² + dy²) / 2σ²), normalised to sum 1; the default
 * sigma is OpenCV's 0.3·((size-1)/2 - 1) + 0.8.
 */
export function gaussianKernel(size = 5, sigma?: number): Tensor {
  checkSize('gaussianKernel', 'size', size);
  const s = sigma ?? 0.3 * ((size - 1) / 2 - 1) + 0.8;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0)
    throw new RangeError(`gaussianKernel: sigma must be a positive number, got ${String(sigma)}`);
  const c = (size - 1) / 2;
  const g = Array.from({ length: size }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * s * s)));
  const total = g.reduce((a, b) => a + b, 0);
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) out[i * size + j] = (g[i] * g[j]) / (total * total);
  return new Tensor(out, [size, size]);
}

/** Sobel x-gradient kernel [[-1,0,1],[-2,0,2],[-1,0,1]] (responds to vertical edges). */
export function sobelX(): Tensor {
  return kernelTensor([
    [-1, 0, 1],
    [-2, 0, 2],
    [-1, 0, 1],
  ]);
}

/** Sobel y-gradient kernel [[-1,-2,-1],[0,0,0],[1,2,1]] (responds to horizontal edges). */
export function sobelY(): Tensor {
  return kernelTensor([
    [-1, -2, -1],
    [0, 0, 0],
    [1, 2, 1],
  ]);
}

/** Prewitt x-gradient kernel [[-1,0,1],[-1,0,1],[-1,0,1]]. */
export function prewittX(): Tensor {
  return kernelTensor([
    [-1, 0, 1],
    [-1, 0, 1],
    [-1, 0, 1],
  ]);
}

/** Prewitt y-gradient kernel [[-1,-1,-1],[0,0,0],[1,1,1]]. */
export function prewittY(): Tensor {
  return kernelTensor([
    [-1, -1, -1],
    [0, 0, 0],
    [1, 1, 1],
  ]);
}

/** Laplacian kernel [[0,1,0],[1,-4,1],[0,1,0]], or with diagonals [[1,1,1],[1,-8,1],[1,1,1]]. */
export function laplacianKernel(diagonals = false): Tensor {
  return diagonals
    ? kernelTensor([
        [1, 1, 1],
        [1, -8, 1],
        [1, 1, 1],
      ])
    : kernelTensor([
        [0, 1, 0],
        [1, -4, 1],
        [0, 1, 0],
      ]);
}

/** Sharpening kernel [[0,-1,0],[-1,5,-1],[0,-1,0]] (identity minus the Laplacian). */
export function sharpenKernel(): Tensor {
  return kernelTensor([
    [0, -1, 0],
    [-1, 5, -1],
    [0, -1, 0],
  ]);
}

/** The lecture's vertical-edge kernel [[-0.25, 0, 0.25]] x 3 (a horizontal gradient). */
export function edgeVerticalKernel(): Tensor {
  return kernelTensor([
    [-0.25, 0, 0.25],
    [-0.25, 0, 0.25],
    [-0.25, 0, 0.25],
  ]);
}

/** The lecture's horizontal-edge kernel [[-0.25]*3, [0]*3, [0.25]*3] (a vertical gradient). */
export function edgeHorizontalKernel(): Tensor {
  return kernelTensor([
    [-0.25, -0.25, -0.25],
    [0, 0, 0],
    [0.25, 0.25, 0.25],
  ]);
}

/** The identity kernel (a single 1 at the centre of an n x n kernel, n odd). */
export function identityKernel(n = 3): Tensor {
  checkSize('identityKernel', 'size', n);
  if (n % 2 === 0) throw new RangeError(`identityKernel: size must be odd, got ${n}`);
  const out = new Float32Array(n * n);
  out[(n * n - 1) / 2] = 1;
  return new Tensor(out, [n, n]);
}

const NAMED: Record<string, () => Tensor> = {
  identity: () => identityKernel(3),
  box3: () => boxKernel(3),
  box5: () => boxKernel(5),
  gaussian3: () => gaussianKernel(3),
  gaussian5: () => gaussianKernel(5),
  'sobel-x': sobelX,
  'sobel-y': sobelY,
  'prewitt-x': prewittX,
  'prewitt-y': prewittY,
  laplacian: () => laplacianKernel(false),
  laplacian8: () => laplacianKernel(true),
  sharpen: sharpenKernel,
  'edge-v': edgeVerticalKernel,
  'edge-h': edgeHorizontalKernel,
};

/** Names accepted by namedKernel (plus boxN and gaussianN for any size N). */
export const KERNEL_NAMES: readonly string[] = Object.keys(NAMED);

/** A kernel by name: identity, box3, box5, boxN, gaussian3, gaussian5, gaussianN, sobel-x/y, prewitt-x/y, laplacian, laplacian8, sharpen, edge-v, edge-h. */
export function namedKernel(name: string): Tensor {
  const make = NAMED[name];
  if (make) return make();
  const m = /^(box|gaussian)([1-9]\d?)$/.exec(name);
  if (m) return m[1] === 'box' ? boxKernel(Number(m[2])) : gaussianKernel(Number(m[2]));
  throw new RangeError(`namedKernel: unknown kernel '${name}' (known: ${KERNEL_NAMES.join(', ')}, boxN, gaussianN)`);
}

/** Source index in [0, n) of padded position i (may be out of range) under a border mode. */
export function borderIndex(i: number, n: number, mode: Exclude<FilterMode, 'zeros'>): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'replicate':
      return i < 0 ? 0 : n - 1;
    case 'circular':
      return ((i % n) + n) % n;
    case 'symmetric': {
      const m = ((i % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
    case 'reflect': {
      if (n === 1) return 0;
      const p = 2 * n - 2,
        m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
  }
}

function padAxis(x: Tensor, axis: number, before: number, after: number, mode: Exclude<FilterMode, 'zeros'>): Tensor {
  if (before === 0 && after === 0) return x;
  const n = x.shape[axis];
  const idx = Int32Array.from({ length: n + before + after }, (_, o) => borderIndex(o - before, n, mode));
  return x.indexSelect(axis, idx);
}

function checkMode(op: string, mode: unknown): FilterMode {
  if (typeof mode === 'string' && (MODES as readonly string[]).includes(mode)) return mode as FilterMode;
  const hint =
    typeof mode === 'string' && SCIPY_NAMES[mode] ? ` (scipy's '${mode}' is '${SCIPY_NAMES[mode]}' here)` : '';
  throw new TypeError(
    `${op}: mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}${hint}`,
  );
}

/**
 * Pads the last two axes of x by (top, bottom, left, right) cells under a border mode; the
 * building block of applyFilter (differentiable).
 */
export function padImage(
  x: Tensor,
  top: number,
  bottom: number,
  left: number,
  right: number,
  mode: FilterMode = 'symmetric',
): Tensor {
  const m = checkMode('padImage', mode);
  if (x.ndim < 2) throw new RangeError(`padImage: expected at least 2-D (H, W), got shape ${fmt(x.shape)}`);
  for (const p of [top, bottom, left, right])
    if (!Number.isInteger(p) || p < 0)
      throw new RangeError(
        `padImage: padding must be non-negative integers, got [${top}, ${bottom}, ${left}, ${right}]`,
      );
  if (m === 'zeros') return pad(x, [left, right, top, bottom], { mode: 'constant', value: 0 });
  return padAxis(padAxis(x, x.ndim - 2, top, bottom, m), x.ndim - 1, left, right, m);
}

/**
 * Filters every channel of an image (H, W), (C, H, W) or (N, C, H, W) with a 2-D kernel
 * (kH, kW); the output has the input's shape. Defaults reproduce
 * scipy.ndimage.convolve(image, kernel, mode='reflect') (see the file comment).
 */
export function applyFilter(image: Tensor, kernel: Tensor, options: ApplyFilterOptions = {}): Tensor {
  const op = 'applyFilter';
  if (!(image instanceof Tensor) || image.dtype !== 'float32')
    throw new TypeError(`${op}: image must be a float32 Tensor`);
  if (!(kernel instanceof Tensor) || kernel.dtype !== 'float32')
    throw new TypeError(`${op}: kernel must be a float32 Tensor`);
  if (image.ndim < 2 || image.ndim > 4)
    throw new RangeError(`${op}: image must be (H, W), (C, H, W) or (N, C, H, W), got shape ${fmt(image.shape)}`);
  if (kernel.ndim !== 2 || kernel.size === 0)
    throw new RangeError(`${op}: kernel must be a non-empty 2-D (kH, kW) tensor, got shape ${fmt(kernel.shape)}`);
  for (const key of Object.keys(options))
    if (key !== 'mode' && key !== 'convolution' && key !== 'onProgress')
      throw new TypeError(`${op}: unknown option '${key}' (known: mode, convolution, onProgress)`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError(`${op}: onProgress must be a function`);
  const mode = checkMode(op, options.mode ?? 'symmetric');
  const conv = options.convolution ?? 'true';
  if (conv !== 'true' && conv !== 'correlation')
    throw new TypeError(`${op}: convolution must be 'true' or 'correlation', got ${JSON.stringify(conv)}`);
  const h = image.shape[image.ndim - 2],
    w = image.shape[image.ndim - 1];
  if (h === 0 || w === 0) throw new RangeError(`${op}: image ${fmt(image.shape)} is empty`);
  const [kh, kw] = kernel.shape;
  const planes = image.size / (h * w);
  // centre at floor(k/2): correlation reads k//2 cells before and k-1-k//2 after; true
  // convolution correlates with the flipped kernel, which moves the centre to the other side
  const flip = conv === 'true';
  const w4 = reshape(flip ? kernel.indexSelect(0, range(kh, true)).indexSelect(1, range(kw, true)) : kernel, [
    1,
    1,
    kh,
    kw,
  ]);
  const beforeH = flip ? kh - 1 - (kh >> 1) : kh >> 1,
    beforeW = flip ? kw - 1 - (kw >> 1) : kw >> 1;
  if (useBands(image, kernel, options.onProgress)) {
    return inBands(image, kh, kw, beforeH, beforeW, mode, (x) => conv2d(x, w4), options.onProgress);
  }
  const x = padImage(reshape(image, [planes, 1, h, w]), beforeH, kh - 1 - beforeH, beforeW, kw - 1 - beforeW, mode);
  return reshape(conv2d(x, w4), [...image.shape]);
}

function useBands(image: Tensor, kernel: Tensor, onProgress: unknown): boolean {
  return !image.requiresGrad && !kernel.requiresGrad && (onProgress !== undefined || image.size > BAND_THRESHOLD);
}

/**
 * Runs compute on bands of rows of every plane of image: each band is padded (beforeH rows
 * above, kh - 1 - beforeH below, beforeW columns left, kw - 1 - beforeW right) from the whole
 * plane by the border mode, given as (1, 1, rows + kh - 1, w + kw - 1), and compute returns
 * its (1, 1, rows, w) result. Same values as filtering the padded image at once.
 */
function inBands(
  image: Tensor,
  kh: number,
  kw: number,
  beforeH: number,
  beforeW: number,
  mode: FilterMode,
  compute: (x: Tensor) => Tensor,
  onProgress?: (done: number, total: number) => void,
): Tensor {
  const h = image.shape[image.ndim - 2],
    w = image.shape[image.ndim - 1];
  const planes = image.size / (h * w),
    pw = w + kw - 1;
  const rowsPer = Math.max(1, Math.min(h, Math.floor(BAND_PIXELS / pw) - (kh - 1)));
  const src = image.data as Float32Array,
    out = new Float32Array(image.size);
  const cols = Int32Array.from({ length: pw }, (_, j) =>
    mode === 'zeros' ? (j - beforeW >= 0 && j - beforeW < w ? j - beforeW : -1) : borderIndex(j - beforeW, w, mode),
  );
  const total = image.size;
  for (let p = 0; p < planes; p++) {
    const plane = p * h * w;
    for (let r0 = 0; r0 < h; r0 += rowsPer) {
      const rows = Math.min(rowsPer, h - r0),
        ph = rows + kh - 1;
      const band = new Float32Array(ph * pw);
      for (let i = 0; i < ph; i++) {
        const y = r0 + i - beforeH;
        const sy = mode === 'zeros' ? (y >= 0 && y < h ? y : -1) : borderIndex(y, h, mode);
        if (sy < 0) continue;
        const row = plane + sy * w,
          o = i * pw;
        for (let j = 0; j < pw; j++) {
          const sx = cols[j];
          if (sx >= 0) band[o + j] = src[row + sx];
        }
      }
      const y = compute(new Tensor(band, [1, 1, ph, pw]));
      out.set(y.data as Float32Array, plane + r0 * w);
      onProgress?.(plane + (r0 + rows) * w, total);
    }
  }
  return new Tensor(out, [...image.shape]);
}

function range(n: number, reversed: boolean): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (reversed ? n - 1 - i : i));
}

/** Options of gradientMagnitude. */
export interface GradientMagnitudeOptions {
  /** Gradient kernels; default 'sobel'. */
  operator?: 'sobel' | 'prewitt';
  /** Border handling; default 'symmetric'. */
  mode?: FilterMode;
  /** Progress callback (pixels done, total); selects the banded path as in applyFilter. */
  onProgress?: (done: number, total: number) => void;
}

/** Edge strength sqrt(gx² + gy²) of every channel from Sobel (or Prewitt) x and y gradients. */
export function gradientMagnitude(image: Tensor, options: GradientMagnitudeOptions = {}): Tensor {
  const operator = options.operator ?? 'sobel';
  if (operator !== 'sobel' && operator !== 'prewitt')
    throw new TypeError(`gradientMagnitude: operator must be 'sobel' or 'prewitt', got ${JSON.stringify(operator)}`);
  const [kx, ky] = operator === 'sobel' ? [sobelX(), sobelY()] : [prewittX(), prewittY()];
  const opts: ApplyFilterOptions = { mode: options.mode ?? 'symmetric', convolution: 'correlation' };
  if (
    image instanceof Tensor &&
    image.dtype === 'float32' &&
    image.ndim >= 2 &&
    image.ndim <= 4 &&
    image.size > 0 &&
    useBands(image, kx, options.onProgress)
  ) {
    const mode = checkMode('gradientMagnitude', opts.mode);
    const wx = reshape(kx, [1, 1, 3, 3]),
      wy = reshape(ky, [1, 1, 3, 3]);
    return inBands(
      image,
      3,
      3,
      1,
      1,
      mode,
      (x) => conv2d(x, wx).square().add(conv2d(x, wy).square()).sqrt(),
      options.onProgress,
    );
  }
  const gx = applyFilter(image, kx, opts),
    gy = applyFilter(image, ky, opts);
  return gx.square().add(gy.square()).sqrt();
}

/**
 * Luminance 0.299 R + 0.587 G + 0.114 B of an RGB(A) image (3 or 4, H, W) or batch
 * (N, 3 or 4, H, W), keeping a channel axis of size 1; 1-channel images are returned as is.
 */
export function toGrayscale(image: Tensor): Tensor {
  if (!(image instanceof Tensor) || image.dtype !== 'float32')
    throw new TypeError('toGrayscale: image must be a float32 Tensor');
  if (image.ndim !== 3 && image.ndim !== 4)
    throw new RangeError(`toGrayscale: image must be (C, H, W) or (N, C, H, W), got shape ${fmt(image.shape)}`);
  const axis = image.ndim - 3;
  const c = image.shape[axis];
  if (c === 1) return image;
  if (c !== 3 && c !== 4)
    throw new RangeError(`toGrayscale: image must have 1, 3 or 4 channels, got ${c} (shape ${fmt(image.shape)})`);
  const rgb = c === 4 ? image.narrow(axis, 0, 3) : image;
  const weights = new Tensor(Float32Array.from([0.299, 0.587, 0.114]), [3, 1, 1]);
  return rgb.mul(weights).sum(axis, { keepDim: true });
}
