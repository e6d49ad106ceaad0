/**
 * The attribution methods of `convkit visualize --method ...`: Grad-CAM, Grad-CAM++, guided
 * backprop, deconvnet, integrated gradients, activation maximisation and 2-D embeddings of
 * penultimate features. Each method writes its own PNG into the output folder; the per-image
 * results are also put side by side, captioned, in overview.png (drawn with the plot module).
 */
import { join } from 'node:path';
import type { Module } from '../../nn/module.js';
import { imageGrid, type ImageData2D } from '../../plot/images.js';
import { scatter } from '../../plot/distributions.js';
import { toPng } from '../../plot/png.js';
import { Tensor } from '../../tensor/tensor.js';
import { atomicWriteFile } from '../../io/atomic-write.js';
import { activationMaximization } from '../../vision/activation-max.js';
import { deconvnet } from '../../vision/deconvnet.js';
import { pca, penultimateFeatures, umap } from '../../vision/embedding.js';
import { gradCam, gradCamPlusPlus, lastConvLayer, layerCam, xGradCam } from '../../vision/gradcam.js';
import { guidedBackprop, guidedGradCam } from '../../vision/guided-backprop.js';
import { integratedGradients } from '../../vision/integrated-gradients.js';
import { heatmap, rescale, saveImage, upscaleNearest } from '../../vision/visualize.js';
import { figureProblem, layout, renderMaps } from './visualize-figures.js';
import { loadNamedDataset } from '../datasets.js';
import { UsageError } from '../options.js';
import type { WeightsInfo } from '../weights-meta.js';

/** The methods, in the order they run and appear in the overview. */
export const METHODS = [
  'gradcam',
  'gradcampp',
  'xgradcam',
  'layercam',
  'guidedgradcam',
  'guided',
  'deconv',
  'ig',
  'actmax',
  'embedding',
] as const;
/** One method name. */
export type Method = (typeof METHODS)[number];

/** Parses --method: a comma-separated list of METHODS, or 'all'. */
export function parseMethods(value: string): Method[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.includes('all')) return [...METHODS];
  const out: Method[] = [];
  for (const n of names) {
    if (!(METHODS as readonly string[]).includes(n))
      throw new UsageError(`--method must be one or more of ${METHODS.join(', ')}, or all; got '${n}'`);
    if (!out.includes(n as Method)) out.push(n as Method);
  }
  return out;
}

/** Whether the methods need an input image (all but actmax and embedding). */
export function needsImage(methods: readonly Method[]): boolean {
  return methods.some((m) => m !== 'actmax' && m !== 'embedding');
}

/** What the methods run on. */
export interface MethodContext {
  model: Module;
  info: WeightsInfo;
  /** The preprocessed image (1, C, H, W), or null when no method needs one. */
  x: Tensor | null;
  target: number;
  /** Module path for Grad-CAM and activation maximisation (default the last Conv2d). */
  layer?: string;
  /** Activation maximisation steps. */
  steps: number;
  /** Filters of the layer maximised (the first ones). */
  maxFilters: number;
  /** Test images embedded, and from which dataset. */
  count: number;
  dataset?: string;
  seed: number;
  /** Zoom of the written maps. */
  scale: number;
  dir: string;
}

/** What runMethods reports. */
export interface MethodsReport {
  files: string[];
  /** Per method: the figures measured (layer, target, scores, factors, ...). */
  results: Record<string, Record<string, unknown>>;
}

/** (C, H, W) in [0, 1] -> channel-last ImageData2D (gray or RGB). */
function toImageData(t: Tensor): ImageData2D {
  const [c, h, w] = t.shape;
  const out = new Float32Array(h * w * c);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p * c + ch] = t.data[ch * h * w + p];
  return { data: out, width: w, height: h, channels: c === 3 ? 3 : 1 };
}

/** The image as a gray (1, H, W) picture in [0, 1]. */
function grayOf(x: Tensor): Tensor {
  const [c, h, w] = x.shape.slice(-3);
  const r = rescale(x.reshape([c, h, w])).data;
  const out = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p] += r[ch * h * w + p] / c;
  return new Tensor(out, [1, h, w]);
}

/** A [0, 1] map over the gray image, hot colours, half and half. */
function overlay(gray: Tensor, map: Tensor): Tensor {
  const heat = heatmap(map).data;
  const n = gray.size;
  const out = new Float32Array(3 * n);
  for (let ch = 0; ch < 3; ch++)
    for (let p = 0; p < n; p++) out[ch * n + p] = 0.5 * gray.data[p] + 0.5 * heat[ch * n + p];
  return new Tensor(out, [3, gray.shape[1], gray.shape[2]]);
}

