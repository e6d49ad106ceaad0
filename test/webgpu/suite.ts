/**
 * The WebGPU test suites' side of the harness (scripts/test-webgpu.mjs, `npm run test:webgpu`).
 * A suite is a browser-runnable module test/webgpu/<name>.suite.ts (no node: imports) exporting
 *
 *   export async function run(t: SuiteContext): Promise<void>   // registers tests with t.test
 *   export const thread = 'worker';                             // optional; default 'page'
 *
 * Kernel suites run on the page's main thread and use `t.runner`, a GpuRunner on a device of
 * their own (test/webgpu/direct-runner.ts), and `await t.read(array)` to see a kernel's output.
 * Suites written against the webgpu backend (`await initWebGPU(); setBackend('webgpu')`) say
 * `thread = 'worker'`: they run in a dedicated module Worker of a cross-origin-isolated page (the
 * backend blocks with Atomics.wait, which a page's main thread may not do).
 * `t.test(name, fn)` queues a test; the tests run one after another, in order, once `run`
 * returns. A test fails when `fn` throws or rejects; the assertion helpers throw with what
 * differed. This module also holds `runSuite`, which the harness's generated entry calls.
 */
import { DirectRunner, type GpuArray } from './direct-runner.js';

/** Absolute and relative tolerance: |a - e| <= atol + rtol * |e| passes. */
export interface Tolerance {
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
}

/** What a suite's `run` gets. */
export interface SuiteContext {
  /** Queues a test; tests run in order after `run` returns. */
  test(name: string, fn: () => void | Promise<void>): void;
  /** A GpuRunner on a device of this page/worker (kernel suites), with `read`, `flush` and `stats`. */
  readonly runner: DirectRunner;
  /** The array's contents as the runner's device holds them (see DirectRunner.read). */
  read<A extends GpuArray>(array: A): Promise<A>;
  /** Prints a line in the harness's output, under the current test. */
  log(...parts: unknown[]): void;
  /** The direct runner's adapter, in words. */
  readonly adapter: string;
  /** Where the suite runs: the page's main thread or a dedicated worker. */
  readonly where: 'page' | 'worker';
  /** Throws `message` unless `cond`. */
  ok(cond: boolean, message: string): void;
  /** Strict equality (Object.is) of numbers, strings, booleans; element-wise for arrays (lengths too). */
  equal(actual: unknown, expected: unknown, message?: string): void;
  /** Numbers or arrays equal within tolerance (NaN only matches NaN, infinities match exactly). */
  close(
    actual: number | ArrayLike<number>,
    expected: number | ArrayLike<number>,
    tol?: Tolerance,
    message?: string,
  ): void;
  /** `fn` throws (or rejects) an error whose message matches `pattern` (when given). */
  throws(fn: () => unknown, pattern?: RegExp, message?: string): Promise<void>;
}

/** A suite module, as the harness imports it. */
export interface SuiteModule {
  /** Registers the suite's tests. */
  run(t: SuiteContext): Promise<void>;
  /** Where the suite runs (default 'page'). */
  thread?: 'page' | 'worker';
}

/** One message from a suite to the harness. */
export type SuiteMessage =
  | { kind: 'adapter'; text: string }
  | { kind: 'log'; text: string }
  | { kind: 'test'; name: string; ok: boolean; detail: string; ms: number }
  | { kind: 'done'; error: string };

const fmt = (v: unknown): string =>
  typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : typeof v === 'string' ? JSON.stringify(v) : String(v);

const isArrayLike = (v: unknown): v is ArrayLike<unknown> =>
  Array.isArray(v) || ArrayBuffer.isView(v) || (typeof v === 'object' && v !== null && 'length' in v);

function withMessage(message: string | undefined, text: string): Error {
  return new Error(message ? `${message}: ${text}` : text);
}

