/**
 * WGSL convolution kernels as implicit GEMMs on the tiled matmul of ./gemm.ts, one GEMM per
 * group (the matmul's batch axis), with no im2col buffer: the loads compute the input position
 * of each (channel, tap, output position) and give 0 outside the padded input.
 * - forward: Y[o, (b, oh, ow)] = W[o, (c, ki, kj)] . X_col[(c, ki, kj), (b, oh, ow)] + bias[o]
 * - backward data: dX[c, (b, ih, iw)] = W^T[c, (o, ki, kj)] . dY_col[(o, ki, kj), (b, ih, iw)],
 *   where dY_col is dY at oh = (ih + padTop - ki dilH) / strideH when that divides exactly
 * - backward weight: dW[o, (c, ki, kj)] = dY[o, (b, oh, ow)] . X_col^T[(b, oh, ow), (c, ki, kj)]
 *   (long K: the matmul splits it over workgroups and adds the slices in order)
 * Stride, dilation, asymmetric padding (bottom / right implied by outH / outW) and groups
 * (depthwise included) all go through the same index arithmetic. conv2dAct applies a unary op
 * in the forward's store. With few channels per group (LeNet's 1 -> 6, depthwise) the forward
 * and the data gradient run direct kernels instead, one thread per output cell, and the weight
 * gradient a segmented sum per weight (../reduce.ts).
 */
import type { Conv2dGeometry } from '../../backend.js';
import type { UnaryOp } from '../../ops.js';
import type { GpuRunner } from '../dispatch.js';
import { GEOMETRY } from '../../kernels.js';
import { check, elementwise, type Param } from './common.js';
import { matmul } from './gemm.js';
import { kahan, segmented } from './reduce.js';
import { OP_HELPERS, unaryWgsl } from './wgsl-ops.js';

/**
 * Up to this many channels per group on the GEMM's row side (output channels forward, input
 * channels for the data gradient), a direct kernel (one thread per output cell) runs instead:
 * the GEMM's 32-row tiles would be mostly empty, and SwiftShader pays dearly for barriers.
 */
const DIRECT_MAX = 16;

function geometryParams(kernel: string, g: Conv2dGeometry): Param[] {
  for (const f of GEOMETRY.conv2d) {
    const v = g[f];
    const min = f === 'padTop' || f === 'padLeft' || f === 'n' || f === 'cIn' || f === 'cOut' ? 0 : 1;
    check(Number.isInteger(v) && v >= min, kernel, `geometry ${f} = ${v} (must be an integer >= ${min})`);
  }
  check(
    g.cIn % g.groups === 0 && g.cOut % g.groups === 0,
    kernel,
    `groups = ${g.groups} must divide cIn = ${g.cIn} and cOut = ${g.cOut}`,
  );
  return [
    ['cIn', 'u32', g.cIn],
    ['H', 'u32', g.h],
    ['W', 'u32', g.w],
    ['cOut', 'u32', g.cOut],
    ['kh', 'u32', g.kh],
    ['kw', 'u32', g.kw],
    ['sH', 'u32', g.strideH],
    ['sW', 'u32', g.strideW],
    ['pT', 'u32', g.padTop],
    ['pL', 'u32', g.padLeft],
    ['dH', 'u32', g.dilationH],
    ['dW', 'u32', g.dilationW],
    ['cInG', 'u32', g.cIn / g.groups],
    ['cOutG', 'u32', g.cOut / g.groups],
    ['oH', 'u32', g.outH],
    ['oW', 'u32', g.outW],
  ];
}

/** X at (image b, channel ci of group bt, tap (ki, kj), output position p); 0 in the padding. */
const X_AT = /* wgsl */ `
  let oh = p / P.oW;
  let ow = p % P.oW;
  let ih = i32(oh * P.sH + ki * P.dH) - i32(P.pT);
  let iw = i32(ow * P.sW + kj * P.dW) - i32(P.pL);
  if (ih < 0 || iw < 0 || ih >= i32(P.H) || iw >= i32(P.W)) { return 0.0; }
  return X[((b * P.cIn + bt * P.cInG + ci) * P.H + u32(ih)) * P.W + u32(iw)];`;

