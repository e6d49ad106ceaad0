/**
 * Embeddings of learned codes: `penultimateFeatures` collects what a classifier's last Linear
 * layer receives (or any layer's output, flattened) for a batch of images; `pca` projects rows
 * onto their top principal components (covariance by hand, eigenvectors by power iteration
 * with deflation: the covariance is small, features x features); `umap` gives a non-linear 2-D
 * layout with the maintained umap-js package (PAIR-code), seeded, required only when called
 * (in Node; a browser passes the class).
 */
import { noGrad } from '../autograd/engine.js';
import { Linear } from '../nn/layers/linear.js';
import type { Module } from '../nn/module.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { packageRequire } from '../platform-files.js';
import { intOpt, layerAt } from './interpret-common.js';

/** Options of penultimateFeatures. */
export interface FeaturesOptions {
  /** Module path whose output (flattened per sample) is the feature; default the input of the last Linear. */
  layer?: string;
  /** Images per forward pass; default 256. */
  batchSize?: number;
}

/** Runs images (N, C, H, W) through the model (evaluation mode, no gradients) and returns (N, D) features. */
export function penultimateFeatures(model: Module, images: Tensor, options: FeaturesOptions = {}): Tensor {
  const op = 'penultimateFeatures';
  if (!(images instanceof Tensor) || images.ndim !== 4 || images.dtype !== 'float32')
    throw new RangeError(
      `${op}: images must be a float32 (N, C, H, W) Tensor, got ${images instanceof Tensor ? fmt(images.shape) : typeof images}`,
    );
  const batchSize = intOpt(op, 'batchSize', options.batchSize, 256);
  let mod: Module;
  let useInput: boolean;
  if (options.layer !== undefined) {
    mod = layerAt(op, model, options.layer);
    useInput = false;
  } else {
    let last: Module | null = null;
    for (const m of model.modules()) if (m instanceof Linear) last = m;
    if (last === null) throw new RangeError(`${op}: ${model.typeName} has no Linear layer; pass options.layer`);
    mod = last;
    useInput = true;
  }
  const [n, ...rest] = images.shape;
  const per = rest.reduce((a, b) => a * b, 1);
  const chunks: Float32Array[] = [];
  let dim = -1;
  const record = (t: Tensor): void => {
    const d = t.size / t.shape[0];
    if (dim >= 0 && d !== dim) throw new Error(`${op}: the feature size changed between batches (${dim} then ${d})`);
    dim = d;
    chunks.push(Float32Array.from(t.data));
  };
  const handle = useInput
    ? mod.registerForwardPreHook((_m, inputs) => record(inputs[0]))
    : mod.registerForwardHook((_m, _in, out) => record(out));
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  try {
    model.eval();
    noGrad(() => {
      for (let at = 0; at < n; at += batchSize) {
        const m = Math.min(batchSize, n - at);
        const chunk = new Tensor(images.data.slice(at * per, (at + m) * per) as Float32Array, [m, ...rest]);
        const before = chunks.length;
        model.call(chunk);
        if (chunks.length === before)
          throw new Error(`${op}: the feature layer did not run (its parent must call it with call())`);
        if (chunks.length > before + 1) chunks.splice(before, chunks.length - before - 1); // called twice: keep the last
      }
    });
  } finally {
    handle.remove();
    for (const [m, t] of modes) m.training = t;
  }
  const out = new Float32Array(n * dim);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return new Tensor(out, [n, dim]);
}

/** What pca returns. */
export interface PcaResult {
  /** Rows projected on the components (N, k). */
  coords: Tensor;
  /** Unit principal directions, one per row (k, D). */
  components: Tensor;
  /** Variance along each component (k). */
  variance: Float64Array;
  /** Fraction of the total variance along each component (k). */
  varianceRatio: Float64Array;
  /** Mean row (D). */
  mean: Float64Array;
}

