/**
 * The WGSL kernels of the webgpu backend, by kernel name (written by the gpu-kernels area; this
 * placeholder lists none yet, so every kernel runs its js reference on host copies).
 */
import type { KernelName, Kernels } from '../../kernels.js';
import type { GpuRunner } from '../dispatch.js';

/** The kernels that have a WebGPU version: each describes its dispatches to a `GpuRunner`. */
export const WEBGPU_KERNELS: { [K in KernelName]?: (r: GpuRunner, ...a: Parameters<Kernels[K]>) => void } = {};
