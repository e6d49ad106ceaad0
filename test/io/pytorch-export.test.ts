// exportPytorch without python: every layer class has a mapping, the generated model.py has the
// expected parts (model class, safetensors reader/writer, load/save, __main__ check) and one torch
// module per convkit module, and what cannot be exported gets an error naming its path and class.
// The slow twin (pytorch-export.slow.test.ts) runs the generated code in python3-torch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPytorch, pytorchCheckInput } from '../../src/io/pytorch-export.js';
import { LAYERS } from '../../src/io/pytorch-export/layers.js';
import { COMPOSITES } from '../../src/io/pytorch-export/composites.js';
import { Module, Sequential } from '../../src/nn/module.js';
import { Conv2d, Linear, ReLU } from '../../src/nn/layers/index.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { alexnet } from '../../src/models/alexnet.js';
import { ResNet, resnet20 } from '../../src/models/resnet.js';
import { googlenet } from '../../src/models/googlenet.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { empty } from '../../src/tensor/alloc.js';
import { LAYER_CASES, ZOO_CASES, layerClassNames } from './pytorch-export-cases.js';
import { modelNames } from '../../src/models/registry.js';

test('every layer class of src/nn/layers has a PyTorch mapping', () => {
  const missing = layerClassNames().filter((n) => !Object.hasOwn(LAYERS, n) && !Object.hasOwn(COMPOSITES, n));
  assert.deepEqual(missing, [], `add ${missing.join(', ')} to src/io/pytorch-export/layers.ts`);
  for (const c of LAYER_CASES) assert.doesNotThrow(() => exportPytorch(c.build()), c.name);
});

