#!/usr/bin/env node
// What convkit adds to a web page, in bytes (minified and gzip -9): the ready-made bundle
// (dist/browser/convkit.js, the wasm module inside) and esbuild --bundle --minify of a page that
// imports everything (`import * as ck from 'convkit'`) or only a training loop's names,
// resolved through the package as a user's project would (node_modules/convkit linked to this
// repo). Needs `npm run build`. Run: node bench/browser-bundle-size.mjs
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'convkit-size-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
mkdirSync(join(tmp, 'node_modules'));
symlinkSync(root, join(tmp, 'node_modules', 'convkit'), 'dir');
const pages = {
  'import * as ck from convkit': "import * as ck from 'convkit'; globalThis.ck = ck;",
  'a training page (data, models, train, io)':
    "import { data, io, models, train } from 'convkit'; globalThis.x = { data, io, models, train };",
  'tensors and F only':
    "import { randn, F } from 'convkit'; globalThis.y = F.conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]));",
};
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const row = (name, bytes) =>
  console.log(
    `${name.padEnd(52)} ${kib(bytes.length).padStart(9)} minified ${kib(gzipSync(bytes, { level: 9 }).length).padStart(9)} gzip`,
  );
row('dist/browser/convkit.js (ready-made bundle)', readFileSync(join(root, 'dist/browser/convkit.js')));
for (const [name, code] of Object.entries(pages)) {
  writeFileSync(join(tmp, 'entry.js'), code);
  const r = await esbuild.build({
    entryPoints: [join(tmp, 'entry.js')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
  });
  row(`esbuild: ${name}`, r.outputFiles[0].contents);
}
