import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as pngEncode } from 'fast-png';
import jpeg from 'jpeg-js';
import { Tensor, tensor } from '../../src/index.js';
import { decodeImage, encodePng, imageToTensor, resizeBilinear } from '../../src/vision/index.js';
import { tensorToImage } from '../../src/vision/image.js';
import { assertClose } from '../helpers/check.js';

test('PNG round trip of an RGB tensor through encodePng / decodeImage / imageToTensor', () => {
  const t = new Tensor(
    Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => ((i * 37) % 256) / 255),
    [3, 4, 5],
  );
  const png = encodePng(t);
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const img = decodeImage(png);
  assert.deepEqual([img.width, img.height, img.channels], [5, 4, 3]);
  assertClose(imageToTensor(img), t, { atol: 1e-6 });
  // Grayscale tensors (H, W) and luminance conversion (ITU-R 601: 0.299 R + 0.587 G + 0.114 B).
  const gray = decodeImage(
    encodePng(
      tensor([
        [0, 0.5],
        [1, 0.25],
      ]),
    ),
  );
  assert.equal(gray.channels, 1);
  assertClose(
    imageToTensor(gray, { grayscale: true }),
    [
      [
        [0, 128 / 255],
        [1, 64 / 255],
      ],
    ],
    { atol: 1e-6 },
  );
  const rgb = decodeImage(encodePng({ width: 1, height: 1, channels: 3, data: Uint8Array.of(255, 0, 100) }));
  assertClose(imageToTensor(rgb, { grayscale: true }), [[[(0.299 * 255 + 0.114 * 100) / 255]]], { atol: 1e-6 });
  // Gray images become 3 identical RGB planes; alpha is composited onto the background
  // (out = a * colour + (1 - a) * background); 'auto' puts white paper under dark ink.
  assertClose(imageToTensor(gray).narrow(0, 2, 1), imageToTensor(gray).narrow(0, 0, 1));
  const rgba = decodeImage(encodePng(new Tensor(Float32Array.of(1, 0, 0, 0.5), [4, 1, 1])));
  assert.equal(rgba.channels, 4);
  const a = 128 / 255; // 0.5 stored as 8 bits
  assertClose(imageToTensor(rgba, { background: 'black' }), [[[a]], [[0]], [[0]]], { atol: 1e-6 });
  assertClose(imageToTensor(rgba, { background: 'white' }), [[[1]], [[1 - a]], [[1 - a]]], { atol: 1e-6 });
  assertClose(imageToTensor(rgba), imageToTensor(rgba, { background: 'white' }));
  assert.throws(
    () => encodePng(new Tensor(new Float32Array(5 * 4), [5, 2, 2])),
    /tensorToImage: expected \(H, W\) or \(C, H, W\) with 1 to 4 channels, got shape \[5, 2, 2\]/,
  );
  // Out-of-range values are clamped, int32 tensors are taken as 0..255.
  assert.deepEqual(Array.from(tensorToImage(tensor([[-1, 2]])).data), [0, 255]);
  assert.deepEqual(Array.from(tensorToImage(new Tensor(Int32Array.of(7, 300), [1, 2])).data), [7, 255]);
});

