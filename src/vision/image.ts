/**
 * Image decoding and encoding (pure JS, Node and browsers): PNG through fast-png (every
 * colour type and bit depth, palettes included) and baseline/progressive JPEG through jpeg-js
 * (EXIF orientation applied), both behind validating passes (png-check.ts, jpeg-markers.ts) so
 * a corrupt or hostile file gets an error naming it; conversion to a float tensor (C, H, W) in
 * [0, 1] with alpha composited onto a background, optional grayscale conversion and bilinear
 * resizing; PNG and JPEG encoding of a tensor, the format chosen from a file extension.
 */
import { decode as decodePngRaw, encode as encodePngRaw, convertIndexedToRgb } from 'fast-png';
import * as jpeg from './generated/jpeg-js.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { applyOrientation, scanJpeg } from './jpeg-markers.js';
import { checkPng } from './png-check.js';

/** A decoded 8-bit image, pixels interleaved row-major (H, W, channels). */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  /** height * width * channels bytes. */
  data: Uint8Array;
}

/** Image formats decodeImage recognises. */
export type ImageFormat = 'png' | 'jpeg';

/** Detects PNG or JPEG from the first bytes, or null. */
export function imageFormat(bytes: Uint8Array): ImageFormat | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Largest image decoded, in megapixels (guards against decompression bombs). */
export const MAX_IMAGE_MEGAPIXELS = 100;
/**
 * Working memory jpeg-js may reserve for one image, checked before it allocates: a hostile
 * header cannot make it take more. About 50 megapixels of full-colour (4:4:4) JPEG fit.
 */
const JPEG_MAX_MEMORY_MB = 1024;

function checkChannels(op: string, c: number): 1 | 2 | 3 | 4 {
  if (c === 1 || c === 2 || c === 3 || c === 4) return c;
  throw new Error(`${op}: unsupported channel count ${c}`);
}

/** Options of decodeImage. */
export interface DecodeImageOptions {
  /** Turn JPEG pixels upright by their EXIF orientation tag, as viewers do (default true). */
  applyExifOrientation?: boolean;
}

/**
 * Decodes PNG or JPEG bytes to 8-bit pixels (JPEGs turned upright by their EXIF orientation
 * unless disabled); name is used in error messages, which all start `decodeImage: <name>`.
 */
export function decodeImage(bytes: Uint8Array, name = 'image', options: DecodeImageOptions = {}): DecodedImage {
  if (bytes.length === 0) throw new Error(`decodeImage: ${name} is empty (0 bytes)`);
  const format = imageFormat(bytes);
  if (format === null) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`decodeImage: ${name} is neither PNG nor JPEG (first bytes: ${head || 'none'})`);
  }
  try {
    return format === 'png' ? decodePng(bytes, name) : decodeJpeg(bytes, name, options.applyExifOrientation ?? true);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith('decodeImage:')) throw new Error(msg);
    const cut = format === 'jpeg' && !hasJpegEnd(bytes) ? ' (it has no end-of-image marker: truncated?)' : '';
    throw new Error(
      `decodeImage: ${name} is a corrupt or unsupported ${format.toUpperCase()}${cut}: ${msg.split('\n')[0]}`,
    );
  }
}

/** Whether a JPEG's end-of-image marker (FF D9) is among its last bytes (some writers append padding). */
function hasJpegEnd(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 1024); i--)
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  return false;
}

function decodeJpeg(bytes: Uint8Array, name: string, orient: boolean): DecodedImage {
  const info = scanJpeg(bytes, name);
  if (info.width * info.height > MAX_IMAGE_MEGAPIXELS * 1e6) {
    throw new Error(
      `decodeImage: ${name} declares ${info.width}x${info.height} pixels (${((info.width * info.height) / 1e6).toFixed(0)} megapixels), more than the ${MAX_IMAGE_MEGAPIXELS}-megapixel limit`,
    );
  }
  // Every 8x8 block of the full-resolution component costs at least one bit (its DC code), so a
  // file too small for its declared size is corrupt: refuse it before jpeg-js allocates for it.
  const blocks = Math.ceil(info.width / 8) * Math.ceil(info.height / 8);
  if (bytes.length * 8 < blocks) {
    throw new Error(
      `decodeImage: ${name} declares ${info.width}x${info.height} pixels but has only ${bytes.length} bytes (at least ${Math.ceil(blocks / 8)} are needed): corrupt or truncated`,
    );
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_IMAGE_MEGAPIXELS,
      maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxMemoryUsageInMB/.test(msg))
      throw new Error(
        `decodeImage: ${name} (${info.width}x${info.height}) needs more than the ${JPEG_MAX_MEMORY_MB} MB of working memory allowed for decoding a JPEG; scale it down first`,
      );
    throw e;
  }
  const decoded: DecodedImage = {
    width: img.width,
    height: img.height,
    channels: 3,
    data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.width * img.height * 3),
  };
  return orient ? applyOrientation(decoded, info.orientation) : decoded;
}

