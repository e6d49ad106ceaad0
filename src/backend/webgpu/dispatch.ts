/**
 * The contract between the WGSL kernels (./kernels/*) and the machinery that runs them (the
 * GPU thread, residency of tensor storage on the device). A kernel does no GPU calls itself: it
 * describes compute dispatches over the arrays it was given, and a `GpuRunner` makes them real
 * (uploads host arrays the device does not hold yet, binds, dispatches in order, and marks
 * written arrays as held by the device until the host reads them). So a kernel file is plain
 * TypeScript that builds WGSL strings and numbers, testable against any runner.
 */

/** One array a dispatch binds, with how the shader uses it. */
export interface Binding {
  /** Tensor storage (or a scratch array from `GpuRunner.scratch`); bound whole. */
  readonly array: Float32Array | Int32Array;
  /**
   * 'read': `var<storage, read>`; 'read_write': `var<storage, read_write>` (anything the
   * shader writes). WebGPU forbids binding one buffer twice in a dispatch when either binding
   * is writable: a kernel whose output may alias an input (`out === x`) binds it once.
   */
  readonly access: 'read' | 'read_write';
}

/** One compute dispatch. */
export interface Dispatch {
  /**
   * Pipeline cache key: two dispatches with the same key have the same WGSL (e.g.
   * 'unary:relu' or 'gemm:tn:64x64'); the runner compiles each key once.
   */
  readonly key: string;
  /**
   * WGSL with one `@compute` entry point named `main`. Bindings: `@group(0) @binding(i)` for
   * `bindings[i]`, then, when `params` is non-empty, a `var<uniform>` struct at
   * `@binding(bindings.length)` holding `params`' bytes (mind WGSL's 16-byte struct alignment).
   */
  readonly wgsl: string;
  readonly bindings: readonly Binding[];
  /** The uniform block's bytes (u32 / i32 / f32 little-endian, as the WGSL struct lays them out); may be empty. */
  readonly params: ArrayBuffer;
  /** Workgroup counts x, y, z (each <= 65535; a kernel splits larger grids itself). */
  readonly workgroups: readonly [number, number, number];
}

/** What runs dispatches: the webgpu backend (device thread) or a test's in-page device. */
export interface GpuRunner {
  /** Enqueues one dispatch; dispatches run in the order they were enqueued. */
  run(d: Dispatch): void;
  /**
   * A device-side scratch array of `n` elements for intermediate results inside one kernel
   * (its host copy is never read or written; contents start undefined). Give it back with
   * `release` once the kernel's dispatches are enqueued.
   */
  scratch(n: number, dtype?: 'f32' | 'i32'): Float32Array | Int32Array;
  /** Returns a scratch array (it may be reused by a later kernel's dispatches, after this kernel's). */
  release(a: Float32Array | Int32Array): void;
  /** Device limits the kernels respect (workgroup size, storage binding size). */
  readonly limits: {
    readonly maxComputeWorkgroupSizeX: number;
    readonly maxComputeInvocationsPerWorkgroup: number;
    readonly maxComputeWorkgroupStorageSize: number;
    readonly maxStorageBufferBindingSize: number;
    readonly maxComputeWorkgroupsPerDimension: number;
  };
}

/** Packs uniform values: each entry is ['u32' | 'i32' | 'f32', value], 4 bytes each, padded to 16 bytes. */
export function packParams(values: readonly (readonly ['u32' | 'i32' | 'f32', number])[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
  const buf = new ArrayBuffer(values.length === 0 ? 0 : bytes);
  const view = new DataView(buf);
  values.forEach(([kind, v], i) => {
    if (kind === 'f32') view.setFloat32(i * 4, v, true);
    else if (kind === 'i32') view.setInt32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  });
  return buf;
}
