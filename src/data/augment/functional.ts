/**
 * Deterministic image operations behind the random augmentations, one image (C, H, W) at a time
 * in a Float32Array (values in [0, 1]), with torchvision.transforms.v2.functional's formulas:
 * brightness, contrast, saturation, hue (via HSV), grayscale (ITU-R 601-2 luma), Gaussian blur
 * (reflect padding), affine warps (torchvision's inverse matrix with rotation, translation,
 * scale and shear), antialiased bilinear resized crops (PIL's triangle filter, as
 * torch's antialias=True), posterize, solarize, autocontrast, equalize and sharpness.
 * Each returns a new array and leaves its input untouched.
 */
import { clamp01 } from './util.js';

/** Luma of an image: 0.2989 R + 0.587 G + 0.114 B for 3 channels, the plane itself for 1, the channel mean otherwise. */
export function grayscale(img: Float32Array, c: number, hw: number): Float32Array {
  const g = new Float32Array(hw);
  if (c === 3) {
    for (let i = 0; i < hw; i++) g[i] = 0.2989 * img[i] + 0.587 * img[hw + i] + 0.114 * img[2 * hw + i];
  } else {
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) g[i] += img[ch * hw + i] / c;
  }
  return g;
}

/** clamp(f * img + (1 - f) * other) where other is a per-pixel plane (broadcast over channels) or a constant. */
function blend(img: Float32Array, c: number, hw: number, f: number, other: Float32Array | number): Float32Array {
  const out = new Float32Array(img.length);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * hw;
    for (let i = 0; i < hw; i++) {
      const b = typeof other === 'number' ? other : other[i];
      out[o + i] = clamp01(f * img[o + i] + (1 - f) * b);
    }
  }
  return out;
}

/** Brightness: clamp(f * img) (f = 0 gives black, 1 the original). */
export function adjustBrightness(img: Float32Array, c: number, hw: number, f: number): Float32Array {
  return blend(img, c, hw, f, 0);
}

/** Contrast: blend with the mean of the image's luma (f = 0 gives a flat grey image). */
export function adjustContrast(img: Float32Array, c: number, hw: number, f: number): Float32Array {
  const g = grayscale(img, c, hw);
  let mean = 0;
  for (let i = 0; i < hw; i++) mean += g[i];
  return blend(img, c, hw, f, mean / hw);
}

/** Saturation: blend with the image's luma (f = 0 gives grayscale); 1-channel images are returned unchanged (as torchvision). */
export function adjustSaturation(img: Float32Array, c: number, hw: number, f: number): Float32Array {
  if (c !== 3) return img.slice();
  return blend(img, c, hw, f, grayscale(img, c, hw));
}

/** Hue: rotates the HSV hue by h in [-0.5, 0.5] turns; only 3-channel images change (as torchvision). */
export function adjustHue(img: Float32Array, c: number, hw: number, h: number): Float32Array {
  if (c !== 3) return img.slice();
  const out = new Float32Array(img.length);
  for (let i = 0; i < hw; i++) {
    const r = img[i],
      g = img[hw + i],
      b = img[2 * hw + i];
    const maxc = Math.max(r, g, b),
      minc = Math.min(r, g, b);
    const eq = maxc === minc;
    const cr = maxc - minc;
    const s = cr / (eq ? 1 : maxc);
    const div = eq ? 1 : cr;
    const rc = (maxc - r) / div,
      gc = (maxc - g) / div,
      bc = (maxc - b) / div;
    let hue: number;
    if (maxc === r) hue = bc - gc;
    else if (maxc === g) hue = 2 + rc - bc;
    else hue = 4 + gc - rc;
    hue = (((hue / 6 + 1) % 1) + h + 1) % 1;
    const v = maxc;
    const i6 = Math.floor(hue * 6);
    const f = hue * 6 - i6;
    const p = clamp01(v * (1 - s)),
      q = clamp01(v * (1 - s * f)),
      t = clamp01(v * (1 - s * (1 - f)));
    let rr: number, gg: number, bb: number;
    switch (((i6 % 6) + 6) % 6) {
      case 0:
        [rr, gg, bb] = [v, t, p];
        break;
      case 1:
        [rr, gg, bb] = [q, v, p];
        break;
      case 2:
        [rr, gg, bb] = [p, v, t];
        break;
      case 3:
        [rr, gg, bb] = [p, q, v];
        break;
      case 4:
        [rr, gg, bb] = [t, p, v];
        break;
      default:
        [rr, gg, bb] = [v, p, q];
    }
    out[i] = rr;
    out[hw + i] = gg;
    out[2 * hw + i] = bb;
  }
  return out;
}

