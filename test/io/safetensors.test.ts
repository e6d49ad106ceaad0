import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, tensor } from '../../src/index.js';
import { serializeSafetensors, deserializeSafetensors, saveSafetensors, loadSafetensors } from '../../src/io/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A safetensors file assembled by hand: u64 LE header length, header text (padded by the caller or not), data bytes. */
function file(header: string, data: number[], declaredLength?: number | bigint): Uint8Array {
  const h = enc(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test('writer: exact byte layout (u64 LE length, JSON header padded with spaces to 8, LE data in name order)', () => {
  const bytes = serializeSafetensors({ b: new Tensor(Int32Array.of(7), [1]), a: tensor([1, -2]) }, { format: 'pt' });
  const json =
    '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}';
  assert.equal(json.length, 139); // padded to 144
  const expected = new Uint8Array(8 + 144 + 12);
  expected.set([144, 0, 0, 0, 0, 0, 0, 0], 0);
  expected.set(enc(json), 8);
  expected.set([0x20, 0x20, 0x20, 0x20, 0x20], 8 + 139);
  expected.set([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x07, 0x00, 0x00, 0x00], 152); // 1.0f, -2.0f, int 7
  assert.deepEqual(Array.from(bytes), Array.from(expected));
  // No metadata: no __metadata__ key; an empty file is just an 8-byte-aligned "{}".
  assert.deepEqual(Array.from(serializeSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, ...enc('{}      ')]);
  assert.throws(() => serializeSafetensors({ __metadata__: tensor([1]) }), /"__metadata__" is reserved/);
  assert.throws(
    () => serializeSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string }),
    /metadata value for "n" must be a string/,
  );
});

test('round trip: shapes, dtypes, metadata, scalars and empty tensors', () => {
  const tensors = {
    'conv1.weight': new Tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3),
      [2, 3, 2, 2],
    ),
    'bn.num_batches': new Tensor(Int32Array.of(-3, 2147483647), [2]),
    scalar: new Tensor(Float32Array.of(Math.PI), []),
    empty: new Tensor(new Float32Array(0), [0, 4]),
  };
  const back = deserializeSafetensors(serializeSafetensors(tensors, { epoch: '3', note: 'é ✓' }));
  assert.deepEqual(back.metadata, { epoch: '3', note: 'é ✓' });
  for (const [name, t] of Object.entries(tensors)) {
    const r = back.tensors[name];
    assert.deepEqual(r.shape, t.shape, name);
    assert.equal(r.dtype, t.dtype, name);
    assert.deepEqual(Array.from(r.data), Array.from(t.data), name);
  }
  assert.equal(back.dtypes['bn.num_batches'], 'I32');
  // Data that starts at an odd offset inside a larger buffer still decodes (copied, not aliased).
  const bytes = serializeSafetensors({ w: tensor([1.5, 2.5]) });
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  assert.deepEqual(Array.from(deserializeSafetensors(shifted.subarray(3)).tensors.w.data), [1.5, 2.5]);
});

test('reader: F64/F16/BF16 become float32, integer types become int32', () => {
  const header = JSON.stringify({
    f64: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
    f16: { dtype: 'F16', shape: [4], data_offsets: [8, 16] },
    bf16: { dtype: 'BF16', shape: [2], data_offsets: [16, 20] },
    i64: { dtype: 'I64', shape: [1], data_offsets: [20, 28] },
    u8: { dtype: 'U8', shape: [2], data_offsets: [28, 30] },
    b: { dtype: 'BOOL', shape: [1], data_offsets: [30, 31] },
    i8: { dtype: 'I8', shape: [1], data_offsets: [31, 32] },
  });
  const data = [
    0,
    0,
    0,
    0,
    0,
    0,
    0x04,
    0xc0, // -2.5 as float64 LE
    0x00,
    0x3c,
    0x00,
    0xc0,
    0xff,
    0x7b,
    0x01,
    0x00, // F16: 1, -2, 65504, 2^-24
    0x80,
    0x3f,
    0x49,
    0x40, // BF16: 1, 3.140625
    0xfb,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff, // I64 -5
    0,
    255,
    1,
    0xfe, // U8 0, 255; BOOL 1; I8 -2
  ];
  const r = deserializeSafetensors(file(header, data));
  assert.deepEqual(Array.from(r.tensors.f64.data), [-2.5]);
  assert.deepEqual(Array.from(r.tensors.f16.data), [1, -2, 65504, 2 ** -24]);
  assert.deepEqual(Array.from(r.tensors.bf16.data), [1, 3.140625]);
  assert.deepEqual(Array.from(r.tensors.i64.data), [-5]);
  assert.equal(r.tensors.i64.dtype, 'int32');
  assert.deepEqual(Array.from(r.tensors.u8.data), [0, 255]);
  assert.deepEqual(Array.from(r.tensors.b.data), [1]);
  assert.deepEqual(Array.from(r.tensors.i8.data), [-2]);
  assert.equal(r.dtypes.f16, 'F16');
  const big = file(JSON.stringify({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }), [0, 0, 0, 0, 1, 0, 0, 0]);
  assert.throws(
    () => deserializeSafetensors(big, 'big.safetensors'),
    /big.safetensors: tensor "x" \(I64\) element 0 = 4294967296 does not fit in int32/,
  );
});

