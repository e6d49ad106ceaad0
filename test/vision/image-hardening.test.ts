// Images from the outside world: alpha composited onto a background, EXIF orientation applied,
// corrupt or hostile PNG/JPEG files refused with an error naming them (never a crash or an
// unbounded allocation), the output format taken from the file extension, and size limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePngRaw } from 'fast-png';
import { zlibSync } from 'fflate';
import jpeg from 'jpeg-js';
import { imageInput } from '../../src/cli/commands/predict.js';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  decodeImage,
  encodeImage,
  encodeJpeg,
  encodePng,
  imageFormatForPath,
  imageToTensor,
  type DecodedImage,
} from '../../src/vision/image.js';
import { progressReporter } from '../../src/vision/progress.js';
import { saveImage, tileImages, upscaleNearest } from '../../src/vision/visualize.js';
import { applyFilter, gaussianKernel, gradientMagnitude } from '../../src/vision/filters.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-image-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A 28x28 RGBA drawing: a vertical bar of ink (r, g, b) on a fully transparent background. */
function drawing(ink: number): DecodedImage {
  const data = new Uint8Array(28 * 28 * 4);
  for (let i = 5; i < 23; i++)
    for (let j = 12; j < 16; j++) {
      const o = (i * 28 + j) * 4;
      data.set([ink, ink, ink, 255], o);
    }
  // a half-transparent edge pixel
  data.set([ink, ink, ink, 128], (4 * 28 + 13) * 4);
  return { width: 28, height: 28, channels: 4, data };
}

test('alpha: black ink on a transparent background reads as ink on paper, not an all-black image', () => {
  const img = decodeImage(encodePng(drawing(0)), 'canvas.png');
  assert.equal(img.channels, 4);
  const t = imageToTensor(img, { grayscale: true });
  const v = (i: number, j: number): number => t.data[i * 28 + j];
  assert.equal(v(0, 0), 1, 'transparent background becomes white paper');
  assert.equal(v(10, 13), 0, 'the ink stays black');
  assert.ok(Math.abs(v(4, 13) - (1 - 128 / 255)) < 1e-6, 'half-transparent ink is blended');
  // explicit backgrounds
  assert.equal(imageToTensor(img, { grayscale: true, background: 'black' }).data[0], 0);
  assert.ok(Math.abs(imageToTensor(img, { background: 0.25 }).data[0] - 0.25) < 1e-6);
  assert.throws(
    () => imageToTensor(img, { background: 2 }),
    /background must be 'auto', 'white', 'black' or a gray level in \[0, 1\], got 2/,
  );
  // white ink on transparent: auto puts it on black
  const white = imageToTensor(drawing(255), { grayscale: true });
  assert.equal(white.data[0], 0);
  assert.equal(white.data[10 * 28 + 13], 1);
  // gray + alpha PNGs too
  const ga = new Uint8Array(4 * 2);
  ga.set([0, 255, 0, 0, 0, 0, 0, 0]);
  const gaImg = decodeImage(encodePngRaw({ width: 2, height: 2, data: ga, channels: 2, depth: 8 }), 'ga.png');
  assert.deepEqual(Array.from(imageToTensor(gaImg, { grayscale: true }).data), [0, 1, 1, 1]);
});

test("alpha: predict's model input from a transparent canvas drawing equals that of the same digit drawn white on black", () => {
  const info = {
    model: 'lenet5',
    dataset: 'mnist',
    inputShape: [1, 28, 28],
    numClasses: 10,
    classes: [],
    normalize: { mean: 0.1307, std: 0.3081 },
  };
  const canvas = imageInput(encodePng(drawing(0)), 'canvas.png', info, true);
  const opaque = new Float32Array(28 * 28);
  const d = drawing(0).data;
  for (let p = 0; p < 28 * 28; p++) opaque[p] = d[p * 4 + 3] / 255; // white digit on black, as MNIST
  const mnist = imageInput(encodePng(new Tensor(opaque, [1, 28, 28])), 'mnist.png', info, true);
  assert.equal(canvas.inverted, true);
  assert.equal(mnist.inverted, false);
  for (let i = 0; i < 28 * 28; i++)
    assert.ok(
      Math.abs(canvas.x.data[i] - mnist.x.data[i]) < 0.02,
      `pixel ${i}: ${canvas.x.data[i]} vs ${mnist.x.data[i]}`,
    );
  const x = canvas.x.data;
  assert.ok(Math.max(...x) > Math.min(...x) + 1, 'not a constant (all-black) image');
});

