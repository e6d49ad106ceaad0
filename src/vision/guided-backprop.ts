/**
 * Guided backpropagation (Springenberg et al., 2015): the input gradient of a class score with
 * every ReLU module's backward replaced by the guided rule, which passes a gradient only where
 * the forward input was positive AND the incoming gradient is positive. `reluBackwardRule`
 * installs a rule on every ReLU module for the duration of a call and restores the model
 * afterwards; deconvnet.ts uses it with Zeiler & Fergus's rule. ReLUs applied as functions
 * inside a forward (F.relu) keep their ordinary backward.
 */
import { customOp } from '../autograd/custom-op.js';
import { ReLU } from '../nn/layers/activation.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { inspectMode, overrideForward, pickTarget, singleImage, withRestores } from './interpret-common.js';

/** How a ReLU passes gradients back: 'plain' (x > 0), 'guided' (x > 0 and g > 0), 'deconvnet' (g > 0). */
export type ReluRule = 'plain' | 'guided' | 'deconvnet';

function ruleOp(rule: ReluRule): (x: Tensor) => Tensor {
  return customOp(
    `relu(${rule})`,
    (x) => {
      const d = x.data,
        out = new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = d[i] > 0 ? d[i] : 0;
      return new Tensor(out, x.shape);
    },
    (g, _inputs, y) => {
      const gd = g.data,
        yd = y.data,
        out = new Float32Array(gd.length);
      for (let i = 0; i < gd.length; i++) {
        const open = rule === 'deconvnet' ? gd[i] > 0 : rule === 'guided' ? yd[i] > 0 && gd[i] > 0 : yd[i] > 0;
        out[i] = open ? gd[i] : 0;
      }
      return new Tensor(out, g.shape);
    },
  );
}

/** Runs fn with every ReLU module of model backpropagating by rule; the modules are restored afterwards. */
export function withReluRule<T>(model: Module, rule: ReluRule, fn: () => T): T {
  if (rule !== 'plain' && rule !== 'guided' && rule !== 'deconvnet')
    throw new TypeError(`withReluRule: rule must be 'plain', 'guided' or 'deconvnet', got ${JSON.stringify(rule)}`);
  const op = ruleOp(rule);
  const restores = [...model.modules()].filter((m) => m instanceof ReLU).map((m) => overrideForward(m, () => op));
  return withRestores(restores, fn);
}

/** What inputGradient returns. */
export interface InputGradientResult {
  /** d score / d input, the shape of the input image (C, H, W). */
  gradient: Tensor;
  /** The class explained and its score (logit). */
  targetClass: number;
  /** The class's score (logit). */
  score: number;
}

/** The gradient of a class score (default: the predicted class) with respect to one image, ReLUs backpropagating by rule. */
export function inputGradient(
  model: Module,
  x: Tensor,
  rule: ReluRule,
  targetClass?: number,
  op = 'inputGradient',
): InputGradientResult {
  const x4 = singleImage(op, x);
  const input = new Tensor(Float32Array.from(x4.data), x4.shape).requiresGrad_(true);
  let target = 0,
    score = 0;
  withReluRule(model, rule, () =>
    inspectMode(model, () => {
      const out = model.call(input);
      target = pickTarget(op, out, targetClass);
      score = out.data[target];
      out.narrow(1, target, 1).sum().backward();
    }),
  );
  const g = input.grad ? Float32Array.from(input.grad.data) : new Float32Array(x4.size);
  return { gradient: new Tensor(g, x4.shape.slice(1)), targetClass: target, score };
}

/** Guided backpropagation of one image (C, H, W) or (1, C, H, W): the guided input gradient (C, H, W). */
export function guidedBackprop(model: Module, x: Tensor, targetClass?: number): InputGradientResult {
  return inputGradient(model, x, 'guided', targetClass, 'guidedBackprop');
}

/**
 * Guided Grad-CAM: the guided-backprop gradient times the Grad-CAM map (broadcast over
 * channels), as in Selvaraju et al.; map is gradCam(...).map of the same image and class.
 */
export function guidedGradCam(guided: Tensor, map: Tensor): Tensor {
  const [c, h, w] = guided.shape;
  if (guided.ndim !== 3 || map.ndim !== 2 || map.shape[0] !== h || map.shape[1] !== w)
    throw new RangeError(
      `guidedGradCam: expected a (C, H, W) gradient and an (H, W) map of the same size, got [${guided.shape.join(', ')}] and [${map.shape.join(', ')}]`,
    );
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < h * w; p++) out[ch * h * w + p] = guided.data[ch * h * w + p] * map.data[p];
  return new Tensor(out, [c, h, w]);
}
