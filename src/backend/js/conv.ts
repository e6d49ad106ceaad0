/**
 * Reference convolution kernels: direct loops over (batch, out-channel, in-channel, kernel
 * tap, output row, output column). Forward, data-gradient and weight-gradient share one
 * traversal so that their index arithmetic is visibly the same.
 */
import type { Conv2dGeometry } from '../backend.js';

/** Range of output positions o with 0 <= o*stride - pad + tap*dil < size. */
function validRange(
  tap: number,
  dil: number,
  stride: number,
  pad: number,
  size: number,
  outSize: number,
): [number, number] {
  const off = tap * dil - pad; // input index = o*stride + off
  let lo = off >= 0 ? 0 : Math.ceil(-off / stride);
  let hi = Math.floor((size - 1 - off) / stride) + 1;
  if (hi > outSize) hi = outSize;
  if (lo > hi) lo = hi;
  return [lo, hi];
}

type Visit = (
  xBase: number,
  yBase: number,
  wIdx: number,
  ohLo: number,
  ohHi: number,
  owLo: number,
  owHi: number,
  offH: number,
  offW: number,
) => void;

function traverse(g: Conv2dGeometry, visit: Visit): void {
  const cInG = g.cIn / g.groups,
    cOutG = g.cOut / g.groups;
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < g.cOut; o++) {
      const grp = Math.floor(o / cOutG);
      const yBase = (n * g.cOut + o) * g.outH * g.outW;
      for (let ci = 0; ci < cInG; ci++) {
        const c = grp * cInG + ci;
        const xBase = (n * g.cIn + c) * g.h * g.w;
        for (let ki = 0; ki < g.kh; ki++) {
          const [ohLo, ohHi] = validRange(ki, g.dilationH, g.strideH, g.padTop, g.h, g.outH);
          for (let kj = 0; kj < g.kw; kj++) {
            const [owLo, owHi] = validRange(kj, g.dilationW, g.strideW, g.padLeft, g.w, g.outW);
            const wIdx = ((o * cInG + ci) * g.kh + ki) * g.kw + kj;
            visit(
              xBase,
              yBase,
              wIdx,
              ohLo,
              ohHi,
              owLo,
              owHi,
              ki * g.dilationH - g.padTop,
              kj * g.dilationW - g.padLeft,
            );
          }
        }
      }
    }
  }
}

/** y = conv(x, w) + bias. */
export function conv2d(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  y: Float32Array,
): void {
  const plane = g.outH * g.outW;
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < g.cOut; o++) y.fill(bias ? bias[o] : 0, (n * g.cOut + o) * plane, (n * g.cOut + o + 1) * plane);
  const { strideH: sH, strideW: sW, w: W, outW } = g;
  traverse(g, (xBase, yBase, wIdx, ohLo, ohHi, owLo, owHi, offH, offW) => {
    const wv = w[wIdx];
    for (let oh = ohLo; oh < ohHi; oh++) {
      const xr = xBase + (oh * sH + offH) * W + offW;
      const yr = yBase + oh * outW;
      for (let ow = owLo; ow < owHi; ow++) y[yr + ow] += wv * x[xr + ow * sW];
    }
  });
}

/** dx = conv_transpose(dy, w). */
export function conv2dBackwardData(dy: Float32Array, w: Float32Array, g: Conv2dGeometry, dx: Float32Array): void {
  dx.fill(0, 0, g.n * g.cIn * g.h * g.w);
  const { strideH: sH, strideW: sW, w: W, outW } = g;
  traverse(g, (xBase, yBase, wIdx, ohLo, ohHi, owLo, owHi, offH, offW) => {
    const wv = w[wIdx];
    for (let oh = ohLo; oh < ohHi; oh++) {
      const xr = xBase + (oh * sH + offH) * W + offW;
      const yr = yBase + oh * outW;
      for (let ow = owLo; ow < owHi; ow++) dx[xr + ow * sW] += wv * dy[yr + ow];
    }
  });
}

/** dw = sum over batch and positions of x * dy. */
export function conv2dBackwardWeight(x: Float32Array, dy: Float32Array, g: Conv2dGeometry, dw: Float32Array): void {
  dw.fill(0, 0, g.cOut * (g.cIn / g.groups) * g.kh * g.kw);
  const { strideH: sH, strideW: sW, w: W, outW } = g;
  traverse(g, (xBase, yBase, wIdx, ohLo, ohHi, owLo, owHi, offH, offW) => {
    let acc = 0;
    for (let oh = ohLo; oh < ohHi; oh++) {
      const xr = xBase + (oh * sH + offH) * W + offW;
      const yr = yBase + oh * outW;
      for (let ow = owLo; ow < owHi; ow++) acc += x[xr + ow * sW] * dy[yr + ow];
    }
    dw[wIdx] += acc;
  });
}
