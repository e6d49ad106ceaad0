/**
 * Pointwise activation functions (torch.nn.functional names, camelCase). relu, sigmoid and
 * tanh live with the tensor ops (src/tensor/ops/elementwise.ts) and are re-exported by `F`.
 * Each activation here is one recorded op: the forward runs a backend kernel where one
 * exists, the backward is a direct loop over the stored input/output.
 */
import { record } from '../../autograd/engine.js';
import { erf } from '../../backend/js/elementwise.js';
import { empty, f32 } from '../../tensor/alloc.js';
import { mapUnary, mapUnaryBackward } from '../../tensor/ops/elementwise.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Applies `f` elementwise in a direct loop (for activations without a backend kernel). */
function mapLoop(x: Tensor, f: (v: number) => number): Tensor {
  const out = empty(x.shape), o = out.f32, xd = f32(x);
  for (let i = 0; i < xd.length; i++) o[i] = f(xd[i]);
  return out;
}

/** Gradient g * d(i) computed in a loop, d(i) given the element index. */
function gradLoop(g: Tensor, d: (i: number) => number): Tensor {
  const gx = empty(g.shape), o = gx.f32, gd = g.f32;
  for (let i = 0; i < gd.length; i++) o[i] = gd[i] * d(i);
  return gx;
}

function checkFinite(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
}

/** The identity (a "linear" activation): returns x itself. */
export function identity(x: Tensor): Tensor {
  expectTensor('identity', 'input', x);
  return x;
}

/** max(0, x) + negativeSlope * min(0, x). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  expectTensor('leakyRelu', 'input', x);
  checkFinite('leakyRelu', 'negativeSlope', negativeSlope);
  const out = mapUnary('leakyRelu', x, negativeSlope);
  return record(out, 'leakyRelu', [x], (g) => {
    const xd = f32(x);
    return [gradLoop(g, (i) => (xd[i] > 0 ? 1 : negativeSlope))];
  });
}

/** x for x > 0, alpha * (e^x - 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  expectTensor('elu', 'input', x);
  checkFinite('elu', 'alpha', alpha);
  const out = mapUnary('elu', x, alpha);
  return record(out, 'elu', [x], (g) => {
    const xd = f32(x), od = out.f32;
    return [gradLoop(g, (i) => (xd[i] > 0 ? 1 : od[i] + alpha))];
  });
}

/** Options of `gelu`: 'none' is the exact x * Phi(x), 'tanh' the tanh approximation. */
export interface GeluOptions { approximate?: 'none' | 'tanh' }

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Gaussian error linear unit x * Phi(x) (or its tanh approximation). */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  expectTensor('gelu', 'input', x);
  const approximate = options.approximate ?? 'none';
  if (approximate === 'none') {
    const out = mapUnary('gelu', x);
    return record(out, 'gelu', [x], (g) => {
      const xd = f32(x);
      // d/dx x Phi(x) = Phi(x) + x phi(x)
      return [gradLoop(g, (i) => { const v = xd[i]; return 0.5 * (1 + erf(v / Math.SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v); })];
    });
  }
  if (approximate !== 'tanh') throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  const out = mapLoop(x, (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
  return record(out, 'gelu', [x], (g) => {
    const xd = f32(x);
    return [gradLoop(g, (i) => {
      const v = xd[i];
      const t = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
    })];
  });
}

/** Options of `softplus`: beta scales the input; above beta*x > threshold the result is x. */
export interface SoftplusOptions { beta?: number; threshold?: number }

/** (1/beta) * log(1 + e^(beta x)), reverting to x where beta * x > threshold (PyTorch's rule). */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  expectTensor('softplus', 'input', x);
  const beta = options.beta ?? 1, threshold = options.threshold ?? 20;
  checkFinite('softplus', 'beta', beta);
  checkFinite('softplus', 'threshold', threshold);
  if (beta === 0) throw new RangeError('softplus: beta must be non-zero');
  const out = beta === 1 && threshold === 20
    ? mapUnary('softplus', x)
    : mapLoop(x, (v) => (v * beta > threshold ? v : Math.log1p(Math.exp(v * beta)) / beta));
  return record(out, 'softplus', [x], (g) => {
    const xd = f32(x);
    return [gradLoop(g, (i) => {
      const z = xd[i] * beta;
      if (z > threshold) return 1;
      // sigmoid(z), written to avoid overflow of e^z
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    })];
  });
}

/** Options of `hardtanh`. */
export interface HardtanhOptions {
  /** Lower bound. Default -1. */
  minVal?: number;
  /** Upper bound. Default 1. */
  maxVal?: number;
}

/** Clamps to [minVal, maxVal]; the gradient is 1 strictly inside the interval, as in PyTorch. */
export function hardtanh(x: Tensor, options: HardtanhOptions = {}): Tensor {
  expectTensor('hardtanh', 'input', x);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`hardtanh: options must be an object like { minVal, maxVal }, got ${String(options)} (minVal and maxVal are no longer positional; see CHANGELOG.md)`);
  }
  for (const k of Object.keys(options)) if (k !== 'minVal' && k !== 'maxVal') throw new TypeError(`hardtanh: unknown option '${k}' (known: minVal, maxVal)`);
  const minVal = options.minVal ?? -1, maxVal = options.maxVal ?? 1;
  checkFinite('hardtanh', 'minVal', minVal);
  checkFinite('hardtanh', 'maxVal', maxVal);
  if (minVal > maxVal) throw new RangeError(`hardtanh: minVal ${minVal} is greater than maxVal ${maxVal}`);
  const out = mapLoop(x, (v) => (v < minVal ? minVal : v > maxVal ? maxVal : v));
  return record(out, 'hardtanh', [x], (g) => {
    const xd = f32(x);
    return [gradLoop(g, (i) => (xd[i] > minVal && xd[i] < maxVal ? 1 : 0))];
  });
}

/** min(max(0, x), 6). */
export function relu6(x: Tensor): Tensor {
  expectTensor('relu6', 'input', x);
  return hardtanh(x, { minVal: 0, maxVal: 6 });
}

/** x * sigmoid(x) (SiLU, a.k.a. swish): one kernel forward, one backward (unaryBackward). */
export function silu(x: Tensor): Tensor {
  expectTensor('silu', 'input', x);
  const out = mapUnary('silu', x);
  return record(out, 'silu', [x], (g) => [mapUnaryBackward('silu', x, out, g)]);
}

/**
 * SELU: scale * (x > 0 ? x : alpha * (e^x - 1)) with PyTorch's fixed alpha = 1.6733 and
 * scale = 1.0507 (self-normalizing networks).
 */
export function selu(x: Tensor): Tensor {
  expectTensor('selu', 'input', x);
  const out = mapUnary('selu', x);
  return record(out, 'selu', [x], (g) => [mapUnaryBackward('selu', x, out, g)]);
}