test('reader: every corruption gives a clear error', () => {
  const good = serializeSafetensors({ a: tensor([1, 2]), b: tensor([3]) });
  const t = (bytes: Uint8Array, re: RegExp): void => {
    assert.throws(() => deserializeSafetensors(bytes, 'm.safetensors'), re);
  };
  const entry = (dtype: string, shape: number[], offsets: number[]): string =>
    JSON.stringify({ x: { dtype, shape, data_offsets: offsets } });
  t(good.subarray(0, 5), /m.safetensors: file is 5 bytes, too short for the 8-byte header length/);
  t(good.subarray(0, 40), /header length \d+ exceeds the file size \(40 bytes: truncated or corrupt\)/);
  t(
    good.subarray(0, good.length - 4),
    /tensor "b" data_offsets \[8, 12\] are out of range: the data section has 8 bytes/,
  );
  t(file('{}', [], 2n ** 63n), /header length 9223372036854775808 exceeds the 100000000-byte limit/);
  t(file('{}', [], 100_000_001), /header length 100000001 exceeds the 100000000-byte limit/);
  t(file('{"a": ', []), /header is not valid JSON/);
  t(file('[1, 2]  ', []), /header must be a JSON object starting with '\{'/);
  t(file('{"__metadata__": {"k": 1}}', []), /"__metadata__"."k" must be a string, got 1/);
  t(file('{"x": 5}', []), /entry "x" must be an object \{dtype, shape, data_offsets\}/);
  t(
    file(entry('F32', [2], [0, 12]), new Array(12).fill(0)),
    /tensor "x": shape \[2\] of F32 needs 8 bytes but data_offsets \[0, 12\] span 12/,
  );
  t(file(entry('I32', [3], [0, 8]), new Array(8).fill(0)), /shape \[3\] of I32 needs 12 bytes/);
  t(file(entry('Q8', [1], [0, 1]), [0]), /tensor "x" has unknown dtype "Q8"/);
  t(file(entry('F32', [-1], [0, 4]), [0, 0, 0, 0]), /invalid shape \[-1\]/);
  t(file(entry('F32', [1], [4, 0]), [0, 0, 0, 0]), /invalid data_offsets \[4,0\]/);
  t(
    file(entry('F32', [1], [0, 4]), new Array(8).fill(0)),
    /the data section has 8 bytes but the tensors cover 4 \(trailing bytes or missing tensors\)/,
  );
  t(
    file(entry('F32', [1], [4, 8]), new Array(8).fill(0)),
    /gap in the data: bytes 0..4 belong to no tensor \(before "x"\)/,
  );
  const overlap = JSON.stringify({
    x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
  });
  t(file(overlap, new Array(8).fill(0)), /tensor "y" data_offsets \[4, 8\] overlap the previous tensor/);
  // A huge declared shape is rejected by the byte count, never allocated.
  t(
    file(entry('F32', [1e9, 1e9], [0, 4]), [0, 0, 0, 0]),
    /shape \[1000000000, 1000000000\] of F32 needs 4000000000000000000 bytes/,
  );
  const badUtf8 = file('{"x"}', []);
  badUtf8[10] = 0xff;
  t(badUtf8, /header is not valid UTF-8/);
});

test('saveSafetensors / loadSafetensors on disk (atomic, no temp files left)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-st-'));
  try {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(
      path,
      {
        w: tensor([
          [1, 2],
          [3, 4],
        ]),
      },
      { arch: 'lenet' },
    );
    await saveSafetensors(
      path,
      {
        w: tensor([
          [5, 6],
          [7, 8],
        ]),
      },
      { arch: 'lenet2' },
    );
    const r = await loadSafetensors(path);
    assert.deepEqual(r.tensors.w.toArray(), [
      [5, 6],
      [7, 8],
    ]);
    assert.deepEqual(r.metadata, { arch: 'lenet2' });
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    writeFileSync(join(dir, 'cut.safetensors'), serializeSafetensors({ w: tensor([1, 2]) }).subarray(0, 20));
    await assert.rejects(
      loadSafetensors(join(dir, 'cut.safetensors')),
      /deserializeSafetensors: cut.safetensors: header length \d+ exceeds the file size/,
    );
    await assert.rejects(loadSafetensors(join(dir, 'none.safetensors')), /loadSafetensors: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
