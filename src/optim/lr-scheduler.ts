/**
 * Learning-rate schedulers with PyTorch semantics: construction sets epoch 0, each step()
 * advances one epoch and writes the new rate into every parameter group's `lr`.
 * Epoch-based schedules are closed forms of the base (initial) learning rates.
 */
import type { BaseHyper, Optimizer } from './optimizer.js';

/** A JSON-able scheduler checkpoint. */
export type SchedulerStateDict = Record<string, number | number[] | string | boolean | null | SchedulerStateDictNested>;
/** A nested scheduler checkpoint (for wrappers). */
export interface SchedulerStateDictNested {
  [key: string]: number | number[] | string | boolean | null | SchedulerStateDictNested;
}

function checkNumber(name: string, what: string, v: number, ok: (v: number) => boolean): void {
  if (typeof v !== 'number' || !ok(v)) throw new RangeError(`${name}: invalid ${what} ${String(v)}`);
}

/** Base class of the epoch-indexed schedulers: subclasses give lrAt(epoch). */
export abstract class LRScheduler {
  /** The optimizer whose group learning rates this scheduler sets. */
  readonly optimizer: Optimizer<BaseHyper>;
  /** The learning rate of each group when scheduling started. */
  readonly baseLrs: number[];
  /** The current epoch (0 after construction). */
  lastEpoch = -1;
  private lastLrs: number[] = [];

  /** Records base learning rates (group.initialLr, set on first use) and applies epoch 0. */
  constructor(optimizer: Optimizer<BaseHyper>, init = true) {
    this.optimizer = optimizer;
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    if (init) this.step();
  }

  /** The learning rate of every group at a given epoch (epoch >= 0). */
  abstract lrAt(epoch: number): number[];

  /** Advances one epoch (or jumps to `epoch`) and sets the groups' learning rates. */
  step(epoch?: number): void {
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    const lrs = this.lrAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLrs = lrs;
  }

  /** The learning rates set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** Epoch counter and settings, JSON-able. */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLrs: [...this.lastLrs] };
  }

  /** Restores the epoch counter (and base rates) from stateDict(); does not touch the optimizer. */
  loadStateDict(sd: SchedulerStateDict): void {
    if (typeof sd.lastEpoch !== 'number' || !Array.isArray(sd.baseLrs) || sd.baseLrs.length !== this.baseLrs.length) {
      throw new TypeError(
        `${this.constructor.name}.loadStateDict: expected {lastEpoch, baseLrs[${this.baseLrs.length}]}`,
      );
    }
    this.lastEpoch = sd.lastEpoch;
    (sd.baseLrs as number[]).forEach((v, i) => {
      this.baseLrs[i] = v;
    });
    this.lastLrs = Array.isArray(sd.lastLrs) ? [...(sd.lastLrs as number[])] : this.lrAt(this.lastEpoch);
  }
}

/** Multiplies the rate by gamma every stepSize epochs (torch StepLR). */
export class StepLR extends LRScheduler {
  /** Decays by gamma every stepSize epochs. */
  constructor(
    optimizer: Optimizer<BaseHyper>,
    /** Epochs between decays. */
    readonly stepSize: number,
    /** Factor the learning rate is multiplied by at each decay. */
    readonly gamma = 0.1,
  ) {
    checkNumber('StepLR', 'stepSize', stepSize, (v) => Number.isInteger(v) && v > 0);
    checkNumber('StepLR', 'gamma', gamma, (v) => v > 0);
    super(optimizer, false);
    this.step();
  }
  /** base * gamma^floor(epoch / stepSize). */
  lrAt(epoch: number): number[] {
    return this.baseLrs.map((b) => b * Math.pow(this.gamma, Math.floor(epoch / this.stepSize)));
  }
}

