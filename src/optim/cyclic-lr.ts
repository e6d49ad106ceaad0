/**
 * Cyclical schedules stepped once per batch, with PyTorch's exact semantics (checked against
 * torch.optim.lr_scheduler by test/optim/cyclic-lr.test.ts): OneCycleLR (Smith & Topin 2018,
 * "super-convergence") and CyclicLR (Smith 2017, triangular / triangular2 / exp_range). Both
 * also cycle the momentum (SGD/RMSprop `momentum`, Adam's beta1) inversely to the rate.
 */
import type { BaseHyper, Optimizer } from './optimizer.js';
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';

type Group = Record<string, unknown>;

function perGroup(op: string, what: string, v: number | readonly number[], n: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n)
    throw new RangeError(`${op}: ${what} has ${list.length} values but the optimizer has ${n} parameter groups`);
  for (const x of list)
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      throw new RangeError(`${op}: ${what} must be finite numbers >= 0, got ${String(x)}`);
  return list;
}

function positiveInt(op: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new RangeError(`${op}: ${what} must be a positive integer, got ${String(v)}`);
}

/** Which hyperparameter carries the momentum: 'betas' (Adam, beta1) or 'momentum' (SGD, RMSprop). */
function momentumKey(op: string, optimizer: Optimizer<BaseHyper>): 'betas' | 'momentum' {
  const d = optimizer.defaults as unknown as Group;
  if ('betas' in d) return 'betas';
  if ('momentum' in d) return 'momentum';
  throw new RangeError(
    `${op}: cycleMomentum needs an optimizer with momentum (SGD, RMSprop) or betas (Adam, AdamW); pass cycleMomentum: false for ${optimizer.constructor.name}`,
  );
}

function setMomentum(group: Group, key: 'betas' | 'momentum', m: number): void {
  if (key === 'betas') {
    const b = group.betas as [number, number];
    group.betas = [m, b[1]];
  } else group.momentum = m;
}

function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/** Options of OneCycleLR (torch names in camelCase, torch defaults). */
export interface OneCycleLROptions {
  /** The peak learning rate (one per group or shared). */
  maxLr: number | readonly number[];
  /** Number of steps (batches) in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** Epochs to train (with stepsPerEpoch, when totalSteps is not given). */
  epochs?: number;
  /** Batches per epoch (with epochs). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the peak rate (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** Highest momentum, at the start and end (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initial rate = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** final rate = initial rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial rate, then annihilation) instead of two (default false). */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: 'initial' | 'max' | 'min';
  endLr: 'initial' | 'max' | 'min';
  startMomentum: 'base' | 'max';
  endMomentum: 'base' | 'max';
}

