/**
 * Loader and comparison for the PyTorch golden fixtures in test/fixtures/torch/*.json
 * (written by scripts/gen-torch-fixtures.py; the format is documented at its top).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/index.js';

/** A fixture tensor: shape and flat row-major data (int64 for class indices). */
export interface FT {
  shape: number[];
  data: number[];
  dtype?: 'int64';
}
/** Torch keyword arguments as stored in the fixtures. */
export type Kwargs = Record<string, unknown>;
/** One forward/backward case. */
export interface OpCase {
  op: string;
  name: string;
  kwargs: Kwargs;
  inputs: Record<string, FT | null>;
  output: FT;
  gradOutput: FT;
  grads: Record<string, FT>;
  extra?: Record<string, FT>;
}
/** One optimizer trajectory. */
export interface OptimCase {
  optimizer: string;
  name: string;
  kwargs: Kwargs;
  groups?: Kwargs[];
  params: FT[];
  grads: FT[][];
  trajectory: FT[][];
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'torch');

/** The cases of one fixture family (conv, pool, norm, loss, activation, optim). */
export function loadFixtures<C = OpCase>(family: string): C[] {
  const doc = JSON.parse(readFileSync(join(DIR, `${family}.json`), 'utf8')) as { family: string; cases: C[] };
  assert.equal(doc.family, family);
  assert.ok(doc.cases.length > 0, `${family}.json has no cases`);
  return doc.cases;
}

/** A convkit tensor from a fixture tensor (int64 -> int32). */
export function toTensor(t: FT, requiresGrad = false): Tensor {
  const data = t.dtype === 'int64' ? Int32Array.from(t.data) : Float32Array.from(t.data);
  const x = new Tensor(data, t.shape);
  if (requiresGrad) x.requiresGrad_(true);
  return x;
}

/**
 * Tolerance: 1e-4 relative, plus an absolute floor of 1e-5 times the largest magnitude in the
 * expected tensor (at least 1e-5). The references are float64 results on the very float32
 * inputs convkit sees, so every difference is convkit's float32 rounding: sums of up to ~100
 * products carry about 100 * 2^-24 ~ 6e-6 of the largest magnitude in play, an error that
 * stays absolute when the result cancels to near zero, where no relative bound can hold.
 */
export function assertMatches(actual: Tensor, expected: FT, what: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  let scale = 1;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  const atol = 1e-5 * scale,
    rtol = 1e-4;
  const a = actual.data;
  let worst = -1,
    worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    const err = Math.abs(a[i] - e) - (atol + rtol * Math.abs(e));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${what}: element ${worst} of ${fmtShape(expected.shape)} is ${a[worst]}, torch gives ${expected.data[worst]} (atol ${atol.toExponential(1)}, rtol ${rtol})`,
    );
  }
}

function fmtShape(s: number[]): string {
  return `[${s.join(', ')}]`;
}

/**
 * Runs one case: builds the inputs (those with a torch gradient require grad), calls fn,
 * compares the output, back-propagates gradOutput and compares every input gradient.
 */
export function checkCase(
  c: OpCase,
  fn: (inp: Record<string, Tensor | null>) => Tensor,
): Record<string, Tensor | null> {
  const inp: Record<string, Tensor | null> = {};
  for (const [k, v] of Object.entries(c.inputs)) inp[k] = v === null ? null : toTensor(v, k in c.grads);
  const out = fn(inp);
  assertMatches(out, c.output, `${c.name} output`);
  const gradNames = Object.keys(c.grads);
  if (gradNames.length > 0) {
    out.backward(toTensor(c.gradOutput));
    for (const k of gradNames) {
      const x = inp[k];
      assert.ok(x, `${c.name}: missing input ${k}`);
      assert.ok(x.grad, `${c.name}: no gradient reached ${k}`);
      assertMatches(x.grad, c.grads[k], `${c.name} grad ${k}`);
    }
  }
  return inp;
}

/** A torch int-or-tuple argument as convkit's number | [a, b]. */
export function size2(v: unknown): number | [number, number] {
  if (typeof v === 'number') return v;
  assert.ok(Array.isArray(v) && v.length === 2, `expected an int or a pair, got ${JSON.stringify(v)}`);
  return [v[0] as number, v[1] as number];
}

/** The fixture input k, which must be present. */
export function req(inp: Record<string, Tensor | null>, k: string): Tensor {
  const t = inp[k];
  assert.ok(t, `missing input ${k}`);
  return t;
}
