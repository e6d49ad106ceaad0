/**
 * WGSL pooling kernels: max / average pooling with one thread per output cell, and their
 * backward passes as gathers (one thread per input cell, no atomics): each input cell visits the
 * windows that contain it in increasing output order, so its float32 sum adds the same terms in
 * the same order as the reference's scatter and max pooling's backward matches it exactly.
 */
import type { Pool2dGeometry } from '../../backend.js';
import { GEOMETRY } from '../../kernels.js';
import type { GpuRunner } from '../dispatch.js';
import { check, elementwise, type Param } from './common.js';

function poolParams(kernel: string, g: Pool2dGeometry): Param[] {
  for (const f of GEOMETRY.pool2d) {
    const v = g[f];
    const min = f === 'padTop' || f === 'padLeft' || f === 'n' || f === 'c' || f === 'outH' || f === 'outW' ? 0 : 1;
    check(Number.isInteger(v) && v >= min, kernel, `geometry ${f} = ${v} (must be an integer >= ${min})`);
  }
  return [
    ['H', 'i32', g.h],
    ['W', 'i32', g.w],
    ['kh', 'i32', g.kh],
    ['kw', 'i32', g.kw],
    ['sH', 'i32', g.strideH],
    ['sW', 'i32', g.strideW],
    ['pT', 'i32', g.padTop],
    ['pL', 'i32', g.padLeft],
    ['dH', 'i32', g.dilationH],
    ['dW', 'i32', g.dilationW],
    ['oH', 'i32', g.outH],
    ['oW', 'i32', g.outW],
  ];
}

/** Window origin (h0, w0) and plane of output cell i. */
const WINDOW = /* wgsl */ `
  let per = u32(P.oH * P.oW);
  let plane = i / per;
  let o = i32(i % per);
  let h0 = (o / P.oW) * P.sH - P.pT;
  let w0 = (o % P.oW) * P.sW - P.pL;
  let xb = plane * u32(P.H * P.W);`;

/** Divisor of the average window at (h0, w0), as the reference counts it. */
const WINDOW_COUNT = /* wgsl */ `
fn windowCount(h0: i32, w0: i32) -> f32 {
  if (P.incl != 0u) {
    let hEnd = min(h0 + (P.kh - 1) * P.dH + 1, P.H + P.pT);
    let wEnd = min(w0 + (P.kw - 1) * P.dW + 1, P.W + P.pL);
    return f32(((hEnd - h0 + P.dH - 1) / P.dH) * ((wEnd - w0 + P.dW - 1) / P.dW));
  }
  var cnt = 0;
  for (var a = 0; a < P.kh; a++) {
    let ih = h0 + a * P.dH;
    if (ih < 0 || ih >= P.H) { continue; }
    for (var b = 0; b < P.kw; b++) {
      let iw = w0 + b * P.dW;
      if (iw >= 0 && iw < P.W) { cnt++; }
    }
  }
  return f32(cnt);
}`;

/**
 * The gather of a pooling backward pass for input cell i (in-plane index q): visits every window
 * that contains the cell, output o at (oh, ow), in increasing output order (taps in decreasing
 * order), runs `body` for each into acc, and writes acc to DX[i].
 */
function coveringWindows(body: string): string {
  return /* wgsl */ `
  let hw = u32(P.H * P.W);
  let plane = i / hw;
  let q = i32(i % hw);
  let ih = q / P.W;
  let iw = q % P.W;
  let ob = plane * u32(P.oH * P.oW);
  var acc = 0.0;
  for (var a = P.kh - 1; a >= 0; a--) {
    let th = ih + P.pT - a * P.dH;
    if (th < 0 || th % P.sH != 0) { continue; }
    let oh = th / P.sH;
    if (oh >= P.oH) { continue; }
    for (var b = P.kw - 1; b >= 0; b--) {
      let tw = iw + P.pL - b * P.dW;
      if (tw < 0 || tw % P.sW != 0) { continue; }
      let ow = tw / P.sW;
      if (ow >= P.oW) { continue; }
      let o = ob + u32(oh * P.oW + ow);
      ${body}
    }
  }
  DX[i] = acc;`;
}

