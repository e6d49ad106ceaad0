import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, readIdx } from '../../src/data/idx.js';

/** Hand-built IDX bytes: magic 0x0000TTDD, big-endian dims, then the payload. */
function idx(type: number, dims: number[], payload: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  out.set([0, 0, type, dims.length]);
  const v = new DataView(out.buffer);
  dims.forEach((d, k) => v.setUint32(4 + 4 * k, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

test('parses label (0x801) and image (0x803) files with big-endian dims', () => {
  const labels = parseIdx(idx(0x08, [3], [5, 0, 4]), 'labels');
  assert.equal(labels.dtype, 'uint8');
  assert.deepEqual(labels.shape, [3]);
  assert.deepEqual(Array.from(labels.data), [5, 0, 4]);
  const bytes = idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0, 0, 8, 3, 0, 0, 0, 2]); // the magic really is 0x00000803
  const images = parseIdx(bytes, 'images');
  assert.deepEqual(images.shape, [2, 2, 3]);
  assert.equal(images.data[11], 255);
  // Wider types are big-endian too: int16 0x0102 = 258, int32 -2, float32 1.5.
  assert.deepEqual(Array.from(parseIdx(idx(0x0b, [1], [0x01, 0x02])).data), [258]);
  assert.deepEqual(Array.from(parseIdx(idx(0x0c, [1], [0xff, 0xff, 0xff, 0xfe])).data), [-2]);
  assert.deepEqual(Array.from(parseIdx(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).data), [1.5]);
  assert.deepEqual(Array.from(parseIdx(idx(0x09, [2], [0xff, 1])).data), [-1, 1]);
});

test('corrupt and truncated IDX data give clear errors naming the file', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0]), 'a.idx'), /parseIdx: a.idx: file is 2 bytes, too short/);
  assert.throws(
    () => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]), 'b.idx'),
    /b.idx: bad magic number 0x1f8b0800.*still gzip-compressed/,
  );
  assert.throws(() => parseIdx(idx(0x07, [1], [0])), /unknown type code 0x07/);
  assert.throws(
    () => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1])),
    /truncated header: 3 dimensions need 16 header bytes but the file has 8/,
  );
  assert.throws(
    () => parseIdx(idx(0x08, [2, 28, 28], new Array(100).fill(0)), 'train-images'),
    /train-images: truncated: header declares shape \[2, 28, 28\] of uint8 \(1568 data bytes\) but only 100 follow/,
  );
  assert.throws(() => parseIdx(idx(0x08, [2], [1, 2, 3])), /1 unexpected trailing bytes/);
  // A corrupt header claiming a huge array fails before any allocation.
  assert.throws(
    () => parseIdx(idx(0x08, [0xffffffff, 0xffffffff], [1])),
    /more than the 1073741824-byte limit; the header is corrupt/,
  );
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 0])), /zero dimensions/);
});

test('readIdx reads plain and gzip files and rejects corrupt gzip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-idx-'));
  try {
    const raw = idx(0x08, [4], [1, 2, 3, 4]);
    writeFileSync(join(dir, 'labels-idx1-ubyte'), raw);
    writeFileSync(join(dir, 'labels-idx1-ubyte.gz'), gzipSync(raw));
    assert.deepEqual(Array.from((await readIdx(join(dir, 'labels-idx1-ubyte'))).data), [1, 2, 3, 4]);
    assert.deepEqual(Array.from((await readIdx(join(dir, 'labels-idx1-ubyte.gz'))).data), [1, 2, 3, 4]);
    const gz = gzipSync(raw);
    writeFileSync(join(dir, 'cut.gz'), gz.subarray(0, gz.length - 6));
    await assert.rejects(readIdx(join(dir, 'cut.gz')), /readIdx: cut.gz: gzip decompression failed/);
    // A gzip bomb beyond the bound is refused, not inflated.
    writeFileSync(join(dir, 'bomb.gz'), gzipSync(new Uint8Array(1 << 20)));
    await assert.rejects(
      readIdx(join(dir, 'bomb.gz'), { maxBytes: 1 << 16 }),
      /bomb.gz: gzip decompression failed \(corrupt, truncated, or larger than 65536 bytes\)/,
    );
    writeFileSync(join(dir, 'fake.gz'), raw);
    await assert.rejects(readIdx(join(dir, 'fake.gz')), /fake.gz has a .gz name but no gzip header/);
    writeFileSync(join(dir, 'short-idx'), raw.subarray(0, 10));
    await assert.rejects(readIdx(join(dir, 'short-idx')), /parseIdx: short-idx: truncated/);
    await assert.rejects(readIdx(join(dir, 'missing')), /readIdx: cannot read .*missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