/** Multiplies the rate by gamma at each milestone epoch (torch MultiStepLR). */
export class MultiStepLR extends LRScheduler {
  /** The sorted milestone epochs. */
  readonly milestones: number[];
  /** Decays by gamma once each epoch in milestones is reached. */
  constructor(
    optimizer: Optimizer<BaseHyper>,
    milestones: number[],
    /** Factor the learning rate is multiplied by at each milestone. */
    readonly gamma = 0.1,
  ) {
    const ms = [...milestones].sort((a, b) => a - b);
    ms.forEach((m) => checkNumber('MultiStepLR', 'milestone', m, (v) => Number.isInteger(v) && v >= 0));
    checkNumber('MultiStepLR', 'gamma', gamma, (v) => v > 0);
    super(optimizer, false);
    this.milestones = ms;
    this.step();
  }
  /** base * gamma^(number of milestones <= epoch). */
  lrAt(epoch: number): number[] {
    const k = this.milestones.filter((m) => m <= epoch).length;
    return this.baseLrs.map((b) => b * Math.pow(this.gamma, k));
  }
}

/** Multiplies the rate by gamma every epoch (torch ExponentialLR). */
export class ExponentialLR extends LRScheduler {
  /** Decays by gamma each epoch. */
  constructor(
    optimizer: Optimizer<BaseHyper>,
    /** Factor the learning rate is multiplied by every epoch. */
    readonly gamma: number,
  ) {
    checkNumber('ExponentialLR', 'gamma', gamma, (v) => v > 0);
    super(optimizer, false);
    this.step();
  }
  /** base * gamma^epoch. */
  lrAt(epoch: number): number[] {
    return this.baseLrs.map((b) => b * Math.pow(this.gamma, epoch));
  }
}

/** Cosine annealing from the base rate to etaMin over tMax epochs (torch CosineAnnealingLR, closed form). */
export class CosineAnnealingLR extends LRScheduler {
  /** Anneals over tMax epochs down to etaMin. */
  constructor(
    optimizer: Optimizer<BaseHyper>,
    /** Epochs of the half cosine period. */
    readonly tMax: number,
    /** The lowest learning rate. */
    readonly etaMin = 0,
  ) {
    checkNumber('CosineAnnealingLR', 'tMax', tMax, (v) => Number.isInteger(v) && v > 0);
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin, (v) => v >= 0);
    super(optimizer, false);
    this.step();
  }
  /** etaMin + (base - etaMin) * (1 + cos(pi * epoch / tMax)) / 2. */
  lrAt(epoch: number): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2,
    );
  }
}

/**
 * Linear warmup: the rate grows linearly from startFactor * base at epoch 0 to base at
 * epoch warmupSteps (like torch LinearLR), then follows `after` (shifted by warmupSteps) or stays at base.
 */
export class LinearWarmup extends LRScheduler {
  /** Warms up over warmupSteps epochs, then hands over to `after` if given. */
  constructor(
    optimizer: Optimizer<BaseHyper>,
    /** Epochs of linear warmup. */
    readonly warmupSteps: number,
    /** The warmup settings, as given. */
    readonly options: {
      /** Fraction of the base rate at epoch 0 (default 0). */
      startFactor?: number;
      /** The scheduler that takes over after the warmup (shifted by warmupSteps). */
      after?: LRScheduler;
    } = {},
  ) {
    checkNumber('LinearWarmup', 'warmupSteps', warmupSteps, (v) => Number.isInteger(v) && v >= 0);
    checkNumber('LinearWarmup', 'startFactor', options.startFactor ?? 0, (v) => v >= 0 && v <= 1);
    if (options.after && options.after.optimizer !== optimizer)
      throw new Error('LinearWarmup: `after` must schedule the same optimizer');
    super(optimizer, false);
    this.step();
  }
  /** Warmup ramp for epoch < warmupSteps, then after.lrAt(epoch - warmupSteps) (or base). */
  lrAt(epoch: number): number[] {
    const w = this.warmupSteps;
    if (epoch < w) {
      const s = this.options.startFactor ?? 0;
      const f = s + ((1 - s) * epoch) / w;
      return this.baseLrs.map((b) => b * f);
    }
    return this.options.after ? this.options.after.lrAt(epoch - w) : [...this.baseLrs];
  }
  override step(epoch?: number): void {
    super.step(epoch);
    const after = this.options.after;
    if (after && this.lastEpoch >= this.warmupSteps) after.lastEpoch = this.lastEpoch - this.warmupSteps;
  }
}