/** torchvision's 1-D Gaussian kernel: exp(-x²/(2σ²)) at x = -(k-1)/2 .. (k-1)/2, normalised to sum 1. */
export function gaussianKernel1d(k: number, sigma: number): Float64Array {
  const w = new Float64Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const x = i - (k - 1) / 2;
    w[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    sum += w[i];
  }
  for (let i = 0; i < k; i++) w[i] /= sum;
  return w;
}

/** Index i reflected into [0, n) without repeating the edge (PyTorch's 'reflect' padding: c b | a b c d | c b). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}

/** Separable Gaussian blur with kernel sizes [kx, ky] and sigmas [sx, sy], reflect padding (torchvision's gaussian_blur). */
export function gaussianBlur(
  img: Float32Array,
  c: number,
  h: number,
  w: number,
  kernel: readonly [number, number],
  sigma: readonly [number, number],
): Float32Array {
  const kx = gaussianKernel1d(kernel[0], sigma[0]),
    ky = gaussianKernel1d(kernel[1], sigma[1]);
  const rx = (kernel[0] - 1) / 2,
    ry = (kernel[1] - 1) / 2;
  const tmp = new Float32Array(h * w),
    out = new Float32Array(img.length);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let t = 0; t < kx.length; t++) s += kx[t] * img[o + i * w + reflect(j + t - rx, w)];
        tmp[i * w + j] = s;
      }
    }
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let t = 0; t < ky.length; t++) s += ky[t] * tmp[reflect(i + t - ry, h) * w + j];
        out[o + i * w + j] = s;
      }
    }
  }
  return out;
}

/** Parameters of an affine warp (torchvision's F.affine: angle and shear in degrees). */
export interface AffineParams {
  /** Rotation in degrees (torchvision's sign: positive turns the content counter-clockwise on screen). */
  angle: number;
  /** Shift [dx, dy] in pixels. */
  translate: readonly [number, number];
  /** Zoom factor (> 0). */
  scale: number;
  /** Shear angles [x, y] in degrees. */
  shear: readonly [number, number];
  /** Centre of rotation/shear in pixels from the top-left corner; default the image centre. */
  center?: readonly [number, number];
}

/**
 * torchvision's _get_inverse_affine_matrix: the 2x3 map from output to input coordinates, both
 * measured from the image centre (x right, y down), for rotation/scale/shear about `center`
 * (given relative to the image centre) followed by the translation.
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): number[] {
  const rot = (angle * Math.PI) / 180,
    sx = (shear[0] * Math.PI) / 180,
    sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center,
    [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** Interpolation of warps and resizes. */
export type Interpolation = 'nearest' | 'bilinear';

/** Round half to even (grid_sample's nearest rounding). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * An affine warp of one image with torchvision's geometry (F.affine on a tensor: output pixel
 * centres mapped through the inverse matrix, grid_sample with align_corners=False). Source
 * points outside the image read `fill`; bilinear taps outside the image read `fill` too.
 */
