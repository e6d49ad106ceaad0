#!/usr/bin/env node
// Checks in headless Chromium that a synchronous LeNet-5 training loop (no await between steps)
// keeps wasm memory flat: bundles src/index.ts for the browser with esbuild, serves it with the
// wasm module, runs STEPS steps on the wasm backend and prints wasm memory after warm-up and at
// the end. Needs `npm run build` (wasm/build) and Debian's chromium. Not part of the tests.
// Run: node bench/browser-memory-check.mjs [steps] [path-to-chromium]
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const steps = Number(process.argv[2] ?? 2000);
const chromium = process.argv[3] ?? '/usr/bin/chromium';
const bundle = await esbuild.build({
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
});
const code = bundle.outputFiles[0].text;

const page = `<!doctype html><meta charset="utf-8"><pre id="out">pending</pre><script type="module">
const out = document.getElementById('out');
try {
  const ck = await import('/convkit.js');
  const be = await ck.initWasmBackend('/wasm/build/convkit.wasm');
  ck.manualSeed(0);
  const model = ck.models.lenet5();
  const opt = new ck.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = ck.randn([8, 1, 28, 28]);
  const y = new ck.Tensor(Int32Array.from({ length: 8 }, (_, i) => i % 10), [8]);
  let warm = null, loss = NaN;
  for (let i = 0; i < ${steps}; i++) { // synchronous: never yields to the event loop
    if (i === 100) warm = be.memoryStats();
    opt.zeroGrad();
    const l = ck.F.crossEntropy(model.call(x), y);
    l.backward();
    opt.step();
    loss = l.item();
  }
  out.textContent = 'RESULT ' + JSON.stringify({ describe: be.describe(), steps: ${steps}, warm, end: be.memoryStats(), loss });
} catch (e) { out.textContent = 'RESULT ' + JSON.stringify({ error: String(e && e.stack || e) }); }
</script>`;

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  try {
    const url = new URL(req.url, 'http://x').pathname;
    const body = url === '/' ? page : url === '/convkit.js' ? code : await readFile(join(root, url));
    res.writeHead(200, { 'content-type': types[extname(url)] ?? 'text/html', ...headers });
    res.end(body);
  } catch {
    res.writeHead(404, headers);
    res.end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--virtual-time-budget=600000',
  '--dump-dom',
  `http://127.0.0.1:${server.address().port}/`,
];
const r = await new Promise((resolve) =>
  execFile(chromium, args, { timeout: 600000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
    resolve({ err, stdout, stderr }),
  ),
);
server.close();
const m = /RESULT (\{.*\})/.exec(r.stdout ?? '');
const res = m
  ? JSON.parse(
      m[1]
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    )
  : { error: `no result: ${r.err ?? ''} ${String(r.stderr).slice(-500)}` };
console.log(JSON.stringify(res, null, 1));
const mib = (b) => (b / 2 ** 20).toFixed(1);
if (res.error) process.exit(1);
console.log(
  `wasm memory: ${mib(res.warm.memoryBytes)} MiB after 100 steps, ${mib(res.end.memoryBytes)} MiB after ${res.steps}`,
);
process.exit(res.end.memoryBytes <= 64 * 2 ** 20 && Number.isFinite(res.loss) ? 0 : 1);