test('PNG bit depths 1, 4, 16, palettes and gray+alpha decode to 8-bit pixels', () => {
  const gray1 = decodeImage(
    pngEncode({ width: 10, height: 1, depth: 1, channels: 1, data: Uint8Array.of(0b10110000, 0b01000000) }),
  );
  assert.deepEqual(Array.from(gray1.data), [255, 0, 255, 255, 0, 0, 0, 0, 0, 255]);
  const gray4 = decodeImage(pngEncode({ width: 3, height: 1, depth: 4, channels: 1, data: Uint8Array.of(0x0f, 0x80) }));
  assert.deepEqual(Array.from(gray4.data), [0, 255, 136]); // 8/15 * 255 = 136
  const rgb16 = decodeImage(
    pngEncode({ width: 1, height: 1, depth: 16, channels: 3, data: Uint16Array.of(65535, 32768, 0) }),
  );
  assert.deepEqual(Array.from(rgb16.data), [255, 128, 0]);
  const pal = decodeImage(
    pngEncode({
      width: 3,
      height: 1,
      depth: 2,
      channels: 1,
      palette: [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
      ],
      data: Uint8Array.of(0b00011000),
    }),
  );
  assert.equal(pal.channels, 3);
  assert.deepEqual(Array.from(pal.data), [255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const ga = decodeImage(pngEncode({ width: 1, height: 1, depth: 8, channels: 2, data: Uint8Array.of(100, 200) }));
  const ga8 = 200 / 255;
  assertClose(imageToTensor(ga, { grayscale: true, background: 'black' }), [[[(ga8 * 100) / 255]]], { atol: 1e-6 });
  assertClose(imageToTensor(ga, { grayscale: true, background: 'white' }), [[[(ga8 * 100 + (1 - ga8) * 255) / 255]]], {
    atol: 1e-6,
  });
});

test('JPEG decoding (lossy: close to the encoded pixels)', () => {
  const w = 16,
    h = 8,
    rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = 200;
    rgba[4 * i + 1] = 100;
    rgba[4 * i + 2] = 50;
    rgba[4 * i + 3] = 255;
  }
  const bytes = new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
  const img = decodeImage(bytes, 'flat.jpg');
  assert.deepEqual([img.width, img.height, img.channels], [16, 8, 3]);
  const t = imageToTensor(img);
  assertClose(t.mean([1, 2]), [200 / 255, 100 / 255, 50 / 255], { atol: 3 / 255 });
});

test('corrupt or unknown image bytes give clear errors', () => {
  assert.throws(
    () => decodeImage(Uint8Array.of(1, 2, 3, 4), 'x.bin'),
    /decodeImage: x.bin is neither PNG nor JPEG \(first bytes: 01 02 03 04\)/,
  );
  const png = encodePng(
    tensor([
      [0.5, 0.5],
      [0.5, 0.5],
    ]),
  );
  assert.throws(() => decodeImage(png.subarray(0, 30), 'cut.png'), /decodeImage: cut.png is truncated: chunk 'IHDR'/);
  assert.throws(
    () => decodeImage(Uint8Array.of(0xff, 0xd8, 0xff, 0, 0, 0), 'cut.jpg'),
    /decodeImage: cut.jpg is corrupt: marker 0xff00 at byte 2 declares length 0/,
  );
  // A PNG header declaring an enormous image is refused before inflating.
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 100000, false);
  new DataView(huge.buffer).setUint32(20, 100000, false);
  assert.throws(
    () => decodeImage(huge, 'huge.png'),
    /huge.png declares 100000x100000 pixels \(10000 megapixels\), more than the 100-megapixel limit/,
  );
});

test('bilinear resize matches torch.nn.functional.interpolate(mode="bilinear", align_corners=False)', () => {
  const x = tensor([
    [
      [0, 1, 2],
      [3, 4, 5],
    ],
  ]);
  // Reference values computed with PyTorch 1.13 (Debian python3-torch).
  assertClose(
    resizeBilinear(x, 4, 5),
    [
      [
        [0, 0.4, 1, 1.6, 2],
        [0.75, 1.15, 1.75, 2.35, 2.75],
        [2.25, 2.65, 3.25, 3.85, 4.25],
        [3, 3.4, 4, 4.6, 5],
      ],
    ],
    { atol: 1e-5 },
  );
  assertClose(resizeBilinear(x, 1, 2), [[[1.75, 3.25]]], { atol: 1e-6 });
  const img = decodeImage(
    encodePng(
      new Tensor(
        Float32Array.of(0, 1, 2, 3, 4, 5).map((v) => v / 5),
        [1, 2, 3],
      ),
    ),
  );
  assertClose(imageToTensor(img, { size: [1, 2], grayscale: true }), [[[1.75 / 5, 3.25 / 5]]], { atol: 1e-6 });
  assert.deepEqual(imageToTensor(img, { size: 7 }).shape, [3, 7, 7]);
  assert.throws(() => resizeBilinear(x, 0, 2), /output size must be positive integers, got 0x2/);
});
