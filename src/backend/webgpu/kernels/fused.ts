/**
 * WGSL fused kernels: softmax cross-entropy forward (probabilities + loss, with class weights,
 * ignoreIndex, label smoothing and the none / mean / sum reductions) and backward, and batch
 * normalisation forward (batch statistics and running-statistics update, or evaluation with
 * the running statistics) and backward. Per-position and per-channel sums are segmented
 * reductions (./reduce.ts); the loss total and the weight denominators are added in a fixed
 * order by one workgroup, so every result is deterministic.
 */
import type { GpuRunner } from '../dispatch.js';
import { check, elementwise } from './common.js';
import { kahan, segmented } from './reduce.js';

function dims(kernel: string, n: number, c: number, inner: number): void {
  for (const [f, v] of [
    ['n', n],
    ['c', c],
    ['inner', inner],
  ] as const)
    check(Number.isInteger(v) && v >= 0, kernel, `${f} = ${v} (must be a non-negative integer)`);
}

/** Softmax cross-entropy of logits z (n, c, inner) against class indices (n * inner); see the kernel table. */
export function crossEntropyForward(
  r: GpuRunner,
  z: Float32Array,
  target: Int32Array,
  weight: Float32Array | null,
  n: number,
  c: number,
  inner: number,
  ignoreIndex: number,
  smoothing: number,
  reduction: number,
  probs: Float32Array,
  loss: Float32Array,
): void {
  dims('crossEntropyForward', n, c, inner);
  check(
    reduction === 0 || reduction === 1 || reduction === 2,
    'crossEntropyForward',
    `reduction = ${reduction} (0 none, 1 mean, 2 sum)`,
  );
  const positions = n * inner;
  const w = weight !== null;
  const part = reduction === 0 ? null : (r.scratch(Math.max(2 * positions, 1), 'f32') as Float32Array);
  const wk = (k: string): string => (w ? `WT[${k}]` : '1.0');
  segmented(r, {
    key: `crossEntropyForward${w ? ':w' : ''}${part ? ':total' : ''}`,
    bufs: [
      { name: 'Z', array: z },
      { name: 'TGT', array: target },
      { name: 'WT', array: weight },
      { name: 'PROBS', array: probs, write: true },
      { name: 'LOSS', array: part === null ? loss : null, write: true },
      { name: 'PART', array: part, write: true },
    ],
    params: [
      ['c', 'u32', c],
      ['inner', 'u32', inner],
      ['ignore', 'i32', ignoreIndex],
      ['sm', 'f32', smoothing],
    ],
    slices: positions,
    len: c,
    body: /* wgsl */ `
  let base = (s / P.inner) * P.c * P.inner + s % P.inner;
  var m = -inf_();
  if (valid) {
    for (var l = lane; l < P.c; l += T) { let v = Z[base + l * P.inner]; if (v > m) { m = v; } }
  }
  m = slotMaxPlain(lid, m);
  var acc = 0.0;
  var comp = 0.0;
  if (valid) {
    for (var l = lane; l < P.c; l += T) { ${kahan('acc', 'comp', 'exp(Z[base + l * P.inner] - m)')} }
  }
  let lse = m + log(slotSum(lid, acc));
  var sm = 0.0;
  var smc = 0.0;
  if (valid) {
    for (var l = lane; l < P.c; l += T) {
      let p = base + l * P.inner;
      PROBS[p] = exp(Z[p] - lse);
      ${kahan('sm', 'smc', `${wk('l')} * (Z[p] - lse)`)}
    }
  }
  let smt = slotSum(lid, sm);
  if (valid && lane == 0u) {
    let y = TGT[s];
    var v = 0.0;
    var den = 0.0;
    if (y != P.ignore) {
      if (y < 0 || y >= i32(P.c)) {
        v = nan_();
      } else {
        let wy = ${wk('u32(y)')};
        den = wy;
        v = -(1.0 - P.sm) * wy * (Z[base + u32(y) * P.inner] - lse);
        if (P.sm > 0.0) { v += (P.sm / f32(P.c)) * -smt; }
      }
    }
    ${part === null ? 'LOSS[s] = v;' : 'PART[s] = v; PART[P.slices + s] = den;'}
  }`,
  });
  if (part !== null) {
    segmented(r, {
      key: `crossEntropyForward:reduce${reduction === 1 ? ':mean' : ''}`,
      bufs: [
        { name: 'PART', array: part },
        { name: 'LOSS', array: loss, write: true },
      ],
      params: [],
      slices: 1,
      len: positions,
      lanes: 256,
      body: /* wgsl */ `
  var acc = 0.0;
  var comp = 0.0;
  var dacc = 0.0;
  var dcomp = 0.0;
  for (var l = lane; l < P.len; l += T) {
    ${kahan('acc', 'comp', 'PART[l]')}
    ${kahan('dacc', 'dcomp', 'PART[P.len + l]')}
  }
  let tot = slotSum(lid, acc);
  let den = slotSum(lid, dacc);
  if (lid == 0u) { LOSS[0] = ${reduction === 1 ? 'tot / den' : 'tot'}; }`,
    });
    r.release(part);
  }
}

