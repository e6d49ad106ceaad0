/** Test helpers: closeness assertions and a central finite-difference gradient checker. */
import assert from 'node:assert/strict';
import { Tensor, autograd, type NestedArray } from '../../src/index.js';
import type { GradcheckOptions } from '../../src/autograd/gradcheck.js';

/** Asserts every element of actual is within atol + rtol*|expected| of expected. */
export function assertClose(
  actual: Tensor | ArrayLike<number> | NestedArray,
  expected: Tensor | ArrayLike<number> | NestedArray,
  { atol = 1e-5, rtol = 1e-5, msg = '' }: { atol?: number; rtol?: number; msg?: string } = {},
): void {
  const a = flat(actual),
    e = flat(expected);
  assert.equal(a.length, e.length, `${msg} length ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok =
      (Number.isNaN(e[i]) && Number.isNaN(a[i])) ||
      a[i] === e[i] ||
      Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) assert.fail(`${msg} element ${i}: got ${a[i]}, expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

function flat(x: Tensor | ArrayLike<number> | NestedArray): number[] {
  if (x instanceof Tensor) return Array.from(x.data);
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return (x as NestedArray[]).flatMap((v) => flat(v as NestedArray));
  return Array.from(x as ArrayLike<number>);
}

/**
 * The library's gradcheck (src/autograd/gradcheck.ts) as a test assertion: fails with an
 * AssertionError prefixed by `msg` on a mismatch. Same defaults (eps 1e-2, atol 2e-3, rtol 2e-2).
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  { msg = '', ...options }: GradcheckOptions & { msg?: string } = {},
): void {
  try {
    autograd.gradcheck(fn, inputs, options);
  } catch (e) {
    assert.fail(`${msg} ${e instanceof Error ? e.message : String(e)}`);
  }
  // callers inspect the gradients afterwards, as with the former helper
  for (const x of inputs) x.requiresGrad_(true);
}
