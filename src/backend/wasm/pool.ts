/**
 * The worker pool: helper threads (worker_threads in Node, Web Workers in browsers) that
 * each instantiate the kernel module on the shared memory and run their share of a kernel.
 *
 * Hand-off: the caller writes the kernel id and arguments into the control block, publishes
 * the job in the WORK word (job number << 10 | next share; workers read the fields under a
 * seqlock on WORK) and notifies; workers spin on the
 * job counter for a while before falling back to Atomics.wait (spinning cuts the hand-off
 * from tens of microseconds to about half a microsecond). Every thread, the caller
 * included, then claims shares of the kernel with compare-and-swap on WORK until none is
 * left, so a worker the OS has descheduled delays nobody: the others take its shares. The
 * caller returns when the DONE counter reaches the number of shares (spinning for about one
 * share's duration, then blocking). Workers start asynchronously and join as they become
 * ready; until then (or if they fail to start) kernels simply run on fewer threads.
 */
import { isNode, nodeWorkers, type NodeWorker } from './platform.js';

// Control block layout (Int32 indices from the control pointer).
const JOB = 0,
  DONE = 1,
  SHARES = 2,
  FN = 3,
  ERR = 4,
  STOP = 5,
  READY = 6,
  ARGC = 7,
  WORK = 8;
/** Shares one job can be cut into, plus one (the low 10 bits of WORK; 1023 marks a job being written). */
export const MAX_SHARES = 1023;
/** Byte offset of the Float64 argument slots within the control block. */
export const ARGS_OFFSET = 256;
/** Most arguments a kernel can take. */
export const MAX_ARGS = 32;

/** Source of the worker (plain JS so that it runs unchanged from src/, dist/ or a bundle). */
export const workerSource = `
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
// dynamic import works whether Node evaluates this as CommonJS or as an ES module
const onMessage = (fn) => {
  if (isNode) import('node:worker_threads').then((wt) => wt.parentPort.on('message', fn));
  else self.onmessage = (e) => fn(e.data);
};
onMessage((msg) => {
  const inst = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } });
  const fns = msg.names.map((n) => inst.exports[n]);
  const I = new Int32Array(msg.memory.buffer, msg.ctl, 64);
  const A = new Float64Array(msg.memory.buffer, msg.ctl + ${ARGS_OFFSET}, ${MAX_ARGS});
  const spin = msg.spin;
  let last = Atomics.load(I, ${JOB});
  const wid = Atomics.add(I, ${READY}, 1) + 1;
  for (;;) {
    let g = Atomics.load(I, ${JOB});
    for (let s = 0; g === last && s < spin; s++) g = Atomics.load(I, ${JOB});
    if (g === last) { Atomics.wait(I, ${JOB}, last); continue; }
    last = g;
    if (Atomics.load(I, ${STOP}) !== 0) break;
    // seqlock: the job's fields are valid only if WORK showed the same published job
    // (low bits != 1023) before and after reading them
    const w0 = Atomics.load(I, ${WORK});
    if ((w0 & 1023) === 1023) continue;
    const gen = w0 >>> 10;
    const n = Atomics.load(I, ${SHARES});
    const f = fns[Atomics.load(I, ${FN})];
    const argc = Atomics.load(I, ${ARGC});
    const args = [0, n, wid];
    for (let i = 0; i < argc; i++) args.push(A[i]);
    if ((Atomics.load(I, ${WORK}) >>> 10) !== gen) continue;
    for (;;) {
      const v = Atomics.load(I, ${WORK});
      if ((v >>> 10) !== gen || (v & 1023) >= n) break;
      if (Atomics.compareExchange(I, ${WORK}, v, v + 1) !== v) continue;
      args[0] = v & 1023;
      try { f(...args); } catch (e) { Atomics.store(I, ${ERR}, 1); }
      if (Atomics.add(I, ${DONE}, 1) + 1 === n) Atomics.notify(I, ${DONE});
    }
  }
  // stopped: a Web Worker says so and ends itself (the page learns when the thread is gone)
  if (!isNode) { postMessage('stopped'); close(); }
});
`;

/**
 * Resolves once a stopped Web Worker has ended: it posts 'stopped' and closes itself when it
 * sees STOP (one that never started, or hangs, is terminated after a second), then the page
 * waits 100 ms for the thread to be torn down: Chromium's
 * performance.measureUserAgentSpecificMemory() called while a terminated worker is still being
 * torn down never resolves.
 */
function webWorkerEnded(w: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    const end = (): void => {
      clearTimeout(timer);
      w.terminate();
      // Chromium tears the thread down a few milliseconds later (measured: gone after 10 ms,
      // not after 0): a memory measurement started earlier would wait for it forever
      setTimeout(resolve, 100);
    };
    const timer = setTimeout(end, 1000);
    w.onmessage = (e: MessageEvent) => {
      if (e.data === 'stopped') end();
    };
  });
}

/** Options for starting a pool. */
export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block in the shared memory. */
  ctl: number;
  /** Names of the exported kernels; jobs refer to them by index. */
  names: readonly string[];
  /** Helper threads to start (total threads = helpers + 1). */
  helpers: number;
  /** Worker source override (tests use it to simulate a worker that fails to start). */
  source?: string;
}

type AnyWorker = NodeWorker | Worker;

/** A pool of helper threads sharing one wasm memory. */
export class WorkerPool {
  private readonly I: Int32Array;
  private readonly A: Float64Array;
  private readonly workers: AnyWorker[] = [];
  private failures = 0;
  /** Why workers failed, if any did. */
  readonly errors: string[] = [];
  private readonly readyPromise: Promise<number>;
  private readonly canBlock: boolean;
  private job = 0;

