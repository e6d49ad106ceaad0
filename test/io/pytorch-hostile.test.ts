// readTorchCheckpoint on corrupt and hostile files: truncation, byte flips, pickles naming
// os.system / builtins.eval / posix.system, zip bombs, tensors past their storage, absurd sizes,
// memo and MARK abuse. Each must be one Error naming the file and the fault: no other exception,
// no code run, no allocation beyond what the limits allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { readTorchCheckpoint } from '../../src/io/index.js';
import { unpickle, type UnpickleHooks } from '../../src/io/pytorch/pickle.js';
import { torchHooks } from '../../src/io/pytorch/torch-globals.js';
import { crc32Js } from '../../src/io/pytorch/zip.js';
import { crc32 as zlibCrc32 } from 'node:zlib';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'pth');
const enc = new TextEncoder();

// ---- a tiny pickle writer (protocol 2 opcodes) ----
type Op = number[] | Uint8Array;
const cat = (...ops: Op[]): Uint8Array => Uint8Array.from(ops.flatMap((o) => Array.from(o)));
const str = (s: string): number[] => {
  const b = enc.encode(s);
  return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b];
};
const glob = (module: string, name: string): number[] => [0x63, ...enc.encode(`${module}\n${name}\n`)];
const int = (n: number): number[] => [0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const MARK = [0x28],
  TUPLE = [0x74],
  REDUCE = [0x52],
  SETITEMS = [0x75],
  EMPTY_DICT = [0x7d],
  EMPTY_TUPLE = [0x29],
  FALSE = [0x89],
  STOP = [0x2e],
  PROTO = [0x80, 0x02],
  BINPERSID = [0x51];
const tuple = (...items: Op[]): Uint8Array => cat(MARK, ...items, TUPLE);
/** _rebuild_tensor_v2 of FloatStorage `key` (numel elements) with size/stride/offset. */
const tensorOp = (key: string, numel: number | number[], size: number[], stride: number[], offset = 0): Uint8Array =>
  cat(
    glob('torch._utils', '_rebuild_tensor_v2'),
    MARK,
    tuple(
      str('storage'),
      glob('torch', 'FloatStorage'),
      str(key),
      str('cpu'),
      Array.isArray(numel) ? numel : int(numel),
    ),
    BINPERSID,
    int(offset),
    tuple(...size.map(int)),
    tuple(...stride.map(int)),
    FALSE,
    glob('collections', 'OrderedDict'),
    EMPTY_TUPLE,
    REDUCE,
    TUPLE,
    REDUCE,
  );
/** A pickled {name: tensor} dict. */
const stateDict = (entries: [string, Uint8Array][]): Uint8Array =>
  cat(PROTO, EMPTY_DICT, MARK, ...entries.flatMap(([k, t]) => [str(k), t]), SETITEMS, STOP);

/** A torch.save-like zip (stored entries) of a pickle and storages. */
function archive(pkl: Uint8Array, data: Record<string, Uint8Array> = {}, level: 0 | 9 = 0): Uint8Array {
  const files: Zippable = {
    'archive/data.pkl': [pkl, { level: 0 }],
    'archive/version': [enc.encode('3\n'), { level: 0 }],
  };
  for (const [k, v] of Object.entries(data)) files[`archive/data/${k}`] = [v, { level }];
  return zipSync(files);
}
const floats = (...v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);

/** Asserts one Error (not a TypeError/RangeError from deep inside) whose message names the file and matches `re`. */
function rejects(bytes: Uint8Array, re: RegExp, options: Parameters<typeof readTorchCheckpoint>[1] = {}): void {
  assert.throws(
    () => readTorchCheckpoint(bytes, { name: 'evil.pth', ...options }),
    (e: unknown) => {
      assert.ok(e instanceof Error && e.constructor === Error, `expected a plain Error, got ${String(e)}`);
      assert.match(e.message, /^readTorchCheckpoint: evil\.pth: /);
      assert.match(e.message, re);
      return true;
    },
  );
}

test('the test pickle writer makes a file the reader accepts (so the hostile variants below differ only in what they test)', () => {
  const sd = readTorchCheckpoint(
    archive(stateDict([['w', tensorOp('0', 4, [2, 2], [2, 1])]]), { '0': floats(1, 2, 3, 4) }),
  );
  assert.deepEqual([...sd.keys()], ['w']);
  assert.deepEqual(Array.from(sd.get('w')?.data ?? []), [1, 2, 3, 4]);
});

test('globals outside the allow-list are refused by name, whatever opcode or module alias names them', () => {
  const call = (g: number[]): Uint8Array => archive(cat(PROTO, g, tuple(str('echo pwned')), REDUCE, STOP));
  rejects(call(glob('os', 'system')), /refusing to load global 'os\.system' \(only tensors and state dicts are read/);
  rejects(call(glob('posix', 'system')), /refusing to load global 'posix\.system'/);
  rejects(call(glob('builtins', 'eval')), /refusing to load global 'builtins\.eval'/);
  rejects(call(glob('__builtin__', 'eval')), /refusing to load global 'builtins\.eval'/); // protocol-2 module name
  rejects(call(glob('subprocess', 'Popen')), /refusing to load global 'subprocess\.Popen'/);
  rejects(call(glob('torch', 'load')), /refusing to load global 'torch\.load'/);
  rejects(call(glob('torch._utils', '_rebuild_device_tensor_from_numpy')), /refusing to load global/);
  // protocol 4: STACK_GLOBAL takes the names from the stack
  const stackGlobal = cat([0x80, 0x04], [0x8c, 5], enc.encode('posix'), [0x8c, 6], enc.encode('system'), [0x93], STOP);
  rejects(archive(stackGlobal), /refusing to load global 'posix\.system'/);
  // an allowed name used for something else: a storage class is not callable, a dict is not a function
  rejects(call(glob('torch', 'FloatStorage')), /'torch\.FloatStorage' cannot be called/);
  rejects(archive(cat(PROTO, EMPTY_DICT, EMPTY_TUPLE, REDUCE, STOP)), /REDUCE calls a dict/);
  rejects(
    archive(cat(PROTO, glob('torch', 'ComplexFloatStorage'), STOP)),
    /'torch\.ComplexFloatStorage' \(a complex, quantized, float8 or sub-byte type\) is not read; convert those tensors to float32/,
  );
  rejects(
    archive(cat(PROTO, glob('torch', 'float8_e4m3fn'), STOP)),
    /'torch\.float8_e4m3fn' \(a complex, quantized, float8 or sub-byte type\) is not read/,
  );
  // old text opcodes are not read at all
  rejects(archive(cat(PROTO, [0x69], enc.encode('os\nsystem\n'), STOP)), /opcode INST is not read/);
});

test('truncation at any length: one clear error each', () => {
  const full = new Uint8Array(readFileSync(join(DIR, 'linear_bn.pth')));
  let n = 0;
  for (let len = 0; len < full.length; len += 7) {
    rejects(full.subarray(0, len), /truncated|not a PyTorch checkpoint|empty|corrupt/);
    n++;
  }
  assert.ok(n > 300);
});

test('a flipped byte anywhere: the file still reads identically or gives one clear error', () => {
  const full = new Uint8Array(readFileSync(join(DIR, 'linear_bn.pth')));
  const good = readTorchCheckpoint(full);
  let errors = 0;
  for (let i = 0; i < full.length; i++) {
    const b = full.slice();
    b[i] ^= 0x5a;
    try {
      const sd = readTorchCheckpoint(b, { name: 'evil.pth' });
      // only bytes no reader looks at (timestamps, padding, attributes) may change without an error
      for (const [k, t] of good)
        assert.deepEqual(Array.from(sd.get(k)?.data ?? []), Array.from(t.data), `flip at ${i}: ${k}`);
    } catch (e) {
      assert.ok(e instanceof Error && e.constructor === Error, `flip at ${i}: ${String(e)}`);
      assert.match(e.message, /^readTorchCheckpoint: evil\.pth: /, `flip at ${i}`);
      errors++;
    }
  }
  assert.ok(errors > full.length / 2, `${errors} of ${full.length} flips detected`);
  const crc = full.slice();
  const at = Buffer.from(full).indexOf('linear_bn/data/0') + 'linear_bn/data/0'.length + 70; // inside storage 0's data
  crc[at] ^= 1;
  rejects(crc, /fails its CRC-32 check/);
});

test('zip bombs: a huge declared size is refused before inflating; a lying size stops at the declared size', () => {
  const zeros = new Uint8Array(8 * 2 ** 20); // compresses about 1000:1
  const pkl = stateDict([['w', tensorOp('0', zeros.length / 4, [zeros.length / 4], [1])]]);
  const bomb = archive(pkl, { '0': zeros }, 9);
  assert.ok(bomb.length < 50_000, `bomb is ${bomb.length} bytes`);
  rejects(bomb, /would decompress to 8388608 bytes, past the 1048576-byte limit.*zip bomb/, { maxBytes: 2 ** 20 });
  // the same bomb whose directory lies: says 4096 bytes (and so does its pickle)
  const lying = archive(stateDict([['w', tensorOp('0', 1024, [1024], [1])]]), { '0': zeros }, 9);
  declareSize(lying, 'archive/data/0', 4096);
  rejects(lying, /zip entry 'archive\/data\/0' inflates past its declared 4096 bytes: a zip bomb/);
  // one that says 1 GiB (and so does its pickle): refused from the directory, far below maxBytes, before inflating
  const huge = archive(stateDict([['w', tensorOp('0', 2 ** 28, [1], [1])]]), { '0': zeros }, 9);
  declareSize(huge, 'archive/data/0', 2 ** 30);
  rejects(
    huge,
    /would decompress to 1073741824 bytes \(\d+ already read\), more than 16× the archive's \d+ bytes: a zip bomb/,
  );
});

/** Rewrites the uncompressed size the central directory gives for entry `name`. */
function declareSize(zip: Uint8Array, name: string, size: number): void {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const want = enc.encode(name);
  let found = 0;
  for (let p = 0; p + 46 < zip.length; p++) {
    if (v.getUint32(p, true) !== 0x02014b50) continue;
    const n = v.getUint16(p + 28, true);
    if (n === want.length && zip.subarray(p + 46, p + 46 + n).every((c, i) => c === want[i])) {
      v.setUint32(p + 24, size, true);
      found++;
    }
  }
  assert.equal(found, 1, `central directory entry ${name}`);
}

test('tensors that reach past their storage, absurd sizes and bad storages', () => {
  const data = { '0': floats(1, 2, 3, 4) };
  const one = (t: Uint8Array, d: Record<string, Uint8Array> = data): Uint8Array => archive(stateDict([['w', t]]), d);
  rejects(
    one(tensorOp('0', 4, [10], [1])),
    /tensor 'w' \(size \[10\], stride \[1\], offset 0\) reaches element 9 of storage '0', which has 4 float32 elements/,
  );
  rejects(one(tensorOp('0', 4, [2, 2], [2, 1], 1)), /reaches element 4 of storage '0'/);
  rejects(one(tensorOp('0', 4, [2], [4])), /reaches element 4/);
  rejects(
    one(tensorOp('0', 4, [100000, 100000], [0, 0])),
    /tensor 'w': shape \[100000, 100000\] has 10,000,000,000 elements/,
  );
  rejects(one(tensorOp('0', 4, [65536, 65536, 65536], [0, 0, 0])), /elements/);
  rejects(one(tensorOp('0', 4, [-1], [1])), /tensor size contains int, not a non-negative int|non-negative/);
  const huge = [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1]; // LONG1: 2**64
  rejects(one(tensorOp('0', huge, [1], [1])), /storage '0' has element count 18446744073709551616/);
  rejects(
    one(tensorOp('0', 2 ** 31 - 1, [1], [1])),
    /storage '0' should be 8589934588 bytes \(2147483647 float32\) but 'archive\/data\/0' has 16: corrupt file/,
  );
  rejects(one(tensorOp('0', 4, [1], [1]), {}), /storage '0' has no entry 'archive\/data\/0'/);
  rejects(one(tensorOp('../../etc/passwd', 4, [1], [1])), /storage key "\.\.\/\.\.\/etc\/passwd" is not a plain name/);
  rejects(one(tensorOp('0', 4, [2, 2], [1])), /differ in length/);
  // stride 0: 4 bytes of storage as a 400 MB tensor (within the per-tensor limit): refused before allocating
  rejects(
    one(tensorOp('0', 4, [100_000_000], [0])),
    /would take 400000000 bytes, more than 16× the file's \d+ bytes: stride-0/,
  );
  // many views of one storage: the total counts
  const views = stateDict(
    Array.from({ length: 40 }, (_, i): [string, Uint8Array] => [`v${i}`, tensorOp('0', 4, [500_000], [0])]),
  );
  rejects(archive(views, data), /the tensors up to 'v\d+' would take \d+ bytes, more than 16×/);
});

test('memo, stack and MARK abuse, cycles and strings longer than the file', () => {
  rejects(archive(cat(PROTO, [0x68, 7], STOP)), /memo entry 7 is read before it is written/);
  rejects(
    archive(cat(PROTO, [0x6a, 0xff, 0xff, 0xff, 0xff], STOP)),
    /memo entry 4294967295 is read before it is written/,
  );
  // LONG_BINPUT at index 2**32-1 is a map entry, not a 4-billion-slot array
  rejects(
    archive(cat(PROTO, EMPTY_DICT, [0x72, 0xff, 0xff, 0xff, 0xff], STOP)),
    /no state dict \(a dict of tensors\) found; top-level keys: \(none\)/,
  );
  rejects(archive(cat(PROTO, [0x58, 0xff, 0xff, 0xff, 0xff], STOP)), /needs 4294967295 more bytes but only 1 are left/);
  rejects(archive(cat(PROTO, new Uint8Array(20_000).fill(0x28), STOP)), /more than 10000 nested MARKs/);
  rejects(archive(cat(PROTO, REDUCE, STOP)), /stack underflow/);
  rejects(archive(cat(PROTO, MARK, EMPTY_DICT, [0x30, 0x30], STOP)), /stack underflow/);
  rejects(archive(cat(PROTO, EMPTY_DICT, EMPTY_DICT, STOP)), /ends with 2 values on the stack/);
  rejects(archive(cat(PROTO, EMPTY_DICT)), /needs 1 more bytes/);
  rejects(archive(cat(PROTO, [0xff], STOP)), /unknown opcode 0xff/);
  rejects(
    archive(cat(PROTO, [0x63], enc.encode('x'.repeat(5000)), STOP)),
    /GLOBAL name is not a short newline-terminated line/,
  );
  // a dict that holds itself under every key the search follows: bounded, then the keys are listed
  const selfRef = cat(
    PROTO,
    EMPTY_DICT,
    [0x71, 0],
    MARK,
    str('state_dict'),
    [0x68, 0],
    str('model'),
    [0x68, 0],
    SETITEMS,
    STOP,
  );
  rejects(archive(selfRef), /no state dict \(a dict of tensors\) found; top-level keys: "state_dict", "model"/);
  // a list appended to itself
  const selfList = cat(PROTO, [0x5d, 0x71, 1, 0x68, 1, 0x61], STOP);
  rejects(archive(selfList), /the file holds a object, not a state dict|not a state dict/);
  // a dict key that is a list (unhashable in Python)
  rejects(archive(cat(PROTO, EMPTY_DICT, [0x5d], str('v'), [0x73], STOP)), /dict key is a list/);
});

test('the unpickler caps its stack and memo (limits are parameters)', () => {
  const hooks: UnpickleHooks = torchHooks((m) => {
    throw new Error(m);
  });
  const fail = (m: string): never => {
    throw new Error(m);
  };
  const many = cat(PROTO, ...Array.from({ length: 50 }, () => [0x4e]), STOP);
  assert.throws(
    () => unpickle(many, hooks, fail, { maxStack: 10, maxMemo: 10, maxMarks: 10 }),
    /more than 10 values on the stack/,
  );
  const memo = cat(PROTO, [0x4e], ...Array.from({ length: 20 }, (_, i) => [0x71, i]), STOP);
  assert.throws(
    () => unpickle(memo, hooks, fail, { maxStack: 10, maxMemo: 10, maxMarks: 10 }),
    /more than 10 memo entries/,
  );
});

test('not a checkpoint at all, and zips that are not torch.save archives', () => {
  rejects(new Uint8Array(0), /the file is empty/);
  rejects(enc.encode('{"a": 1}'), /not a PyTorch checkpoint/);
  rejects(zipSync({ 'x/readme.txt': enc.encode('hi') }), /no data\.pkl: not a torch\.save checkpoint/);
  rejects(zipSync({ 'a/data.pkl': stateDict([]), 'b/data.pkl': stateDict([]) }), /2 data\.pkl entries/);
  const z = archive(stateDict([]));
  const eocd = z.length - 22;
  const v = new DataView(z.buffer);
  const lie = z.slice();
  new DataView(lie.buffer).setUint16(eocd + 10, 65535, true);
  rejects(lie, /zip says 65535 entries but its central directory has only/);
  const enc1 = z.slice();
  const cd = v.getUint32(eocd + 16, true);
  new DataView(enc1.buffer).setUint16(cd + 8, 1, true);
  rejects(enc1, /is encrypted/);
  const method = z.slice();
  new DataView(method.buffer).setUint16(cd + 10, 12, true);
  rejects(method, /compression method 12; only stored \(0\) and deflate \(8\) are read/);
  rejects(archive(cat(PROTO, [0x4e], STOP)), /the file holds a object, not a state dict/);
});

test('CRC-32: the JS fallback equals zlib; a stored CRC of 0 (torch 2.x compute_crc32=False) is not checked', () => {
  const data = new Uint8Array(readFileSync(join(DIR, 'linear_bn.pth')));
  for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 1000, data.length])
    assert.equal(crc32Js(data.subarray(0, n)), zlibCrc32(data.subarray(0, n)) >>> 0, `${n} bytes`);
  // zero the CRC of every entry in the central directory: still read; a wrong non-zero CRC is not
  const z = data.slice();
  const v = new DataView(z.buffer);
  let zeroed = 0;
  for (let p = 0; p + 46 < z.length; p++)
    if (v.getUint32(p, true) === 0x02014b50) {
      v.setUint32(p + 16, 0, true);
      zeroed++;
    }
  assert.equal(zeroed, 9);
  const good = readTorchCheckpoint(data);
  const sd = readTorchCheckpoint(z);
  for (const [k, t] of good) assert.deepEqual(Array.from(sd.get(k)?.data ?? []), Array.from(t.data), k);
});

