/**
 * gradcheck: compares the gradient autograd computes for a function with central finite
 * differences, like torch.autograd.gradcheck; the tool for testing a customOp's backward.
 */
import { expectTensor } from '../tensor/ops/check.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from './engine.js';

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-2 (float32 storage: see gradcheck). */
  eps?: number;
  /** Absolute tolerance per element. Default 2e-3. */
  atol?: number;
  /** Relative tolerance per element (of the numeric value). Default 2e-2. */
  rtol?: number;
  /** Throw on the first mismatch (true, as torch's raise_exception) or return false. Default true. */
  raiseException?: boolean;
  /** Seed of the fixed random projection R. Default 1234. */
  seed?: number;
}

/** Deterministic pseudo-random numbers for the projection (independent of the global RNG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new RangeError(`gradcheck: ${name} must be a non-negative finite number, got ${String(v)}`);
  return v;
}

/**
 * Checks the analytic gradient of fn at inputs (float32 tensors; they are made to require
 * gradients for the check and restored afterwards) against central finite differences.
 * The scalar probed is L = sum(fn(x) * R) for a fixed random R, accumulated in float64. With
 * float32 storage the error of a central difference is about eps^2 * |f'''| + ulp(L) / eps;
 * eps = 1e-2 on O(1) values keeps both near 1e-4, hence the default tolerance atol 2e-3 +
 * rtol 2e-2 per element. Returns true, or on a mismatch throws an Error naming the input,
 * the element and both values (returns false with `raiseException: false`).
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  if (typeof fn !== 'function') throw new TypeError(`gradcheck: fn must be a function, got ${typeof fn}`);
  if (!Array.isArray(inputs)) throw new TypeError('gradcheck: inputs must be an array of Tensors');
  inputs.forEach((x, k) => {
    expectTensor('gradcheck', `input ${k}`, x);
    if (x.dtype !== 'float32') throw new TypeError(`gradcheck: input ${k} must be float32, got ${x.dtype}`);
  });
  const eps = positive('eps', options.eps ?? 1e-2),
    atol = positive('atol', options.atol ?? 2e-3),
    rtol = positive('rtol', options.rtol ?? 2e-2);
  if (eps === 0) throw new RangeError('gradcheck: eps must be positive, got 0');
  const raise = options.raiseException ?? true;
  const saved = inputs.map((x) => ({ requiresGrad: x.requiresGrad, grad: x.grad }));
  try {
    for (const x of inputs) {
      x.requiresGrad_(true);
      x.grad = null;
    }
    const out = fn(...inputs);
    expectTensor('gradcheck', 'the output of fn', out);
    const rnd = lcg(options.seed ?? 1234);
    const R = Float64Array.from({ length: out.size }, () => rnd());
    const probe = (): number => {
      const y = noGrad(() => fn(...inputs));
      let s = 0;
      for (let i = 0; i < y.size; i++) s += y.data[i] * R[i];
      return s;
    };
    if (out.requiresGrad) out.backward(new Tensor(Float32Array.from(R), out.shape));
    for (let k = 0; k < inputs.length; k++) {
      const x = inputs[k];
      const analytic: number[] = x.grad
        ? Array.from(x.grad.data as ArrayLike<number>)
        : new Array<number>(x.size).fill(0);
      const d = x.data as Float32Array;
      for (let i = 0; i < x.size; i++) {
        const orig = d[i];
        d[i] = orig + eps;
        const fp = probe();
        d[i] = orig - eps;
        const fm = probe();
        d[i] = orig;
        const num = (fp - fm) / (2 * eps);
        const a = analytic[i];
        if (!(Math.abs(a - num) <= atol + rtol * Math.abs(num))) {
          if (!raise) return false;
          throw new Error(
            `gradcheck: input ${k} element ${i}: analytic gradient ${a}, numeric ${num} (atol ${atol}, rtol ${rtol})`,
          );
        }
      }
    }
    return true;
  } finally {
    inputs.forEach((x, k) => {
      x.grad = saved[k].grad;
      x.requiresGrad = saved[k].requiresGrad;
    });
  }
}
