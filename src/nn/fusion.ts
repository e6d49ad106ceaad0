/**
 * Inference fusion in `Sequential`: when no gradient is recorded for a run of layers (grad
 * mode off, or nothing involved requires grad), these patterns run as one step:
 * - Conv2d [-> BatchNorm2d in eval mode] [-> ReLU | LeakyReLU]: the batch norm folded into
 *   the convolution's weights and bias, the activation fused into the conv2dAct kernel;
 *   with an activation followed by a MaxPool2d, where the backend has its own conv2dActPool
 *   (native), the pool too (the un-pooled map never leaves the kernel);
 * - Linear [-> BatchNorm1d in eval mode, 2-D input] [-> ReLU | LeakyReLU]: the batch norm
 *   folded, the activation applied in place on the GEMM's output.
 * Folded weights are computed per call into call storage (freed with the call): the modules'
 * parameters, buffers and state_dict never change. Only exact layer classes without hooks take
 * part (a subclass may override forward; a hook must see every layer's own output), so
 * `summary` and Grad-CAM see the unfused network. Training-mode batch norm, and anything with a
 * graph to record, run the layers one by one as before.
 */
import { isGradEnabled } from '../autograd/engine.js';
import { getBackend } from '../backend/index.js';
import { emptyUninit } from '../tensor/alloc.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernelSource } from '../backend/kernels.js';
import { conv2d, conv2dActInference, conv2dActPoolInference, type FusedActivation } from './functional/conv.js';
import type { MaxPool2dOptions } from './functional/pool.js';
import { linear } from './functional/linear.js';
import { LeakyReLU, ReLU } from './layers/activation.js';
import { Conv2d } from './layers/conv.js';
import { Linear } from './layers/linear.js';
import { MaxPool2d } from './layers/pooling.js';
import { BatchNorm1d, BatchNorm2d } from './layers/normalization.js';
import { setSequentialRunner, type Module, type Sequential } from './module.js';

let enabled = true;

/**
 * Turns inference fusion in `Sequential` on or off (on by default) and returns the previous
 * setting; off runs every layer on its own, e.g. to compare results or to time the difference.
 */
export function setInferenceFusion(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TypeError(`setInferenceFusion: expected true or false, got ${String(on)}`);
  const prev = enabled;
  enabled = on;
  return prev;
}

/** Whether `Sequential` fuses layer patterns when no gradient is recorded (see setInferenceFusion). */
export function inferenceFusionEnabled(): boolean {
  return enabled;
}

/** Whether m is an instance of exactly this class (not a subclass, which may override forward). */
function isExactly(m: Module, cls: abstract new (...args: never[]) => Module): boolean {
  return Object.getPrototypeOf(m) === cls.prototype;
}

const RELU: FusedActivation = { op: 'relu', alpha: 0 };

/** The activation of an exact ReLU / LeakyReLU without hooks, else null. */
function activationOf(m: Module | null): FusedActivation | null {
  if (m === null || m.hasHooks) return null;
  if (isExactly(m, ReLU)) return RELU;
  if (isExactly(m, LeakyReLU)) return { op: 'leakyRelu', alpha: (m as LeakyReLU).negativeSlope };
  return null;
}

/**
 * The options of an exact MaxPool2d without hooks that may follow a fused activation, where the
 * backend runs conv2dActPool itself (elsewhere the pool runs on its own as before), else null.
 */
function poolOf(m: Module): MaxPool2dOptions | null {
  if (m.hasHooks || !isExactly(m, MaxPool2d) || kernelSource(getBackend(), 'conv2dActPool') !== 'backend') return null;
  const p = m as MaxPool2d;
  return { ...p.options, kernelSize: p.kernelSize };
}

/** An exact BatchNorm class in eval mode with running statistics over `channels`, without hooks. */
function foldableNorm(m: Module | null, cls: typeof BatchNorm1d | typeof BatchNorm2d, channels: number): boolean {
  if (m === null || !isExactly(m, cls) || m.hasHooks || m.training) return false;
  const bn = m as BatchNorm1d;
  return bn.running_mean !== null && bn.running_var !== null && bn.numFeatures === channels;
}

/** Whether a tensor would be recorded in the graph (grad mode on and it requires grad). */
function tracked(t: Tensor | null): boolean {
  return t !== null && t.requiresGrad;
}

/**
 * Weights (out, ...) and bias (out) with an eval-mode batch norm folded in, in float64:
 * s = gamma / sqrt(runVar + eps); w' = w s per output row; b' = (b - runMean) s + beta.
 */
