// The registry's pairing of models with data: which sample shapes each model takes, the image size
// it is resized to when the data does not fit (resizeFor), and a forward + backward pass of every
// model at the size the CLI trains it on. The big ImageNet models (AlexNet, VGG) are built with
// narrow layers here (same spatial arithmetic, a fraction of the 57-134M weights); full-width
// builds of GoogLeNet, the ResNets and U-Net run in zoo-registry.slow.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alexnet, createModel, modelNames, modelSpec, unet, vgg11, vgg16 } from '../../src/models/index.js';
import type { Module } from '../../src/nn/module.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Conv1d, Conv2d } from '../../src/nn/layers/conv.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import { DATASET_REGISTRY } from '../../src/data/registry.js';

/** Sample shapes of the registered datasets: MNIST-like, CIFAR-10, EuroSAT, breast cancer, waveforms. */
const SHAPES = {
  mnist: [1, 28, 28],
  cifar: [3, 32, 32],
  eurosat: [3, 64, 64],
  vector: [30],
  sequence: [1, 128],
} as const;
type ShapeName = keyof typeof SHAPES;

/** Per model and shape: 'fits', the [H, W] it is resized to, or 'refused' (no resize helps). */
type Pairing = 'fits' | 'refused' | readonly [number, number];
const R = 'refused' as const,
  F = 'fits' as const;
const EXPECTED: Record<string, Record<ShapeName, Pairing>> = {
  mlp: { mnist: F, cifar: F, eurosat: F, vector: F, sequence: F },
  lenet5: { mnist: F, cifar: [28, 28], eurosat: [28, 28], vector: R, sequence: R },
  'keras-fashion': { mnist: F, cifar: [28, 28], eurosat: [28, 28], vector: R, sequence: R },
  logistic: { mnist: F, cifar: F, eurosat: F, vector: F, sequence: F },
  alexnet: { mnist: [64, 64], cifar: [64, 64], eurosat: F, vector: R, sequence: R },
  vgg11: { mnist: [32, 32], cifar: F, eurosat: F, vector: R, sequence: R },
  vgg16: { mnist: [32, 32], cifar: F, eurosat: F, vector: R, sequence: R },
  googlenet: { mnist: [64, 64], cifar: F, eurosat: F, vector: R, sequence: R },
  resnet18: { mnist: F, cifar: F, eurosat: F, vector: R, sequence: R },
  resnet34: { mnist: F, cifar: F, eurosat: F, vector: R, sequence: R },
  resnet50: { mnist: F, cifar: F, eurosat: F, vector: R, sequence: R },
  resnet20: { mnist: F, cifar: F, eurosat: F, vector: R, sequence: R },
  tcn1d: { mnist: R, cifar: R, eurosat: R, vector: R, sequence: F },
  autoencoder: { mnist: F, cifar: F, eurosat: F, vector: R, sequence: R },
  unet: { mnist: F, cifar: F, eurosat: F, vector: R, sequence: R },
};

test('every model × data shape: fits, is resized to a size that fits, or is refused with a reason', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), modelNames().sort(), 'a row per registered model');
  for (const name of modelNames()) {
    const spec = modelSpec(name);
    for (const [shapeName, shape] of Object.entries(SHAPES) as [ShapeName, readonly number[]][]) {
      const want = EXPECTED[name][shapeName];
      const problem = spec.inputProblem(shape);
      const resized = spec.resizeFor(shape);
      const at = `${name} on ${shapeName} [${shape.join(', ')}]`;
      if (want === 'fits') {
        assert.equal(problem, null, at);
        assert.equal(resized, null, `${at}: nothing to resize`);
      } else if (want === 'refused') {
        assert.match(problem ?? '', /^needs .*, the dataset gives \[/, at);
        assert.equal(resized, null, `${at}: no size helps`);
      } else {
        assert.ok(problem !== null, `${at} does not fit as it is`);
        assert.deepEqual(resized, want, at);
        assert.equal(spec.inputProblem([shape[0], ...want]), null, `${at}: the resized shape fits`);
        assert.equal(spec.resizeFor([shape[0], ...want]), null, `${at}: resizing is idempotent`);
      }
    }
  }
});