/** A TIFF block holding IFD0 with one orientation entry, little- or big-endian. */
function exifTiff(orientation: number, little: boolean): Uint8Array {
  const b = new Uint8Array(26),
    v = new DataView(b.buffer);
  b.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  v.setUint16(2, 42, little);
  v.setUint32(4, 8, little);
  v.setUint16(8, 1, little);
  v.setUint16(10, 0x0112, little);
  v.setUint16(12, 3, little);
  v.setUint32(14, 1, little);
  v.setUint16(18, orientation, little);
  v.setUint32(22, 0, little);
  return b;
}

/** A 32x16 JPEG of four flat quadrants A B / C D with the given APP1 payload after "Exif\0\0" (or none). */
const QUAD = { A: 0, B: 255, C: 90, D: 170 };
function quadrantJpeg(tiff: Uint8Array | null): Uint8Array {
  const w = 32,
    h = 16,
    data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = y < 8 ? (x < 16 ? QUAD.A : QUAD.B) : x < 16 ? QUAD.C : QUAD.D;
      data.set([q, q, q, 255], (y * w + x) * 4);
    }
  }
  const raw: { data: Uint8Array; width: number; height: number; exifBuffer?: Uint8Array } = {
    data,
    width: w,
    height: h,
  };
  if (tiff) {
    const e = new Uint8Array(6 + tiff.length);
    e.set([0x45, 0x78, 0x69, 0x66, 0, 0]);
    e.set(tiff, 6);
    raw.exifBuffer = e;
  }
  return new Uint8Array(jpeg.encode(raw as Parameters<typeof jpeg.encode>[0], 95).data);
}

/** The quadrant values [[tl, tr], [bl, br]] sampled at the quadrant centres. */
function quadrants(img: DecodedImage): number[][] {
  const at = (x: number, y: number): number => img.data[(y * img.width + x) * img.channels];
  const { width: w, height: h } = img;
  const snap = (v: number): number => Object.values(QUAD).reduce((a, b) => (Math.abs(b - v) < Math.abs(a - v) ? b : a));
  return [
    [snap(at(w >> 2, h >> 2)), snap(at((3 * w) >> 2, h >> 2))],
    [snap(at(w >> 2, (3 * h) >> 2)), snap(at((3 * w) >> 2, (3 * h) >> 2))],
  ];
}

test('EXIF orientation 1..8 is applied to JPEGs (as PIL ImageOps.exif_transpose and browsers do), both byte orders', () => {
  const { A, B, C, D } = QUAD;
  const expected: Record<number, number[][]> = {
    1: [
      [A, B],
      [C, D],
    ],
    2: [
      [B, A],
      [D, C],
    ],
    3: [
      [D, C],
      [B, A],
    ],
    4: [
      [C, D],
      [A, B],
    ],
    5: [
      [A, C],
      [B, D],
    ],
    6: [
      [C, A],
      [D, B],
    ],
    7: [
      [D, B],
      [C, A],
    ],
    8: [
      [B, D],
      [A, C],
    ],
  };
  for (const little of [true, false]) {
    for (let o = 1; o <= 8; o++) {
      const bytes = quadrantJpeg(exifTiff(o, little));
      const img = decodeImage(bytes, `o${o}.jpg`);
      assert.deepEqual([img.width, img.height], o >= 5 ? [16, 32] : [32, 16], `orientation ${o} size`);
      assert.deepEqual(quadrants(img), expected[o], `orientation ${o} (${little ? 'II' : 'MM'})`);
      const raw = decodeImage(bytes, `o${o}.jpg`, { applyExifOrientation: false });
      assert.deepEqual(quadrants(raw), expected[1], 'applyExifOrientation: false keeps the stored pixels');
    }
  }
  assert.deepEqual(quadrants(decodeImage(quadrantJpeg(null), 'plain.jpg')), expected[1]);
});

