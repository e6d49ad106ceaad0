#!/usr/bin/env node
// Builds the ready-made browser bundle dist/browser/convkit.js (package.json exports
// "convkit/bundle"): the whole library as ONE minified ES module, for a plain
// <script type="module"> or an import map, no bundler. The wasm kernels are embedded (see
// scripts/embed-wasm.mjs) and the worker pool starts its threads from Blob URLs, so nothing else
// has to be served. Built with esbuild (platform browser) from dist/index.js, the file a bundler
// gets for `import 'convkit'` (so package.json's "browser" field applies as it does for users),
// after tsc; run by `npm run build`. Prints the size, minified and gzip.
//   node scripts/build-browser-bundle.mjs
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = join(root, 'dist/browser/convkit.js');

/** Builds the bundle; returns its size in bytes, minified and gzip (level 9). */
export async function buildBrowserBundle({ outfile = bundlePath, logLevel = 'warning' } = {}) {
  mkdirSync(dirname(outfile), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const r = await build({
    entryPoints: [join(root, 'dist/index.js')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // modules no longer need it (reprs, summaries and exportOnnx / exportPytorch use each class's
    // static typeName, src/nn/type-name.ts), but other class names are still read: a training
    // checkpoint records each callback by its class name (src/train/checkpoint.ts), and callback
    // and LR-scheduler errors print theirs
    keepNames: true,
    // no source map: it would be four times the bundle's size; bundle 'convkit' yourself to debug
    legalComments: 'eof',
    banner: {
      js: `/*! convkit ${pkg.version} (${pkg.license}) ready-made browser bundle: https://www.npmjs.com/package/convkit */`,
    },
    logLevel,
  });
  if (r.errors.length > 0 || r.warnings.length > 0)
    throw new Error(`build-browser-bundle: ${r.errors.length} errors, ${r.warnings.length} warnings`);
  const code = readFileSync(outfile);
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { minified, gzip } = await buildBrowserBundle();
    const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`build-browser-bundle: wrote dist/browser/convkit.js (${kb(minified)} minified, ${kb(gzip)} gzip)`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
