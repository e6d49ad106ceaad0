/**
 * The torch equivalent of every convkit layer (a module without children), keyed by the layer
 * class's declared static typeName: the torch class, its constructor arguments and the
 * state-dict names torch gives it (checked against the convkit layer's own keys, so a renamed
 * buffer fails loudly). A layer that is not in `LAYERS` cannot be exported;
 * test/io/pytorch-export.test.ts checks that every class in src/nn/layers has an entry. Classes
 * torch.nn lacks come from python-lib.ts.
 */

/** A layer's properties, read by name (io may not import nn; see test/architecture.test.ts). */
export type Props = Readonly<Record<string, unknown>>;

/** What a layer becomes in model.py. */
export interface LeafEmit {
  /** The python class, e.g. 'nn.Conv2d' or 'LocallyConnected2d' (a class of python-lib.ts). */
  cls: string;
  /** The constructor arguments as python source. */
  args: string;
  /** The state-dict names (parameters and persistent buffers) the torch module has. */
  tensors: readonly string[];
}

/** Thrown for a layer setting torch cannot express; exportPytorch adds the module path. */
export class ExportError extends Error {
  override name = 'ExportError';
}

/** A JavaScript value as a python literal (arrays become tuples, null None). */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return "float('nan')";
    if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "float('-inf')";
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(', ')})`;
  throw new ExportError(`cannot write ${typeof v} ${String(v)} as a python value`);
}

/** Keyword arguments `k=v` for the defined entries. */
function kw(entries: Record<string, unknown>): string[] {
  return Object.entries(entries)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${py(v)}`);
}

const args = (...parts: (string | string[])[]): string => parts.flat().join(', ');

function num(p: Props, k: string): number {
  const v = p[k];
  if (typeof v !== 'number') throw new ExportError(`property '${k}' is ${String(v)}, expected a number`);
  return v;
}

const has = (p: Props, k: string): boolean => p[k] !== null && p[k] !== undefined;
const wb = (p: Props): string[] => [...(has(p, 'weight') ? ['weight'] : []), ...(has(p, 'bias') ? ['bias'] : [])];
/** A layer whose weight torch always has (Linear, convolutions), with an optional bias. */
const wAlways = (p: Props): string[] => ['weight', ...(has(p, 'bias') ? ['bias'] : [])];
const simple = (cls: string) => (): LeafEmit => ({ cls, args: '', tensors: [] });
const perAxis = (v: unknown, dims: number): number[] =>
  Array.isArray(v) ? (v as number[]) : new Array<number>(dims).fill(v as number);

/** Conv padding in torch's terms: 'valid' is 0, 'full' d*(k-1) per axis, 'same' stays (stride 1). */
function convPadding(p: Props, dims: number): unknown {
  const o = p.options as Props;
  const pad = o.padding;
  if (typeof pad !== 'string') return pad;
  const k = p.kernelSize as number[],
    d = perAxis(o.dilation ?? 1, dims);
  if (pad === 'valid') return 0;
  if (pad === 'full') return k.map((kk, i) => d[i] * (kk - 1));
  if (pad === 'same') {
    if (perAxis(o.stride ?? 1, dims).some((s) => s !== 1))
      throw new ExportError("padding='same' with a stride other than 1 has no torch equivalent");
    return 'same';
  }
  throw new ExportError(`unknown padding ${py(pad)}`);
}

function conv(dims: 1 | 2) {
  return (p: Props): LeafEmit => {
    const o = p.options as Props;
    return {
      cls: `nn.Conv${dims}d`,
      args: args(
        [py(num(p, 'inChannels')), py(num(p, 'outChannels')), py(p.kernelSize)],
        kw({
          stride: o.stride,
          padding: convPadding(p, dims),
          dilation: o.dilation,
          groups: p.groups,
          bias: has(p, 'bias'),
          padding_mode: o.paddingMode,
        }),
      ),
      tensors: wAlways(p),
    };
  };
}

