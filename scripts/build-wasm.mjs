#!/usr/bin/env node
// Builds the WASM kernels (wasm/assembly/*.ts, AssemblyScript) into wasm/build/convkit.wasm,
// the file src/backend/wasm/module.ts loads from both src/ and dist/. First regenerates
// wasm/assembly/generated (scripts/gen-kernels.mjs).
// --relaxed-simd: builds wasm/build/convkit-fma.wasm instead (the GEMM tile with fused
// multiply-add, wasm/assembly/gemm.ts madd), for measuring: nothing loads it by default and it is
// not embedded. Node 20 runs it with --experimental-wasm-relaxed-simd; Chromium as is. Load it
// with createWasmBackend({ bytes }).
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { renameSync } from 'node:fs';
import { renderAll, writeChanged } from './gen-kernels.mjs';
import { writeEmbeddedWasm } from './embed-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const relaxed = process.argv.includes('--relaxed-simd');
const out = join(root, relaxed ? 'wasm/build/convkit-fma.wasm' : 'wasm/build/convkit.wasm');
// op codes, elementwise cases and geometry offsets (wasm/assembly/generated) from src/backend/kernels.ts
const gen = await renderAll();
if (gen.files) writeChanged(gen.files);
else console.log(`build-wasm: ${gen.skip}`);
const tmp = `${out}.${process.pid}.tmp`; // written aside, then renamed: readers never see half a file
const { error, stderr } = await asc.main([
  join(root, 'wasm/assembly/index.ts'),
  '--config',
  join(root, 'wasm/asconfig.json'),
  '--target',
  'release',
  '--outFile',
  tmp,
  ...(relaxed ? ['--enable', 'relaxed-simd'] : []),
]);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: ${error.message}`);
  process.exit(1);
}
renameSync(tmp, out);
console.log(`build-wasm: wrote ${out.slice(root.length + 1)}`);
if (relaxed) process.exit(0);
// the same bytes as an ES module for browsers and bundlers (src/backend/wasm/generated, git-ignored)
if (writeEmbeddedWasm()) console.log('build-wasm: wrote src/backend/wasm/generated/module-bytes.ts');
