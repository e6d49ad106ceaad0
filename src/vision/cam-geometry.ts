/**
 * Where a layer's cells sit on the input, for Grad-CAM's upsampling: the start (centre of cell 0,
 * in input pixels, pixel i centred at i) and jump (input pixels per cell) of the layer's output,
 * found by following the tensors of one forward pass through the leaf modules with the receptive-
 * field arithmetic of src/nn/conv-arith.ts (the same recurrences as `summary()`), and an
 * upsampling that puts each cell's value at its centre (bilinear in between, clamped at the edges).
 * A tensor that no module returned (a residual sum, a functional op) gets the hull of the fields of
 * the tensors of its spatial size made before it, as summary does for merging branches.
 * `isChain()` is the conservative test Grad-CAM's 'auto' upsampling uses: the Conv2d / pooling
 * layers that ran form a chain (each takes the spatial size the previous one gave), as in LeNet,
 * AlexNet, VGG; a ResNet's shortcut conv takes an earlier size, which breaks it.
 */
import { Conv2d } from '../nn/layers/conv.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import type { HookHandle, Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Field, hullFields, inputField, layerField } from '../nn/conv-arith.js';

/** Start (centre of cell 0, in input pixel indices) and jump (input pixels per cell), per axis [y, x]. */
export interface CellGrid {
  start: [number, number];
  jump: [number, number];
}

/** What trackCellGrid gives once the forward pass has run. */
export interface CellGridTracker {
  /** The target's cell grid; throws a RangeError saying why when it cannot be known. */
  grid: () => CellGrid;
  /** Whether the Conv2d / pooling layers up to the target form a chain (and the grid is known). */
  isChain: () => boolean;
  /** Why the grid cannot be known, or null when it can. */
  reason: () => string | null;
  /** Unregisters the hooks. */
  remove: () => void;
}

function sameSpatial(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape.every((d, i) => i === 1 || d === b.shape[i]);
}

/**
 * Registers hooks that follow the receptive field of every tensor of the next forward pass of
 * `model` up to the output of `target` (a module of model); `grid()` then gives the target's cell grid.
 */
export function trackCellGrid(model: Module, target: Module): CellGridTracker {
  const fields = new WeakMap<Tensor, Field | string>();
  const made: { t: Tensor; f: Field }[] = [];
  let result: Field | string = `layer ${target.typeName} did not run`;
  let linked = true;
  let lastOut: string | null = null;
  let done = false;
  const fieldOf = (t: Tensor): Field | string => {
    const known = fields.get(t);
    if (known !== undefined) return known;
    const cands = made.filter((c) => sameSpatial(c.t, t)).map((c) => c.f);
    return cands.length > 0 ? hullFields(cands) : 'a tensor made outside any layer, of a size no layer made';
  };
  const handles: HookHandle[] = [
    model.registerForwardPreHook((_m, inputs) => {
      if (done || made.length > 0) return;
      const x = inputs[0];
      if (x && x.ndim >= 3) fields.set(x, inputField(x.ndim - 2));
    }),
  ];
  for (const m of model.modules()) {
    const leaf = m.children().next().done === true;
    if (!leaf && m !== target) continue;
    handles.push(
      m.registerForwardHook((mod, inputs, out) => {
        if (done) return;
        let f: Field | string;
        if (!leaf) f = fieldOf(out);
        else if (inputs.length === 0) f = 'the layer has no input';
        else {
          const ins = inputs.map(fieldOf);
          const bad = ins.find((v): v is string => typeof v === 'string');
          const merged = bad ?? hullFields(ins as Field[]);
          f = typeof merged === 'string' ? merged : layerField(mod, merged, inputs[0].shape, out.shape);
        }
        if (mod instanceof Conv2d || mod instanceof MaxPool2d || mod instanceof AvgPool2d) {
          const inSize = inputs[0] ? inputs[0].shape.slice(2).join('x') : '';
          if (lastOut !== null && inSize !== lastOut) linked = false;
          lastOut = out.shape.slice(2).join('x');
        }
        fields.set(out, f);
        if (typeof f !== 'string') made.push({ t: out, f });
        if (mod === target) {
          done = true;
          result = f;
        }
      }),
    );
  }
  const reason = (): string | null => {
    if (typeof result === 'string') return result;
    if (result.flat) return 'the layer output is flattened (no spatial cells)';
    if (result.axes.length !== 2) return `the layer output has ${result.axes.length} spatial axes, not 2`;
    return null;
  };
  return {
    grid: () => {
      const why = reason();
      if (why !== null || typeof result === 'string')
        throw new RangeError(`trackCellGrid: the cell grid of ${target.typeName} is unknown: ${why}`);
      const [y, x] = result.axes;
      return { start: [y.start, x.start], jump: [y.jump, x.jump] };
    },
    isChain: () => linked && reason() === null,
    reason,
    remove: () => {
      for (const h of handles) h.remove();
    },
  };
}

/** Upsamples an (h, w) map to (H, W) by placing cell (i, j) at its receptive-field centre; bilinear, clamped. */
export function upsampleOnGrid(
  small: Float32Array,
  h: number,
  w: number,
  H: number,
  W: number,
  grid: CellGrid,
): Float32Array {
  const out = new Float32Array(H * W);
  const clamp = (v: number, n: number): number => (v < 0 ? 0 : v > n - 1 ? n - 1 : v);
  for (let y = 0; y < H; y++) {
    const u = clamp((y - grid.start[0]) / grid.jump[0], h);
    const u0 = Math.floor(u),
      u1 = Math.min(u0 + 1, h - 1),
      fu = u - u0;
    for (let x = 0; x < W; x++) {
      const v = clamp((x - grid.start[1]) / grid.jump[1], w);
      const v0 = Math.floor(v),
        v1 = Math.min(v0 + 1, w - 1),
        fv = v - v0;
      out[y * W + x] =
        (1 - fu) * ((1 - fv) * small[u0 * w + v0] + fv * small[u0 * w + v1]) +
        fu * ((1 - fv) * small[u1 * w + v0] + fv * small[u1 * w + v1]);
    }
  }
  return out;
}