test('EXIF: malformed or hostile blocks are ignored (orientation 1), never a crash', () => {
  const hostile: Uint8Array[] = [];
  const t = exifTiff(6, true);
  const bigIfd = t.slice();
  new DataView(bigIfd.buffer).setUint32(4, 0xfffffff0, true);
  hostile.push(bigIfd);
  const manyEntries = t.slice();
  new DataView(manyEntries.buffer).setUint16(8, 65535, true);
  hostile.push(manyEntries.subarray(0, 20)); // the first entry cut short
  const wrongType = t.slice();
  new DataView(wrongType.buffer).setUint16(12, 4, true);
  hostile.push(wrongType);
  const badValue = t.slice();
  new DataView(badValue.buffer).setUint16(18, 99, true);
  hostile.push(badValue);
  hostile.push(new Uint8Array([0x49, 0x49, 42])); // cut short
  hostile.push(new Uint8Array([0x58, 0x58, 0, 42, 0, 0, 0, 8])); // unknown byte order
  for (const tiff of hostile) {
    const img = decodeImage(quadrantJpeg(tiff), 'hostile.jpg');
    assert.deepEqual([img.width, img.height], [32, 16]);
  }
});

/** PNG bytes built chunk by chunk (CRCs are not checked by the decoder, so they are left 0). */
function pngChunks(...chunks: [string, Uint8Array][]): Uint8Array {
  const parts: number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const [type, data] of chunks) {
    const len = data.length;
    parts.push(
      (len >>> 24) & 255,
      (len >>> 16) & 255,
      (len >>> 8) & 255,
      len & 255,
      ...Array.from(type, (c) => c.charCodeAt(0)),
      ...data,
      0,
      0,
      0,
      0,
    );
  }
  return Uint8Array.from(parts);
}
function ihdr(w: number, h: number, depth = 8, colorType = 0, interlace = 0): Uint8Array {
  const b = new Uint8Array(13),
    v = new DataView(b.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  b.set([depth, colorType, 0, 0, interlace], 8);
  return b;
}

test('PNG: zero-size, truncated and malformed files get an error naming the file and what is wrong', () => {
  const good = encodePng(
    new Tensor(
      Float32Array.from({ length: 64 }, (_, i) => (i % 7) / 7),
      [1, 8, 8],
    ),
  );
  assert.equal(decodeImage(good, 'good.png').width, 8);
  assert.throws(
    () => decodeImage(new Uint8Array(0), 'empty.png'),
    /^Error: decodeImage: empty\.png is empty \(0 bytes\)$/,
  );
  assert.throws(
    () => decodeImage(good.subarray(0, 8), 'sig.png'),
    /decodeImage: sig\.png is truncated: it ends after the 8-byte signature/,
  );
  assert.throws(
    () => decodeImage(good.subarray(0, 45), 'cut.png'),
    /decodeImage: cut\.png is truncated: chunk 'IDAT' at byte 33 needs \d+ bytes but the file ends after 12 \(45 bytes in all\)/,
  );
  assert.throws(
    () => decodeImage(good.subarray(0, 36), 'cut36.png'),
    /decodeImage: cut36\.png is truncated: 3 stray bytes at byte 33 where a chunk header/,
  );
  assert.throws(
    () => decodeImage(good.subarray(0, good.length - 12), 'noend.png'),
    /decodeImage: noend\.png is truncated: it ends at byte \d+ without the closing IEND chunk/,
  );
  const idat = zlibSync(new Uint8Array(2 * 3)); // 2 rows of (filter byte + 2 pixels), 8-bit gray
  assert.equal(
    decodeImage(pngChunks(['IHDR', ihdr(2, 2)], ['IDAT', idat], ['IEND', new Uint8Array(0)]), 'hand.png').width,
    2,
  );
  assert.throws(
    () => decodeImage(pngChunks(['IHDR', ihdr(2, 2, 3, 0)], ['IDAT', idat], ['IEND', new Uint8Array(0)]), 'depth.png'),
    /depth\.png is corrupt: bit depth 3 is not allowed with colour type 0/,
  );
  assert.throws(
    () => decodeImage(pngChunks(['IHDR', ihdr(0, 2)], ['IDAT', idat], ['IEND', new Uint8Array(0)]), 'zero.png'),
    /zero\.png is corrupt: it declares 0x2 pixels/,
  );
  assert.throws(
    () =>
      decodeImage(pngChunks(['IHDR', ihdr(100000, 100000)], ['IDAT', idat], ['IEND', new Uint8Array(0)]), 'huge.png'),
    /huge\.png declares 100000x100000 pixels \(10000 megapixels\), more than the 100-megapixel limit/,
  );
  assert.throws(
    () => decodeImage(pngChunks(['IHDR', ihdr(2, 2)], ['IEND', new Uint8Array(0)]), 'nodata.png'),
    /nodata\.png is corrupt: it has no image data/,
  );
  assert.throws(
    () => decodeImage(pngChunks(['IHDR', ihdr(2, 2, 8, 3)], ['IDAT', idat], ['IEND', new Uint8Array(0)]), 'nopal.png'),
    /nopal\.png is corrupt: a palette image without a PLTE chunk/,
  );
  assert.throws(
    () => decodeImage(pngChunks(['IHDR', ihdr(4, 4)], ['IDAT', idat], ['IEND', new Uint8Array(0)]), 'short.png'),
    /short\.png is truncated or corrupt: its image data inflates to 6 bytes but a 4x4 image needs 20/,
  );
  assert.throws(
    () =>
      decodeImage(
        pngChunks(['IHDR', ihdr(2, 2)], ['IDAT', idat.subarray(0, 5)], ['IEND', new Uint8Array(0)]),
        'badz.png',
      ),
    /badz\.png is corrupt: its compressed image data does not inflate/,
  );
  const huge = good.slice();
  new DataView(huge.buffer).setUint32(33, 0xfffffff0); // IDAT length
  assert.throws(
    () => decodeImage(huge, 'len.png'),
    /len\.png is corrupt: chunk 'IDAT' at byte 33 declares 4294967280 bytes/,
  );
});

test('PNG: a decompression bomb (a 1x1 image whose data inflates to 8 MB) is refused without inflating it all', () => {
  const bomb = pngChunks(
    ['IHDR', ihdr(1, 1)],
    ['IDAT', zlibSync(new Uint8Array(8 << 20), { level: 9 })],
    ['IEND', new Uint8Array(0)],
  );
  assert.ok(bomb.length < 64 << 10, `compressed to ${bomb.length} bytes`);
  assert.throws(
    () => decodeImage(bomb, 'bomb.png'),
    /bomb\.png is corrupt: its image data inflates past the 2 bytes a 1x1 image needs/,
  );
  // a little extra data after the last row (libpng only warns about it) is tolerated
  const extra = decodeImage(
    pngChunks(
      ['IHDR', ihdr(1, 1)],
      ['IDAT', zlibSync(Uint8Array.of(0, 77, ...new Uint8Array(100)))],
      ['IEND', new Uint8Array(0)],
    ),
    'extra.png',
  );
  assert.deepEqual([extra.width, extra.data[0]], [1, 77]);
  // a compressed ICC profile (ancillary, never decoded) cannot be used as a bomb either
  const iccp = new Uint8Array([0x70, 0, 0, ...zlibSync(new Uint8Array(8 << 20), { level: 9 })]);
  const img = decodeImage(
    pngChunks(['IHDR', ihdr(1, 1)], ['iCCP', iccp], ['IDAT', zlibSync(new Uint8Array(2))], ['IEND', new Uint8Array(0)]),
    'icc.png',
  );
  assert.deepEqual([img.width, img.height, img.data[0]], [1, 1, 0]);
});

test('JPEG: truncated or malformed headers and oversized frames are refused naming the file', () => {
  const good = quadrantJpeg(null);
  assert.throws(
    () => decodeImage(good.subarray(0, 3), 'cut3.jpg'),
    /cut3\.jpg is truncated: it ends at byte 3 inside a marker/,
  );
  assert.throws(
    () => decodeImage(good.subarray(0, 30), 'cut30.jpg'),
    /cut30\.jpg is truncated: segment 0xff\w+ at byte \d+ needs/,
  );
  const sof = good.findIndex((b, i) => b === 0xff && good[i + 1] === 0xc0);
  const big = good.slice();
  big.set([0xff, 0xff, 0xff, 0xff], sof + 5); // height, width = 65535
  assert.throws(
    () => decodeImage(big, 'big.jpg'),
    /big\.jpg declares 65535x65535 pixels \(4295 megapixels\), more than the 100-megapixel limit/,
  );
  const dense = good.slice();
  dense.set([0x23, 0x28, 0x23, 0x28], sof + 5); // 9000x9000 declared by a tiny file
  assert.throws(
    () => decodeImage(dense, 'dense.jpg'),
    /dense\.jpg declares 9000x9000 pixels but has only \d+ bytes \(at least 158204 are needed\): corrupt or truncated/,
  );
  const zero = good.slice();
  zero.set([0, 0], sof + 5);
  assert.throws(() => decodeImage(zero, 'zero.jpg'), /zero\.jpg declares 32x0 pixels/);
  assert.throws(
    () => decodeImage(good.subarray(0, good.length - 3), 'cutscan.jpg'),
    /^Error: decodeImage: cutscan\.jpg is a corrupt or unsupported JPEG \(it has no end-of-image marker: truncated\?\): /,
  );
  const noise = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0xff]);
  assert.throws(() => decodeImage(noise, 'len.jpg'), /len\.jpg is corrupt: marker 0xffe0 at byte 2 declares length 1/);
});