function decodePng(raw: Uint8Array, name: string): DecodedImage {
  // Validate every chunk, the size and the inflated length before fast-png allocates anything.
  const { bytes } = checkPng(raw, name, MAX_IMAGE_MEGAPIXELS);
  const png = decodePngRaw(bytes);
  const { width, height, depth } = png;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const channels = checkChannels('decodeImage', rgb.length / (width * height));
    return { width, height, channels, data: rgb };
  }
  const channels = checkChannels('decodeImage', png.channels);
  const n = width * height * channels;
  const out = new Uint8Array(n);
  if (depth === 16) {
    const src = png.data as Uint16Array;
    for (let i = 0; i < n; i++) out[i] = src[i] >>> 8;
  } else if (depth === 8) {
    out.set(png.data.subarray(0, n));
  } else {
    // 1, 2 or 4 bits per sample, packed MSB-first, each row starting on a byte boundary.
    const src = png.data as Uint8Array;
    const rowBytes = Math.ceil((depth * channels * width) / 8);
    const maxV = (1 << depth) - 1,
      perRow = width * channels;
    for (let y = 0; y < height; y++) {
      for (let k = 0; k < perRow; k++) {
        const bit = k * depth;
        const byte = src[y * rowBytes + (bit >> 3)];
        const v = (byte >> (8 - depth - (bit & 7))) & maxV;
        out[y * perRow + k] = Math.round((v * 255) / maxV);
      }
    }
  }
  return { width, height, channels, data: out };
}

/** Options of imageToTensor. */
export interface ImageToTensorOptions {
  /** Output size: a side length for square output, or [height, width]; default: keep the size. */
  size?: number | readonly [number, number];
  /** One luminance channel (0.299 R + 0.587 G + 0.114 B) instead of three RGB channels. */
  grayscale?: boolean;
  /**
   * What transparent pixels are composited onto: 'white', 'black', a gray level in [0, 1], or
   * 'auto' (default): white under dark ink and black under light ink, judged by the
   * alpha-weighted mean luminance of the image, so a drawing exported with a transparent
   * background (black ink, as canvas apps save it) reads as ink on paper, never all black.
   */
  background?: ImageBackground;
}

/** Background under transparent pixels: see ImageToTensorOptions.background. */
export type ImageBackground = 'auto' | 'white' | 'black' | number;

/** The gray level in [0, 1] transparent pixels of img are composited onto. */
export function backgroundLevel(img: DecodedImage, background: ImageBackground = 'auto'): number {
  if (background === 'white') return 1;
  if (background === 'black') return 0;
  if (typeof background === 'number') {
    if (!(background >= 0 && background <= 1))
      throw new RangeError(
        `imageToTensor: background must be 'auto', 'white', 'black' or a gray level in [0, 1], got ${background}`,
      );
    return background;
  }
  if (background !== 'auto')
    throw new RangeError(
      `imageToTensor: background must be 'auto', 'white', 'black' or a gray level in [0, 1], got ${JSON.stringify(background)}`,
    );
  const { channels: ic, data } = img;
  if (ic !== 2 && ic !== 4) return 1;
  let ink = 0,
    weight = 0;
  for (let o = 0; o < data.length; o += ic) {
    const a = data[o + ic - 1];
    if (a === 0) continue;
    const lum = ic === 2 ? data[o] : 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
    ink += a * lum;
    weight += a;
  }
  return weight > 0 && ink / weight > 127.5 ? 0 : 1;
}

