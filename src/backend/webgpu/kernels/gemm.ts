/**
 * The tiled matrix-multiply generator shared by GEMM and the three convolution kernels
 * (implicit GEMM: the convolution supplies how an A or B element is loaded and how a result is
 * stored), and the batched GEMM kernel itself. A workgroup computes a TM x TN tile of C (each
 * thread a 4 x 4 block) stepping through K in slices of 16 staged in workgroup memory; each
 * slice's partial products are summed plainly and the slices are added with Kahan
 * compensation, so the error does not grow with K. When there are too few tiles to fill the
 * device and K is long, K is split over workgroups whose partial sums go to a scratch array and
 * are added in a fixed order by a second dispatch (deterministic).
 */
import type { GpuRunner } from '../dispatch.js';
import { type Buf, check, elementwise, launch, type Param } from './common.js';

/** Rows of K staged per step. */
const TK = 16;

/** What a matrix product computes: sizes, how to load A and B elements and how to store a result. */
export interface MatmulSpec {
  /** Key stem; tile sizes and variants are appended. */
  readonly key: string;
  /** The arrays the loads and stores use (a scratch for split-K partial sums is added). */
  readonly bufs: readonly Buf[];
  /** The caller's uniforms (its loads and stores read them as P.<name>). */
  readonly params: readonly Param[];
  /** Independent products (the grid's z axis). */
  readonly batch: number;
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** The summed dimension. */
  readonly k: number;
  /** Body of `fn loadA(bt: u32, row: u32, kk: u32) -> f32` (called with row < M, kk < K). */
  readonly loadA: string;
  /** Body of `fn loadB(bt: u32, kk: u32, col: u32) -> f32` (called with kk < K, col < N). */
  readonly loadB: string;
  /** Body of `fn store_(bt: u32, row: u32, col: u32, acc: f32)` (called once per C element). */
  readonly store: string;
  /** A's elements are contiguous along K (tile loads walk K fastest), else along M (a uniform, not a variant). */
  readonly aKFast: boolean;
  /** B's elements are contiguous along N (tile loads walk N fastest), else along K (a uniform). */
  readonly bNFast: boolean;
  /** Extra WGSL functions the loads and stores call. */
  readonly prelude?: string;
}

/**
 * Tile side: 64 x 64 when both dimensions fill it, else 32 x 32. Few variants on purpose: each
 * costs a pipeline compile (seconds on SwiftShader).
 */
function tileSize(m: number, n: number): number {
  return m >= 64 && n >= 64 ? 64 : 32;
}

