/**
 * The benchmark's pure helpers, in process (no benchmark runs): /proc/cpuinfo parsing, the
 * OpenBLAS core type per ISA (never SkylakeX without AVX-512), the peak-GFLOPS formula, and the
 * README region that bench/readme-table.mjs renders from history.jsonl lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain ESM bench helpers
import { openblasCoretype, parseCpuinfo, peakGflops } from '../../bench/cpu.mjs';
// @ts-expect-error plain ESM bench helpers
import { render } from '../../bench/readme-table.mjs';

const zen3 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC
cpu MHz\t\t: 2445.404
flags\t\t: fpu sse sse2 avx fma avx2 bmi2

processor\t: 1
vendor_id\t: AuthenticAMD
`;
const xeon = `processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
model name\t: Intel(R) Xeon(R) CPU @ 2.00GHz
cpu MHz\t\t: 2000.170
flags\t\t: fpu sse avx fma avx2 avx512f avx512bw
`;

test('parseCpuinfo reads model, vendor, family/model, ISA flags, clock and processors', () => {
  const c = parseCpuinfo(zen3);
  assert.equal(c.model, 'AMD EPYC');
  assert.equal(c.vendor, 'AuthenticAMD');
  assert.equal(c.family, 25);
  assert.equal(c.modelNumber, 1);
  assert.deepEqual(c.flags, { avx512f: false, avx2: true, fma: true });
  assert.equal(c.mhz, 2445.404);
  assert.equal(c.logicalCores, 2);
  const x = parseCpuinfo(xeon);
  assert.equal(x.flags.avx512f, true);
  assert.equal(x.mhz, 2000, 'the nominal clock in the model name wins over the current one');
});

test('openblasCoretype: SkylakeX only with AVX-512; Zen on AMD AVX2; Haswell on Intel AVX2; else none', () => {
  assert.equal(openblasCoretype(parseCpuinfo(zen3)), 'Zen');
  assert.equal(openblasCoretype(parseCpuinfo(xeon)), 'SkylakeX');
  assert.equal(openblasCoretype(parseCpuinfo(xeon.replace(' avx512f avx512bw', ''))), 'Haswell');
  assert.equal(openblasCoretype(parseCpuinfo(zen3.replace(' fma avx2', ''))), null);
});

test('peakGflops: FMA lanes x 2 flops x 2 ports x GHz x threads, with the assumption stated', () => {
  const p = peakGflops(parseCpuinfo(zen3), 2);
  assert.ok(Math.abs(p.gflops - 8 * 2 * 2 * 2.445404 * 2) < 1e-9, String(p.gflops));
  assert.match(p.assumption, /AVX2\+FMA: 8 floats per FMA x 2 flops x 2 FMA ports x 2\.45 GHz .* x 2 thread/);
  assert.equal(peakGflops(parseCpuinfo(xeon), 1).gflops, 16 * 2 * 2 * 2.0);
});

test('readme-table renders the newest complete run, its targets, and names the CPU', () => {
  const cpu = parseCpuinfo(zen3);
  const run = (over: object) => ({
    date: '2026-12-02T16:00:00.000Z',
    commit: 'abc',
    dirty: false,
    machine: { node: 'v20' },
    cpu,
    threads: 2,
    rounds: 1,
    seconds: 0.6,
    argv: ['--quick'],
    load: { before: 1, after: 2 },
    frameworks: ['convkit-native', 'pytorch'],
    results: { 'convkit-native': { 'lenet-train': 30000 }, pytorch: { 'lenet-train': 10000 } },
    peak: { assumption: 'formula' },
    targets: [
      {
        label: 'LeNet-5 training vs PyTorch',
        peer: 'pytorch',
        ratio: 3,
        min: 2,
        pass: true,
        convkit: 'convkit-native',
      },
    ],
    partial: false,
    contended: false,
    ...over,
  });
  const md = render([
    run({}),
    run({ results: { 'convkit-native': { 'lenet-train': 1 } }, partial: true }),
    run({ date: '2026-12-03T00:00:00.000Z', results: { 'convkit-native': { 'lenet-train': 2 } }, contended: 'x' }),
  ]);
  assert.match(md, /CPU: AMD EPYC \(AuthenticAMD, family 25 model 1, AVX2\+FMA/);
  assert.match(md, /\| LeNet-5 train, batch 64 \(img\/s\) \| 30,000 \| 10,000 \|/);
  assert.match(md, /\*\*pass\*\* LeNet-5 training vs PyTorch: 3\.00× pytorch \(target ≥ 2×\)/);
  assert.match(md, /`npm run bench -- --quick`/);
  assert.equal(render([]).includes('No complete'), true);
});
