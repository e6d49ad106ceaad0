// exportPytorch against real PyTorch: for every nn layer type and every zoo model, the generated
// model.py and the safetensors weights are loaded by /usr/bin/python3 (Debian's python3-torch,
// strict load_state_dict) and must reproduce convkit's output to 1e-4 relative. Then the DDP round
// trip in miniature: one SGD step in python on resnet20 (BatchNorm in training mode), the weights
// saved by model.py's save() and loaded back by convkit equal convkit's own SGD step. All python
// work runs in one python process to keep the file well under two minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPytorch } from '../../src/io/pytorch-export.js';
import { deserializeSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { modelNames } from '../../src/models/registry.js';
import { resnet20 } from '../../src/models/resnet.js';
import { noGrad } from '../../src/autograd/engine.js';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { SGD } from '../../src/optim/sgd.js';
import { LAYER_CASES, ZOO_CASES, layerClassNames, perturb, type ExportCase } from './pytorch-export-cases.js';

const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'convkit-pytorch-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function requireTorch(): void {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    `this test needs ${PYTHON} with torch (Debian: apt-get install python3-torch); got: ${r.error?.message ?? r.stderr}`,
  );
}

/** Largest |a - b| over the largest |b| (the relative error of a whole output). */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

const RUN_PY = `
import importlib.util, json, sys, traceback
import torch
torch.manual_seed(0)
for d in json.load(open(sys.argv[1])):
    try:
        spec = importlib.util.spec_from_file_location('m_' + str(abs(hash(d))), d + '/model.py')
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = mod.load()
        model.eval()
        x = mod.load_safetensors(d + '/input.safetensors')[0]['x']
        with torch.no_grad():
            y = model(x)
        mod.save_safetensors({'y': y}, d + '/output.safetensors')
    except Exception:
        open(d + '/error.txt', 'w').write(traceback.format_exc())
`;

const TRAIN_PY = `
import importlib.util, sys
import torch
import torch.nn.functional as F
d = sys.argv[1]
spec = importlib.util.spec_from_file_location('trained', d + '/model.py')
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
model = mod.load()
model.train()
batch = mod.load_safetensors(d + '/batch.safetensors')[0]
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss = F.cross_entropy(model(batch['x']), batch['y'].long())
loss.backward()
opt.step()
mod.save(model, d + '/trained.safetensors')
print(loss.item())
`;

interface Prepared {
  name: string;
  dir: string;
  expected: Tensor;
}

function prepare(c: ExportCase, i: number): Prepared {
  const model = c.build();
  perturb(model);
  model.eval();
  const x = randn(c.input);
  const expected = noGrad(() => model.call(x));
  const d = join(dir, `case${i}`);
  mkdirSync(d);
  writeFileSync(join(d, 'model.py'), exportPytorch(model, { inputShape: c.input }));
  writeFileSync(join(d, 'model.safetensors'), serializeSafetensors(model.stateDict()));
  writeFileSync(join(d, 'input.safetensors'), serializeSafetensors({ x }));
  return { name: c.name, dir: d, expected: new Tensor(Float32Array.from(expected.data), expected.shape) };
}

test('every nn layer type has an export case that runs in PyTorch', () => {
  const covered = new Set(LAYER_CASES.map((c) => c.name.split(' ')[0]));
  const missing = layerClassNames().filter((n) => !covered.has(n));
  assert.deepEqual(missing, [], `add cases for ${missing.join(', ')} to test/io/pytorch-export-cases.ts`);
  const zooMissing = modelNames().filter((n) => !(n in ZOO_CASES));
  assert.deepEqual(zooMissing, [], `add zoo cases for ${zooMissing.join(', ')}`);
});

test('model.py reproduces convkit for every layer type and every zoo model (1e-4 relative)', async (t) => {
  requireTorch();
  manualSeed(11);
  const cases: ExportCase[] = [...LAYER_CASES, ...modelNames().map((n) => ({ name: `zoo ${n}`, ...ZOO_CASES[n] }))];
  const prepared = cases.map(prepare);
  const list = join(dir, 'cases.json');
  writeFileSync(list, JSON.stringify(prepared.map((p) => p.dir)));
  const r = spawnSync(PYTHON, ['-c', RUN_PY, list], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  for (const p of prepared) {
    await t.test(p.name, (st) => {
      const err = join(p.dir, 'error.txt');
      if (existsSync(err)) assert.fail(`python could not run the export of ${p.name}:\n${readFileSync(err, 'utf8')}`);
      const y = deserializeSafetensors(readFileSync(join(p.dir, 'output.safetensors'))).tensors.y;
      assert.deepEqual(y.shape, p.expected.shape, `${p.name}: output shape`);
      const e = relError(y.data, p.expected.data);
      st.diagnostic(`largest difference relative to the output's scale: ${e.toExponential(2)}`);
      assert.ok(e <= 1e-4, `${p.name}: PyTorch differs from convkit by ${e.toExponential(2)} (relative)`);
    });
  }
});

test('python3 model.py checks itself against the reference output embedded by the export', () => {
  requireTorch();
  manualSeed(3);
  const model = ZOO_CASES.lenet5.build();
  model.eval();
  const d = join(dir, 'selfcheck');
  mkdirSync(d);
  const shape = [1, 1, 28, 28];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Tensor(
    Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 50 - 1),
    shape,
  );
  const ref = noGrad(() => model.call(x)).data as Float32Array;
  writeFileSync(join(d, 'model.py'), exportPytorch(model, { inputShape: shape, reference: ref }));
  writeFileSync(join(d, 'model.safetensors'), serializeSafetensors(model.stateDict()));
  const ok = spawnSync(PYTHON, ['model.py'], { cwd: d, encoding: 'utf8', timeout: 60_000 });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /largest relative difference to convkit on 10 values: \S+/);
  // a wrong reference makes the check fail (exit 1), so the check can fail
  const bad = Float32Array.from(ref, (v) => v + 1);
  writeFileSync(join(d, 'model.py'), exportPytorch(model, { inputShape: shape, reference: bad }));
  const no = spawnSync(PYTHON, ['model.py'], { cwd: d, encoding: 'utf8', timeout: 60_000 });
  assert.equal(no.status, 1);
  assert.match(no.stderr, /differs from convkit/);
});

