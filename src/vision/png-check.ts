/**
 * A validating pass over PNG bytes before fast-png decodes them, so a corrupt or hostile file
 * gets a one-line error naming the file instead of a crash or an unbounded allocation: every
 * chunk is bounds-checked (a truncated file names the chunk and byte where it ends), IHDR is
 * validated (size, bit depth, colour type), the pixel count is limited, and the compressed
 * image data is inflated in small pieces, counting but not keeping the output, to refuse data
 * that inflates past what the declared size needs (a decompression bomb). Returns the file with
 * only the chunks convkit uses (IHDR, PLTE, tRNS, IDAT, IEND), so ancillary chunks (compressed
 * ICC profiles, text) never reach the decoder.
 */
import { Unzlib } from 'fflate';

const KEEP = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7: readonly [number, number, number, number][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];
/** Compressed bytes pushed to the inflater at once: bounds one push's output to ~66 MB (deflate expands at most ~1032x). */
const INFLATE_PIECE = 64 * 1024;

/** What checkPng learnt from the header. */
export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

/** Bytes of filtered scanlines (one filter byte per row) a width x height image needs. */
function rawSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number): number => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return total;
}

/**
 * Validates PNG bytes (signature already checked by the caller) and returns them reduced to the
 * chunks convkit decodes, with the header. Throws an Error starting with `decodeImage: <name>`.
 */
export function checkPng(
  bytes: Uint8Array,
  name: string,
  maxMegapixels: number,
): { bytes: Uint8Array; header: PngHeader } {
  const fail = (msg: string): never => {
    throw new Error(`decodeImage: ${name} ${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: [number, number][] = []; // [start, end) of each kept chunk, header to CRC
  let header: PngHeader | null = null;
  let idatBytes = 0,
    sawEnd = false,
    sawPalette = false;
  let at = 8;
  while (at < bytes.length) {
    if (at + 8 > bytes.length)
      fail(`is truncated: ${bytes.length - at} stray bytes at byte ${at} where a chunk header (8 bytes) should be`);
    const length = view.getUint32(at, false);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (!/^[A-Za-z]{4}$/.test(type))
      fail(`is corrupt: bytes ${at + 4}..${at + 8} are not a chunk type (${JSON.stringify(type)})`);
    if (length > 0x7fffffff)
      fail(`is corrupt: chunk '${type}' at byte ${at} declares ${length} bytes (the PNG limit is 2^31 - 1)`);
    const end = at + 12 + length;
    if (end > bytes.length)
      fail(
        `is truncated: chunk '${type}' at byte ${at} needs ${12 + length} bytes but the file ends after ${bytes.length - at} (${bytes.length} bytes in all)`,
      );
    if (header === null && type !== 'IHDR') fail(`is corrupt: the first chunk is '${type}', not 'IHDR'`);
    if (type === 'IHDR') {
      if (header !== null) fail(`is corrupt: a second 'IHDR' chunk at byte ${at}`);
      if (length !== 13) fail(`is corrupt: 'IHDR' has ${length} bytes instead of 13`);
      const p = at + 8;
      const width = view.getUint32(p, false),
        height = view.getUint32(p + 4, false);
      const depth = bytes[p + 8],
        colorType = bytes[p + 9],
        compression = bytes[p + 10],
        filter = bytes[p + 11],
        interlace = bytes[p + 12];
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff)
        fail(`is corrupt: it declares ${width}x${height} pixels`);
      if (width * height > maxMegapixels * 1e6)
        fail(
          `declares ${width}x${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels), more than the ${maxMegapixels}-megapixel limit`,
        );
      if (!DEPTHS[colorType]) fail(`is corrupt: unknown colour type ${colorType}`);
      if (!DEPTHS[colorType].includes(depth))
        fail(
          `is corrupt: bit depth ${depth} is not allowed with colour type ${colorType} (allowed: ${DEPTHS[colorType].join(', ')})`,
        );
      if (compression !== 0 || filter !== 0 || interlace > 1)
        fail(`is corrupt: unknown compression ${compression}, filter ${filter} or interlace ${interlace} method`);
      header = { width, height, depth, colorType, interlaced: interlace === 1 };
    } else if (type === 'PLTE') {
      if (length === 0 || length % 3 !== 0 || length > 768)
        fail(`is corrupt: 'PLTE' has ${length} bytes (a multiple of 3, at most 768)`);
      sawPalette = true;
    } else if (type === 'IDAT') {
      idatBytes += length;
    }
    if (KEEP.has(type)) chunks.push([at, end]);
    at = end;
    if (type === 'IEND') {
      sawEnd = true;
      break;
    }
  }
  if (header === null) return fail('is truncated: it ends after the 8-byte signature, before the IHDR chunk');
  if (idatBytes === 0) fail(`${sawEnd ? 'is corrupt' : 'is truncated'}: it has no image data (no IDAT chunk)`);
  if (!sawEnd) fail(`is truncated: it ends at byte ${bytes.length} without the closing IEND chunk`);
  if (header.colorType === 3 && !sawPalette) fail('is corrupt: a palette image without a PLTE chunk');

  const expected = rawSize(header.width, header.height, header.depth * CHANNELS[header.colorType], header.interlaced);
  // Some writers leave a little extra data after the last row (libpng only warns): tolerate that much.
  const allowed = expected + Math.max(4096, Math.ceil(expected / 64));
  let produced = 0;
  const inflater = new Unzlib((chunk) => {
    produced += chunk.length;
    if (produced > allowed)
      fail(
        `is corrupt: its image data inflates past the ${expected} bytes a ${header!.width}x${header!.height} image needs (a decompression bomb?)`,
      );
  });
  try {
    for (const [start, end] of chunks) {
      if (String.fromCharCode(bytes[start + 4], bytes[start + 5], bytes[start + 6], bytes[start + 7]) !== 'IDAT')
        continue;
      for (let p = start + 8; p < end - 4; p += INFLATE_PIECE)
        inflater.push(bytes.subarray(p, Math.min(p + INFLATE_PIECE, end - 4)), false);
    }
    inflater.push(new Uint8Array(0), true);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith('decodeImage:')) throw e;
    fail(`is corrupt: its compressed image data does not inflate (${msg}; truncated or damaged file)`);
  }
  if (produced < expected)
    fail(
      `is truncated or corrupt: its image data inflates to ${produced} bytes but a ${header.width}x${header.height} image needs ${expected}`,
    );

  const kept = chunks.reduce((s, [a, b]) => s + b - a, 8);
  if (kept === bytes.length) return { bytes, header };
  const out = new Uint8Array(kept);
  out.set(bytes.subarray(0, 8));
  let o = 8;
  for (const [a, b] of chunks) {
    out.set(bytes.subarray(a, b), o);
    o += b - a;
  }
  return { bytes: out, header };
}
