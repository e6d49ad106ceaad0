/**
 * Residency of tensor storage on a GPU device: the small, dependency-free part that the tensor
 * core (src/tensor/tensor.ts, alloc.ts) consults on every host access, and that the webgpu
 * backend (./backend.ts) fills in.
 *
 * A host array the webgpu backend has seen is in one of these states:
 * - absent from `gpuHeld`: the host copy is the truth (state 'host'); a kernel uploads it;
 * - in `gpuHeld`: the device has a copy, which may be newer than the host's ('device'), equal
 *   ('both'), or of no importance ('uninit' storage, 'zero' storage the device clears itself).
 * Any host access through `Tensor.data` / `Tensor.f32` calls `hostAccess`, which reads a newer
 * device copy back and forgets the device copy (the caller may write), so host writes are
 * never lost. On CPU backends `gpuHeld` stays empty: a host access costs one WeakSet lookup.
 */

/** Storage whose device copy matters (see the file comment); empty unless the webgpu backend ran. */
export const gpuHeld = new WeakSet<object>();

/** What the webgpu backend does on host access and on pool events (installed when it starts). */
export interface ResidencyHooks {
  /** Makes the host copy current (reading back when the device's is newer), then marks it 'host'. */
  hostAccess(a: Float32Array | Int32Array): void;
  /** Like hostAccess, but the device copy stays valid (the caller only reads). */
  hostRead(a: Float32Array | Int32Array): void;
  /** The host is about to overwrite every element: the host copy becomes the one that counts, nothing is read back. */
  hostOverwrite(a: Float32Array | Int32Array): void;
  /** Storage handed out again whose contents do not matter (a kernel overwrites it): no upload needed. */
  markUninit(a: Float32Array | Int32Array): void;
  /** Storage handed out again, zero-filled on the host: the device may clear its copy instead of uploading. */
  markZero(a: Float32Array | Int32Array): void;
}

let hooks: ResidencyHooks | null = null;

/**
 * Whether the current backend runs kernels on the GPU (kept by the backend registry). When it
 * does not, the no-sync storage accessor syncs device-held storage like a host access, so
 * switching backends with tensors on the device stays correct.
 */
export const gpuKernels = { active: false };

/** Called by the no-sync storage accessor for storage in `gpuHeld`: syncs only when kernels run on the host. */
export function syncForKernel(a: Float32Array | Int32Array): void {
  if (!gpuKernels.active) hooks?.hostAccess(a);
}

/** Installs the webgpu backend's hooks (once, when it starts). */
export function installResidencyHooks(h: ResidencyHooks): void {
  hooks = h;
}

/** Called by every syncing host access to storage in `gpuHeld` (the caller checked membership). */
export function syncForHost(a: Float32Array | Int32Array): void {
  hooks?.hostAccess(a);
}

/**
 * A raw array (not a tensor's storage: an optimizer's state buffer, say) made current on the
 * host before host code reads or writes it; returns it.
 */
export function hostArray<T extends Float32Array | Int32Array>(a: T): T {
  if (gpuHeld.has(a)) hooks?.hostAccess(a);
  return a;
}

/** Called by read-only host accesses to storage in `gpuHeld` (the device copy stays valid). */
export function syncForRead(a: Float32Array | Int32Array): void {
  hooks?.hostRead(a);
}

/** Called before the host overwrites every element of storage in `gpuHeld` (fill_, copy_, raw pool storage). */
export function syncForOverwrite(a: Float32Array | Int32Array): void {
  hooks?.hostOverwrite(a);
}

/** Called by the storage pool when it hands out storage whose contents do not matter. */
export function poolUninit(a: Float32Array | Int32Array): void {
  hooks?.markUninit(a);
}

/** Called by the storage pool when it hands out storage it zero-filled on the host. */
export function poolZero(a: Float32Array | Int32Array): void {
  hooks?.markZero(a);
}

/** Whether the webgpu backend installed its hooks (pool events are reported only then). */
export function residencyActive(): boolean {
  return hooks !== null;
}