/** Enqueues C = the product of `spec` (one or two dispatches). Does nothing when a dimension is 0. */
export function matmul(r: GpuRunner, spec: MatmulSpec): void {
  const { batch, m, n, k } = spec;
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const TM = tileSize(m, n);
  const TN = TM;
  const NT = (TM / 4) * (TN / 4);
  const tilesX = Math.ceil(n / TN);
  const tilesY = Math.ceil(m / TM);
  const tiles = tilesX * tilesY * batch;
  // split K when the tiles alone cannot fill a device and K is long
  let splits = 1;
  if (tiles < 128 && k >= 256) splits = Math.min(64, Math.ceil(256 / tiles), Math.floor(k / 128));
  const maxScratch = Math.floor(r.limits.maxStorageBufferBindingSize / 4);
  while (splits > 1 && splits * batch * m * n > maxScratch) splits = Math.floor(splits / 2);
  let kChunk = Math.max(TK, Math.ceil(Math.ceil(k / splits) / TK) * TK);
  if (splits > 1) splits = Math.ceil(k / kChunk);
  if (splits <= 1) {
    splits = 1;
    kChunk = Math.max(k, 1);
  }
  // (bound in both cases so that split and unsplit runs share one pipeline)
  const part = r.scratch(splits > 1 ? splits * batch * m * n : 1, 'f32') as Float32Array;
  const body = /* wgsl */ `
const TM = ${TM}u;
const TN = ${TN}u;
const TK = ${TK}u;
const NT = ${NT}u;
var<workgroup> As: array<f32, ${TK * TM}>;
var<workgroup> Bs: array<f32, ${TK * TN}>;
fn loadA(bt: u32, row: u32, kk: u32) -> f32 { ${spec.loadA} }
fn loadB(bt: u32, kk: u32, col: u32) -> f32 { ${spec.loadB} }
fn store_(bt: u32, row: u32, col: u32, acc: f32) { ${spec.store} }
@compute @workgroup_size(${NT})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col0 = (wid.x + P.xBase) * TN;
  let row0 = (wid.y + P.yBase) * TM;
  let z = wid.z + P.zBase;
  let bt = z / P.splits;
  let split = z % P.splits;
  let k0 = split * P.kChunk;
  let k1 = min(P.K, k0 + P.kChunk);
  let tx = lid % (TN / 4u);
  let ty = lid / (TN / 4u);
  var sum: array<vec4<f32>, 4>;
  var comp: array<vec4<f32>, 4>;
  for (var kt = k0; kt < k1; kt += TK) {
    for (var e = lid; e < TM * TK; e += NT) {
      let kk = select(e / TM, e % TK, P.aKF != 0u);
      let mm = select(e % TM, e / TK, P.aKF != 0u);
      let gr = row0 + mm;
      let gk = kt + kk;
      var v = 0.0;
      if (gr < P.M && gk < k1) { v = loadA(bt, gr, gk); }
      As[kk * TM + mm] = v;
    }
    for (var e = lid; e < TN * TK; e += NT) {
      let kk = select(e % TK, e / TN, P.bNF != 0u);
      let nn = select(e / TK, e % TN, P.bNF != 0u);
      let gc = col0 + nn;
      let gk = kt + kk;
      var v = 0.0;
      if (gc < P.N && gk < k1) { v = loadB(bt, gk, gc); }
      Bs[kk * TN + nn] = v;
    }
    workgroupBarrier();
    // (explicitly zeroed: SwiftShader keeps a loop-body var's value across iterations)
    var t = array<vec4<f32>, 4>(vec4<f32>(), vec4<f32>(), vec4<f32>(), vec4<f32>());
    for (var kk = 0u; kk < TK; kk++) {
      let ab = kk * TM + ty * 4u;
      let bb = kk * TN + tx * 4u;
      let a = vec4<f32>(As[ab], As[ab + 1u], As[ab + 2u], As[ab + 3u]);
      let b = vec4<f32>(Bs[bb], Bs[bb + 1u], Bs[bb + 2u], Bs[bb + 3u]);
      t[0] += a.x * b;
      t[1] += a.y * b;
      t[2] += a.z * b;
      t[3] += a.w * b;
    }
    for (var i = 0u; i < 4u; i++) {
      let kd = t[i] - comp[i];
      let ku = sum[i] + kd;
      comp[i] = (ku - sum[i]) - kd;
      sum[i] = ku;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + ty * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + tx * 4u + j;
      if (row < P.M && col < P.N) {
        if (P.splits == 1u) {
          store_(bt, row, col, sum[i][j]);
        } else {
          PART[((split * P.batch + bt) * P.M + row) * P.N + col] = sum[i][j];
        }
      }
    }
  }
}`;
  const bufs: Buf[] = [...spec.bufs, { name: 'PART', array: part, write: true }];
  const key = `${spec.key}:mm${TM}`;
  const max = r.limits.maxComputeWorkgroupsPerDimension;
  const zTotal = batch * splits;
  for (let zb = 0; zb < zTotal; zb += max)
    for (let yb = 0; yb < tilesY; yb += max)
      for (let xb = 0; xb < tilesX; xb += max)
        launch(r, {
          key,
          bufs,
          params: [
            ['M', 'u32', m],
            ['N', 'u32', n],
            ['K', 'u32', k],
            ['batch', 'u32', batch],
            ['splits', 'u32', splits],
            ['kChunk', 'u32', kChunk],
            ['xBase', 'u32', xb],
            ['yBase', 'u32', yb],
            ['zBase', 'u32', zb],
            ['aKF', 'u32', spec.aKFast ? 1 : 0],
            ['bNF', 'u32', spec.bNFast ? 1 : 0],
            ...spec.params,
          ],
          prelude: spec.prelude,
          body,
          workgroups: [Math.min(max, tilesX - xb), Math.min(max, tilesY - yb), Math.min(max, zTotal - zb)],
        });
  if (splits === 1) {
    r.release(part);
    return;
  }
  // add the K slices in order (compensated), then store
  elementwise(
    r,
    `${spec.key}:mmsum`,
    batch * m * n,
    bufs,
    [['M', 'u32', m], ['N', 'u32', n], ['batch', 'u32', batch], ['splits', 'u32', splits], ...spec.params],
    /* wgsl */ `
  let col = i % P.N;
  let t = i / P.N;
  let row = t % P.M;
  let bt = t / P.M;
  var ks = 0.0;
  var kc = 0.0;
  for (var sp = 0u; sp < P.splits; sp++) {
    let kd = PART[((sp * P.batch + bt) * P.M + row) * P.N + col] - kc;
    let ku = ks + kd;
    kc = (ku - ks) - kd;
    ks = ku;
  }
  store_(bt, row, col, ks);`,
    spec.prelude ?? '',
    `fn store_(bt: u32, row: u32, col: u32, acc: f32) { ${spec.store} }`,
  );
  r.release(part);
}

