/**
 * Where a conv layer's cells sit on the input: the receptive-field arithmetic (start and jump,
 * Dumoulin & Visin; Araujo et al.) of the Conv2d / MaxPool2d / AvgPool2d modules that ran
 * before a layer, recorded in execution order during a forward pass, and an upsampling of a
 * layer-resolution map that puts each cell's value at its receptive-field centre (bilinear in
 * between, clamped at the edges). Exact when the layers before the target form a chain (LeNet,
 * AlexNet, VGG); a side branch (e.g. a ResNet shortcut) would be counted as if in the chain.
 */
import { Conv2d } from '../nn/layers/conv.js';
import { AvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import type { HookHandle, Module } from '../nn/module.js';

/** Start (centre of cell 0, in input pixel indices) and jump (input pixels per cell), per axis [y, x]. */
export interface CellGrid {
  start: [number, number];
  jump: [number, number];
}

type Pair = readonly [number, number];

function pair(v: unknown, dflt: number): Pair {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  return [dflt, dflt];
}

/** Kernel, stride, padding and dilation of a geometry-changing module, or null for others. */
function geometry(m: Module): { k: Pair; s: Pair; p: Pair; d: Pair } | null {
  if (m instanceof Conv2d) {
    const o = m.options as { stride?: unknown; padding?: unknown; dilation?: unknown };
    const k: Pair = [m.weight.shape[2], m.weight.shape[3]];
    const s = pair(o.stride, 1),
      d = pair(o.dilation, 1);
    let p: Pair;
    if (o.padding === 'same') p = [(d[0] * (k[0] - 1)) / 2, (d[1] * (k[1] - 1)) / 2];
    else if (o.padding === 'full') p = [d[0] * (k[0] - 1), d[1] * (k[1] - 1)];
    else p = pair(o.padding === 'valid' ? 0 : o.padding, 0);
    return { k, s, p, d };
  }
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) {
    const o = m.options as { stride?: unknown; padding?: unknown; dilation?: unknown };
    const k = pair(m.kernelSize, 1);
    return {
      k,
      s: o.stride === undefined || o.stride === null ? k : pair(o.stride, 1),
      p: pair(o.padding, 0),
      d: pair(o.dilation, 1),
    };
  }
  return null;
}

/**
 * Registers hooks that record, in execution order, the geometry of every Conv2d / pool that
 * finishes before `target` does; `grid()` then gives the target's cell grid.
 */
export function trackCellGrid(
  model: Module,
  target: Module,
): { grid: () => CellGrid; isChain: () => boolean; remove: () => void } {
  const chain: NonNullable<ReturnType<typeof geometry>>[] = [];
  let done = false;
  // a chain: every recorded layer takes the spatial size the previous one gave (a side branch
  // such as a ResNet shortcut conv takes an earlier size)
  let linked = true;
  let lastOut: string | null = null;
  const handles: HookHandle[] = [];
  for (const m of model.modules()) {
    const g = geometry(m);
    if (g === null && m !== target) continue;
    handles.push(
      m.registerForwardHook((_m, inputs, out) => {
        if (done) return;
        if (g !== null) {
          chain.push(g);
          const x = inputs[0];
          const inSize = x ? x.shape.slice(-2).join('x') : '';
          if (lastOut !== null && inSize !== lastOut) linked = false;
          lastOut = out.shape.slice(-2).join('x');
        }
        if (m === target) done = true;
      }),
    );
  }
  return {
    grid: () => {
      const start: [number, number] = [0, 0],
        jump: [number, number] = [1, 1];
      for (const { k, s, p, d } of chain)
        for (const a of [0, 1]) {
          start[a] += (((k[a] - 1) * d[a]) / 2 - p[a]) * jump[a];
          jump[a] *= s[a];
        }
      return { start, jump };
    },
    isChain: () => linked,
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
