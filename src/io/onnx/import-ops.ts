/**
 * The op table of ONNX import: elementwise arithmetic (broadcasting), activations, softmax
 * (opset < 13: coerced to 2-D at `axis`; 13+: one axis), shape and layout ops (Flatten,
 * Reshape, Transpose, Concat, Pad, Slice, Squeeze, Unsqueeze, Gather, Shape, Cast, Expand,
 * ConstantOfShape, Constant), reductions, Clip, Dropout and Identity, plus the layer ops of
 * import-ops-nn.ts and the further ops of import-ops-extra.ts and import-ops-resize.ts. Integer values (shape arithmetic) are computed exactly on IntTensors; float
 * values with convkit tensor ops, so gradients reach the imported parameters.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import { checkAllocation } from '../../tensor/limits.js';
import { concat, pad, type PadMode } from '../../tensor/ops/shape.js';
import { full } from '../../tensor/creation.js';
import { leakyRelu, elu } from '../../nn/functional/activation.js';
import { softmax, logSoftmax } from '../../nn/functional/softmax.js';
import { dropout } from '../../nn/functional/dropout.js';
import { TensorProto_DataType as DT } from './generated/onnx_pb.js';
import { dataTypeName } from './tensor-proto.js';
import {
  FLOAT_TYPES,
  INT_TYPES,
  IntTensor,
  broadcast,
  floatToInts,
  intBinary,
  intConcat,
  intGather,
  intTranspose,
  intsToFloat,
  protoToValue,
  type Value,
} from './import-values.js';
import {
  axisOf,
  floatIn,
  intIn,
  optInts,
  optScalar,
  type OpContext,
  type OpFn,
  type OpTable,
} from './import-op-context.js';
import { NN_OPS } from './import-ops-nn.js';
import { EXTRA_OPS } from './import-ops-extra.js';
import { RESIZE_OPS } from './import-ops-resize.js';

/** Most elements an integer (shape arithmetic) tensor may have. */
const MAX_INT_ELEMENTS = 1 << 24;
/** Casts of float data up to this size give plain integers (shape arithmetic); larger ones int32 tensors. */
const SMALL_INTS = 4096;

function checkIntShape(ctx: OpContext, shape: readonly number[]): void {
  checkAllocation(ctx.label, shape);
  if (sizeOf(shape) > MAX_INT_ELEMENTS)
    throw new RangeError(
      `${ctx.label}: integer tensor of shape ${fmt(shape)} exceeds ${MAX_INT_ELEMENTS} elements (integer data is for shapes and indices)`,
    );
}

function anyIn(ctx: OpContext, inputs: readonly (Value | undefined)[], i: number, what: string): Value {
  const v = inputs[i];
  if (v === undefined) throw new RangeError(`${ctx.label}: input ${i} (${what}) is required`);
  return v;
}

/** Elementwise binary: exact integer arithmetic on two integer inputs, else float tensor ops. */
function binary(intF: (a: number, b: number) => number, floatF: (a: Tensor, b: Tensor) => Tensor): OpFn {
  return (ctx, inputs) => {
    const a = anyIn(ctx, inputs, 0, 'A'),
      b = anyIn(ctx, inputs, 1, 'B');
    if (a instanceof IntTensor && b instanceof IntTensor) return [intBinary(ctx.label, a, b, intF)];
    const fa = floatIn(ctx, inputs, 0, 'A'),
      fb = floatIn(ctx, inputs, 1, 'B');
    broadcast(ctx.label, fa.shape, fb.shape);
    return [floatF(fa, fb)];
  };
}

/** A float-only unary op. */
const unary =
  (f: (x: Tensor, ctx: OpContext) => Tensor): OpFn =>
  (ctx, inputs) => [f(floatIn(ctx, inputs, 0, 'X'), ctx)];

/** Softmax-like ops: opset < 13 flattens to 2-D at `axis` (default 1); 13+ works on one axis (default -1). */
function softmaxLike(f: (x: Tensor, dim: number) => Tensor): OpFn {
  return (ctx, inputs) => {
    const x = floatIn(ctx, inputs, 0, 'input');
    if (ctx.opset >= 13) return [f(x, axisOf(ctx, ctx.attrs.int('axis', -1), x.ndim))];
    const axis = axisOf(ctx, ctx.attrs.int('axis', 1), Math.max(x.ndim, 1));
    const outer = sizeOf(x.shape.slice(0, axis));
    return [f(x.reshape([outer, sizeOf(x.shape.slice(axis))]), 1).reshape([...x.shape])];
  };
}