/** Batched row-major GEMM: C[b] = alpha op(A[b]) op(B[b]) + beta C[b] (see the kernel table). */
export function gemm(
  r: GpuRunner,
  transA: boolean,
  transB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOffset: number,
  strideA: number,
  b: Float32Array,
  bOffset: number,
  strideB: number,
  beta: number,
  c: Float32Array,
  cOffset: number,
  strideC: number,
): void {
  for (const [name, v] of [
    ['batch', batch],
    ['m', m],
    ['n', n],
    ['k', k],
    ['aOffset', aOffset],
    ['strideA', strideA],
    ['bOffset', bOffset],
    ['strideB', strideB],
    ['cOffset', cOffset],
    ['strideC', strideC],
  ] as const)
    check(Number.isInteger(v) && v >= 0, 'gemm', `${name} = ${v} (must be a non-negative integer)`);
  const cIdx = 'P.cOff + bt * P.sC + row * P.N + col';
  matmul(r, {
    key: 'gemm',
    bufs: [
      { name: 'A', array: a },
      { name: 'B', array: b },
      { name: 'C', array: c, write: true },
    ],
    params: [
      ['aOff', 'u32', aOffset],
      ['sA', 'u32', strideA],
      ['aR', 'u32', transA ? 1 : k],
      ['aK', 'u32', transA ? m : 1],
      ['bOff', 'u32', bOffset],
      ['sB', 'u32', strideB],
      ['bK', 'u32', transB ? 1 : n],
      ['bC', 'u32', transB ? k : 1],
      ['cOff', 'u32', cOffset],
      ['sC', 'u32', strideC],
      ['alpha', 'f32', alpha],
      ['beta', 'f32', beta],
    ],
    batch,
    m,
    n,
    k,
    // transposes are strides (one pipeline for all four); beta = 0 never reads C (NaN-safe)
    loadA: 'return A[P.aOff + bt * P.sA + row * P.aR + kk * P.aK];',
    loadB: 'return B[P.bOff + bt * P.sB + kk * P.bK + col * P.bC];',
    store: `let ci = ${cIdx}; var v = P.alpha * acc; if (P.beta != 0.0) { v += P.beta * C[ci]; } C[ci] = v;`,
    aKFast: !transA,
    bNFast: !transB,
  });
}
