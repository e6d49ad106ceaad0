// PyTorch's names are the contract: state dicts written by PyTorch ports of the small zoo models
// (scripts/gen-torchvision-fixtures.py, committed under test/fixtures/torchvision/) load into
// convkit's models with strict: true, and the logits equal PyTorch's (float64 reference) to
// 1e-4 relative to the largest logit. The large torchvision models are checked by
// test/io/torchvision-parity.slow.test.ts, which generates their weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { io, models, noGrad, type nn } from '../../src/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'torchvision');

/** convkit's side of each fixture: the same architecture as the PyTorch port in the script. */
const CASES: Record<string, () => nn.Module> = {
  lenet5: () => models.lenet5(),
  mlp: () => models.mlp({ hidden: [64, 32] }),
  logistic: () => models.logisticRegression(),
  resnet20: () => models.resnet20(),
  'resnet8-projection': () => models.resnetCifar({ depth: 8, shortcut: 'B', numClasses: 4 }),
  autoencoder: () => models.autoencoder(),
  'unet-bn': () => models.unet({ inChannels: 1, outChannels: 2, base: 4, depth: 2, batchNorm: true }),
};

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

for (const [name, build] of Object.entries(CASES)) {
  test(`${name}: a PyTorch state dict loads strictly and the logits match PyTorch's`, async () => {
    const weights = await io.loadSafetensors(join(DIR, `${name}.safetensors`));
    const { tensors } = await io.loadSafetensors(join(DIR, `${name}.io.safetensors`));
    const model = build();
    const ownKeys = [...model.stateDict().keys()];
    assert.deepEqual([...ownKeys].sort(), Object.keys(weights.tensors).sort(), `${name}: state-dict keys`);
    const res = model.loadStateDict(weights.tensors);
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [], legacyRenamed: [] });
    model.eval();
    const y = noGrad(() => model.call(tensors.input));
    assert.deepEqual(y.shape, tensors.logits.shape);
    const err = relError(y.data, tensors.logits.data);
    assert.ok(err <= 1e-4, `${name}: logits differ from PyTorch's by ${err} (relative to the largest)`);
    // the running statistics came from the file (PyTorch writes num_batches_tracked as int64)
    for (const [k, t] of model.stateDict()) {
      if (k.endsWith('num_batches_tracked')) {
        assert.equal(weights.dtypes[k], 'I64');
        assert.equal(t.data[0], weights.tensors[k].data[0]);
      }
    }
  });
}
