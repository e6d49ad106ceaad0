/**
 * Slow tier: torchvision models exported just now by the installed PyTorch (/usr/bin/python3
 * with torch and torchvision; `scripts/gen-onnx-fixtures.py --torchvision DIR`, random weights,
 * 96x96 inputs) imported with io.importOnnx: outputs equal PyTorch's to 1e-4 relative, and
 * resnet18, exported with BatchNormalization kept, has exactly torchvision's state-dict keys, so
 * a state dict written by torch.save (read with io.readTorchCheckpoint) loads strictly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, noGrad } from '../../src/index.js';
import { ROOT, relativeError } from './onnx-import-graphs.js';

const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-tv-'));
const py = spawnSync(PYTHON, [join(ROOT, 'scripts', 'gen-onnx-fixtures.py'), '--torchvision', dir], {
  encoding: 'utf8',
  timeout: 600_000,
});
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(dir, f)));

test('the installed PyTorch exported the torchvision models', () => {
  assert.equal(
    py.status,
    0,
    `this test needs ${PYTHON} with torch and torchvision (Debian: apt-get install python3-torch python3-torchvision); got: ${py.error?.message ?? py.stderr.slice(-2000)}`,
  );
});

for (const name of [
  'resnet18',
  'googlenet',
  'squeezenet1_0',
  'mobilenet_v2',
  'shufflenet_v2_x0_5',
  'efficientnet_b0',
]) {
  test(`torchvision ${name} imported from ONNX: logits equal PyTorch's to 1e-4 relative`, () => {
    assert.equal(py.status, 0, 'the export step failed (see the first test)');
    const model = io.importOnnx(read(`${name}.onnx`)).eval();
    const { tensors } = io.deserializeSafetensors(read(`${name}.io.safetensors`));
    const out = noGrad(() => model.call(tensors.x));
    assert.deepEqual(out.shape, tensors.y.shape);
    const err = relativeError(out, tensors.y);
    assert.ok(err <= 1e-4, `relative error ${err}`);
  });
}

test("resnet18 exported with BatchNormalization kept has torchvision's state-dict keys; a torch.save file loads strictly", () => {
  assert.equal(py.status, 0, 'the export step failed (see the first test)');
  const model = io.importOnnx(read('resnet18.onnx')).eval();
  const keys = JSON.parse(new TextDecoder().decode(read('resnet18.keys.json'))) as string[];
  assert.deepEqual([...model.stateDict().keys()].sort(), [...keys].sort());
  assert.ok(keys.includes('layer1.0.bn1.running_mean') && keys.includes('layer1.0.bn1.num_batches_tracked'));
  // other weights, written by torch.save, read by readTorchCheckpoint, loaded strictly
  model.loadStateDict(io.readTorchCheckpoint(read('resnet18.other.pth')), { strict: true });
  const { tensors } = io.deserializeSafetensors(read('resnet18.other.io.safetensors'));
  const err = relativeError(
    noGrad(() => model.call(tensors.x)),
    tensors.y,
  );
  assert.ok(err <= 1e-4, `relative error ${err}`);
});
