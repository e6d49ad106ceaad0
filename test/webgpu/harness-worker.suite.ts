/**
 * The harness's own checks in a dedicated worker (where suites using the webgpu backend run):
 * the worker is cross-origin isolated, may block with Atomics.wait on a SharedArrayBuffer, and
 * has WebGPU; then the direct-runner checks shared with harness.suite.ts.
 */
import { harnessChecks } from './harness-checks.js';
import type { SuiteContext } from './suite.js';

/** Runs in a worker (the webgpu backend's suites need one). */
export const thread = 'worker';

/** Registers the worker checks. */
export async function run(t: SuiteContext): Promise<void> {
  t.test('runs in a cross-origin-isolated worker that may block with Atomics.wait', () => {
    t.equal(t.where, 'worker');
    t.equal(globalThis.crossOriginIsolated, true, 'crossOriginIsolated');
    const word = new Int32Array(new SharedArrayBuffer(4));
    t.equal(Atomics.wait(word, 0, 0, 1), 'timed-out');
  });
  harnessChecks(t);
}
