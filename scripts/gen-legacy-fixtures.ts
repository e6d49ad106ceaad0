/**
 * One-time generator of test/fixtures/legacy/: files as convkit 0.1 saved them, before the
 * state-dict keys became PyTorch's (BatchNorm `runningMean` → `running_mean`, ResNet
 * `body.N`/`shortcut` → `conv1`/`bn1`/.../`downsample`, GoogLeNet `inception3a.0` →
 * `inception3a.branch1`). It was run ONCE at commit e722df0 (the last commit with the old
 * names): `npx tsx scripts/gen-legacy-fixtures.ts`. Running it on later code writes the new
 * names, so do not re-run it; the fixtures are history, kept to test src/nn/legacy-names.ts.
 *
 * Writes:
 *  - resnet20-cli.safetensors: `convkit train`-style weights (resnet20 on CIFAR-10 shapes, with
 *    the CLI's metadata), loaded by eval/predict;
 *  - resnet8b-checkpoint.safetensors: a training checkpoint (resnetCifar depth 8, projection
 *    shortcuts, SGD with momentum after two steps), resumed by fit;
 *  - bn-mlp.safetensors: Linear → BatchNorm1d → ReLU → Linear after two training steps;
 *  - old-keys.json: the 0.1 state-dict keys (in order) of resnet18, resnet50 and googlenet
 *    with auxiliary classifiers, too large to commit as weights;
 *  - expected.json: logits of each saved model on a fixed input (eval mode), so a test can
 *    check that the renamed weights compute the same function.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { F, nn, optim, models, manualSeed, randn, tensor } from '../src/index.js';
import { captureCheckpoint, saveCheckpoint, saveWeights } from '../src/train/checkpoint.js';
import { encodeWeightsInfo } from '../src/cli/weights-meta.js';

const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'legacy');
const expected: Record<string, { input: number[]; shape: number[]; logits: number[] }> = {};

function trainSteps(model: nn.Module, x: ReturnType<typeof randn>, y: number[], opt: optim.Optimizer, steps: number) {
  model.train();
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.call(x), tensor(y).int());
    loss.backward();
    opt.step();
  }
}

function record(name: string, model: nn.Module, x: ReturnType<typeof randn>): void {
  model.eval();
  const out = model.call(x);
  expected[name] = { input: [...x.toFlatArray()], shape: [...x.shape], logits: [...out.toFlatArray()] };
}

manualSeed(2026);
{
  const m = models.resnet20({ numClasses: 10 });
  const x = randn([2, 3, 32, 32]);
  trainSteps(m, x, [1, 7], new optim.SGD(m.parameters(), { lr: 0.01 }), 1);
  const ds = {
    name: 'cifar10',
    inputShape: [3, 32, 32],
    numClasses: 10,
    classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    normalize: null,
  };
  await saveWeights(m, join(dir, 'resnet20-cli.safetensors'), encodeWeightsInfo('resnet20', ds as never));
  record('resnet20-cli', m, randn([1, 3, 32, 32]));
}
{
  const m = models.resnetCifar({ depth: 8, numClasses: 4, shortcut: 'B' });
  const opt = new optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([4, 3, 16, 16]);
  trainSteps(m, x, [0, 1, 2, 3], opt, 2);
  const ck = captureCheckpoint({ model: m, optimizer: opt, epoch: 0 });
  await saveCheckpoint(join(dir, 'resnet8b-checkpoint.safetensors'), ck);
  record('resnet8b-checkpoint', m, randn([2, 3, 16, 16]));
}
{
  const m = new nn.Sequential(new nn.Linear(6, 5), new nn.BatchNorm1d(5), new nn.ReLU(), new nn.Linear(5, 3));
  const x = randn([8, 6]);
  trainSteps(m, x, [0, 1, 2, 0, 1, 2, 0, 1], new optim.SGD(m.parameters(), { lr: 0.1 }), 2);
  await saveWeights(m, join(dir, 'bn-mlp.safetensors'));
  record('bn-mlp', m, randn([3, 6]));
}
const keys = (m: nn.Module): string[] => [...m.stateDict().keys()];
const oldKeys = {
  resnet18: keys(models.resnet18({ init: 'default' })),
  resnet50: keys(models.resnet50({ init: 'default' })),
  googlenetAux: keys(models.googlenet({ auxLogits: true, init: 'default' })),
};
writeFileSync(join(dir, 'old-keys.json'), `${JSON.stringify(oldKeys, null, 1)}\n`);
writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected)}\n`);
console.log('wrote', dir);
