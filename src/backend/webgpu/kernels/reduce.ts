/**
 * WGSL reductions and layout kernels: reduce (sum / max / min / prod over the middle axis of
 * an (outer, len, inner) view), argReduce, permute, softmax / log-softmax and its backward, and
 * the segmented-reduction generator the fused kernels share. A segmented reduction gives each
 * slice T lanes of a 256-thread workgroup (T = 1 for short slices, up to 256 for long ones);
 * each lane sums its strided share with Kahan compensation, then the lanes combine in a fixed
 * tree: deterministic, and close to the reference's float64 sums.
 */
import { type ArgReduceOp, REDUCE_OPS, type ReduceOp } from '../../ops.js';
import type { GpuRunner } from '../dispatch.js';
import { type Buf, check, elementwise, GROUP_INDEX, grid1d, launch, MAIN_ARGS, type Param } from './common.js';

/** A segmented reduction program: `slices` slices of `len` elements, T lanes per slice. */
export interface SegmentSpec {
  /** Pipeline key stem. */
  readonly key: string;
  /** The arrays the body uses. */
  readonly bufs: readonly Buf[];
  /** Extra uniforms (P.slices, P.len and P.T are always there). */
  readonly params: readonly Param[];
  /** Number of slices (one result each). */
  readonly slices: number;
  /** Elements per slice (chooses the lanes per slice). */
  readonly len: number;
  /**
   * WGSL statements run by every thread (in uniform control flow, so it may call the slot
   * reducers): in scope `s` (slice index), `valid` (s < slices), `lane` (0..T-1), `lid`, and
   * `T` (lanes per slice). Reducers: `slotSum(lid, v)`, `slotMax(lid, v)` (NaN wins), `slotMaxPlain(lid, v)`
   * (NaN ignored, like `if (v > m) m = v`), `slotMin(lid, v)`, `slotProd(lid, v)`: every lane of
   * the slot gets the slot's result.
   */
  readonly body: string;
  /** Helper functions that mention no buffer. */
  readonly prelude?: string;
  /** Lanes per slice (default: from len). */
  readonly lanes?: number;
}

/** Lanes per slice for a slice length: more lanes only when a slice is long enough to share. */
export function lanesFor(len: number): number {
  return len >= 2048 ? 256 : len >= 256 ? 64 : len >= 32 ? 8 : 1;
}

const COMBINE: Record<string, string> = {
  slotSum: 'a + b',
  slotProd: 'a * b',
  slotMax: 'select(select(select(a, b, b > a), b, isnan_(b)), a, isnan_(a))',
  slotMin: 'select(select(select(a, b, b < a), b, isnan_(b)), a, isnan_(a))',
  slotMaxPlain: 'select(a, b, b > a)',
};

/** Enqueues a segmented reduction (one dispatch). */
export function segmented(r: GpuRunner, spec: SegmentSpec): void {
  if (spec.slices <= 0) return;
  const T = spec.lanes ?? lanesFor(spec.len);
  const SPW = 256 / T;
  // T is a uniform, not a constant: one pipeline per key whatever the slice length
  // (compiles cost seconds on SwiftShader); only the reducers the body calls are emitted
  const reducers = Object.entries(COMBINE)
    .filter(([name]) => new RegExp(`\\b${name}\\(`).test(spec.body))
    .map(
      ([name, c]) => /* wgsl */ `
fn ${name}(lid: u32, v: f32) -> f32 {
  sh[lid] = v;
  workgroupBarrier();
  for (var st = P.T / 2u; st > 0u; st = st / 2u) {
    if (lid % P.T < st) { let a = sh[lid]; let b = sh[lid + st]; sh[lid] = ${c}; }
    workgroupBarrier();
  }
  let res = sh[lid - lid % P.T];
  workgroupBarrier();
  return res;
}`,
    )
    .join('');
  launch(r, {
    key: `${spec.key}:seg`,
    bufs: spec.bufs,
    params: [['slices', 'u32', spec.slices], ['len', 'u32', spec.len], ['T', 'u32', T], ...spec.params],
    prelude: spec.prelude,
    body: /* wgsl */ `
var<workgroup> sh: array<f32, 256>;
${reducers}
@compute @workgroup_size(256)
fn main(${MAIN_ARGS}) {
  let T = P.T;
  let lane = lid % T;
  let s = ${GROUP_INDEX} * (256u / T) + lid / T;
  let valid = s < P.slices;
  ${spec.body}
}`,
    workgroups: grid1d(r, Math.ceil(spec.slices / SPW), spec.key),
  });
}

