/** Test helpers: closeness assertions and a central finite-difference gradient checker. */
import assert from 'node:assert/strict';
import { Tensor, noGrad, type NestedArray } from '../../src/index.js';

/** Asserts every element of actual is within atol + rtol*|expected| of expected. */
export function assertClose(actual: Tensor | ArrayLike<number> | NestedArray, expected: Tensor | ArrayLike<number> | NestedArray,
  { atol = 1e-5, rtol = 1e-5, msg = '' }: { atol?: number; rtol?: number; msg?: string } = {}): void {
  const a = flat(actual), e = flat(expected);
  assert.equal(a.length, e.length, `${msg} length ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = (Number.isNaN(e[i]) && Number.isNaN(a[i])) || a[i] === e[i] || Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) assert.fail(`${msg} element ${i}: got ${a[i]}, expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

function flat(x: Tensor | ArrayLike<number> | NestedArray): number[] {
  if (x instanceof Tensor) return Array.from(x.data);
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return (x as NestedArray[]).flatMap((v) => flat(v as NestedArray));
  return Array.from(x as ArrayLike<number>);
}

/** Deterministic pseudo-random numbers for projections (independent of the global RNG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
}

/**
 * Checks the analytic gradient of fn at inputs against central finite differences.
 * The scalar probed is L = sum(fn(x) * R) for a fixed random R, accumulated in float64.
 * With float32 storage, the error of a central difference is about
 * eps^2 * |f'''| + ulp(L) / eps; eps = 1e-2 on O(1) values keeps both near 1e-4,
 * so the default tolerance is atol 2e-3 + rtol 2e-2 per element.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[],
  { eps = 1e-2, atol = 2e-3, rtol = 2e-2, msg = '' }: { eps?: number; atol?: number; rtol?: number; msg?: string } = {}): void {
  for (const x of inputs) x.requiresGrad_(true);
  const out = fn(...inputs);
  const rnd = lcg(1234);
  const R = Float64Array.from({ length: out.size }, () => rnd());
  const probe = (): number => {
    const y = noGrad(() => fn(...inputs));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * R[i];
    return s;
  };
  for (const x of inputs) x.grad = null;
  out.backward(new Tensor(Float32Array.from(R), out.shape));
  inputs.forEach((x, k) => {
    const analytic = x.grad ? Array.from(x.grad.data) : new Array<number>(x.size).fill(0);
    const d = x.data as Float32Array;
    for (let i = 0; i < x.size; i++) {
      const orig = d[i];
      d[i] = orig + eps; const fp = probe();
      d[i] = orig - eps; const fm = probe();
      d[i] = orig;
      const num = (fp - fm) / (2 * eps);
      const a = analytic[i];
      if (!(Math.abs(a - num) <= atol + rtol * Math.abs(num))) {
        assert.fail(`${msg} gradcheck input ${k} element ${i}: analytic ${a}, numeric ${num}`);
      }
    }
  });
}