  constructor(private readonly opts: PoolOptions) {
    this.I = new Int32Array(opts.memory.buffer, opts.ctl, 64);
    this.A = new Float64Array(opts.memory.buffer, opts.ctl + ARGS_OFFSET, MAX_ARGS);
    // a pool restarted on the same control block (resume after pause) starts from no helpers
    Atomics.store(this.I, STOP, 0);
    Atomics.store(this.I, READY, 0);
    // Node's main thread may block in Atomics.wait; a browser's main thread may not.
    this.canBlock = isNode || typeof (globalThis as { document?: unknown }).document === 'undefined';
    let settle!: (n: number) => void;
    this.readyPromise = new Promise<number>((res) => {
      settle = res;
    });
    const src = opts.source ?? workerSource;
    const msg = { module: opts.module, memory: opts.memory, ctl: opts.ctl, names: opts.names, spin: 20000 };
    // Poll until every worker is ready or failed (10 s at most, so a hung start cannot hang us).
    const deadline = Date.now() + 10000;
    const check = (): void => {
      if (this.helpers + this.failures >= opts.helpers || Date.now() > deadline) {
        settle(this.helpers);
        return;
      }
      setTimeout(check, 2);
    };
    const fail = (e: unknown): void => {
      this.failures++;
      this.errors.push(e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e));
    };
    for (let i = 0; i < opts.helpers; i++) {
      try {
        if (isNode && nodeWorkers) {
          const w = new nodeWorkers.Worker(src, { eval: true });
          w.on('error', fail);
          w.unref();
          w.postMessage(msg);
          this.workers.push(w);
        } else if (typeof Worker !== 'undefined') {
          const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
          const w = new Worker(url);
          w.onerror = (e) => {
            e.preventDefault();
            fail(e.message ? new Error(e.message) : e);
          };
          URL.revokeObjectURL(url);
          w.postMessage(msg);
          this.workers.push(w);
        } else {
          fail(new Error('no Worker implementation'));
        }
      } catch (e) {
        fail(e);
      }
    }
    if (opts.helpers === 0) settle(0);
    else check();
  }

  /** Helper threads that are running and accept jobs. */
  get helpers(): number {
    return Math.min(Atomics.load(this.I, READY), this.opts.helpers);
  }

  /** Resolves with the number of ready helpers once every worker started or failed. */
  ready(): Promise<number> {
    return this.readyPromise;
  }

  /**
   * Runs kernel `fn` cut into `shares` shares on this thread and every ready helper: each
   * share is a call (share, shares, thread, ...args). `self` is this thread's instance.
   */
  run(fn: number, self: (...a: number[]) => void, shares: number, args: readonly number[]): void {
    const I = this.I;
    const n = Math.min(shares, MAX_SHARES - 1);
    this.job = (this.job + 1) & 0x1fffff;
    const gen = this.job;
    // mark the job unpublished (share 1023) while its fields are written; see the worker
    Atomics.store(I, WORK, (gen << 10) | 1023);
    for (let i = 0; i < args.length; i++) this.A[i] = args[i];
    I[FN] = fn;
    I[ARGC] = args.length;
    I[SHARES] = n;
    I[ERR] = 0;
    Atomics.store(I, DONE, 0);
    Atomics.store(I, WORK, gen << 10);
    Atomics.add(I, JOB, 1);
    Atomics.notify(I, JOB);
    let failure: unknown = null;
    const t0 = performance.now();
    let mine = 0;
    for (;;) {
      const v = Atomics.load(I, WORK);
      if ((v & 1023) >= n) break;
      if (Atomics.compareExchange(I, WORK, v, v + 1) !== v) continue;
      try {
        self(v & 1023, n, 0, ...args);
      } catch (e) {
        failure = e;
      }
      Atomics.add(I, DONE, 1);
      mine++;
    }
    // Shares still running on helpers end within about one share's time if their threads are
    // on a core: spin that long (20 us to 1 ms), then block. A helper the OS has descheduled
    // (a busy machine) would otherwise cost a long spin on every kernel.
    const now = performance.now();
    const spinUntil = now + Math.min(1, Math.max(0.02, mine > 0 ? (1.5 * (now - t0)) / mine : 0.2));
    let done = Atomics.load(I, DONE);
    for (let s = 1; done < n; s++) {
      if ((s & 127) === 0 && performance.now() > spinUntil) break;
      done = Atomics.load(I, DONE);
    }
    while (done < n) {
      if (this.canBlock) Atomics.wait(I, DONE, done, 50);
      done = Atomics.load(I, DONE);
    }
    if (failure) throw failure;
    if (Atomics.load(I, ERR) !== 0)
      throw new Error(`wasm backend: a worker failed while running ${this.opts.names[fn]}`);
  }

  /**
   * Stops the workers and terminates their threads (a page's memory measurement, e.g.
   * performance.measureUserAgentSpecificMemory(), can then complete). Kernels already running
   * have finished: run() returns only when every share is done. Afterwards `helpers` is 0.
   */
  stop(): void {
    Atomics.store(this.I, STOP, 1);
    Atomics.store(this.I, READY, 0);
    Atomics.add(this.I, JOB, 1);
    Atomics.notify(this.I, JOB);
    const ended = this.workers.map((w) => ('on' in w ? w.terminate().then(() => undefined) : webWorkerEnded(w)));
    this.stopped = Promise.all(ended).then(() => undefined);
    this.workers.length = 0;
  }

  /** Same as stop(): ends every worker thread; resolves once every thread has ended. */
  terminate(): Promise<void> {
    this.stop();
    return this.stopped;
  }

  /** Resolves once the threads of a stopped pool have ended (at once if it was never stopped). */
  stopped: Promise<void> = Promise.resolve();
}
