/**
 * A `GpuRunner` (src/backend/webgpu/dispatch.ts) on a GPUDevice of the page (or worker) it runs
 * in, for the kernel suites: it lets a WGSL kernel be tested without the webgpu backend's device
 * thread. Each host array a dispatch binds gets one device buffer (a WeakMap from the array);
 * an array the device does not hold yet is uploaded from its host contents when first bound, and
 * an array bound read_write is then held by the device: its host copy is stale until
 * `read(array)` copies the device contents back. Pipelines are compiled once per `Dispatch.key`
 * (WGSL compile and validation errors are collected per key and thrown, naming the key, from the
 * next `read`/`flush`). Each dispatch is its own submit, so uniform and upload writes are ordered.
 */
import type { Dispatch, GpuRunner } from '../../src/backend/webgpu/dispatch.js';
import {
  BUFFER_USAGE,
  describeAdapter,
  MAP_MODE_READ,
  navigatorGpu,
  SHADER_STAGE_COMPUTE,
  type WgAdapter,
  type WgBuffer,
  type WgComputePipeline,
  type WgDevice,
  type WgHandle,
  type WgLayoutEntry,
} from './gpu-types.js';

/** A storage array as kernels bind it. */
export type GpuArray = Float32Array | Int32Array;

/** Counts for memory checks and reports. */
export interface DirectRunnerStats {
  /** Device buffers currently alive for arrays (scratch included). */
  liveBuffers: number;
  /** Their bytes. */
  liveBytes: number;
  /** Dispatches run so far. */
  dispatches: number;
  /** Pipelines compiled so far (one per distinct key). */
  pipelines: number;
  /** Host-to-device uploads so far. */
  uploads: number;
}

interface Held {
  buffer: WgBuffer;
  /** true when the device wrote the array after the host's last write (host copy stale). */
  deviceNewer: boolean;
  scratch: boolean;
}

interface Pipeline {
  pipeline: WgComputePipeline;
  layout: WgHandle;
  signature: string;
}

/** The direct runner: a `GpuRunner` plus the test-side calls (read, flush, markHost, stats). */
export class DirectRunner implements GpuRunner {
  /** The adapter, in words (vendor / architecture / device / description). */
  readonly adapterName: string;
  readonly limits: GpuRunner['limits'];
  private readonly held = new WeakMap<GpuArray, Held>();
  /** Strong refs to buffers, so `destroy` can free them and stats can count them. */
  private readonly live = new Set<WgBuffer>();
  private liveBytes = 0;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly freeScratch: GpuArray[] = [];
  private readonly errors: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private count = { dispatches: 0, uploads: 0 };
  private lostReason: string | null = null;

  private constructor(
    /** The device every buffer and pipeline of this runner lives on. */
    readonly device: WgDevice,
    adapter: WgAdapter,
  ) {
    this.adapterName = describeAdapter(adapter);
    const l = device.limits;
    this.limits = {
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    };
    device.lost.then(
      (info) => {
        this.lostReason = `${info.reason}: ${info.message}`;
      },
      () => {},
    );
  }