export function affine(
  img: Float32Array,
  c: number,
  h: number,
  w: number,
  p: AffineParams,
  interpolation: Interpolation,
  fill: number,
): Float32Array {
  // torchvision passes the centre relative to the image centre: c - size / 2
  const center: [number, number] = p.center ? [p.center[0] - w * 0.5, p.center[1] - h * 0.5] : [0, 0];
  const m = inverseAffineMatrix(center, p.angle, p.translate, p.scale, p.shear);
  const out = new Float32Array(img.length);
  const ox = (w - 1) / 2,
    oy = (h - 1) / 2;
  const hw = h * w;
  for (let i = 0; i < h; i++) {
    const y = i - oy;
    // source coordinates of (j, i) are affine in j: start at j = 0 and step by (m0, m3)
    let sx = m[1] * y + m[2] + ox - m[0] * ox,
      sy = m[4] * y + m[5] + oy - m[3] * ox;
    for (let j = 0; j < w; j++, sx += m[0], sy += m[3]) {
      const o = i * w + j;
      if (interpolation === 'nearest') {
        const rx = roundEven(sx),
          ry = roundEven(sy);
        const inside = rx >= 0 && rx < w && ry >= 0 && ry < h;
        for (let ch = 0; ch < c; ch++) out[ch * hw + o] = inside ? img[ch * hw + ry * w + rx] : fill;
      } else {
        for (let ch = 0; ch < c; ch++) out[ch * hw + o] = bilinearAt(img, ch * hw, h, w, sy, sx, fill);
      }
    }
  }
  return out;
}

/** Bilinear sample of the plane at base at (y, x); taps outside the plane read fill. */
export function bilinearAt(
  src: Float32Array,
  base: number,
  h: number,
  w: number,
  y: number,
  x: number,
  fill: number,
): number {
  const y0 = Math.floor(y),
    x0 = Math.floor(x);
  const fy = y - y0,
    fx = x - x0;
  const inY0 = y0 >= 0 && y0 < h,
    inY1 = y0 + 1 >= 0 && y0 + 1 < h,
    inX0 = x0 >= 0 && x0 < w,
    inX1 = x0 + 1 >= 0 && x0 + 1 < w;
  const r0 = base + y0 * w,
    r1 = r0 + w;
  const v00 = inY0 && inX0 ? src[r0 + x0] : fill,
    v01 = inY0 && inX1 ? src[r0 + x0 + 1] : fill,
    v10 = inY1 && inX0 ? src[r1 + x0] : fill,
    v11 = inY1 && inX1 ? src[r1 + x0 + 1] : fill;
  return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
}

/** Per output index: first input index and normalised weights (PIL / torch antialias bilinear). */
function resampleWeights(inSize: number, outSize: number): { start: Int32Array; weights: Float64Array[] } {
  const scale = inSize / outSize;
  const ss = Math.max(scale, 1);
  const support = ss; // the triangle (bilinear) filter has support 1
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(Math.floor(center - support + 0.5), 0);
    const xmax = Math.min(Math.floor(center + support + 0.5), inSize);
    const ws = new Float64Array(Math.max(0, xmax - xmin));
    let sum = 0;
    for (let j = 0; j < ws.length; j++) {
      const t = Math.abs((j + xmin - center + 0.5) / ss);
      ws[j] = t < 1 ? 1 - t : 0;
      sum += ws[j];
    }
    if (sum > 0) for (let j = 0; j < ws.length; j++) ws[j] /= sum;
    start[i] = xmin;
    weights.push(ws);
  }
  return { start, weights };
}

/**
 * Crops the window (top, left, ch, cw) of an image and resizes it to (oh, ow) with antialiased
 * bilinear interpolation (torchvision's resized_crop with antialias=True; plain bilinear with
 * align_corners=False when enlarging).
 */