function convTranspose(dims: 1 | 2) {
  return (p: Props): LeafEmit => {
    const o = p.options as Props;
    return {
      cls: `nn.ConvTranspose${dims}d`,
      args: args(
        [py(num(p, 'inChannels')), py(num(p, 'outChannels')), py(p.kernelSize)],
        kw({
          stride: o.stride,
          padding: o.padding,
          output_padding: o.outputPadding,
          groups: p.groups,
          bias: has(p, 'bias'),
          dilation: o.dilation,
        }),
      ),
      tensors: wAlways(p),
    };
  };
}

function maxPool(dims: 1 | 2) {
  return (p: Props): LeafEmit => {
    const o = (p.options ?? {}) as Props;
    return {
      cls: `nn.MaxPool${dims}d`,
      args: args(
        [py(p.kernelSize)],
        kw({ stride: o.stride ?? null, padding: o.padding, dilation: o.dilation, ceil_mode: o.ceilMode }),
      ),
      tensors: [],
    };
  };
}

function avgPool(dims: 1 | 2) {
  return (p: Props): LeafEmit => {
    const o = (p.options ?? {}) as Props;
    return {
      cls: `nn.AvgPool${dims}d`,
      args: args(
        [py(p.kernelSize)],
        kw({
          stride: o.stride ?? null,
          padding: o.padding,
          ceil_mode: o.ceilMode,
          count_include_pad: o.countIncludePad,
          ...(dims === 2 ? { divisor_override: o.divisorOverride ?? undefined } : {}),
        }),
      ),
      tensors: [],
    };
  };
}

function lpPool(dims: 1 | 2) {
  return (p: Props): LeafEmit => {
    const o = (p.options ?? {}) as Props;
    return {
      cls: `nn.LPPool${dims}d`,
      args: args([py(num(p, 'normType')), py(p.kernelSize)], kw({ stride: o.stride ?? null, ceil_mode: o.ceilMode })),
      tensors: [],
    };
  };
}

const adaptive = (cls: string) => (p: Props) => ({ cls, args: py(p.outputSize), tensors: [] });
const dimOnly = (cls: string) => (p: Props) => ({ cls, args: `dim=${py(num(p, 'dim'))}`, tensors: [] });
const dropout = (cls: string) => (p: Props) => ({ cls, args: `p=${py(num(p, 'p'))}`, tensors: [] });

function batchNorm(dims: 1 | 2) {
  return (p: Props): LeafEmit => {
    const track = p.trackRunningStats === true;
    return {
      cls: `nn.BatchNorm${dims}d`,
      args: args(
        [py(num(p, 'numFeatures'))],
        kw({ eps: p.eps, momentum: p.momentum, affine: p.affine, track_running_stats: track }),
      ),
      tensors: [...wb(p), ...(track ? ['running_mean', 'running_var', 'num_batches_tracked'] : [])],
    };
  };
}

