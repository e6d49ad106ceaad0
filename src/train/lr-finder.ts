/**
 * lrFinder(): the learning-rate range test (Smith 2015, "Cyclical Learning Rates"; as fastai's
 * lr_find and torch-lr-finder's LRFinder.range_test). The learning rate grows exponentially from
 * startLr to endLr over `steps` mini-batches, one optimizer step each; the loss is smoothed by an
 * exponential moving average; the sweep stops early once the smoothed loss exceeds
 * divergeThreshold x the best one. Afterwards the model's weights and training mode, the
 * optimizer's state and learning rates and the global random generator are restored, so the sweep
 * leaves no trace. The suggestion is the learning rate where the smoothed loss falls fastest
 * (steepest descent: the most negative gradient of loss against log10(lr), as torch-lr-finder's
 * suggestion), skipping the first and last few points and looking only before the minimum.
 */
import type { Batch } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../optim/sgd.js';
import type { Optimizer } from '../optim/optimizer.js';
import { getRngState, manualSeed, setRngState } from '../tensor/random.js';
import { batchSource, type DataInput } from './data.js';
import { resolveLoss, type LossFn, type LossName } from './losses.js';

/** Options of lrFinder(). */
export interface LRFinderOptions {
  /** The optimizer to sweep (default SGD with momentum 0.9 over the trainable parameters). Its state is restored after. */
  optimizer?: Optimizer;
  /** Loss name or function (default 'crossEntropy'). */
  loss?: LossName | LossFn;
  /** First learning rate of the sweep (default 1e-7). */
  startLr?: number;
  /** Last learning rate of the sweep (default 10). */
  endLr?: number;
  /** Number of mini-batches, one learning rate each (default 100); the data is cycled if it has fewer. */
  steps?: number;
  /** Weight of the newest loss in the moving average, in (0, 1] (default 0.05, torch-lr-finder's smooth_f; 1 = no smoothing). */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best smoothed loss (default 5, torch-lr-finder's diverge_th). */
  divergeThreshold?: number;
  /** Samples per batch when the data is a Dataset or {x, y} (default 32). */
  batchSize?: number;
  /** Seeds the global generator for the sweep's shuffling and dropout (restored after). */
  seed?: number;
  /** Points left out at the start when looking for the steepest descent (default 10, fewer on short sweeps). */
  skipStart?: number;
  /** Points left out at the end (default 5, fewer on short sweeps). */
  skipEnd?: number;
}

/** The suggested learning rate and where it lies in the sweep. */
export interface LRSuggestion {
  /** The learning rate at the steepest descent of the smoothed loss. */
  lr: number;
  /** Its index in `lrs`. */
  index: number;
  /** The slope there: change of smoothed loss per decade of learning rate (negative). */
  slope: number;
  /** How it was chosen (for printing). */
  method: 'steepest descent of the smoothed loss';
}

/** What the sweep measured. */
export interface LRFinderResult {
  /** Learning rate of each step taken. */
  lrs: number[];
  /** Smoothed loss at each step (what to plot). */
  losses: number[];
  /** Raw mini-batch loss at each step. */
  rawLosses: number[];
  /** True when the sweep stopped early because the loss diverged (or became NaN/Inf). */
  diverged: boolean;
  /** The lowest smoothed loss and its learning rate. */
  minLoss: number;
  /** The learning rate of the lowest smoothed loss (a too-high pick: prefer the suggestion, about 10x lower). */
  minLossLr: number;
  /** The steepest-descent suggestion, or null when the sweep is too short or the loss never fell. */
  suggestion: LRSuggestion | null;
}

function positive(name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0))
    throw new RangeError(`lrFinder: ${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

/**
 * The steepest descent of the smoothed losses: the index with the most negative central-difference
 * gradient (numpy.gradient) against log10(lr), skipping skipStart/skipEnd points and looking only
 * up to the lowest loss (the descent; noise after the minimum can fall steeply too); null when
 * fewer than 3 points remain or the loss never decreases there.
 */
export function suggestLr(
  lrs: readonly number[],
  losses: readonly number[],
  { skipStart, skipEnd }: { skipStart?: number; skipEnd?: number } = {},
): LRSuggestion | null {
  const n = Math.min(lrs.length, losses.length);
  const s = skipStart ?? Math.min(10, Math.floor(n / 10));
  const e = skipEnd ?? Math.min(5, Math.floor(n / 20));
  // only the descent: up to the lowest smoothed loss (a noisy recovery after it is no descent)
  let argmin = s;
  for (let i = s; i < n - e; i++) if (losses[i] < losses[argmin]) argmin = i;
  const end = Math.min(n - e, argmin + 1);
  const xs = lrs.slice(s, end).map((v) => Math.log10(v));
  const ys = losses.slice(s, end);
  if (xs.length < 3) return null;
  let best = -1;
  let bestSlope = 0;
  for (let i = 0; i < xs.length; i++) {
    const lo = Math.max(0, i - 1);
    const hi = Math.min(xs.length - 1, i + 1);
    const g = (ys[hi] - ys[lo]) / (xs[hi] - xs[lo]);
    if (Number.isFinite(g) && g < bestSlope) {
      bestSlope = g;
      best = i;
    }
  }
  if (best < 0) return null;
  return { lr: lrs[s + best], index: s + best, slope: bestSlope, method: 'steepest descent of the smoothed loss' };
}

/** Runs the learning-rate range test on `data` and restores model, optimizer and random state after. */
export function lrFinder(model: Module, data: DataInput, options: LRFinderOptions = {}): LRFinderResult {
  const startLr = positive('startLr', options.startLr ?? 1e-7);
  const endLr = positive('endLr', options.endLr ?? 10);
  if (endLr <= startLr)
    throw new RangeError(`lrFinder: endLr (${endLr}) must be greater than startLr (${startLr}); swap them`);
  const steps = options.steps ?? 100;
  if (!Number.isInteger(steps) || steps < 2)
    throw new RangeError(`lrFinder: steps must be an integer >= 2, got ${String(steps)}`);
  const smoothing = options.smoothing ?? 0.05;
  if (!(smoothing > 0 && smoothing <= 1))
    throw new RangeError(`lrFinder: smoothing must be in (0, 1] (1 = none), got ${String(smoothing)}`);
  const divergeThreshold = options.divergeThreshold ?? 5;
  if (!(divergeThreshold > 1))
    throw new RangeError(`lrFinder: divergeThreshold must be > 1, got ${String(divergeThreshold)}`);
  const lossFn = resolveLoss(options.loss);
  const source = batchSource('lrFinder', data, options.batchSize ?? 32, true);

  const trainable = model.parameters().filter((p) => p.requiresGrad);
  const optimizer = options.optimizer ?? new SGD(trainable, { lr: startLr, momentum: 0.9 });
  // each group keeps its ratio to the first group's learning rate (e.g. a backbone at 0.1x)
  const base = optimizer.paramGroups[0].lr;
  const ratios = optimizer.paramGroups.map((g) => (base > 0 ? g.lr / base : 1));

  const savedWeights = model.stateDict({ clone: true });
  const savedOptimizer = optimizer.stateDict();
  const savedRng = getRngState();
  const wasTraining = model.training;
  if (options.seed !== undefined) manualSeed(options.seed);

  const lrs: number[] = [];
  const losses: number[] = [];
  const rawLosses: number[] = [];
  let diverged = false;
  let best = Infinity;
  let bestLr = Number.NaN;
  try {
    model.train();
    let it: Iterator<Batch> = source.batches()[Symbol.iterator]();
    for (let step = 0; step < steps; step++) {
      let next = it.next();
      if (next.done) {
        it = source.batches()[Symbol.iterator]();
        next = it.next();
        if (next.done) throw new RangeError('lrFinder: the data yields no batches');
      }
      const lr = startLr * (endLr / startLr) ** (step / (steps - 1));
      optimizer.paramGroups.forEach((g, i) => {
        g.lr = lr * ratios[i];
      });
      optimizer.zeroGrad();
      const loss = lossFn(model.call(next.value.x), next.value.y);
      if (loss.size !== 1) throw new RangeError(`lrFinder: the loss must be a scalar, got ${loss.size} values`);
      const raw = loss.item();
      if (!Number.isFinite(raw)) {
        diverged = true;
        break;
      }
      const smooth = losses.length === 0 ? raw : smoothing * raw + (1 - smoothing) * losses[losses.length - 1];
      lrs.push(lr);
      rawLosses.push(raw);
      losses.push(smooth);
      if (smooth < best) {
        best = smooth;
        bestLr = lr;
      }
      if (smooth > divergeThreshold * best) {
        diverged = true;
        break;
      }
      loss.backward();
      optimizer.step();
    }
  } finally {
    model.loadStateDict(savedWeights);
    optimizer.loadStateDict(savedOptimizer);
    optimizer.zeroGrad();
    model.train(wasTraining);
    setRngState(savedRng);
  }
  return {
    lrs,
    losses,
    rawLosses,
    diverged,
    minLoss: best,
    minLossLr: bestLr,
    suggestion: suggestLr(lrs, losses, { skipStart: options.skipStart, skipEnd: options.skipEnd }),
  };
}