function foldNorm(w: Tensor, b: Tensor | null, bn: BatchNorm1d | BatchNorm2d): [Tensor, Tensor] {
  const cOut = w.shape[0],
    per = w.size / cOut;
  const wd = w.f32,
    bd = b === null ? null : b.f32;
  const mean = (bn.running_mean as Tensor).f32,
    variance = (bn.running_var as Tensor).f32;
  const gamma = bn.weight === null ? null : bn.weight.f32,
    beta = bn.bias === null ? null : bn.bias.f32;
  const wf = emptyUninit(w.shape, 'batch-norm folding'),
    bf = emptyUninit([cOut], 'batch-norm folding');
  const wo = wf.f32,
    bo = bf.f32;
  for (let o = 0; o < cOut; o++) {
    const s = (gamma === null ? 1 : gamma[o]) / Math.sqrt(variance[o] + bn.eps);
    const base = o * per;
    for (let k = 0; k < per; k++) wo[base + k] = wd[base + k] * s;
    bo[o] = ((bd === null ? 0 : bd[o]) - mean[o]) * s + (beta === null ? 0 : beta[o]);
  }
  return [wf, bf];
}

/** Whether any parameter of a batch norm requires grad. */
function normTracked(bn: BatchNorm1d | BatchNorm2d | null): boolean {
  return bn !== null && (tracked(bn.weight) || tracked(bn.bias));
}

/** Whether a gradient would be recorded through any of these tensors (grad mode on and one requires grad). */
function anyTracked(x: Tensor, a: Tensor | null, b: Tensor | null): boolean {
  return isGradEnabled() && (x.requiresGrad || tracked(a) || tracked(b));
}

/**
 * Runs the fused step starting at layer i when one applies: returns [next layer index, output],
 * else null (the caller then calls layer i itself). Cheap when nothing fuses (training: the
 * layer's own parameters require grad, checked first).
 */
function fusedStep(mods: readonly Module[], i: number, x: Tensor): [number, Tensor] | null {
  const m = mods[i];
  const n = mods.length;
  if (isExactly(m, Conv2d)) {
    const conv = m as Conv2d;
    if (conv.hasHooks || anyTracked(x, conv.weight, conv.bias)) return null;
    let j = i + 1;
    let bn: BatchNorm2d | null = null;
    if (j < n && x.ndim === 4 && foldableNorm(mods[j], BatchNorm2d, conv.outChannels)) {
      bn = mods[j++] as BatchNorm2d;
      if (isGradEnabled() && normTracked(bn)) return null;
    }
    const act = j < n ? activationOf(mods[j]) : null;
    if (act !== null) j++;
    if (j === i + 1) return null;
    const [w, b] = bn === null ? [conv.weight, conv.bias] : foldNorm(conv.weight, conv.bias, bn);
    const options = { ...conv.options, groups: conv.groups };
    const pool = act !== null && x.ndim === 4 && j < n ? poolOf(mods[j]) : null;
    if (pool !== null) return [j + 1, conv2dActPoolInference(x, w, b, options, act as FusedActivation, pool)];
    return [j, act === null ? conv2d(x, w, b, options) : conv2dActInference(x, w, b, options, act)];
  }
  if (isExactly(m, Linear)) {
    const lin = m as Linear;
    if (lin.hasHooks || anyTracked(x, lin.weight, lin.bias)) return null;
    let j = i + 1;
    let bn: BatchNorm1d | null = null;
    if (j < n && x.ndim === 2 && foldableNorm(mods[j], BatchNorm1d, lin.outFeatures)) {
      bn = mods[j++] as BatchNorm1d;
      if (isGradEnabled() && normTracked(bn)) return null;
    }
    const act = j < n ? activationOf(mods[j]) : null;
    if (act !== null) j++;
    if (j === i + 1) return null;
    const [w, b] = bn === null ? [lin.weight, lin.bias] : foldNorm(lin.weight, lin.bias, bn);
    const y = linear(x, w, b);
    if (act !== null) getBackend().unary(act.op, y.storageF32, y.storageF32, act.alpha);
    return [j, y];
  }
  return null;
}

/** Sequential's forward with inference fusion (registered with module.ts below). */
function runSequential(seq: Sequential, x: Tensor): Tensor {
  const n = seq.length;
  const mods: Module[] = new Array<Module>(n);
  for (let i = 0; i < n; i++) mods[i] = seq.at(i);
  let y = x;
  for (let i = 0; i < n; ) {
    const step = enabled ? fusedStep(mods, i, y) : null;
    if (step !== null) {
      [i, y] = step;
    } else {
      y = mods[i].call(y);
      i++;
    }
  }
  return y;
}

setSequentialRunner(runSequential);
