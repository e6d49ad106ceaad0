/**
 * The Breast Cancer Wisconsin (Diagnostic) dataset shipped in data/breast-cancer.csv (569
 * samples, 30 features, 0 = malignant, 1 = benign; provenance and licence in data/README.md):
 * a parser of its scikit-learn CSV layout and a loader that makes a seeded stratified
 * train/test split and standardises features with the training statistics.
 */
import { Tensor } from '../tensor/tensor.js';
import { randperm } from '../tensor/random.js';
import { nodeModules } from '../platform.js';
import { packageFileUrl } from '../platform-files.js';
import { TensorDataset } from './dataset.js';
import { csvNumber, parseCsvRecords } from './csv.js';
import { SeededStream } from './seeded.js';

/** Names of the 30 features, in column order. */
export const BREAST_CANCER_FEATURES: readonly string[] = (() => {
  const base = [
    'radius',
    'texture',
    'perimeter',
    'area',
    'smoothness',
    'compactness',
    'concavity',
    'concave points',
    'symmetry',
    'fractal dimension',
  ];
  return [...base.map((b) => `mean ${b}`), ...base.map((b) => `${b} error`), ...base.map((b) => `worst ${b}`)];
})();

/** A parsed table: features (n, nFeatures) row-major, integer targets, class names. */
export interface ParsedTable {
  /** Features, (n, nFeatures) row-major. */
  x: Float32Array;
  /** Class index of each row. */
  y: Int32Array;
  /** Number of rows. */
  n: number;
  /** Number of features per row. */
  nFeatures: number;
  /** Class names (index = label). */
  classNames: string[];
}

/**
 * Parses scikit-learn's dataset CSV layout: a header `nSamples,nFeatures,class0,class1,...`
 * then nSamples rows of nFeatures numbers and an integer target in [0, classes).
 */
export function parseSklearnCsv(text: string, name = 'CSV'): ParsedTable {
  const records = parseCsvRecords(text, { name, rectangular: false });
  if (records.length === 0) throw new Error(`parseSklearnCsv: ${name} is empty`);
  const head = records[0];
  if (head.fields.length < 3)
    throw new Error(
      `parseSklearnCsv: ${name} line ${head.line}: header must be "nSamples,nFeatures,className,...", got ${JSON.stringify(head.fields.join(','))}`,
    );
  const n = csvNumber(head.fields[0], name, head.line, 1),
    nf = csvNumber(head.fields[1], name, head.line, 2);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(nf) || nf < 1)
    throw new Error(
      `parseSklearnCsv: ${name} line ${head.line}: header sample and feature counts must be positive integers, got ${head.fields[0]} and ${head.fields[1]}`,
    );
  const classNames = head.fields.slice(2).map((s) => s.trim());
  if (records.length - 1 !== n)
    throw new Error(
      `parseSklearnCsv: ${name}: header declares ${n} samples but the file has ${records.length - 1} data rows`,
    );
  const x = new Float32Array(n * nf),
    y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const { fields, line } = records[r + 1];
    if (fields.length !== nf + 1)
      throw new Error(
        `parseSklearnCsv: ${name} line ${line}: expected ${nf + 1} columns (${nf} features and the target), got ${fields.length}`,
      );
    for (let c = 0; c < nf; c++) x[r * nf + c] = csvNumber(fields[c], name, line, c + 1);
    const t = csvNumber(fields[nf], name, line, nf + 1);
    if (!Number.isInteger(t) || t < 0 || t >= classNames.length)
      throw new Error(
        `parseSklearnCsv: ${name} line ${line}, column ${nf + 1}: target ${fields[nf]} is not a class index in [0, ${classNames.length})`,
      );
    y[r] = t;
  }
  return { x, y, n, nFeatures: nf, classNames };
}

/** Options of loadBreastCancer. */
export interface BreastCancerOptions {
  /** Fraction of each class held out for testing, in [0, 1); default 0.2. */
  testFraction?: number;
  /** Seed of the split (default 0): the same seed always gives the same split. */
  seed?: number;
  /** Standardise features to zero mean / unit variance using training statistics; default true. */
  standardize?: boolean;
  /** CSV to read instead of the shipped data/breast-cancer.csv. */
  path?: string;
}