test('resizeFor: minimum sizes, standard sizes and divisibility', () => {
  // AlexNet needs 63 (64 is the standard small size), GoogLeNet 31 (resized to 64), VGG 32
  assert.deepEqual(modelSpec('alexnet').resizeFor([3, 62, 100]), [64, 100]);
  assert.equal(modelSpec('alexnet').resizeFor([3, 63, 63]), null);
  assert.deepEqual(modelSpec('googlenet').resizeFor([1, 30, 40]), [64, 40]);
  assert.deepEqual(modelSpec('vgg16').resizeFor([3, 16, 16]), [32, 32]);
  // exact sizes: LeNet-5 and the Keras CNN take 28x28 only, larger images shrink
  assert.deepEqual(modelSpec('lenet5').resizeFor([3, 96, 96]), [28, 28]);
  assert.deepEqual(modelSpec('keras-fashion').resizeFor([1, 20, 20]), [28, 28]);
  // image-to-image models round up to what their pooling / stride-2 stages divide
  assert.deepEqual(modelSpec('autoencoder').resizeFor([1, 30, 27]), [32, 28]);
  assert.deepEqual(modelSpec('unet').resizeFor([3, 27, 28]), [28, 28]);
  assert.deepEqual(modelSpec('unet').resizeFor([1, 1, 1]), [2, 2]);
  // the createModel error points at the resize
  assert.throws(
    () => createModel('vgg11', { inputShape: [1, 28, 28] }),
    /createModel\('vgg11'\): needs \[C, H, W\] images of at least 32x32, the dataset gives \[1, 28, 28\] \(resize the images to 32x32: see modelSpec\('vgg11'\)\.resizeFor\)/,
  );
  assert.throws(
    () => createModel('lenet5', { inputShape: [30] }),
    /^RangeError: createModel\('lenet5'\): needs \[C, 28, 28\] images, the dataset gives \[30\]$/,
  );
});

test('every registered dataset has models that take it, every model has datasets', () => {
  const shapes = DATASET_REGISTRY.filter((d) => d.inputShape !== null).map((d) => ({
    name: d.name,
    shape: d.inputShape as readonly number[],
  }));
  assert.ok(shapes.length >= 5, `${shapes.length} datasets with a known shape`);
  const takes = (model: string, shape: readonly number[]): boolean => {
    const s = modelSpec(model);
    const r = s.resizeFor(shape);
    return s.inputProblem(r ? [shape[0], ...r] : shape) === null;
  };
  for (const { name, shape } of shapes) {
    const fitting = modelNames().filter((m) => takes(m, shape));
    assert.ok(fitting.length >= 2, `${name}: ${fitting.join(', ')}`);
  }
  for (const m of modelNames())
    assert.ok(
      shapes.some(({ shape }) => takes(m, shape)),
      `${m} trains on some registered dataset`,
    );
});

/** One forward and backward pass of a batch of 2; every parameter gets a finite gradient. */
function forwardBackward(model: Module, shape: readonly number[], at: string): readonly number[] {
  model.train();
  const y = model.call(randn([2, ...shape]));
  y.square().mean().backward();
  for (const [k, p] of model.namedParameters()) {
    assert.ok(p.grad !== null, `${at}: ${k} has no gradient`);
    assert.ok(
      Array.from(p.grad.data).every((g) => Number.isFinite(g)),
      `${at}: ${k} gradient not finite`,
    );
  }
  return y.shape;
}

/** The sample shape the CLI feeds: the data's, or the size resizeFor names. */
function cliShape(model: string, shape: readonly number[]): readonly number[] {
  const r = modelSpec(model).resizeFor(shape);
  return r ? [shape[0], ...r] : shape;
}

test('forward + backward of every small model at the CLI sizes (MNIST, CIFAR-10, waveforms)', () => {
  manualSeed(60);
  const cases: [string, ShapeName, readonly number[]][] = [
    ['mlp', 'mnist', [2, 10]],
    ['mlp', 'sequence', [2, 10]],
    ['logistic', 'vector', [2, 1]],
    ['lenet5', 'mnist', [2, 10]],
    ['lenet5', 'cifar', [2, 10]],
    ['keras-fashion', 'cifar', [2, 10]],
    ['resnet20', 'mnist', [2, 10]],
    ['tcn1d', 'sequence', [2, 10]],
    ['autoencoder', 'cifar', [2, 3, 32, 32]],
  ];
  for (const [name, shapeName, outShape] of cases) {
    const shape = cliShape(name, SHAPES[shapeName]);
    const numClasses = name === 'logistic' ? 2 : 10;
    const m = createModel(name, { inputShape: shape, numClasses });
    assert.deepEqual(forwardBackward(m, shape, `${name} ${shapeName}`), outShape, `${name} ${shapeName}`);
  }
});