/**
 * The 1cycle policy (torch.optim.lr_scheduler.OneCycleLR): the rate rises from maxLr/divFactor
 * to maxLr over pctStart of totalSteps, then anneals to initial/finalDivFactor, while the
 * momentum does the opposite. Step it once per batch (LRSchedulerCallback with interval
 * 'batch'); stepping past totalSteps throws, as in PyTorch. Construction sets every group's lr
 * (and momentum) to the start values.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  readonly totalSteps: number;
  /** The peak rate of each group. */
  readonly maxLrs: number[];
  /** The final rate of each group (initial / finalDivFactor). */
  readonly minLrs: number[];
  /** The momentum at the peak rate, per group (empty without cycleMomentum). */
  readonly baseMomentums: number[];
  /** The momentum at the start and end, per group (empty without cycleMomentum). */
  readonly maxMomentums: number[];
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly momentumKey: 'betas' | 'momentum' | null;

  /** Sets up the cycle over totalSteps (or epochs * stepsPerEpoch) steps. */
  constructor(optimizer: Optimizer<BaseHyper>, options: OneCycleLROptions) {
    const op = 'OneCycleLR';
    const o = options;
    let total: number;
    if (o.totalSteps !== undefined) {
      positiveInt(op, 'totalSteps', o.totalSteps);
      total = o.totalSteps;
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      positiveInt(op, 'epochs', o.epochs);
      positiveInt(op, 'stepsPerEpoch', o.stepsPerEpoch);
      total = o.epochs * o.stepsPerEpoch;
    } else
      throw new RangeError(`${op}: give totalSteps, or epochs and stepsPerEpoch (their product is the cycle length)`);
    const pct = o.pctStart ?? 0.3;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 1))
      throw new RangeError(`${op}: pctStart must be a number in [0, 1], got ${String(pct)}`);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear')
      throw new RangeError(`${op}: annealStrategy must be 'cos' or 'linear', got '${String(strategy)}'`);
    const div = o.divFactor ?? 25;
    const finalDiv = o.finalDivFactor ?? 1e4;
    if (!(div > 0) || !(finalDiv > 0))
      throw new RangeError(`${op}: divFactor and finalDivFactor must be > 0, got ${div} and ${finalDiv}`);
    const n = optimizer.paramGroups.length;
    const maxLrs = perGroup(op, 'maxLr', o.maxLr, n);
    const phases: Phase[] = o.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pct * total - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: total - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: total - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ];
    // PyTorch divides by (endStep - startStep) with startStep = the previous phase's endStep
    let start = 0;
    phases.forEach((ph, i) => {
      if (ph.endStep === start)
        throw new RangeError(
          `${op}: phase ${i + 1} of the cycle has no length (totalSteps ${total}, pctStart ${pct}): use more steps or another pctStart`,
        );
      start = ph.endStep;
    });
    const cycle = o.cycleMomentum ?? true;
    const key = cycle ? momentumKey(op, optimizer) : null;
    const baseM = cycle ? perGroup(op, 'baseMomentum', o.baseMomentum ?? 0.85, n) : [];
    const maxM = cycle ? perGroup(op, 'maxMomentum', o.maxMomentum ?? 0.95, n) : [];
    // as torch: the groups' initial rate is maxLr / divFactor, whatever they held before
    optimizer.paramGroups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / div;
      if (key) setMomentum(g as unknown as Group, key, maxM[i]);
    });
    super(optimizer, false);
    this.totalSteps = total;
    this.maxLrs = maxLrs;
    this.minLrs = this.baseLrs.map((b) => b / finalDiv);
    this.baseMomentums = baseM;
    this.maxMomentums = maxM;
    this.phases = phases;
    this.anneal = strategy === 'cos' ? annealCos : annealLinear;
    this.momentumKey = key;
    this.step();
  }

  /** The phase of a step and the fraction of it done (PyTorch's arithmetic). */
  private locate(step: number): { phase: Phase; pct: number } {
    if (step > this.totalSteps)
      throw new RangeError(
        `OneCycleLR: tried to step ${step + 1} times; the cycle has totalSteps ${this.totalSteps} (step once per batch and set totalSteps = epochs * stepsPerEpoch)`,
      );
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const ph = this.phases[i];
      if (step <= ph.endStep || i === this.phases.length - 1)
        return { phase: ph, pct: (step - start) / (ph.endStep - start) };
      start = ph.endStep;
    }
    throw new Error('OneCycleLR: unreachable');
  }

  private lrOf(which: Phase['startLr'], i: number): number {
    return which === 'initial' ? this.baseLrs[i] : which === 'max' ? this.maxLrs[i] : this.minLrs[i];
  }

  /** The rate of every group at a step (0 = after construction). */
  lrAt(step: number): number[] {
    const { phase, pct } = this.locate(step);
    return this.baseLrs.map((_, i) => this.anneal(this.lrOf(phase.startLr, i), this.lrOf(phase.endLr, i), pct));
  }

  /** The momentum (or beta1) of every group at a step; empty without cycleMomentum. */
  momentumAt(step: number): number[] {
    if (!this.momentumKey) return [];
    const { phase, pct } = this.locate(step);
    const m = (w: 'base' | 'max', i: number): number => (w === 'base' ? this.baseMomentums[i] : this.maxMomentums[i]);
    return this.baseMomentums.map((_, i) => this.anneal(m(phase.startMomentum, i), m(phase.endMomentum, i), pct));
  }

  override step(epoch?: number): void {
    super.step(epoch);
    const key = this.momentumKey;
    if (!key) return;
    const ms = this.momentumAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => setMomentum(g as unknown as Group, key, ms[i]));
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), totalSteps: this.totalSteps };
  }
}

/** Options of CyclicLR (torch names in camelCase, torch defaults). */
export interface CyclicLROptions {
  /** The lower bound of the cycle (one per group or shared); construction sets each group's lr to it. */
  baseLr: number | readonly number[];
  /** The upper bound of the cycle (scaled by the mode's factor). */
  maxLr: number | readonly number[];
  /** Steps in the increasing half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps in the decreasing half (default stepSizeUp). */
  stepSizeDown?: number;
  /** 'triangular' (default), 'triangular2' (amplitude halves each cycle) or 'exp_range' (gamma^step). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** exp_range's factor (default 1). */
  gamma?: number;
  /** A custom amplitude factor (overrides mode); gets the cycle number or the step, per scaleMode. */
  scaleFn?: (x: number) => number;
  /** What scaleFn receives: 'cycle' (default) or 'iterations'. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle the momentum inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate (default 0.8); construction sets each group's momentum to it. */
  baseMomentum?: number | readonly number[];
  /** Momentum at the base rate (default 0.9). */
  maxMomentum?: number | readonly number[];
}

