/**
 * `convkit visualize --weights W --image digit.png --out dir/`: what a CNN sees. Writes, for
 * every Conv2d layer, its learned filters (`filters-<layer>.png`) and its feature maps for the
 * image (`maps-<layer>.png`) as captioned figures (a title naming the model, layer path and class,
 * each tile captioned with its filter / channel index; visualize-figures.ts), plus the preprocessed input (`input.png`), the gradient saliency
 * map (`saliency.png`) and the occlusion-sensitivity map (`occlusion.png`) of the target class.
 * The sizes of all images are checked against the output limits before anything is written, so
 * a too-large --scale is a usage error naming the largest scale that fits; --json lists each
 * written image's pixel size.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel, modelSpec } from '../../models/registry.js';
import type { Module } from '../../nn/module.js';
import { softmax } from '../../nn/functional/softmax.js';
import { manualSeed } from '../../tensor/random.js';
import { fmt } from '../../tensor/shape.js';
import { predict } from '../../train/evaluate.js';
import { conv2dLayers, featureMaps } from '../../vision/feature-maps.js';
import { occlusionSensitivity, saliency } from '../../vision/saliency.js';
import type { ImageBackground } from '../../vision/image.js';
import { heatmap, MAX_OUTPUT_MEGAPIXELS, rescale, saveImage, upscaleNearest } from '../../vision/visualize.js';
import { atomicWriteFile } from '../../io/atomic-write.js';
import {
  figureProblem,
  filtersFigure,
  mapsFigure,
  renderFilters,
  renderMaps,
  type GridFigure,
} from './visualize-figures.js';
import { intOption, selectBackend, usage, UsageError, parseCommand } from '../options.js';
import { modelWithWeights, readWeightsMetadata } from '../load-model.js';
import { decodeWeightsInfo, type WeightsInfo } from '../weights-meta.js';
import { imageInput } from './predict.js';
import { type Method, needsImage, parseMethods, runMethods } from './visualize-methods.js';
import { fileURLToPath } from 'node:url';
import { hasPretrained, pretrainedUrl } from '../../models/pretrained.js';
import type { Tensor } from '../../tensor/tensor.js';

/** Help text of `convkit visualize`. */
export const VISUALIZE_USAGE = `convkit visualize --image PATH [--weights PATH] [--model NAME] [--out DIR] [options]
  --image PATH      PNG or JPEG image to look at (also accepted as the first positional argument)
  --weights PATH    weights saved by 'convkit train' (without: a freshly initialised model, --seed)
  --model NAME      model to build (default: the one named in the weights' metadata, else lenet5)
  --out DIR         output folder, created if needed            (default visualize)
  --target N        class explained by saliency and occlusion  (default: the predicted class)
  --scale N         zoom of feature maps and saliency maps       (default: about 112 px per map;
                    at most what keeps every image under ${MAX_OUTPUT_MEGAPIXELS} megapixels)
  --max-filters N   filters and feature maps shown per layer     (default 64, the first ones)
  --max-channels N  input channels shown per filter (C != 1, 3)  (default 16)
  --seed N          initialisation seed without --weights       (default 0)
  --no-invert       never invert light-background images
  --background BG   auto | white | black: what transparent pixels become (default auto:
                    white under dark ink, black under light ink)
  --backend NAME    js | wasm | native
  --json            print a JSON summary on stdout
  --method LIST     instead: attribution methods, comma-separated, or all: gradcam, gradcampp,
                    xgradcam, layercam, guidedgradcam, guided, deconv, ig, actmax, embedding
                    (without --weights: the pretrained
                    weights shipped for the model; actmax and embedding need no --image)
  --layer PATH      module path for the CAM methods and actmax (default: the last Conv2d)
  --steps N         activation maximisation steps                (default 100)
  --dataset NAME    embedding: test images from this dataset     (default: the weights' dataset)
  --count N         embedding: how many test images              (default 500)
writes filters-<layer>.png and maps-<layer>.png (captioned) for every Conv2d layer, input.png,
saliency.png (|d score / d pixel|) and occlusion.png (score drop under a gray patch);
with --method: <method>.png for each (actmax: actmax-class-<t>.png and actmax-<layer>.png,
embedding: embedding-pca.png and embedding-umap.png) and overview.png, captioned`;

