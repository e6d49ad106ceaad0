/**
 * ONNX exporters of the zoo's modules with a custom forward (src/models), keyed by the class's
 * declared static typeName (io may not import models; a string key survives minification).
 * Each mirrors its class's eval-mode forward, calling children by their registered names so
 * that renamed module paths (torchvision's) need no change here.
 */
import { childList, LAYER_EXPORTERS } from './export-layers.js';
import { num } from './export-props.js';
import {
  OnnxExportError,
  type ExportableModule,
  type OnnxExportContext,
  type OnnxExporter,
  type OnnxValue,
} from './export-graph.js';
import { fmt } from '../../tensor/shape.js';

function child(m: ExportableModule, name: string): ExportableModule {
  const c = new Map(m.namedChildren()).get(name);
  if (!c) throw new OnnxExportError(`has no submodule '${name}'`);
  return c;
}
function optionalChild(m: ExportableModule, name: string): ExportableModule | undefined {
  return new Map(m.namedChildren()).get(name);
}
function one(inputs: readonly OnnxValue[]): OnnxValue {
  if (inputs.length !== 1) throw new OnnxExportError(`expected one input, got ${inputs.length}`);
  return inputs[0];
}
/** Runs the named children in order. */
function chain(ctx: OnnxExportContext, m: ExportableModule, names: readonly string[], x: OnnxValue): OnnxValue {
  let h = x;
  for (const n of names) h = ctx.run(child(m, n), [h]);
  return h;
}

/** relu(main(x) + shortcut(x)) as ResNet's blocks compute it. */
function block(main: readonly string[]): OnnxExporter {
  return (ctx, m, inputs) => {
    const x = one(inputs);
    const out = chain(ctx, m, main, x);
    const ds = optionalChild(m, 'downsample');
    return ctx.run(child(m, 'relu'), [ctx.binary('Add', out, ds ? ctx.run(ds, [x]) : x)]);
  };
}

/** The option-A shortcut: x[:, :, ::s, ::s] with zero channels padded on both sides. */
const padShortcut: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  const p = m as unknown as { inChannels: number; outChannels: number; stride: number };
  const [n, c, h, w] = x.shape;
  let name = x.name,
    oh = h,
    ow = w;
  if (p.stride !== 1) {
    name = ctx.slice(name, [0, 0], [h, w], [2, 3], [p.stride, p.stride]);
    oh = Math.ceil(h / p.stride);
    ow = Math.ceil(w / p.stride);
  }
  const k = (p.outChannels - p.inChannels) / 2;
  if (k > 0) name = ctx.pad(name, [0, k, 0, 0, 0, k, 0, 0]);
  return { name, shape: [n, c + 2 * k, oh, ow] };
};

/** Every child except those named in `skip`, in registration order. */
function childrenExcept(m: ExportableModule, skip: readonly string[]): [string, ExportableModule][] {
  return [...m.namedChildren()].filter(([n]) => !skip.includes(n));
}

/** ResNet: stem and stages in registration order, then avgpool, flatten and fc. */
const resnet: OnnxExporter = (ctx, m, inputs) => {
  let h = one(inputs);
  for (const [, c] of childrenExcept(m, ['avgpool', 'fc'])) h = ctx.run(c, [h]);
  return ctx.run(child(m, 'fc'), [ctx.flatten(ctx.run(child(m, 'avgpool'), [h]))]);
};

/** features → avgpool → flatten → classifier (AlexNet, VGG). */
const featuresPoolClassifier: OnnxExporter = (ctx, m, inputs) => {
  const f = chain(ctx, m, ['features', 'avgpool'], one(inputs));
  return ctx.run(child(m, 'classifier'), [ctx.flatten(f)]);
};

/** conv → bn (optional) → relu. */
const basicConv: OnnxExporter = (ctx, m, inputs) => {
  let y = ctx.run(child(m, 'conv'), [one(inputs)]);
  const bn = optionalChild(m, 'bn');
  if (bn) y = ctx.run(bn, [y]);
  return ctx.run(child(m, 'relu'), [y]);
};

const inception: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  return ctx.concat(
    ['branch1', 'branch2', 'branch3', 'branch4'].map((b) => ctx.run(child(m, b), [x])),
    1,
  );
};

