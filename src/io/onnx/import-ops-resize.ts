/**
 * Resize (opset 10+) and Upsample (opsets 7-9) for ONNX import: what torch.onnx.export writes
 * for F.interpolate / nn.Upsample. Modes 'nearest' (nearest_mode round_prefer_floor,
 * round_prefer_ceil, floor, ceil) and 'linear' (separable over the spatial axes, so bilinear on
 * images), with the coordinate transforms half_pixel, pytorch_half_pixel, align_corners and
 * asymmetric. Each resized axis is an index selection (plus one lerp for linear), so gradients
 * flow back to the input.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { checkAllocation } from '../../tensor/limits.js';
import type { Value } from './import-values.js';
import { floatIn, optInts, type OpContext, type OpTable } from './import-op-context.js';

type Coordinate = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
const COORDINATES: readonly string[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
const NEAREST: Record<string, (x: number) => number> = {
  round_prefer_floor: (x) => (x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x)),
  round_prefer_ceil: (x) => Math.round(x),
  floor: Math.floor,
  ceil: Math.ceil,
};

/** The input coordinate of output cell `o` along an axis of `n` cells resized to `m` with `scale`. */
function source(mode: Coordinate, o: number, n: number, m: number, scale: number): number {
  switch (mode) {
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return m > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return m === 1 ? 0 : (o * (n - 1)) / (m - 1);
    default:
      return o / scale;
  }
}

interface ResizeArgs {
  mode: 'nearest' | 'linear';
  coordinate: Coordinate;
  nearest: (x: number) => number;
  /** Output size and scale per axis. */
  sizes: number[];
  scales: number[];
}

function resize(ctx: OpContext, x: Tensor, a: ResizeArgs): Tensor {
  let y = x;
  for (let axis = 0; axis < x.ndim; axis++) {
    const n = x.shape[axis],
      m = a.sizes[axis];
    if (m === n && a.scales[axis] === 1) continue;
    if (axis < 2 && x.ndim > 2)
      throw new RangeError(
        `${ctx.label}: resizing the batch or channel axis (${fmt(x.shape)} to ${fmt(a.sizes)}) is not supported`,
      );
    const outShape = y.shape.slice();
    outShape[axis] = m;
    checkAllocation(ctx.label, outShape);
    const coords = Array.from({ length: m }, (_, o) => source(a.coordinate, o, n, m, a.scales[axis]));
    const clamp = (i: number): number => Math.min(Math.max(i, 0), n - 1);
    if (a.mode === 'nearest') {
      y = y.indexSelect(
        axis,
        coords.map((c) => clamp(a.nearest(c))),
      );
      continue;
    }
    const c = coords.map((v) => Math.min(Math.max(v, 0), n - 1));
    const lo = c.map((v) => Math.floor(v));
    const w = new Tensor(
      Float32Array.from(c, (v, i) => v - lo[i]),
      y.shape.map((_, k) => (k === axis ? m : 1)),
    );
    const below = y.indexSelect(axis, lo);
    const above = y.indexSelect(
      axis,
      lo.map((v) => clamp(v + 1)),
    );
    y = below.add(above.sub(below).mul(w));
  }
  return y;
}

function modeOf(ctx: OpContext): 'nearest' | 'linear' {
  const mode = ctx.attrs.string('mode', 'nearest');
  if (mode === 'nearest') return 'nearest';
  if (mode === 'linear' || mode === 'bilinear') return 'linear';
  throw new RangeError(`${ctx.label}: mode '${mode}' is not supported (nearest, linear)`);
}

/** Output sizes from explicit sizes or from scales (floor(n * scale)), checked. */
function sizesOf(
  ctx: OpContext,
  x: Tensor,
  scales: number[] | undefined,
  sizes: number[] | undefined,
): ResizeArgs['sizes'] {
  if (sizes && sizes.length > 0) {
    if (sizes.length !== x.ndim || sizes.some((s) => !Number.isInteger(s) || s < 1))
      throw new RangeError(`${ctx.label}: sizes ${fmt(sizes)} must give ${x.ndim} positive sizes`);
    return sizes;
  }
  if (!scales || scales.length !== x.ndim || scales.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new RangeError(`${ctx.label}: scales ${fmt(scales ?? [])} must give ${x.ndim} positive factors`);
  return x.shape.map((d, i) => Math.floor(d * scales[i]));
}

function floats(ctx: OpContext, inputs: readonly (Value | undefined)[], i: number, what: string): number[] | undefined {
  if (inputs[i] === undefined) return undefined;
  const t = floatIn(ctx, inputs, i, what);
  return t.size === 0 ? undefined : Array.from(t.data);
}

function resizeOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Tensor {
  const x = floatIn(ctx, inputs, 0, 'X');
  if (ctx.attrs.has('axes')) throw new RangeError(`${ctx.label}: the axes attribute of Resize is not supported`);
  const keep = ctx.attrs.string('keep_aspect_ratio_policy', 'stretch');
  if (keep !== 'stretch') throw new RangeError(`${ctx.label}: keep_aspect_ratio_policy '${keep}' is not supported`);
  const coordinate = ctx.opset >= 11 ? ctx.attrs.string('coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  if (!COORDINATES.includes(coordinate))
    throw new RangeError(
      `${ctx.label}: coordinate_transformation_mode '${coordinate}' is not supported (${COORDINATES.join(', ')})`,
    );
  const nearestName = ctx.opset >= 11 ? ctx.attrs.string('nearest_mode', 'round_prefer_floor') : 'floor';
  const nearest = NEAREST[nearestName];
  if (!nearest) throw new RangeError(`${ctx.label}: nearest_mode '${nearestName}' is not supported`);
  const scalesIn = ctx.opset >= 11 ? floats(ctx, inputs, 2, 'scales') : floats(ctx, inputs, 1, 'scales');
  const sizesIn = ctx.opset >= 11 ? optInts(ctx, inputs, 3, 'sizes') : undefined;
  const sizes = sizesOf(ctx, x, scalesIn, sizesIn);
  const scales = sizesIn && sizesIn.length > 0 ? sizes.map((s, i) => s / x.shape[i]) : (scalesIn as number[]);
  return resize(ctx, x, { mode: modeOf(ctx), coordinate: coordinate as Coordinate, nearest, sizes, scales });
}

function upsampleOp(ctx: OpContext, inputs: readonly (Value | undefined)[]): Tensor {
  const x = floatIn(ctx, inputs, 0, 'X');
  const scales = ctx.opset >= 9 ? floats(ctx, inputs, 1, 'scales') : ctx.attrs.floats('scales');
  const sizes = sizesOf(ctx, x, scales, undefined);
  return resize(ctx, x, {
    mode: modeOf(ctx),
    coordinate: 'asymmetric',
    nearest: Math.floor,
    sizes,
    scales: scales as number[],
  });
}

/** The op table of this file. */
export const RESIZE_OPS: OpTable = {
  Resize: (ctx, inputs) => [resizeOp(ctx, inputs)],
  Upsample: (ctx, inputs) => [upsampleOp(ctx, inputs)],
};
