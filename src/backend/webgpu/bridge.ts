/**
 * The convkit thread's end of the GPU device thread (./gpu-thread.ts): starts the thread (a Web
 * Worker from a Blob URL in browsers, a worker_threads worker in Node), posts its commands in
 * order, and blocks in Atomics.wait on a SharedArrayBuffer only when an array is read back.
 * Everything here is synchronous except `startGpuThread`.
 */
import { isNode, nodeBuiltin, runtime } from '../../platform.js';
import { packageFileUrl } from '../../platform-files.js';
import { CTL, gpuThreadSource } from './gpu-thread.js';

/** What the device thread reports about its adapter and device once it has started. */
export interface WebGPUAdapterInfo {
  /** Adapter vendor (e.g. 'google', 'nvidia', 'amd'); may be empty. */
  vendor: string;
  /** Adapter architecture (e.g. 'swiftshader', 'ampere', 'rdna-3'); may be empty. */
  architecture: string;
  /** Device name; may be empty. */
  device: string;
  /** Human-readable description; may be empty. */
  description: string;
  /** True for a software (fallback) adapter such as SwiftShader. */
  isFallbackAdapter: boolean;
  /** The device's limits the kernels respect. */
  limits: {
    /** Most invocations of a workgroup along x. */
    maxComputeWorkgroupSizeX: number;
    /** Most invocations of one workgroup in all. */
    maxComputeInvocationsPerWorkgroup: number;
    /** Bytes of workgroup (shared) memory one workgroup may use. */
    maxComputeWorkgroupStorageSize: number;
    /** Largest storage buffer binding, in bytes (the largest tensor a kernel can bind). */
    maxStorageBufferBindingSize: number;
    /** Most workgroups of one dispatch along each dimension. */
    maxComputeWorkgroupsPerDimension: number;
    /** Largest buffer, in bytes. */
    maxBufferSize: number;
  };
}

/** A dispatch command as posted to the device thread. */
export interface DispatchCommand {
  key: string;
  /** Sent with the first dispatch of each key only. */
  wgsl?: string;
  /** Access of each binding: 'r' or 'w'. */
  acc: string;
  ids: number[];
  params: ArrayBuffer | null;
  wg: readonly [number, number, number];
}

interface ThreadPort {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  terminate(): unknown;
}

/** How long a read back may take before the convkit thread gives up (a hung or lost device). */
const READ_TIMEOUT_MS = 600_000;

/** Why a blocking GPU thread cannot run here, or null when it can. */
export function gpuThreadUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined')
    return 'SharedArrayBuffer is unavailable (serve the page with COOP: same-origin and COEP: require-corp so it is crossOriginIsolated)';
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (!isNode && g.crossOriginIsolated === false)
    return 'the page is not crossOriginIsolated (serve it with COOP: same-origin and COEP: require-corp)';
  if (runtime === 'browser')
    return 'the main thread of a page cannot block in Atomics.wait to read GPU results: run convkit in a Web Worker and call initWebGPU() there';
  if (!isNode && typeof Worker === 'undefined') return 'no Worker implementation to host the GPU device thread';
  return null;
}

/** In Node: a file URL of the `webgpu` package's entry, resolved from the working directory or from convkit. */
function resolveDawn(): string {
  const mod = nodeBuiltin('node:module');
  const url = nodeBuiltin('node:url');
  const proc = (globalThis as { process?: { cwd(): string } }).process;
  if (!mod || !url || !proc) throw new Error('Node built-ins node:module / node:url are unavailable');
  // convkit's own package root second (platform-files.ts is the one module that reads import.meta)
  const bases = [`${proc.cwd()}/`, packageFileUrl('package.json').href];
  for (const base of bases) {
    try {
      return url.pathToFileURL(mod.createRequire(base).resolve('webgpu')).href;
    } catch {
      // try the next base
    }
  }
  throw new Error(
    "no WebGPU implementation in Node: the 'webgpu' package (Dawn's Node binding) is not installed (npm install webgpu; it needs a Vulkan, Metal or D3D12 driver)",
  );
}

/** A started device thread. */
export class GpuThread {
  private readonly ctl: Int32Array;
  private sab: SharedArrayBuffer;
  private stopped = false;
  /** Sizes of the buffers created and not freed, by id (for WebGpuStats.liveBuffers / liveBytes). */
  private readonly sizes = new Map<number, number>();
  private bytesLive = 0;

  private constructor(
    private readonly port: ThreadPort,
    ctl: SharedArrayBuffer,
    /** The adapter and device the thread opened. */
    readonly info: WebGPUAdapterInfo,
  ) {
    this.ctl = new Int32Array(ctl);
    this.sab = new SharedArrayBuffer(1 << 16);
  }