/** A new shape for Reshape: 0 copies the input dim (unless allowzero), -1 is inferred. */
function reshapeTarget(
  ctx: OpContext,
  inShape: readonly number[],
  spec: readonly number[],
  allowZero: boolean,
): number[] {
  const out = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= inShape.length)
        throw new RangeError(`${ctx.label}: shape ${fmt(spec)} copies dim ${i} that ${fmt(inShape)} lacks`);
      return inShape[i];
    }
    if (d < -1) throw new RangeError(`${ctx.label}: shape ${fmt(spec)} has a negative dim ${d}`);
    return d;
  });
  const total = sizeOf(inShape);
  const free = out.filter((d) => d === -1).length;
  if (free > 1) throw new RangeError(`${ctx.label}: shape ${fmt(spec)} has more than one -1`);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (free === 1) {
    if (known === 0 || total % known !== 0)
      throw new RangeError(`${ctx.label}: cannot reshape ${fmt(inShape)} (${total} values) to ${fmt(spec)}`);
    out[out.indexOf(-1)] = total / known;
  } else if (known !== total) {
    throw new RangeError(`${ctx.label}: cannot reshape ${fmt(inShape)} (${total} values) to ${fmt(spec)}`);
  }
  return out;
}

function reshapeValue(v: Value, shape: number[]): Value {
  return v instanceof IntTensor ? new IntTensor(v.data, shape) : v.reshape(shape);
}

function shapeOf(v: Value): readonly number[] {
  return v.shape;
}

/** Normalises a list of axes against `rank`, rejecting duplicates. */
function axesOf(ctx: OpContext, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => axisOf(ctx, a, rank, 'axes entry'));
  if (new Set(out).size !== out.length) throw new RangeError(`${ctx.label}: axes [${axes.join(', ')}] repeat an axis`);
  return out;
}

/** Axes from the attribute (before `inputFrom`) or from input 1 (from that opset on). */
function axesParam(ctx: OpContext, inputs: readonly (Value | undefined)[], inputFrom: number): number[] | undefined {
  if (ctx.opset >= inputFrom) return optInts(ctx, inputs, 1, 'axes');
  return ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : undefined;
}

function unsqueeze(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'data');
  const axes = axesParam(ctx, inputs, 13);
  if (!axes || axes.length === 0) throw new RangeError(`${ctx.label}: Unsqueeze needs axes`);
  const rank = x.shape.length + axes.length;
  const ax = new Set(axesOf(ctx, axes, rank));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(ax.has(i) ? 1 : x.shape[k++]);
  return [reshapeValue(x, shape)];
}

function squeeze(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'data');
  const axes = axesParam(ctx, inputs, 13);
  const rank = x.shape.length;
  const ax = axes && axes.length > 0 ? new Set(axesOf(ctx, axes, rank)) : null;
  const shape: number[] = [];
  x.shape.forEach((d, i) => {
    if (ax ? !ax.has(i) : d !== 1) shape.push(d);
    else if (d !== 1) throw new RangeError(`${ctx.label}: cannot squeeze axis ${i} of size ${d} in ${fmt(x.shape)}`);
  });
  return [reshapeValue(x, shape)];
}

function transposeOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  const perm = ctx.attrs.ints('perm', [...Array(rank).keys()].reverse());
  if (perm.length !== rank || new Set(axesOf(ctx, perm, rank)).size !== rank)
    throw new RangeError(`${ctx.label}: perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  const p = axesOf(ctx, perm, rank);
  return [x instanceof IntTensor ? intTranspose(x, p) : x.permute(p)];
}

function concatOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const xs = inputs.filter((v): v is Value => v !== undefined);
  if (xs.length === 0) throw new RangeError(`${ctx.label}: Concat needs at least one input`);
  const axis = axisOf(ctx, ctx.attrs.int('axis'), xs[0].shape.length);
  if (xs.every((v) => v instanceof IntTensor)) return [intConcat(ctx.label, xs as IntTensor[], axis)];
  return [
    concat(
      xs.map((_, i) => floatIn(ctx, xs, i, `input ${i}`)),
      axis,
    ),
  ];
}

function flattenOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'input');
  const rank = x.shape.length;
  const a = ctx.attrs.int('axis', 1);
  if (a < -rank || a > rank) throw new RangeError(`${ctx.label}: axis ${a} is out of range for ${rank} axes`);
  const axis = a < 0 ? a + rank : a;
  return [reshapeValue(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))])];
}

function reshapeOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'data');
  const spec = ctx.opset >= 5 ? intIn(ctx, inputs, 1, 'shape').data : ctx.attrs.ints('shape');
  const target = reshapeTarget(ctx, x.shape, spec, ctx.attrs.int('allowzero', 0) === 1);
  return [reshapeValue(x, target)];
}

const PAD_MODES: Record<string, PadMode> = {
  constant: 'constant',
  reflect: 'reflect',
  edge: 'replicate',
  wrap: 'circular',
};

function padOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = floatIn(ctx, inputs, 0, 'data');
  const modeName = ctx.attrs.string('mode', 'constant');
  const mode = PAD_MODES[modeName];
  if (!mode) throw new RangeError(`${ctx.label}: pad mode '${modeName}' is not one of constant, reflect, edge, wrap`);
  const rank = x.ndim;
  let pads: number[], value: number, axes: number[];
  if (ctx.opset >= 11) {
    pads = intIn(ctx, inputs, 1, 'pads').data;
    value = optScalar(ctx, inputs, 2, 'constant_value') ?? 0;
    const ax = optInts(ctx, inputs, 3, 'axes');
    axes = ax ? axesOf(ctx, ax, rank) : [...Array(rank).keys()];
  } else {
    pads = ctx.attrs.ints('pads');
    value = ctx.attrs.float('value', 0);
    axes = [...Array(rank).keys()];
  }
  if (pads.length !== 2 * axes.length)
    throw new RangeError(
      `${ctx.label}: pads [${pads.join(', ')}] must have ${2 * axes.length} entries for input ${fmt(x.shape)}`,
    );
  const begin = new Array<number>(rank).fill(0),
    end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i];
    end[a] = pads[i + axes.length];
  });
  const outShape = x.shape.map((d, i) => d + begin[i] + end[i]);
  if (outShape.some((d) => d < 0))
    throw new RangeError(`${ctx.label}: pads [${pads.join(', ')}] remove more than ${fmt(x.shape)} has`);
  checkAllocation(ctx.label, outShape);
  const tp: number[] = [];
  for (let a = rank - 1; a >= 0; a--) tp.push(begin[a], end[a]);
  while (tp.length > 0 && tp[tp.length - 1] === 0 && tp[tp.length - 2] === 0) tp.length -= 2;
  if (tp.length === 0) return [x];
  return [pad(x, tp, mode === 'constant' ? { value } : { mode })];
}

function sliceOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset >= 10) {
    starts = intIn(ctx, inputs, 1, 'starts').data;
    ends = intIn(ctx, inputs, 2, 'ends').data;
    axes = optInts(ctx, inputs, 3, 'axes');
    steps = optInts(ctx, inputs, 4, 'steps');
  } else {
    starts = ctx.attrs.ints('starts');
    ends = ctx.attrs.ints('ends');
    axes = ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : undefined;
  }
  const ax = axes ? axesOf(ctx, axes, rank) : starts.map((_, i) => i);
  if (ends.length !== starts.length || ax.length !== starts.length || (steps && steps.length !== starts.length))
    throw new RangeError(`${ctx.label}: starts, ends, axes and steps must have the same length`);
  let v = x;
  ax.forEach((a, i) => {
    const n = v.shape[a];
    const step = steps ? steps[i] : 1;
    if (step === 0) throw new RangeError(`${ctx.label}: a Slice step cannot be 0`);
    const norm = (s: number): number => (s < 0 ? s + n : s);
    let s = norm(starts[i]),
      e = norm(ends[i]);
    if (step > 0) {
      s = Math.min(Math.max(s, 0), n);
      e = Math.min(Math.max(e, 0), n);
    } else {
      s = Math.min(Math.max(s, 0), n - 1);
      e = Math.min(Math.max(e, -1), n - 1);
    }
    const idx: number[] = [];
    for (let k = s; step > 0 ? k < e : k > e; k += step) idx.push(k);
    if (v instanceof IntTensor) v = intGather(ctx.label, v, a, new IntTensor(idx, [idx.length]));
    else if (step > 0) v = v.slice(a, s, Math.max(e, s), step);
    else v = v.indexSelect(a, idx);
  });
  return [v];
}

function gatherOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'data');
  const idx = intIn(ctx, inputs, 1, 'indices');
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.shape.length);
  if (x instanceof IntTensor) return [intGather(ctx.label, x, axis, idx)];
  const n = x.shape[axis];
  for (const i of idx.data)
    if (i < -n || i >= n)
      throw new RangeError(`${ctx.label}: index ${i} is out of range for axis ${axis} of size ${n}`);
  const picked = x.indexSelect(axis, idx.data);
  return [picked.reshape([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)])];
}

function shapeOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const s = shapeOf(anyIn(ctx, inputs, 0, 'data'));
  const r = s.length;
  const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(ctx.attrs.int('start', 0));
  const end = ctx.attrs.has('end') ? clampAxis(ctx.attrs.int('end')) : r;
  const dims = s.slice(start, Math.max(start, end));
  return [new IntTensor(dims, [dims.length])];
}

function castOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'input');
  const to = ctx.attrs.int('to');
  if (FLOAT_TYPES.has(to)) return [x instanceof IntTensor ? intsToFloat(x) : x.dtype === 'float32' ? x : x.float()];
  if (!INT_TYPES.has(to)) throw new TypeError(`${ctx.label}: Cast to ${dataTypeName(to)} is not supported`);
  if (x instanceof Tensor && x.size > SMALL_INTS) {
    // data-sized integers (a mask): an int32 tensor, not plain numbers (those are for shapes)
    return [to === DT.BOOL ? x.ne(0).int() : x.int()];
  }
  const ints = x instanceof IntTensor ? x : floatToInts(x);
  return [
    to === DT.BOOL
      ? new IntTensor(
          ints.data.map((v) => (v !== 0 ? 1 : 0)),
          ints.shape,
        )
      : ints,
  ];
}

function constantOp(ctx: OpContext): Value[] {
  const a = ctx.attrs;
  if (a.has('value')) return [protoToValue(a.tensor('value'), `${ctx.label} value`)];
  if (a.has('value_float')) return [new Tensor(Float32Array.of(a.float('value_float')), [])];
  if (a.has('value_floats')) {
    const f = a.floats('value_floats');
    return [new Tensor(Float32Array.from(f), [f.length])];
  }
  if (a.has('value_int')) return [new IntTensor([a.int('value_int')], [])];
  if (a.has('value_ints')) {
    const v = a.ints('value_ints');
    return [new IntTensor(v, [v.length])];
  }
  throw new RangeError(
    `${ctx.label}: Constant needs one of value, value_float(s), value_int(s) (sparse and string constants are not supported)`,
  );
}

function constantOfShape(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const shape = intIn(ctx, inputs, 0, 'input').data;
  if (shape.some((d) => d < 0)) throw new RangeError(`${ctx.label}: shape ${fmt(shape)} has a negative dim`);
  const v = ctx.attrs.has('value') ? protoToValue(ctx.attrs.tensor('value'), `${ctx.label} value`) : null;
  if (v && v.shape.length > 0 && sizeOf(v.shape) !== 1)
    throw new RangeError(`${ctx.label}: value must hold one element`);
  if (v instanceof IntTensor) {
    checkIntShape(ctx, shape);
    return [new IntTensor(new Array<number>(sizeOf(shape)).fill(v.data[0]), shape)];
  }
  checkAllocation(ctx.label, shape);
  return [full(shape, v ? v.data[0] : 0)];
}

function expandOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = anyIn(ctx, inputs, 0, 'input');
  const spec = intIn(ctx, inputs, 1, 'shape').data;
  const target = broadcast(ctx.label, x.shape, spec);
  if (x instanceof IntTensor) {
    checkIntShape(ctx, target);
    return [intBinary(ctx.label, x, new IntTensor(new Array<number>(sizeOf(target)).fill(0), target), (a) => a)];
  }
  checkAllocation(ctx.label, target);
  return [x.expand(target)];
}

function reduceOp(kind: 'mean' | 'sum' | 'max' | 'min', inputFrom: number): OpFn {
  return (ctx, inputs) => {
    const x = floatIn(ctx, inputs, 0, 'data');
    const axes = axesParam(ctx, inputs, inputFrom);
    const keepDim = ctx.attrs.int('keepdims', 1) === 1;
    if ((!axes || axes.length === 0) && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return [x];
    const dims = axes && axes.length > 0 ? axesOf(ctx, axes, x.ndim) : [...Array(x.ndim).keys()];
    const o = { keepDim };
    if (kind === 'mean') return [x.mean(dims, o)];
    if (kind === 'sum') return [x.sum(dims, o)];
    return [kind === 'max' ? x.amax(dims, o) : x.amin(dims, o)];
  };
}

function clipOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Value[] {
  const x = floatIn(ctx, inputs, 0, 'input');
  let lo: number | undefined, hi: number | undefined;
  if (ctx.opset >= 11) {
    lo = optScalar(ctx, inputs, 1, 'min');
    hi = optScalar(ctx, inputs, 2, 'max');
  } else {
    lo = ctx.attrs.has('min') ? ctx.attrs.float('min') : undefined;
    hi = ctx.attrs.has('max') ? ctx.attrs.float('max') : undefined;
  }
  return [x.clamp(lo ?? null, hi ?? null)];
}

function dropoutOp(ctx: OpContext, inputs: readonly (Value | undefined)[], outputs: number): Value[] {
  if (outputs > 1) throw new RangeError(`${ctx.label}: Dropout's mask output is not supported`);
  const x = floatIn(ctx, inputs, 0, 'data');
  const p = ctx.opset >= 12 ? (optScalar(ctx, inputs, 1, 'ratio') ?? 0.5) : ctx.attrs.float('ratio', 0.5);
  if (!(p >= 0 && p < 1)) throw new RangeError(`${ctx.label}: ratio ${p} must be in [0, 1)`);
  // active while the module trains (module.train()), as torch.nn.Dropout
  return [ctx.training && p > 0 ? dropout(x, { p, training: true }) : x];
}

