/**
 * Further ONNX import ops, beyond the CNN set, that exporters (convkit's own io.exportOnnx and
 * torch.onnx.export) write for common layers: Erf / Gelu (GELU), Selu, Softplus, Softsign,
 * HardSigmoid, HardSwish, PRelu, LayerNormalization, InstanceNormalization, comparisons and
 * Where (masks as float 0/1 tensors), Split, Tile, and the variadic Max / Min / Sum / Mean.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { where } from '../../tensor/ops/where.js';
import { split } from '../../tensor/ops/split.js';
import { checkAllocation } from '../../tensor/limits.js';
import { customOp } from '../../autograd/custom-op.js';
import { gelu, selu, softplus } from '../../nn/functional/activation.js';
import { layerNorm } from '../../nn/functional/normalization.js';
import { IntTensor, intBinary, type Value } from './import-values.js';
import {
  axisOf,
  floatIn,
  intIn,
  optFloatIn,
  optInts,
  type OpContext,
  type OpFn,
  type OpTable,
} from './import-op-context.js';

/** erf(x), Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under float32's step near 1). */
function erfScalar(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const y = 1 - poly * Math.exp(-x * x);
  return x < 0 ? -y : y;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The error function with its exact gradient 2/sqrt(pi) e^(-x^2). */
const erf = customOp(
  'erf',
  (x) => new Tensor(Float32Array.from(x.data, erfScalar), x.shape),
  (g, [x]) => g.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)),
);

const unary =
  (f: (x: Tensor, ctx: OpContext) => Tensor): OpFn =>
  (ctx, inputs) => [f(floatIn(ctx, inputs, 0, 'X'), ctx)];

/** PyTorch's SELU constants (ONNX's defaults, as float32). */
const SELU_ALPHA = 1.6732632423543772,
  SELU_GAMMA = 1.0507009873554805;

function seluOp(x: Tensor, ctx: OpContext): Tensor {
  const alpha = ctx.attrs.float('alpha', SELU_ALPHA),
    gamma = ctx.attrs.float('gamma', SELU_GAMMA);
  if (Math.abs(alpha - SELU_ALPHA) < 1e-6 && Math.abs(gamma - SELU_GAMMA) < 1e-6) return selu(x);
  return x.relu().add(x.clamp(null, 0).exp().sub(1).mul(alpha)).mul(gamma);
}

/** x, normalised over the axes from `from` on: (x - mean) / sqrt(var + eps). */
function standardize(x: Tensor, axes: number[], eps: number): Tensor {
  const centred = x.sub(x.mean(axes, { keepDim: true }));
  return centred.div(centred.square().mean(axes, { keepDim: true }).add(eps).sqrt());
}

function layerNormalization(ctx: OpContext, inputs: readonly (Value | undefined)[], outputs: number): Tensor {
  if (outputs > 1)
    throw new RangeError(`${ctx.label}: LayerNormalization's Mean / InvStdDev outputs are not supported`);
  const x = floatIn(ctx, inputs, 0, 'X');
  const scale = floatIn(ctx, inputs, 1, 'Scale');
  const bias = optFloatIn(ctx, inputs, 2, 'B');
  const axis = axisOf(ctx, ctx.attrs.int('axis', -1), x.ndim);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const shape = x.shape.slice(axis);
  const same = (t: Tensor | null): boolean =>
    !t || (t.ndim === shape.length && t.shape.every((d, i) => d === shape[i]));
  if (same(scale) && same(bias)) return layerNorm(x, shape, scale, bias, { eps });
  const y = standardize(
    x,
    shape.map((_, i) => axis + i),
    eps,
  ).mul(scale);
  return bias ? y.add(bias) : y;
}

function instanceNormalization(ctx: OpContext, inputs: readonly (Value | undefined)[]): Tensor {
  const x = floatIn(ctx, inputs, 0, 'input');
  const scale = floatIn(ctx, inputs, 1, 'scale');
  const bias = floatIn(ctx, inputs, 2, 'B');
  if (x.ndim < 3)
    throw new RangeError(`${ctx.label}: input must be (N, C, ...) with spatial axes, got ${fmt(x.shape)}`);
  const per = [x.shape[1], ...x.shape.slice(2).map(() => 1)];
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  return standardize(x, axes, ctx.attrs.float('epsilon', 1e-5)).mul(scale.reshape(per)).add(bias.reshape(per));
}

/** A comparison: exact 0/1 integers for integer inputs, a float 0/1 mask otherwise. */
function comparison(intF: (a: number, b: number) => boolean, floatF: (a: Tensor, b: Tensor) => Tensor): OpFn {
  return (ctx, inputs) => {
    const a = inputs[0],
      b = inputs[1];
    if (a instanceof IntTensor && b instanceof IntTensor)
      return [intBinary(ctx.label, a, b, (x, y) => (intF(x, y) ? 1 : 0))];
    return [floatF(floatIn(ctx, inputs, 0, 'A'), floatIn(ctx, inputs, 1, 'B'))];
  };
}