/**
 * Converts a decoded image to a float32 tensor (C, H, W) in [0, 1]: C = 3 (RGB; gray is
 * replicated) or 1 with grayscale; an alpha channel is composited onto options.background
 * (out = alpha·colour + (1 - alpha)·background); resized bilinearly when size is given.
 */
export function imageToTensor(img: DecodedImage, options: ImageToTensorOptions = {}): Tensor {
  const { width: w, height: h, channels: ic, data } = img;
  if (data.length !== w * h * ic)
    throw new RangeError(`imageToTensor: image data has ${data.length} bytes but ${w}x${h}x${ic} needs ${w * h * ic}`);
  const bg = backgroundLevel(img, options.background) * 255;
  const hasAlpha = ic === 2 || ic === 4;
  const oc = options.grayscale ? 1 : 3;
  const planes = new Float32Array(oc * h * w);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    const o = p * ic;
    let r: number, g: number, b: number;
    if (ic <= 2) {
      r = g = b = data[o];
    } else {
      r = data[o];
      g = data[o + 1];
      b = data[o + 2];
    }
    if (hasAlpha) {
      const a = data[o + ic - 1] / 255;
      r = a * r + (1 - a) * bg;
      g = a * g + (1 - a) * bg;
      b = a * b + (1 - a) * bg;
    }
    if (oc === 1) planes[p] = (ic <= 2 ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else {
      planes[p] = r / 255;
      planes[plane + p] = g / 255;
      planes[2 * plane + p] = b / 255;
    }
  }
  const t = new Tensor(planes, [oc, h, w]);
  if (options.size === undefined) return t;
  const [oh, ow] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
  return resizeBilinear(t, oh, ow);
}

/**
 * Bilinear resize of a (C, H, W) or (N, C, H, W) float tensor with half-pixel centres
 * (align_corners = false, no antialiasing), as torch.nn.functional.interpolate(mode='bilinear').
 */
export function resizeBilinear(x: Tensor, outH: number, outW: number): Tensor {
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new RangeError(`resizeBilinear: expected (C, H, W) or (N, C, H, W), got shape ${fmt(x.shape)}`);
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1)
    throw new RangeError(`resizeBilinear: output size must be positive integers, got ${outH}x${outW}`);
  if (!(x.data instanceof Float32Array))
    throw new TypeError(`resizeBilinear: expected a float32 tensor, got ${x.dtype}`);
  const h = x.shape[x.ndim - 2],
    w = x.shape[x.ndim - 1];
  const planes = x.size / (h * w);
  if (h === outH && w === outW) return new Tensor(x.data.slice(), x.shape);
  const src = x.data,
    out = new Float32Array(planes * outH * outW);
  const sy = h / outH,
    sx = w / outW;
  const x0s = new Int32Array(outW),
    x1s = new Int32Array(outW),
    fxs = new Float32Array(outW);
  for (let j = 0; j < outW; j++) {
    const fx = Math.min(Math.max((j + 0.5) * sx - 0.5, 0), w - 1);
    x0s[j] = Math.floor(fx);
    x1s[j] = Math.min(x0s[j] + 1, w - 1);
    fxs[j] = fx - x0s[j];
  }
  for (let p = 0; p < planes; p++) {
    const base = p * h * w,
      obase = p * outH * outW;
    for (let i = 0; i < outH; i++) {
      const fy = Math.min(Math.max((i + 0.5) * sy - 0.5, 0), h - 1);
      const y0 = Math.floor(fy),
        y1 = Math.min(y0 + 1, h - 1),
        wy = fy - y0;
      const r0 = base + y0 * w,
        r1 = base + y1 * w;
      for (let j = 0; j < outW; j++) {
        const a = src[r0 + x0s[j]],
          b = src[r0 + x1s[j]],
          c = src[r1 + x0s[j]],
          d = src[r1 + x1s[j]];
        const wx = fxs[j];
        out[obase + i * outW + j] = (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * c + wx * d);
      }
    }
  }
  return new Tensor(out, [...x.shape.slice(0, -2), outH, outW]);
}

/**
 * 8-bit interleaved pixels of an image tensor: (H, W) or (C, H, W) with C in 1..4; float32
 * values in [0, 1] are scaled by 255, int32 values are taken as 0..255 (both are clamped).
 */
