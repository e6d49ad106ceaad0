// The machine the benchmark runs on, read from /proc/cpuinfo (Linux; elsewhere what node:os
// says): CPU model, vendor, family/model numbers, the vector ISA flags that decide speed
// (avx512f, avx2, fma), the clock; the OpenBLAS core type matching the ISA (PyTorch's BLAS), and
// the machine's peak single-precision GFLOPS computed from the ISA (with the assumption stated).
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** {model, vendor, family, modelNumber, flags: {avx512f, avx2, fma}, mhz, logicalCores} of this machine. */
export function cpuInfo() {
  return parseCpuinfo(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : null);
}

/** The same from the text of a /proc/cpuinfo (null: only what node:os says). */
export function parseCpuinfo(text) {
  const info = {
    model: cpus()[0]?.model ?? 'unknown CPU',
    vendor: '',
    family: null,
    modelNumber: null,
    flags: { avx512f: false, avx2: false, fma: false },
    mhz: cpus()[0]?.speed || null,
    logicalCores: cpus().length,
  };
  if (text !== null) {
    const n = (text.match(/^processor\s*:/gm) ?? []).length;
    if (n > 0) info.logicalCores = n;
  }
  if (text === null) return info;
  const first = text.split(/\n\s*\n/)[0];
  const field = (name) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim();
  info.model = field('model name') ?? info.model;
  info.vendor = field('vendor_id') ?? '';
  const fam = field('cpu family');
  const mod = field('model');
  info.family = fam !== undefined && /^\d+$/.test(fam) ? Number(fam) : null;
  info.modelNumber = mod !== undefined && /^\d+$/.test(mod) ? Number(mod) : null;
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  info.flags = { avx512f: flags.has('avx512f'), avx2: flags.has('avx2'), fma: flags.has('fma') };
  // the nominal clock when the model name gives one ("@ 2.10GHz"), else the current one
  const nominal = /@\s*([\d.]+)\s*GHz/i.exec(info.model);
  const mhz = Number(field('cpu MHz') ?? Number.NaN);
  info.mhz = nominal ? Number(nominal[1]) * 1000 : Number.isFinite(mhz) && mhz > 0 ? mhz : info.mhz;
  return info;
}

/** One line: model, vendor family/model, ISA, clock, cores. */
export function describeCpu(c) {
  const isa = c.flags.avx512f ? 'AVX-512' : c.flags.avx2 ? (c.flags.fma ? 'AVX2+FMA' : 'AVX2') : 'no AVX2';
  const fm = c.family !== null ? `, family ${c.family} model ${c.modelNumber}` : '';
  const ghz = c.mhz ? `, ${(c.mhz / 1000).toFixed(2)} GHz` : '';
  return `${c.model} (${c.vendor || 'unknown vendor'}${fm}, ${isa}${ghz}, ${c.logicalCores} logical cores)`;
}

/**
 * The OPENBLAS_CORETYPE for this CPU, so that OpenBLAS (PyTorch's BLAS on Debian) runs kernels
 * the CPU has: SkylakeX with AVX-512, Zen on AMD with AVX2, Haswell on others with AVX2+FMA;
 * null (OpenBLAS detects by itself) otherwise. Forcing SkylakeX on a CPU without AVX-512 kills
 * the process with SIGILL.
 */
export function openblasCoretype(c) {
  if (c.flags.avx512f) return 'SkylakeX';
  if (c.flags.avx2 && c.flags.fma) return c.vendor === 'AuthenticAMD' ? 'Zen' : 'Haswell';
  return null;
}

/**
 * Peak single-precision GFLOPS on `threads` threads: FMA width (16 floats with AVX-512, 8 with
 * AVX2, 4 with SSE) x 2 flops per FMA x 2 FMA ports x GHz x threads, and the assumptions behind it.
 */
export function peakGflops(c, threads) {
  const lanes = c.flags.avx512f ? 16 : c.flags.avx2 && c.flags.fma ? 8 : 4;
  const ghz = (c.mhz ?? 0) / 1000;
  const gflops = lanes * 2 * 2 * ghz * threads;
  const isa = c.flags.avx512f ? 'AVX-512' : c.flags.avx2 && c.flags.fma ? 'AVX2+FMA' : 'SSE';
  return {
    gflops,
    assumption:
      `${isa}: ${lanes} floats per FMA x 2 flops x 2 FMA ports x ${ghz.toFixed(2)} GHz ` +
      `(/proc/cpuinfo; no turbo assumed) x ${threads} thread(s), each on its own physical core = ${gflops.toFixed(1)} GFLOPS`,
  };
}
