/**
 * ONNX exporters of nn's pooling layers. PyTorch's ceil mode drops a last window that starts in
 * the right padding, which onnxruntime's ceil_mode keeps, so windows are reproduced with explicit
 * end padding instead (exact for max; for averages with count_include_pad=0 over an explicitly
 * zero-padded input, which divides as PyTorch does). Adaptive pools become global pools,
 * fixed-window pools when the size divides, or per-window reductions otherwise.
 */
import { fmt } from '../../tensor/shape.js';
import { attrInt, attrInts } from './attributes.js';
import { OnnxExportError, type OnnxExportContext, type OnnxExporter, type OnnxValue } from './export-graph.js';
import { batched, get, num, one, prop, tuple, type Props } from './export-props.js';

interface Window {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

function windowOf(m: unknown, dims: number): Window {
  const o = (prop(m, 'options') ?? {}) as Props;
  const kernel = tuple(get(m, 'kernelSize'), dims, 1, 'kernelSize');
  return {
    kernel,
    stride: tuple(o.stride, dims, kernel, 'stride'),
    padding: tuple(o.padding, dims, 0, 'padding'),
    dilation: tuple(o.dilation, dims, 1, 'dilation'),
    ceilMode: o.ceilMode === true,
  };
}

/**
 * ONNX pads for a PyTorch window without ceil_mode: the output size PyTorch gives (ceil mode
 * included: the last window must start inside the input or the left padding) reached by extra
 * end padding (`extra`), since onnxruntime's ceil_mode keeps windows that start in the right
 * padding. `overhang` when some window reaches past the declared padding.
 */
function windowPads(spatial: readonly number[], w: Window): { pads: number[]; extra: number[]; overhang: boolean } {
  const extra = spatial.map((n, i) => {
    const k = w.dilation[i] * (w.kernel[i] - 1) + 1,
      s = w.stride[i],
      p = w.padding[i];
    let out = Math.floor((n + 2 * p - k + (w.ceilMode ? s - 1 : 0)) / s) + 1;
    if (w.ceilMode && (out - 1) * s >= n + p) out--;
    return Math.max(0, (out - 1) * s + k - (n + 2 * p));
  });
  return {
    pads: [...w.padding, ...w.padding.map((p, i) => p + extra[i])],
    extra,
    overhang: extra.some((e) => e > 0),
  };
}

export function maxPool(dims: number): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    batched(x, dims, `MaxPool${dims}d`);
    const w = windowOf(m, dims);
    // max ignores padding, so extra end padding reproduces ceil mode exactly
    return ctx.op(
      'MaxPool',
      [x.name],
      [
        attrInts('kernel_shape', w.kernel),
        attrInts('strides', w.stride),
        attrInts('pads', windowPads(x.shape.slice(2), w).pads),
        attrInts('dilations', w.dilation),
      ],
    );
  };
}

/**
 * A PyTorch average pool as ONNX AveragePool: with ceil-mode windows past the padding, PyTorch
 * divides by the cells inside the padded input, which is count_include_pad=0 over an input
 * zero-padded explicitly. `sum` gives the window sums instead (for divisorOverride).
 */
function averagePool(ctx: OnnxExportContext, x: OnnxValue, w: Window, countIncludePad: boolean, sum = false): string {
  const dims = w.kernel.length;
  const area = w.kernel.reduce((a, b) => a * b, 1);
  const { pads, extra, overhang } = windowPads(x.shape.slice(2), w);
  const attrs = (p: number[], include: boolean) => [
    attrInts('kernel_shape', w.kernel),
    attrInts('strides', w.stride),
    attrInts('pads', p),
    attrInt('count_include_pad', include ? 1 : 0),
  ];
  let y: string;
  if (!overhang && (countIncludePad || sum)) y = ctx.op('AveragePool', [x.name], attrs(pads, true));
  else if (!overhang || !w.padding.some((p) => p > 0) || !(countIncludePad || sum))
    y = ctx.op('AveragePool', [x.name], attrs(pads, sum));
  else {
    const zero = new Array<number>(2).fill(0);
    const padded = ctx.pad(x.name, [...zero, ...w.padding, ...zero, ...w.padding]);
    y = ctx.op('AveragePool', [padded], attrs([...new Array<number>(dims).fill(0), ...extra], sum));
  }
  return sum ? ctx.op('Mul', [y, ctx.scalar(area)]) : y;
}

