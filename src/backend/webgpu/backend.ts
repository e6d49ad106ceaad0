/**
 * The webgpu backend on the convkit thread: residency of host arrays on the device (state per
 * array, device buffers freed when the array is collected), the `GpuRunner` the WGSL kernels
 * (./kernels) describe their dispatches to, and the kernel table: each kernel with a WebGPU
 * version runs on the device; any other runs its js reference on host copies (its array
 * arguments are read back first and then belong to the host).
 */
import { KERNEL_NAMES, KERNELS, type BackendImpl, type KernelName } from '../kernels.js';
import type { Dispatch, GpuRunner } from './dispatch.js';
import type { GpuThread, WebGPUAdapterInfo } from './bridge.js';
import { WEBGPU_KERNELS } from './kernels/index.js';
import { gpuHeld, installResidencyHooks } from './residency.js';

type Arr = Float32Array | Int32Array;

/** Residency states (see ./residency.ts). */
const HOST = 0,
  DEVICE = 1,
  BOTH = 2,
  UNINIT = 3,
  ZERO = 4;

interface Entry {
  readonly id: number;
  readonly bytes: number;
  created: boolean;
  state: number;
}

/** Options of the webgpu backend. */
export interface WebGpuOptions {
  /**
   * Read every kernel's outputs back at once and keep nothing on the device between kernels
   * (slow; for telling a residency problem from a kernel problem). Default false.
   */
  sync?: boolean;
}

/** Counters of the backend's traffic, for tests and diagnostics. */
export interface WebGpuStats {
  /** Arrays uploaded to the device. */
  uploads: number;
  /** Arrays read back to the host. */
  reads: number;
  /** Dispatches enqueued. */
  dispatches: number;
  /** Kernel calls run on the device (WGSL). */
  gpuKernels: number;
  /** Kernel calls run through the js reference on host copies (kernels with no WGSL version). */
  referenceKernels: number;
  /** Device buffers alive now (created for tensor storage or scratch, not yet freed). */
  liveBuffers: number;
  /** Bytes of the device buffers alive now. */
  liveBytes: number;
}

/** The webgpu backend: kernels plus residency; made by `initWebGPU`. */
export interface WebGpuBackend extends BackendImpl {
  /** The adapter and device in use. */
  readonly adapter: WebGPUAdapterInfo;
  /** The runner the WGSL kernels describe their dispatches to (tests run their own dispatches on it). */
  readonly runner: GpuRunner;
  /** Traffic counters since the backend started. */
  stats(): WebGpuStats;
  /** Submits the batched commands so the device starts on them (reads submit by themselves). */
  flush(): void;
}