/** y = conv(x, w) + bias (cross-correlation). */
export function conv2d(
  r: GpuRunner,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  y: Float32Array,
): void {
  convForward(r, 'conv2d', x, w, bias, g, null, 0, y);
}

/** y = act(conv(x, w) + bias): the activation applied in the store (the inference epilogue). */
export function conv2dAct(
  r: GpuRunner,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  act: UnaryOp,
  alpha: number,
  y: Float32Array,
): void {
  convForward(r, 'conv2dAct', x, w, bias, g, act, alpha, y);
}

function convForward(
  r: GpuRunner,
  kernel: string,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  act: UnaryOp | null,
  alpha: number,
  y: Float32Array,
): void {
  const params = geometryParams(kernel, g);
  params.push(['hasBias', 'u32', bias ? 1 : 0]);
  if (act !== null) params.push(['alpha', 'f32', alpha]);
  // without bias a 1-element scratch stands in, so both cases share one pipeline
  const biasArr = bias ?? (r.scratch(1, 'f32') as Float32Array);
  if (g.cOut / g.groups <= DIRECT_MAX) {
    // few output channels per group: a GEMM tile would be mostly empty rows; one thread per output
    elementwise(
      r,
      `${kernel}:direct${act ? `:${act}` : ''}`,
      g.n * g.cOut * g.outH * g.outW,
      [
        { name: 'X', array: x },
        { name: 'Wt', array: w },
        { name: 'BIAS', array: biasArr },
        { name: 'Y', array: y, write: true },
      ],
      params,
      /* wgsl */ `
  let ohw = P.oH * P.oW;
  let p = i % ohw;
  let t = i / ohw;
  let o = t % P.cOut;
  let b = t / P.cOut;
  let ih0 = i32((p / P.oW) * P.sH) - i32(P.pT);
  let iw0 = i32((p % P.oW) * P.sW) - i32(P.pL);
  let khw = P.kh * P.kw;
  var v = 0.0;
  for (var ci = 0u; ci < P.cInG; ci++) {
    let xb = (b * P.cIn + (o / P.cOutG) * P.cInG + ci) * P.H * P.W;
    let wb = (o * P.cInG + ci) * khw;
    for (var ki = 0u; ki < P.kh; ki++) {
      let ih = ih0 + i32(ki * P.dH);
      if (ih < 0 || ih >= i32(P.H)) { continue; }
      for (var kj = 0u; kj < P.kw; kj++) {
        let iw = iw0 + i32(kj * P.dW);
        if (iw < 0 || iw >= i32(P.W)) { continue; }
        v += Wt[wb + ki * P.kw + kj] * X[xb + u32(ih) * P.W + u32(iw)];
      }
    }
  }
  if (P.hasBias != 0u) { v += BIAS[o]; }
  ${act ? 'let alpha = P.alpha;' : ''}
  Y[i] = ${act ? unaryWgsl(act) : 'v'};`,
      act ? OP_HELPERS : '',
    );
    if (!bias) r.release(biasArr);
    return;
  }
  matmul(r, {
    key: `${kernel}${act ? `:${act}` : ''}`,
    bufs: [
      { name: 'X', array: x },
      { name: 'Wt', array: w },
      { name: 'BIAS', array: biasArr },
      { name: 'Y', array: y, write: true },
    ],
    params,
    batch: g.groups,
    m: g.cOut / g.groups,
    n: g.n * g.outH * g.outW,
    k: (g.cIn / g.groups) * g.kh * g.kw,
    loadA: 'return Wt[(bt * P.cOutG + row) * P.K + kk];',
    loadB: `
  let khw = P.kh * P.kw;
  let ci = kk / khw;
  let ki = (kk % khw) / P.kw;
  let kj = kk % P.kw;
  let b = col / (P.oH * P.oW);
  let p = col % (P.oH * P.oW);${X_AT}`,
    store: `
  let ohw = P.oH * P.oW;
  let o = bt * P.cOutG + row;
  var v = acc;
  if (P.hasBias != 0u) { v += BIAS[o]; }
  ${act ? 'let alpha = P.alpha;' : ''}
  Y[((col / ohw) * P.cOut + o) * ohw + col % ohw] = ${act ? unaryWgsl(act) : 'v'};`,
    aKFast: true,
    bNFast: true,
    prelude: act ? OP_HELPERS : undefined,
  });
  if (!bias) r.release(biasArr);
}