/** WGSL: compensated add of `v` into (acc, comp). */
export function kahan(acc: string, comp: string, v: string): string {
  return `{ let kd = (${v}) - ${comp}; let ku = ${acc} + kd; ${comp} = (ku - ${acc}) - kd; ${acc} = ku; }`;
}

function viewParams(kernel: string, outer: number, len: number, inner: number): Param[] {
  for (const [f, v] of [
    ['outer', outer],
    ['len', len],
    ['inner', inner],
  ] as const)
    check(Number.isInteger(v) && v >= 0, kernel, `${f} = ${v} (must be a non-negative integer)`);
  return [['inner', 'u32', inner]];
}

/** Address of element l of slice s in an (outer, len, inner) view. */
const SLICE_BASE = 'let base = (s / P.inner) * P.len * P.inner + s % P.inner;';

/** Reduces x (outer, len, inner) over the middle axis into out (outer, inner). */
export function reduce(
  r: GpuRunner,
  op: ReduceOp,
  x: Float32Array,
  outer: number,
  len: number,
  inner: number,
  out: Float32Array,
): void {
  const spec = (REDUCE_OPS as Record<string, { identity: number } | undefined>)[op];
  if (spec === undefined)
    throw new Error(
      `reduce: unknown op '${op}' (known: ${Object.keys(REDUCE_OPS).join(', ')}); declare it in src/backend/ops.ts`,
    );
  const params = viewParams('reduce', outer, len, inner);
  const ident = op === 'sum' ? '0.0' : op === 'prod' ? '1.0' : op === 'max' ? '-inf_()' : 'inf_()';
  const step =
    op === 'sum'
      ? kahan('acc', 'comp', 'v')
      : op === 'prod'
        ? 'acc = acc * v;'
        : op === 'max'
          ? 'if (v > acc || isnan_(v)) { acc = v; }'
          : 'if (v < acc || isnan_(v)) { acc = v; }';
  const slot = { sum: 'slotSum', prod: 'slotProd', max: 'slotMax', min: 'slotMin' }[op];
  segmented(r, {
    key: `reduce:${op}`,
    bufs: [
      { name: 'X', array: x },
      { name: 'OUT', array: out, write: true },
    ],
    params,
    slices: outer * inner,
    len,
    body: /* wgsl */ `
  var acc = ${ident};
  var comp = 0.0;
  if (valid) {
    ${SLICE_BASE}
    for (var l = lane; l < P.len; l += T) {
      let v = X[base + l * P.inner];
      ${step}
    }
  }
  let tot = ${slot}(lid, acc);
  if (valid && lane == 0u) { OUT[s] = tot; }`,
  });
}

/** Index of the first max (or min) over the middle axis of (outer, len, inner). */
export function argReduce(
  r: GpuRunner,
  op: ArgReduceOp,
  x: Float32Array,
  outer: number,
  len: number,
  inner: number,
  out: Int32Array,
): void {
  if (op !== 'argmax' && op !== 'argmin')
    throw new Error(`argReduce: unknown op '${String(op)}' (known: argmax, argmin)`);
  const params = viewParams('argReduce', outer, len, inner);
  elementwise(
    r,
    `argReduce:${op}`,
    outer * inner,
    [
      { name: 'X', array: x },
      { name: 'OUT', array: out, write: true },
    ],
    [...params, ['len', 'u32', len]],
    /* wgsl */ `
  let s = i;
  ${SLICE_BASE}
  var best = X[base];
  var bi = 0;
  for (var l = 1u; l < P.len; l++) {
    let v = X[base + l * P.inner];
    if (v ${op === 'argmax' ? '>' : '<'} best) { best = v; bi = i32(l); }
  }
  OUT[i] = bi;`,
  );
}