/** torchvision's transform_input: x_c * (std_c / 0.5) + (mean_c - 0.5) / 0.5 with ImageNet's mean and std. */
const googlenetTransformInput: OnnxExporter = (ctx, _m, inputs) => {
  const x = one(inputs);
  const mean = [0.485, 0.456, 0.406],
    std = [0.229, 0.224, 0.225];
  const scale = ctx.floats(
    'scale',
    std.map((s) => s / 0.5),
    [1, 3, 1, 1],
  );
  const shift = ctx.floats(
    'shift',
    mean.map((m) => (m - 0.5) / 0.5),
    [1, 3, 1, 1],
  );
  return ctx.op('Add', [ctx.op('Mul', [x.name, scale]), shift]);
};

/** GoogLeNet in eval mode (the auxiliary heads only run in training; transform_input, if any, is its first child). */
const googlenet: OnnxExporter = (ctx, m, inputs) => {
  const h = chain(
    ctx,
    m,
    childrenExcept(m, ['aux1', 'aux2', 'avgpool', 'dropout', 'fc']).map(([n]) => n),
    one(inputs),
  );
  const pooled = ctx.flatten(ctx.run(child(m, 'avgpool'), [h]));
  return chain(ctx, m, ['dropout', 'fc'], pooled);
};

const inceptionAux: OnnxExporter = (ctx, m, inputs) => {
  const h = ctx.flatten(chain(ctx, m, ['avgpool', 'conv'], one(inputs)));
  return chain(ctx, m, ['fc1', 'relu', 'dropout', 'fc2'], h);
};

/** UNetUp(x, skip): conv(concat([skip, up(x)], channels)). */
const unetUp: OnnxExporter = (ctx, m, inputs) => {
  if (inputs.length !== 2) throw new OnnxExportError(`expected inputs (x, skip), got ${inputs.length}`);
  const u = ctx.run(child(m, 'up'), [inputs[0]]);
  return ctx.run(child(m, 'conv'), [ctx.concat([inputs[1], u], 1)]);
};

const unet: OnnxExporter = (ctx, m, inputs) => {
  const skips: OnnxValue[] = [];
  let h = ctx.run(child(m, 'inc'), [one(inputs)]);
  for (const d of childList(child(m, 'downs'))) {
    skips.push(h);
    h = ctx.run(d, [h]);
  }
  for (const u of childList(child(m, 'ups'))) {
    const skip = skips.pop();
    if (!skip) throw new OnnxExportError('more up steps than down steps');
    h = ctx.run(u, [h, skip]);
  }
  return ctx.run(child(m, 'outc'), [h]);
};

/** CausalConv1d: (k-1)·dilation zeros padded on the left of the time axis (ONNX Pad), then the Conv1d. */
const causalConv1d: OnnxExporter = (ctx, m, inputs) => {
  const x = one(inputs);
  if (x.shape.length !== 3) throw new OnnxExportError(`input ${fmt(x.shape)} must be (N, C, L)`);
  const left = num(m, 'leftPadding');
  if (left === 0) return LAYER_EXPORTERS.Conv1d(ctx, m, [x]);
  const [n, c, l] = x.shape;
  const padded: OnnxValue = { name: ctx.pad(x.name, [0, 0, left, 0, 0, 0]), shape: [n, c, l + left] };
  // a string result: exportOnnx takes the output shape from the module's recorded forward on x
  return LAYER_EXPORTERS.Conv1d(ctx, m, [padded]);
};

/** TCN: the residual blocks in order, then the mean over time (pool) and the linear head (fc). */
const tcn: OnnxExporter = (ctx, m, inputs) => {
  let h = one(inputs);
  for (const b of childList(child(m, 'blocks'))) h = ctx.run(b, [h]);
  return chain(ctx, m, ['pool', 'fc'], h);
};

const autoencoder: OnnxExporter = (ctx, m, inputs) => chain(ctx, m, ['encoder', 'decoder'], one(inputs));

/** Exporters of the zoo's custom-forward modules by class name. */
export const ZOO_EXPORTERS: Readonly<Record<string, OnnxExporter>> = {
  BasicBlock: block(['conv1', 'bn1', 'relu', 'conv2', 'bn2']),
  Bottleneck: block(['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'relu', 'conv3', 'bn3']),
  PadShortcut: padShortcut,
  ResNet: resnet,
  AlexNet: featuresPoolClassifier,
  VGG: featuresPoolClassifier,
  BasicConv2d: basicConv,
  InceptionModule: inception,
  InceptionAux: inceptionAux,
  GoogLeNet: googlenet,
  GoogLeNetTransformInput: googlenetTransformInput,
  UNetUp: unetUp,
  UNet: unet,
  Autoencoder: autoencoder,
  CausalConv1d: causalConv1d,
  // relu(net(x) + shortcut(x)): ResNet's block form with a Sequential main path
  TemporalBlock: block(['net']),
  TCN: tcn,
};