/** The result of loadBreastCancer. */
export interface BreastCancerData {
  /** Training samples: x (n, 30) float32, y int32. */
  train: TensorDataset;
  /** Test samples. */
  test: TensorDataset;
  /** Feature names in column order. */
  featureNames: readonly string[];
  /** Class names (0 = malignant, 1 = benign). */
  classNames: readonly string[];
  /** Per-feature training mean and (population) std used for standardisation, or null. */
  stats: {
    /** Mean of each feature. */
    mean: Float32Array;
    /** Population standard deviation of each feature. */
    std: Float32Array;
  } | null;
}

/** Splits, optionally standardises and wraps a parsed table (shared by the file loader and tests). */
export function splitTable(
  table: ParsedTable,
  options: BreastCancerOptions = {},
  featureNames?: readonly string[],
): BreastCancerData {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1))
    throw new RangeError(`loadBreastCancer: testFraction must be in [0, 1), got ${String(testFraction)}`);
  const { x, y, n, nFeatures: nf, classNames } = table;
  const stream = new SeededStream(options.seed ?? 0);
  // Stratified: per class, a seeded permutation of its rows; the first round(count * testFraction) go to test.
  const trainIdx: number[] = [],
    testIdx: number[] = [];
  for (let c = 0; c < classNames.length; c++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === c) rows.push(i);
    const perm = stream.run(() => randperm(rows.length));
    const nTest = Math.round(rows.length * testFraction);
    perm.forEach((p, k) => (k < nTest ? testIdx : trainIdx).push(rows[p]));
  }
  const order = (idx: number[]): number[] =>
    Array.from(
      stream.run(() => randperm(idx.length)),
      (k) => idx[k],
    );
  const tr = order(trainIdx),
    te = order(testIdx);
  let stats: BreastCancerData['stats'] = null;
  if (options.standardize ?? true) {
    if (tr.length === 0) throw new RangeError('loadBreastCancer: cannot standardise with an empty training set');
    const mean = new Float64Array(nf),
      sq = new Float64Array(nf);
    for (const i of tr) for (let c = 0; c < nf; c++) mean[c] += x[i * nf + c];
    for (let c = 0; c < nf; c++) mean[c] /= tr.length;
    for (const i of tr)
      for (let c = 0; c < nf; c++) {
        const d = x[i * nf + c] - mean[c];
        sq[c] += d * d;
      }
    const std = Float64Array.from(sq, (s) => {
      const v = Math.sqrt(s / tr.length);
      return v > 0 ? v : 1;
    });
    stats = { mean: Float32Array.from(mean), std: Float32Array.from(std) };
  }
  const build = (idx: number[]): TensorDataset => {
    const out = new Float32Array(idx.length * nf),
      lab = new Int32Array(idx.length);
    idx.forEach((i, r) => {
      lab[r] = y[i];
      for (let c = 0; c < nf; c++) {
        const v = x[i * nf + c];
        out[r * nf + c] = stats ? (v - stats.mean[c]) / stats.std[c] : v;
      }
    });
    return new TensorDataset(new Tensor(out, [idx.length, nf]), lab, { classes: classNames });
  };
  return {
    train: build(tr),
    test: build(te),
    featureNames: featureNames ?? Array.from({ length: nf }, (_, c) => `feature ${c}`),
    classNames,
    stats,
  };
}

/** Loads data/breast-cancer.csv as a seeded stratified train/test split (features standardised by default). */
export async function loadBreastCancer(options: BreastCancerOptions = {}): Promise<BreastCancerData> {
  const { fsp } = await nodeModules('loadBreastCancer');
  const source = options.path ?? packageFileUrl('data/breast-cancer.csv');
  const name = typeof source === 'string' ? source : 'data/breast-cancer.csv';
  let text: string;
  try {
    text = await fsp.readFile(source, 'utf8');
  } catch (e) {
    throw new Error(`loadBreastCancer: cannot read ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const table = parseSklearnCsv(text, name);
  const names = table.nFeatures === BREAST_CANCER_FEATURES.length ? BREAST_CANCER_FEATURES : undefined;
  return splitTable(table, options, names);
}
