/**
 * Class activation maps from gradients: Grad-CAM (Selvaraju et al., 2017), Grad-CAM++
 * (Chattopadhay et al., 2018), XGrad-CAM (Fu et al., 2020) and Layer-CAM (Jiang et al., 2021):
 * where in the image a conv layer's evidence for a class lies. The layer's activations A (K, h, w)
 * and the class score's gradient G are combined per channel (Grad-CAM: spatial mean of G;
 * Grad-CAM++: alpha-weighted positive G; XGrad-CAM: sum(G*A)/sum(A)) or per cell (Layer-CAM:
 * ReLU(G)*A), summed over channels, ReLU'd, upsampled to the input size and normalised to [0, 1]
 * by the maximum. `counterfactual` negates G (the paper's counterfactual explanation: what lowers
 * the score).
 */
import { customOp } from '../autograd/custom-op.js';
import { Conv2d } from '../nn/layers/conv.js';
import type { Module } from '../nn/module.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { type CellGrid, trackCellGrid, upsampleOnGrid } from './cam-geometry.js';
import { resizeBilinear } from './image.js';
import { inspectMode, layerAt, overrideForward, pickTarget, singleImage, withRestores } from './interpret-common.js';

/** How a CAM combines activations and gradients (see the file comment). */
export type CamMethod = 'gradcam' | 'gradcampp' | 'xgradcam' | 'layercam';

/** Options of gradCam, gradCamPlusPlus, xGradCam and layerCam. */
export interface GradCamOptions {
  /** Module path of the layer (as namedModules gives it, e.g. '3' or 'features.28'); default the last Conv2d. */
  layer?: string;
  /** Class to explain; default the predicted class. */
  targetClass?: number;
  /**
   * How the layer-resolution map reaches input size: 'resize' stretches it over the image
   * (bilinear, like pytorch-grad-cam); 'receptive-field' puts each cell at the centre of its
   * receptive field (cam-geometry.ts: the start and jump summary() reports; a RangeError when
   * a layer before the target has no known geometry); 'auto' (default) uses
   * 'receptive-field' when the conv/pool layers before the target form a chain and the
   * computed grid fits the image, else 'resize' (e.g. in a ResNet, whose shortcut convs branch).
   */
  upsample?: 'auto' | 'resize' | 'receptive-field';
  /** Negate the gradient: map the evidence against the class (Grad-CAM's counterfactual explanation); default false. */
  counterfactual?: boolean;
}

/** What gradCam, gradCamPlusPlus, xGradCam and layerCam return. */
export interface GradCamResult {
  /** The class activation map at input resolution (H, W), ReLU'd, in [0, 1] (all 0 when nothing is positive). */
  map: Tensor;
  /** The ReLU'd map at the layer's resolution (h, w), not normalised. */
  layerMap: Tensor;
  /** One weight per channel of the layer (K); for Layer-CAM, whose weights vary per cell, the mean of ReLU(G). */
  weights: Float32Array;
  /** Module path of the layer used. */
  layer: string;
  /** The upsampling used ('auto' resolved). */
  upsample: 'resize' | 'receptive-field';
  /** The class explained and its score (logit). */
  targetClass: number;
  /** The class's score (logit). */
  score: number;
}

/** Module path of the last Conv2d of a model, or an error saying to pass `layer`. */
export function lastConvLayer(op: string, model: Module): string {
  let found: string | null = null;
  for (const [name, m] of model.namedModules()) if (m instanceof Conv2d) found = name;
  if (found === null) throw new RangeError(`${op}: ${model.typeName} has no Conv2d layer; pass options.layer`);
  return found;
}

/** Runs the model once, returning the layer's activation (K, h, w), its gradient and the target score. */
export function layerActivationAndGrad(
  op: string,
  model: Module,
  x: Tensor,
  layer: string,
  targetClass: number | undefined,
): {
  act: Float32Array;
  grad: Float32Array;
  shape: number[];
  targetClass: number;
  score: number;
  grid: () => CellGrid;
  gridReason: string | null;
  chain: boolean;
} {
  const x4 = singleImage(op, x);
  const mod = layerAt(op, model, layer);
  let act: Float32Array | null = null;
  let grad: Float32Array | null = null;
  let shape: number[] = [];
  const capture = customOp(
    `${op}.capture`,
    (a) => a,
    (g) => {
      grad = Float32Array.from(g.data);
      return g;
    },
  );
  const restore = overrideForward(mod, (original) => (...inputs) => {
    const a = original(...inputs);
    act = Float32Array.from(a.data);
    shape = [...a.shape];
    return capture(a);
  });
  const tracker = trackCellGrid(model, mod);
  let target = 0,
    score = 0;
  withRestores([restore, tracker.remove], () =>
    inspectMode(model, () => {
      // the input requires grad so that a graph is recorded (the parameters are frozen)
      const input = new Tensor(Float32Array.from(x4.data), x4.shape).requiresGrad_(true);
      const out = model.call(input);
      target = pickTarget(op, out, targetClass);
      score = out.data[target];
      if (act === null) throw new Error(`${op}: layer '${layer}' did not run (its parent must call it with call())`);
      out.narrow(1, target, 1).sum().backward();
    }),
  );
  if (shape.length !== 4 || shape[0] !== 1)
    throw new RangeError(`${op}: layer '${layer}' gives shape ${fmt(shape)}, expected (1, K, h, w) feature maps`);
  const a = act as unknown as Float32Array;
  return {
    act: a,
    grad: grad ?? new Float32Array(a.length),
    shape,
    targetClass: target,
    score,
    grid: tracker.grid,
    gridReason: tracker.reason(),
    chain: tracker.isChain(),
  };
}