/** Gradient of crossEntropyForward with respect to the logits (overwrites dz). */
export function crossEntropyBackward(
  r: GpuRunner,
  probs: Float32Array,
  target: Int32Array,
  weight: Float32Array | null,
  gLoss: Float32Array,
  n: number,
  c: number,
  inner: number,
  ignoreIndex: number,
  smoothing: number,
  reduction: number,
  dz: Float32Array,
): void {
  dims('crossEntropyBackward', n, c, inner);
  check(
    reduction === 0 || reduction === 1 || reduction === 2,
    'crossEntropyBackward',
    `reduction = ${reduction} (0 none, 1 mean, 2 sum)`,
  );
  const w = weight !== null;
  const wk = (k: string): string => (w ? `WT[${k}]` : '1.0');
  const positions = n * inner;
  const sc = r.scratch(2, 'f32') as Float32Array;
  const params = [
    ['c', 'u32', c],
    ['inner', 'u32', inner],
    ['ignore', 'i32', ignoreIndex],
    ['sm', 'f32', smoothing],
    ['red', 'u32', reduction],
  ] as const;
  // SC[0]: summed weights of the counted targets ('mean'), SC[1]: summed class weights
  segmented(r, {
    key: `crossEntropyBackward:sums${w ? ':w' : ''}`,
    bufs: [
      { name: 'TGT', array: target },
      { name: 'WT', array: weight },
      { name: 'SC', array: sc, write: true },
    ],
    params,
    slices: 1,
    len: positions,
    lanes: 256,
    body: /* wgsl */ `
  var acc = 0.0;
  var comp = 0.0;
  for (var l = lane; l < P.len; l += T) {
    let y = TGT[l];
    if (y != P.ignore && y >= 0 && y < i32(P.c)) { ${kahan('acc', 'comp', wk('u32(y)'))} }
  }
  var ws = 0.0;
  var wc = 0.0;
  for (var k = lane; k < P.c; k += T) { ${kahan('ws', 'wc', wk('k'))} }
  let den = slotSum(lid, acc);
  let wsum = slotSum(lid, ws);
  if (lid == 0u) { SC[0] = den; SC[1] = wsum; }`,
  });
  elementwise(
    r,
    `crossEntropyBackward${w ? ':w' : ''}`,
    positions * c,
    [
      { name: 'PR', array: probs },
      { name: 'TGT', array: target },
      { name: 'WT', array: weight },
      { name: 'GL', array: gLoss },
      { name: 'SC', array: sc },
      { name: 'DZ', array: dz, write: true },
    ],
    [...params],
    /* wgsl */ `
  let j = i % P.inner;
  let t = i / P.inner;
  let k = t % P.c;
  let pos = (t / P.c) * P.inner + j;
  let y = TGT[pos];
  if (y == P.ignore || y < 0 || y >= i32(P.c)) { DZ[i] = 0.0; return; }
  var g = GL[0];
  if (P.red == 0u) { g = GL[pos]; } else if (P.red == 1u) { g = GL[0] / SC[0]; }
  let a = g * (1.0 - P.sm) * ${wk('u32(y)')};
  let e = g * P.sm / f32(P.c);
  var v = (a + e * SC[1]) * PR[i] - e * ${wk('k')};
  if (i32(k) == y) { v -= a; }
  DZ[i] = v;`,
  );
  r.release(sc);
}

/** Element l of channel s's slice in an (n, c, inner) array. */
const CHANNEL_AT = '((l / P.inner) * P.c + s) * P.inner + l % P.inner';

