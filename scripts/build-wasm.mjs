#!/usr/bin/env node
// Builds the WASM kernels (wasm/assembly/*.ts, AssemblyScript) into wasm/build/convkit.wasm,
// the file src/backend/wasm/module.ts loads from both src/ and dist/.
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { renameSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'wasm/build/convkit.wasm');
const tmp = `${out}.${process.pid}.tmp`; // written aside, then renamed: readers never see half a file
const { error, stderr } = await asc.main([
  join(root, 'wasm/assembly/index.ts'),
  '--config', join(root, 'wasm/asconfig.json'),
  '--target', 'release',
  '--outFile', tmp,
]);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: ${error.message}`);
  process.exit(1);
}
renameSync(tmp, out);
console.log('build-wasm: wrote wasm/build/convkit.wasm');
