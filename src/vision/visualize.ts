/**
 * Turning tensors into pictures: min-max rescaling to [0, 1], tiling many small images into one
 * grid (`tileImages`), the learned filters of a conv layer (`filterGrid`, the lecture's
 * "Layer 1 filters (4x zoom)"), the feature maps of one input (`featureMapGrid`), a heat-map
 * colouring for saliency maps (`heatmap`), nearest-neighbour zoom, and `saveImage` (PNG or JPEG
 * by the file extension, written atomically). Image tensors are (C, H, W) float32 in [0, 1]
 * with C = 1 (gray) or 3 (RGB). Images built here are limited to MAX_OUTPUT_MEGAPIXELS, so a
 * large zoom gets an error naming the size instead of exhausting memory.
 */
import { atomicWriteFile } from '../io/atomic-write.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { encodeImage, imageFormatForPath, MAX_IMAGE_MEGAPIXELS } from './image.js';

/** Largest image (in megapixels) upscaleNearest and tileImages build: the decoding limit. */
export const MAX_OUTPUT_MEGAPIXELS = MAX_IMAGE_MEGAPIXELS;

/** Throws a RangeError when an op would build an image of height x width pixels over the limit. */
export function checkImageSize(op: string, height: number, width: number, hint = ''): void {
  if (height * width > MAX_OUTPUT_MEGAPIXELS * 1e6) {
    throw new RangeError(
      `${op}: the result would be ${width}x${height} pixels (${((height * width) / 1e6).toFixed(0)} megapixels), over the ${MAX_OUTPUT_MEGAPIXELS}-megapixel limit${hint}`,
    );
  }
}

/** Min-max rescales values to [0, 1] in place; a constant array becomes 0 (black). */
function rescaleInPlace(a: Float32Array): void {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  for (let i = 0; i < a.length; i++) a[i] = span > 0 && Number.isFinite(span) ? (a[i] - lo) / span : 0;
}

function clipInPlace(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    a[i] = v > 1 ? 1 : v > 0 ? v : 0;
  }
}

/** A copy of t min-max rescaled to [0, 1] (a constant tensor becomes all 0). */
export function rescale(t: Tensor): Tensor {
  const a = Float32Array.from(t.data);
  rescaleInPlace(a);
  return new Tensor(a, t.shape);
}

/** Nearest-neighbour zoom of an (H, W) or (C, H, W) image by an integer factor. */
export function upscaleNearest(image: Tensor, factor: number): Tensor {
  if (!Number.isInteger(factor) || factor < 1)
    throw new RangeError(`upscaleNearest: factor must be a positive integer, got ${factor}`);
  if (image.ndim !== 2 && image.ndim !== 3)
    throw new RangeError(`upscaleNearest: expected (H, W) or (C, H, W), got shape ${fmt(image.shape)}`);
  if (factor === 1) return image;
  const [c, h, w] = image.ndim === 2 ? [1, image.shape[0], image.shape[1]] : image.shape;
  const oh = h * factor,
    ow = w * factor;
  checkImageSize('upscaleNearest', oh, ow, `; use a smaller factor than ${factor}`);
  const src = image.data,
    out = new Float32Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < oh; i++) {
      const row = ch * h * w + Math.floor(i / factor) * w,
        orow = ch * oh * ow + i * ow;
      for (let j = 0; j < ow; j++) out[orow + j] = src[row + Math.floor(j / factor)];
    }
  }
  return new Tensor(out, image.ndim === 2 ? [oh, ow] : [c, oh, ow]);
}

/** Options of tileImages. */
export interface TileOptions {
  /** Tiles per row; default ceil(sqrt(count)). */
  columns?: number;
  /** Pixels of background between tiles and around the grid; default 1. */
  padding?: number;
  /** Background value in [0, 1]; default 1 (white). */
  padValue?: number;
  /** Integer nearest-neighbour zoom applied to each tile; default 1. */
  scale?: number;
}

