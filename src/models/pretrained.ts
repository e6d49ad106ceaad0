/**
 * convkit's own pretrained weights, shipped in the package's weights/ folder (nothing is
 * downloaded at run time; weights/README.md says how each was trained and its test accuracy):
 * `await pretrained('lenet5')` is LeNet-5 trained on MNIST, `await pretrained('keras-fashion')`
 * the lecture's Keras CNN trained on Fashion-MNIST: PyTorch's `weights=` idea. The file is read
 * from the package's weights/ folder (packageFileUrl, src/platform-files.ts) with node:fs in
 * Node; in a browser with fetch from weights/<file> next to the page (serve the package's
 * files there), or from `url` where you host it. The tensors go through
 * the module's own loadStateDict (strict), the same path as a user's weights file.
 */
import { deserializeSafetensors } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import { nodeBuiltin } from '../platform.js';
import { packageFileUrl } from '../platform-files.js';
import { toStateDict, type StateDict } from '../tensor/state-dict.js';
import { modelTensors } from '../train/checkpoint.js';
import { createModel } from './registry.js';

/** A model with shipped weights: its registry name, the file in weights/ and what it was trained on. */
export interface PretrainedEntry {
  /** Registry name (createModel). */
  readonly model: string;
  /** File name in the package's weights/ folder. */
  readonly file: string;
  /** Dataset it was trained on (a `convkit train --dataset` name). */
  readonly dataset: string;
}

/** Every shipped pretrained model. */
export const PRETRAINED: readonly PretrainedEntry[] = [
  { model: 'lenet5', file: 'lenet5-mnist.safetensors', dataset: 'mnist' },
  { model: 'keras-fashion', file: 'keras-fashion-fashion-mnist.safetensors', dataset: 'fashion-mnist' },
];

/** Names of the models that have shipped weights. */
export function pretrainedNames(): string[] {
  return PRETRAINED.map((p) => p.model);
}

/** Whether a model name has shipped weights. */
export function hasPretrained(model: string): boolean {
  return PRETRAINED.some((p) => p.model === model);
}

function entry(op: string, model: string): PretrainedEntry {
  const e = PRETRAINED.find((p) => p.model === model);
  if (!e)
    throw new RangeError(
      `${op}: no shipped weights for '${model}' (shipped: ${pretrainedNames().join(', ')}); load your own with train.loadWeights(model, path)`,
    );
  return e;
}

/**
 * Where a model's shipped weights lie: a file: URL of the package's weights/ in Node; in a
 * browser build weights/<file> relative to the page (src/platform-files.browser.ts), where a
 * site serves it, unless `url` says otherwise.
 */
export function pretrainedUrl(model: string): URL {
  switch (entry('pretrainedUrl', model).model) {
    case 'lenet5':
      return packageFileUrl('weights/lenet5-mnist.safetensors');
    default:
      return packageFileUrl('weights/keras-fashion-fashion-mnist.safetensors');
  }
}

/** Shipped weights as read from their file: the state dict and what the file says about them. */
export interface PretrainedWeights {
  /** Registry name of the model. */
  model: string;
  /** Dataset the weights were trained on. */
  dataset: string;
  /** Shape of one input sample, e.g. [1, 28, 28]. */
  inputShape: number[];
  /** Class names (index = label). */
  classes: string[];
  /** Pixel normalisation the model was trained with (apply it to inputs scaled to [0, 1]). */
  normalize: {
    /** Subtracted from every pixel. */
    mean: number;
    /** Then divided into it. */
    std: number;
  } | null;
  /** Test accuracy measured by scripts/train-pretrained.ts on the dataset's whole test split. */
  testAccuracy: number;
  /** The tensors, under PyTorch's state-dict names. */
  stateDict: StateDict;
  /** Every metadata entry of the file (convkit.pretrained.* says how it was trained). */
  metadata: Record<string, string>;
}

/** Options of pretrained() and loadPretrainedWeights(). */
export interface PretrainedOptions {
  /** Where to read the file from instead of the package's weights/ folder (e.g. where a page hosts it). */
  url?: URL | string;
}

async function readBytes(op: string, url: URL): Promise<Uint8Array> {
  const fsp = nodeBuiltin('node:fs/promises');
  try {
    if (url.protocol === 'file:' && fsp) return new Uint8Array(await fsp.readFile(url));
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new Error(
      `${op}: cannot read ${url.href}: ${e instanceof Error ? e.message : String(e)} (the package's weights/ folder ships it; in a browser serve it and pass { url })`,
    );
  }
}

function metaJson<T>(op: string, meta: Record<string, string>, key: string, ok: (v: unknown) => v is T): T {
  let v: unknown;
  try {
    v = JSON.parse(meta[key] ?? '');
  } catch {
    v = undefined;
  }
  if (!ok(v))
    throw new Error(`${op}: metadata '${key}' is missing or malformed (${JSON.stringify(meta[key] ?? null)})`);
  return v;
}

const isShape = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && (d as number) > 0);
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isNorm = (v: unknown): v is { mean: number; std: number } | null =>
  v === null ||
  (typeof v === 'object' &&
    typeof (v as { mean?: unknown }).mean === 'number' &&
    typeof (v as { std?: unknown }).std === 'number');

/** Reads a model's shipped weights and their metadata (no model is built). */
export async function loadPretrainedWeights(
  model: string,
  options: PretrainedOptions = {},
): Promise<PretrainedWeights> {
  const op = `pretrained('${model}')`;
  const e = entry(op, model);
  const url = options.url === undefined ? pretrainedUrl(model) : new URL(String(options.url), pretrainedUrl(model));
  const file = deserializeSafetensors(await readBytes(op, url), e.file);
  const meta = file.metadata;
  if (meta['convkit.model'] !== e.model)
    throw new Error(
      `${op}: ${url.href} holds weights of '${meta['convkit.model'] ?? 'an unnamed model'}', not ${e.model}`,
    );
  const testAccuracy = Number(meta['convkit.pretrained.testAccuracy']);
  return {
    model: e.model,
    dataset: meta['convkit.dataset'] ?? e.dataset,
    inputShape: metaJson(op, meta, 'convkit.inputShape', isShape),
    classes: metaJson(op, meta, 'convkit.classes', isNames),
    normalize: metaJson(op, meta, 'convkit.normalize', isNorm),
    testAccuracy: Number.isFinite(testAccuracy) ? testAccuracy : NaN,
    stateDict: modelTensors(toStateDict(op, file.tensors)),
    metadata: meta,
  };
}

/**
 * The registered model `name` with convkit's shipped pretrained weights loaded (strict
 * loadStateDict), in training mode like createModel's; call `.eval()` before inference.
 * Throws a RangeError naming the shipped models for a name without weights.
 */
export async function pretrained(model: string, options: PretrainedOptions = {}): Promise<Module> {
  const w = await loadPretrainedWeights(model, options);
  const m = createModel(model, { inputShape: w.inputShape, numClasses: w.classes.length || undefined });
  try {
    m.loadStateDict(w.stateDict);
  } catch (e) {
    throw new Error(`pretrained('${model}'): ${e instanceof Error ? e.message : String(e)}`);
  }
  return m;
}