/** A zip whose central directory uses zip64 extra fields for sizes and offsets (as files over 4 GiB do). */
function zip64(files: Record<string, Uint8Array>): Uint8Array {
  const parts: number[] = [];
  const central: number[] = [];
  const u16 = (a: number[], v: number): void => {
    a.push(v & 0xff, (v >> 8) & 0xff);
  };
  const u32 = (a: number[], v: number): void => {
    a.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  };
  const u64 = (a: number[], v: number): void => {
    u32(a, v % 2 ** 32);
    u32(a, Math.floor(v / 2 ** 32));
  };
  let count = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = enc.encode(name);
    const offset = parts.length;
    u32(parts, 0x04034b50);
    u16(parts, 45);
    u16(parts, 0);
    u16(parts, 0);
    u32(parts, 0);
    u32(parts, zlibCrc32(data) >>> 0);
    u32(parts, data.length);
    u32(parts, data.length);
    u16(parts, n.length);
    u16(parts, 0);
    parts.push(...n, ...data);
    u32(central, 0x02014b50);
    u16(central, 45);
    u16(central, 45);
    u16(central, 0);
    u16(central, 0);
    u32(central, 0);
    u32(central, zlibCrc32(data) >>> 0);
    u32(central, 0xffffffff);
    u32(central, 0xffffffff);
    u16(central, n.length);
    u16(central, 28);
    u16(central, 0);
    u16(central, 0);
    u16(central, 0);
    u32(central, 0);
    u32(central, 0xffffffff);
    central.push(...n);
    u16(central, 1);
    u16(central, 24);
    u64(central, data.length);
    u64(central, data.length);
    u64(central, offset);
    count++;
  }
  const cdOffset = parts.length;
  parts.push(...central);
  const eocd64 = parts.length;
  u32(parts, 0x06064b50);
  u64(parts, 44);
  u16(parts, 45);
  u16(parts, 45);
  u32(parts, 0);
  u32(parts, 0);
  u64(parts, count);
  u64(parts, count);
  u64(parts, central.length);
  u64(parts, cdOffset);
  u32(parts, 0x07064b50);
  u32(parts, 0);
  u64(parts, eocd64);
  u32(parts, 1);
  u32(parts, 0x06054b50);
  u16(parts, 0);
  u16(parts, 0);
  u16(parts, 0xffff);
  u16(parts, 0xffff);
  u32(parts, 0xffffffff);
  u32(parts, 0xffffffff);
  u16(parts, 0);
  return Uint8Array.from(parts);
}

