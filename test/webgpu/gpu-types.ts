/**
 * The few WebGPU API shapes the test harness's direct runner uses (TypeScript's DOM library has
 * no WebGPU types and the project does not depend on @webgpu/types). Module-scoped names with a
 * `Wg` prefix, so they never clash with global declarations a backend may bring in.
 */

/** GPUBufferUsage flag values (WebGPU spec). */
export const BUFFER_USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** GPUShaderStage.COMPUTE. */
export const SHADER_STAGE_COMPUTE = 0x4;

/** GPUMapMode.READ. */
export const MAP_MODE_READ = 0x1;

/** A GPUBuffer. */
export interface WgBuffer {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** A GPUError from an error scope or the uncapturederror event. */
export interface WgError {
  readonly message: string;
}

/** A GPUCompilationMessage. */
export interface WgCompilationMessage {
  readonly type: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly lineNum: number;
  readonly linePos: number;
}

/** A GPUShaderModule. */
export interface WgShaderModule {
  getCompilationInfo(): Promise<{ readonly messages: readonly WgCompilationMessage[] }>;
}

/** An opaque GPU object (layouts, pipelines, bind groups). */
export type WgHandle = object;

/** A GPUComputePipeline. */
export interface WgComputePipeline {
  getBindGroupLayout(index: number): WgHandle;
}

/** A GPUComputePassEncoder. */
export interface WgComputePass {
  setPipeline(p: WgComputePipeline): void;
  setBindGroup(index: number, group: WgHandle): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** A GPUCommandEncoder. */
export interface WgCommandEncoder {
  beginComputePass(): WgComputePass;
  copyBufferToBuffer(src: WgBuffer, srcOffset: number, dst: WgBuffer, dstOffset: number, size: number): void;
  finish(): WgHandle;
}

/** GPUSupportedLimits (the fields the harness reads). */
export interface WgLimits {
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxBufferSize: number;
}

/** A GPUQueue. */
export interface WgQueue {
  writeBuffer(buffer: WgBuffer, offset: number, data: ArrayBufferView | ArrayBuffer): void;
  submit(commands: readonly WgHandle[]): void;
  onSubmittedWorkDone(): Promise<void>;
}

/** Bind group layout entry (storage or uniform buffer, compute stage). */
export interface WgLayoutEntry {
  binding: number;
  visibility: number;
  buffer: { type: 'storage' | 'read-only-storage' | 'uniform' };
}

/** A GPUDevice. */
export interface WgDevice {
  readonly limits: WgLimits;
  readonly queue: WgQueue;
  readonly lost: Promise<{ readonly reason: string; readonly message: string }>;
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): WgBuffer;
  createShaderModule(d: { code: string; label?: string }): WgShaderModule;
  createBindGroupLayout(d: { entries: WgLayoutEntry[]; label?: string }): WgHandle;
  createPipelineLayout(d: { bindGroupLayouts: WgHandle[]; label?: string }): WgHandle;
  createComputePipeline(d: {
    layout: WgHandle;
    compute: { module: WgShaderModule; entryPoint: string };
    label?: string;
  }): WgComputePipeline;
  createBindGroup(d: {
    layout: WgHandle;
    entries: { binding: number; resource: { buffer: WgBuffer } }[];
    label?: string;
  }): WgHandle;
  createCommandEncoder(): WgCommandEncoder;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<WgError | null>;
  destroy(): void;
}

/** GPUAdapterInfo (fields differ between browsers; all optional here). */
export interface WgAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

/** A GPUAdapter. */
export interface WgAdapter {
  readonly info?: WgAdapterInfo;
  readonly limits: WgLimits;
  readonly isFallbackAdapter?: boolean;
  requestDevice(d?: { requiredLimits?: Record<string, number> }): Promise<WgDevice>;
}

/** navigator.gpu. */
export interface WgGpu {
  requestAdapter(o?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<WgAdapter | null>;
}

/** `navigator.gpu` in this context (page or worker), or null with nothing there. */
export function navigatorGpu(): WgGpu | null {
  const nav = (globalThis as { navigator?: { gpu?: WgGpu } }).navigator;
  return nav?.gpu ?? null;
}

/** One line naming the adapter (vendor, architecture, device, description, fallback flag). */
export function describeAdapter(adapter: WgAdapter): string {
  const i = adapter.info ?? {};
  const parts = [i.vendor, i.architecture, i.device, i.description].filter((s) => s !== undefined && s !== '');
  const name = parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
  return `${name}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}