/** Max pooling with the flat in-plane index of each winner; padded cells never win, NaN wins. */
export function maxPool2d(
  r: GpuRunner,
  x: Float32Array,
  g: Pool2dGeometry,
  y: Float32Array,
  indices: Int32Array,
): void {
  elementwise(
    r,
    'maxPool2d',
    g.n * g.c * g.outH * g.outW,
    [
      { name: 'X', array: x },
      { name: 'Y', array: y, write: true },
      { name: 'IDX', array: indices, write: true },
    ],
    poolParams('maxPool2d', g),
    /* wgsl */ `${WINDOW}
  var best = -inf_();
  var bi = -1;
  var done = false;
  for (var a = 0; a < P.kh && !done; a++) {
    let ih = h0 + a * P.dH;
    if (ih < 0 || ih >= P.H) { continue; }
    for (var b = 0; b < P.kw; b++) {
      let iw = w0 + b * P.dW;
      if (iw < 0 || iw >= P.W) { continue; }
      let v = X[xb + u32(ih * P.W + iw)];
      if (v > best || isnan_(v) || bi < 0) {
        best = v;
        bi = ih * P.W + iw;
        if (isnan_(v)) { done = true; break; }
      }
    }
  }
  Y[i] = best;
  IDX[i] = bi;`,
  );
}

/** dx[argmax] += dy, gathered per input cell (overwrites dx). */
export function maxPool2dBackward(
  r: GpuRunner,
  dy: Float32Array,
  indices: Int32Array,
  g: Pool2dGeometry,
  dx: Float32Array,
): void {
  const params = poolParams('maxPool2dBackward', g);
  const n = g.n * g.c * g.h * g.w;
  const bufs = [
    { name: 'DY', array: dy },
    { name: 'IDX', array: indices },
    { name: 'DX', array: dx, write: true },
  ];
  // Window gathers need every stored index inside its window. Adaptive pooling passes a 1 x 1
  // stride-1 geometry whose indices point anywhere in the plane, and a geometry whose windows
  // cannot reach the plane's end is no pooling's: for those, scan the plane's outputs.
  const span = (k: number, d: number): number => (k - 1) * d + 1;
  const windows =
    !(g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0) &&
    (g.outH - 1) * g.strideH + span(g.kh, g.dilationH) + g.strideH - 1 >= g.h + g.padTop &&
    (g.outW - 1) * g.strideW + span(g.kw, g.dilationW) + g.strideW - 1 >= g.w + g.padLeft;
  if (!windows) {
    elementwise(
      r,
      'maxPool2dBackward:scan',
      n,
      bufs,
      params,
      /* wgsl */ `
  let hw = u32(P.H * P.W);
  let q = i32(i % hw);
  let per = u32(P.oH * P.oW);
  let ob = (i / hw) * per;
  var acc = 0.0;
  for (var o = 0u; o < per; o++) {
    if (IDX[ob + o] == q) { acc += DY[ob + o]; }
  }
  DX[i] = acc;`,
    );
    return;
  }
  elementwise(
    r,
    'maxPool2dBackward',
    n,
    bufs,
    params,
    /* wgsl */ `
${coveringWindows('if (IDX[o] == q) { acc += DY[o]; }')}`,
  );
}

/** Average pooling (divisor: the full window when countIncludePad, else the in-bounds cells). */
export function avgPool2d(
  r: GpuRunner,
  x: Float32Array,
  g: Pool2dGeometry,
  countIncludePad: boolean,
  y: Float32Array,
): void {
  elementwise(
    r,
    'avgPool2d',
    g.n * g.c * g.outH * g.outW,
    [
      { name: 'X', array: x },
      { name: 'Y', array: y, write: true },
    ],
    [...poolParams('avgPool2d', g), ['incl', 'u32', countIncludePad ? 1 : 0]],
    /* wgsl */ `${WINDOW}
  var s = 0.0;
  for (var a = 0; a < P.kh; a++) {
    let ih = h0 + a * P.dH;
    if (ih < 0 || ih >= P.H) { continue; }
    for (var b = 0; b < P.kw; b++) {
      let iw = w0 + b * P.dW;
      if (iw >= 0 && iw < P.W) { s += X[xb + u32(ih * P.W + iw)]; }
    }
  }
  Y[i] = s / windowCount(h0, w0);`,
    '',
    WINDOW_COUNT,
  );
}

/** Spreads each dy evenly over its window, gathered per input cell (overwrites dx). */
export function avgPool2dBackward(
  r: GpuRunner,
  dy: Float32Array,
  g: Pool2dGeometry,
  countIncludePad: boolean,
  dx: Float32Array,
): void {
  elementwise(
    r,
    'avgPool2dBackward',
    g.n * g.c * g.h * g.w,
    [
      { name: 'DY', array: dy },
      { name: 'DX', array: dx, write: true },
    ],
    [...poolParams('avgPool2dBackward', g), ['incl', 'u32', countIncludePad ? 1 : 0]],
    /* wgsl */ `
${coveringWindows('acc += DY[o] / windowCount(oh * P.sH - P.pT, ow * P.sW - P.pL);')}`,
    '',
    WINDOW_COUNT,
  );
}
