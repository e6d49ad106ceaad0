#!/usr/bin/env node
// Generates the native (C++) and wasm (AssemblyScript) op codes, elementwise switch cases and
// parameter-block layouts, and the TypeScript native bindings, from the one kernel declaration
// (src/backend/kernels.ts, src/backend/ops.ts; renderer: src/backend/codegen.ts).
//   node scripts/gen-kernels.mjs           write the files that changed
//   node scripts/gen-kernels.mjs --check   exit 1 if a generated file is stale
// Run by build-native.mjs and build-wasm.mjs. Where the TypeScript sources or tsx are absent (an
// installed package ships only the generated native/src files), it keeps the committed files.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Renders every generated file (path -> content), or returns a reason it cannot here. */
export async function renderAll() {
  const codegen = join(root, 'src', 'backend', 'codegen.ts');
  if (!existsSync(codegen))
    return { skip: 'no TypeScript sources (installed package): using the committed generated files' };
  let tsImport;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    return { skip: 'tsx is not installed: using the committed generated files' };
  }
  const mod = await tsImport(pathToFileURL(codegen).href, import.meta.url);
  return { files: mod.renderGenerated() };
}

/** Writes the files whose content changed (atomically); returns the paths written. */
export function writeChanged(files) {
  const written = [];
  for (const [rel, text] of Object.entries(files)) {
    const path = join(root, rel);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    written.push(rel);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const r = await renderAll();
  if (r.skip) {
    console.log(`gen-kernels: ${r.skip}`);
    process.exit(check ? 1 : 0);
  }
  if (check) {
    const stale = Object.entries(r.files)
      .filter(([rel, text]) => {
        const p = join(root, rel);
        return !existsSync(p) || readFileSync(p, 'utf8') !== text;
      })
      .map(([rel]) => rel);
    if (stale.length > 0) {
      console.error(`gen-kernels: stale generated files: ${stale.join(', ')}; run 'node scripts/gen-kernels.mjs'`);
      process.exit(1);
    }
    console.log('gen-kernels: generated files are up to date');
  } else {
    const w = writeChanged(r.files);
    console.log(w.length > 0 ? `gen-kernels: wrote ${w.join(', ')}` : 'gen-kernels: generated files are up to date');
  }
}
