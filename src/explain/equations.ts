/**
 * Traces that are chains of named equations: softmax and cross-entropy, one forward/backward
 * pass of seed 000's tiny sigmoid network, batch norm, dropout with a seeded mask, SGD with
 * momentum (the lecture's form), and the conv output-size and parameter-count formulas. Each
 * step holds the hand-computed value and, where one exists, the value convkit's op produced.
 */
import { tensor, ones, zeros } from '../tensor/creation.js';
import { getRngState, manualSeed, setRngState } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from '../nn/functional/index.js';
import { Conv2d } from '../nn/layers/conv.js';
import { SGD } from '../optim/sgd.js';
import { list, num, term } from './format-number.js';
import type { EquationStep, EquationTrace } from './types.js';

const arr = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>, Number);
const scalar = (t: Tensor): number => Number((t.data as ArrayLike<number>)[0]);

function finiteList(op: string, name: string, v: unknown, minLength = 1): number[] {
  if (!Array.isArray(v) || v.length < minLength || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new TypeError(
      `${op}: ${name} must be a list of at least ${minLength} finite numbers, got ${JSON.stringify(v)}`,
    );
  return v as number[];
}
function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/** Softmax of the logits, then the cross-entropy of class `target` and its gradient p - onehot. */
export function softmaxCrossEntropyTrace(logits: readonly number[], target: number): EquationTrace {
  const op = 'explain.softmaxCrossEntropyTrace';
  const z = finiteList(op, 'logits', logits, 2);
  if (!Number.isInteger(target) || target < 0 || target >= z.length)
    throw new RangeError(`${op}: target must be a class index in 0..${z.length - 1}, got ${String(target)}`);
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / s);
  const loss = -Math.log(p[target]);
  const zt = tensor([z], { requiresGrad: true });
  const ce = F.crossEntropy(zt, tensor([target], { dtype: 'int32' }));
  ce.backward();
  const grad = p.map((v, k) => v - (k === target ? 1 : 0));
  return {
    kind: 'equations',
    title: `softmax and cross-entropy of ${list(z)} for class ${target}`,
    steps: [
      {
        name: 'm',
        formula: 'max_k z_k (subtracted for stability; softmax is unchanged)',
        filled: `max ${list(z)}`,
        value: m,
      },
      { name: 'e', formula: 'exp(z_k - m)', filled: z.map((v) => `exp(${num(v - m)})`).join(', '), value: e },
      { name: 'S', formula: 'sum_k e_k', filled: e.map((v) => num(v)).join(' + '), value: s },
      {
        name: 'p',
        formula: 'softmax(z)_k = e_k / S',
        filled: e.map((v) => `${num(v)} / ${num(s)}`).join(', '),
        value: p,
        fromOp: arr(F.softmax(tensor([z]), 1)),
        op: 'F.softmax(z, 1)',
      },
      {
        name: 'L',
        formula: 'cross-entropy = -log p_y',
        filled: `-log(${num(p[target])})`,
        value: loss,
        fromOp: scalar(ce),
        op: 'F.crossEntropy(z, y)',
      },
      {
        name: 'dL/dz',
        formula: 'p - onehot(y)',
        filled: p.map((v, k) => `${num(v)} - ${k === target ? 1 : 0}`).join(', '),
        value: grad,
        fromOp: arr(zt.grad as Tensor),
        op: 'autograd: z.grad after loss.backward()',
      },
    ],
  };
}

/** The inputs of seed 000's 1-1-1 sigmoid network with squared-error loss. */
export interface BackpropInputs {
  /** The input activation a0. */
  a0: number;
  /** Weight of the hidden unit. */
  w1: number;
  /** Bias of the hidden unit. */
  b1: number;
  /** Weight of the output unit. */
  w2: number;
  /** Bias of the output unit. */
  b2: number;
  /** The target y. */
  y: number;
  /** Learning rate of the gradient-descent update (step 3 of the slide). Default 0.1. */
  lr?: number;
}

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * One forward and backward pass of z1 = w1 a0 + b1, a1 = sigmoid(z1), z2 = w2 a1 + b2,
 * a2 = sigmoid(z2), L = 1/2 (y - a2)^2, then one gradient-descent step; gradients from autograd.
 */