function tileOpt(op: string, name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Tiles equally shaped (C, h, w) images row by row into one (C, H, W) grid image. */
export function tileImages(tiles: readonly Tensor[], options: TileOptions = {}): Tensor {
  const op = 'tileImages';
  if (tiles.length === 0) throw new RangeError(`${op}: no tiles given`);
  const first = tiles[0];
  if (first.ndim !== 3) throw new RangeError(`${op}: tiles must be (C, h, w), got shape ${fmt(first.shape)}`);
  for (const t of tiles)
    if (t.ndim !== 3 || t.shape.some((d, i) => d !== first.shape[i]))
      throw new RangeError(`${op}: all tiles must have shape ${fmt(first.shape)}, got ${fmt(t.shape)}`);
  const n = tiles.length;
  const cols = Math.min(n, tileOpt(op, 'columns', options.columns, Math.ceil(Math.sqrt(n)), 1));
  const rows = Math.ceil(n / cols);
  const pad = tileOpt(op, 'padding', options.padding, 1, 0);
  const scale = tileOpt(op, 'scale', options.scale, 1, 1);
  const padValue = options.padValue ?? 1;
  if (!Number.isFinite(padValue)) throw new RangeError(`${op}: padValue must be a finite number, got ${padValue}`);
  const [c, th, tw] = first.shape;
  const h = th * scale,
    w = tw * scale;
  const H = rows * h + (rows + 1) * pad,
    W = cols * w + (cols + 1) * pad;
  checkImageSize(op, H, W, scale > 1 ? `; use a smaller scale than ${scale}` : '');
  const out = new Float32Array(c * H * W).fill(padValue);
  tiles.forEach((t, k) => {
    const img = upscaleNearest(t, scale).data;
    const y0 = pad + Math.floor(k / cols) * (h + pad),
      x0 = pad + (k % cols) * (w + pad);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        const src = ch * h * w + i * w,
          dst = ch * H * W + (y0 + i) * W + x0;
        for (let j = 0; j < w; j++) out[dst + j] = img[src + j];
      }
    }
  });
  return new Tensor(out, [c, H, W]);
}

/** How filterGrid / featureMapGrid map values to [0, 1]. */
export type GridNormalize = 'each' | 'global' | 'none';

/** Options of filterGrid and featureMapGrid. */
export interface GridOptions {
  /**
   * 'each' min-max rescales every tile on its own (default for feature maps), 'global' uses
   * one range for all tiles so magnitudes compare (default for filters), 'none' clips to [0, 1].
   */
  normalize?: GridNormalize;
  /** Pixels between tiles; default 1. */
  padding?: number;
  /** Background value; default 1 (white). */
  padValue?: number;
  /** Nearest-neighbour zoom of every tile; default 1. */
  scale?: number;
  /** Tiles per row (featureMapGrid, and filterGrid when the filters are RGB or 1-channel). */
  columns?: number;
}

function normalizeTiles(op: string, tiles: Float32Array[], mode: GridNormalize): void {
  if (mode === 'each') for (const t of tiles) rescaleInPlace(t);
  else if (mode === 'none') for (const t of tiles) clipInPlace(t);
  else if (mode === 'global') {
    let lo = Infinity,
      hi = -Infinity;
    for (const t of tiles)
      for (const v of t) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    const span = hi - lo;
    for (const t of tiles)
      for (let i = 0; i < t.length; i++) t[i] = span > 0 && Number.isFinite(span) ? (t[i] - lo) / span : 0;
  } else throw new TypeError(`${op}: normalize must be 'each', 'global' or 'none', got ${JSON.stringify(mode)}`);
}

function tileOptions(o: GridOptions): TileOptions {
  return {
    padding: o.padding ?? 1,
    padValue: o.padValue ?? 1,
    scale: o.scale ?? 1,
    ...(o.columns !== undefined ? { columns: o.columns } : {}),
  };
}

