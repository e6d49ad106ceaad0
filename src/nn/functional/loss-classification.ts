/**
 * Classification losses, with PyTorch's options and semantics: crossEntropy (fused, stable
 * log-softmax + NLL), nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
 * multiMarginLoss (the multiclass SVM hinge loss) and klDiv.
 *
 * Layout: input is (N, C) or (N, C, d1, ...) with classes on axis 1, or unbatched (C).
 * Class-index targets are int32 of shape (N) / (N, d1, ...) / () (a float32 tensor of that
 * shape holding whole numbers is accepted too). Class weights are constants (no gradient).
 */
import { record } from '../../autograd/engine.js';
import { getBackend } from '../../backend/index.js';
import { REDUCTION_CODE } from '../../backend/js/fused.js';
import { empty, emptyUninit, f32 } from '../../tensor/alloc.js';
import { fmt, sameShape, sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { broadcastData, checkReduction, reduceLoss, type Reduction } from './loss.js';
import { expectTensor } from '../../tensor/ops/check.js';
import { where } from '../../tensor/ops/where.js';
import { logSoftmax } from './softmax.js';
import { softplus } from './activation.js';

/** Options of crossEntropy (torch.nn.functional.cross_entropy). */
export interface CrossEntropyOptions {
  /** Per-class rescaling weights, shape (C). */
  weight?: Tensor | null;
  /** Targets equal to this index contribute nothing (index targets only). */
  ignoreIndex?: number;
  /** How the per-element losses are combined: 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

/** Options of nllLoss (torch.nn.functional.nll_loss). */
export interface NllLossOptions {
  /** Per-class rescaling weights, shape (C). */
  weight?: Tensor | null;
  /** Targets equal to this index contribute nothing. */
  ignoreIndex?: number;
  /** How the per-element losses are combined: 'mean' (default; weighted mean), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Geometry of a (N, C, inner) class layout. */
interface ClassLayout {
  n: number;
  c: number;
  inner: number;
  posShape: number[];
}

function classLayout(op: string, input: Tensor): ClassLayout {
  if (input.ndim === 0) throw new RangeError(`${op}: input must have a class axis, got a scalar`);
  if (input.ndim === 1) return { n: 1, c: input.shape[0], inner: 1, posShape: [] };
  return {
    n: input.shape[0],
    c: input.shape[1],
    inner: sizeOf(input.shape.slice(2)),
    posShape: [input.shape[0], ...input.shape.slice(2)],
  };
}

/** The class indices of `target` after checking its shape against the input (int32 storage). */
function classIndices(op: string, input: Tensor, target: Tensor, lay: ClassLayout): Int32Array {
  if (!sameShape(target.shape, lay.posShape)) {
    if (input.ndim >= 2 && target.ndim >= 1 && target.shape[0] !== input.shape[0]) {
      throw new RangeError(
        `${op}: logits ${fmt(input.shape)} and target ${fmt(target.shape)} disagree on the batch size`,
      );
    }
    throw new RangeError(
      `${op}: class-index target ${fmt(target.shape)} must have shape ${fmt(lay.posShape)} for input ${fmt(input.shape)}`,
    );
  }
  if (target.data instanceof Int32Array) return target.data;
  const t = target.data;
  const out = new Int32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    if (!Number.isInteger(t[i]))
      throw new TypeError(
        `${op}: float target ${fmt(target.shape)} holds ${t[i]}, which is not a class index (use int32 class indices)`,
      );
    out[i] = t[i];
  }
  return out;
}

function classWeights(op: string, weight: Tensor | null | undefined, c: number): Float32Array | null {
  if (!weight) return null;
  if (weight.ndim !== 1 || weight.shape[0] !== c)
    throw new RangeError(`${op}: weight ${fmt(weight.shape)} must have shape [${c}] (one per class)`);
  return f32(weight);
}

function checkIndex(op: string, y: number, c: number, pos: number): void {
  if (y < 0 || y >= c) throw new RangeError(`${op}: target ${y} is out of range for ${c} classes (at position ${pos})`);
}

/**
 * Cross-entropy between logits and class targets: log-softmax over axis 1 (axis 0 when
 * unbatched) followed by the negative log-likelihood. target is int32 class indices, or
 * float class probabilities of the logits' shape. 'mean' divides by the summed weights of
 * the non-ignored targets (the count when unweighted), exactly as PyTorch.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  expectTensor('crossEntropy', 'input', input);
  expectTensor('crossEntropy', 'target', target);
  const op = 'crossEntropy';
  const reduction = options.reduction ?? 'mean',
    ignoreIndex = options.ignoreIndex ?? -100,
    eps = options.labelSmoothing ?? 0;
  checkReduction(op, reduction);
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1))
    throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${String(eps)}`);
  if (input.dtype !== 'float32') throw new TypeError(`${op}: logits must be float32, got ${input.dtype}`);
  const lay = classLayout(op, input);
  const w = classWeights(op, options.weight, lay.c);
  const probs = target.dtype === 'float32' && sameShape(target.shape, input.shape);
  if (!probs && target.dtype === 'float32' && target.ndim === input.ndim) {
    throw new RangeError(
      `${op}: class-probability target ${fmt(target.shape)} must have the logits' shape ${fmt(input.shape)}`,
    );
  }
  return probs
    ? crossEntropyProbs(input, target, lay, w, eps, reduction)
    : crossEntropyIndex(input, target, lay, w, eps, reduction, ignoreIndex);
}

/** Checks every class index against C (ignoreIndex excepted), naming the first bad one and its position. */
function checkIndices(op: string, t: Int32Array, c: number, ignoreIndex: number): void {
  for (let pos = 0; pos < t.length; pos++) {
    const y = t[pos];
    if (y !== ignoreIndex) checkIndex(op, y, c, pos);
  }
}

/** Class indices: the softmax cross-entropy kernels (loss and saved probabilities; backward). */
function crossEntropyIndex(
  input: Tensor,
  target: Tensor,
  lay: ClassLayout,
  w: Float32Array | null,
  eps: number,
  reduction: Reduction,
  ignoreIndex: number,
): Tensor {
  const op = 'crossEntropy';
  const { n, c, inner } = lay;
  const t = classIndices(op, input, target, lay);
  checkIndices(op, t, c, ignoreIndex);
  const code = REDUCTION_CODE[reduction];
  const probs = emptyUninit(input.shape);
  const out = reduction === 'none' ? empty(lay.posShape) : empty([]);
  getBackend().crossEntropyForward(
    input.storageF32,
    t,
    w,
    n,
    c,
    inner,
    ignoreIndex,
    eps,
    code,
    probs.storageF32,
    out.storageF32,
  );
  return record(out, 'crossEntropy', [input], (g) => {
    const gx = emptyUninit(input.shape);
    getBackend().crossEntropyBackward(
      probs.storageF32,
      t,
      w,
      g.storageF32,
      n,
      c,
      inner,
      ignoreIndex,
      eps,
      code,
      gx.storageF32,
    );
    return [gx];
  });
}

/**
 * Class probabilities: a composite of logSoftmax and tensor ops (autograd differentiates it,
 * the target too): per position -sum_k w_k t'_k log p_k, t' = (1 - s) t + s / C the smoothed target.
 */
function crossEntropyProbs(
  input: Tensor,
  target: Tensor,
  lay: ClassLayout,
  w: Float32Array | null,
  eps: number,
  reduction: Reduction,
): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = logSoftmax(input, classDim);
  let wt = eps > 0 ? target.mul(1 - eps).add(eps / lay.c) : target;
  if (w) {
    const wShape = input.shape.map((d, i) => (i === classDim ? d : 1));
    wt = wt.mul(new Tensor(w, wShape));
  }
  return reduceLoss('crossEntropy', wt.mul(logp).sum(classDim).neg(), reduction);
}

/**
 * Negative log-likelihood of log-probabilities `input` at class indices `target`:
 * -weight[y] * input[y], 'mean' dividing by the summed weights of the non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  expectTensor('nllLoss', 'input', input);
  expectTensor('nllLoss', 'target', target);
  const op = 'nllLoss';
  const reduction = options.reduction ?? 'mean',
    ignoreIndex = options.ignoreIndex ?? -100;
  checkReduction(op, reduction);
  if (input.dtype !== 'float32')
    throw new TypeError(`${op}: input must be float32 log-probabilities, got ${input.dtype}`);
  const lay = classLayout(op, input);
  const { c } = lay;
  const w = classWeights(op, options.weight, c);
  const t = classIndices(op, input, target, lay);
  checkIndices(op, t, c, ignoreIndex);
  // a composite: gather picks input[y] per position (ignored positions read class 0 with weight 0)
  const safe = new Int32Array(t.length),
    wPos = new Float32Array(t.length);
  for (let pos = 0; pos < t.length; pos++) {
    const y = t[pos];
    if (y === ignoreIndex) continue;
    safe[pos] = y;
    wPos[pos] = w ? w[y] : 1;
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const indexShape = input.shape.map((d, i) => (i === classDim ? 1 : d));
  const picked = input.gather(classDim, new Tensor(safe, indexShape)).reshape(lay.posShape);
  const weights = new Tensor(wPos, lay.posShape);
  const lossPos = picked.mul(weights).neg();
  if (reduction !== 'mean') return reduceLoss(op, lossPos, reduction);
  return lossPos.sum().div(weights.sum()); // PyTorch: divided by the summed weights of the non-ignored targets
}

/** Options of the binary cross-entropy losses. */
export interface BinaryCrossEntropyOptions {
  /** Per-element rescaling, broadcast to the input shape. */
  weight?: Tensor | null;
  /** How the per-element losses are combined: 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: target ${fmt(target.shape)} must have the same shape as input ${fmt(input.shape)}`);
  }
  if (input.dtype !== 'float32' || target.dtype !== 'float32')
    throw new TypeError(`${op}: input and target must be float32, got ${input.dtype} and ${target.dtype}`);
}

/**
 * -w (y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at
 * -100 as in PyTorch, so p = 0 or 1 gives a finite loss.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  expectTensor('binaryCrossEntropy', 'input', input);
  expectTensor('binaryCrossEntropy', 'target', target);
  const op = 'binaryCrossEntropy';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkSameShape(op, input, target);
  const w = options.weight ? broadcastData(op, 'weight', options.weight, input.shape) : null;
  const p = input.f32,
    y = target.f32;
  const out = empty(input.shape),
    od = out.f32;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (!(v >= 0 && v <= 1))
      throw new RangeError(`${op}: input must hold probabilities in [0, 1], got ${v} at position ${i}`);
    const lp = Math.max(Math.log(v), -100),
      lq = Math.max(Math.log1p(-v), -100);
    od[i] = -(w ? w[i] : 1) * (y[i] * lp + (1 - y[i]) * lq);
  }
  const loss = record(out, op, [input, target], (g) => {
    const gd = g.f32;
    let gp: Tensor | null = null,
      gy: Tensor | null = null;
    if (input.requiresGrad) {
      // PyTorch's rule: w (p - y) / max(p (1 - p), 1e-12)
      gp = empty(input.shape);
      const o = gp.f32;
      for (let i = 0; i < p.length; i++)
        o[i] = (gd[i] * (w ? w[i] : 1) * (p[i] - y[i])) / Math.max(p[i] * (1 - p[i]), 1e-12);
    }
    if (target.requiresGrad) {
      gy = empty(target.shape);
      const o = gy.f32;
      for (let i = 0; i < p.length; i++)
        o[i] = gd[i] * (w ? w[i] : 1) * (Math.max(Math.log1p(-p[i]), -100) - Math.max(Math.log(p[i]), -100));
    }
    return [gp, gy];
  });
  return reduceLoss(op, loss, reduction);
}

/** Options of binaryCrossEntropyWithLogits: posWeight weighs the positive term (broadcast, usually shape (C)). */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term per class, broadcast to the input (e.g. negatives / positives). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits: w [(1 - y) x + (1 + (pw - 1) y) log(1 + e^-x)], computed
 * stably (finite for any finite logit). Its gradient is w (sigmoid(x) - y) without posWeight.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  expectTensor('binaryCrossEntropyWithLogits', 'input', input);
  expectTensor('binaryCrossEntropyWithLogits', 'target', target);
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkSameShape(op, input, target);
  const w = options.weight ? broadcastData(op, 'weight', options.weight, input.shape) : null;
  const pw = options.posWeight ? broadcastData(op, 'posWeight', options.posWeight, input.shape) : null;
  // a composite: w [(1 - y) x + (1 + (pw - 1) y) softplus(-x)], softplus(-x) = log(1 + e^-x) computed stably
  const sp = softplus(input.neg());
  const lw = pw ? target.mul(new Tensor(pw, input.shape).sub(1)).add(1) : null;
  let loss = target
    .neg()
    .add(1)
    .mul(input)
    .add(lw ? lw.mul(sp) : sp);
  if (w) loss = loss.mul(new Tensor(w, input.shape));
  return reduceLoss(op, loss, reduction);
}

/** Options of multiMarginLoss (torch.nn.functional.multi_margin_loss). */
export interface MultiMarginLossOptions {
  /** The exponent of the hinge: 1 (default) or 2. */
  p?: 1 | 2;
  /** The margin (default 1). */
  margin?: number;
  /** Per-class rescaling weights, shape (C). */
  weight?: Tensor | null;
  /** How the per-sample losses are combined: 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/**
 * The multiclass SVM hinge loss: for each sample, sum over j != y of
 * max(0, margin - x[y] + x[j])^p * weight[y], divided by the number of classes C (PyTorch's
 * normalisation; the lectures' SVM loss is C times this with margin 1).
 */
export function multiMarginLoss(input: Tensor, target: Tensor, options: MultiMarginLossOptions = {}): Tensor {
  expectTensor('multiMarginLoss', 'input', input);
  expectTensor('multiMarginLoss', 'target', target);
  const op = 'multiMarginLoss';
  const reduction = options.reduction ?? 'mean',
    pw = options.p ?? 1,
    margin = options.margin ?? 1;
  checkReduction(op, reduction);
  if (pw !== 1 && pw !== 2) throw new RangeError(`${op}: p must be 1 or 2, got ${String(pw)}`);
  if (typeof margin !== 'number' || !Number.isFinite(margin))
    throw new TypeError(`${op}: margin must be a finite number, got ${String(margin)}`);
  if (input.ndim !== 1 && input.ndim !== 2)
    throw new RangeError(`${op}: input must be (N, C) or (C), got ${fmt(input.shape)}`);
  if (input.dtype !== 'float32') throw new TypeError(`${op}: input must be float32, got ${input.dtype}`);
  const lay = classLayout(op, input);
  const { n, c } = lay;
  const w = classWeights(op, options.weight, c);
  const t = classIndices(op, input, target, lay);
  for (let b = 0; b < n; b++) checkIndex(op, t[b], c, b);
  // a composite: per sample sum over k != y of relu(margin - x_y + x_k)^p * w_y / C
  const rows = input.reshape([n, c]);
  const xy = rows.gather(1, new Tensor(t, [n, 1]));
  const others = new Float32Array(n * c).fill(1),
    wRow = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    others[b * c + t[b]] = 0;
    wRow[b] = w ? w[t[b]] : 1;
  }
  const hinge = rows
    .sub(xy)
    .add(margin)
    .relu()
    .mul(new Tensor(others, [n, c]));
  const loss = (pw === 1 ? hinge : hinge.square())
    .sum(1)
    .mul(new Tensor(wRow, [n]))
    .div(c)
    .reshape(lay.posShape);
  return reduceLoss(op, loss, reduction);
}

/** Options of klDiv; 'batchmean' divides the sum by the batch size (the true KL divergence). */
export interface KlDivOptions {
  /** 'mean' (default, over every element), 'batchmean', 'sum' or 'none'. */
  reduction?: Reduction | 'batchmean';
  /** Whether the target is given as log-probabilities (default false: probabilities). */
  logTarget?: boolean;
}

/**
 * Kullback-Leibler divergence with input given as log-probabilities:
 * target * (log target - input) (0 where target = 0), or exp(t) * (t - input) when logTarget.
 * Composed of tensor ops.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  expectTensor('klDiv', 'input', input);
  expectTensor('klDiv', 'target', target);
  const op = 'klDiv';
  const reduction = options.reduction ?? 'mean',
    logTarget = options.logTarget ?? false;
  checkReduction(op, reduction, ['mean', 'batchmean', 'sum', 'none']);
  checkSameShape(op, input, target);
  // a composite (autograd differentiates input and target); where target <= 0 the log reads 1
  const loss = logTarget
    ? target.exp().mul(target.sub(input))
    : target.mul(where(target.gt(0), target, 1).log()).sub(target.mul(input));
  if (reduction === 'batchmean') return reduceLoss(op, loss, 'sum').div(input.ndim === 0 ? 1 : input.shape[0]);
  return reduceLoss(op, loss, reduction);
}