/** The info of a registered model (default lenet5) without training metadata: its default input, 10 classes, no normalization. */
function specInfo(modelName: string | undefined): WeightsInfo {
  const spec = usage(() => modelSpec(modelName ?? 'lenet5'));
  return {
    model: spec.name,
    dataset: '',
    inputShape: [...spec.defaultInputShape],
    numClasses: 10,
    classes: [],
    normalize: null,
  };
}

/** Builds the model and the preprocessing the image needs, from the weights' metadata or --model. */
async function loadModel(
  weights: string | undefined,
  modelName: string | undefined,
  seed: number,
): Promise<{ model: Module; info: WeightsInfo; trained: boolean }> {
  if (weights !== undefined) {
    const metadata = await readWeightsMetadata(weights);
    let info: WeightsInfo;
    if (metadata['convkit.model']) {
      info = decodeWeightsInfo(weights, metadata);
      if (modelName !== undefined && modelName !== info.model)
        throw new UsageError(`--model ${modelName} does not match the model '${info.model}' named in ${weights}`);
    } else {
      info = specInfo(modelName);
    }
    const model = await modelWithWeights(weights, info.model, info, true);
    return { model, info, trained: true };
  }
  const info = specInfo(modelName);
  manualSeed(seed);
  return { model: createModel(info.model, { inputShape: info.inputShape, numClasses: 10 }), info, trained: false };
}

/** What visualize draws for one conv layer: the layer's path, class, weight shape and (when it ran) its output shape. */
interface ConvInfo {
  name: string;
  kind: string;
  weight: readonly number[];
  maps: readonly number[] | null;
}

/** The captioned maps-<layer>.png layout of a layer at a zoom (see visualize-figures.ts). */
function layerMapsFigure(model: string, l: ConvInfo, maxFilters: number, scale: number): GridFigure | null {
  if (!l.maps) return null;
  const [c, h, w] = l.maps.slice(-3);
  return mapsFigure(model, l.name, l.kind, c, Math.min(c, maxFilters), h, w, scale);
}

/** An image too large at a zoom: each layer's captioned map figure (the largest), then the input-sized raw images. */
function tooLarge(
  model: string,
  scale: number,
  h: number,
  w: number,
  layers: ConvInfo[],
  maxFilters: number,
): string | null {
  for (const l of layers) {
    const f = layerMapsFigure(model, l, maxFilters, scale);
    const problem = f && figureProblem(f);
    if (problem) return problem;
  }
  if (w * scale * h * scale > MAX_OUTPUT_MEGAPIXELS * 1e6)
    return `input.png would be ${w * scale}x${h * scale} pixels, over the ${MAX_OUTPUT_MEGAPIXELS}-megapixel limit`;
  return null;
}

/** Refuses a --scale whose largest image would exceed the output limits, naming the largest scale that fits. */
function checkScale(model: string, scale: number, h: number, w: number, layers: ConvInfo[], maxFilters: number): void {
  const problem = tooLarge(model, scale, h, w, layers, maxFilters);
  if (problem === null) return;
  let lo = 0,
    hi = scale; // fits(lo) (or lo = 0), !fits(hi)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (tooLarge(model, mid, h, w, layers, maxFilters) === null) lo = mid;
    else hi = mid;
  }
  throw new UsageError(
    `--scale ${scale}: ${problem}; ` +
      (lo >= 1 ? `use --scale ${lo} or less` : 'the feature maps are too large to zoom'),
  );
}

