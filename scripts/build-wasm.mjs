#!/usr/bin/env node
// Builds the WASM kernels (wasm/assembly/*.ts, AssemblyScript) twice, into the files that
// src/backend/wasm/module.ts loads from both src/ and dist/:
//   wasm/build/convkit.wasm      SIMD (f32x4) and threads: every engine with WebAssembly SIMD
//   wasm/build/convkit-fma.wasm  the same with relaxed SIMD: the GEMM tile uses a fused
//                                multiply-add (wasm/assembly/gemm.ts madd); loaded on request
//                                (the `simd: 'relaxed'` option, CONVKIT_WASM_SIMD=relaxed)
// First regenerates wasm/assembly/generated (scripts/gen-kernels.mjs); afterwards embeds both
// in src/backend/wasm/generated/module-bytes.ts (scripts/embed-wasm.mjs).
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { renameSync } from 'node:fs';
import { renderAll, writeChanged } from './gen-kernels.mjs';
import { writeEmbeddedWasm } from './embed-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// op codes, elementwise cases and geometry offsets (wasm/assembly/generated) from src/backend/kernels.ts
const gen = await renderAll();
if (gen.files) writeChanged(gen.files);
else console.log(`build-wasm: ${gen.skip}`);
for (const [file, extra] of [
  ['wasm/build/convkit.wasm', []],
  ['wasm/build/convkit-fma.wasm', ['--enable', 'relaxed-simd']],
]) {
  const out = join(root, file);
  const tmp = `${out}.${process.pid}.tmp`; // written aside, then renamed: readers never see half a file
  const { error, stderr } = await asc.main([
    join(root, 'wasm/assembly/index.ts'),
    '--config',
    join(root, 'wasm/asconfig.json'),
    '--target',
    'release',
    '--outFile',
    tmp,
    ...extra,
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${file}: ${error.message}`);
    process.exit(1);
  }
  renameSync(tmp, out);
  console.log(`build-wasm: wrote ${file}`);
}
// the same bytes as an ES module for browsers and bundlers (src/backend/wasm/generated, git-ignored)
if (writeEmbeddedWasm()) console.log('build-wasm: wrote src/backend/wasm/generated/module-bytes.ts');
