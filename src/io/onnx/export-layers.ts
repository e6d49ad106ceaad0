/**
 * ONNX exporters of convkit's nn layers and containers, keyed by class name (io may not import
 * nn; exportOnnx checks that a module using an entry runs that class's own forward). Each entry
 * reads the layer's public properties and emits eval-mode ONNX nodes: dropout is the identity,
 * batch norm uses the running statistics. Parameters are initializers named by their state-dict
 * keys. test/io/onnx-export.slow.test.ts runs every layer class of nn through onnxruntime.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { attrFloat, attrInt, attrInts, attrString } from './attributes.js';
import {
  OnnxExportError,
  type ExportableModule,
  type OnnxExportContext,
  type OnnxExporter,
  type OnnxValue,
} from './export-graph.js';
import { batched, get, num, one, prop, tensor, tensorOrNull, tuple, type Props } from './export-props.js';
import { adaptive, avgPool, channelMaxPool, globalAvgPool, lpPool, maxPool } from './export-pool.js';

// ---- convolutions ----

/** Pads spatial axes by `before`/`after` with a PyTorch padding mode (before the conv). */
function padSpatial(ctx: OnnxExportContext, x: OnnxValue, before: number[], after: number[], mode: string): string {
  if (mode === 'reflect' || mode === 'replicate') {
    const pads = [0, 0, ...before, 0, 0, ...after];
    return ctx.pad(x.name, pads, mode === 'reflect' ? 'reflect' : 'edge');
  }
  if (mode !== 'circular') throw new OnnxExportError(`paddingMode '${mode}' has no ONNX equivalent`);
  // circular: concat(x[..., n-b:], x, x[..., :a]) along each spatial axis
  let name = x.name;
  before.forEach((b, i) => {
    const axis = 2 + i,
      n = x.shape[axis],
      a = after[i];
    const parts: string[] = [];
    if (b > 0) parts.push(ctx.slice(name, [n - b], [n], [axis]));
    parts.push(name);
    if (a > 0) parts.push(ctx.slice(name, [0], [a], [axis]));
    if (parts.length > 1) name = ctx.op('Concat', parts, [attrInt('axis', axis)]);
  });
  return name;
}

function conv(dims: number): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    batched(x, dims, `Conv${dims}d`);
    const w = tensor(m, 'weight'),
      b = tensorOrNull(m, 'bias');
    const o = get(m, 'options') as Props;
    const k = w.shape.slice(2);
    const stride = tuple(o.stride, dims, 1, 'stride');
    const dil = tuple(o.dilation, dims, 1, 'dilation');
    let before: number[], after: number[];
    if (typeof o.padding === 'string') {
      const total = k.map((kk, i) => dil[i] * (kk - 1));
      if (o.padding === 'valid') before = after = total.map(() => 0);
      else if (o.padding === 'full') before = after = total;
      else if (o.padding === 'same') {
        before = total.map((t) => Math.floor(t / 2));
        after = total.map((t, i) => t - before[i]);
      } else throw new OnnxExportError(`padding '${o.padding}' is not known`);
    } else before = after = tuple(o.padding, dims, 0, 'padding');
    const mode = (o.paddingMode as string | undefined) ?? 'zeros';
    let xin = x.name;
    if (mode !== 'zeros' && [...before, ...after].some((p) => p > 0)) {
      xin = padSpatial(ctx, x, before, after, mode);
      before = after = before.map(() => 0);
    }
    const ins = [xin, ctx.param(w)];
    if (b) ins.push(ctx.param(b));
    return ctx.op('Conv', ins, [
      attrInts('kernel_shape', k),
      attrInts('strides', stride),
      attrInts('pads', [...before, ...after]),
      attrInts('dilations', dil),
      attrInt('group', num(m, 'groups')),
    ]);
  };
}