/** dx = the transposed convolution of dy with w (overwrites dx). */
export function conv2dBackwardData(
  r: GpuRunner,
  dy: Float32Array,
  w: Float32Array,
  g: Conv2dGeometry,
  dx: Float32Array,
): void {
  const params = geometryParams('conv2dBackwardData', g);
  if (g.cIn / g.groups <= DIRECT_MAX) {
    // few input channels per group: one thread per dx cell, gathering its taps
    elementwise(
      r,
      'conv2dBackwardData:direct',
      g.n * g.cIn * g.h * g.w,
      [
        { name: 'DY', array: dy },
        { name: 'Wt', array: w },
        { name: 'DX', array: dx, write: true },
      ],
      params,
      /* wgsl */ `
  let hw = P.H * P.W;
  let p = i % hw;
  let t = i / hw;
  let c = t % P.cIn;
  let b = t / P.cIn;
  let grp = c / P.cInG;
  let th0 = i32(p / P.W + P.pT);
  let tw0 = i32(p % P.W + P.pL);
  let khw = P.kh * P.kw;
  var v = 0.0;
  for (var ol = 0u; ol < P.cOutG; ol++) {
    let o = grp * P.cOutG + ol;
    let yb = (b * P.cOut + o) * P.oH * P.oW;
    let wb = (o * P.cInG + c % P.cInG) * khw;
    for (var ki = 0u; ki < P.kh; ki++) {
      let th = th0 - i32(ki * P.dH);
      if (th < 0 || u32(th) % P.sH != 0u) { continue; }
      let oh = u32(th) / P.sH;
      if (oh >= P.oH) { continue; }
      for (var kj = 0u; kj < P.kw; kj++) {
        let tw = tw0 - i32(kj * P.dW);
        if (tw < 0 || u32(tw) % P.sW != 0u) { continue; }
        let ow = u32(tw) / P.sW;
        if (ow >= P.oW) { continue; }
        v += Wt[wb + ki * P.kw + kj] * DY[yb + oh * P.oW + ow];
      }
    }
  }
  DX[i] = v;`,
    );
    return;
  }
  matmul(r, {
    key: 'conv2dBackwardData',
    bufs: [
      { name: 'DY', array: dy },
      { name: 'Wt', array: w },
      { name: 'DX', array: dx, write: true },
    ],
    params,
    batch: g.groups,
    m: g.cIn / g.groups,
    n: g.n * g.h * g.w,
    k: (g.cOut / g.groups) * g.kh * g.kw,
    loadA: `
  let khw = P.kh * P.kw;
  return Wt[((bt * P.cOutG + kk / khw) * P.cInG + row) * khw + kk % khw];`,
    loadB: `
  let khw = P.kh * P.kw;
  let o = kk / khw;
  let ki = (kk % khw) / P.kw;
  let kj = kk % P.kw;
  let hw = P.H * P.W;
  let b = col / hw;
  let p = col % hw;
  let th = i32(p / P.W + P.pT) - i32(ki * P.dH);
  let tw = i32(p % P.W + P.pL) - i32(kj * P.dW);
  if (th < 0 || tw < 0) { return 0.0; }
  let uh = u32(th);
  let uw = u32(tw);
  if (uh % P.sH != 0u || uw % P.sW != 0u) { return 0.0; }
  let oh = uh / P.sH;
  let ow = uw / P.sW;
  if (oh >= P.oH || ow >= P.oW) { return 0.0; }
  return DY[((b * P.cOut + bt * P.cOutG + o) * P.oH + oh) * P.oW + ow];`,
    store: `
  let hw = P.H * P.W;
  DX[((col / hw) * P.cIn + bt * P.cInG + row) * hw + col % hw] = acc;`,
    aKFast: true,
    bNFast: true,
  });
}