/** Max / Min / Sum / Mean over any number of broadcasting inputs. */
function variadic(kind: 'max' | 'min' | 'sum' | 'mean'): OpFn {
  return (ctx, inputs) => {
    const xs = inputs.filter((v): v is Value => v !== undefined);
    if (xs.length === 0) throw new RangeError(`${ctx.label}: needs at least one input`);
    const intF = kind === 'max' ? Math.max : kind === 'min' ? Math.min : (p: number, q: number) => p + q;
    if (kind !== 'mean' && xs.every((v) => v instanceof IntTensor))
      return [(xs as IntTensor[]).reduce((p, q) => intBinary(ctx.label, p, q, intF))];
    const fs = xs.map((_, i) => floatIn(ctx, xs, i, `input ${i}`));
    let acc = fs[0];
    for (const f of fs.slice(1)) acc = kind === 'max' ? acc.maximum(f) : kind === 'min' ? acc.minimum(f) : acc.add(f);
    return [kind === 'mean' ? acc.div(fs.length) : acc];
  };
}

/** Split along an axis: sizes from the `split` input (13+) or attribute, else equal parts (num_outputs). */
function splitOp(ctx: OpContext, inputs: readonly (Value | undefined)[], outputs: number): Tensor[] {
  const x = floatIn(ctx, inputs, 0, 'input');
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.ndim);
  const n = x.shape[axis];
  let sizes =
    ctx.opset >= 13 ? optInts(ctx, inputs, 1, 'split') : ctx.attrs.has('split') ? ctx.attrs.ints('split') : undefined;
  const parts = ctx.attrs.int('num_outputs', outputs);
  if (!sizes || sizes.length === 0) {
    if (parts < 1) throw new RangeError(`${ctx.label}: Split needs split sizes or outputs`);
    const each = Math.ceil(n / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, n - i * each)));
  }
  if (sizes.some((v) => v < 0) || sizes.reduce((p, q) => p + q, 0) !== n)
    throw new RangeError(`${ctx.label}: split sizes ${fmt(sizes)} do not add up to axis ${axis} of ${fmt(x.shape)}`);
  return split(x, sizes, axis);
}

function tileOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Tensor {
  const x = floatIn(ctx, inputs, 0, 'input');
  const reps = intIn(ctx, inputs, 1, 'repeats').data;
  if (reps.length !== x.ndim || reps.some((r) => r < 0))
    throw new RangeError(`${ctx.label}: repeats ${fmt(reps)} must hold ${x.ndim} non-negative counts`);
  checkAllocation(
    ctx.label,
    x.shape.map((d, i) => d * reps[i]),
  );
  return x.repeat(reps);
}

/** The op table of this file. */
export const EXTRA_OPS: OpTable = {
  Erf: unary((x) => erf(x)),
  Gelu: unary((x, ctx) => {
    const approximate = ctx.attrs.string('approximate', 'none');
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new RangeError(`${ctx.label}: approximate '${approximate}' is not 'none' or 'tanh'`);
    return gelu(x, { approximate });
  }),
  Selu: unary(seluOp),
  Softplus: unary((x) => softplus(x)),
  Softsign: unary((x) => x.div(x.abs().add(1))),
  HardSigmoid: unary((x, ctx) => x.mul(ctx.attrs.float('alpha', 0.2)).add(ctx.attrs.float('beta', 0.5)).clamp(0, 1)),
  HardSwish: unary((x) => x.mul(x.div(6).add(0.5).clamp(0, 1))),
  PRelu: (ctx, inputs) => {
    const x = floatIn(ctx, inputs, 0, 'X'),
      slope = floatIn(ctx, inputs, 1, 'slope');
    return [x.relu().sub(x.neg().relu().mul(slope))];
  },
  LayerNormalization: (ctx, inputs, outputs) => [layerNormalization(ctx, inputs, outputs)],
  InstanceNormalization: (ctx, inputs) => [instanceNormalization(ctx, inputs)],
  Greater: comparison(
    (a, b) => a > b,
    (a, b) => a.gt(b),
  ),
  GreaterOrEqual: comparison(
    (a, b) => a >= b,
    (a, b) => a.ge(b),
  ),
  Less: comparison(
    (a, b) => a < b,
    (a, b) => a.lt(b),
  ),
  LessOrEqual: comparison(
    (a, b) => a <= b,
    (a, b) => a.le(b),
  ),
  Equal: comparison(
    (a, b) => a === b,
    (a, b) => a.eq(b),
  ),
  Where: (ctx, inputs) => [
    where(floatIn(ctx, inputs, 0, 'condition'), floatIn(ctx, inputs, 1, 'X'), floatIn(ctx, inputs, 2, 'Y')),
  ],
  Split: splitOp,
  Tile: (ctx, inputs) => [tileOp(ctx, inputs)],
  Max: variadic('max'),
  Min: variadic('min'),
  Sum: variadic('sum'),
  Mean: variadic('mean'),
};