test('AlexNet and VGG at their resized CLI sizes (narrow layers, the same spatial arithmetic)', () => {
  manualSeed(61);
  // MNIST resized: AlexNet 64x64 (the feature map reaches the adaptive pool at 1x1), VGG 32x32
  const a = cliShape('alexnet', SHAPES.mnist);
  assert.deepEqual(forwardBackward(alexnet({ inChannels: 1, numClasses: 10, hidden: 16 }), a, 'alexnet'), [2, 10]);
  const v = cliShape('vgg16', SHAPES.mnist);
  assert.deepEqual(v, [1, 32, 32]);
  for (const build of [vgg11, vgg16])
    assert.deepEqual(
      forwardBackward(build({ inChannels: 1, numClasses: 10, width: 1 / 16, hidden: 16 }), v, build.name),
      [2, 10],
    );
  // a U-Net for MNIST-sized masks: 28 = 4·7, two levels
  const u = unet({ inChannels: 1, outChannels: 1, base: 4, depth: 2 });
  assert.deepEqual(forwardBackward(u, SHAPES.mnist, 'unet'), [2, 1, 28, 28]);
});

test('width and dropout options: which models take them, what they change, and the errors', () => {
  const takes = Object.fromEntries(modelNames().map((n) => [n, [...modelSpec(n).options].sort().join(',')]));
  assert.deepEqual(takes, {
    mlp: 'dropout,width',
    lenet5: '',
    'keras-fashion': 'dropout',
    logistic: '',
    alexnet: 'dropout',
    vgg11: 'dropout,width',
    vgg16: 'dropout,width',
    googlenet: 'dropout',
    resnet18: '',
    resnet34: '',
    resnet50: '',
    resnet20: '',
    tcn1d: 'dropout,width',
    autoencoder: 'width',
    unet: 'width',
  });
  const dropouts = (m: Module): number[] =>
    [...m.modules()].filter((x): x is Dropout => x instanceof Dropout).map((d) => d.p);
  const convOut = (m: Module): number[] =>
    [...m.modules()]
      .filter((x): x is Conv2d | Conv1d => x instanceof Conv2d || x instanceof Conv1d)
      .map((c) => c.outChannels);
  manualSeed(62);
  // mlp: hidden widths scaled and rounded; dropout after each hidden layer
  const mlpModel = createModel('mlp', { inputShape: [20], numClasses: 3, width: 0.1, dropout: 0.2 });
  assert.equal(mlpModel.numParameters(), 20 * 30 + 30 + 30 * 10 + 10 + 10 * 3 + 3);
  assert.deepEqual(dropouts(mlpModel), [0.2, 0.2]);
  assert.equal(
    createModel('mlp', { inputShape: [20], hidden: [8], width: 0.5 }).numParameters(),
    20 * 4 + 4 + 4 * 10 + 10,
  );
  // unet base 64 · 1/8 = 8; tcn1d 32 · 1/4 = 8 channels; autoencoder [16, 32] · 1/2
  assert.deepEqual(convOut(createModel('unet', { inputShape: [1, 4, 4], width: 1 / 8 })).slice(0, 2), [8, 8]);
  const t = createModel('tcn1d', { inputShape: [1, 16], width: 0.25, dropout: 0 });
  assert.ok(convOut(t).every((c) => c === 8));
  assert.deepEqual([...new Set(dropouts(t))], [0]);
  assert.deepEqual(convOut(createModel('autoencoder', { inputShape: [1, 8, 8], width: 0.5 })), [8, 16]);
  assert.deepEqual(dropouts(createModel('keras-fashion', { dropout: 0.3 })), [0.3, 0.3]);
  // without the options each model keeps its published defaults
  assert.deepEqual(dropouts(createModel('keras-fashion')), [0.5, 0.5]);
  assert.equal(createModel('mlp').numParameters(), 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
  assert.throws(
    () => createModel('resnet18', { dropout: 0.1 }),
    /createModel\('resnet18'\): option 'dropout' does not apply to resnet18 \(it takes: neither width nor dropout\)/,
  );
  assert.throws(
    () => createModel('keras-fashion', { width: 2 }),
    /createModel\('keras-fashion'\): option 'width' does not apply to keras-fashion \(it takes: dropout\)/,
  );
  assert.throws(
    () => createModel('mlp', { width: 0 }),
    /createModel\('mlp'\): width must be a positive multiplier, got 0/,
  );
  assert.throws(
    () => createModel('tcn1d', { dropout: 1 }),
    /createModel\('tcn1d'\): dropout must be in \[0, 1\), got 1/,
  );
});