function closeNumbers(a: number, e: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(e)) return Number.isNaN(a) && Number.isNaN(e);
  if (!Number.isFinite(a) || !Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/** The assertion helpers of a SuiteContext (exported for the harness's own self-test). */
export const asserts = {
  ok(cond: boolean, message: string): void {
    if (!cond) throw new Error(message);
  },
  equal(actual: unknown, expected: unknown, message?: string): void {
    if (isArrayLike(actual) && isArrayLike(expected)) {
      if (actual.length !== expected.length)
        throw withMessage(message, `length ${actual.length}, expected ${expected.length}`);
      let diffs = 0;
      let first = -1;
      for (let i = 0; i < actual.length; i++)
        if (!Object.is(actual[i], expected[i])) {
          diffs++;
          if (first < 0) first = i;
        }
      if (diffs > 0)
        throw withMessage(
          message,
          `${diffs} of ${actual.length} elements differ (first at [${first}]: ${fmt(actual[first])}, expected ${fmt(expected[first])})`,
        );
      return;
    }
    if (!Object.is(actual, expected)) throw withMessage(message, `${fmt(actual)}, expected ${fmt(expected)}`);
  },
  close(
    actual: number | ArrayLike<number>,
    expected: number | ArrayLike<number>,
    tol: Tolerance = {},
    message?: string,
  ): void {
    const atol = tol.atol ?? 1e-5;
    const rtol = tol.rtol ?? 1e-4;
    if (typeof actual === 'number' || typeof expected === 'number') {
      if (typeof actual !== 'number' || typeof expected !== 'number')
        throw withMessage(message, `compared a number with an array (${fmt(actual)} vs ${fmt(expected)})`);
      if (!closeNumbers(actual, expected, atol, rtol))
        throw withMessage(
          message,
          `${actual}, expected ${expected} (difference ${Math.abs(actual - expected)}; atol ${atol}, rtol ${rtol})`,
        );
      return;
    }
    if (actual.length !== expected.length)
      throw withMessage(message, `length ${actual.length}, expected ${expected.length}`);
    let diffs = 0;
    let first = -1;
    let worst = -1;
    let worstDiff = 0;
    for (let i = 0; i < actual.length; i++) {
      const a = actual[i]!;
      const e = expected[i]!;
      if (!closeNumbers(a, e, atol, rtol)) {
        diffs++;
        if (first < 0) first = i;
        const d = Number.isFinite(a - e) ? Math.abs(a - e) : Number.POSITIVE_INFINITY;
        if (worst < 0 || d > worstDiff) {
          worst = i;
          worstDiff = d;
        }
      }
    }
    if (diffs > 0)
      throw withMessage(
        message,
        `${diffs} of ${actual.length} elements differ beyond atol ${atol} + rtol ${rtol} (first at [${first}]: ${actual[first]} vs ${expected[first]}; largest at [${worst}]: ${actual[worst]} vs ${expected[worst]})`,
      );
  },
  async throws(fn: () => unknown, pattern?: RegExp, message?: string): Promise<void> {
    let threw = false;
    let text = '';
    try {
      await fn();
    } catch (e) {
      threw = true;
      text = e instanceof Error ? e.message : String(e);
    }
    if (!threw) throw withMessage(message, 'expected an error, none was thrown');
    if (pattern && !pattern.test(text)) throw withMessage(message, `error '${text}' does not match ${pattern}`);
  },
};

const where = (): 'page' | 'worker' => (typeof document === 'undefined' ? 'worker' : 'page');

/** Runs a suite here and sends each result to `send`; resolves when every test has run. */
async function runHere(mod: SuiteModule, send: (m: SuiteMessage) => void): Promise<void> {
  let runner: DirectRunner;
  try {
    runner = await DirectRunner.create();
  } catch (e) {
    send({ kind: 'done', error: e instanceof Error ? e.message : String(e) });
    return;
  }
  send({ kind: 'adapter', text: `${runner.adapterName} (${where()})` });
  const queue: { name: string; fn: () => void | Promise<void> }[] = [];
  const t: SuiteContext = {
    test: (name, fn) => {
      queue.push({ name, fn });
    },
    runner,
    read: (a) => runner.read(a),
    log: (...parts) => send({ kind: 'log', text: parts.map((p) => (typeof p === 'string' ? p : fmt(p))).join(' ') }),
    adapter: runner.adapterName,
    where: where(),
    ...asserts,
  };
  try {
    await mod.run(t);
  } catch (e) {
    send({ kind: 'test', name: 'suite setup (run)', ok: false, detail: errorText(e), ms: 0 });
  }
  for (const { name, fn } of queue) {
    const t0 = performance.now();
    try {
      await fn();
      // a kernel's asynchronous WebGPU errors belong to the test that caused them
      await runner.flush();
      send({ kind: 'test', name, ok: true, detail: '', ms: performance.now() - t0 });
    } catch (e) {
      send({ kind: 'test', name, ok: false, detail: errorText(e), ms: performance.now() - t0 });
    }
  }
  runner.destroy();
  send({ kind: 'done', error: '' });
}

function errorText(e: unknown): string {
  if (e instanceof Error)
    return e.stack && !e.stack.includes(e.message) ? `${e.message}\n${e.stack}` : (e.stack ?? e.message);
  return String(e);
}

/**
 * The generated entry's call: on the page, runs the suite (or starts a module Worker on this same
 * bundle when the suite says `thread = 'worker'`) and forwards every message to the harness's
 * `__webgpuReport`; in a worker, runs the suite and posts the messages to the page.
 */
export function runSuite(mod: SuiteModule, bundleUrl: string): void {
  const g = globalThis as unknown as {
    __webgpuReport?: (m: SuiteMessage) => void;
    postMessage: (m: SuiteMessage) => void;
    __webgpuDone?: boolean;
  };
  if (where() === 'worker') {
    void runHere(mod, (m) => g.postMessage(m));
    return;
  }
  const report = (m: SuiteMessage): void => {
    g.__webgpuReport?.(m);
    if (m.kind === 'done') g.__webgpuDone = true;
  };
  if ((mod.thread ?? 'page') === 'page') {
    void runHere(mod, report);
    return;
  }
  if (!globalThis.crossOriginIsolated)
    report({ kind: 'log', text: 'note: the page is not crossOriginIsolated (no SharedArrayBuffer in the worker)' });
  const worker = new Worker(bundleUrl, { type: 'module' });
  worker.onmessage = (e: MessageEvent<SuiteMessage>) => report(e.data);
  worker.onerror = (e: ErrorEvent) => {
    report({ kind: 'done', error: `worker error: ${e.message} (${e.filename}:${e.lineno})` });
  };
}
