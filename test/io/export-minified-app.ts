// The scenario test/io/export-minified.test.ts runs twice: imported as it is, and bundled with
// esbuild `minify: true` (as vite's production build and `esbuild --minify` do: every class
// renamed). It builds zoo models and exports them with io.exportOnnx and io.exportPytorch, and
// returns what a user sees (bytes, model.py, reprs, an error), which must not differ.
import * as ck from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** What one zoo model gives. */
export interface ModelResult {
  name: string;
  /** The JavaScript class name of the model (minified in the bundle). */
  jsClass: string;
  repr: string;
  onnx: Uint8Array;
  python: string;
  /** exportOnnx's error for an input shape the model cannot take. */
  shapeError: string;
}

/** What the scenario gives. */
export interface AppResult {
  models: ModelResult[];
  /** A user's module exported through registerOnnxExporter: its ONNX bytes. */
  custom: Uint8Array;
  /** A user's module with no exporter: exportOnnx's error. */
  missing: string;
}

/** A user's module (its name is minified in the bundle). */
class Doubler extends ck.nn.Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return 'no error';
};

/** Builds and exports the models on the 'js' backend from seed 0 (so both runs have equal weights). */
export function run(): AppResult {
  ck.setBackend('js');
  const m = ck.models;
  const cases: [string, () => ck.nn.Module, number[]][] = [
    ['resnet8 (option A)', () => m.resnetCifar({ depth: 8 }), [1, 3, 16, 16]],
    ['unet', () => m.unet({ base: 4, depth: 2, batchNorm: true }), [1, 1, 16, 16]],
    ['googlenet', () => m.googlenet({ numClasses: 5, transformInput: true, init: 'default' }), [1, 3, 32, 32]],
    ['alexnet', () => m.alexnet({ numClasses: 10, hidden: 32 }), [1, 3, 64, 64]],
    [
      'autoencoder',
      () => m.autoencoder({ inputShape: [2, 8, 8], latent: null, channels: [4, 6], outputActivation: 'none' }),
      [1, 2, 8, 8],
    ],
  ];
  const models = cases.map(([name, build, inputShape]): ModelResult => {
    ck.manualSeed(0);
    const model = build();
    return {
      name,
      jsClass: model.constructor.name,
      repr: String(model),
      onnx: ck.io.exportOnnx(model, { inputShape }),
      python: ck.io.exportPytorch(model),
      shapeError: message(() => ck.io.exportOnnx(model, { inputShape: [1, 7, 16, 16] })),
    };
  });
  ck.io.registerOnnxExporter(Doubler, (ctx, _module, inputs) => ctx.op('Mul', [inputs[0].name, ctx.scalar(2)]));
  ck.manualSeed(0);
  const custom = ck.io.exportOnnx(new ck.nn.Sequential(new ck.nn.Linear(3, 2), new Doubler()), { inputShape: [1, 3] });
  class Unknown extends ck.nn.Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const missing = message(() =>
    ck.io.exportOnnx(new ck.nn.Sequential(new ck.nn.ReLU(), new Unknown()), { inputShape: [1, 3] }),
  );
  return { models, custom, missing };
}