  /** Starts a device thread and opens the device; rejects with the reason when that is impossible here. */
  static async start(): Promise<GpuThread> {
    const why = gpuThreadUnavailable();
    if (why !== null) throw new Error(why);
    const dawn = isNode ? resolveDawn() : undefined;
    const ctl = new SharedArrayBuffer(64);
    let port: ThreadPort;
    const answer = new Promise<WebGPUAdapterInfo>((resolve, reject) => {
      const onMessage = (m: { op: string; info?: WebGPUAdapterInfo; reason?: string }): void => {
        if (m.op === 'ready' && m.info) resolve(m.info);
        else reject(new Error(m.reason ?? 'the GPU device thread failed to start'));
      };
      const onError = (e: unknown): void =>
        reject(new Error(`the GPU device thread failed: ${e instanceof Error ? e.message : String(e)}`));
      const wt = nodeBuiltin('node:worker_threads');
      if (isNode && wt) {
        const w = new wt.Worker(gpuThreadSource, { eval: true });
        w.on('message', onMessage);
        w.on('error', onError);
        w.unref();
        port = w as unknown as ThreadPort;
      } else {
        const url = URL.createObjectURL(new Blob([gpuThreadSource], { type: 'text/javascript' }));
        const w = new Worker(url);
        URL.revokeObjectURL(url);
        w.onmessage = (e: MessageEvent) => onMessage(e.data as { op: string });
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          onError(new Error(e.message));
        };
        port = w;
      }
      port.postMessage({ op: 'init', ctl, module: dawn });
    });
    let info: WebGPUAdapterInfo;
    try {
      info = await answer;
    } catch (e) {
      port!.terminate();
      throw e;
    }
    return new GpuThread(port!, ctl, info);
  }

  private post(msg: object, transfer?: Transferable[]): void {
    if (this.stopped) throw new Error('webgpu: the GPU device thread was stopped');
    this.port.postMessage(msg, transfer);
  }

  /** Creates a zero-filled storage buffer of `bytes` bytes under `id`. */
  create(id: number, bytes: number): void {
    const size = (bytes + 3) & ~3;
    this.post({ op: 'create', id, size });
    this.sizes.set(id, size);
    this.bytesLive += size;
  }
  /** Frees buffer `id` (after the commands already posted that use it). */
  free(id: number): void {
    const size = this.sizes.get(id);
    if (size !== undefined) {
      this.sizes.delete(id);
      this.bytesLive -= size;
    }
    if (!this.stopped) this.post({ op: 'free', id });
  }
  /** Buffers created and not yet freed. */
  get liveBuffers(): number {
    return this.sizes.size;
  }
  /** Their bytes. */
  get liveBytes(): number {
    return this.bytesLive;
  }
  /** Zero-fills buffer `id`. */
  clear(id: number): void {
    this.post({ op: 'clear', id });
  }
  /** Uploads a snapshot of `a` into buffer `id` (the copy is transferred, so `a` may change right after). */
  upload(id: number, a: Float32Array | Int32Array): void {
    const copy = a.slice();
    this.post({ op: 'upload', id, data: copy.buffer }, [copy.buffer]);
  }
  /** Enqueues a dispatch. */
  dispatch(cmd: DispatchCommand): void {
    this.post({ op: 'dispatch', ...cmd });
  }
  /** Submits the batched commands. */
  flush(): void {
    this.post({ op: 'flush' });
  }
  /**
   * Reads buffer `id` back into `into` (blocking until every command before it has run), and
   * throws the first device error reported since the previous read.
   */
  read(id: number, into: Float32Array | Int32Array): void {
    const bytes = into.byteLength;
    if (this.sab.byteLength < bytes) this.sab = new SharedArrayBuffer(Math.max(bytes, 2 * this.sab.byteLength));
    Atomics.store(this.ctl, CTL.DONE, 0);
    this.post({ op: 'read', id, bytes, sab: this.sab });
    const r = Atomics.wait(this.ctl, CTL.DONE, 0, READ_TIMEOUT_MS);
    if (r === 'timed-out')
      throw new Error(`webgpu: reading a buffer back took over ${READ_TIMEOUT_MS / 1000} s (device hung or lost)`);
    if (Atomics.load(this.ctl, CTL.STATUS) !== 0) {
      const n = Atomics.load(this.ctl, CTL.LENGTH);
      const msg = new TextDecoder().decode(new Uint8Array(this.sab, 0, n).slice());
      throw new Error(`webgpu: ${msg}`);
    }
    new Uint8Array(into.buffer, into.byteOffset, bytes).set(new Uint8Array(this.sab, 0, bytes));
  }
  /** Ends the thread (its buffers go with it). */
  stop(): void {
    if (this.stopped) return;
    this.post({ op: 'stop' });
    this.stopped = true;
  }
}
