/**
 * The seeded random generator behind rand, randn, dropout, shuffling and initialisers.
 * xoshiro128** with a SplitMix32 seeder: fast, 128-bit state, reproducible across platforms.
 */

let s0 = 0,
  s1 = 0,
  s2 = 0,
  s3 = 0;
let spareNormal: number | null = null;

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Seeds the global generator so every random op becomes reproducible. */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new TypeError(`manualSeed: seed must be a finite number, got ${String(seed)}`);
  const sm = splitmix32(Math.floor(seed) >>> 0);
  s0 = sm();
  s1 = sm();
  s2 = sm();
  s3 = sm();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  spareNormal = null;
}

manualSeed(Date.now() ^ 0x5eed);

/** A uniformly random unsigned 32-bit integer. */
export function nextUint32(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A uniform float in [0, 1). */
export function random(): number {
  return nextUint32() / 4294967296;
}

/** A standard normal sample (Box-Muller, caching the second value). */
export function randomNormal(): number {
  if (spareNormal !== null) {
    const v = spareNormal;
    spareNormal = null;
    return v;
  }
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  const r = Math.sqrt(-2 * Math.log(u));
  spareNormal = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** A uniform integer in [0, n). */
export function randomInt(n: number): number {
  return Math.floor(random() * n);
}

/** The generator's full state, for checkpoints. */
export interface RngState {
  /** The xoshiro128** state words. */
  s: [number, number, number, number];
  /** A cached second normal sample (Box-Muller makes two), or null. */
  spare: number | null;
}

/** Returns a copy of the generator state. */
export function getRngState(): RngState {
  return { s: [s0, s1, s2, s3], spare: spareNormal };
}

/** Restores a state returned by getRngState. */
export function setRngState(state: RngState): void {
  if (!state || !Array.isArray(state.s) || state.s.length !== 4 || !state.s.every((v) => Number.isInteger(v))) {
    throw new TypeError('setRngState: expected {s: [4 integers], spare}');
  }
  [s0, s1, s2, s3] = state.s.map((v) => v >>> 0) as [number, number, number, number];
  spareNormal = state.spare;
}

/** Fisher-Yates shuffle of 0..n-1 using the global generator. */
export function randperm(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