test('fuzz: 400 random corruptions of a PNG and a JPEG each decode or throw an Error naming the file', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const png = encodePng(
    new Tensor(
      Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => (i % 13) / 13),
      [3, 16, 16],
    ),
  );
  const jpg = quadrantJpeg(exifTiff(6, true));
  for (const [name, src] of [
    ['fuzz.png', png],
    ['fuzz.jpg', jpg],
  ] as const) {
    for (let k = 0; k < 200; k++) {
      const b = src.slice(0, rand(3) === 0 ? rand(src.length) : src.length);
      for (let m = 1 + rand(4); m > 0 && b.length > 0; m--) b[rand(b.length)] = rand(256);
      try {
        const img = decodeImage(b, name);
        assert.equal(img.data.length, img.width * img.height * img.channels);
      } catch (e) {
        assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
        assert.match(e.message, new RegExp(`^decodeImage: ${name.replace('.', '\\.')} `), e.message);
        assert.doesNotMatch(e.message, /\n/);
      }
    }
  }
});

test('output format from the extension: .png, .jpg and .jpeg (any case); others refused naming the extension', async () => {
  assert.equal(imageFormatForPath('a/b.PNG'), 'png');
  assert.equal(imageFormatForPath('x.jpg'), 'jpeg');
  assert.equal(imageFormatForPath('x.JPEG'), 'jpeg');
  assert.throws(
    () => imageFormatForPath('out.bmp'),
    /out\.bmp: cannot write images with the extension '\.bmp'; use \.png, \.jpg or \.jpeg/,
  );
  assert.throws(() => imageFormatForPath('dir.v2/out'), /dir\.v2\/out: cannot write images with no extension/);
  const img = new Tensor(
    Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => (i < 3 * 128 ? 0.2 : 0.8)),
    [3, 16, 16],
  );
  const jpgPath = join(dir, 'out.jpg');
  await saveImage(jpgPath, img);
  const bytes = new Uint8Array(readFileSync(jpgPath));
  assert.deepEqual(Array.from(bytes.subarray(0, 3)), [0xff, 0xd8, 0xff], 'JPEG bytes, not PNG');
  const back = decodeImage(bytes, jpgPath);
  assert.ok(Math.abs(back.data[0] - 51) < 6 && Math.abs(back.data[back.data.length - 1] - 204) < 6);
  await assert.rejects(
    saveImage(join(dir, 'out.gif'), img),
    /out\.gif: cannot write images with the extension '\.gif'/,
  );
  assert.equal(existsSync(join(dir, 'out.gif')), false);
  assert.deepEqual(Array.from(encodeImage(img, 'png').subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  assert.throws(
    () => encodeJpeg({ width: 1, height: 1, channels: 4, data: new Uint8Array(4) }),
    /JPEG has no alpha channel/,
  );
});

test('size limits: nearest zoom and tiling refuse results over 100 megapixels, naming the size', () => {
  const small = new Tensor(new Float32Array(28 * 28), [1, 28, 28]);
  assert.throws(
    () => upscaleNearest(small, 1000),
    /upscaleNearest: the result would be 28000x28000 pixels \(784 megapixels\), over the 100-megapixel limit; use a smaller factor than 1000/,
  );
  assert.throws(
    () => tileImages([small, small], { scale: 400 }),
    /tileImages: the result would be \d+x\d+ pixels .* over the 100-megapixel limit; use a smaller scale than 400/,
  );
  assert.equal(upscaleNearest(small, 4).shape[1], 112);
});

test('banded filtering (large images, or when progress is asked for) equals the whole-image result, and reports progress', () => {
  const x = new Tensor(
    Float32Array.from({ length: 2 * 37 * 23 }, (_, i) => Math.sin(i * 0.37)),
    [2, 37, 23],
  );
  for (const mode of ['symmetric', 'reflect', 'replicate', 'circular', 'zeros'] as const) {
    const k = gaussianKernel(5);
    const whole = applyFilter(x, k, { mode });
    const calls: [number, number][] = [];
    const banded = applyFilter(x, k, { mode, onProgress: (d, t) => calls.push([d, t]) });
    assert.deepEqual(banded.shape, whole.shape);
    for (let i = 0; i < whole.size; i++) assert.ok(Math.abs(banded.data[i] - whole.data[i]) < 1e-6, `${mode} ${i}`);
    assert.ok(calls.length >= 2 && calls.every(([d, t], i) => t === x.size && d > (i ? calls[i - 1][0] : 0)));
    assert.equal(calls[calls.length - 1][0], x.size);
    const g = gradientMagnitude(x, { mode }),
      gb = gradientMagnitude(x, { mode, onProgress: () => undefined });
    for (let i = 0; i < g.size; i++) assert.ok(Math.abs(gb.data[i] - g.data[i]) < 1e-5, `sobel ${mode} ${i}`);
  }
});

test('progress messages: silent for short work; after 3 s (or at once for a known-large image) stages and percentages', () => {
  let t = 0;
  const out: string[] = [];
  const quick = progressReporter('filter a.png', (s) => out.push(s), { now: () => t });
  quick.stage('decoding');
  for (let d = 0; d <= 10; d++) {
    t += 200;
    quick(d, 10);
  }
  quick.stage('writing a-box3.png');
  quick.finish();
  assert.equal(out.length, 0, 'work under 3 s prints nothing'); // (deepEqual with [] would narrow out to never[])
  t = 0;
  const slow = progressReporter('filter big.png', (s) => out.push(s), { now: () => t, tty: true });
  slow.stage('filtering');
  for (let d = 0; d <= 100; d++) {
    t += 250;
    slow(d, 100);
  }
  slow.stage('writing out.png');
  slow.finish();
  assert.equal(out[0], '\rfilter big.png: filtering 11% (3 s)\x1b[K');
  assert.equal(out[1], '\rfilter big.png: filtering 15% (4 s)\x1b[K', 'at most one update a second');
  assert.equal(out.filter((l) => l.includes('%')).length, 23, 'seconds 3..25');
  assert.deepEqual(out.slice(-3), ['\n', '\rfilter big.png: writing out.png (25 s)\x1b[K', '\n']);
  out.length = 0;
  t = 0;
  const log = progressReporter('filter big.png', (s) => out.push(s), { now: () => t });
  for (let d = 0; d <= 100; d++) {
    t += 250;
    log(d, 100);
  }
  log.finish();
  assert.deepEqual(out, [
    'filter big.png: 11% (3 s)\n',
    'filter big.png: 51% (13 s)\n',
    'filter big.png: 91% (23 s)\n',
  ]);
  out.length = 0;
  t = 0;
  const eager = progressReporter('filter huge.png', (s) => out.push(s), { now: () => t, eager: true });
  eager.stage('decoding 10000x10000 (100 megapixels)');
  assert.deepEqual(out, ['filter huge.png: decoding 10000x10000 (100 megapixels) (0 s)\n']);
});