/**
 * Cyclical learning rates (torch.optim.lr_scheduler.CyclicLR): the rate goes from baseLr to
 * maxLr in stepSizeUp steps and back in stepSizeDown, the amplitude scaled by the mode. Step it
 * once per batch. With cycleMomentum, Adam's beta1 is cycled as in PyTorch 2.x (1.13 refused Adam).
 */
export class CyclicLR extends LRScheduler {
  /** The upper rates, per group. */
  readonly maxLrs: number[];
  /** Steps in one cycle. */
  readonly totalSize: number;
  /** Fraction of the cycle spent increasing. */
  readonly stepRatio: number;
  /** The momentum at the peak rate, per group (empty without cycleMomentum). */
  readonly baseMomentums: number[];
  /** The momentum at the base rate, per group (empty without cycleMomentum). */
  readonly maxMomentums: number[];
  private readonly scaleFn: (x: number) => number;
  private readonly scaleMode: 'cycle' | 'iterations';
  private readonly momentumKey: 'betas' | 'momentum' | null;

  /** Sets every group's lr to baseLr (and momentum to baseMomentum) and starts the cycle. */
  constructor(optimizer: Optimizer<BaseHyper>, options: CyclicLROptions) {
    const op = 'CyclicLR';
    const o = options;
    const n = optimizer.paramGroups.length;
    const baseLrs = perGroup(op, 'baseLr', o.baseLr, n);
    const maxLrs = perGroup(op, 'maxLr', o.maxLr, n);
    const up = o.stepSizeUp ?? 2000;
    const down = o.stepSizeDown ?? up;
    if (!(up > 0) || !(down >= 0) || !Number.isFinite(up) || !Number.isFinite(down))
      throw new RangeError(`${op}: stepSizeUp must be > 0 and stepSizeDown >= 0, got ${up} and ${down}`);
    const mode = o.mode ?? 'triangular';
    if (!o.scaleFn && mode !== 'triangular' && mode !== 'triangular2' && mode !== 'exp_range')
      throw new RangeError(`${op}: mode must be 'triangular', 'triangular2' or 'exp_range', got '${String(mode)}'`);
    const gamma = o.gamma ?? 1;
    if (!(gamma > 0)) throw new RangeError(`${op}: gamma must be > 0, got ${gamma}`);
    const cycle = o.cycleMomentum ?? true;
    const key = cycle ? momentumKey(op, optimizer) : null;
    const baseM = cycle ? perGroup(op, 'baseMomentum', o.baseMomentum ?? 0.8, n) : [];
    const maxM = cycle ? perGroup(op, 'maxMomentum', o.maxMomentum ?? 0.9, n) : [];
    optimizer.paramGroups.forEach((g, i) => {
      g.lr = baseLrs[i];
      if (g.initialLr === undefined) g.initialLr = baseLrs[i];
      if (key) setMomentum(g as unknown as Group, key, baseM[i]);
    });
    super(optimizer, false);
    // as torch: the cycle runs between the given base rates whatever initialLr says
    baseLrs.forEach((b, i) => {
      this.baseLrs[i] = b;
    });
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.baseMomentums = baseM;
    this.maxMomentums = maxM;
    this.momentumKey = key;
    if (o.scaleFn) {
      this.scaleFn = o.scaleFn;
      this.scaleMode = o.scaleMode ?? 'cycle';
    } else if (mode === 'triangular') {
      this.scaleFn = () => 1;
      this.scaleMode = 'cycle';
    } else if (mode === 'triangular2') {
      this.scaleFn = (x) => 1 / 2 ** (x - 1);
      this.scaleMode = 'cycle';
    } else {
      this.scaleFn = (x) => gamma ** x;
      this.scaleMode = 'iterations';
    }
    this.step();
  }

  /** The cycle number (from 1), the position's scale factor in [0, 1], and the amplitude factor. */
  private position(step: number): { scale: number; amplitude: number } {
    const cycle = Math.floor(1 + step / this.totalSize);
    const x = 1 + step / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    return { scale, amplitude: this.scaleFn(this.scaleMode === 'cycle' ? cycle : step) };
  }

  /** The rate of every group at a step. */
  lrAt(step: number): number[] {
    const { scale, amplitude } = this.position(step);
    return this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scale * amplitude);
  }

  /** The momentum (or beta1) of every group at a step; empty without cycleMomentum. */
  momentumAt(step: number): number[] {
    if (!this.momentumKey) return [];
    const { scale, amplitude } = this.position(step);
    return this.maxMomentums.map((m, i) => m - (m - this.baseMomentums[i]) * scale * amplitude);
  }

  override step(epoch?: number): void {
    super.step(epoch);
    const key = this.momentumKey;
    if (!key) return;
    const ms = this.momentumAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => setMomentum(g as unknown as Group, key, ms[i]));
  }
}