/** Batch normalisation forward (see the kernel table). */
export function batchNormForward(
  r: GpuRunner,
  x: Float32Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
  runMean: Float32Array | null,
  runVar: Float32Array | null,
  n: number,
  c: number,
  inner: number,
  training: boolean,
  momentum: number,
  eps: number,
  y: Float32Array,
  saveMean: Float32Array,
  saveInvStd: Float32Array,
): void {
  dims('batchNormForward', n, c, inner);
  const running = runMean !== null && runVar !== null;
  check(training || running, 'batchNormForward', 'evaluation needs runMean and runVar (got null)');
  const count = n * inner;
  const params = [
    ['c', 'u32', c],
    ['inner', 'u32', inner],
    ['count', 'f32', count],
    ['mom', 'f32', momentum],
    ['eps', 'f32', eps],
  ] as const;
  segmented(r, {
    key: `batchNormForward:stats${training ? ':train' : ''}${running ? ':run' : ''}`,
    bufs: [
      { name: 'X', array: x },
      { name: 'RM', array: running ? runMean : null, write: training },
      { name: 'RV', array: running ? runVar : null, write: training },
      { name: 'SM', array: saveMean, write: true },
      { name: 'SIS', array: saveInvStd, write: true },
    ],
    params: [...params],
    slices: c,
    len: count,
    body: training
      ? /* wgsl */ `
  var acc = 0.0;
  var comp = 0.0;
  if (valid) { for (var l = lane; l < P.len; l += T) { ${kahan('acc', 'comp', `X[${CHANNEL_AT}]`)} } }
  let mu = slotSum(lid, acc) / P.count;
  var vacc = 0.0;
  var vcomp = 0.0;
  if (valid) {
    for (var l = lane; l < P.len; l += T) { let d = X[${CHANNEL_AT}] - mu; ${kahan('vacc', 'vcomp', 'd * d')} }
  }
  let v = slotSum(lid, vacc);
  if (valid && lane == 0u) {
    SM[s] = mu;
    SIS[s] = 1.0 / sqrt(v / P.count + P.eps);
    ${running ? 'RM[s] = (1.0 - P.mom) * RM[s] + P.mom * mu; RV[s] = (1.0 - P.mom) * RV[s] + P.mom * (v / (P.count - 1.0));' : ''}
  }`
      : /* wgsl */ `
  if (valid && lane == 0u) { SM[s] = RM[s]; SIS[s] = 1.0 / sqrt(RV[s] + P.eps); }`,
    lanes: training ? undefined : 1,
  });
  elementwise(
    r,
    `batchNormForward:apply${weight ? ':w' : ''}${bias ? ':b' : ''}`,
    n * c * inner,
    [
      { name: 'X', array: x },
      { name: 'WT', array: weight },
      { name: 'BS', array: bias },
      { name: 'SM', array: saveMean },
      { name: 'SIS', array: saveInvStd },
      { name: 'Y', array: y, write: true },
    ],
    [...params],
    /* wgsl */ `
  let ch = (i / P.inner) % P.c;
  Y[i] = (X[i] - SM[ch]) * (SIS[ch]${weight ? ' * WT[ch]' : ''})${bias ? ' + BS[ch]' : ''};`,
  );
}

/** Batch normalisation backward: dx, dweight, dbias (each written when not null). */
export function batchNormBackward(
  r: GpuRunner,
  x: Float32Array,
  dy: Float32Array,
  weight: Float32Array | null,
  saveMean: Float32Array,
  saveInvStd: Float32Array,
  n: number,
  c: number,
  inner: number,
  training: boolean,
  dx: Float32Array | null,
  dweight: Float32Array | null,
  dbias: Float32Array | null,
): void {
  dims('batchNormBackward', n, c, inner);
  const count = n * inner;
  const sums = r.scratch(Math.max(2 * c, 1), 'f32') as Float32Array;
  const params = [
    ['c', 'u32', c],
    ['inner', 'u32', inner],
    ['count', 'f32', count],
  ] as const;
  segmented(r, {
    key: `batchNormBackward:sums${dweight ? ':dw' : ''}${dbias ? ':db' : ''}`,
    bufs: [
      { name: 'X', array: x },
      { name: 'DY', array: dy },
      { name: 'SM', array: saveMean },
      { name: 'SIS', array: saveInvStd },
      { name: 'SUMS', array: sums, write: true },
      { name: 'DWT', array: dweight, write: true },
      { name: 'DB', array: dbias, write: true },
    ],
    params: [...params],
    slices: c,
    len: count,
    body: /* wgsl */ `
  var a1 = 0.0;
  var c1 = 0.0;
  var a2 = 0.0;
  var c2 = 0.0;
  if (valid) {
    let mu = SM[s];
    let ist = SIS[s];
    for (var l = lane; l < P.len; l += T) {
      let p = ${CHANNEL_AT};
      let g = DY[p];
      ${kahan('a1', 'c1', 'g')}
      ${kahan('a2', 'c2', 'g * (X[p] - mu) * ist')}
    }
  }
  let s1 = slotSum(lid, a1);
  let s2 = slotSum(lid, a2);
  if (valid && lane == 0u) {
    SUMS[2u * s] = s1;
    SUMS[2u * s + 1u] = s2;
    ${dbias ? 'DB[s] = s1;' : ''}
    ${dweight ? 'DWT[s] = s2;' : ''}
  }`,
  });
  if (dx !== null)
    elementwise(
      r,
      `batchNormBackward:dx${training ? ':train' : ''}${weight ? ':w' : ''}`,
      n * c * inner,
      [
        { name: 'X', array: x },
        { name: 'DY', array: dy },
        { name: 'WT', array: weight },
        { name: 'SM', array: saveMean },
        { name: 'SIS', array: saveInvStd },
        { name: 'SUMS', array: sums },
        { name: 'DX', array: dx, write: true },
      ],
      [...params],
      /* wgsl */ `
  let ch = (i / P.inner) % P.c;
  let ist = SIS[ch];
  let gm = ${weight ? 'WT[ch]' : '1.0'};
  ${
    training
      ? 'DX[i] = (gm * ist / P.count) * (P.count * DY[i] - SUMS[2u * ch] - (X[i] - SM[ch]) * ist * SUMS[2u * ch + 1u]);'
      : 'DX[i] = gm * ist * DY[i];'
  }`,
    );
  r.release(sums);
}
