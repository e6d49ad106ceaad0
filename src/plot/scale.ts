/**
 * Axis scales: "nice" tick values (1, 2, 2.5 or 5 times a power of ten, as d3 and matplotlib
 * choose them) and the linear map from data to pixels.
 */

/** Ticks of one axis and the domain they cover. */
export interface Ticks {
  /** The axis domain, widened to whole steps. */
  readonly min: number;
  /** The axis domain's upper end, widened to a whole step. */
  readonly max: number;
  /** The tick values, from min to max. */
  readonly values: number[];
  /** The distance between ticks. */
  readonly step: number;
}

/** A nice step near `span / count`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return m * p;
}

/**
 * Nice ticks covering [lo, hi] with about `count` intervals. A zero-width range is widened
 * around its value; non-finite bounds throw naming the axis.
 */
export function niceTicks(lo: number, hi: number, count = 5, axis = 'axis'): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new RangeError(`plot: the ${axis} has no finite values to scale (got ${lo}..${hi})`);
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo, count);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  const n = Math.round((max - min) / step);
  for (let i = 0; i <= n; i++) values.push(clean(min + i * step, step));
  return { min: clean(min, step), max: clean(max, step), values, step };
}

/** Integer ticks (epochs, steps, classes): a step of 1, 2 or 5 times a power of ten; the domain is [lo, hi]. */
export function integerTicks(lo: number, hi: number, count = 8): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new RangeError(`plot: integer axis needs finite bounds, got ${lo}..${hi}`);
  let step = 1;
  for (let p = 1; (hi - lo) / step > count; ) {
    if ((hi - lo) / (2 * p) <= count) step = 2 * p;
    else if ((hi - lo) / (5 * p) <= count) step = 5 * p;
    else step = 10 * p;
    p *= 10;
  }
  const values: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) values.push(v);
  if (values.length < 2) values.splice(0, values.length, lo, ...(hi > lo ? [hi] : []));
  return { min: lo, max: hi, values, step };
}

/** Rounds away the float noise of min + i*step. */
function clean(v: number, step: number): number {
  const d = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(d, 15)));
}

/** The pixel position of a value on a linear scale. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}
