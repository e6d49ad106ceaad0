/**
 * The harness's own checks, on the page's main thread: the direct runner (uploads, uniforms from
 * packParams, read-back, in-place read_write, i32 arrays, scratch arrays, large grids, the
 * pipeline cache), and that WebGPU mistakes fail the test that made them with the dispatch key
 * named (WGSL compile errors, aliasing a read_write binding, oversized grids).
 */
import { type Dispatch, packParams } from '../../src/backend/webgpu/dispatch.js';
import { harnessChecks } from './harness-checks.js';
import type { SuiteContext } from './suite.js';

/** Registers the harness checks on the page thread. */
export async function run(t: SuiteContext): Promise<void> {
  t.test('runs on the page thread', () => {
    t.equal(t.where, 'page');
  });
  harnessChecks(t);
  t.test('a WGSL compile error fails with the dispatch key named', async () => {
    const x = new Float32Array(4);
    const bad: Dispatch = {
      key: 'harness:bad-wgsl',
      wgsl: '@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n@compute @workgroup_size(1) fn main() { x[0] = undefined_name; }',
      bindings: [{ array: x, access: 'read_write' }],
      params: packParams([]),
      workgroups: [1, 1, 1],
    };
    t.runner.run(bad);
    await t.throws(() => t.runner.flush(), /harness:bad-wgsl/);
  });
}