function convTranspose(dims: number): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    batched(x, dims, `ConvTranspose${dims}d`);
    const w = tensor(m, 'weight'),
      b = tensorOrNull(m, 'bias');
    const o = get(m, 'options') as Props;
    const pad = tuple(o.padding, dims, 0, 'padding');
    const ins = [x.name, ctx.param(w)];
    if (b) ins.push(ctx.param(b));
    return ctx.op('ConvTranspose', ins, [
      attrInts('kernel_shape', w.shape.slice(2)),
      attrInts('strides', tuple(o.stride, dims, 1, 'stride')),
      attrInts('pads', [...pad, ...pad]),
      attrInts('output_padding', tuple(o.outputPadding, dims, 0, 'outputPadding')),
      attrInts('dilations', tuple(o.dilation, dims, 1, 'dilation')),
      attrInt('group', num(m, 'groups')),
    ]);
  };
}

const linear: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const w = tensor(m, 'weight'),
    b = tensorOrNull(m, 'bias');
  if (x.shape.length === 2) {
    const ins = [x.name, ctx.param(w)];
    if (b) ins.push(ctx.param(b));
    return ctx.op('Gemm', ins, [attrInt('transB', 1)]);
  }
  const y = ctx.op('MatMul', [x.name, ctx.op('Transpose', [ctx.param(w)], [attrInts('perm', [1, 0])])]);
  return b ? ctx.op('Add', [y, ctx.param(b)]) : y;
};

/** LocallyConnected2d as im2col by Gather (a constant index table) and one batched MatMul. */
const locallyConnected: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  batched(x, 2, 'LocallyConnected2d');
  const win = prop(m, 'window') as { stride: number[]; padding: number[]; dilation: number[] } | undefined;
  if (!win) throw new OnnxExportError('the layer does not expose its window geometry (stride, padding, dilation)');
  const w = tensor(m, 'weight'),
    b = tensorOrNull(m, 'bias');
  const [outH, outW, o, c, kH, kW] = w.shape;
  const [, , h, wd] = x.shape;
  const L = outH * outW,
    ckk = c * kH * kW,
    chw = c * h * wd;
  const src: number[] = [];
  for (let oh = 0; oh < outH; oh++)
    for (let ow = 0; ow < outW; ow++)
      for (let ci = 0; ci < c; ci++)
        for (let ki = 0; ki < kH; ki++) {
          const ih = oh * win.stride[0] - win.padding[0] + ki * win.dilation[0];
          for (let kj = 0; kj < kW; kj++) {
            const iw = ow * win.stride[1] - win.padding[1] + kj * win.dilation[1];
            src.push(ih < 0 || ih >= h || iw < 0 || iw >= wd ? chw : (ci * h + ih) * wd + iw);
          }
        }
  const flat = ctx.pad(ctx.reshape(x.name, [0, chw]), [0, 0, 0, 1]); // (N, CHW + 1), last column zero
  const cols = ctx.op('Gather', [flat, ctx.ints('im2col', src, [L, ckk])], [attrInt('axis', 1)]); // (N, L, ckk)
  const colsL = ctx.op('Transpose', [cols], [attrInts('perm', [1, 0, 2])]); // (L, N, ckk)
  const wt = ctx.op('Transpose', [ctx.reshape(ctx.param(w), [L, o, ckk])], [attrInts('perm', [0, 2, 1])]); // (L, ckk, O)
  const y = ctx.op('Transpose', [ctx.op('MatMul', [colsL, wt])], [attrInts('perm', [1, 2, 0])]); // (N, O, L)
  const y4 = ctx.reshape(y, [0, o, outH, outW]);
  return b ? ctx.op('Add', [y4, ctx.param(b)]) : y4;
};

// ---- activations ----

const unary =
  (opType: string): OnnxExporter =>
  (ctx, _m, inputs) =>
    ctx.op(opType, [one(inputs).name]);

