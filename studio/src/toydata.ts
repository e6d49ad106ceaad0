/**
 * The Playground's 2-D toy data sets (as in TensorFlow Playground): circle, XOR, two Gaussian
 * clusters and two interleaved spirals, in the square [-6, 6]², labels 0 and 1, drawn by a
 * seeded generator so a seed always gives the same points; and the train/test split.
 */

/** The toy data sets. */
export type ToyName = 'circle' | 'xor' | 'gauss' | 'spiral';

/** The data sets with their labels, in menu order. */
export const TOY_SETS: readonly (readonly [ToyName, string])[] = [
  ['circle', 'circle'],
  ['xor', 'XOR'],
  ['gauss', 'Gaussian clusters'],
  ['spiral', 'spiral'],
];

/** One point: coordinates and its class (0 or 1). */
export interface ToyPoint {
  x: number;
  y: number;
  label: 0 | 1;
}

/** Points of a data set split into train and test. */
export interface ToySplit {
  train: ToyPoint[];
  test: ToyPoint[];
}

/** Half the side of the square the points lie in (and the boundary picture shows). */
export const EXTENT = 6;

/** mulberry32: a small, fast 32-bit generator; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` points of data set `name` with noise in [0, 0.5] (the share of the radius by which points
 * are jittered; the clusters' spread for 'gauss'), drawn from `seed`.
 */
export function toyData(name: ToyName, n: number, noise: number, seed: number): ToyPoint[] {
  if (!(noise >= 0 && noise <= 0.5)) throw new RangeError(`toyData: noise must be in [0, 0.5], got ${noise}`);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`toyData: n must be an integer >= 2, got ${n}`);
  const rnd = seededRandom(seed);
  const uni = (a: number, b: number): number => a + (b - a) * rnd();
  const normal = (): number => {
    const u = 1 - rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const pts: ToyPoint[] = [];
  const half = Math.floor(n / 2);
  const R = 5;
  for (let i = 0; i < n; i++) {
    const label: 0 | 1 = i < half ? 1 : 0;
    let x: number, y: number;
    if (name === 'circle') {
      // class 1 inside radius 2.5, class 0 in the ring 3.5..5; noise jitters by up to noise*R
      const r = label === 1 ? uni(0, R * 0.5) : uni(R * 0.7, R);
      const a = uni(0, 2 * Math.PI);
      x = r * Math.sin(a) + uni(-R, R) * noise;
      y = r * Math.cos(a) + uni(-R, R) * noise;
    } else if (name === 'xor') {
      // class 1 where x*y > 0 (kept 0.3 off the axes before the noise)
      let px = uni(-R, R),
        py = uni(-R, R);
      px += px > 0 ? 0.3 : -0.3;
      py += py > 0 ? 0.3 : -0.3;
      const sy = label === 1 ? Math.sign(px) : -Math.sign(px);
      py = Math.abs(py) * sy;
      x = px + uni(-R, R) * noise;
      y = py + uni(-R, R) * noise;
    } else if (name === 'gauss') {
      // clusters around (2, 2) and (-2, -2); the spread grows with the noise (0.5 .. 4)
      const c = label === 1 ? 2 : -2;
      const sd = 0.5 + 7 * noise;
      x = c + normal() * sd;
      y = c + normal() * sd;
    } else {
      // two arms, 1.75 turns each, the second turned by pi
      const k = label === 1 ? i : i - half;
      const m = label === 1 ? half : n - half;
      const r = (k / m) * R;
      const t = 1.75 * (k / m) * 2 * Math.PI + (label === 1 ? 0 : Math.PI);
      x = r * Math.sin(t) + uni(-1, 1) * noise * 2;
      y = r * Math.cos(t) + uni(-1, 1) * noise * 2;
    }
    pts.push({ x, y, label });
  }
  return pts;
}

/** Shuffles the points with `seed` and puts the first `trainRatio` of them in train. */
export function splitToy(points: readonly ToyPoint[], trainRatio: number, seed: number): ToySplit {
  if (!(trainRatio > 0 && trainRatio < 1))
    throw new RangeError(`splitToy: trainRatio must be in (0, 1), got ${trainRatio}`);
  const rnd = seededRandom(seed ^ 0x5bd1e995);
  const p = points.slice();
  for (let i = p.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  const k = Math.max(1, Math.min(p.length - 1, Math.round(p.length * trainRatio)));
  return { train: p.slice(0, k), test: p.slice(k) };
}
