// plot in a context with no Node (no process, no require, no DOM), as in a page or Web Worker:
// src/plot bundled by esbuild for the browser draws SVG, and renders a PNG once initRenderer
// is given resvg's wasm and a font; without them toPng's error names initRenderer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { assertPng } from './svg-check.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const req = createRequire(join(root, 'package.json'));

test('the browser bundle of plot draws and rasterises with no Node and no DOM', async () => {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    stdin: {
      contents: `import * as plot from './src/plot/index.ts';
        globalThis.__run = async (wasmIn, fontIn) => {
          // bytes of this realm, as a page would have them
          const wasm = Uint8Array.from(wasmIn), font = Uint8Array.from(fontIn);
          const svg = plot.lrSchedule([0.1, 0.05, 0.01], { width: 320, height: 200 });
          let before = '';
          try { await plot.toPng(svg); } catch (e) { before = e.message; }
          await plot.initRenderer({ wasm, fonts: [font] });
          return { svg, before, png: await plot.toPng(svg) };
        };`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  const js = new TextDecoder().decode(r.outputFiles[0].contents);
  assert.doesNotMatch(js, /\brequire\(["']node:/, 'no Node module in the bundle');
  const ctx = createContext({ console, TextDecoder, TextEncoder, URL, WebAssembly });
  runInContext(js, ctx, { filename: 'plot-bundle.js' });
  const wasm = new Uint8Array(readFileSync(req.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  const font = new Uint8Array(readFileSync(req.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')));
  const out = await (
    ctx as { __run: (w: Uint8Array, f: Uint8Array) => Promise<{ svg: string; before: string; png: Uint8Array }> }
  ).__run(wasm, font);
  assert.match(out.svg, /<title>Learning-rate schedule<\/title>/);
  assert.match(
    out.before,
    /plot\.toPng needs fonts; in a browser use plot\.initRenderer\(\{ wasm: .*fonts: \[fontBytes\] \}\) first/,
  );
  assertPng(new Uint8Array(out.png), 320, 200);
});