/** Every exportable layer by the class's declared static typeName. */
export const LAYERS: Record<string, (p: Props) => LeafEmit> = {
  Linear: (p) => ({
    cls: 'nn.Linear',
    args: args([py(num(p, 'inFeatures')), py(num(p, 'outFeatures'))], kw({ bias: has(p, 'bias') })),
    tensors: wAlways(p),
  }),
  Conv1d: conv(1),
  Conv2d: conv(2),
  ConvTranspose1d: convTranspose(1),
  ConvTranspose2d: convTranspose(2),
  LocallyConnected2d: (p) => {
    const w = p.window as Props | undefined;
    if (!w) throw new ExportError('the layer does not expose its window geometry (stride, padding, dilation)');
    const shape = (p.weight as { shape: number[] }).shape;
    return {
      cls: 'LocallyConnected2d',
      args: args(
        [py(num(p, 'inChannels')), py(num(p, 'outChannels'))],
        kw({
          kernel_size: shape.slice(4),
          output_size: p.outputSize,
          stride: w.stride,
          padding: w.padding,
          dilation: w.dilation,
          bias: has(p, 'bias'),
        }),
      ),
      tensors: wAlways(p),
    };
  },
  MaxPool1d: maxPool(1),
  MaxPool2d: maxPool(2),
  AvgPool1d: avgPool(1),
  AvgPool2d: avgPool(2),
  LPPool1d: lpPool(1),
  LPPool2d: lpPool(2),
  AdaptiveAvgPool1d: adaptive('nn.AdaptiveAvgPool1d'),
  AdaptiveAvgPool2d: adaptive('nn.AdaptiveAvgPool2d'),
  AdaptiveMaxPool1d: adaptive('nn.AdaptiveMaxPool1d'),
  AdaptiveMaxPool2d: adaptive('nn.AdaptiveMaxPool2d'),
  GlobalAvgPool: simple('GlobalAvgPool'),
  ChannelMaxPool: (p) => ({
    cls: 'ChannelMaxPool',
    args: args(kw({ kernel_size: p.kernelSize, stride: p.stride ?? p.kernelSize })),
    tensors: [],
  }),
  Flatten: (p) => ({
    cls: 'nn.Flatten',
    args: args(kw({ start_dim: p.startDim, end_dim: p.endDim })),
    tensors: [],
  }),
  Unflatten: (p) => ({ cls: 'Unflatten', args: args(kw({ dim: p.dim, sizes: p.sizes })), tensors: [] }),
  Dropout: dropout('nn.Dropout'),
  Dropout1d: dropout('nn.Dropout1d'),
  Dropout2d: dropout('nn.Dropout2d'),
  BatchNorm1d: batchNorm(1),
  BatchNorm2d: batchNorm(2),
  LayerNorm: (p) => {
    const affine = has(p, 'weight');
    if (affine && !has(p, 'bias'))
      return {
        cls: 'LayerNormNoBias',
        args: args([py(p.normalizedShape)], kw({ eps: p.eps })),
        tensors: ['weight'],
      };
    return {
      cls: 'nn.LayerNorm',
      args: args([py(p.normalizedShape)], kw({ eps: p.eps, elementwise_affine: affine })),
      tensors: wb(p),
    };
  },
  LocalResponseNorm: (p) => ({
    cls: 'nn.LocalResponseNorm',
    args: args([py(num(p, 'size'))], kw({ alpha: p.alpha, beta: p.beta, k: p.k })),
    tensors: [],
  }),
  ReLU: simple('nn.ReLU'),
  LeakyReLU: (p) => ({ cls: 'nn.LeakyReLU', args: `negative_slope=${py(num(p, 'negativeSlope'))}`, tensors: [] }),
  ELU: (p) => ({ cls: 'nn.ELU', args: `alpha=${py(num(p, 'alpha'))}`, tensors: [] }),
  GELU: (p) => ({ cls: 'nn.GELU', args: `approximate=${py(p.approximate)}`, tensors: [] }),
  Sigmoid: simple('nn.Sigmoid'),
  Tanh: simple('nn.Tanh'),
  Softmax: dimOnly('nn.Softmax'),
  LogSoftmax: dimOnly('nn.LogSoftmax'),
  Softmin: dimOnly('nn.Softmin'),
  Softplus: (p) => ({ cls: 'nn.Softplus', args: args(kw({ beta: p.beta, threshold: p.threshold })), tensors: [] }),
  Hardtanh: (p) => ({ cls: 'nn.Hardtanh', args: args(kw({ min_val: p.minVal, max_val: p.maxVal })), tensors: [] }),
  ReLU6: simple('nn.ReLU6'),
  SiLU: simple('nn.SiLU'),
  SELU: simple('nn.SELU'),
  Identity: simple('nn.Identity'),
  // zoo modules without parameters (src/models), written as small python classes
  GoogLeNetTransformInput: simple('GoogLeNetTransformInput'),
  // tcn1d's causal conv: a Conv1d (same arguments and state) that pads left_padding zeros on the left first
  CausalConv1d: (p) => {
    const c = conv(1)(p);
    return { ...c, cls: 'CausalConv1d', args: `${c.args}, left_padding=${py(num(p, 'leftPadding'))}` };
  },
  PadShortcut: (p) => ({
    cls: 'PadShortcut',
    args: args([py(num(p, 'inChannels')), py(num(p, 'outChannels')), py(num(p, 'stride'))]),
    tensors: [],
  }),
};