test('model.py of LeNet-5: an nn.Sequential subclass with one torch layer per convkit layer, loader and check', () => {
  const src = exportPytorch(lenet5(), { inputShape: [1, 1, 28, 28] });
  assert.match(src, /^class ConvkitModel\(nn\.Sequential\):$/m);
  assert.equal(src.match(/nn\.Conv2d\(/g)?.length, 2);
  assert.equal(src.match(/nn\.Linear\(/g)?.length, 3);
  assert.match(src, /nn\.Conv2d\(1, 6, \(5, 5\), stride=1, padding=2,/);
  for (const part of [
    'def load_safetensors(path):',
    'def save_safetensors(tensors, path, metadata=None):',
    'def load(path=None, strict=True):',
    'def save(model, path, metadata=None):',
    "if __name__ == '__main__':",
    'INPUT_SHAPE = (1, 1, 28, 28)',
    'REFERENCE = None',
    'torch.frombuffer(',
  ])
    assert.ok(src.includes(part), `model.py lacks ${part}`);
  assert.ok(!src.includes('import safetensors'), 'no safetensors package needed');
  assert.match(src, /# 10 tensors, from '0\.weight' to '11\.bias'/);
  // no python class is emitted that the model does not use
  assert.ok(!src.includes('class Chain('));
});

test("model.py of resnet20: torchvision blocks with the model's own names, option-A shortcuts", () => {
  const m = resnet20();
  const src = exportPytorch(m, { className: 'ResNet20' });
  assert.match(src, /^class ResNet20\(ResNet\):$/m);
  assert.match(src, /^class ResNet\(Chain\):$/m);
  const convs = [...m.modules()].filter((x) => x instanceof Conv2d).length;
  assert.equal(src.match(/nn\.Conv2d\(/g)?.length, convs);
  assert.equal(src.match(/nn\.BatchNorm2d\(/g)?.length, convs);
  assert.match(src, /_steps=\["conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool", None, "fc"\]/);
  for (const child of new Set([...m.stateDict().keys()].map((k) => k.split('.').slice(-2, -1)[0] ?? '')))
    if (child && !/^\d+$/.test(child)) assert.ok(src.includes(`"${child}"`), `child ${child} is named in model.py`);
  assert.match(src, /\("downsample", PadShortcut\(16, 32, 2\)\)/);
  assert.match(src, /INPUT_SHAPE = None/);
});

class Custom extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** A layer named like torch's Linear whose parameter is not called weight. */
class Linear2 extends Linear {}
class WrongNames extends Module {
  static override readonly typeName: string = 'Linear';
  readonly inFeatures = 2;
  readonly outFeatures = 2;
  constructor() {
    super();
    this.registerParameter('W', empty([2, 2]));
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

test('what has no PyTorch equivalent gets an error naming the module path and class', () => {
  assert.throws(
    () => exportPytorch(new Sequential(new Linear(2, 2), new Sequential(new ReLU(), new Custom()))),
    /cannot export '1\.1' \(Custom\): no PyTorch mapping for this class/,
  );
  assert.throws(() => exportPytorch(new Custom()), /cannot export the model itself \(Custom\)/);
  assert.throws(
    () => exportPytorch(new Sequential(new WrongNames())),
    /'0' \(Linear\): its state-dict names \[W\] differ from torch's nn\.Linear \[weight\]/,
  );
  // a subclass that only configures (no forward of its own) exports as its parent
  assert.match(exportPytorch(new Linear2(3, 2)), /^class ConvkitModel\(nn\.Linear\):$/m);
  assert.throws(
    () => exportPytorch(lenet5(), { className: 'my model' }),
    /className 'my model' is not a python identifier/,
  );
  assert.throws(() => exportPytorch(resnet20(), { className: 'ResNet' }), /clashes with a class model\.py defines/);
  assert.throws(() => exportPytorch(lenet5(), { inputShape: [1, 0, 28] }), /inputShape \[1, 0, 28\]/);
  assert.throws(() => exportPytorch(lenet5(), { weightsFile: '../w.safetensors' }), /must be a plain file name/);
  assert.throws(() => exportPytorch(lenet5(), { reference: [1, Number.NaN] }), /reference value 1 is NaN/);
});

test('the self-check input and the embedded reference', () => {
  assert.deepEqual([...pytorchCheckInput([1, 4])], [-1, -1 + 37 / 50, -1 + 74 / 50, -1 + 10 / 50].map(Math.fround));
  const src = exportPytorch(lenet5(), { inputShape: [1, 1, 28, 28], reference: new Float32Array(5000).fill(0.5) });
  const ref = /REFERENCE = \[([^\]]*)\]/.exec(src)?.[1] ?? '';
  assert.equal(ref.split(',').filter((s) => s.trim() !== '').length, 4096, 'at most 4096 reference values');
});

test('a zoo model whose children no longer match the exported forward is an error, not silently wrong code', () => {
  const net = alexnet({ numClasses: 10, hidden: 8 });
  net.registerModule('extra', new ReLU());
  assert.throws(
    () => exportPytorch(net),
    /the model itself \(AlexNet\): child 'extra' has no place in the exported forward/,
  );
  const net2 = alexnet({ numClasses: 10, hidden: 8 });
  net2.registerModule('avgpool', null);
  assert.throws(() => exportPytorch(net2), /\(AlexNet\): child 'avgpool' of AlexNet is missing/);
});

/**
 * Fast-tier stand-ins for the zoo models whose ImageNet-size init takes seconds: the same classes
 * (ResNet with BasicBlocks or Bottlenecks and the ImageNet stem, GoogLeNet with every option),
 * smaller or without the torchvision init. The slow test exports the registry's models themselves.
 */
const FAST: Record<string, () => Module> = {
  resnet18: () => new ResNet('basic', [1, 1], [8, 16], { numClasses: 10, inChannels: 3, stem: 'imagenet' }),
  resnet34: () => new ResNet('basic', [2, 1], [8, 16], { numClasses: 10, inChannels: 3, stem: 'imagenet' }),
  resnet50: () => new ResNet('bottleneck', [1, 1], [8, 16], { numClasses: 10, inChannels: 3, stem: 'imagenet' }),
  googlenet: () => googlenet({ numClasses: 10, init: 'default', auxLogits: true, transformInput: true }),
};

test('every zoo model exports (a zoo module without a mapping fails here, before python)', () => {
  for (const name of modelNames()) {
    const c = ZOO_CASES[name];
    assert.ok(c, `add ${name} to ZOO_CASES in test/io/pytorch-export-cases.ts`);
    const src = exportPytorch((FAST[name] ?? c.build)());
    assert.match(src, /^class ConvkitModel\(/m, name);
  }
  assert.match(exportPytorch(FAST.resnet50()), /^class Bottleneck\(TorchvisionBlock\):$/m);
});
