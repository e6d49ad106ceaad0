// readTorchCheckpoint against files torch.save wrote (committed fixtures from scripts/gen-pth-fixtures.py,
// values from PyTorch in the .json beside each), and loadWeights dispatching .pth files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTorchCheckpoint, readTorchCheckpointContents } from '../../src/io/index.js';
import { loadWeightsFile } from '../../src/io/pytorch/index.js';
import { loadWeights, saveWeights } from '../../src/train/checkpoint.js';
import { Linear, BatchNorm1d, Sequential } from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'pth');

interface Expect {
  tensors?: Record<string, { dtype: string; shape: number[]; values: number[] }>;
  key?: string[];
  info?: Record<string, unknown>;
  error?: string;
  sharedStorage?: string[];
}

const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));
const expectOf = (stem: string): Expect => JSON.parse(readFileSync(join(DIR, `${stem}.json`), 'utf8')) as Expect;

/** Checks every tensor against PyTorch's values: dtype kind, shape and values (float32 exactly as torch rounds them). */
function checkTensors(stem: string, got: Map<string, Tensor>, want: NonNullable<Expect['tensors']>): void {
  assert.deepEqual([...got.keys()], Object.keys(want), `${stem}: keys in file order`);
  for (const [k, w] of Object.entries(want)) {
    const t = got.get(k) as Tensor;
    const isFloat = ['float32', 'float64', 'float16', 'bfloat16'].includes(w.dtype);
    assert.equal(t.dtype, isFloat ? 'float32' : 'int32', `${stem}: ${k} dtype`);
    assert.deepEqual([...t.shape], w.shape, `${stem}: ${k} shape`);
    const expected = isFloat ? Array.from(Float32Array.from(w.values)) : w.values;
    assert.deepEqual(Array.from(t.data), expected, `${stem}: ${k} values`);
  }
}

for (const stem of [
  'linear_bn',
  'dtypes',
  'views',
  'nested',
  'params',
  'dataparallel',
  'proto4',
  'torch2_layout',
  'bigendian',
  'v3_untyped',
]) {
  test(`fixture ${stem}.pth: every tensor equals PyTorch's`, () => {
    const want = expectOf(stem);
    const c = readTorchCheckpointContents(bytes(`${stem}.pth`), { name: `${stem}.pth` });
    checkTensors(stem, c.tensors, want.tensors ?? {});
    for (const [k, w] of Object.entries(want.tensors ?? {}))
      assert.equal(c.dtypes[k], w.dtype, `${stem}: stored dtype of ${k}`);
    assert.deepEqual(c.key, want.key ?? []);
    if (want.info) assert.deepEqual(c.info, want.info);
    assert.equal(c.version, '3');
  });
}

test('views sharing one storage come out as independent contiguous copies', () => {
  const sd = readTorchCheckpoint(bytes('views.pth'));
  const base = sd.get('base') as Tensor,
    t = sd.get('t') as Tensor;
  assert.notEqual(base.data.buffer, t.data.buffer);
  base.data[0] = 100;
  assert.equal(t.data[0], 0); // t[0][0] is base[0][0] in PyTorch, but convkit tensors are contiguous copies
});