/** The captioned filters-<layer>.png layout of a conv weight (O, C, kH, kW) under --max-filters / --max-channels. */
function layerFiltersFigure(
  model: string,
  name: string,
  kind: string,
  shape: readonly number[],
  maxFilters: number,
  maxChannels: number,
): GridFigure {
  const [o, c] = shape;
  const channels = c === 1 || c === 3 ? c : Math.min(c, maxChannels);
  return filtersFigure(model, name, kind, shape, Math.min(o, maxFilters), channels);
}

/** Refuses --max-filters / --max-channels values whose filter figure for a layer would exceed the output limits. */
export function checkFilterGrid(
  name: string,
  shape: readonly number[],
  maxFilters: number,
  maxChannels: number,
  model = 'model',
  kind = 'Conv2d',
): void {
  const problem = figureProblem(layerFiltersFigure(model, name, kind, shape, maxFilters, maxChannels));
  if (problem)
    throw new UsageError(`--max-filters ${maxFilters} and --max-channels ${maxChannels}: ${problem}; lower them`);
}

/** The shipped pretrained weights of a model (default lenet5) as a file path, or undefined when none ship. */
function shippedWeights(model: string | undefined): string | undefined {
  const name = model ?? 'lenet5';
  return hasPretrained(name) ? fileURLToPath(pretrainedUrl(name)) : undefined;
}

/** `convkit visualize --method ...`: the attribution methods (visualize-methods.ts) and their overview. */
async function runMethodsCommand(
  model: Module,
  info: WeightsInfo,
  imagePath: string | undefined,
  methods: Method[],
  o: {
    target: string | undefined;
    layer: string | undefined;
    steps: number;
    count: number;
    dataset: string | undefined;
    seed: number;
    fixedScale: number | null;
    maxFilters: number;
    invert: boolean;
    background: ImageBackground;
    dir: string;
    json: boolean;
  },
): Promise<number> {
  let x: Tensor | null = null;
  let predicted: number | null = null;
  let probability: number | null = null;
  let classes = info.numClasses;
  if (imagePath !== undefined && needsImage(methods)) {
    x = imageInput(new Uint8Array(await readFile(imagePath)), imagePath, info, o.invert, o.background).x;
    const logits = predict(model, x);
    if (logits.ndim !== 2 || logits.shape[1] < 2)
      throw new Error(`visualize: model '${info.model}' returns ${fmt(logits.shape)}, not class scores`);
    classes = logits.shape[1];
    const probs = softmax(logits, 1).data;
    predicted = 0;
    for (let k = 1; k < classes; k++) if (probs[k] > probs[predicted]) predicted = k;
    probability = probs[predicted];
  }
  const target = o.target === undefined ? (predicted ?? 0) : intOption('--target', o.target, 0);
  if (target >= classes) throw new UsageError(`--target must be below the model's ${classes} classes, got ${target}`);
  if (o.layer !== undefined && ![...model.namedModules()].some(([n]) => n === o.layer))
    throw new UsageError(
      `--layer '${o.layer}' is not a module path of ${info.model} (paths: ${[...model.namedModules()]
        .map(([n]) => n)
        .filter((n) => n !== '')
        .join(', ')})`,
    );
  const [h, w] = info.inputShape.slice(-2);
  const scale = o.fixedScale ?? Math.max(1, Math.floor(112 / Math.max(h, w)));
  checkScale(info.model, scale, h, w, [], o.maxFilters);
  await mkdir(o.dir, { recursive: true });
  const { files, results } = await runMethods(
    {
      model,
      info,
      x,
      target,
      ...(o.layer !== undefined ? { layer: o.layer } : {}),
      steps: o.steps,
      maxFilters: o.maxFilters,
      count: o.count,
      ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
      seed: o.seed,
      scale,
      dir: o.dir,
    },
    methods,
  );
  const name = (k: number): string => info.classes[k] ?? String(k);
  if (o.json) {
    process.stdout.write(
      JSON.stringify({
        image: imagePath ?? null,
        model: info.model,
        predicted,
        probability,
        target,
        methods,
        results,
        files,
      }) + '\n',
    );
  } else {
    if (predicted !== null && probability !== null)
      process.stdout.write(
        `${imagePath}: predicted ${name(predicted)} (${(probability * 100).toFixed(1)}%); explaining class ${name(target)}\n`,
      );
    for (const f of files) process.stdout.write(`wrote ${f}\n`);
  }
  return 0;
}