const intDiv = (a: number, b: number): number => {
  if (b === 0) throw new RangeError('Div: integer division by zero');
  return Math.trunc(a / b);
};

/** Every supported op type of the default ONNX domain. */
export const OPS: OpTable = {
  Add: binary(
    (a, b) => a + b,
    (a, b) => a.add(b),
  ),
  Sub: binary(
    (a, b) => a - b,
    (a, b) => a.sub(b),
  ),
  Mul: binary(
    (a, b) => a * b,
    (a, b) => a.mul(b),
  ),
  Div: binary(intDiv, (a, b) => a.div(b)),
  Pow: (ctx, inputs) => [floatIn(ctx, inputs, 0, 'X').pow(floatIn(ctx, inputs, 1, 'Y'))],
  MatMul: (ctx, inputs) => [floatIn(ctx, inputs, 0, 'A').matmul(floatIn(ctx, inputs, 1, 'B'))],
  Relu: unary((x) => x.relu()),
  LeakyRelu: unary((x, ctx) => leakyRelu(x, ctx.attrs.float('alpha', 0.01))),
  Elu: unary((x, ctx) => elu(x, ctx.attrs.float('alpha', 1))),
  Sigmoid: unary((x) => x.sigmoid()),
  Tanh: unary((x) => x.tanh()),
  Exp: unary((x) => x.exp()),
  Log: unary((x) => x.log()),
  Sqrt: unary((x) => x.sqrt()),
  Neg: unary((x) => x.neg()),
  Abs: unary((x) => x.abs()),
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
  Clip: clipOp,
  Dropout: dropoutOp,
  Identity: (ctx, inputs) => [anyIn(ctx, inputs, 0, 'input')],
  Constant: (ctx) => constantOp(ctx),
  ConstantOfShape: constantOfShape,
  Shape: shapeOp,
  Gather: gatherOp,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Concat: concatOp,
  Flatten: flattenOp,
  Reshape: reshapeOp,
  Transpose: transposeOp,
  Pad: padOp,
  Slice: sliceOp,
  Cast: castOp,
  Expand: expandOp,
  ReduceMean: reduceOp('mean', 18),
  ReduceSum: reduceOp('sum', 13),
  ReduceMax: reduceOp('max', 18),
  ReduceMin: reduceOp('min', 18),
  ...NN_OPS,
  ...EXTRA_OPS,
  ...RESIZE_OPS,
};

/** Input positions that hold settings (shapes, axes, bounds), not data a gradient should reach. */
export const SETTING_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Reshape: [1],
  Pad: [1, 2, 3],
  Clip: [1, 2],
  Slice: [1, 2, 3, 4],
  Dropout: [1, 2],
  Unsqueeze: [1],
  Squeeze: [1],
  ReduceMean: [1],
  ReduceSum: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ConstantOfShape: [0],
  Gather: [1],
  Expand: [1],
  Resize: [1, 2, 3],
  Split: [1],
  Tile: [1],
  Upsample: [1],
};

/** Input positions that are running statistics (imported as buffers, as PyTorch's BatchNorm). */
export const STATISTIC_INPUTS: Readonly<Record<string, readonly number[]>> = {
  BatchNormalization: [3, 4],
};