export function tensorToImage(t: Tensor): DecodedImage {
  const shape = t.ndim === 2 ? [1, t.shape[0], t.shape[1]] : t.shape;
  if (shape.length !== 3 || shape[0] < 1 || shape[0] > 4)
    throw new RangeError(`tensorToImage: expected (H, W) or (C, H, W) with 1 to 4 channels, got shape ${fmt(t.shape)}`);
  const [c, h, w] = shape;
  const scale = t.dtype === 'float32' ? 255 : 1;
  const out = new Uint8Array(h * w * c),
    src = t.data,
    plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < plane; p++) {
      const v = Math.round(src[ch * plane + p] * scale);
      out[p * c + ch] = v < 0 ? 0 : v > 255 ? 255 : Number.isNaN(v) ? 0 : v;
    }
  }
  return { width: w, height: h, channels: checkChannels('tensorToImage', c), data: out };
}

/** Encodes an image tensor ((H, W) or (C, H, W), see tensorToImage) or decoded pixels as 8-bit PNG bytes. */
export function encodePng(image: Tensor | DecodedImage): Uint8Array {
  const img = image instanceof Tensor ? tensorToImage(image) : image;
  if (img.data.length !== img.width * img.height * img.channels)
    throw new RangeError(
      `encodePng: data has ${img.data.length} bytes but ${img.width}x${img.height}x${img.channels} needs ${img.width * img.height * img.channels}`,
    );
  return encodePngRaw({ width: img.width, height: img.height, data: img.data, channels: img.channels, depth: 8 });
}

/**
 * Encodes an image tensor or decoded pixels as baseline JPEG bytes (quality 1..100, default
 * 92); gray is stored as RGB. JPEG has no alpha channel, so 2- and 4-channel images are refused.
 */
export function encodeJpeg(image: Tensor | DecodedImage, quality = 92): Uint8Array {
  const img = image instanceof Tensor ? tensorToImage(image) : image;
  const { width: w, height: h, channels: c, data } = img;
  if (data.length !== w * h * c)
    throw new RangeError(`encodeJpeg: data has ${data.length} bytes but ${w}x${h}x${c} needs ${w * h * c}`);
  if (c === 2 || c === 4)
    throw new RangeError(`encodeJpeg: JPEG has no alpha channel; this image has ${c} channels (save it as PNG)`);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100)
    throw new RangeError(`encodeJpeg: quality must be an integer in 1..100, got ${quality}`);
  const rgba = new Uint8Array(w * h * 4);
  for (let p = 0, o = 0; p < w * h; p++, o += c) {
    rgba[4 * p] = data[o];
    rgba[4 * p + 1] = data[c === 1 ? o : o + 1];
    rgba[4 * p + 2] = data[c === 1 ? o : o + 2];
    rgba[4 * p + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width: w, height: h }, quality).data);
}

/** Image file extensions convkit writes, and their formats. */
const EXTENSIONS: Record<string, ImageFormat> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg' };

/** The image format a file name asks for by its extension (.png, .jpg, .jpeg; any case), or a RangeError naming it. */
export function imageFormatForPath(path: string): ImageFormat {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot).toLowerCase() : '';
  const format = EXTENSIONS[ext];
  if (!format)
    throw new RangeError(
      `${path}: cannot write images with ${ext ? `the extension '${base.slice(dot)}'` : 'no extension'}; use .png, .jpg or .jpeg`,
    );
  return format;
}

/** Encodes an image tensor or decoded pixels in the given format (PNG, or JPEG at quality). */
export function encodeImage(image: Tensor | DecodedImage, format: ImageFormat, quality?: number): Uint8Array {
  if (format === 'png') return encodePng(image);
  if (format === 'jpeg') return encodeJpeg(image, quality);
  throw new RangeError(`encodeImage: format must be 'png' or 'jpeg', got ${JSON.stringify(format)}`);
}

/**
 * Width and height declared by PNG or JPEG bytes, read from the header alone (IHDR, or the
 * JPEG frame header) without decoding; null when the header is missing or unreadable.
 */
export function imageDimensions(bytes: Uint8Array): {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
} | null {
  const format = imageFormat(bytes);
  if (format === 'png') {
    if (bytes.length < 24 || String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
  }
  if (format === 'jpeg') {
    try {
      const { width, height } = scanJpeg(bytes, 'image');
      return { width, height };
    } catch {
      return null;
    }
  }
  return null;
}