export function backpropTrace(inputs: BackpropInputs): EquationTrace {
  const op = 'explain.backpropTrace';
  if (typeof inputs !== 'object' || inputs === null)
    throw new TypeError(`${op}: inputs { a0, w1, b1, w2, b2, y } are required`);
  const [a0, w1, b1, w2, b2, y] = (['a0', 'w1', 'b1', 'w2', 'b2', 'y'] as const).map((k) => finite(op, k, inputs[k]));
  const lr = finite(op, 'lr', inputs.lr ?? 0.1);
  // by hand
  const z1 = w1 * a0 + b1,
    a1 = sig(z1),
    z2 = w2 * a1 + b2,
    a2 = sig(z2),
    L = 0.5 * (y - a2) ** 2;
  const da2 = a2 - y,
    g2 = a2 * (1 - a2),
    dz2 = da2 * g2,
    dw2 = dz2 * a1,
    da1 = dz2 * w2,
    g1 = a1 * (1 - a1),
    dz1 = da1 * g1,
    dw1 = dz1 * a0;
  // by convkit: the same graph built from tensors, differentiated by autograd, stepped by SGD
  const P = [w1, b1, w2, b2].map((v) => tensor([v], { requiresGrad: true }));
  const [tw1, tb1, tw2, tb2] = P;
  const tz1 = tw1.mul(a0).add(tb1);
  const ta1 = F.sigmoid(tz1);
  const tz2 = tw2.mul(ta1).add(tb2);
  const ta2 = F.sigmoid(tz2);
  const diff = ta2.sub(y);
  const tL = diff.mul(diff).mul(0.5);
  tL.backward();
  const grads = P.map((p) => scalar(p.grad as Tensor));
  new SGD(P, { lr }).step();
  const after = P.map(scalar);
  const st = (
    name: string,
    formula: string,
    filled: string,
    value: number,
    fromOp?: number,
    opName?: string,
  ): EquationStep =>
    fromOp === undefined ? { name, formula, filled, value } : { name, formula, filled, value, fromOp, op: opName };
  return {
    kind: 'equations',
    title: `forward and backward pass: a0 = ${num(a0)}, w1 = ${num(w1)}, b1 = ${num(b1)}, w2 = ${num(w2)}, b2 = ${num(b2)}, y = ${num(y)}`,
    steps: [
      st('z1', 'w1 a0 + b1', `${term(w1)} * ${term(a0)} + ${term(b1)}`, z1, scalar(tz1), 'w1.mul(a0).add(b1)'),
      st('a1', 'sigmoid(z1)', `1 / (1 + exp(-${term(z1)}))`, a1, scalar(ta1), 'F.sigmoid'),
      st('z2', 'w2 a1 + b2', `${term(w2)} * ${term(a1)} + ${term(b2)}`, z2, scalar(tz2), 'w2.mul(a1).add(b2)'),
      st('a2', 'sigmoid(z2) = y_hat', `1 / (1 + exp(-${term(z2)}))`, a2, scalar(ta2), 'F.sigmoid'),
      st('L', '1/2 (y - a2)^2', `0.5 * (${num(y)} - ${num(a2)})^2`, L, scalar(tL), 'diff.mul(diff).mul(0.5)'),
      st('dL/da2', '-(y - a2) = a2 - y', `${num(a2)} - ${num(y)}`, da2),
      st("sigmoid'(z2)", 'a2 (1 - a2)', `${num(a2)} * (1 - ${num(a2)})`, g2),
      st('dz2', "dL/da2 * sigmoid'(z2)", `${term(da2)} * ${term(g2)}`, dz2, grads[3], 'autograd: b2.grad'),
      st('dw2', 'dz2 * a1', `${term(dz2)} * ${term(a1)}`, dw2, grads[2], 'autograd: w2.grad'),
      st('da1', 'dz2 * w2', `${term(dz2)} * ${term(w2)}`, da1),
      st("sigmoid'(z1)", 'a1 (1 - a1)', `${num(a1)} * (1 - ${num(a1)})`, g1),
      st('dz1', "da1 * sigmoid'(z1)", `${term(da1)} * ${term(g1)}`, dz1, grads[1], 'autograd: b1.grad'),
      st('dw1', 'dz1 * a0', `${term(dz1)} * ${term(a0)}`, dw1, grads[0], 'autograd: w1.grad'),
      st("w1'", 'w1 - lr dw1', `${num(w1)} - ${num(lr)} * ${term(dw1)}`, w1 - lr * dw1, after[0], 'optim.SGD step'),
      st("b1'", 'b1 - lr dz1', `${num(b1)} - ${num(lr)} * ${term(dz1)}`, b1 - lr * dz1, after[1], 'optim.SGD step'),
      st("w2'", 'w2 - lr dw2', `${num(w2)} - ${num(lr)} * ${term(dw2)}`, w2 - lr * dw2, after[2], 'optim.SGD step'),
      st("b2'", 'b2 - lr dz2', `${num(b2)} - ${num(lr)} * ${term(dz2)}`, b2 - lr * dz2, after[3], 'optim.SGD step'),
    ],
  };
}

