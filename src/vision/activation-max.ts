/**
 * Activation maximisation (Erhan et al., 2009; Simonyan et al., 2014; Yosinski et al., 2015):
 * gradient ascent on an input image to excite a class score or one channel (filter) of a
 * layer, with the usual regularisers: L2 decay of the image, random jitter (a shift of the
 * image before every step), a small Gaussian blur every few steps and clipping to a pixel
 * range. Seeded, so a run is repeatable; the model is left as it was.
 */
import type { Module } from '../nn/module.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkScores, inspectMode, intOpt, layerAt, numOpt } from './interpret-common.js';

/** Options of activationMaximization. */
export interface ActivationMaxOptions {
  /** Shape of one input (C, H, W), e.g. [1, 28, 28]. */
  inputShape: readonly number[];
  /** Module path of the layer whose channel is maximised; without it, the class score targetClass is. */
  layer?: string;
  /** Channel of `layer` (its mean over positions for (1, K, h, w) outputs, the element for (1, K)); default 0. */
  channel?: number;
  /** Class whose score (logit) is maximised when no layer is given; default 0. */
  targetClass?: number;
  /** Gradient-ascent steps; default 200. */
  steps?: number;
  /** Step size, in pixel units per step of the normalised gradient; default 0.05. */
  lr?: number;
  /** L2 decay coefficient (the objective is activation - l2 * ||x||^2); default 1e-3. */
  l2?: number;
  /** Largest random shift in pixels before each step; default 1 (0: no jitter). */
  jitter?: number;
  /** Blur the image every this many steps (0: never); default 4. */
  blurEvery?: number;
  /** Clip pixels into [min, max]; default none. */
  range?: readonly [number, number];
  /** Seed of the start noise and the jitter; default 0. */
  seed?: number;
  /** Standard deviation of the start noise; default 0.01. */
  initStd?: number;
}

/** What activationMaximization returns. */
export interface ActivationMaxResult {
  /** The optimised image (C, H, W). */
  image: Tensor;
  /** The target activation of the start image and of the result (no jitter). */
  initialActivation: number;
  /** The target activation of the result. */
  finalActivation: number;
  /** The target activation before each step (with that step's jitter). */
  history: number[];
  /** What was maximised, e.g. "class 3" or "layer '3' channel 5". */
  objective: string;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cyclic shift of every (H, W) plane of a (C, H, W) array by (dy, dx). */
function roll(src: Float32Array, c: number, h: number, w: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let ch = 0; ch < c; ch++)
    for (let i = 0; i < h; i++) {
      const ti = (((i + dy) % h) + h) % h;
      for (let j = 0; j < w; j++) out[ch * h * w + ti * w + ((((j + dx) % w) + w) % w)] = src[ch * h * w + i * w + j];
    }
  return out;
}

/** 3x3 binomial blur (1 2 1)/4 in each direction, edges clamped. */
function blur(src: Float32Array, c: number, h: number, w: number): Float32Array {
  const k = [0.25, 0.5, 0.25];
  const tmp = new Float32Array(src.length),
    out = new Float32Array(src.length);
  const cl = (v: number, n: number): number => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * h * w;
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        tmp[o + i * w + j] =
          k[0] * src[o + i * w + cl(j - 1, w)] + k[1] * src[o + i * w + j] + k[2] * src[o + i * w + cl(j + 1, w)];
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        out[o + i * w + j] =
          k[0] * tmp[o + cl(i - 1, h) * w + j] + k[1] * tmp[o + i * w + j] + k[2] * tmp[o + cl(i + 1, h) * w + j];
  }
  return out;
}

