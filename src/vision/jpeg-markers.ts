/**
 * A bounds-checked walk over a JPEG's marker segments up to the first scan (SOS), before
 * jpeg-js decodes it: reads the frame size from SOF (so an oversized image is refused before any
 * pixel is allocated, naming the file), the EXIF orientation tag (0x0112) from an APP1 "Exif"
 * segment, and refuses a file that ends before its image data. Every offset is checked against
 * the segment and the file; a malformed EXIF block is ignored (orientation 1), as image viewers
 * do. Also `applyOrientation`, which turns decoded pixels upright for an EXIF orientation 1..8.
 */
import type { DecodedImage } from './image.js';

/** What scanJpeg read from the marker segments. */
export interface JpegInfo {
  width: number;
  height: number;
  /** EXIF orientation 1..8 (1 when absent or malformed). */
  orientation: number;
}

/** The EXIF orientation in a TIFF block bytes[start, end), or 1. */
function exifOrientation(bytes: Uint8Array, start: number, end: number): number {
  if (end - start < 8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
  const b0 = bytes[start],
    b1 = bytes[start + 1];
  const little = b0 === 0x49 && b1 === 0x49;
  if (!little && !(b0 === 0x4d && b1 === 0x4d)) return 1;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > view.byteLength) return 1;
    if (view.getUint16(e, little) !== 0x0112) continue;
    const type = view.getUint16(e + 2, little),
      n = view.getUint32(e + 4, little);
    if (type !== 3 || n < 1) return 1; // SHORT, inline
    const v = view.getUint16(e + 8, little);
    return v >= 1 && v <= 8 ? v : 1;
  }
  return 1;
}

/**
 * Walks the markers of JPEG bytes (SOI already checked by the caller) up to the first SOS.
 * Throws an Error starting with `decodeImage: <name>` on a truncated or malformed file.
 */
export function scanJpeg(bytes: Uint8Array, name: string): JpegInfo {
  const fail = (msg: string): never => {
    throw new Error(`decodeImage: ${name} ${msg}`);
  };
  let at = 2,
    width = 0,
    height = 0,
    orientation = 1,
    sawFrame = false,
    sawExif = false;
  for (;;) {
    if (at >= bytes.length)
      fail(`is truncated: it ends at byte ${bytes.length}, before the image data (no start-of-scan marker)`);
    if (bytes[at] !== 0xff)
      fail(`is corrupt: expected a marker at byte ${at}, found 0x${bytes[at].toString(16).padStart(2, '0')}`);
    while (at < bytes.length && bytes[at] === 0xff) at++; // fill bytes
    if (at >= bytes.length) fail(`is truncated: it ends at byte ${bytes.length} inside a marker`);
    const marker = bytes[at++];
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no payload
    if (marker === 0xd9) fail('is corrupt: it ends (EOI) before any image data');
    if (at + 2 > bytes.length)
      fail(`is truncated: marker 0xff${marker.toString(16).padStart(2, '0')} at byte ${at - 2} has no length`);
    const length = (bytes[at] << 8) | bytes[at + 1];
    if (length < 2)
      fail(
        `is corrupt: marker 0xff${marker.toString(16).padStart(2, '0')} at byte ${at - 2} declares length ${length}`,
      );
    const start = at + 2,
      end = at + length;
    if (end > bytes.length)
      fail(
        `is truncated: segment 0xff${marker.toString(16).padStart(2, '0')} at byte ${at - 2} needs ${length + 2} bytes but the file ends after ${bytes.length - at + 2}`,
      );
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (end - start < 6) fail(`is corrupt: its frame header (SOF) has ${end - start} bytes`);
      height = (bytes[start + 1] << 8) | bytes[start + 2];
      width = (bytes[start + 3] << 8) | bytes[start + 4];
      if (width === 0 || height === 0)
        fail(`declares ${width}x${height} pixels (zero-sized or DNL-sized frames are not supported)`);
      sawFrame = true;
    } else if (
      marker === 0xe1 &&
      !sawExif &&
      end - start >= 6 &&
      bytes[start] === 0x45 &&
      bytes[start + 1] === 0x78 &&
      bytes[start + 2] === 0x69 &&
      bytes[start + 3] === 0x66 &&
      bytes[start + 4] === 0 &&
      bytes[start + 5] === 0
    ) {
      sawExif = true;
      orientation = exifOrientation(bytes, start + 6, end);
    } else if (marker === 0xda) {
      if (!sawFrame) fail('is corrupt: image data (SOS) before the frame header (SOF)');
      return { width, height, orientation };
    }
    at = end;
  }
}

/**
 * Pixels turned upright for an EXIF orientation: 2 mirror, 3 rotate 180, 4 flip, 5 transpose,
 * 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise (as PIL's
 * ImageOps.exif_transpose and browsers do); 1 returns the image unchanged.
 */
export function applyOrientation(img: DecodedImage, orientation: number): DecodedImage {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, channels: c, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w,
    oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          sx = w - 1 - ox;
          sy = oy;
          break;
        case 3:
          sx = w - 1 - ox;
          sy = h - 1 - oy;
          break;
        case 4:
          sx = ox;
          sy = h - 1 - oy;
          break;
        case 5:
          sx = oy;
          sy = ox;
          break;
        case 6:
          sx = oy;
          sy = h - 1 - ox;
          break;
        case 7:
          sx = w - 1 - oy;
          sy = h - 1 - ox;
          break;
        default:
          sx = w - 1 - oy;
          sy = ox;
          break; // 8
      }
      const s = (sy * w + sx) * c,
        o = (oy * ow + ox) * c;
      for (let k = 0; k < c; k++) out[o + k] = data[s + k];
    }
  }
  return { width: ow, height: oh, channels: c, data: out };
}