const passThrough: OnnxExporter = (_ctx, _m, inputs) => one(inputs);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const gelu: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs).name;
  const approximate = prop(m, 'approximate') === 'tanh' ? 'tanh' : 'none';
  if (ctx.opset >= 20) return ctx.op('Gelu', [x], [attrString('approximate', approximate)]);
  let inner: string;
  if (approximate === 'none') {
    inner = ctx.op('Erf', [ctx.op('Mul', [x, ctx.scalar(Math.SQRT1_2)])]);
  } else {
    const cube = ctx.op('Mul', [ctx.op('Mul', [x, x]), x]);
    const poly = ctx.op('Add', [x, ctx.op('Mul', [cube, ctx.scalar(0.044715)])]);
    inner = ctx.op('Tanh', [ctx.op('Mul', [poly, ctx.scalar(Math.sqrt(2 / Math.PI))])]);
  }
  const half = ctx.op('Mul', [x, ctx.scalar(0.5)]);
  return ctx.op('Mul', [half, ctx.op('Add', [inner, ctx.scalar(1)])]);
};

const softplus: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs).name;
  const beta = num(m, 'beta'),
    threshold = num(m, 'threshold');
  const bx = beta === 1 ? x : ctx.op('Mul', [x, ctx.scalar(beta)]);
  const sp = beta === 1 ? ctx.op('Softplus', [bx]) : ctx.op('Div', [ctx.op('Softplus', [bx]), ctx.scalar(beta)]);
  // PyTorch: linear where beta * x > threshold
  return ctx.op('Where', [ctx.op('Greater', [bx, ctx.scalar(threshold)]), x, sp]);
};

const clip =
  (lo: (m: unknown) => number, hi: (m: unknown) => number): OnnxExporter =>
  (ctx, m, inputs) =>
    ctx.op('Clip', [one(inputs).name, ctx.scalar(lo(m)), ctx.scalar(hi(m))]);

const softmaxLike =
  (opType: 'Softmax' | 'LogSoftmax', negate = false): OnnxExporter =>
  (ctx, m, inputs) => {
    const x = one(inputs).name;
    return ctx.op(opType, [negate ? ctx.op('Neg', [x]) : x], [attrInt('axis', num(m, 'dim'))]);
  };

// ---- normalisation ----

/** A per-channel vector (weight or its default) shaped to broadcast over (N, C, ...spatial). */
function channelVector(ctx: OnnxExportContext, t: Tensor | null, fill: number, c: number, rank: number): string {
  const v = t ? ctx.param(t) : ctx.floats(fill === 1 ? 'ones' : 'zeros', new Array<number>(c).fill(fill));
  return rank <= 2 ? v : ctx.reshape(v, [c, ...new Array<number>(rank - 2).fill(1)]);
}

const batchNorm: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const c = num(m, 'numFeatures'),
    eps = num(m, 'eps');
  const w = tensorOrNull(m, 'weight'),
    b = tensorOrNull(m, 'bias');
  const mean = tensorOrNull(m, 'running_mean'),
    variance = tensorOrNull(m, 'running_var');
  if (mean && variance) {
    const scale = w ? ctx.param(w) : ctx.floats('ones', new Array<number>(c).fill(1));
    const shift = b ? ctx.param(b) : ctx.floats('zeros', new Array<number>(c).fill(0));
    return ctx.op(
      'BatchNormalization',
      [x.name, scale, shift, ctx.param(mean), ctx.param(variance)],
      [attrFloat('epsilon', eps)],
    );
  }
  // no running statistics: eval mode normalises with the batch's own statistics
  const r = x.shape.length;
  const axes = [0, ...x.shape.slice(2).map((_, i) => 2 + i)];
  const mu = ctx.reduce('ReduceMean', x.name, axes, true);
  const d = ctx.op('Sub', [x.name, mu]);
  const v = ctx.reduce('ReduceMean', ctx.op('Mul', [d, d]), axes, true);
  const norm = ctx.op('Div', [d, ctx.op('Sqrt', [ctx.op('Add', [v, ctx.scalar(eps)])])]);
  if (!w && !b) return norm;
  return ctx.op('Add', [ctx.op('Mul', [norm, channelVector(ctx, w, 1, c, r)]), channelVector(ctx, b, 0, c, r)]);
};