/** Makes the backend on a started device thread and installs the tensor residency hooks. */
export function createWebGpuBackend(thread: GpuThread, options: WebGpuOptions = {}): WebGpuBackend {
  const entries = new WeakMap<Arr, Entry>();
  let nextId = 1;
  const freed = new FinalizationRegistry<number>((id) => thread.free(id));
  const stats = { uploads: 0, reads: 0, dispatches: 0, gpuKernels: 0, referenceKernels: 0 };
  const sentWgsl = new Set<string>();
  const syncEach = options.sync === true;
  /** Arrays written by the current kernel's dispatches (read back at once in sync mode). */
  const writtenNow = new Set<Arr>();

  const entryOf = (a: Arr): Entry => {
    let e = entries.get(a);
    if (e === undefined) {
      e = { id: nextId++, bytes: a.byteLength, created: false, state: HOST };
      entries.set(a, e);
      freed.register(a, e.id);
    }
    return e;
  };

  /** Makes the device copy of `a` current; returns its buffer id. */
  const toDevice = (a: Arr): number => {
    const e = entryOf(a);
    if (!e.created) {
      thread.create(e.id, e.bytes);
      e.created = true;
      // a new buffer is zero-filled by WebGPU
      if (e.state === ZERO) e.state = BOTH;
    }
    if (e.state === HOST) {
      thread.upload(e.id, a);
      stats.uploads++;
      e.state = BOTH;
    } else if (e.state === ZERO) {
      thread.clear(e.id);
      e.state = BOTH;
    }
    gpuHeld.add(a);
    return e.id;
  };

  const readBack = (a: Arr, e: Entry): void => {
    thread.read(e.id, a);
    stats.reads++;
  };

  /** Host access that may write: the host copy becomes current and the only valid one. */
  const hostAccess = (a: Arr): void => {
    gpuHeld.delete(a);
    const e = entries.get(a);
    if (e === undefined) return;
    if (e.state === DEVICE) readBack(a, e);
    e.state = HOST;
  };

  installResidencyHooks({
    hostAccess,
    hostRead(a) {
      const e = entries.get(a);
      if (e === undefined) {
        gpuHeld.delete(a);
        return;
      }
      if (e.state === DEVICE) {
        readBack(a, e);
        e.state = BOTH;
      }
    },
    hostOverwrite(a) {
      gpuHeld.delete(a);
      const e = entries.get(a);
      if (e !== undefined) e.state = HOST;
    },
    markUninit(a) {
      entryOf(a).state = UNINIT;
      gpuHeld.add(a);
    },
    markZero(a) {
      entryOf(a).state = ZERO;
      gpuHeld.add(a);
    },
  });

  const scratchPool = new Map<string, Arr[]>();
  const limits = thread.info.limits;
  const runner: GpuRunner = {
    limits,
    run(d: Dispatch): void {
      const [x, y, z] = d.workgroups;
      const most = limits.maxComputeWorkgroupsPerDimension;
      if (x > most || y > most || z > most)
        throw new RangeError(
          `webgpu dispatch '${d.key}': workgroups [${x}, ${y}, ${z}] exceed the device's ${most} per dimension`,
        );
      const ids: number[] = [];
      let acc = '';
      for (const b of d.bindings) {
        if (b.array.byteLength > limits.maxStorageBufferBindingSize)
          throw new RangeError(
            `webgpu dispatch '${d.key}': an array of ${b.array.byteLength} bytes exceeds the device's storage binding limit (${limits.maxStorageBufferBindingSize} bytes)`,
          );
        ids.push(toDevice(b.array));
        acc += b.access === 'read_write' ? 'w' : 'r';
      }
      const first = !sentWgsl.has(d.key);
      if (first) sentWgsl.add(d.key);
      thread.dispatch({
        key: d.key,
        wgsl: first ? d.wgsl : undefined,
        acc,
        ids,
        params: d.params.byteLength > 0 ? d.params : null,
        wg: [x, y, z],
      });
      stats.dispatches++;
      for (const b of d.bindings)
        if (b.access === 'read_write') {
          const e = entryOf(b.array);
          e.state = DEVICE;
          if (syncEach) writtenNow.add(b.array);
        }
    },
    scratch(n: number, dtype: 'f32' | 'i32' = 'f32'): Arr {
      const list = scratchPool.get(`${dtype}:${n}`);
      const a = list?.pop() ?? (dtype === 'i32' ? new Int32Array(n) : new Float32Array(n));
      const e = entryOf(a);
      if (e.state !== DEVICE) e.state = UNINIT;
      return a;
    },
    release(a: Arr): void {
      const key = `${a instanceof Int32Array ? 'i32' : 'f32'}:${a.length}`;
      let list = scratchPool.get(key);
      if (list === undefined) {
        list = [];
        scratchPool.set(key, list);
      }
      if (!list.includes(a)) list.push(a);
    },
  };

  const be: WebGpuBackend = {
    name: 'webgpu',
    adapter: thread.info,
    describe(): string {
      const i = thread.info;
      const what = [i.vendor, i.architecture].filter((s) => s !== '').join(' ') || 'unknown adapter';
      const detail = i.description || i.device;
      const ported = Object.keys(WEBGPU_KERNELS).length;
      return `WebGPU on ${what}${detail ? ` (${detail})` : ''}${i.isFallbackAdapter ? ', software fallback adapter' : ''}; ${ported} of ${KERNEL_NAMES.length} kernels in WGSL, the rest on the CPU (js)`;
    },
    alloc(n: number): Float32Array {
      return new Float32Array(n);
    },
    runner,
    stats: () => ({ ...stats, liveBuffers: thread.liveBuffers, liveBytes: thread.liveBytes }),
    flush: () => thread.flush(),
  };

  const slots = be as unknown as Record<KernelName, (...a: unknown[]) => void>;
  for (const k of KERNEL_NAMES) {
    const arrays = KERNELS[k].args.flatMap(([, kind], i) =>
      kind === 'f32' || kind === 'f32?' || kind === 'i32' ? [i] : [],
    );
    const gpu = (WEBGPU_KERNELS as Record<string, ((r: GpuRunner, ...a: unknown[]) => void) | undefined>)[k];
    if (gpu !== undefined) {
      slots[k] = (...args: unknown[]): void => {
        stats.gpuKernels++;
        gpu(runner, ...args);
        if (syncEach) {
          for (const a of writtenNow) hostAccess(a);
          writtenNow.clear();
        }
      };
    } else {
      const reference = KERNELS[k].reference as (...a: unknown[]) => void;
      slots[k] = (...args: unknown[]): void => {
        stats.referenceKernels++;
        for (const i of arrays) {
          const a = args[i] as Arr | null;
          if (a !== null && gpuHeld.has(a)) hostAccess(a);
        }
        reference(...args);
      };
    }
  }
  return be;
}