/** Per-channel weights (K) of a CAM method; Layer-CAM's per-cell weights are applied in camMap. */
function channelWeights(
  method: CamMethod,
  act: Float32Array,
  grad: Float32Array,
  k: number,
  plane: number,
): Float32Array {
  const weights = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    const o = c * plane;
    let sumA = 0,
      sumG = 0,
      sumGA = 0,
      sumPos = 0,
      sumPP = 0;
    for (let p = 0; p < plane; p++) {
      const g = grad[o + p],
        a = act[o + p];
      sumA += a;
      sumG += g;
      sumGA += g * a;
      if (g > 0) sumPos += g;
    }
    if (method === 'gradcampp')
      for (let p = 0; p < plane; p++) {
        // alpha = g^2 / (2 g^2 + sum(A) g^3), the closed form for an exponential score
        const g = grad[o + p];
        if (!(g > 0)) continue;
        const g2 = g * g;
        sumPP += (g2 / (2 * g2 + sumA * g2 * g + 1e-7)) * g;
      }
    weights[c] =
      method === 'gradcam'
        ? sumG / plane
        : method === 'gradcampp'
          ? sumPP
          : method === 'xgradcam'
            ? sumGA / (sumA + 1e-7)
            : sumPos / plane;
  }
  return weights;
}

/** The ReLU'd layer-resolution map (h*w) of a CAM method. */
function camMap(
  method: CamMethod,
  act: Float32Array,
  grad: Float32Array,
  weights: Float32Array,
  plane: number,
): Float32Array {
  const small = new Float32Array(plane);
  for (let c = 0; c < weights.length; c++)
    for (let p = 0; p < plane; p++) {
      const i = c * plane + p;
      small[p] += (method === 'layercam' ? (grad[i] > 0 ? grad[i] : 0) : weights[c]) * act[i];
    }
  for (let p = 0; p < plane; p++) if (!(small[p] > 0)) small[p] = 0;
  return small;
}

function cam(op: string, model: Module, x: Tensor, options: GradCamOptions, method: CamMethod): GradCamResult {
  const layer = options.layer ?? lastConvLayer(op, model);
  const x4 = singleImage(op, x);
  const mode = options.upsample ?? 'auto';
  if (mode !== 'auto' && mode !== 'resize' && mode !== 'receptive-field')
    throw new TypeError(`${op}: upsample must be 'auto', 'resize' or 'receptive-field', got ${JSON.stringify(mode)}`);
  const cf = options.counterfactual ?? false;
  if (typeof cf !== 'boolean') throw new TypeError(`${op}: counterfactual must be true or false, got ${String(cf)}`);
  const r = layerActivationAndGrad(op, model, x4, layer, options.targetClass);
  const { act, shape, targetClass, score, gridReason, chain } = r;
  const grad = cf ? r.grad.map((g) => -g) : r.grad;
  const [, k, h, w] = shape;
  const plane = h * w;
  const weights = channelWeights(method, act, grad, k, plane);
  const small = camMap(method, act, grad, weights, plane);
  const [, , H, W] = x4.shape;
  if (mode === 'receptive-field' && gridReason !== null)
    throw new RangeError(
      `${op}: upsample 'receptive-field' needs the cell grid of layer '${layer}', which is unknown (${gridReason}); use upsample 'resize'`,
    );
  const grid = gridReason === null ? r.grid() : null;
  const fits = (g: CellGrid, a: 0 | 1, n: number, size: number): boolean =>
    g.start[a] >= -g.jump[a] && g.start[a] + g.jump[a] * (n - 1) <= size - 1 + g.jump[a];
  const upsample =
    mode === 'resize' || grid === null || (mode === 'auto' && !(chain && fits(grid, 0, h, H) && fits(grid, 1, w, W)))
      ? 'resize'
      : 'receptive-field';
  const up =
    upsample === 'resize' || grid === null
      ? (resizeBilinear(new Tensor(Float32Array.from(small), [1, h, w]), H, W).data as Float32Array)
      : upsampleOnGrid(small, h, w, H, W, grid);
  let max = 0;
  for (let i = 0; i < up.length; i++) {
    if (!(up[i] > 0)) up[i] = 0;
    if (up[i] > max) max = up[i];
  }
  if (max > 0) for (let i = 0; i < up.length; i++) up[i] /= max;
  return {
    map: new Tensor(up, [H, W]),
    layerMap: new Tensor(small, [h, w]),
    weights,
    layer,
    upsample,
    targetClass,
    score,
  };
}

/** Grad-CAM of one image (C, H, W) or (1, C, H, W) for a class at a conv layer. */
export function gradCam(model: Module, x: Tensor, options: GradCamOptions = {}): GradCamResult {
  return cam('gradCam', model, x, options, 'gradcam');
}

/** Grad-CAM++ of one image (C, H, W) or (1, C, H, W) for a class at a conv layer. */
export function gradCamPlusPlus(model: Module, x: Tensor, options: GradCamOptions = {}): GradCamResult {
  return cam('gradCamPlusPlus', model, x, options, 'gradcampp');
}

/** XGrad-CAM (Fu et al., 2020) of one image: channel weights sum(G*A)/sum(A), the axiom-derived Grad-CAM. */
export function xGradCam(model: Module, x: Tensor, options: GradCamOptions = {}): GradCamResult {
  return cam('xGradCam', model, x, options, 'xgradcam');
}

/** Layer-CAM (Jiang et al., 2021) of one image: each cell weighted by its own positive gradient, ReLU(G)*A. */
export function layerCam(model: Module, x: Tensor, options: GradCamOptions = {}): GradCamResult {
  return cam('layerCam', model, x, options, 'layercam');
}
