/**
 * An image grid with captions (samples, predictions, feature maps): each image is embedded as a
 * PNG data: URL (fast-png) and drawn pixelated, with its caption under it.
 */
import { encode } from 'fast-png';
import { figureSize, svgDocument, type FigureOptions } from './frame.js';
import { base64, el, text } from './svg.js';
import { textWidth } from './style.js';

/** One image: values row-major, channel-last (1 = grey, 3 = RGB), in [0, 1] unless scaled. */
export interface ImageData2D {
  /** Values row-major, channel-last. */
  data: ArrayLike<number>;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 (grey, default) or 3 (RGB). */
  channels?: 1 | 3;
}

/** Options of imageGrid. */
export interface ImageGridOptions extends FigureOptions {
  /** One caption per image (e.g. 'label 7 / predicted 7'). */
  captions?: readonly string[];
  /** Images per row (default: about the square root of the count). */
  columns?: number;
  /** Stretch each image's own min..max to black..white (default false: values are in [0, 1]). */
  normalize?: boolean;
  /** Pixels per image side in the figure (default: to fill the width, at most 160). */
  cell?: number;
}

/** Images from a [N, C, H, W] / [N, H, W] tensor-like, or a list. */
function toImages(
  input: readonly ImageData2D[] | { data: ArrayLike<number>; shape: readonly number[] },
): ImageData2D[] {
  if (Array.isArray(input)) return [...(input as readonly ImageData2D[])];
  const { data, shape } = input as { data: ArrayLike<number>; shape: readonly number[] };
  const s = shape.length === 3 ? [shape[0], 1, shape[1], shape[2]] : [...shape];
  if (s.length !== 4 || (s[1] !== 1 && s[1] !== 3))
    throw new RangeError(
      `plot.imageGrid: images must have shape [N, H, W], [N, 1, H, W] or [N, 3, H, W], got [${shape.join(', ')}]`,
    );
  const [n, c, h, w] = s;
  return Array.from({ length: n }, (_, i) => {
    const out = new Float32Array(h * w * c);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p * c + ch] = data[(i * c + ch) * h * w + p];
    return { data: out, width: w, height: h, channels: c as 1 | 3 };
  });
}

/** One image as a PNG data: URL. */
function pngUrl(im: ImageData2D, normalize: boolean, index: number): string {
  const c = im.channels ?? 1;
  const n = im.width * im.height;
  if (!Number.isInteger(im.width) || !Number.isInteger(im.height) || im.width < 1 || im.height < 1 || n > 4096 * 4096)
    throw new RangeError(`plot.imageGrid: image ${index} has size ${im.width}x${im.height}`);
  if (im.data.length !== n * c)
    throw new RangeError(
      `plot.imageGrid: image ${index} has ${im.data.length} values, ${im.width}x${im.height}x${c} needs ${n * c}`,
    );
  let lo = 0,
    hi = 1;
  if (normalize) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < im.data.length; i++) {
      const v = im.data[i];
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!(hi > lo)) {
      lo = 0;
      hi = 1;
    }
  }
  const px = new Uint8Array(n * c);
  for (let i = 0; i < px.length; i++) {
    const v = (im.data[i] - lo) / (hi - lo);
    px[i] = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
  }
  return (
    'data:image/png;base64,' + base64(encode({ width: im.width, height: im.height, data: px, channels: c, depth: 8 }))
  );
}

/** A grid of images with a caption under each, as an SVG document. */
export function imageGrid(
  input: readonly ImageData2D[] | { data: ArrayLike<number>; shape: readonly number[] },
  options: ImageGridOptions = {},
): string {
  const images = toImages(input);
  if (images.length === 0) throw new RangeError('plot.imageGrid: no images');
  if (images.length > 1024) throw new RangeError(`plot.imageGrid: at most 1024 images, got ${images.length}`);
  const caps = options.captions;
  if (caps && caps.length !== images.length)
    throw new RangeError(`plot.imageGrid: ${caps.length} captions for ${images.length} images`);
  const cols = Math.max(1, Math.min(images.length, options.columns ?? Math.ceil(Math.sqrt(images.length))));
  const rows = Math.ceil(images.length / cols);
  const capH = caps ? 18 : 4;
  const pad = 10;
  const longest = caps ? Math.max(...caps.map((c) => textWidth(c, 11))) : 0;
  const cell = options.cell ?? Math.max(28, Math.min(160, Math.floor((options.width ?? 760) / cols) - pad));
  const slot = Math.max(cell, longest) + pad;
  const [w, h] = figureSize(
    options,
    Math.max(240, Math.ceil(cols * slot + pad)),
    Math.ceil(44 + rows * (cell + capH + pad)),
  );
  const x0 = (w - cols * slot) / 2;
  let body = '';
  images.forEach((im, i) => {
    const cx = x0 + (i % cols) * slot + slot / 2;
    const y = 40 + Math.floor(i / cols) * (cell + capH + pad);
    const scale = cell / Math.max(im.width, im.height);
    const iw = im.width * scale,
      ih = im.height * scale;
    body += el('image', {
      x: cx - iw / 2,
      y: y + (cell - ih) / 2,
      width: iw,
      height: ih,
      href: pngUrl(im, options.normalize ?? false, i),
      'image-rendering': 'optimizeSpeed',
      style: 'image-rendering:pixelated',
      preserveAspectRatio: 'none',
    });
    body += el('rect', {
      x: cx - iw / 2,
      y: y + (cell - ih) / 2,
      width: iw,
      height: ih,
      fill: 'none',
      stroke: '#999999',
    });
    if (caps) body += text(cx, y + cell + 14, caps[i], { 'text-anchor': 'middle', 'font-size': 11, class: 'caption' });
  });
  return svgDocument(w, h, options.title ?? `${images.length} images`, el('g', { class: 'images' }, body));
}
