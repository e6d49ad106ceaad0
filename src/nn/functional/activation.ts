/**
 * Pointwise activation functions (torch.nn.functional names, camelCase). relu, sigmoid and
 * tanh live with the tensor ops (src/tensor/ops/elementwise.ts) and are re-exported by `F`.
 * Each activation here is either a kernel op (the unary kernel forward, the unaryBackward kernel
 * with the derivative declared in src/backend/ops.ts backward) or a composite of tensor ops.
 */
import { noGrad, record } from '../../autograd/engine.js';
import { mapUnary, mapUnaryBackward } from '../../tensor/ops/elementwise.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectTensor } from '../../tensor/ops/check.js';
import { where } from '../../tensor/ops/where.js';

function checkFinite(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
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
  return record(out, 'leakyRelu', [x], (g) => [mapUnaryBackward('leakyRelu', x, out, g, negativeSlope)]);
}

/** x for x > 0, alpha * (e^x - 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  expectTensor('elu', 'input', x);
  checkFinite('elu', 'alpha', alpha);
  const out = mapUnary('elu', x, alpha);
  return record(out, 'elu', [x], (g) => [mapUnaryBackward('elu', x, out, g, alpha)]);
}

/** Options of `gelu`: 'none' is the exact x * Phi(x), 'tanh' the tanh approximation. */
export interface GeluOptions {
  /** 'none' (default, exact) or 'tanh'. */
  approximate?: 'none' | 'tanh';
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Gaussian error linear unit x * Phi(x) (or its tanh approximation, a composite of tensor ops). */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  expectTensor('gelu', 'input', x);
  const approximate = options.approximate ?? 'none';
  if (approximate === 'none') {
    const out = mapUnary('gelu', x);
    return record(out, 'gelu', [x], (g) => [mapUnaryBackward('gelu', x, out, g)]);
  }
  if (approximate !== 'tanh')
    throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
  return x.mul(0.5).mul(inner.tanh().add(1));
}

/** Options of `softplus`: beta scales the input; above beta*x > threshold the result is x. */
export interface SoftplusOptions {
  /** Scale of the input (default 1). */
  beta?: number;
  /** Above beta * x > threshold the result is x (default 20). */
  threshold?: number;
}

/** (1/beta) * log(1 + e^(beta x)), reverting to x where beta * x > threshold (PyTorch's rule). */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  expectTensor('softplus', 'input', x);
  const beta = options.beta ?? 1,
    threshold = options.threshold ?? 20;
  checkFinite('softplus', 'beta', beta);
  checkFinite('softplus', 'threshold', threshold);
  if (beta === 0) throw new RangeError('softplus: beta must be non-zero');
  if (beta === 1 && threshold === 20) {
    const out = mapUnary('softplus', x);
    return record(out, 'softplus', [x], (g) => [mapUnaryBackward('softplus', x, out, g)]);
  }
  // composite: x where beta x > threshold, else softplus(beta x) / beta
  const bx = x.mul(beta);
  return where(bx.gt(threshold), x, softplus(bx).div(beta));
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
    throw new TypeError(
      `hardtanh: options must be an object like { minVal, maxVal }, got ${String(options)} (minVal and maxVal are no longer positional; see CHANGELOG.md)`,
    );
  }
  for (const k of Object.keys(options))
    if (k !== 'minVal' && k !== 'maxVal')
      throw new TypeError(`hardtanh: unknown option '${k}' (known: minVal, maxVal)`);
  const minVal = options.minVal ?? -1,
    maxVal = options.maxVal ?? 1;
  checkFinite('hardtanh', 'minVal', minVal);
  checkFinite('hardtanh', 'maxVal', maxVal);
  if (minVal > maxVal) throw new RangeError(`hardtanh: minVal ${minVal} is greater than maxVal ${maxVal}`);
  // a composite: x strictly inside (gradient 1), the clamped constant elsewhere (gradient 0)
  const clamped = noGrad(() => x.clamp(minVal, maxVal));
  return where(x.gt(minVal).mul(x.lt(maxVal)), x, clamped);
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