test("one SGD step in PyTorch (training mode) comes back into convkit equal to convkit's own step", () => {
  requireTorch();
  manualSeed(5);
  const model = resnet20();
  perturb(model);
  const d = join(dir, 'train');
  mkdirSync(d);
  writeFileSync(join(d, 'model.py'), exportPytorch(model, { inputShape: [4, 3, 32, 32] }));
  writeFileSync(join(d, 'model.safetensors'), serializeSafetensors(model.stateDict(), { 'convkit.model': 'resnet20' }));
  const x = randn([4, 3, 32, 32]);
  const y = new Tensor(Int32Array.from([1, 7, 3, 9]), [4]);
  writeFileSync(join(d, 'batch.safetensors'), serializeSafetensors({ x, y }));
  // convkit's step on the same weights and batch
  model.train();
  const opt = new SGD(model.parameters(), { lr: 0.1 });
  const loss = crossEntropy(model.call(x), y);
  loss.backward();
  opt.step();
  const r = spawnSync(PYTHON, ['-c', TRAIN_PY, d], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Math.abs(Number(r.stdout.trim()) - loss.item()) <= 1e-4 * Math.abs(loss.item()), 'same loss');
  const back = deserializeSafetensors(readFileSync(join(d, 'trained.safetensors')));
  assert.equal(back.metadata['convkit.model'], 'resnet20', 'save() keeps the loaded file metadata');
  const fresh = resnet20();
  fresh.loadStateDict(back.tensors);
  const mine = model.stateDict();
  let moved = 0;
  for (const [k, t] of fresh.stateDict()) {
    const want = mine.get(k) as Tensor;
    if (t.dtype === 'int32') {
      assert.deepEqual([...t.data], [...want.data], `${k}`);
      continue;
    }
    const e = relError(t.data, want.data);
    assert.ok(e <= 1e-4, `${k}: PyTorch's step differs from convkit's by ${e.toExponential(2)}`);
    moved++;
  }
  assert.ok(moved > 60, `compared ${moved} float tensors`);
});

test("model.py's safetensors reader refuses corrupt files with a message naming the fault", () => {
  requireTorch();
  const d = join(dir, 'corrupt');
  mkdirSync(d);
  writeFileSync(join(d, 'model.py'), exportPytorch(ZOO_CASES.lenet5.build()));
  const good = serializeSafetensors({ w: randn([4, 4]) });
  const n = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
  const header = new TextDecoder().decode(good.subarray(8, 8 + n));
  const withHeader = (h: string): Uint8Array => {
    const text = new TextEncoder().encode(h);
    const out = new Uint8Array(8 + text.length + 64);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    return out;
  };
  const files: [string, Uint8Array, RegExp][] = [
    ['short', good.subarray(0, 5), /too short for a safetensors header/],
    ['truncated', good.subarray(0, good.length - 8), /tensor 'w' has a bad shape or data_offsets/],
    ['huge header', Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0, 123]), /does not fit the 9-byte file/],
    ['bad dtype', withHeader(header.replace('"F32"', '"F8"')), /tensor 'w' has an unsupported dtype/],
    ['size mismatch', withHeader(header.replace('[4,4]', '[4,5]')), /tensor 'w' needs 80 bytes, the file gives 64/],
  ];
  for (const [name, bytes] of files) writeFileSync(join(d, `${name}.safetensors`), bytes);
  const script = `
import importlib.util, sys
spec = importlib.util.spec_from_file_location('m', sys.argv[1] + '/model.py')
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
for name in sys.argv[2:]:
    try:
        mod.load_safetensors(sys.argv[1] + '/' + name + '.safetensors')
        print('loaded')
    except ValueError as e:
        print(str(e).replace(sys.argv[1] + '/', ''))
`;
  const r = spawnSync(PYTHON, ['-c', script, d, ...files.map(([name]) => name)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  files.forEach(([name, , msg], i) => assert.match(lines[i], msg, `${name}: ${lines[i]}`));
});
