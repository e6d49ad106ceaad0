/**
 * Shared plumbing of the attribution methods (gradcam.ts, guided-backprop.ts, deconvnet.ts,
 * integrated-gradients.ts, activation-max.ts, embedding.ts): input checks, running a model in
 * evaluation mode with frozen parameters, finding a layer by its module path, temporarily
 * replacing a module's forward (restored afterwards), and reading a class score's gradient.
 */
import { enableGrad } from '../autograd/engine.js';
import type { Module } from '../nn/module.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Lifts (C, H, W) or (1, C, H, W) to (1, C, H, W), with an error naming op otherwise. */
export function singleImage(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor) || x.dtype !== 'float32') throw new TypeError(`${op}: input must be a float32 Tensor`);
  if (x.ndim === 3) return x.reshape([1, ...x.shape]);
  if (x.ndim === 4 && x.shape[0] === 1) return x;
  throw new RangeError(`${op}: input must be one image (C, H, W) or (1, C, H, W), got shape ${fmt(x.shape)}`);
}

/**
 * Runs fn with the model in evaluation mode and its parameters not requiring gradients (so
 * only input/activation gradients are computed and parameter .grad stays untouched), under
 * enableGrad; restores every mode and flag afterwards.
 */
export function inspectMode<T>(model: Module, fn: () => T): T {
  const mods = [...model.modules()];
  const modes = mods.map((m) => m.training);
  const params = model.parameters();
  const wanted = params.map((p) => p.requiresGrad);
  try {
    model.eval();
    for (const p of params) p.requiresGrad = false;
    return enableGrad(fn);
  } finally {
    mods.forEach((m, i) => {
      m.training = modes[i];
    });
    params.forEach((p, i) => {
      p.requiresGrad = wanted[i];
    });
  }
}

/** The submodule at a dotted module path ('' is the model), with an error listing the paths. */
export function layerAt(op: string, model: Module, path: string): Module {
  for (const [name, m] of model.namedModules()) if (name === path) return m;
  const names = [...model.namedModules()].map(([n]) => n).filter((n) => n !== '');
  throw new RangeError(`${op}: ${model.typeName} has no layer '${path}' (layers: ${names.join(', ')})`);
}

/** Checks that out is (batch, classes) scores and returns classes. */
export function checkScores(op: string, out: Tensor, batch: number): number {
  if (out.ndim !== 2 || out.shape[0] !== batch)
    throw new RangeError(`${op}: the model must return (N, classes) scores, got shape ${fmt(out.shape)}`);
  return out.shape[1];
}

/** targetClass if given (checked), else the argmax of row 0 of the scores. */
export function pickTarget(op: string, out: Tensor, targetClass: number | undefined): number {
  const classes = checkScores(op, out, out.shape[0]);
  if (targetClass === undefined) {
    const d = out.data;
    let best = 0;
    for (let k = 1; k < classes; k++) if (d[k] > d[best]) best = k;
    return best;
  }
  if (!Number.isInteger(targetClass) || targetClass < 0 || targetClass >= classes)
    throw new RangeError(`${op}: targetClass must be an integer in [0, ${classes}), got ${targetClass}`);
  return targetClass;
}

/**
 * Replaces module.forward by wrap(original) until the returned function is called, which puts
 * back exactly what was there (an own property or the class's method).
 */
export function overrideForward(
  module: Module,
  wrap: (original: (...inputs: Tensor[]) => Tensor) => (...inputs: Tensor[]) => Tensor,
): () => void {
  const own = Object.getOwnPropertyDescriptor(module, 'forward');
  const original = module.forward.bind(module);
  Object.defineProperty(module, 'forward', { value: wrap(original), configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(module, 'forward', own);
    else delete (module as { forward?: unknown }).forward;
  };
}

/** Runs fn, then every restore function (last first), even when fn throws. */
export function withRestores<T>(restores: (() => void)[], fn: () => T): T {
  try {
    return fn();
  } finally {
    for (let i = restores.length - 1; i >= 0; i--) restores[i]();
  }
}

/** Validates an optional positive integer option. */
export function intOpt(op: string, name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Validates an optional finite non-negative number option. */
export function numOpt(op: string, name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new RangeError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
  return v;
}