/** Runs `convkit visualize`; returns the exit code. */
export async function visualizeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      image: { type: 'string' },
      weights: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string', default: 'visualize' },
      target: { type: 'string' },
      scale: { type: 'string' },
      'max-filters': { type: 'string', default: '64' },
      'max-channels': { type: 'string', default: '16' },
      seed: { type: 'string', default: '0' },
      'no-invert': { type: 'boolean', default: false },
      background: { type: 'string', default: 'auto' },
      backend: { type: 'string' },
      method: { type: 'string' },
      layer: { type: 'string' },
      steps: { type: 'string', default: '100' },
      dataset: { type: 'string' },
      count: { type: 'string', default: '500' },
    },
    VISUALIZE_USAGE,
    { positionals: true },
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length > 1 || (positionals.length === 1 && values.image !== undefined))
    throw new UsageError(`give one image, got ${positionals.length + (values.image ? 1 : 0)}`);
  const imagePath = values.image ?? positionals[0];
  const methods = values.method === undefined ? null : parseMethods(values.method as string);
  if (imagePath === undefined && (methods === null || needsImage(methods)))
    throw new UsageError('give an image with --image PATH (PNG or JPEG)');
  const background = values.background as string;
  if (!['auto', 'white', 'black'].includes(background))
    throw new UsageError(`--background must be one of auto, white, black, got '${background}'`);
  selectBackend(values.backend);
  const fixedScale = values.scale === undefined ? null : intOption('--scale', values.scale, 1);
  const zoom = (h: number, w: number): number => fixedScale ?? Math.max(1, Math.floor(112 / Math.max(h, w)));
  const maxFilters = intOption('--max-filters', values['max-filters'], 1);
  const maxChannels = intOption('--max-channels', values['max-channels'], 1);
  const seed = intOption('--seed', values.seed, 0);
  if (methods !== null) {
    const weights = values.weights ?? shippedWeights(values.model);
    const { model, info } = await loadModel(weights, values.model, seed);
    return runMethodsCommand(model, info, imagePath, methods, {
      target: values.target,
      layer: values.layer,
      steps: intOption('--steps', values.steps, 0),
      count: intOption('--count', values.count, 2),
      dataset: values.dataset,
      seed,
      fixedScale,
      maxFilters: Math.min(maxFilters, 64),
      invert: !values['no-invert'],
      background: background as ImageBackground,
      dir: values.out as string,
      json: values.json === true,
    });
  }
  if (imagePath === undefined) throw new UsageError('give an image with --image PATH (PNG or JPEG)');
  const { model, info, trained } = await loadModel(values.weights, values.model, seed);
  for (const [name, conv] of conv2dLayers(model))
    checkFilterGrid(name, conv.weight.shape, maxFilters, maxChannels, info.model, conv.typeName);
  if (!trained && !values.json)
    process.stderr.write(`note: no --weights given, showing an untrained ${info.model} (seed ${seed})\n`);
  const { x, inverted } = imageInput(
    new Uint8Array(await readFile(imagePath)),
    imagePath,
    info,
    !values['no-invert'],
    background as ImageBackground,
  );
  const logits = predict(model, x);
  if (logits.ndim !== 2 || logits.shape[1] < 2)
    throw new Error(`visualize: model '${info.model}' returns ${fmt(logits.shape)}, not class scores`);
  const classes = logits.shape[1];
  const probs = softmax(logits, 1).data;
  let predicted = 0;
  for (let k = 1; k < classes; k++) if (probs[k] > probs[predicted]) predicted = k;
  const target = values.target === undefined ? predicted : intOption('--target', values.target, 0);
  if (target >= classes) throw new UsageError(`--target must be below the model's ${classes} classes, got ${target}`);

  const convs = conv2dLayers(model);
  const maps = featureMaps(model, x, { layers: convs.map(([name]) => name) });
  const convInfo: ConvInfo[] = convs.map(([name, conv]) => {
    const m = maps.get(name);
    return { name, kind: conv.typeName, weight: [...conv.weight.shape], maps: m ? [...m.shape] : null };
  });
  if (fixedScale !== null) checkScale(info.model, fixedScale, x.shape[2], x.shape[3], convInfo, maxFilters);
  // every figure's size is known before anything is written
  const figures = convInfo.map((l) => {
    const [mh, mw] = (l.maps ?? [1, 1, 1, 1]).slice(-2);
    const mapsFig = layerMapsFigure(info.model, l, maxFilters, zoom(mh, mw));
    if (mapsFig && fixedScale === null) {
      const problem = figureProblem(mapsFig);
      if (problem) throw new UsageError(`${problem}; lower --max-filters or give a --scale`);
    }
    return {
      filters: layerFiltersFigure(info.model, l.name, l.kind, l.weight, maxFilters, maxChannels),
      maps: mapsFig,
    };
  });

  const dir = values.out as string;
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const images: { file: string; width: number; height: number }[] = [];
  const write = async (name: string, image: Parameters<typeof saveImage>[1]): Promise<void> => {
    const path = join(dir, name);
    await saveImage(path, image);
    files.push(path);
    images.push({ file: path, width: image.shape[image.ndim - 1], height: image.shape[image.ndim - 2] });
  };
  const writeFigure = async (f: GridFigure, png: Promise<Uint8Array>): Promise<void> => {
    const path = join(dir, f.file);
    await atomicWriteFile(path, await png);
    files.push(path);
    images.push({ file: path, width: f.width, height: f.height });
  };
  const scale = zoom(x.shape[2], x.shape[3]);
  await write('input.png', upscaleNearest(rescale(x.reshape(x.shape.slice(1))), scale));
  const layers: { name: string; filters: number[]; maps: number[]; shown: number }[] = [];
  for (const [i, [name, conv]] of convs.entries()) {
    // deep layers have hundreds of filters: show the first maxFilters (and maxChannels of each)
    const weight = conv.weight.detach();
    const [o, c] = weight.shape;
    const shown = Math.min(o, maxFilters);
    let w = weight.narrow(0, 0, shown);
    if (c !== 1 && c !== 3 && c > maxChannels) w = w.narrow(1, 0, maxChannels);
    await writeFigure(figures[i].filters, renderFilters(figures[i].filters, w));
    const m = maps.get(name);
    const mf = figures[i].maps;
    if (m && mf) await writeFigure(mf, renderMaps(mf, m.narrow(1, 0, Math.min(m.shape[1], maxFilters))));
    layers.push({ name, filters: [...weight.shape], maps: m ? [...m.shape] : [], shown });
  }
  await write('saliency.png', upscaleNearest(heatmap(saliency(model, x, target)), scale));
  const occ = occlusionSensitivity(model, x, target);
  await write('occlusion.png', upscaleNearest(heatmap(occ.map), scale));

  const name = (k: number): string => info.classes[k] ?? String(k);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        image: imagePath,
        model: info.model,
        trained,
        inverted,
        predicted,
        name: name(predicted),
        probability: probs[predicted],
        target,
        layers,
        files,
        images,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `${imagePath}: predicted ${name(predicted)} (${(probs[predicted] * 100).toFixed(1)}%)${inverted ? ' (inverted light background)' : ''}; explaining class ${name(target)}\n`,
    );
    if (convs.length === 0)
      process.stdout.write(`model '${info.model}' has no Conv2d layers: no filters or feature maps to show\n`);
    for (const l of layers)
      if (l.shown < l.filters[0])
        process.stdout.write(
          `layer ${l.name}: showing the first ${l.shown} of ${l.filters[0]} filters (--max-filters)\n`,
        );
    for (const f of files) process.stdout.write(`wrote ${f}\n`);
  }
  return 0;
}
