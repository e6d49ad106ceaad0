/** Reference pooling kernels: one window at a time. */
import type { Pool2dGeometry } from '../backend.js';

/** Calls fn for every output cell with its plane base and the window's top-left corner. */
function forEachWindow(g: Pool2dGeometry, fn: (plane: number, outIdx: number, h0: number, w0: number) => void): void {
  let o = 0;
  for (let p = 0; p < g.n * g.c; p++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) fn(p, o++, oh * g.strideH - g.padTop, ow * g.strideW - g.padLeft);
    }
  }
}

/** Max pooling with argmax indices (flat within the plane). */
export function maxPool2d(x: Float32Array, g: Pool2dGeometry, y: Float32Array, indices: Int32Array): void {
  const hw = g.h * g.w;
  forEachWindow(g, (p, o, h0, w0) => {
    let best = -Infinity,
      bi = -1;
    for (let i = 0; i < g.kh; i++) {
      const ih = h0 + i * g.dilationH;
      if (ih < 0 || ih >= g.h) continue;
      for (let j = 0; j < g.kw; j++) {
        const iw = w0 + j * g.dilationW;
        if (iw < 0 || iw >= g.w) continue;
        const v = x[p * hw + ih * g.w + iw];
        if (v > best || Number.isNaN(v) || bi < 0) {
          best = v;
          bi = ih * g.w + iw;
          if (Number.isNaN(v)) break;
        }
      }
    }
    y[o] = best;
    indices[o] = bi;
  });
}

/** dx[argmax] += dy. */
export function maxPool2dBackward(dy: Float32Array, indices: Int32Array, g: Pool2dGeometry, dx: Float32Array): void {
  const hw = g.h * g.w;
  dx.fill(0, 0, g.n * g.c * hw);
  const per = g.outH * g.outW;
  for (let o = 0; o < dy.length; o++) {
    const idx = indices[o];
    if (idx >= 0) dx[Math.floor(o / per) * hw + idx] += dy[o];
  }
}

function windowCount(g: Pool2dGeometry, h0: number, w0: number, countIncludePad: boolean): number {
  if (countIncludePad) {
    // PyTorch counts padded cells but not cells past the padded border (ceil mode overhang)
    const hEnd = Math.min(h0 + (g.kh - 1) * g.dilationH + 1, g.h + g.padTop);
    const wEnd = Math.min(w0 + (g.kw - 1) * g.dilationW + 1, g.w + g.padLeft);
    return Math.ceil((hEnd - h0) / g.dilationH) * Math.ceil((wEnd - w0) / g.dilationW);
  }
  let cnt = 0;
  for (let i = 0; i < g.kh; i++) {
    const ih = h0 + i * g.dilationH;
    if (ih < 0 || ih >= g.h) continue;
    for (let j = 0; j < g.kw; j++) {
      const iw = w0 + j * g.dilationW;
      if (iw >= 0 && iw < g.w) cnt++;
    }
  }
  return cnt;
}

/** Average pooling. */
export function avgPool2d(x: Float32Array, g: Pool2dGeometry, countIncludePad: boolean, y: Float32Array): void {
  const hw = g.h * g.w;
  forEachWindow(g, (p, o, h0, w0) => {
    let s = 0;
    for (let i = 0; i < g.kh; i++) {
      const ih = h0 + i * g.dilationH;
      if (ih < 0 || ih >= g.h) continue;
      for (let j = 0; j < g.kw; j++) {
        const iw = w0 + j * g.dilationW;
        if (iw >= 0 && iw < g.w) s += x[p * hw + ih * g.w + iw];
      }
    }
    y[o] = s / windowCount(g, h0, w0, countIncludePad);
  });
}

/** Spreads each dy over its window. */
export function avgPool2dBackward(
  dy: Float32Array,
  g: Pool2dGeometry,
  countIncludePad: boolean,
  dx: Float32Array,
): void {
  const hw = g.h * g.w;
  dx.fill(0, 0, g.n * g.c * hw);
  forEachWindow(g, (p, o, h0, w0) => {
    const share = dy[o] / windowCount(g, h0, w0, countIncludePad);
    for (let i = 0; i < g.kh; i++) {
      const ih = h0 + i * g.dilationH;
      if (ih < 0 || ih >= g.h) continue;
      for (let j = 0; j < g.kw; j++) {
        const iw = w0 + j * g.dilationW;
        if (iw >= 0 && iw < g.w) dx[p * hw + ih * g.w + iw] += share;
      }
    }
  });
}