/** Principal component analysis of the rows of x (N, D) onto k components (default 2). */
export function pca(x: Tensor, k = 2, options: { iterations?: number; seed?: number } = {}): PcaResult {
  const op = 'pca';
  if (!(x instanceof Tensor) || x.ndim !== 2)
    throw new RangeError(`${op}: x must be an (N, D) Tensor, got ${x instanceof Tensor ? fmt(x.shape) : typeof x}`);
  const [n, d] = x.shape;
  if (n < 2) throw new RangeError(`${op}: needs at least 2 rows, got ${n}`);
  if (!Number.isInteger(k) || k < 1 || k > d)
    throw new RangeError(`${op}: k must be an integer in [1, ${d}], got ${k}`);
  const iterations = intOpt(op, 'iterations', options.iterations, 500);
  const src = x.data;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += src[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = src[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= n - 1;
      cov[b * d + a] = cov[a * d + b];
    }
    trace += cov[a * d + a];
  }
  let s = (options.seed ?? 0) >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296 - 0.5;
  };
  const comps = new Float32Array(k * d);
  const variance = new Float64Array(k);
  const v = new Float64Array(d),
    nv = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) v[j] = rnd();
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      for (let a = 0; a < d; a++) {
        let acc = 0;
        for (let b = 0; b < d; b++) acc += cov[a * d + b] * v[b];
        nv[a] = acc;
      }
      let norm = 0;
      for (let a = 0; a < d; a++) norm += nv[a] * nv[a];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      let change = 0;
      for (let a = 0; a < d; a++) {
        const u = nv[a] / norm;
        change = Math.max(change, Math.abs(u - v[a]));
        v[a] = u;
      }
      lambda = norm;
      if (change < 1e-10) break;
    }
    // sign convention: the largest-magnitude entry is positive (like scikit-learn's svd_flip)
    let big = 0;
    for (let a = 1; a < d; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
    const sign = v[big] < 0 ? -1 : 1;
    for (let a = 0; a < d; a++) comps[c * d + a] = sign * v[a];
    variance[c] = lambda;
    // deflate: cov -= lambda v v^T
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= lambda * v[a] * v[b];
  }
  const coords = new Float32Array(n * k);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += (src[i * d + j] - mean[j]) * comps[c * d + j];
      coords[i * k + c] = acc;
    }
  const varianceRatio = variance.map((l) => (trace > 0 ? l / trace : 0));
  return { coords: new Tensor(coords, [n, k]), components: new Tensor(comps, [k, d]), variance, varianceRatio, mean };
}

/** Options of umap. */
export interface UmapOptions {
  /** Neighbours of the k-NN graph; default 15. */
  nNeighbors?: number;
  /** Minimum distance between embedded points; default 0.1. */
  minDist?: number;
  /** Optimisation epochs; default chosen by umap-js from N. */
  nEpochs?: number;
  /** Seed of umap-js's random numbers; default 0. */
  seed?: number;
  /**
   * The umap-js UMAP class. Default in Node: required from the installed package; in a browser
   * pass it (`import { UMAP } from 'umap-js'`), as convkit's browser graph carries no CommonJS.
   */
  UMAP?: UmapConstructor;
}

/** What umap uses of umap-js's UMAP class. */
export type UmapConstructor = new (params: {
  nComponents: number;
  nNeighbors: number;
  minDist: number;
  random: () => number;
  nEpochs?: number;
}) => {
  /** Embeds the rows (one per sample) into nComponents dimensions. */
  fit(rows: number[][]): number[][];
};

/** A 2-D UMAP layout (N, 2) of the rows of x (N, D), with umap-js. */
export async function umap(x: Tensor, options: UmapOptions = {}): Promise<Tensor> {
  const op = 'umap';
  if (!(x instanceof Tensor) || x.ndim !== 2)
    throw new RangeError(`${op}: x must be an (N, D) Tensor, got ${x instanceof Tensor ? fmt(x.shape) : typeof x}`);
  const [n, d] = x.shape;
  const nNeighbors = intOpt(op, 'nNeighbors', options.nNeighbors, Math.min(15, n - 1), 2);
  if (n <= nNeighbors) throw new RangeError(`${op}: needs more rows (${n}) than nNeighbors (${nNeighbors})`);
  let UMAP = options.UMAP;
  if (UMAP === undefined) {
    // required, not imported: umap-js is CommonJS, and a bundler must not pull it into a browser graph
    const req = packageRequire(`vision.${op}`);
    try {
      UMAP = (req('umap-js') as { UMAP: UmapConstructor }).UMAP;
    } catch {
      throw new Error(`vision.${op}: the 'umap-js' package is not installed (npm install umap-js)`);
    }
  }
  let s = ((options.seed ?? 0) >>> 0) + 0x9e3779b9;
  const random = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.data.subarray(i * d, (i + 1) * d)));
  const u = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: options.minDist ?? 0.1,
    random,
    ...(options.nEpochs !== undefined ? { nEpochs: intOpt(op, 'nEpochs', options.nEpochs, 0) } : {}),
  });
  const out = u.fit(rows);
  const flat = new Float32Array(n * 2);
  out.forEach((p, i) => {
    flat[2 * i] = p[0];
    flat[2 * i + 1] = p[1];
  });
  return new Tensor(flat, [n, 2]);
}