test('zip64: sizes and offsets from the zip64 extra fields and end records', () => {
  const pkl = stateDict([['w', tensorOp('0', 3, [3], [1])]]);
  const z = zip64({ 'big/data.pkl': pkl, 'big/data/0': floats(1.5, -2, 3), 'big/version': enc.encode('3\n') });
  assert.deepEqual(Array.from(readTorchCheckpoint(z).get('w')?.data ?? []), [1.5, -2, 3]);
  // an offset in the zip64 field past the archive is an error, not a read out of bounds
  const bad = z.slice();
  const at = Buffer.from(bad).lastIndexOf(Buffer.from('big/data/0')) + 'big/data/0'.length + 4 + 16;
  new DataView(bad.buffer).setUint32(at, 1_000_000, true);
  rejects(bad, /zip entry 'big\/data\/0': no local header at offset 1000000/);
});

test('pickle fuzz: random byte changes in data.pkl (CRC recomputed) give a result or one clear error, never another exception', () => {
  const names = ['linear_bn', 'dtypes', 'views', 'nested', 'params', 'proto4', 'v3_untyped'];
  const files = names.map((n) => unzipSync(new Uint8Array(readFileSync(join(DIR, `${n}.pth`)))));
  let seed = 777;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let errors = 0;
  const runs = 1500;
  for (let it = 0; it < runs; it++) {
    const entries = Object.fromEntries(Object.entries(files[rnd(files.length)]).map(([k, v]) => [k, v.slice()]));
    const pkl = entries[Object.keys(entries).find((k) => k.endsWith('data.pkl')) as string];
    for (let j = 1 + rnd(3); j > 0; j--) {
      const i = rnd(pkl.length);
      const mode = rnd(3);
      pkl[i] = mode === 0 ? pkl[i] ^ (1 << rnd(8)) : mode === 1 ? rnd(256) : [0, 0xff, 0x7f, 0x80, 0x28, 0x2e][rnd(6)];
    }
    const zip = zipSync(
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [v, { level: 0 }]])) as Zippable,
    );
    try {
      readTorchCheckpoint(zip, { name: 'evil.pth' });
    } catch (e) {
      assert.ok(e instanceof Error && e.constructor === Error, `run ${it}: ${String(e)}`);
      assert.match(e.message, /^readTorchCheckpoint: evil\.pth: /, `run ${it}`);
      errors++;
    }
  }
  assert.ok(errors > runs / 2, `${errors} of ${runs} changed pickles refused`);
});
