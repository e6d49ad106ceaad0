/**
 * What the host offers the WASM backend: Node built-ins (loaded without a static import so
 * that browser bundles do not need them), shared memory, and the number of cores.
 */

interface NodeFs { readFileSync(path: URL | string): Uint8Array }
interface NodeWorker {
  on(event: 'error' | 'exit' | 'online', fn: (arg: unknown) => void): void;
  postMessage(msg: unknown): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface NodeWorkerThreads { Worker: new (src: string, opts: { eval: boolean }) => NodeWorker }
interface NodeOs { availableParallelism?(): number; cpus(): unknown[] }

interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?(name: string): unknown;
}

const proc = (globalThis as { process?: NodeProcess }).process;

/** True when running under Node.js (or a Node-compatible runtime). */
export const isNode = !!proc?.versions?.node;

async function builtin<T>(name: string): Promise<T | undefined> {
  if (!isNode) return undefined;
  const direct = proc?.getBuiltinModule?.(name);
  if (direct) return direct as T;
  return (await import(/* @vite-ignore */ name)) as T;
}

/** Node's fs, worker_threads and os modules (undefined in browsers). */
export const nodeFs = await builtin<NodeFs>('node:fs');
export const nodeWorkers = await builtin<NodeWorkerThreads>('node:worker_threads');
const nodeOs = await builtin<NodeOs>('node:os');

export type { NodeWorker };

/** An environment variable (Node only). */
export function envVar(name: string): string | undefined {
  const v = proc?.env?.[name];
  return v !== undefined && v !== '' ? v : undefined;
}

/** Whether shared wasm memory can be created here (SharedArrayBuffer + cross-origin isolation in browsers). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (!isNode && g.crossOriginIsolated === false) return false;
  return true;
}

/** Logical cores available to this process. */
export function hardwareThreads(): number {
  if (nodeOs) return nodeOs.availableParallelism?.() ?? nodeOs.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}
