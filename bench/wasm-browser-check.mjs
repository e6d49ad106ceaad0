#!/usr/bin/env node
// Checks that the same convkit.wasm runs in headless Chromium, threaded on a cross-origin
// isolated page (COOP/COEP headers) and single-threaded without them.
// Needs `npm run build` (dist/ and wasm/build/) and Debian's chromium. Not part of npm test.
// Run: node bench/wasm-browser-check.mjs [path-to-chromium]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, extname } from 'node:path';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const chromium = process.argv[2] ?? '/usr/bin/chromium';
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const page = `<!doctype html><meta charset="utf-8"><pre id="out">pending</pre><script type="module">
const out = document.getElementById('out');
try {
  // backend.js + module.js only: the registry (src/backend/index.ts) also loads the native
  // backend, whose static node: imports do not resolve in a browser
  const { createWasmBackend } = await import('/dist/backend/wasm/backend.js');
  const { fetchWasmBytes } = await import('/dist/backend/wasm/module.js');
  const { createJsBackend } = await import('/dist/backend/js/index.js');
  const b = createWasmBackend({ bytes: await fetchWasmBytes('/wasm/build/convkit.wasm') });
  await b.ready();
  const js = createJsBackend();
  const m = 96, n = 80, k = 70;
  const A = b.alloc(m * k), B = b.alloc(k * n), C = b.alloc(m * n), R = new Float32Array(m * n);
  for (let i = 0; i < A.length; i++) A[i] = Math.sin(i);
  for (let i = 0; i < B.length; i++) B[i] = Math.cos(i);
  b.gemm(false, false, 1, m, n, k, 1, A, 0, 0, B, 0, 0, 0, C, 0, 0);
  js.gemm(false, false, 1, m, n, k, 1, A, 0, 0, B, 0, 0, 0, R, 0, 0);
  let d = 0; for (let i = 0; i < R.length; i++) d = Math.max(d, Math.abs(C[i] - R[i]));
  // a large threaded GEMM as well (timings are meaningless under --virtual-time-budget)
  const N = 300, X = b.alloc(N * N), Y = b.alloc(N * N), Z = b.alloc(N * N);
  X.fill(0.5); Y.fill(0.25);
  b.gemm(false, false, 1, N, N, N, 1, X, 0, 0, Y, 0, 0, 0, Z, 0, 0);
  if (Z.some((v) => v !== 0.125 * N)) throw new Error('large gemm gave wrong values');
  out.textContent = 'RESULT ' + JSON.stringify({ isolated: crossOriginIsolated, describe: b.describe(), maxDiff: d });
} catch (e) { out.textContent = 'RESULT ' + JSON.stringify({ error: String(e && e.stack || e) }); }
</script>`;

function serve(isolated) {
  return createServer(async (req, res) => {
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    try {
      const url = new URL(req.url, 'http://x').pathname;
      const body = url === '/' ? page : await readFile(join(root, url));
      res.writeHead(200, { 'content-type': types[extname(url)] ?? 'text/html', ...headers });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end();
    }
  });
}

let failed = false;
for (const isolated of [true, false]) {
  const server = serve(isolated);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const r = await new Promise((resolve) =>
    execFile(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--virtual-time-budget=20000',
        '--dump-dom',
        url,
      ],
      { timeout: 120000 },
      (err, stdout, stderr) => resolve({ err, stdout, stderr }),
    ),
  );
  server.close();
  const m = /RESULT (\{.*\})/.exec(r.stdout ?? '');
  const res = m
    ? JSON.parse(
        m[1]
          .replace(/&amp;/g, '&')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"'),
      )
    : { error: `no result: ${r.err ?? ''} ${String(r.stderr).slice(-500)}` };
  console.log(isolated ? 'cross-origin isolated:' : 'not isolated:        ', JSON.stringify(res));
  if (
    res.error ||
    !(res.maxDiff < 1e-3) ||
    (isolated && !/2 threads|threads on shared/.test(res.describe ?? '')) ||
    (!isolated && !/no shared memory/.test(res.describe ?? ''))
  )
    failed = true;
}
process.exit(failed ? 1 : 0);
