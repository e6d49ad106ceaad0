/**
 * Images from a Blob or File (an <input type="file">, a drag-and-drop, a fetch): decoded by the
 * browser (createImageBitmap, then an OffscreenCanvas's pixels), so every format the browser
 * reads works (PNG, JPEG, WebP, GIF, AVIF, ...), EXIF orientation applied; where the host has
 * no createImageBitmap (Node) convkit's own PNG/JPEG decoder reads the bytes instead. The
 * declared size is checked against MAX_IMAGE_MEGAPIXELS before anything is decoded.
 */
import type { Tensor } from '../tensor/tensor.js';
import {
  decodeImage,
  imageDimensions,
  imageToTensor,
  MAX_IMAGE_MEGAPIXELS,
  type DecodedImage,
  type ImageToTensorOptions,
} from '../vision/image.js';
import { asBytes, type BinaryData } from './from-bytes.js';

interface BitmapLike {
  width: number;
  height: number;
  close(): void;
}
interface Canvas2DLike {
  drawImage(image: BitmapLike, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
interface BrowserImaging {
  createImageBitmap(blob: Blob, options?: Record<string, string>): Promise<BitmapLike>;
  OffscreenCanvas: new (
    w: number,
    h: number,
  ) => { getContext(kind: '2d', options?: Record<string, unknown>): Canvas2DLike | null };
}

function browserImaging(): BrowserImaging | null {
  const g = globalThis as Partial<BrowserImaging>;
  if (typeof g.createImageBitmap !== 'function' || typeof g.OffscreenCanvas !== 'function') return null;
  return g as BrowserImaging;
}

/**
 * Decodes an image Blob or File (or its bytes) to 8-bit RGBA pixels with the browser's decoder,
 * or convkit's PNG/JPEG decoder where there is none. name is used in errors (default: the File's name).
 */
export async function decodeImageBlob(image: Blob | BinaryData, name?: string): Promise<DecodedImage> {
  const op = 'decodeImageBlob';
  const isBlob = typeof Blob !== 'undefined' && image instanceof Blob;
  const label = name ?? (isBlob ? (image as { name?: string }).name || 'image' : 'image');
  const bytes = isBlob ? new Uint8Array(await (image as Blob).arrayBuffer()) : asBytes(op, image as BinaryData, label);
  if (bytes.length === 0) throw new Error(`${op}: ${label} is empty (0 bytes)`);
  const dims = imageDimensions(bytes);
  const tooBig = (w: number, h: number): boolean => w * h > MAX_IMAGE_MEGAPIXELS * 1e6;
  if (dims && tooBig(dims.width, dims.height))
    throw new RangeError(
      `${op}: ${label} declares ${dims.width}x${dims.height} pixels, more than the ${MAX_IMAGE_MEGAPIXELS}-megapixel limit`,
    );
  const imaging = browserImaging();
  if (!imaging) return decodeImage(bytes, label);
  let bitmap: BitmapLike;
  try {
    const blob = isBlob ? (image as Blob) : new Blob([bytes as Uint8Array<ArrayBuffer>]);
    bitmap = await imaging.createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new Error(
      `${op}: ${label} could not be decoded by the browser (not an image, or a format it cannot read): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  try {
    const { width, height } = bitmap;
    if (tooBig(width, height))
      throw new RangeError(
        `${op}: ${label} is ${width}x${height} pixels, more than the ${MAX_IMAGE_MEGAPIXELS}-megapixel limit`,
      );
    const ctx = new imaging.OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error(`${op}: ${label}: this browser gives no 2D context for an OffscreenCanvas`);
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    return { width, height, channels: 4, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
  } finally {
    bitmap.close();
  }
}

/**
 * An image Blob or File (or its bytes) as a float32 tensor (C, H, W) in [0, 1], as
 * vision.imageToTensor makes it (size, grayscale and background options).
 */
export async function imageFromBlob(
  image: Blob | BinaryData,
  options: ImageToTensorOptions & { name?: string } = {},
): Promise<Tensor> {
  const { name, ...rest } = options;
  return imageToTensor(await decodeImageBlob(image, name), rest);
}