/**
 * The learned filters of a conv layer, weight (O, C, kH, kW), as one image: with C = 3 each
 * filter is an RGB tile (the lecture's first-layer filter pictures), with C = 1 a gray tile,
 * otherwise a grid of O rows by C columns of gray tiles (one per input channel). Default
 * normalisation 'global' (one range for all filters).
 */
export function filterGrid(weight: Tensor, options: GridOptions = {}): Tensor {
  const op = 'filterGrid';
  if (!(weight instanceof Tensor) || weight.dtype !== 'float32')
    throw new TypeError(`${op}: weight must be a float32 Tensor`);
  if (weight.ndim !== 4)
    throw new RangeError(`${op}: weight must be 4-D (out, in, kH, kW), got shape ${fmt(weight.shape)}`);
  const [o, c, kh, kw] = weight.shape;
  if (weight.size === 0) throw new RangeError(`${op}: weight ${fmt(weight.shape)} is empty`);
  const src = weight.data as Float32Array;
  const color = c === 3 || c === 1;
  const per = color ? c * kh * kw : kh * kw;
  const tiles = Array.from({ length: color ? o : o * c }, (_, k) => src.slice(k * per, (k + 1) * per));
  normalizeTiles(op, tiles, options.normalize ?? 'global');
  const shape = color ? [c, kh, kw] : [1, kh, kw];
  const topts = tileOptions(options);
  if (!color) topts.columns = c;
  return tileImages(
    tiles.map((t) => new Tensor(t, shape)),
    topts,
  );
}

/** The feature maps (C, H, W) (or (1, C, H, W)) of one input as a grid of gray tiles; default normalisation 'each'. */
export function featureMapGrid(maps: Tensor, options: GridOptions = {}): Tensor {
  const op = 'featureMapGrid';
  if (!(maps instanceof Tensor) || maps.dtype !== 'float32')
    throw new TypeError(`${op}: maps must be a float32 Tensor`);
  const m = maps.ndim === 4 && maps.shape[0] === 1 ? maps.reshape(maps.shape.slice(1)) : maps;
  if (m.ndim !== 3) throw new RangeError(`${op}: maps must be (C, H, W) or (1, C, H, W), got shape ${fmt(maps.shape)}`);
  const [c, h, w] = m.shape;
  if (m.size === 0) throw new RangeError(`${op}: maps ${fmt(maps.shape)} are empty`);
  const src = m.data as Float32Array;
  const tiles = Array.from({ length: c }, (_, k) => src.slice(k * h * w, (k + 1) * h * w));
  normalizeTiles(op, tiles, options.normalize ?? 'each');
  return tileImages(
    tiles.map((t) => new Tensor(t, [1, h, w])),
    tileOptions(options),
  );
}

/**
 * Colours an (H, W) map (e.g. a saliency map) black → red → yellow → white ('hot') after
 * min-max rescaling; returns an RGB image (3, H, W).
 */
export function heatmap(map: Tensor): Tensor {
  const m = map.ndim === 3 && map.shape[0] === 1 ? map.reshape(map.shape.slice(1)) : map;
  if (m.ndim !== 2) throw new RangeError(`heatmap: expected an (H, W) map, got shape ${fmt(map.shape)}`);
  const v = rescale(m).data,
    n = v.length,
    out = new Float32Array(3 * n);
  const clip = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
  for (let i = 0; i < n; i++) {
    out[i] = clip(3 * v[i]);
    out[n + i] = clip(3 * v[i] - 1);
    out[2 * n + i] = clip(3 * v[i] - 2);
  }
  return new Tensor(out, [3, m.shape[0], m.shape[1]]);
}

/**
 * Writes an image tensor ((H, W) or (C, H, W), values in [0, 1], see tensorToImage) atomically
 * as PNG or JPEG, by the extension of path (.png, .jpg, .jpeg); any other extension is refused
 * before anything is written.
 */
export async function saveImage(path: string, image: Tensor, options: { quality?: number } = {}): Promise<void> {
  const format = imageFormatForPath(path);
  await atomicWriteFile(path, encodeImage(image, format, options.quality));
}