/** Copies x (shape `shape`) into out with axes permuted: out.shape[d] = shape[perm[d]]. */
export function permute(
  r: GpuRunner,
  x: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
  out: Float32Array,
): void {
  const rank = shape.length;
  check(
    perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i),
    'permute',
    `perm [${perm}] is not a permutation of the ${rank} axes of [${shape}]`,
  );
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = acc;
    acc *= shape[d];
  }
  // merge output axes that stay contiguous in the input, drop size-1 axes
  const dims: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < rank; d++) {
    const size = shape[perm[d]];
    const stride = inStrides[perm[d]];
    if (size === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && st[k] === stride * size) {
      dims[k] *= size;
      st[k] = stride;
    } else {
      dims.push(size);
      st.push(stride);
    }
  }
  const R = dims.length;
  const params: Param[] = [];
  let decode = 'var rem = i; var src = 0u;';
  for (let d = R - 1; d >= 0; d--) {
    params.push([`d${d}`, 'u32', dims[d]], [`s${d}`, 'u32', st[d]]);
    decode += d > 0 ? ` { let q = rem % P.d${d}; rem = rem / P.d${d}; src += q * P.s${d}; }` : ' src += rem * P.s0;';
  }
  elementwise(
    r,
    `permute:r${R}`,
    acc,
    [
      { name: 'X', array: x },
      { name: 'OUT', array: out, write: true },
    ],
    params,
    `${decode} OUT[i] = X[src];`,
  );
}

/** Softmax (or log-softmax) over the middle axis of (outer, len, inner) into y (y may be x). */
export function softmax(
  r: GpuRunner,
  x: Float32Array,
  outer: number,
  len: number,
  inner: number,
  log: boolean,
  y: Float32Array,
): void {
  const params = viewParams('softmax', outer, len, inner);
  segmented(r, {
    key: `softmax${log ? ':log' : ''}`,
    bufs: [
      { name: 'X', array: x },
      { name: 'Y', array: y, write: true },
    ],
    params,
    slices: outer * inner,
    len,
    body: /* wgsl */ `
  ${SLICE_BASE}
  var m = -inf_();
  if (valid) {
    for (var l = lane; l < P.len; l += T) { let v = X[base + l * P.inner]; if (v > m) { m = v; } }
  }
  m = slotMaxPlain(lid, m);
  var acc = 0.0;
  var comp = 0.0;
  if (valid) {
    for (var l = lane; l < P.len; l += T) { ${kahan('acc', 'comp', 'exp(X[base + l * P.inner] - m)')} }
  }
  let tot = slotSum(lid, acc);
  if (valid) {
    ${log ? 'let shift = m + log(tot);' : 'let inv = 1.0 / tot;'}
    for (var l = lane; l < P.len; l += T) {
      let p = base + l * P.inner;
      Y[p] = ${log ? 'X[p] - shift' : 'exp(X[p] - m) * inv'};
    }
  }`,
  });
}

/** Backward of softmax / log-softmax from its output y (dx may be dy). */
export function softmaxBackward(
  r: GpuRunner,
  y: Float32Array,
  dy: Float32Array,
  outer: number,
  len: number,
  inner: number,
  log: boolean,
  dx: Float32Array,
): void {
  const params = viewParams('softmaxBackward', outer, len, inner);
  segmented(r, {
    key: `softmaxBackward${log ? ':log' : ''}`,
    bufs: [
      { name: 'Y', array: y },
      { name: 'DY', array: dy },
      { name: 'DX', array: dx, write: true },
    ],
    params,
    slices: outer * inner,
    len,
    body: /* wgsl */ `
  ${SLICE_BASE}
  var acc = 0.0;
  var comp = 0.0;
  if (valid) {
    for (var l = lane; l < P.len; l += T) {
      let p = base + l * P.inner;
      ${kahan('acc', 'comp', log ? 'DY[p]' : 'DY[p] * Y[p]')}
    }
  }
  let tot = slotSum(lid, acc);
  if (valid) {
    for (var l = lane; l < P.len; l += T) {
      let p = base + l * P.inner;
      DX[p] = ${log ? 'DY[p] - exp(Y[p]) * tot' : 'Y[p] * (DY[p] - tot)'};
    }
  }`,
  });
}