export function resizedCrop(
  img: Float32Array,
  c: number,
  h: number,
  w: number,
  box: readonly [number, number, number, number],
  oh: number,
  ow: number,
): Float32Array {
  const [top, left, bh, bw] = box;
  const wx = resampleWeights(bw, ow),
    wy = resampleWeights(bh, oh);
  const tmp = new Float64Array(bh * ow);
  const out = new Float32Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let i = 0; i < bh; i++) {
      const row = base + (top + i) * w + left;
      for (let j = 0; j < ow; j++) {
        const ws = wx.weights[j],
          s0 = wx.start[j];
        let s = 0;
        for (let k = 0; k < ws.length; k++) s += ws[k] * img[row + s0 + k];
        tmp[i * ow + j] = s;
      }
    }
    for (let i = 0; i < oh; i++) {
      const ws = wy.weights[i],
        s0 = wy.start[i];
      for (let j = 0; j < ow; j++) {
        let s = 0;
        for (let k = 0; k < ws.length; k++) s += ws[k] * tmp[(s0 + k) * ow + j];
        out[ch * oh * ow + i * ow + j] = s;
      }
    }
  }
  return out;
}

/** 8-bit level of a [0, 1] value (as torchvision's float to uint8 conversion rounds: floor(v * 255.999)). */
function level(v: number): number {
  return Math.floor(clamp01(v) * 255.999);
}

/** Keeps the top `bits` bits of each 8-bit level (torchvision's posterize on uint8 images). */
export function posterize(img: Float32Array, bits: number): Float32Array {
  const mask = ~((1 << (8 - bits)) - 1) & 255;
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = (level(img[i]) & mask) / 255;
  return out;
}

/** Inverts every value >= threshold: v -> 1 - v. */
export function solarize(img: Float32Array, threshold: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = img[i] >= threshold ? 1 - img[i] : img[i];
  return out;
}

/** Stretches each channel's min..max to 0..1 (channels with max = min stay as they are). */
export function autocontrast(img: Float32Array, c: number, hw: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * hw;
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < hw; i++) {
      lo = Math.min(lo, img[o + i]);
      hi = Math.max(hi, img[o + i]);
    }
    const flat = hi === lo;
    const sc = flat ? 1 : 1 / (hi - lo),
      mn = flat ? 0 : lo;
    for (let i = 0; i < hw; i++) out[o + i] = clamp01((img[o + i] - mn) * sc);
  }
  return out;
}

/** Histogram equalisation per channel on 8-bit levels (torchvision's / PIL's equalize). */
export function equalize(img: Float32Array, c: number, hw: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * hw;
    const hist = new Float64Array(256);
    const lv = new Int32Array(hw);
    for (let i = 0; i < hw; i++) {
      lv[i] = level(img[o + i]);
      hist[lv[i]]++;
    }
    let last = 0,
      nonzero = 0;
    for (let k = 0; k < 256; k++)
      if (hist[k] > 0) {
        nonzero++;
        last = hist[k];
      }
    const step = Math.floor((hw - last) / 255);
    if (nonzero <= 1 || step === 0) {
      for (let i = 0; i < hw; i++) out[o + i] = img[o + i];
      continue;
    }
    const lut = new Float64Array(256);
    let cum = 0;
    for (let k = 0; k < 256; k++) {
      lut[k] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step)); // lut shifted right by one
      cum += hist[k];
    }
    for (let i = 0; i < hw; i++) out[o + i] = lut[lv[i]] / 255;
  }
  return out;
}

/** Sharpness: blends with the image smoothed by [[1,1,1],[1,5,1],[1,1,1]]/13 (borders kept); f > 1 sharpens. */
export function adjustSharpness(img: Float32Array, c: number, h: number, w: number, f: number): Float32Array {
  if (h <= 2 || w <= 2) return img.slice();
  const deg = img.slice();
  for (let ch = 0; ch < c; ch++) {
    const o = ch * h * w;
    for (let i = 1; i < h - 1; i++) {
      for (let j = 1; j < w - 1; j++) {
        let s = 4 * img[o + i * w + j];
        for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) s += img[o + (i + di) * w + j + dj];
        deg[o + i * w + j] = s / 13;
      }
    }
  }
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = clamp01(f * img[i] + (1 - f) * deg[i]);
  return out;
}