const layerNorm: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const ns = get(m, 'normalizedShape') as readonly number[];
  const eps = num(m, 'eps');
  const w = tensorOrNull(m, 'weight'),
    b = tensorOrNull(m, 'bias');
  const size = ns.reduce((a, v) => a * v, 1);
  if (ctx.opset >= 17) {
    const ins = [x.name, w ? ctx.param(w) : ctx.floats('ones', new Array<number>(size).fill(1), ns)];
    if (b) ins.push(ctx.param(b));
    return ctx.op('LayerNormalization', ins, [attrInt('axis', -ns.length), attrFloat('epsilon', eps)]);
  }
  const r = x.shape.length;
  const axes = ns.map((_, i) => r - ns.length + i);
  const mu = ctx.reduce('ReduceMean', x.name, axes, true);
  const d = ctx.op('Sub', [x.name, mu]);
  const v = ctx.reduce('ReduceMean', ctx.op('Mul', [d, d]), axes, true);
  let y = ctx.op('Div', [d, ctx.op('Sqrt', [ctx.op('Add', [v, ctx.scalar(eps)])])]);
  if (w) y = ctx.op('Mul', [y, ctx.param(w)]);
  if (b) y = ctx.op('Add', [y, ctx.param(b)]);
  return y;
};

/**
 * LocalResponseNorm: ONNX LRN for odd sizes on 4-D input (same window as PyTorch); otherwise
 * PyTorch's own composite (window sums of x^2 over the zero-padded channel axis).
 */
const lrn: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const size = num(m, 'size'),
    alpha = num(m, 'alpha'),
    beta = num(m, 'beta'),
    k = num(m, 'k');
  if (x.shape.length < 3) throw new OnnxExportError(`input ${fmt(x.shape)} must be (N, C, ...)`);
  if (size % 2 === 1 && x.shape.length === 4)
    return ctx.op(
      'LRN',
      [x.name],
      [attrInt('size', size), attrFloat('alpha', alpha), attrFloat('beta', beta), attrFloat('bias', k)],
    );
  const [, c, ...spatial] = x.shape;
  const inner = spatial.reduce((a, v) => a * v, 1);
  const lo = Math.floor(size / 2),
    hi = Math.floor((size - 1) / 2);
  const x4 = ctx.reshape(x.name, [0, 1, c, inner]);
  const sq = ctx.pad(ctx.op('Mul', [x4, x4]), [0, 0, lo, 0, 0, 0, hi, 0]);
  const avg = ctx.op('AveragePool', [sq], [attrInts('kernel_shape', [size, 1]), attrInts('strides', [1, 1])]);
  const den = ctx.op('Add', [ctx.op('Mul', [avg, ctx.scalar(alpha)]), ctx.scalar(k)]);
  const y = ctx.op('Mul', [x4, ctx.op('Pow', [den, ctx.scalar(-beta)])]);
  return ctx.reshape(y, [0, ...x.shape.slice(1)]);
};

// ---- shape layers ----

const flatten: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const r = x.shape.length;
  const norm = (a: number): number => (a < 0 ? a + r : a);
  const s = norm(num(m, 'startDim')),
    e = norm(num(m, 'endDim'));
  if (s === 1 && e === r - 1) return ctx.op('Flatten', [x.name], [attrInt('axis', 1)]);
  if (s === e) return ctx.op('Identity', [x.name]);
  const merged = x.shape.slice(s, e + 1).reduce((a, v) => a * v, 1);
  // axis 0 (the batch) is copied with 0 unless it is merged, which makes the file batch-specific
  const target = [
    ...x.shape.slice(0, s).map((d, i) => (i === 0 ? 0 : d)),
    s === 0 ? -1 : merged,
    ...x.shape.slice(e + 1),
  ];
  return ctx.reshape(x.name, target);
};

const unflatten: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const r = x.shape.length;
  const dimRaw = num(m, 'dim');
  const d = dimRaw < 0 ? dimRaw + r : dimRaw;
  const sizes = get(m, 'sizes') as readonly number[];
  if (d === 0) return ctx.reshape(x.name, [...sizes, ...x.shape.slice(1)]);
  return ctx.reshape(x.name, [0, ...x.shape.slice(1, d), ...sizes, ...x.shape.slice(d + 1)]);
};

