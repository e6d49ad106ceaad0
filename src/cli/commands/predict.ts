/**
 * `convkit predict <image>...`: classifies PNG/JPEG images with weights saved by `convkit train`
 * (the weights' metadata names the model, input shape, classes and normalisation), or, without
 * --weights, with the pretrained weights the package ships for --model (default lenet5; see
 * weights/README.md), saying so on stderr. Images are
 * converted to the model's channels and size; a light background (mean border > 0.5) is
 * inverted, since MNIST-style data is light-on-dark.
 */
import { readFile } from 'node:fs/promises';
import { softmax } from '../../nn/functional/softmax.js';
import { Tensor } from '../../tensor/tensor.js';
import { predict } from '../../train/evaluate.js';
import { decodeImage, imageToTensor, type ImageBackground } from '../../vision/image.js';
import { intOption, selectBackend, usage, UsageError, parseCommand } from '../options.js';
import { modelSpec } from '../../models/registry.js';
import { hasPretrained, pretrainedNames, pretrainedUrl } from '../../models/pretrained.js';
import { requireNode } from '../../platform.js';
import { paint } from '../style.js';
import { modelWithWeights, readWeightsInfo, readWeightsMetadata } from '../load-model.js';
import type { WeightsInfo } from '../weights-meta.js';

/** Help text of `convkit predict`. */
export const PREDICT_USAGE = `convkit predict <image.png|jpg>... [options]
  --model NAME      without --weights: use the pretrained weights shipped for NAME
                    (lenet5: MNIST digits, keras-fashion: Fashion-MNIST clothes; default lenet5);
                    with --weights: the model they must hold
  --weights PATH    weights saved by 'convkit train'     (default: the shipped weights of --model)
  --top N           show the N most likely classes      (default 3)
  --no-invert       never invert light-background images
  --background BG   auto | white | black: what transparent pixels become (default auto:
                    white under dark ink, black under light ink)
  --backend NAME    js | wasm | native
  --json            one JSON object per image on stdout`;

/** Mean of the outermost ring of pixels of a (C, H, W) tensor. */
function borderMean(x: Tensor): number {
  const [c, h, w] = x.shape;
  const d = x.data;
  let s = 0,
    n = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        if (i !== 0 && j !== 0 && i !== h - 1 && j !== w - 1) continue;
        s += d[ch * h * w + i * w + j];
        n++;
      }
    }
  }
  return s / n;
}

/** Loads an image file as a model input (1, C, H, W) following the weights' preprocessing. */
export function imageInput(
  bytes: Uint8Array,
  name: string,
  info: WeightsInfo,
  invert: boolean,
  background: ImageBackground = 'auto',
): { x: Tensor; inverted: boolean } {
  if (info.inputShape.length !== 3)
    throw new UsageError(`model '${info.model}' takes ${info.inputShape.length}-D feature vectors, not images`);
  const [c, h, w] = info.inputShape;
  const img = decodeImage(bytes, name);
  const t = imageToTensor(img, { grayscale: c === 1, size: [h, w], background });
  const inverted = invert && borderMean(t) > 0.5;
  const d = t.f32;
  const norm = info.normalize;
  for (let i = 0; i < d.length; i++) {
    const v = inverted ? 1 - d[i] : d[i];
    d[i] = norm ? (v - norm.mean) / norm.std : v;
  }
  return { x: t.reshape([1, c, h, w]), inverted };
}

/**
 * The path of the weights the package ships for a model (weights/ beside dist/), or a usage
 * error naming --weights when it has none.
 */
function shippedWeights(model: string): string {
  if (!hasPretrained(model))
    throw new UsageError(
      `no pretrained weights ship for --model ${model} (they do for ${pretrainedNames().join(', ')}); pass --weights PATH (weights saved by 'convkit train')`,
    );
  return requireNode('node:url', 'convkit predict').fileURLToPath(pretrainedUrl(model));
}

/** Runs `convkit predict`; returns the exit code. */
export async function predictCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      weights: { type: 'string' },
      model: { type: 'string' },
      top: { type: 'string', default: '3' },
      'no-invert': { type: 'boolean', default: false },
      background: { type: 'string', default: 'auto' },
      backend: { type: 'string' },
    },
    PREDICT_USAGE,
    { positionals: true },
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('give at least one image file (PNG or JPEG)');
  if (!['auto', 'white', 'black'].includes(values.background as string))
    throw new UsageError(`--background must be one of auto, white, black, got '${values.background as string}'`);
  selectBackend(values.backend);
  const top = intOption('--top', values.top, 1);
  const modelFlag = values.model === undefined ? undefined : usage(() => modelSpec(values.model as string)).name;
  const path = values.weights === undefined ? shippedWeights(modelFlag ?? 'lenet5') : (values.weights as string);
  const info = await readWeightsInfo(path);
  if (modelFlag !== undefined && modelFlag !== info.model)
    throw new UsageError(
      `--model ${modelFlag} does not match ${path}, which holds ${info.model} weights; leave --model out or pass the right weights`,
    );
  if (values.weights === undefined) {
    const acc = Number((await readWeightsMetadata(path))['convkit.pretrained.testAccuracy']);
    process.stderr.write(
      `convkit predict: using the pretrained ${info.model} weights shipped with convkit (trained on ${info.dataset}${Number.isFinite(acc) ? `, test accuracy ${(acc * 100).toFixed(2)}%` : ''}); pass --weights PATH for your own\n`,
    );
  }
  if (usage(() => modelSpec(info.model)).task === 'reconstruction')
    throw new UsageError(
      `${path} holds ${info.model} weights, a reconstruction model without classes; predict needs a classifier (use convkit eval for its reconstruction error)`,
    );
  const model = await modelWithWeights(path, info.model, info);
  for (const file of positionals) {
    const { x, inverted } = imageInput(
      new Uint8Array(await readFile(file)),
      file,
      info,
      !values['no-invert'],
      values.background as ImageBackground,
    );
    const logits = predict(model, x);
    const probs =
      logits.shape[1] === 1
        ? (() => {
            const p = 1 / (1 + Math.exp(-logits.data[0]));
            return [1 - p, p];
          })()
        : Array.from(softmax(logits, 1).data);
    const ranked = probs
      .map((p, i) => ({ label: i, name: info.classes[i] ?? String(i), probability: p }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, top);
    if (values.json) {
      process.stdout.write(
        JSON.stringify({
          file,
          label: ranked[0].label,
          name: ranked[0].name,
          probability: ranked[0].probability,
          inverted,
          top: ranked,
        }) + '\n',
      );
    } else {
      const best = ranked[0];
      const others = ranked
        .slice(1)
        .map((r) => `${r.name} ${(r.probability * 100).toFixed(1)}%`)
        .join(', ');
      process.stdout.write(
        `${file}: ${paint(process.stdout, 'bold', best.name)} (${(best.probability * 100).toFixed(1)}%)${others ? `  [${others}]` : ''}${inverted ? '  (inverted light background)' : ''}\n`,
      );
    }
  }
  return 0;
}
