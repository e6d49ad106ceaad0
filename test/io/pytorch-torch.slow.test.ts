// Slow tier: files written just now by the installed PyTorch (/usr/bin/python3 with torch and
// torchvision; in CI Debian's python3-torch, whatever version it is) read by readTorchCheckpoint:
// every dtype and strided views in a nested checkpoint, a torchvision resnet18 whose logits
// convkit must reproduce after loadWeights('resnet18.pth'), and `convkit eval --weights x.pth`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTorchCheckpointContents } from '../../src/io/index.js';
import { createModel } from '../../src/models/registry.js';
import { loadWeights, saveWeights } from '../../src/train/checkpoint.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/engine.js';
import { runCli, tempDir } from '../cli/run-cli.js';

const PYTHON = '/usr/bin/python3';
const dir = tempDir(after, 'convkit-pth-torch-');

const PY = `
import json, sys, torch, torchvision
out = sys.argv[1]
lenet_shapes = json.loads(sys.argv[2])
torch.manual_seed(1)

def expected(sd):
    res = {}
    for k, t in sd.items():
        t = t.detach()
        vals = t.float().flatten().tolist() if t.is_floating_point() else t.to(torch.int64).flatten().tolist()
        res[k] = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'values': vals}
    return res

base = torch.randn(5, 7)
sd = {'f32': torch.randn(3, 4, 5), 'f16': torch.randn(6).half(), 'bf16': torch.randn(2, 3).bfloat16(),
      'f64': torch.randn(4).double(), 'i64': torch.randint(-1000, 1000, (3, 3)),
      'u8': torch.randint(0, 255, (4,), dtype=torch.uint8), 'b': torch.rand(5) > 0.5,
      't': base.t(), 'sl': base[1:4, 2::2], 'p': torch.nn.Parameter(torch.randn(2, 2))}
torch.save({'epoch': 3, 'model_state_dict': sd}, out + '/fresh.pth')

m = torchvision.models.resnet18(num_classes=10).eval()
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 1.5)
        mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    y = m(x)
torch.save(m.state_dict(), out + '/resnet18.pth')

lenet = {k: torch.randn(*s) * 0.1 for k, s in lenet_shapes.items()}
torch.save({'state_dict': lenet}, out + '/lenet5.pth')

json.dump({'torch': torch.__version__, 'fresh': expected(sd), 'x': x.flatten().tolist(), 'y': y.flatten().tolist()},
          open(out + '/expected.json', 'w'))
`;

const lenetShapes = Object.fromEntries([...createModel('lenet5').stateDict()].map(([k, t]) => [k, [...t.shape]]));
const py = spawnSync(PYTHON, ['-c', PY, dir, JSON.stringify(lenetShapes)], { encoding: 'utf8', timeout: 300_000 });
const pyError =
  py.status === 0
    ? null
    : `this test needs ${PYTHON} with torch and torchvision (Debian: apt-get install python3-torch python3-torchvision); got: ${py.error?.message ?? py.stderr}`;

interface Expected {
  torch: string;
  fresh: Record<string, { dtype: string; shape: number[]; values: number[] }>;
  x: number[];
  y: number[];
}
const want = (): Expected => {
  if (pyError) assert.fail(pyError);
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
};

test('a nested checkpoint of every dtype and strided views, written by the installed torch', () => {
  const w = want();
  const c = readTorchCheckpointContents(new Uint8Array(readFileSync(join(dir, 'fresh.pth'))), { name: 'fresh.pth' });
  assert.deepEqual(c.key, ['model_state_dict'], `torch ${w.torch}`);
  assert.deepEqual(c.info, { epoch: 3 });
  assert.deepEqual([...c.tensors.keys()], Object.keys(w.fresh));
  for (const [k, e] of Object.entries(w.fresh)) {
    const t = c.tensors.get(k) as Tensor;
    assert.equal(c.dtypes[k], e.dtype, `torch ${w.torch}: ${k}`);
    assert.deepEqual([...t.shape], e.shape, `torch ${w.torch}: ${k}`);
    const isFloat = t.dtype === 'float32';
    assert.deepEqual(
      Array.from(t.data),
      isFloat ? Array.from(Float32Array.from(e.values)) : e.values,
      `torch ${w.torch}: ${k}`,
    );
  }
});

test("torchvision resnet18.pth loads strictly and convkit's logits equal PyTorch's (1e-4 relative)", async () => {
  const w = want();
  const model = createModel('resnet18', { inputShape: [3, 64, 64], numClasses: 10 });
  await loadWeights(model, join(dir, 'resnet18.pth'));
  model.eval();
  const y = noGrad(() => model.call(new Tensor(Float32Array.from(w.x), [2, 3, 64, 64])));
  assert.deepEqual([...y.shape], [2, 10]);
  const scale = Math.max(...w.y.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < w.y.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - w.y[i]) / scale);
  assert.ok(worst < 1e-4, `torch ${w.torch}: largest difference ${worst} of the largest logit`);
});

test('convkit eval --weights lenet5.pth gives the same result as the same weights in safetensors', async () => {
  if (pyError) assert.fail(pyError);
  const model = createModel('lenet5');
  await loadWeights(model, join(dir, 'lenet5.pth'));
  await saveWeights(model, join(dir, 'lenet5.safetensors'));
  const args = ['eval', '--model', 'lenet5', '--dataset', 'mnist', '--limit', '200', '--weights'];
  const a = runCli(dir, [...args, 'lenet5.pth']);
  const b = runCli(dir, [...args, 'lenet5.safetensors']);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const line = (s: string): string => (s.match(/accuracy [\d.]+%/) ?? ['(none)'])[0];
  assert.notEqual(line(a.stdout), '(none)', a.stdout);
  assert.equal(line(a.stdout), line(b.stdout));
  const legacy = runCli(dir, [...args, join(import.meta.dirname, '..', 'fixtures', 'pth', 'legacy.pth')]);
  assert.equal(legacy.status, 1);
  assert.match(legacy.stderr, /legacy torch\.save format .* re-saves it in the default zip format/);
  assert.equal(legacy.stderr.trim().split('\n').length, 1, legacy.stderr);
});