/** dw = sum over images and output positions of x * dy (overwrites dw). */
export function conv2dBackwardWeight(
  r: GpuRunner,
  x: Float32Array,
  dy: Float32Array,
  g: Conv2dGeometry,
  dw: Float32Array,
): void {
  const params = geometryParams('conv2dBackwardWeight', g);
  if (g.cOut / g.groups <= DIRECT_MAX && (g.cIn / g.groups) * g.kh * g.kw <= 32) {
    // a weight small enough for one GEMM tile (LeNet's conv1, depthwise): the GEMM would run a
    // handful of workgroups; instead each dw element is a segmented sum over (image, oh, ow).
    // (Measured on SwiftShader: 1.6x faster for LeNet's conv1, 5x slower for its conv2: 6 x 25 taps.)
    segmented(r, {
      key: 'conv2dBackwardWeight:direct',
      bufs: [
        { name: 'X', array: x },
        { name: 'DY', array: dy },
        { name: 'DW', array: dw, write: true },
      ],
      params,
      slices: g.cOut * (g.cIn / g.groups) * g.kh * g.kw,
      len: g.n * g.outH * g.outW,
      body: /* wgsl */ `
  let khw = P.kh * P.kw;
  let kj = s % P.kw;
  let ki = (s / P.kw) % P.kh;
  let ci = (s / khw) % P.cInG;
  let o = s / (khw * P.cInG);
  let c = (o / P.cOutG) * P.cInG + ci;
  let ohw = P.oH * P.oW;
  var acc = 0.0;
  var comp = 0.0;
  if (valid) {
    for (var l = lane; l < P.len; l += T) {
      let b = l / ohw;
      let p = l % ohw;
      let ih = i32((p / P.oW) * P.sH + ki * P.dH) - i32(P.pT);
      let iw = i32((p % P.oW) * P.sW + kj * P.dW) - i32(P.pL);
      if (ih < 0 || iw < 0 || ih >= i32(P.H) || iw >= i32(P.W)) { continue; }
      let v = DY[(b * P.cOut + o) * ohw + p] * X[((b * P.cIn + c) * P.H + u32(ih)) * P.W + u32(iw)];
      ${kahan('acc', 'comp', 'v')}
    }
  }
  let tot = slotSum(lid, acc);
  if (valid && lane == 0u) { DW[s] = tot; }`,
    });
    return;
  }
  matmul(r, {
    key: 'conv2dBackwardWeight',
    bufs: [
      { name: 'X', array: x },
      { name: 'DY', array: dy },
      { name: 'DW', array: dw, write: true },
    ],
    params,
    batch: g.groups,
    m: g.cOut / g.groups,
    n: (g.cIn / g.groups) * g.kh * g.kw,
    k: g.n * g.outH * g.outW,
    loadA: `
  let ohw = P.oH * P.oW;
  return DY[((kk / ohw) * P.cOut + bt * P.cOutG + row) * ohw + kk % ohw];`,
    loadB: `
  let khw = P.kh * P.kw;
  let ci = col / khw;
  let ki = (col % khw) / P.kw;
  let kj = col % P.kw;
  let b = kk / (P.oH * P.oW);
  let p = kk % (P.oH * P.oW);${X_AT}`,
    store: 'DW[(bt * P.cOutG + row) * P.N + col] = acc;',
    aKFast: true,
    bNFast: false,
  });
}