test('nested checkpoint: the state dict is found under state_dict; key option picks it; other keys are listed', () => {
  const b = bytes('nested.pth');
  assert.deepEqual(
    [...readTorchCheckpoint(b, { key: 'state_dict' }).keys()],
    Object.keys(expectOf('nested').tensors ?? {}),
  );
  assert.deepEqual(readTorchCheckpointContents(b).topLevelKeys, [
    'epoch',
    'best_acc',
    'arch',
    'state_dict',
    'optimizer',
  ]);
  assert.throws(
    () => readTorchCheckpoint(b, { key: 'optimizer', name: 'n.pth' }),
    /n\.pth: 'optimizer' is not a dict of tensors \(top-level keys: "epoch", "best_acc", "arch", "state_dict", "optimizer"\)/,
  );
  assert.throws(() => readTorchCheckpoint(b, { key: 'model' }), /no key 'model' at the top level \(keys: "epoch"/);
});

test('an ArrayBuffer (a fetch response) reads the same; other inputs are refused', () => {
  const b = bytes('linear_bn.pth');
  const copy = b.slice().buffer;
  const a = readTorchCheckpoint(copy),
    u = readTorchCheckpoint(b);
  for (const [k, t] of u) assert.deepEqual(Array.from(a.get(k)?.data ?? []), Array.from(t.data), k);
  assert.throws(
    () => readTorchCheckpoint('x.pth' as unknown as Uint8Array),
    /expected the file bytes as a Uint8Array or an ArrayBuffer/,
  );
});

test('DataParallel prefix: kept by default, removed with stripPrefix', () => {
  const b = bytes('dataparallel.pth');
  assert.deepEqual([...readTorchCheckpoint(b).keys()], ['module.weight', 'module.bias']);
  assert.deepEqual([...readTorchCheckpoint(b, { stripPrefix: 'module.' }).keys()], ['weight', 'bias']);
});

test('loadWeights of a DataParallel .pth: the error says to strip module., stripPrefix loads it', async () => {
  const path = join(DIR, 'dataparallel.pth');
  const model = new Linear(2, 2);
  await assert.rejects(loadWeights(model, path), (e: Error) => {
    assert.ok(e.message.startsWith(`loadWeights(${path}): `), e.message);
    assert.match(
      e.message,
      /every key in the file starts with 'module\.': a DataParallel checkpoint; pass stripPrefix: 'module\.'/,
    );
    return true;
  });
  await loadWeights(model, path, { stripPrefix: 'module.' });
  const want = expectOf('dataparallel').tensors ?? {};
  assert.deepEqual(
    Array.from(model.stateDict().get('weight')?.data ?? []),
    Array.from(Float32Array.from(want['module.weight'].values)),
  );
});

test('legacy format, TorchScript and int64 overflow: one clear error each, naming the fix', () => {
  assert.throws(
    () => readTorchCheckpoint(bytes('legacy.pth'), { name: 'legacy.pth' }),
    (e: Error) => {
      assert.match(e.message, /^readTorchCheckpoint: legacy\.pth: legacy torch\.save format/);
      assert.match(e.message, /torch\.save\(torch\.load\(path\), "weights\.pth"\)/);
      return true;
    },
  );
  assert.throws(
    () => readTorchCheckpoint(bytes('torchscript.pt')),
    /TorchScript archive \(torch\.jit\.save\).*torch\.jit\.load\(path\)\.state_dict\(\)/,
  );
  assert.throws(
    () => readTorchCheckpoint(bytes('int64_range.pth')),
    new RegExp(expectOf('int64_range').error as string),
  );
  assert.throws(
    () => readTorchCheckpoint(bytes('whole_model.pth')),
    (e: Error) => {
      assert.match(e.message, new RegExp(expectOf('whole_model').error as string));
      assert.match(e.message, /torch\.save\(model\)\), save its weights in python.*state_dict\(\), "weights\.pth"\)/);
      return true;
    },
  );
});

test('loadWeights reads a .pth state dict into a model (and names the path on mismatch)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-pth-'));
  try {
    const model = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
    const own = model.stateDict();
    const want = expectOf('linear_bn').tensors ?? {};
    const names = [...own.keys()];
    if (!names.every((n) => n in want))
      return assert.fail(`BatchNorm1d keys ${names.join(', ')} are not PyTorch's (H1 renames them)`);
    const path = join(dir, 'linear_bn.pth');
    copyFileSync(join(DIR, 'linear_bn.pth'), path);
    await loadWeights(model, path);
    for (const [k, t] of model.stateDict())
      assert.deepEqual(Array.from(t.data), Array.from(Float32Array.from(want[k].values)), k);
    // content, not name: the same bytes under a .weights name are still read as PyTorch
    const odd = join(dir, 'weights.data');
    copyFileSync(path, odd);
    await loadWeights(model, odd);
    // a safetensors file still goes to the safetensors reader, even named .pth
    const st = join(dir, 'w.safetensors');
    await saveWeights(model, st);
    await loadWeights(model, st);
    copyFileSync(st, join(dir, 'misnamed.pth'));
    await loadWeights(model, join(dir, 'misnamed.pth'));
    // a .pth that is neither: the PyTorch reader's error, with the path
    writeFileSync(join(dir, 'text.pth'), 'hello');
    await assert.rejects(
      loadWeights(model, join(dir, 'text.pth')),
      /readTorchCheckpoint: .*text\.pth: not a PyTorch checkpoint/,
    );
    // a model that does not fit: the error names the file
    await assert.rejects(loadWeights(new Sequential(new Linear(3, 5)), path), (e: Error) => e.message.includes(path));
    const bad = join(dir, 'broken.pth');
    writeFileSync(bad, bytes('linear_bn.pth').subarray(0, 700));
    await assert.rejects(loadWeights(model, bad), (e: Error) => e.message.includes(bad) && /truncated/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadWeightsFile: .pth dtypes in safetensors names, so the CLI checks both formats alike', async () => {
  const c = await loadWeightsFile(join(DIR, 'dtypes.pth'));
  assert.equal(c.format, 'pytorch');
  assert.deepEqual(c.dtypes, {
    f16: 'F16',
    bf16: 'BF16',
    f64: 'F64',
    i64: 'I64',
    i32: 'I32',
    i16: 'I16',
    i8: 'I8',
    u8: 'U8',
    b: 'BOOL',
    scalar: 'F32',
    empty: 'F32',
  });
  assert.deepEqual(c.metadata, {});
});
