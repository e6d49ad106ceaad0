/**
 * Checks of the direct runner shared by the page-thread and worker harness suites
 * (harness.suite.ts, harness-worker.suite.ts): small WGSL kernels written here, results
 * compared with values computed in JavaScript.
 */
import { type Dispatch, packParams } from '../../src/backend/webgpu/dispatch.js';
import type { SuiteContext } from './suite.js';

/** y[i] = a * x[i] + y[i] (read_write in place), n in the uniform block. */
function axpy(x: Float32Array, y: Float32Array, a: number): Dispatch {
  return {
    key: 'harness:axpy',
    wgsl: `
struct P { n: u32, a: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = g.x + g.y * nw.x * 64u;
  if (i < p.n) { y[i] = p.a * x[i] + y[i]; }
}`,
    bindings: [
      { array: x, access: 'read' },
      { array: y, access: 'read_write' },
    ],
    params: packParams([
      ['u32', y.length],
      ['f32', a],
    ]),
    workgroups: [Math.min(Math.ceil(y.length / 64), 65535), Math.ceil(Math.ceil(y.length / 64) / 65535), 1],
  };
}

/** out[i] = i32 index * k (an i32 output, no inputs). */
function iota(out: Int32Array, k: number): Dispatch {
  return {
    key: 'harness:iota',
    wgsl: `
struct P { n: u32, k: i32 }
@group(0) @binding(0) var<storage, read_write> o: array<i32>;
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < p.n) { o[g.x] = i32(g.x) * p.k; }
}`,
    bindings: [{ array: out, access: 'read_write' }],
    params: packParams([
      ['u32', out.length],
      ['i32', k],
    ]),
    workgroups: [Math.ceil(out.length / 64), 1, 1],
  };
}

/** dst[i] = src[i] (copy), no uniform block: src must be an array the device already holds. */
function copy(src: Float32Array | Int32Array, dst: Float32Array, n: number): Dispatch {
  return {
    key: `harness:copy:${n}`,
    wgsl: `
@group(0) @binding(0) var<storage, read> s: array<f32>;
@group(0) @binding(1) var<storage, read_write> d: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < ${n}u) { d[g.x] = s[g.x]; }
}`,
    bindings: [
      { array: src, access: 'read' },
      { array: dst, access: 'read_write' },
    ],
    params: packParams([]),
    workgroups: [Math.ceil(n / 64), 1, 1],
  };
}

/** Registers the shared checks on `t`. */
export function harnessChecks(t: SuiteContext): void {
  t.test('the adapter has a name and sensible limits', () => {
    t.ok(t.adapter.length > 0, 'empty adapter name');
    t.ok(
      t.runner.limits.maxComputeWorkgroupSizeX >= 64,
      `maxComputeWorkgroupSizeX ${t.runner.limits.maxComputeWorkgroupSizeX}`,
    );
    t.ok(
      t.runner.limits.maxStorageBufferBindingSize >= 2 ** 27,
      `maxStorageBufferBindingSize ${t.runner.limits.maxStorageBufferBindingSize}`,
    );
  });

  t.test('axpy: uploads, uniform params, in-place read_write, read-back', async () => {
    const n = 1000;
    const x = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 100);
    const y = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const expected = y.map((v, i) => Math.fround(Math.fround(2.5 * x[i]!) + v));
    t.runner.run(axpy(x, y, 2.5));
    t.close(await t.read(y), expected, { atol: 1e-5, rtol: 1e-6 });
    // the device keeps y: a second dispatch starts from the device's values, not a new upload
    const uploads = t.runner.stats().uploads;
    t.runner.run(axpy(x, y, -2.5));
    t.close(
      await t.read(y),
      Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
      { atol: 1e-4 },
    );
    t.equal(t.runner.stats().uploads, uploads, 'uploads after the second dispatch');
  });

  t.test('markHost: host writes after a dispatch are uploaded again', async () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const y = new Float32Array(4);
    t.runner.run(axpy(x, y, 1));
    t.equal(await t.read(y), [1, 2, 3, 4]);
    x.set([10, 20, 30, 40]);
    t.runner.markHost(x);
    t.runner.run(axpy(x, y, 1));
    t.equal(await t.read(y), [11, 22, 33, 44]);
  });

  t.test('i32 output and a 2-D grid beyond 65535 workgroups in x', async () => {
    const o = new Int32Array(300);
    t.runner.run(iota(o, -3));
    t.equal(
      await t.read(o),
      Int32Array.from({ length: 300 }, (_, i) => -3 * i),
    );
    const n = 65536 * 64 + 100; // 65538 workgroups of 64: the kernel splits the grid over y
    const x = new Float32Array(n).fill(1);
    const y = new Float32Array(n).fill(2);
    t.runner.run(axpy(x, y, 3));
    const r = await t.read(y);
    t.equal(r[0], 5);
    t.equal(r[n - 1], 5);
    t.ok(
      r.every((v) => v === 5),
      'every element is 5',
    );
  });

  t.test('scratch arrays stay on the device and are reused after release', async () => {
    const src = new Float32Array([7, 8, 9]);
    const s = t.runner.scratch(3);
    t.runner.run(copy(src, s as Float32Array, 3));
    const dst = new Float32Array(3);
    t.runner.run(copy(s, dst, 3));
    t.runner.release(s);
    t.equal(await t.read(dst), [7, 8, 9]);
    const again = t.runner.scratch(3);
    t.ok(again === s, 'a released scratch array of the same size and type is handed out again');
    t.runner.release(again);
    t.ok(t.runner.scratch(3, 'i32') !== s, 'an i32 scratch is not the f32 one');
  });

  t.test('the pipeline cache compiles one pipeline per key', () => {
    const before = t.runner.stats().pipelines;
    const x = new Float32Array(8);
    const y = new Float32Array(8);
    for (let i = 0; i < 5; i++) t.runner.run(axpy(x, y, i));
    t.equal(t.runner.stats().pipelines, before, 'pipelines after 5 more axpy dispatches');
  });

  t.test('a read_write array bound twice is refused, naming the key', async () => {
    const y = new Float32Array(4);
    await t.throws(() => t.runner.run(copy(y, y, 4)), /harness:copy:4.*same array/);
  });

  t.test('a grid over maxComputeWorkgroupsPerDimension is refused, naming the key', async () => {
    const y = new Float32Array(4);
    const d = { ...axpy(y, new Float32Array(4), 1), workgroups: [70000, 1, 1] as const };
    await t.throws(() => t.runner.run(d), /harness:axpy.*workgroups\.x = 70000/);
  });

  t.test('the assertion helpers fail on mismatches', async () => {
    await t.throws(() => t.close([1, 2, 3], [1, 2, 3.1]), /1 of 3 elements differ/);
    await t.throws(() => t.close(Number.NaN, 0), /NaN/);
    await t.throws(() => t.equal([1, 2], [1, 2, 3]), /length 2, expected 3/);
    await t.throws(() => t.equal(-0, 0), /-0, expected 0/);
    t.close([1, Number.NaN, Number.POSITIVE_INFINITY], [1 + 1e-7, Number.NaN, Number.POSITIVE_INFINITY]);
  });
}
