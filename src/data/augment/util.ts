/**
 * Shared helpers of the augmentation transforms: argument checks with messages that name the
 * transform, the field and the fix; uniform draws from the seeded global generator; ranges given
 * torchvision's way (one number v meaning [c - v, c + v], or an explicit [lo, hi] pair).
 */
import { random, randomInt } from '../../tensor/random.js';
import { fmt } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

/** The float32 storage of a batch, or a TypeError naming op and the batch's dtype. */
export function floatData(op: string, x: Tensor): Float32Array {
  if (!(x.data instanceof Float32Array))
    throw new TypeError(`${op}: expected a float32 batch, got ${x.dtype} with shape ${fmt(x.shape)} (use x.float())`);
  return x.data;
}

/** [N, C, H, W] of an image batch, or a RangeError naming op and the shape. */
export function imageDims(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4) throw new RangeError(`${op}: expected an image batch (N, C, H, W), got shape ${fmt(x.shape)}`);
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

/** Checks a probability in [0, 1]. */
export function checkP(op: string, p: number, field = 'p'): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new RangeError(`${op}: ${field} must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/** Checks a finite number >= min. */
export function checkMin(op: string, field: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new RangeError(`${op}: ${field} must be a finite number >= ${min}, got ${String(v)}`);
  return v;
}

/**
 * A [lo, hi] range: a number v means [center - v, center + v] (clipped at `floor` unless
 * clipFloor is false), a pair is
 * taken as given; both ends must lie in [floor, ceil] and lo <= hi (torchvision's _check_input).
 */
export function toRange(
  op: string,
  field: string,
  v: number | readonly [number, number],
  center: number,
  floor: number,
  ceil = Infinity,
  clipFloor = true,
): [number, number] {
  let r: [number, number];
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${op}: ${field} must be a number >= 0, got ${String(v)}`);
    r = [clipFloor ? Math.max(floor, center - v) : center - v, center + v];
  } else {
    if (!Array.isArray(v) || v.length !== 2)
      throw new RangeError(`${op}: ${field} must be a number or a [lo, hi] pair, got ${String(v)}`);
    r = [v[0], v[1]];
  }
  if (!(r[0] >= floor && r[1] <= ceil && r[0] <= r[1]))
    throw new RangeError(
      `${op}: ${field} range [${r.join(', ')}] must satisfy ${floor} <= lo <= hi${Number.isFinite(ceil) ? ` <= ${ceil}` : ''}`,
    );
  return r;
}

/** A uniform draw from [lo, hi). */
export function uniform(lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** A uniform integer in [0, n). */
export function randint(n: number): number {
  return randomInt(n);
}

/** Clamps v to [0, 1] (the float image range). */
export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** A range or number as text for descriptions ('0.1' or '(0.5, 1.5)'). */
export function rangeText(r: readonly [number, number]): string {
  const f = (v: number): string => String(Number(v.toFixed(4)));
  return `(${f(r[0])}, ${f(r[1])})`;
}

/** A number as short text (4 significant decimals at most). */
export function num(v: number): string {
  return String(Number(v.toFixed(4)));
}