/** Optimises an input image to maximise a class score or a layer channel; see ActivationMaxOptions. */
export function activationMaximization(model: Module, options: ActivationMaxOptions): ActivationMaxResult {
  const op = 'activationMaximization';
  const shape = options?.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`${op}: inputShape must be (C, H, W) positive integers, got ${String(shape && fmt(shape))}`);
  const [c, h, w] = shape;
  const steps = intOpt(op, 'steps', options.steps, 200, 0);
  const lr = numOpt(op, 'lr', options.lr, 0.05);
  const l2 = numOpt(op, 'l2', options.l2, 1e-3);
  const jitter = intOpt(op, 'jitter', options.jitter, 1, 0);
  const blurEvery = intOpt(op, 'blurEvery', options.blurEvery, 4, 0);
  const initStd = numOpt(op, 'initStd', options.initStd, 0.01);
  const seed = intOpt(op, 'seed', options.seed, 0, 0);
  const range = options.range;
  if (range !== undefined && !(range.length === 2 && range[0] < range[1]))
    throw new RangeError(`${op}: range must be [min, max] with min < max, got ${JSON.stringify(range)}`);
  const layerMod = options.layer === undefined ? null : layerAt(op, model, options.layer);
  const channel = intOpt(op, 'channel', options.channel, 0, 0);
  const targetClass = intOpt(op, 'targetClass', options.targetClass, 0, 0);
  const objective = layerMod ? `layer '${options.layer}' channel ${channel}` : `class ${targetClass}`;

  const rand = mulberry32(seed);
  const n = c * h * w;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Box-Muller normal noise
    const u = 1 - rand(),
      v = rand();
    x[i] = initStd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The objective at image data and, when wanted, its gradient with respect to the image. */
  const evaluate = (data: Float32Array, wantGrad: boolean): { value: number; grad: Float32Array | null } => {
    let captured: Tensor | null = null;
    const handle = layerMod?.registerForwardHook((_m, _in, out) => {
      captured = out;
    });
    try {
      return inspectMode(model, () => {
        const input = new Tensor(Float32Array.from(data), [1, c, h, w]);
        if (wantGrad) input.requiresGrad_(true);
        const out = model.call(input);
        let target: Tensor;
        if (layerMod) {
          const a = captured as Tensor | null;
          if (a === null)
            throw new Error(`${op}: layer '${options.layer}' did not run (its parent must call it with call())`);
          if ((a.ndim !== 4 && a.ndim !== 2) || a.shape[0] !== 1)
            throw new RangeError(
              `${op}: layer '${options.layer}' gives shape ${fmt(a.shape)}, expected (1, K, h, w) or (1, K)`,
            );
          if (channel >= a.shape[1])
            throw new RangeError(
              `${op}: channel must be below the ${a.shape[1]} channels of layer '${options.layer}', got ${channel}`,
            );
          target = a.narrow(1, channel, 1).mean();
        } else {
          const classes = checkScores(op, out, 1);
          if (targetClass >= classes)
            throw new RangeError(`${op}: targetClass must be an integer in [0, ${classes}), got ${targetClass}`);
          target = out.narrow(1, targetClass, 1).sum();
        }
        const value = target.item();
        if (!wantGrad) return { value, grad: null };
        target.backward();
        return { value, grad: input.grad ? Float32Array.from(input.grad.data) : new Float32Array(n) };
      });
    } finally {
      handle?.remove();
    }
  };

  const initialActivation = evaluate(x, false).value;
  const history: number[] = [];
  for (let s = 0; s < steps; s++) {
    const dy = jitter > 0 ? Math.floor(rand() * (2 * jitter + 1)) - jitter : 0;
    const dx = jitter > 0 ? Math.floor(rand() * (2 * jitter + 1)) - jitter : 0;
    const shifted = dy === 0 && dx === 0 ? x : roll(x, c, h, w, dy, dx);
    const { value, grad } = evaluate(shifted, true);
    history.push(value);
    const g = dy === 0 && dx === 0 ? (grad as Float32Array) : roll(grad as Float32Array, c, h, w, -dy, -dx);
    let sq = 0;
    for (let i = 0; i < n; i++) {
      g[i] -= 2 * l2 * x[i];
      sq += g[i] * g[i];
    }
    const rms = Math.sqrt(sq / n);
    if (!(rms > 0)) break;
    for (let i = 0; i < n; i++) x[i] += (lr * g[i]) / rms;
    if (blurEvery > 0 && (s + 1) % blurEvery === 0) x.set(blur(x, c, h, w));
    if (range) for (let i = 0; i < n; i++) x[i] = x[i] < range[0] ? range[0] : x[i] > range[1] ? range[1] : x[i];
  }
  const finalActivation = evaluate(x, false).value;
  return { image: new Tensor(x, [c, h, w]), initialActivation, finalActivation, history, objective };
}
