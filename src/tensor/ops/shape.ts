/** Shape and layout ops: reshape, permute, slicing, concatenation, padding, indexing. */
import { record } from '../../autograd/engine.js';
import { getBackend } from '../../backend/index.js';
import { allocStorage, empty, f32, f32Storage } from '../alloc.js';
import { checkShape, fmt, normAxis, sizeOf, stridesOf } from '../shape.js';
import { checkAllocation } from '../limits.js';
import { Tensor, type TensorData } from '../tensor.js';
import { sumTo } from './reduce.js';
import { remap } from './remap.js';
import { describeValue, expectTensor } from './check.js';

function like(x: Tensor, n: number): TensorData {
  return x.dtype === 'int32' ? new Int32Array(n) : allocStorage(n);
}

/** A copy with its own storage. */
export function clone(x: Tensor): Tensor {
  const data = like(x, x.size);
  data.set(x.data as Float32Array & Int32Array);
  return record(new Tensor(data, x.shape), 'clone', [x], (g) => [g]);
}

/** Same storage, new shape; one entry may be -1. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const infer = shape.indexOf(-1);
  const s = shape.slice();
  if (infer >= 0) {
    if (shape.indexOf(-1, infer + 1) >= 0) throw new RangeError(`reshape: only one -1 allowed, got ${fmt(shape)}`);
    const known = sizeOf(s.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0)
      throw new RangeError(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    s[infer] = x.size / known;
  }
  checkShape('reshape', s);
  if (sizeOf(s) !== x.size)
    throw new RangeError(
      `reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)} (${sizeOf(s)} elements)`,
    );
  const out = new Tensor(x.storage, s);
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape.slice())]);
}

/** Reorders axes (a copy). */
export function permute(x: Tensor, perm: number[]): Tensor {
  if (perm.length !== x.ndim)
    throw new RangeError(`permute: got ${perm.length} axes ${fmt(perm)} for a tensor of rank ${x.ndim}`);
  const p = perm.map((a) => normAxis('permute', a, x.ndim));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: axes ${fmt(perm)} repeat`);
  const outShape = p.map((a) => x.shape[a]);
  let out: Tensor;
  if (x.dtype === 'int32') {
    // a plain strided copy: int32 values above 2^24 would not survive a float32 kernel
    const st = stridesOf(x.shape),
      src = x.data,
      dst = new Int32Array(x.size);
    const idx = new Array<number>(p.length).fill(0);
    for (let o = 0; o < dst.length; o++) {
      let off = 0;
      for (let d = 0; d < p.length; d++) off += idx[d] * st[p[d]];
      dst[o] = src[off];
      for (let d = p.length - 1; d >= 0; d--) {
        if (++idx[d] < outShape[d]) break;
        idx[d] = 0;
      }
    }
    out = new Tensor(dst, outShape);
  } else {
    out = empty(outShape);
    getBackend().permute(x.storageF32, x.shape, p, out.storageF32);
  }
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => {
    inv[a] = i;
  });
  return record(out, 'permute', [x], (g) => [permute(g, inv)]);
}

/** Swaps two axes. */
export function transpose(x: Tensor, a: number, b: number): Tensor {
  if (x.ndim < 2) return x;
  const p = [...Array(x.ndim).keys()];
  const i = normAxis('transpose', a, x.ndim),
    j = normAxis('transpose', b, x.ndim);
  [p[i], p[j]] = [p[j], p[i]];
  return permute(x, p);
}

/** Merges axes start..end into one. */
export function flatten(x: Tensor, start: number, end: number): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', start, x.ndim),
    e = normAxis('flatten', end, x.ndim);
  if (s > e) throw new RangeError(`flatten: start axis ${start} comes after end axis ${end}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Removes size-1 axes (all of them, or the one given). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normAxis('squeeze', dim, x.ndim);
  if (x.shape[a] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Inserts a size-1 axis at `dim` (negative counts from the end of the result). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const a = normAxis('unsqueeze', dim, x.ndim + 1);
  const s = x.shape.slice();
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Copies blocks: for each of `outer` rows, `len` contiguous elements from src to dst. */
function copyRows(
  src: TensorData,
  srcOff: number,
  srcStride: number,
  dst: TensorData,
  dstOff: number,
  dstStride: number,
  outer: number,
  len: number,
): void {
  for (let o = 0; o < outer; o++) {
    const s = srcOff + o * srcStride,
      d = dstOff + o * dstStride;
    (dst as Float32Array).set((src as Float32Array).subarray(s, s + len), d);
  }
}

/** Elements [start, end) with a step along an axis (negative indices count from the end). */
export function slice(x: Tensor, dim: number, start: number, end?: number, step = 1): Tensor {
  const a = normAxis('slice', dim, x.ndim);
  const n = x.shape[a];
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new TypeError(`slice: start and end must be integers, got start ${String(start)} and end ${String(end)}`);
  }
  const clampIdx = (i: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIdx(start),
    e = end === undefined ? n : clampIdx(end);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const outShape = x.shape.slice();
  outShape[a] = len;
  const outer = sizeOf(x.shape.slice(0, a)),
    inner = sizeOf(x.shape.slice(a + 1));
  const data = like(x, sizeOf(outShape));
  for (let k = 0; k < len; k++)
    copyRows(x.data, (s + k * step) * inner, n * inner, data, k * inner, len * inner, outer, inner);
  const out = new Tensor(data, outShape);
  return record(out, 'slice', [x], (g) => {
    const gx = empty(x.shape);
    for (let k = 0; k < len; k++)
      copyRows(g.data, k * inner, len * inner, gx.data, (s + k * step) * inner, n * inner, outer, inner);
    return [gx];
  });
}

/** Broadcasts x to a shape (a copy); -1 keeps a dim. */
export function expand(x: Tensor, shape: number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new RangeError(`expand: cannot expand ${fmt(x.shape)} to fewer axes ${fmt(shape)}`);
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  const padded = [...new Array<number>(lead).fill(1), ...x.shape];
  padded.forEach((d, i) => {
    if (d !== 1 && d !== target[i]) throw new RangeError(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  });
  if (x.dtype === 'int32') {
    // an index copy keeps int32 values exact (the float kernel below would round them)
    return remap(
      'expand',
      reshape(x, padded),
      target.map((n, d) => Int32Array.from({ length: n }, (_, i) => (padded[d] === 1 ? 0 : i))),
    );
  }
  const out = empty(target, 'expand');
  getBackend().binary(
    'add',
    f32Storage(x),
    padded,
    new Float32Array(1),
    target.map(() => 1),
    out.storageF32,
    target,
  );
  return record(out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** Picks entries along an axis by integer indices (negative indices count from the end). */
export function indexSelect(x: Tensor, dim: number, indices: Tensor | ArrayLike<number>): Tensor {
  const a = normAxis('indexSelect', dim, x.ndim);
  const idx = indices instanceof Tensor ? indices.data : indices;
  const n = x.shape[a];
  const outer = sizeOf(x.shape.slice(0, a)),
    inner = sizeOf(x.shape.slice(a + 1));
  const k = idx.length;
  const outShape = x.shape.slice();
  outShape[a] = k;
  const data = like(x, sizeOf(outShape));
  const resolved = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    const i = idx[j];
    if (!Number.isInteger(i) || i < -n || i >= n)
      throw new RangeError(`indexSelect: index ${i} is out of range for axis ${dim} of size ${n}`);
    resolved[j] = i < 0 ? i + n : i;
    copyRows(x.data, resolved[j] * inner, n * inner, data, j * inner, k * inner, outer, inner);
  }
  const out = new Tensor(data, outShape);
  return record(out, 'indexSelect', [x], (g) => {
    const gx = empty(x.shape),
      gd = gx.f32,
      gs = g.f32;
    for (let j = 0; j < k; j++) {
      for (let o = 0; o < outer; o++) {
        const src = (o * k + j) * inner,
          dst = (o * n + resolved[j]) * inner;
        for (let t = 0; t < inner; t++) gd[dst + t] += gs[src + t];
      }
    }
    return [gx];
  });
}

/** Joins tensors along an existing dim. */
export function concat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors))
    throw new TypeError(`concat: expected an array of Tensors, got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw new RangeError('concat: needs at least one tensor');
  tensors.forEach((t, i) => expectTensor('concat', `tensor ${i}`, t));
  const first = tensors[0];
  const a = normAxis('concat', dim, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new RangeError(`concat: shapes ${tensors.map((u) => fmt(u.shape)).join(', ')} differ outside axis ${dim}`);
    }
    if (t.dtype !== first.dtype) throw new TypeError(`concat: mixed dtypes ${first.dtype} and ${t.dtype}`);
  }
  const total = tensors.reduce((s, t) => s + t.shape[a], 0);
  const outShape = first.shape.slice();
  outShape[a] = total;
  const outer = sizeOf(first.shape.slice(0, a)),
    inner = sizeOf(first.shape.slice(a + 1));
  const data = like(first, sizeOf(outShape));
  const offsets: number[] = [];
  let off = 0;
  for (const t of tensors) {
    offsets.push(off);
    const len = t.shape[a] * inner;
    copyRows(t.data, 0, len, data, off * inner, total * inner, outer, len);
    off += t.shape[a];
  }
  const out = new Tensor(data, outShape);
  return record(out, 'concat', tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? slice(g, a, offsets[i], offsets[i] + t.shape[a]) : null)),
  );
}

/** Stacks same-shaped tensors along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors))
    throw new TypeError(`stack: expected an array of Tensors, got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw new RangeError('stack: needs at least one tensor');
  tensors.forEach((t, i) => expectTensor('stack', `tensor ${i}`, t));
  const s = tensors[0].shape;
  for (const t of tensors)
    if (t.ndim !== s.length || t.shape.some((d, i) => d !== s[i])) {
      throw new RangeError(
        `stack: all tensors need the same shape, got ${tensors.map((u) => fmt(u.shape)).join(', ')}`,
      );
    }
  const a = normAxis('stack', dim, s.length + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/** Padding modes of `pad`, as in torch.nn.functional.pad. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of `pad`. */
export interface PadOptions {
  /** How the border is filled. Default 'constant'. */
  mode?: PadMode;
  /** The fill value of 'constant' mode. Default 0. */
  value?: number;
}

/**
 * Pads the last axes. `pads` lists (before, after) pairs starting from the LAST dim, as in
 * torch.nn.functional.pad: [left, right, top, bottom, ...].
 */
export function pad(x: Tensor, pads: number[], options: PadOptions = {}): Tensor {
  expectTensor('pad', 'input', x);
  if (typeof options === 'string')
    throw new TypeError(`pad: mode is an option: write F.pad(x, pads, { mode: '${String(options)}' })`);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`pad: options must be an object like { mode, value }, got ${String(options)}`);
  for (const k of Object.keys(options))
    if (k !== 'mode' && k !== 'value') throw new TypeError(`pad: unknown option '${k}' (known: mode, value)`);
  const mode = options.mode ?? 'constant',
    value = options.value ?? 0;
  if (typeof value !== 'number') throw new TypeError(`pad: value must be a number, got ${String(value)}`);
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim)
    throw new RangeError(`pad: padding ${fmt(pads)} must hold (before, after) pairs for at most ${x.ndim} axes`);
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode))
    throw new TypeError(`pad: unknown mode '${String(mode)}'`);
  const rank = x.ndim;
  const before = new Array<number>(rank).fill(0),
    after = new Array<number>(rank).fill(0);
  for (let k = 0; k < pads.length / 2; k++) {
    before[rank - 1 - k] = pads[2 * k];
    after[rank - 1 - k] = pads[2 * k + 1];
  }
  for (let d = 0; d < rank; d++) {
    if (!Number.isInteger(before[d]) || !Number.isInteger(after[d]))
      throw new TypeError(`pad: padding ${fmt(pads)} must be integers`);
    if (mode !== 'constant' && (before[d] < 0 || after[d] < 0))
      throw new RangeError(`pad: ${mode} padding must be non-negative, got ${fmt(pads)}`);
    if (mode === 'reflect' && (before[d] >= x.shape[d] || after[d] >= x.shape[d])) {
      throw new RangeError(`pad: reflect padding ${fmt(pads)} must be smaller than the input size ${fmt(x.shape)}`);
    }
    if (mode === 'circular' && (before[d] > x.shape[d] || after[d] > x.shape[d])) {
      throw new RangeError(`pad: circular padding ${fmt(pads)} must not exceed the input size ${fmt(x.shape)}`);
    }
  }
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  if (outShape.some((d) => d < 0))
    throw new RangeError(`pad: padding ${fmt(pads)} removes more than ${fmt(x.shape)} has`);
  checkAllocation('pad', outShape);
  // source index for each output index, per axis (-1 = constant fill)
  const maps = outShape.map((len, d) => {
    const n = x.shape[d],
      m = new Int32Array(len);
    for (let o = 0; o < len; o++) {
      let i = o - before[d];
      if (i < 0 || i >= n) {
        if (mode === 'constant') i = -1;
        else if (mode === 'replicate') i = i < 0 ? 0 : n - 1;
        else if (mode === 'circular') i = ((i % n) + n) % n;
        else i = i < 0 ? -i : 2 * (n - 1) - i;
      }
      m[o] = i;
    }
    return m;
  });
  const inStrides = stridesOf(x.shape);
  const total = sizeOf(outShape);
  const src = new Int32Array(total);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let p = 0;
    for (let d = 0; d < rank; d++) {
      const i = maps[d][idx[d]];
      if (i < 0) {
        p = -1;
        break;
      }
      p += i * inStrides[d];
    }
    src[o] = p;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  const out = empty(outShape),
    od = out.f32,
    xd = f32(x);
  for (let o = 0; o < total; o++) od[o] = src[o] < 0 ? value : xd[src[o]];
  return record(out, 'pad', [x], (g) => {
    const gx = empty(x.shape),
      gd = gx.f32,
      gs = g.f32;
    for (let o = 0; o < total; o++) if (src[o] >= 0) gd[src[o]] += gs[o];
    return [gx];
  });
}