/** Convenience: a LinearWarmup of warmupSteps epochs followed by `after` (or the base rate). */
export function warmup(
  optimizer: Optimizer<BaseHyper>,
  warmupSteps: number,
  after?: LRScheduler,
  startFactor = 0,
): LinearWarmup {
  return new LinearWarmup(optimizer, warmupSteps, { after, startFactor });
}

/** Options of ReduceLROnPlateau (PyTorch names and defaults). */
export interface ReduceLROnPlateauOptions {
  /** 'min': lower metric is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** Multiplier applied to the rate on a plateau. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. */
  patience?: number;
  /** Minimum change that counts as an improvement. */
  threshold?: number;
  /** 'rel': relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  /** Lower bound of the rate (one per group or shared). */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

/** Reduces the rate by `factor` when a metric stops improving (torch ReduceLROnPlateau). */
export class ReduceLROnPlateau {
  /** The optimizer whose group learning rates this scheduler sets. */
  readonly optimizer: Optimizer<BaseHyper>;
  private readonly opts: Required<Omit<ReduceLROnPlateauOptions, 'minLr'>>;
  private readonly minLrs: number[];
  /** Best metric seen (null before the first step). */
  best: number | null = null;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Remaining cooldown epochs. */
  cooldownCounter = 0;
  /** Epochs stepped so far. */
  lastEpoch = 0;

  /** Watches a metric passed to step(metric). */
  constructor(optimizer: Optimizer<BaseHyper>, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.opts = {
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      eps: 1e-8,
      ...options,
    };
    const o = this.opts;
    if (o.mode !== 'min' && o.mode !== 'max')
      throw new RangeError(`ReduceLROnPlateau: mode must be 'min' or 'max', got '${String(o.mode)}'`);
    if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs')
      throw new RangeError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got '${String(o.thresholdMode)}'`);
    checkNumber('ReduceLROnPlateau', 'factor (must be < 1)', o.factor, (v) => v >= 0 && v < 1);
    checkNumber('ReduceLROnPlateau', 'patience', o.patience, (v) => Number.isInteger(v) && v >= 0);
    checkNumber('ReduceLROnPlateau', 'cooldown', o.cooldown, (v) => Number.isInteger(v) && v >= 0);
    const n = optimizer.paramGroups.length;
    const m = options.minLr ?? 0;
    if (Array.isArray(m) && m.length !== n)
      throw new RangeError(
        `ReduceLROnPlateau: minLr has ${m.length} entries but the optimizer has ${n} parameter groups`,
      );
    this.minLrs = Array.isArray(m) ? [...m] : new Array<number>(n).fill(m);
  }

  private isBetter(a: number): boolean {
    const best = this.best;
    if (best === null) return true;
    const { mode, thresholdMode: tm, threshold: t } = this.opts;
    if (mode === 'min') return tm === 'rel' ? a < best * (1 - t) : a < best - t;
    return tm === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records one epoch's metric and reduces the rates after `patience` bad epochs. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric))
      throw new TypeError(`ReduceLROnPlateau.step: metric must be a number, got ${String(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.opts.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.opts.factor, this.minLrs[i]);
        if (g.lr - next > this.opts.eps) g.lr = next;
      });
      this.cooldownCounter = this.opts.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The current learning rate of every group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Counters and best value, JSON-able. */
  stateDict(): SchedulerStateDict {
    return {
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      minLrs: [...this.minLrs],
    };
  }

  /** Restores counters from stateDict(). */
  loadStateDict(sd: SchedulerStateDict): void {
    if (
      typeof sd.numBadEpochs !== 'number' ||
      typeof sd.cooldownCounter !== 'number' ||
      typeof sd.lastEpoch !== 'number' ||
      !(sd.best === null || typeof sd.best === 'number')
    ) {
      throw new TypeError('ReduceLROnPlateau.loadStateDict: expected {best, numBadEpochs, cooldownCounter, lastEpoch}');
    }
    this.best = sd.best as number | null;
    this.numBadEpochs = sd.numBadEpochs;
    this.cooldownCounter = sd.cooldownCounter;
    this.lastEpoch = sd.lastEpoch;
    if (Array.isArray(sd.minLrs) && sd.minLrs.length === this.minLrs.length)
      (sd.minLrs as number[]).forEach((v, i) => {
        this.minLrs[i] = v;
      });
  }
}