/** A signed (C, H, W) attribution as a gray picture: 0.5 is zero, symmetric range. */
function signed(t: Tensor): Tensor {
  const [c, h, w] = t.shape;
  let m = 0;
  for (const v of t.data) m = Math.max(m, Math.abs(v));
  const out = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p] += t.data[ch * h * w + p] / c;
  for (let p = 0; p < h * w; p++) out[p] = m > 0 ? 0.5 + (0.5 * out[p]) / m : 0.5;
  return new Tensor(out, [1, h, w]);
}

/** Runs the methods, writes their PNGs and overview.png; returns the files and figures. */
export async function runMethods(ctx: MethodContext, methods: readonly Method[]): Promise<MethodsReport> {
  const { model, info, x, target, scale, dir } = ctx;
  const files: string[] = [];
  const results: Record<string, Record<string, unknown>> = {};
  const tiles: { image: Tensor; caption: string }[] = [];
  const name = (k: number): string => info.classes[k] ?? String(k);
  const write = async (file: string, image: Tensor): Promise<void> => {
    const path = join(dir, file);
    await saveImage(path, image);
    files.push(path);
  };
  const writeBytes = async (file: string, bytes: Uint8Array): Promise<void> => {
    const path = join(dir, file);
    await atomicWriteFile(path, bytes);
    files.push(path);
  };
  const gray = x ? grayOf(x) : null;
  if (gray) tiles.push({ image: gray, caption: `input (class ${name(target)} explained)` });
  const layer = ctx.layer ?? lastConvLayer('visualize', model);
  for (const method of methods) {
    if (method !== 'actmax' && method !== 'embedding' && (!x || !gray)) continue; // no image: image methods skipped by the caller's check
    switch (method) {
      case 'gradcam':
      case 'gradcampp':
      case 'xgradcam':
      case 'layercam': {
        const fn = { gradcam: gradCam, gradcampp: gradCamPlusPlus, xgradcam: xGradCam, layercam: layerCam }[method];
        const r = fn(model, x as Tensor, { layer, targetClass: target });
        const img = overlay(gray as Tensor, r.map);
        await write(`${method}.png`, upscaleNearest(img, scale));
        const label = { gradcam: 'Grad-CAM', gradcampp: 'Grad-CAM++', xgradcam: 'XGrad-CAM', layercam: 'Layer-CAM' }[
          method
        ];
        tiles.push({ image: img, caption: `${label}, layer ${r.layer}` });
        results[method] = { layer: r.layer, upsample: r.upsample, targetClass: r.targetClass, score: r.score };
        break;
      }
      case 'guidedgradcam': {
        // the Grad-CAM paper's pixel-level map: guided backprop times the Grad-CAM map
        const cam = gradCam(model, x as Tensor, { layer, targetClass: target });
        const g = guidedBackprop(model, x as Tensor, target);
        const grad = g.gradient.ndim === 4 ? g.gradient.reshape(g.gradient.shape.slice(1)) : g.gradient;
        const img = signed(guidedGradCam(grad, cam.map));
        await write('guidedgradcam.png', upscaleNearest(img, scale));
        tiles.push({ image: img, caption: `guided Grad-CAM, layer ${cam.layer}` });
        results.guidedgradcam = { layer: cam.layer, targetClass: cam.targetClass, score: cam.score };
        break;
      }
      case 'guided':
      case 'deconv': {
        const r = (method === 'guided' ? guidedBackprop : deconvnet)(model, x as Tensor, target);
        const img = signed(r.gradient);
        await write(`${method}.png`, upscaleNearest(img, scale));
        tiles.push({ image: img, caption: method === 'guided' ? 'guided backprop' : 'deconvnet' });
        results[method] = { targetClass: r.targetClass, score: r.score };
        break;
      }
      case 'ig': {
        const baseline = info.normalize ? -info.normalize.mean / info.normalize.std : 0;
        const r = integratedGradients(model, x as Tensor, { targetClass: target, baseline, steps: 64 });
        const img = signed(r.attributions);
        await write('ig.png', upscaleNearest(img, scale));
        tiles.push({ image: img, caption: 'integrated gradients' });
        results.ig = { baseline, steps: 64, score: r.score, baselineScore: r.baselineScore, delta: r.delta };
        break;
      }
      case 'actmax': {
        const [c, h, w] = info.inputShape;
        const range: [number, number] = info.normalize
          ? [-info.normalize.mean / info.normalize.std, (1 - info.normalize.mean) / info.normalize.std]
          : [0, 1];
        const common = { inputShape: [c, h, w], steps: ctx.steps, lr: 0.2, initStd: 0.5, range, seed: ctx.seed };
        const cls = activationMaximization(model, { ...common, targetClass: target });
        await write(`actmax-class-${target}.png`, upscaleNearest(rescale(cls.image), scale));
        tiles.push({ image: rescale(cls.image), caption: `actmax, class ${name(target)}` });
        const images: Tensor[] = [];
        const filters: { channel: number; initial: number; final: number }[] = [];
        for (let ch = 0; ch < ctx.maxFilters; ch++) {
          let r;
          try {
            r = activationMaximization(model, { ...common, layer, channel: ch });
          } catch (e) {
            if (ch > 0 && e instanceof RangeError && /channel must be below/.test(e.message)) break;
            throw e;
          }
          images.push(r.image);
          filters.push({ channel: ch, initial: r.initialActivation, final: r.finalActivation });
        }
        const stack = new Tensor(new Float32Array(images.length * h * w), [images.length, h, w]);
        images.forEach((im, i) => {
          const g = grayOf(im).data;
          (stack.data as Float32Array).set(g, i * h * w);
        });
        // captioned like maps-<layer>.png: title with the model, layer path and class, one caption per channel
        const kind = [...model.namedModules()].find(([n]) => n === layer)?.[1].typeName ?? 'module';
        const fig = layout(
          `actmax-${layer}.png`,
          `${info.model}: ${layer} (${kind}): activation maximisation of ${images.length} channels, ${h}x${w}`,
          images.length,
          (k) => `channel ${k}`,
          Math.ceil(Math.sqrt(images.length)),
          Math.max(h, w) * Math.max(1, Math.floor(scale / 2)),
        );
        const problem = figureProblem(fig);
        if (problem) throw new UsageError(`${problem}; lower --max-filters or --scale`);
        await writeBytes(fig.file, await renderMaps(fig, stack));
        results.actmax = {
          layer,
          steps: ctx.steps,
          class: { target, initial: cls.initialActivation, final: cls.finalActivation },
          filters,
        };
        break;
      }
      case 'embedding': {
        const dsName = ctx.dataset ?? info.dataset;
        if (!dsName) throw new UsageError('--method embedding needs --dataset NAME (the weights name no dataset)');
        const ds = await loadNamedDataset(dsName, ctx.count);
        const n = ds.test.length;
        const first = ds.test.get(0).x;
        if (first.size !== info.inputShape.reduce((a, b) => a * b, 1))
          throw new UsageError(
            `--dataset ${dsName} has samples of shape [${first.shape.join(', ')}], the model takes [${info.inputShape.join(', ')}]`,
          );
        const xs = new Float32Array(n * first.size);
        const labels = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const s = ds.test.get(i);
          xs.set(s.x.data as Float32Array, i * first.size);
          labels[i] = s.y;
        }
        const feats = penultimateFeatures(model, new Tensor(xs, [n, ...info.inputShape]));
        const p = pca(feats, 2);
        const classNames = ds.classes.length ? ds.classes : undefined;
        await writeBytes(
          'embedding-pca.png',
          await toPng(
            scatter(p.coords, labels, {
              title: `PCA of ${info.model} features (${feats.shape[1]}-D), ${n} test images`,
              classNames,
              xLabel: `PC 1 (${(100 * p.varianceRatio[0]).toFixed(1)}% of variance)`,
              yLabel: `PC 2 (${(100 * p.varianceRatio[1]).toFixed(1)}% of variance)`,
            }),
          ),
        );
        const u = await umap(feats, { seed: ctx.seed });
        await writeBytes(
          'embedding-umap.png',
          await toPng(
            scatter(u, labels, {
              title: `UMAP of ${info.model} features (${feats.shape[1]}-D), ${n} test images`,
              classNames,
              xLabel: 'UMAP 1',
              yLabel: 'UMAP 2',
            }),
          ),
        );
        results.embedding = {
          dataset: dsName,
          count: n,
          features: feats.shape[1],
          varianceRatio: Array.from(p.varianceRatio),
        };
        break;
      }
    }
  }
  if (tiles.length > 1) {
    const title = x
      ? `${info.model}: what explains class ${name(target)}`
      : `${info.model}: activation maximisation of class ${name(target)}`;
    const svg = imageGrid(
      tiles.map((t) => toImageData(t.image)),
      { captions: tiles.map((t) => t.caption), title, columns: Math.min(4, tiles.length), cell: 140 },
    );
    await writeBytes('overview.png', await toPng(svg));
  }
  return { files, results };
}
