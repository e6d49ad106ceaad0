#!/usr/bin/env node
// Builds the native backend (native/build/convkit.node) with the system C++ compiler.
// Runs at `npm install`. If there is no compiler or the build fails, it prints one line
// and exits 0: the install still succeeds and convkit falls back to the wasm/js backends.
// First regenerates native/src/generated (scripts/gen-kernels.mjs) where the TypeScript sources are present.
// Env: CXX (compiler, default g++), npm_config_nodedir (Node headers), CONVKIT_NATIVE_VERBOSE=1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'src');
const out = join(root, 'native', 'build');
const cxx = process.env.CXX || 'g++';
const verbose = process.env.CONVKIT_NATIVE_VERBOSE === '1';

// The reason of a failed build is kept in native/build/build-failure.txt, so that the loader
// (and `convkit info`) report it instead of "Cannot find module"; a good build removes it.
const failureFile = join(out, 'build-failure.txt');

function skip(reason) {
  try {
    mkdirSync(out, { recursive: true });
    writeFileSync(failureFile, `${reason}\n(build of ${new Date().toISOString()} with CXX=${cxx})\n`);
  } catch {
    // the reason is still printed below
  }
  console.log(`convkit: native backend not built (${reason}); using the wasm/js backends instead.`);
  process.exit(0);
}

function nodeHeaders() {
  const dirs = [];
  if (process.env.npm_config_nodedir) dirs.push(join(process.env.npm_config_nodedir, 'include', 'node'));
  dirs.push(join(dirname(dirname(process.execPath)), 'include', 'node'));
  return dirs.find((d) => existsSync(join(d, 'node_api.h')));
}

function run(args) {
  return new Promise((resolve) => {
    let child;
    let err = '';
    try {
      child = spawn(cxx, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      resolve({ ok: false, err: String(e) });
      return;
    }
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) =>
      resolve({ ok: false, err: e.code === 'ENOENT' ? `compiler '${cxx}' not found` : String(e) }),
    );
    child.on('close', (code) => resolve({ ok: code === 0, err }));
  });
}

// op codes and parameter layouts (native/src/generated) from src/backend/kernels.ts; an installed
// package has no TypeScript sources and builds from the committed generated files
try {
  const { renderAll, writeChanged } = await import('./gen-kernels.mjs'); // (not shipped in the package)
  const gen = await renderAll();
  if (gen.files) writeChanged(gen.files);
} catch (e) {
  if (verbose) console.log(`convkit: kernel generation skipped (${e instanceof Error ? e.message : e})`);
}

const headers = nodeHeaders();
if (!headers) skip('Node headers (node_api.h) not found; set npm_config_nodedir');
if (process.platform === 'win32') skip('building with g++ is not supported on Windows');

const x86 = process.arch === 'x64' || process.arch === 'ia32';
const common = [
  '-O2',
  '-fvect-cost-model=dynamic',
  '-std=gnu++17',
  '-fPIC',
  '-fvisibility=hidden',
  '-ffp-contract=fast',
  '-fno-tree-loop-distribute-patterns',
  '-pthread',
  '-DNAPI_VERSION=8',
  '-DNODE_GYP_MODULE_NAME=convkit',
  `-I${headers}`,
  `-I${src}`,
];
const units = [
  { file: 'addon.cc', flags: [] },
  { file: 'pool.cc', flags: [] },
  { file: 'shared_kernels.cc', flags: [] },
  { file: 'fused.cc', flags: ['-O3'] }, // fused kernels (native/src/fused.h): plain loops, vectorised at -O3
  { file: 'isa_portable.cc', flags: [] },
];
if (x86) {
  units.push({ file: 'isa_avx2.cc', flags: ['-mavx2', '-mfma'] });
  units.push({
    file: 'isa_avx512.cc',
    flags: ['-mavx512f', '-mavx512vl', '-mavx512dq', '-mavx2', '-mfma', '-mprefer-vector-width=512'],
  });
}

mkdirSync(out, { recursive: true });
const skipped = [];
const t0 = Date.now();
const results = await Promise.all(
  units.map(async (u) => {
    const obj = join(out, u.file.replace(/\.cc$/, '.o'));
    const r = await run([...common, ...u.flags, '-c', join(src, u.file), '-o', obj]);
    if (!r.ok && u.flags.length > 0) {
      // a compiler too old for this SIMD level: build the level as an empty table instead
      const stub = await run([...common, '-DCK_STUB', '-c', join(src, u.file), '-o', obj]);
      if (stub.ok) {
        skipped.push(u.file.replace(/^isa_|\.cc$/g, ''));
        return { ...stub, obj, file: u.file };
      }
    }
    return { ...r, obj, file: u.file };
  }),
);
const failed = results.find((r) => !r.ok);
if (failed) {
  if (verbose) console.error(failed.err);
  const first = failed.err.split('\n').find((l) => l.trim().length > 0) ?? 'unknown error';
  skip(`${failed.file}: ${first.trim()}`);
}
const tmp = join(out, 'convkit.node.tmp');
const linkFlags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
const link = await run(['-shared', '-pthread', ...linkFlags, ...results.map((r) => r.obj), '-o', tmp]);
if (!link.ok) {
  if (verbose) console.error(link.err);
  skip(`link: ${link.err.split('\n').find((l) => l.trim().length > 0) ?? 'unknown error'}`);
}
renameSync(tmp, join(out, 'convkit.node'));
rmSync(failureFile, { force: true });
for (const r of results) rmSync(r.obj, { force: true });
const levels = (x86 ? ['avx512', 'avx2', 'portable'] : ['portable']).filter((l) => !skipped.includes(l));
const note = skipped.length ? `; the compiler cannot build ${skipped.join(', ')}` : '';
console.log(
  `convkit: native backend built in ${((Date.now() - t0) / 1000).toFixed(1)} s (${levels.join('/')} kernels${note}).`,
);