/** Options of batchNormTrace (PyTorch's names and defaults). */
export interface BatchNormTraceOptions {
  /** Scale per channel (default all 1). */
  gamma?: readonly number[];
  /** Shift per channel (default all 0). */
  beta?: readonly number[];
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch statistics in the running averages (default 0.1). */
  momentum?: number;
  /** Running mean before this batch (default all 0). */
  runningMean?: readonly number[];
  /** Running variance before this batch (default all 1). */
  runningVar?: readonly number[];
}

/**
 * Batch norm in training on an (N, C) batch given as N rows: per channel the batch mean, the
 * biased variance, z_hat = (z - mu) / sqrt(var + eps), gamma z_hat + beta, and the running statistics.
 */
export function batchNormTrace(
  batch: readonly (readonly number[])[],
  options: BatchNormTraceOptions = {},
): EquationTrace {
  const op = 'explain.batchNormTrace';
  if (!Array.isArray(batch) || batch.length < 2)
    throw new RangeError(`${op}: batch must have at least 2 rows (samples)`);
  const rows = batch.map((r, i) => finiteList(op, `batch row ${i}`, r));
  const c = rows[0].length,
    n = rows.length;
  if (rows.some((r) => r.length !== c)) throw new RangeError(`${op}: every batch row must have ${c} channels`);
  const gamma = finiteList(op, 'gamma', options.gamma ?? new Array(c).fill(1)),
    beta = finiteList(op, 'beta', options.beta ?? new Array(c).fill(0));
  const rm0 = finiteList(op, 'runningMean', options.runningMean ?? new Array(c).fill(0)),
    rv0 = finiteList(op, 'runningVar', options.runningVar ?? new Array(c).fill(1));
  for (const [name, v] of [
    ['gamma', gamma],
    ['beta', beta],
    ['runningMean', rm0],
    ['runningVar', rv0],
  ] as const)
    if (v.length !== c)
      throw new RangeError(`${op}: ${name} must have ${c} entries (one per channel), got ${v.length}`);
  const eps = finite(op, 'eps', options.eps ?? 1e-5),
    mom = finite(op, 'momentum', options.momentum ?? 0.1);
  const rm = tensor(rm0),
    rv = tensor(rv0);
  const yT = F.batchNorm(tensor(rows), rm, rv, tensor(gamma), tensor(beta), { training: true, eps, momentum: mom });
  const yOp = arr(yT),
    rmOp = arr(rm),
    rvOp = arr(rv);
  const steps: EquationStep[] = [];
  for (let k = 0; k < c; k++) {
    const z = rows.map((r) => r[k]);
    const mu = z.reduce((a, b) => a + b, 0) / n;
    const v = z.reduce((a, b) => a + (b - mu) ** 2, 0) / n;
    const zh = z.map((x) => (x - mu) / Math.sqrt(v + eps));
    const out = zh.map((x) => gamma[k] * x + beta[k]);
    const ch = `[channel ${k}]`;
    steps.push(
      { name: `mu_B ${ch}`, formula: '1/N sum_i z_i', filled: `(${z.map(num).join(' + ')}) / ${n}`, value: mu },
      {
        name: `var_B ${ch}`,
        formula: '1/N sum_i (z_i - mu_B)^2 (biased)',
        filled: z.map((x) => `(${num(x)} - ${num(mu)})^2`).join(' + ') + ` / ${n}`,
        value: v,
      },
      {
        name: `z_hat ${ch}`,
        formula: '(z - mu_B) / sqrt(var_B + eps)',
        filled: z.map((x) => `(${num(x)} - ${num(mu)}) / sqrt(${num(v)} + ${eps})`).join(', '),
        value: zh,
      },
      {
        name: `y ${ch}`,
        formula: 'gamma z_hat + beta',
        filled: zh.map((x) => `${num(gamma[k])} * ${term(x)} + ${term(beta[k])}`).join(', '),
        value: out,
        fromOp: rows.map((_, i) => yOp[i * c + k]),
        op: 'F.batchNorm(x, runningMean, runningVar, gamma, beta, { training: true })',
      },
      {
        name: `running_mean ${ch}`,
        formula: '(1 - momentum) running_mean + momentum mu_B',
        filled: `${1 - mom} * ${num(rm0[k])} + ${mom} * ${num(mu)}`,
        value: (1 - mom) * rm0[k] + mom * mu,
        fromOp: rmOp[k],
        op: 'runningMean after F.batchNorm (updated in place)',
      },
      {
        name: `running_var ${ch}`,
        formula: '(1 - momentum) running_var + momentum var_B N/(N-1) (unbiased)',
        filled: `${1 - mom} * ${num(rv0[k])} + ${mom} * ${num(v)} * ${n}/${n - 1}`,
        value: (1 - mom) * rv0[k] + (mom * v * n) / (n - 1),
        fromOp: rvOp[k],
        op: 'runningVar after F.batchNorm (updated in place)',
      },
    );
  }
  return { kind: 'equations', title: `batch norm (training) of a ${n}x${c} batch, eps = ${eps}`, steps };
}

