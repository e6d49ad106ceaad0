/**
 * Shared machinery of the WGSL kernels: binding arrays (once per distinct array, so an output
 * that aliases an input is bound a single time, read_write), uniform parameter structs, linear
 * workgroup grids split over x and y when they exceed the per-dimension limit, and WGSL helpers
 * (NaN tests and infinities without literals, compensated sums). Nothing here touches array
 * contents: kernels only describe dispatches to a `GpuRunner`.
 */
import type { Binding, GpuRunner } from '../dispatch.js';

/** A storage array a kernel binds. */
export type GpuArray = Float32Array | Int32Array;

/** One array a program uses, by its WGSL name (null: absent, the shader must not mention it). */
export interface Buf {
  /** The WGSL identifier the body uses for it. */
  readonly name: string;
  /** The array, or null when the kernel's argument is absent. */
  readonly array: GpuArray | null;
  /** Whether the shader writes it. */
  readonly write?: boolean;
}

/** One uniform field: [WGSL name, type, value]. */
export type Param = readonly [name: string, type: 'u32' | 'i32' | 'f32', value: number];

/** Threads per workgroup of the one-dimensional kernels. */
export const WG = 256;

/** The built-ins every `main` takes: workgroup id, grid size and the local index. */
export const MAIN_ARGS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';

/** The linear workgroup index of a grid made by `grid1d` (WGSL expression, u32). */
export const GROUP_INDEX = '(wid.y * nwg.x + wid.x)';

/** WGSL helpers available to every body (NaN test by bits, infinity and a quiet NaN made at run time: WGSL constants cannot be either). */
export const WGSL_HELPERS = /* wgsl */ `
fn isnan_(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn inf_() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn nan_() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
`;

/** Workgroup counts [x, y, 1] covering `groups` workgroups in a grid that respects the per-dimension limit. */
export function grid1d(r: GpuRunner, groups: number, what: string): [number, number, number] {
  const max = r.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= max) return [groups, 1, 1];
  const y = Math.ceil(groups / max);
  if (y > max) throw new Error(`webgpu ${what}: ${groups} workgroups exceed the device's ${max}^2 grid`);
  return [Math.ceil(groups / y), y, 1];
}

function wgslType(a: GpuArray): string {
  return a instanceof Int32Array ? 'i32' : 'f32';
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A program: its buffers, uniforms and WGSL body (which defines `@compute ... fn main`). */
export interface Program {
  /** Pipeline key stem; the alias / presence pattern of the buffers is appended. */
  readonly key: string;
  /** The arrays it binds, in binding order (aliases and nulls bound once / not at all). */
  readonly bufs: readonly Buf[];
  /** Its uniforms, in struct order. */
  readonly params: readonly Param[];
  /** WGSL after the declarations: may use the buffers by name and the uniforms as `P.<name>`. */
  readonly body: string;
  /** WGSL helper functions placed before the body; never mentions buffers (not rewritten for aliases). */
  readonly prelude?: string;
  /** Workgroup counts x, y, z (each within the device's per-dimension limit). */
  readonly workgroups: readonly [number, number, number];
}

/**
 * Enqueues one program: binds each distinct array once (read_write when any of its names
 * writes it; later names of the same array are rewritten to the first in the body), declares the
 * uniform struct `P`, and checks the storage binding size limit.
 */
export function launch(r: GpuRunner, p: Program): void {
  const bindings: Binding[] = [];
  const decls: string[] = [];
  const sig: string[] = [];
  const firstName = new Map<GpuArray, { name: string; index: number }>();
  const writes = new Map<GpuArray, boolean>();
  for (const b of p.bufs) if (b.array) writes.set(b.array, (writes.get(b.array) ?? false) || b.write === true);
  let body = p.body;
  for (const b of p.bufs) {
    if (!b.array) {
      sig.push('-');
      continue;
    }
    const seen = firstName.get(b.array);
    if (seen) {
      sig.push(`=${seen.index}`);
      body = body.replace(new RegExp(`(?<![.\\w])${escapeRe(b.name)}(?!\\w)`, 'g'), seen.name);
      continue;
    }
    const bytes = b.array.byteLength;
    if (bytes > r.limits.maxStorageBufferBindingSize)
      throw new Error(
        `webgpu ${p.key}: array '${b.name}' is ${bytes} bytes, over the device's maxStorageBufferBindingSize ${r.limits.maxStorageBufferBindingSize}`,
      );
    const index = bindings.length;
    const write = writes.get(b.array) === true;
    firstName.set(b.array, { name: b.name, index });
    bindings.push({ array: b.array, access: write ? 'read_write' : 'read' });
    decls.push(
      `@group(0) @binding(${index}) var<storage, ${write ? 'read_write' : 'read'}> ${b.name}: array<${wgslType(b.array)}>;`,
    );
    sig.push(write ? 'w' : 'r');
  }
  let params = new ArrayBuffer(0);
  if (p.params.length > 0) {
    decls.push(`struct Params { ${p.params.map(([n, t]) => `${n}: ${t},`).join(' ')} }`);
    decls.push(`@group(0) @binding(${bindings.length}) var<uniform> P: Params;`);
    params = packBytes(p.params);
  }
  const wgsl = `${decls.join('\n')}\n${WGSL_HELPERS}\n${p.prelude ?? ''}\n${body}`;
  r.run({
    key: `${p.key}|${sig.join('')}`,
    wgsl,
    bindings,
    params,
    workgroups: [...p.workgroups] as [number, number, number],
  });
}

function packBytes(values: readonly Param[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((values.length * 4) / 16) * 16));
  const view = new DataView(buf);
  values.forEach(([, kind, v], i) => {
    if (kind === 'f32') view.setFloat32(i * 4, v, true);
    else if (kind === 'i32') view.setInt32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  });
  return buf;
}

/**
 * An elementwise program over `n` items: `stmt` runs with `i` (u32, < P.n) in scope, one
 * thread per item, 256 per workgroup. `prelude`: helper functions that mention no buffer; `fns`:
 * functions that do (rewritten like the body when arrays alias). Does nothing when n is 0.
 */
export function elementwise(
  r: GpuRunner,
  key: string,
  n: number,
  bufs: readonly Buf[],
  params: readonly Param[],
  stmt: string,
  prelude = '',
  fns = '',
): void {
  if (n <= 0) return;
  launch(r, {
    key,
    bufs,
    params: [['n', 'u32', n], ...params],
    prelude,
    body: `${fns}
@compute @workgroup_size(${WG})
fn main(${MAIN_ARGS}) {
  let i = ${GROUP_INDEX} * ${WG}u + lid;
  if (i >= P.n) { return; }
  ${stmt}
}`,
    workgroups: grid1d(r, Math.ceil(n / WG), key),
  });
}

/** Checks an argument and throws naming the kernel, the field and the value. */
export function check(cond: boolean, kernel: string, what: string): void {
  if (!cond) throw new Error(`webgpu ${kernel}: ${what}`);
}
