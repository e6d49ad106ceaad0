/**
 * `convkit predict <image>...`: classifies PNG/JPEG images with weights saved by `convkit train`
 * (the weights' metadata names the model, input shape, classes and normalisation), or, without
 * --weights, with the pretrained weights the package ships for --model (default lenet5; see
 * weights/README.md), saying so on stderr. Weights without convkit metadata (a torchvision
 * `.pth`, a plain safetensors file) are read through train.loadWeights for the --model given,
 * sized from the file (classes = rows of the last layer), with ImageNet's per-channel
 * normalisation for 3-channel models unless --mean/--std say otherwise. Images are converted to
 * the model's channels and size; for 1-channel models a light background (mean border > 0.5) is
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
import { modelWithWeights, readWeightsInfo } from '../load-model.js';
import { channelStats, type ChannelNorm, type WeightsInfo } from '../weights-meta.js';
import { createModel } from '../../models/registry.js';
import type { Module } from '../../nn/module.js';
import { loadWeightsFile } from '../../io/pytorch/weights-file.js';
import { loadWeights } from '../../train/checkpoint.js';

/** Help text of `convkit predict`. */
export const PREDICT_USAGE = `convkit predict <image.png|jpg>... [options]
  --model NAME      without --weights: use the pretrained weights shipped for NAME
                    (lenet5: MNIST digits, keras-fashion: Fashion-MNIST clothes; default lenet5);
                    with --weights: the model they must hold
  --weights PATH    weights saved by 'convkit train'     (default: the shipped weights of --model),
                    or a PyTorch/safetensors state dict without convkit metadata (needs --model)
  --mean LIST       per-channel pixel mean, e.g. 0.485,0.456,0.406 (default: from the weights;
                    ImageNet's for a 3-channel model whose file does not say)
  --std LIST        per-channel pixel std, e.g. 0.229,0.224,0.225 (as --mean)
  --classes FILE    class names, one per line (default: from the weights, else the indices)
  --top N           show the N most likely classes      (default 3)
  --no-invert       never invert light-background images (1-channel models only invert)
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

export type { ChannelNorm } from '../weights-meta.js';

/** torchvision's ImageNet normalisation, which its pretrained weights expect. */
export const IMAGENET_NORM: ChannelNorm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * Loads an image file as a model input (1, C, H, W) following the weights' preprocessing: resized
 * to the model's input, then each channel normalised with the weights' per-channel statistics
 * (`channelNorm`, when given, replaces them).
 */
export function imageInput(
  bytes: Uint8Array,
  name: string,
  info: WeightsInfo,
  invert: boolean,
  background: ImageBackground = 'auto',
  channelNorm?: ChannelNorm,
): { x: Tensor; inverted: boolean } {
  if (info.inputShape.length !== 3)
    throw new UsageError(`model '${info.model}' takes ${info.inputShape.length}-D feature vectors, not images`);
  const [c, h, w] = info.inputShape;
  const img = decodeImage(bytes, name);
  const t = imageToTensor(img, { grayscale: c === 1, size: [h, w], background });
  const inverted = invert && borderMean(t) > 0.5;
  const d = t.f32;
  const norm = channelNorm ?? channelStats(info, c);
  for (let i = 0; i < d.length; i++) {
    const v = inverted ? 1 - d[i] : d[i];
    const ch = Math.floor(i / (h * w));
    d[i] = norm ? (v - norm.mean[ch]) / norm.std[ch] : v;
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

/** A --mean/--std value: one number per channel (one number is used for every channel). */
function channelList(flag: string, raw: string, channels: number, positive: boolean): number[] {
  const v = raw.split(',').map((s) => Number(s.trim()));
  const ok =
    v.every((x) => Number.isFinite(x) && (positive ? x > 0 : true)) && (v.length === 1 || v.length === channels);
  if (!ok)
    throw new UsageError(
      `${flag} must be 1 or ${channels} comma-separated ${positive ? 'positive ' : ''}numbers (one per channel), got '${raw}'`,
    );
  return v.length === 1 ? new Array<number>(channels).fill(v[0]) : v;
}

/**
 * What to rebuild for weights without convkit metadata: the --model's default input, as many
 * classes as the file's last layer has rows (the model's last state-dict entry), no names.
 */
async function foreignInfo(path: string, model: string | undefined): Promise<{ info: WeightsInfo; module: Module }> {
  if (model === undefined)
    throw new UsageError(
      `${path} has no convkit metadata (not written by 'convkit train'); pass --model NAME for the architecture it holds`,
    );
  const spec = modelSpec(model);
  if (spec.task !== 'classification')
    throw new UsageError(`--model ${model} is a reconstruction model without classes; predict needs a classifier`);
  const file = await loadWeightsFile(path);
  const keys = [...createModel(model).stateDict().keys()];
  const last = file.tensors[keys[keys.length - 1]];
  const numClasses = last && last.shape.length >= 1 ? last.shape[0] : 10;
  const info: WeightsInfo = {
    model,
    dataset: '',
    inputShape: [...spec.defaultInputShape],
    numClasses,
    classes: [],
    normalize: null,
  };
  const module = createModel(model, { inputShape: info.inputShape, numClasses });
  await loadWeights(module, path);
  return { info, module };
}

/** Runs `convkit predict`; returns the exit code. */
export async function predictCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      weights: { type: 'string' },
      model: { type: 'string' },
      mean: { type: 'string' },
      std: { type: 'string' },
      classes: { type: 'string' },
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
  const meta = (await loadWeightsFile(path)).metadata;
  const foreign = meta['convkit.model'] === undefined ? await foreignInfo(path, modelFlag) : null;
  const info = foreign ? foreign.info : await readWeightsInfo(path);
  if (modelFlag !== undefined && modelFlag !== info.model)
    throw new UsageError(
      `--model ${modelFlag} does not match ${path}, which holds ${info.model} weights; leave --model out or pass the right weights`,
    );
  if (values.weights === undefined) {
    const acc = Number(meta['convkit.pretrained.testAccuracy']);
    process.stderr.write(
      `convkit predict: using the pretrained ${info.model} weights shipped with convkit (trained on ${info.dataset}${Number.isFinite(acc) ? `, test accuracy ${(acc * 100).toFixed(2)}%` : ''}); pass --weights PATH for your own\n`,
    );
  }
  const task = info.task ?? usage(() => modelSpec(info.model)).task;
  if (task !== 'classification')
    throw new UsageError(
      task === 'segmentation'
        ? `${path} holds ${info.model} weights trained for segmentation (a mask per image, no classes); predict needs a classifier (use convkit eval for their IoU)`
        : `${path} holds ${info.model} weights, a reconstruction model without classes; predict needs a classifier (use convkit eval for its reconstruction error)`,
    );
  const model = foreign ? foreign.module : await modelWithWeights(path, info.model, info);
  const channels = info.inputShape.length === 3 ? info.inputShape[0] : 1;
  let channelNorm: ChannelNorm | undefined =
    foreign && channels === 3 && values.mean === undefined && values.std === undefined ? IMAGENET_NORM : undefined;
  if (values.mean !== undefined || values.std !== undefined) {
    const base = channelStats(info, channels) ?? {
      mean: new Array<number>(channels).fill(0),
      std: new Array<number>(channels).fill(1),
    };
    channelNorm = {
      mean: channelList('--mean', (values.mean as string | undefined) ?? base.mean.join(','), channels, false),
      std: channelList('--std', (values.std as string | undefined) ?? base.std.join(','), channels, true),
    };
  }
  if (foreign && channelNorm === IMAGENET_NORM)
    process.stderr.write(
      `convkit predict: ${path} has no convkit metadata: ${info.model} with ${info.numClasses} classes, input [${info.inputShape.join(', ')}], ImageNet normalisation (pass --mean/--std if it was trained otherwise)\n`,
    );
  if (values.classes !== undefined) {
    const classesPath = values.classes as string;
    let text: string;
    try {
      text = await readFile(classesPath, 'utf8');
    } catch (e) {
      throw new UsageError(`--classes: cannot read ${classesPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const names = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (names.length !== info.numClasses)
      throw new UsageError(
        `--classes ${classesPath} has ${names.length} names but the model has ${info.numClasses} classes`,
      );
    info.classes = names;
  }
  for (const file of positionals) {
    const { x, inverted } = imageInput(
      new Uint8Array(await readFile(file)),
      file,
      info,
      !values['no-invert'] && channels === 1,
      values.background as ImageBackground,
      channelNorm,
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