/** Inverted dropout with the mask drawn from manualSeed(seed); the global RNG state is restored afterwards. */
export function dropoutTrace(x: readonly number[], options: { p?: number; seed: number }): EquationTrace {
  const op = 'explain.dropoutTrace';
  const xs = finiteList(op, 'x', x);
  const p = finite(op, 'p', options?.p ?? 0.5);
  if (p < 0 || p >= 1) throw new RangeError(`${op}: p must be in [0, 1), got ${p}`);
  const seed = options?.seed;
  if (!Number.isInteger(seed)) throw new TypeError(`${op}: seed must be an integer, got ${String(seed)}`);
  const saved = getRngState();
  let mask: number[], yOp: number[];
  try {
    manualSeed(seed);
    mask = arr(F.dropout(ones([xs.length]), { p, training: true }));
    manualSeed(seed);
    yOp = arr(F.dropout(tensor(xs), { p, training: true }));
  } finally {
    setRngState(saved);
  }
  const scale = 1 / (1 - p);
  return {
    kind: 'equations',
    title: `dropout p = ${p} of ${list(xs)} (mask from manualSeed(${seed}))`,
    steps: [
      {
        name: 'scale',
        formula: '1 / (1 - p) (inverted dropout: survivors scaled up, no rescaling at test time)',
        filled: `1 / (1 - ${p})`,
        value: scale,
      },
      {
        name: 'mask',
        formula: 'each entry 0 with probability p, else scale',
        filled: `manualSeed(${seed}); F.dropout(ones)`,
        value: mask,
        fromOp: mask,
        op: 'F.dropout(ones, { p })',
      },
      {
        name: 'y',
        formula: 'x * mask',
        filled: xs.map((v, i) => `${term(v)} * ${num(mask[i])}`).join(', '),
        value: xs.map((v, i) => v * mask[i]),
        fromOp: yOp,
        op: 'F.dropout(x, { p }) with the same seed',
      },
      {
        name: 'y (eval)',
        formula: 'x (no dropout when not training)',
        filled: list(xs),
        value: xs,
        fromOp: arr(F.dropout(tensor(xs), { p, training: false })),
        op: 'F.dropout(x, { p, training: false })',
      },
    ],
  };
}