export function avgPool(dims: number): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    batched(x, dims, `AvgPool${dims}d`);
    const w = windowOf(m, dims);
    const o = (prop(m, 'options') ?? {}) as Props;
    const div = o.divisorOverride;
    if (div === undefined || div === null) return averagePool(ctx, x, w, o.countIncludePad !== false);
    if (typeof div !== 'number' || div === 0)
      throw new OnnxExportError(`divisorOverride ${String(div)} is not a non-zero number`);
    return ctx.op('Div', [averagePool(ctx, x, w, true, true), ctx.scalar(div)]);
  };
}

/** PyTorch's lp_pool: (sum over the window of x^p)^(1/p), as avg_pool(x^p) * area. */
export function lpPool(dims: number): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    batched(x, dims, `LPPool${dims}d`);
    const p = num(m, 'normType');
    const w = windowOf(m, dims);
    const area = w.kernel.reduce((a, b) => a * b, 1);
    // no padding: PyTorch's avg_pool divides by the cells inside the input (count_include_pad=0)
    const powered = { name: ctx.op('Pow', [x.name, ctx.scalar(p)]), shape: x.shape };
    const pooled = averagePool(ctx, powered, w, false);
    return ctx.op('Pow', [ctx.op('Mul', [pooled, ctx.scalar(area)]), ctx.scalar(1 / p)]);
  };
}

/** Adaptive pooling along one axis: GlobalPool-like reductions when every window is equal, else per-window slices. */
function adaptiveAxis(
  ctx: OnnxExportContext,
  x: string,
  axis: number,
  inSize: number,
  outSize: number,
  reduce: 'ReduceMean' | 'ReduceMax',
): string {
  if (outSize === inSize) return x;
  const parts: string[] = [];
  for (let i = 0; i < outSize; i++) {
    const s = Math.floor((i * inSize) / outSize),
      e = Math.ceil(((i + 1) * inSize) / outSize);
    parts.push(ctx.reduce(reduce, ctx.slice(x, [s], [e], [axis]), [axis], true));
  }
  return parts.length === 1 ? parts[0] : ctx.op('Concat', parts, [attrInt('axis', axis)]);
}

export function adaptive(dims: number, kind: 'avg' | 'max'): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    batched(x, dims, `Adaptive${kind === 'avg' ? 'Avg' : 'Max'}Pool${dims}d`);
    const raw = get(m, 'outputSize');
    const spatial = x.shape.slice(2);
    const out = (Array.isArray(raw) ? raw : new Array<unknown>(dims).fill(raw)).map((v, i) =>
      v === null ? spatial[i] : (v as number),
    );
    if (out.every((o) => o === 1)) return ctx.op(kind === 'avg' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name]);
    if (out.every((o, i) => spatial[i] % o === 0)) {
      const k = out.map((o, i) => spatial[i] / o);
      if (k.every((v) => v === 1)) return ctx.op('Identity', [x.name]);
      return ctx.op(
        kind === 'avg' ? 'AveragePool' : 'MaxPool',
        [x.name],
        [attrInts('kernel_shape', k), attrInts('strides', k)],
      );
    }
    // windows of unequal sizes: mean and max are separable, so pool one axis at a time
    let y = x.name;
    out.forEach((o, i) => {
      y = adaptiveAxis(ctx, y, 2 + i, spatial[i], o, kind === 'avg' ? 'ReduceMean' : 'ReduceMax');
    });
    return y;
  };
}

export const globalAvgPool: OnnxExporter = (ctx, _m, inputs) => {
  const x = one(inputs);
  if (x.shape.length < 3) throw new OnnxExportError(`input ${fmt(x.shape)} has no spatial axis`);
  const axes = x.shape.slice(2).map((_, i) => 2 + i);
  return ctx.reduce('ReduceMean', x.name, axes, false);
};

/** Max over groups of channels: channels become a spatial axis of a (N, 1, C, rest) MaxPool. */
export const channelMaxPool: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const k = num(m, 'kernelSize');
  const s = prop(m, 'stride') === null ? k : num(m, 'stride');
  const [, c, ...spatial] = x.shape;
  const inner = spatial.reduce((a, b) => a * b, 1);
  const cOut = Math.floor((c - k) / s) + 1;
  const pooled = ctx.op(
    'MaxPool',
    [ctx.reshape(x.name, [0, 1, c, inner])],
    [attrInts('kernel_shape', [k, 1]), attrInts('strides', [s, 1])],
  );
  return ctx.reshape(pooled, [0, cOut, ...spatial]);
};