  /** Opens an adapter and a device with the adapter's largest storage limits; throws with the reason when WebGPU is absent. */
  static async create(): Promise<DirectRunner> {
    const gpu = navigatorGpu();
    if (gpu === null)
      throw new Error(
        'direct-runner: navigator.gpu is undefined (WebGPU needs a secure context and, in Chromium, --enable-unsafe-webgpu)',
      );
    const adapter = await gpu.requestAdapter();
    if (adapter === null) throw new Error('direct-runner: navigator.gpu.requestAdapter() returned null (no adapter)');
    const a = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
        maxBufferSize: a.maxBufferSize,
        maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
      },
    });
    return new DirectRunner(device, adapter);
  }

  /** Enqueues one dispatch (uploads arrays the device does not hold, binds, dispatches, submits). */
  run(d: Dispatch): void {
    if (this.lostReason !== null)
      throw new Error(`direct-runner: dispatch '${d.key}': device lost (${this.lostReason})`);
    const [x, y, z] = d.workgroups;
    const maxWg = this.limits.maxComputeWorkgroupsPerDimension;
    for (const [axis, n] of [
      ['x', x],
      ['y', y],
      ['z', z],
    ] as const)
      if (!Number.isInteger(n) || n < 0 || n > maxWg)
        throw new Error(
          `direct-runner: dispatch '${d.key}': workgroups.${axis} = ${n} (must be an integer in 0..${maxWg})`,
        );
    const seen = new Map<GpuArray, number>();
    d.bindings.forEach((b, i) => {
      const j = seen.get(b.array);
      if (j !== undefined && (b.access === 'read_write' || d.bindings[j]!.access === 'read_write'))
        throw new Error(
          `direct-runner: dispatch '${d.key}': bindings ${j} and ${i} are the same array and one is read_write (WebGPU forbids it; bind it once)`,
        );
      seen.set(b.array, i);
    });
    const p = this.pipeline(d);
    const device = this.device;
    device.pushErrorScope('validation');
    const entries: { binding: number; resource: { buffer: WgBuffer } }[] = d.bindings.map((b, i) => ({
      binding: i,
      resource: { buffer: this.bufferFor(b.array).buffer },
    }));
    let uniform: WgBuffer | null = null;
    if (d.params.byteLength > 0) {
      uniform = device.createBuffer({
        size: Math.ceil(d.params.byteLength / 16) * 16,
        usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST,
        label: `${d.key}:params`,
      });
      device.queue.writeBuffer(uniform, 0, d.params);
      entries.push({ binding: d.bindings.length, resource: { buffer: uniform } });
    }
    const group = device.createBindGroup({ layout: p.layout, entries, label: d.key });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, group);
    if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    pass.end();
    device.queue.submit([enc.finish()]);
    uniform?.destroy();
    this.watch(device.popErrorScope(), `dispatch '${d.key}'`);
    for (const b of d.bindings) if (b.access === 'read_write') this.held.get(b.array)!.deviceNewer = true;
    this.count.dispatches++;
  }

  /** A device-only array of `n` elements (contents undefined; never uploaded). */
  scratch(n: number, dtype: 'f32' | 'i32' = 'f32'): GpuArray {
    const i = this.freeScratch.findIndex((a) => a.length === n && a instanceof Int32Array === (dtype === 'i32'));
    if (i >= 0) return this.freeScratch.splice(i, 1)[0]!;
    const a = dtype === 'i32' ? new Int32Array(n) : new Float32Array(n);
    const buffer = this.createStorage(a.byteLength, `scratch:${dtype}:${n}`);
    this.held.set(a, { buffer, deviceNewer: true, scratch: true });
    return a;
  }

  /** Gives back a scratch array for reuse by later dispatches. */
  release(a: GpuArray): void {
    const h = this.held.get(a);
    if (!h?.scratch)
      throw new Error(`direct-runner: release of an array (length ${a.length}) that is not a scratch array`);
    this.freeScratch.push(a);
  }

  /**
   * Waits for every dispatch so far and throws the first WGSL compile or validation error (naming
   * the dispatch key), or the device-lost reason.
   */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
    await this.device.queue.onSubmittedWorkDone();
    if (this.lostReason !== null) throw new Error(`direct-runner: device lost (${this.lostReason})`);
    if (this.errors.length > 0) {
      const all = this.errors.splice(0);
      throw new Error(`direct-runner: ${all.length} WebGPU error(s):\n${all.join('\n')}`);
    }
  }

  /**
   * The array's contents as the device holds them (a new array; the host array is updated too,
   * so it is no longer stale). An array the device never saw is returned as a copy of the host's.
   */
  async read<A extends GpuArray>(array: A): Promise<A> {
    await this.flush();
    const h = this.held.get(array);
    if (h === undefined || !h.deviceNewer) return array.slice() as A;
    const bytes = array.byteLength;
    const staging = this.device.createBuffer({
      size: Math.max(4, bytes),
      usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST,
      label: 'read',
    });
    const enc = this.device.createCommandEncoder();
    if (bytes > 0) enc.copyBufferToBuffer(h.buffer, 0, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_MODE_READ);
    const copy = (
      array instanceof Int32Array
        ? new Int32Array(staging.getMappedRange(0, Math.max(4, bytes)).slice(0, bytes))
        : new Float32Array(staging.getMappedRange(0, Math.max(4, bytes)).slice(0, bytes))
    ) as A;
    staging.unmap();
    staging.destroy();
    if (!h.scratch) {
      array.set(copy);
      h.deviceNewer = false;
    }
    return copy;
  }

  /** Says the host wrote `array` after the device saw it: the next dispatch binding it uploads it again. */
  markHost(array: GpuArray): void {
    const h = this.held.get(array);
    if (h === undefined || h.scratch) return;
    this.live.delete(h.buffer);
    this.liveBytes -= h.buffer.size;
    h.buffer.destroy();
    this.held.delete(array);
  }

  /** Frees the device buffer of `array` (a later dispatch binding it uploads its host contents). */
  free(array: GpuArray): void {
    this.markHost(array);
  }

  /** Live buffers, bytes, dispatches, pipelines, uploads. */
  stats(): DirectRunnerStats {
    return {
      liveBuffers: this.live.size,
      liveBytes: this.liveBytes,
      dispatches: this.count.dispatches,
      pipelines: this.pipelines.size,
      uploads: this.count.uploads,
    };
  }

  /** Frees every buffer and the device. */
  destroy(): void {
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.liveBytes = 0;
    this.device.destroy();
  }

  private createStorage(bytes: number, label: string): WgBuffer {
    // a binding cannot be empty: zero-length arrays get a 4-byte buffer
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const max = this.limits.maxStorageBufferBindingSize;
    if (size > max)
      throw new Error(`direct-runner: ${label}: ${size} bytes exceed maxStorageBufferBindingSize (${max} bytes)`);
    const buffer = this.device.createBuffer({
      size,
      usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST,
      label,
    });
    this.live.add(buffer);
    this.liveBytes += size;
    return buffer;
  }

  private bufferFor(array: GpuArray): Held {
    let h = this.held.get(array);
    if (h === undefined) {
      const buffer = this.createStorage(array.byteLength, `array:${array.constructor.name}:${array.length}`);
      if (array.byteLength > 0) this.device.queue.writeBuffer(buffer, 0, array);
      this.count.uploads++;
      h = { buffer, deviceNewer: false, scratch: false };
      this.held.set(array, h);
    }
    return h;
  }

  private pipeline(d: Dispatch): Pipeline {
    const signature = `${d.bindings.map((b) => (b.access === 'read' ? 'r' : 'w')).join('')}${d.params.byteLength > 0 ? '+u' : ''}`;
    const hit = this.pipelines.get(d.key);
    if (hit !== undefined) {
      if (hit.signature !== signature)
        throw new Error(
          `direct-runner: dispatch key '${d.key}' was first used with bindings '${hit.signature}', now '${signature}' (one key, one WGSL and layout)`,
        );
      return hit;
    }
    const device = this.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: d.wgsl, label: d.key });
    const entries: WgLayoutEntry[] = d.bindings.map((b, i) => ({
      binding: i,
      visibility: SHADER_STAGE_COMPUTE,
      buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
    }));
    if (d.params.byteLength > 0)
      entries.push({ binding: d.bindings.length, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } });
    const layout = device.createBindGroupLayout({ entries, label: d.key });
    const pipeline = device.createComputePipeline({
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout], label: d.key }),
      compute: { module, entryPoint: 'main' },
      label: d.key,
    });
    this.watch(
      module.getCompilationInfo().then((info) => {
        const errs = info.messages.filter((m) => m.type === 'error');
        return errs.length === 0
          ? null
          : { message: errs.map((m) => `WGSL ${m.lineNum}:${m.linePos}: ${m.message}`).join('\n') };
      }),
      `compiling '${d.key}'`,
    );
    this.watch(device.popErrorScope(), `pipeline '${d.key}'`);
    const p = { pipeline, layout, signature };
    this.pipelines.set(d.key, p);
    return p;
  }

  private watch(p: Promise<{ readonly message: string } | null>, what: string): void {
    this.pending.push(
      p.then(
        (e) => {
          if (e) this.errors.push(`${what}: ${e.message}`);
        },
        (e: unknown) => {
          this.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        },
      ),
    );
  }
}