/** The lecture's momentum: v <- alpha v + g_t, w_t <- w_{t-1} - eta v, one step per gradient; values from optim.SGD. */
export function momentumTrace(
  w0: number,
  gradients: readonly number[],
  options: { lr: number; momentum: number },
): EquationTrace {
  const op = 'explain.momentumTrace';
  finite(op, 'w0', w0);
  const g = finiteList(op, 'gradients', gradients);
  const lr = finite(op, 'lr', options?.lr),
    a = finite(op, 'momentum', options?.momentum);
  const w = tensor([w0], { requiresGrad: true });
  const opt = new SGD([w], { lr, momentum: a, momentumForm: 'lecture' });
  const steps: EquationStep[] = [];
  let v = 0,
    wv = w0;
  g.forEach((gt, i) => {
    const t = i + 1;
    const vNew = a * v + gt;
    const wNew = wv - lr * vNew;
    w.grad = tensor([gt]);
    opt.step();
    const buf = opt.state.get(w)?.momentumBuffer as Float32Array | undefined;
    steps.push(
      {
        name: `v${t}`,
        formula: 'alpha v + g_t',
        filled: `${num(a)} * ${term(v)} + ${term(gt)}`,
        value: vNew,
        ...(buf ? { fromOp: buf[0], op: 'SGD momentumBuffer' } : {}),
      },
      {
        name: `w${t}`,
        formula: 'w_{t-1} - eta v',
        filled: `${num(wv)} - ${num(lr)} * ${term(vNew)}`,
        value: wNew,
        fromOp: scalar(w),
        op: "optim.SGD({ momentumForm: 'lecture' }).step()",
      },
    );
    v = vNew;
    wv = wNew;
  });
  // the slide's unrolled form: w_t = w_{t-1} - eta sum_{s<=t} alpha^(t-s) g_s
  const unrolled = g.map((_, t) => g.slice(0, t + 1).reduce((acc, gs, s) => acc + a ** (t - s) * gs, 0));
  steps.push({
    name: 'unrolled',
    formula: 'w_t = w_{t-1} - eta (alpha^(t-1) g_1 + ... + alpha g_{t-1} + g_t)',
    filled: unrolled.map((u, t) => `w${t + 1} = w${t} - ${num(lr)} * ${term(u)}`).join('; '),
    value: unrolled,
  });
  return { kind: 'equations', title: `SGD with momentum ${a}, lr ${lr}, from w0 = ${num(w0)}`, steps };
}

/** Options of outputSizeTrace: conv hyper-parameters (padding a number or 'same' / 'full'). */
export interface OutputSizeOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Padding on each side: a number, 'same' (floor(d(k-1)/2)) or 'full' (d(k-1)) (default 0). */
  padding?: number | 'same' | 'full';
  /** Dilation (default 1). */
  dilation?: number;
}

