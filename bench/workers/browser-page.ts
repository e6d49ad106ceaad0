// The page (and, for webgpu, the Worker) that browser-worker.mjs opens in Chromium: exposes
// benchStart(mode, threads), benchWorkloads() and benchRun(name, seconds) on globalThis for
// page.evaluate. wasm runs on the page's thread (its pool limited to `threads`); webgpu runs in
// a dedicated module Worker started from this same bundle, the page forwarding each request.
import { getBackend, initWebGPU, manualSeed, ready, setBackend } from '../../src/index.js';
import { convkitWorkloads } from './convkit-workloads.js';

type Reply = { value?: number; error?: string; describe?: string; software?: boolean; names?: string[] };
type Request = { op: 'start' | 'run' | 'names'; name?: string; seconds?: number };

const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const workloads = convkitWorkloads();

/** Handles one request on this thread (page for wasm, worker for webgpu). */
async function handle(req: Request, mode: string, threads: number): Promise<Reply> {
  try {
    if (req.op === 'start') {
      if (mode === 'webgpu') {
        const info = await initWebGPU();
        setBackend('webgpu');
        manualSeed(0);
        return {
          describe: getBackend().describe(),
          software: info.isFallbackAdapter || /swiftshader/i.test(info.architecture + info.description),
        };
      }
      const be = await ready();
      if (be.name !== 'wasm') return { error: `the wasm backend did not start (got ${be.name})` };
      (be as unknown as { setThreads(n: number): void }).setThreads(threads);
      manualSeed(0);
      return { describe: `${be.describe()}; ${threads} thread(s)` };
    }
    if (req.op === 'names') return { names: Object.keys(workloads) };
    const fn = workloads[req.name ?? ''];
    if (fn === undefined) return { error: 'not supported' };
    return { value: await fn(req.seconds ?? 1) };
  } catch (e) {
    return { error: text(e).split('\n')[0]!.slice(0, 160) };
  }
}

const g = globalThis as unknown as Record<string, unknown> & { postMessage: (m: unknown) => void };
if (typeof document === 'undefined') {
  // the webgpu Worker: requests arrive from the page
  let threads = 1;
  self.onmessage = async (e: MessageEvent<Request & { threads: number; id: number }>) => {
    threads = e.data.threads ?? threads;
    g.postMessage({ id: e.data.id, ...(await handle(e.data, 'webgpu', threads)) });
  };
} else {
  let mode = 'wasm';
  let threads = 2;
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, (r: Reply) => void>();
  const call = (req: Request): Promise<Reply> => {
    if (worker === null) return handle(req, mode, threads);
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      worker!.postMessage({ ...req, id, threads });
    });
  };
  g.benchStart = async (m: string, t: number): Promise<Reply> => {
    mode = m;
    threads = t;
    if (m === 'webgpu') {
      worker = new Worker(import.meta.url, { type: 'module' });
      worker.onmessage = (e: MessageEvent<Reply & { id: number }>) => {
        pending.get(e.data.id)?.(e.data);
        pending.delete(e.data.id);
      };
      worker.onerror = (e) => {
        for (const p of pending.values()) p({ error: `worker error: ${e.message}` });
        pending.clear();
      };
    }
    return call({ op: 'start' });
  };
  g.benchWorkloads = async (): Promise<string[]> => (await call({ op: 'names' })).names ?? [];
  g.benchRun = (name: string, seconds: number): Promise<Reply> => call({ op: 'run', name, seconds });
  g.benchReady = true;
}