// ---- containers ----

/** Children in registration order (the order Sequential and Concat run them). */
export function childList(m: ExportableModule): ExportableModule[] {
  return [...m.namedChildren()].map(([, c]) => c);
}

const sequential: OnnxExporter = (ctx, m, inputs) => {
  let y = one(inputs);
  for (const c of childList(m)) y = ctx.run(c, [y]);
  return y;
};

const residual: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const kids = new Map(m.namedChildren());
  const body = kids.get('body'),
    shortcut = kids.get('shortcut'),
    act = kids.get('activation');
  if (!body) throw new OnnxExportError('Residual without a body');
  const y = ctx.binary('Add', ctx.run(body, [x]), shortcut ? ctx.run(shortcut, [x]) : x);
  return act ? ctx.run(act, [y]) : y;
};

const concatContainer: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const outs = childList(m).map((c) => ctx.run(c, [x]));
  return outs.length === 1 ? outs[0] : ctx.concat(outs, num(m, 'dim'));
};

const moduleList: OnnxExporter = () => {
  throw new OnnxExportError('a ModuleList has no forward; export the module that calls its elements');
};

/** Exporters of nn's layers and containers by the class's declared static typeName. */
export const LAYER_EXPORTERS: Readonly<Record<string, OnnxExporter>> = {
  Linear: linear,
  Conv1d: conv(1),
  Conv2d: conv(2),
  ConvTranspose1d: convTranspose(1),
  ConvTranspose2d: convTranspose(2),
  LocallyConnected2d: locallyConnected,
  MaxPool1d: maxPool(1),
  MaxPool2d: maxPool(2),
  AvgPool1d: avgPool(1),
  AvgPool2d: avgPool(2),
  LPPool1d: lpPool(1),
  LPPool2d: lpPool(2),
  AdaptiveAvgPool1d: adaptive(1, 'avg'),
  AdaptiveAvgPool2d: adaptive(2, 'avg'),
  AdaptiveMaxPool1d: adaptive(1, 'max'),
  AdaptiveMaxPool2d: adaptive(2, 'max'),
  GlobalAvgPool: globalAvgPool,
  ChannelMaxPool: channelMaxPool,
  Flatten: flatten,
  Unflatten: unflatten,
  Dropout: passThrough,
  Dropout1d: passThrough,
  Dropout2d: passThrough,
  BatchNorm1d: batchNorm,
  BatchNorm2d: batchNorm,
  LayerNorm: layerNorm,
  LocalResponseNorm: lrn,
  ReLU: unary('Relu'),
  LeakyReLU: (ctx, m, inputs) => ctx.op('LeakyRelu', [one(inputs).name], [attrFloat('alpha', num(m, 'negativeSlope'))]),
  ELU: (ctx, m, inputs) => ctx.op('Elu', [one(inputs).name], [attrFloat('alpha', num(m, 'alpha'))]),
  SELU: (ctx, _m, inputs) =>
    ctx.op('Selu', [one(inputs).name], [attrFloat('alpha', SELU_ALPHA), attrFloat('gamma', SELU_SCALE)]),
  GELU: gelu,
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  SiLU: (ctx, _m, inputs) => {
    const x = one(inputs).name;
    return ctx.op('Mul', [x, ctx.op('Sigmoid', [x])]);
  },
  Softmax: softmaxLike('Softmax'),
  LogSoftmax: softmaxLike('LogSoftmax'),
  Softmin: softmaxLike('Softmax', true),
  Softplus: softplus,
  Hardtanh: clip(
    (m) => num(m, 'minVal'),
    (m) => num(m, 'maxVal'),
  ),
  ReLU6: clip(
    () => 0,
    () => 6,
  ),
  Identity: passThrough,
  Sequential: sequential,
  Residual: residual,
  Concat: concatContainer,
  ModuleList: moduleList,
};