/** The output-size formula floor((n + 2p - d(k-1) - 1)/s) + 1 filled in, checked with F.convOutputSize and F.conv2d's shape. */
export function outputSizeTrace(n: number, k: number, options: OutputSizeOptions = {}): EquationTrace {
  const op = 'explain.outputSizeTrace';
  for (const [name, v, min] of [
    ['n', n, 1],
    ['k', k, 1],
    ['stride', options.stride ?? 1, 1],
    ['dilation', options.dilation ?? 1, 1],
  ] as const)
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  const s = options.stride ?? 1,
    d = options.dilation ?? 1;
  const pOpt = options.padding ?? 0;
  const p = pOpt === 'full' ? d * (k - 1) : pOpt === 'same' ? Math.floor((d * (k - 1)) / 2) : pOpt;
  if (!Number.isInteger(p) || p < 0)
    throw new RangeError(`${op}: padding must be an integer >= 0, 'same' or 'full', got ${String(pOpt)}`);
  const span = n + 2 * p - d * (k - 1) - 1;
  if (span < 0)
    throw new RangeError(
      `${op}: the kernel (extent ${d * (k - 1) + 1}) is larger than the padded input (${n + 2 * p})`,
    );
  const out = Math.floor(span / s) + 1;
  const fromOp = F.convOutputSize(n, k, { stride: s, padding: pOpt, dilation: d });
  const shape = F.conv2d(zeros([1, 1, n, n]), zeros([1, 1, k, k]), null, {
    stride: s,
    padding: pOpt === 'same' ? p : pOpt,
    dilation: d,
  }).shape;
  const steps: EquationStep[] = [
    {
      name: 'out',
      formula: 'floor((n + 2p - d(k - 1) - 1) / s) + 1',
      filled: `floor((${n} + 2*${p} - ${d}*(${k} - 1) - 1) / ${s}) + 1 = floor(${span} / ${s}) + 1`,
      value: out,
      fromOp,
      op: 'F.convOutputSize',
    },
    {
      name: 'conv2d shape',
      formula: 'F.conv2d on an n x n input gives out x out',
      filled: `zeros [1, 1, ${n}, ${n}]`,
      value: [out, out],
      fromOp: [shape[2], shape[3]],
      op: 'F.conv2d(...).shape',
    },
  ];
  if (span % s !== 0)
    steps.push({
      name: 'uncovered',
      formula: '(n + 2p - d(k-1) - 1) mod s: input cells no window reaches',
      filled: `${span} mod ${s}`,
      value: span % s,
    });
  return {
    kind: 'equations',
    title: `output size: n = ${n}, k = ${k}, stride ${s}, padding ${String(pOpt)}, dilation ${d}`,
    steps,
  };
}

/** Weights and biases of a conv layer: (k*k*C_in + 1) * C_out, checked against nn.Conv2d's parameters. */
export function convParamsTrace(inChannels: number, outChannels: number, k: number): EquationTrace {
  const op = 'explain.convParamsTrace';
  for (const [name, v] of [
    ['inChannels', inChannels],
    ['outChannels', outChannels],
    ['k', k],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  const layer = new Conv2d(inChannels, outChannels, k);
  const sizes = layer.parameters().map((p) => p.size);
  return {
    kind: 'equations',
    title: `parameters of ${outChannels} filters of ${k}x${k}x${inChannels}`,
    steps: [
      {
        name: 'weights',
        formula: 'k * k * C_in * C_out',
        filled: `${k} * ${k} * ${inChannels} * ${outChannels}`,
        value: k * k * inChannels * outChannels,
        fromOp: sizes[0],
        op: 'nn.Conv2d weight.size',
      },
      {
        name: 'parameters',
        formula: '(k * k * C_in + 1) * C_out',
        filled: `(${k} * ${k} * ${inChannels} + 1) * ${outChannels}`,
        value: (k * k * inChannels + 1) * outChannels,
        fromOp: sizes.reduce((a, b) => a + b, 0),
        op: 'nn.Conv2d parameters',
      },
    ],
  };
}
