// torchvision parity of the large zoo models: for each of alexnet, vgg11, vgg16, googlenet (aux
// classifiers on; transform_input off, and again without aux classifiers and with
// transform_input on, as torchvision builds it for its pretrained weights), resnet18/34/50 and the lecture's keras-fashion CNN, python
// (scripts/gen-torchvision-fixtures.py large) builds the PyTorch model with seeded random weights
// and random BatchNorm running statistics and writes its state dict as safetensors and as a
// torch.save .pth file, an input (2 x 3 x 64 x 64; 28x28 for keras-fashion) and the eval-mode
// logits. convkit loads each file with loadWeights (strict) and its logits must equal PyTorch's
// to 1e-4 relative to the largest logit. Nothing is committed: the weights are generated here.
// Needs /usr/bin/python3 with torch and torchvision (Debian: python3-torch python3-torchvision).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, models, noGrad, type nn } from '../../src/index.js';
import { loadWeights } from '../../src/train/checkpoint.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'gen-torchvision-fixtures.py');

const CASES: Record<string, () => nn.Module> = {
  alexnet: () => models.alexnet(),
  vgg11: () => models.vgg11({ init: 'default' }),
  vgg16: () => models.vgg16({ init: 'default' }),
  googlenet: () => models.googlenet({ auxLogits: true, init: 'default' }),
  'googlenet-transform-input': () => models.googlenet({ transformInput: true, init: 'default' }),
  resnet18: () => models.resnet18({ init: 'default' }),
  resnet34: () => models.resnet34({ init: 'default' }),
  resnet50: () => models.resnet50({ init: 'default' }),
  'keras-fashion': () => models.kerasFashion(),
};

test('python3 with torch and torchvision is installed', () => {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], {
    encoding: 'utf8',
  });
  assert.equal(
    r.status,
    0,
    `${PYTHON} cannot import torch and torchvision (${r.error?.message ?? r.stderr.trim()}): install python3-torch and python3-torchvision (Debian/Ubuntu: apt-get install python3-torch python3-torchvision)`,
  );
});

/** Largest |a - b| divided by the largest |b|. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Zeroes every parameter and buffer, so a second load must bring every value back. */
function wipe(model: nn.Module): void {
  for (const t of model.stateDict().values()) t.data.fill(0);
}

for (const [name, build] of Object.entries(CASES)) {
  test(`${name}: torchvision's state dict loads strictly from .safetensors and .pth; logits match to 1e-4`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `convkit-tv-${name}-`));
    try {
      const r = spawnSync(PYTHON, [SCRIPT, 'large', dir, name], { encoding: 'utf8', maxBuffer: 1 << 24 });
      assert.equal(r.status, 0, `${SCRIPT} large ${name} failed: ${r.error?.message ?? r.stderr}`);
      const { tensors } = await io.loadSafetensors(join(dir, `${name}.io.safetensors`));
      const file = await io.loadSafetensors(join(dir, `${name}.safetensors`));
      const model = build().eval();
      const own = model.stateDict();
      const theirs = Object.keys(file.tensors);
      const matched = theirs.filter((k) => own.has(k)).length;
      t.diagnostic(`${name}: ${matched}/${theirs.length} torchvision keys matched (the model has ${own.size})`);
      assert.equal(matched, theirs.length);
      assert.equal(own.size, theirs.length);
      for (const ext of ['safetensors', 'pth']) {
        wipe(model);
        await loadWeights(model, join(dir, `${name}.${ext}`));
        const y = noGrad(() => model.call(tensors.input));
        assert.deepEqual(y.shape, tensors.logits.shape);
        const err = relError(y.data, tensors.logits.data);
        t.diagnostic(`${name} from .${ext}: max |convkit - torch| / max |torch| = ${err.toExponential(2)}`);
        assert.ok(err <= 1e-4, `${name} from .${ext}: logits differ from torchvision's by ${err} (relative)`);
      }
      if (name === 'googlenet') {
        // without the auxiliary classifiers: torchvision's aux_logits=False state dict has no aux keys
        const plain = models.googlenet({ init: 'default' }).eval();
        const dict = new Map(Object.entries(file.tensors).filter(([k]) => !k.startsWith('aux')));
        assert.equal(dict.size, 344);
        plain.loadStateDict(dict);
        const err = relError(noGrad(() => plain.call(tensors.input)).data, tensors.logits.data);
        assert.ok(err <= 1e-4, `googlenet without aux: logits differ by ${err}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
