// Benchmark worker for convkit in Chromium (npm run bench -- --browser): argv[2] = 'wasm' or
// 'webgpu', the thread count from BENCH_THREADS. It bundles bench/workers/browser-page.ts (the
// same workloads as the Node workers, convkit-workloads.ts, from src/) with esbuild, serves it
// cross-origin isolated on http://localhost, opens it in Debian's Chromium (playwright-core;
// --enable-unsafe-webgpu for webgpu), and answers the line protocol (protocol.mjs) by running
// each workload in the page: wasm on the page's thread with its worker pool limited to the
// thread count, webgpu in a dedicated Worker (the backend blocks with Atomics.wait).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './protocol.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const mode = process.argv[2] ?? 'wasm';
const threads = Number(process.env.BENCH_THREADS ?? 2);
const CHROMIUM = process.env.CONVKIT_CHROMIUM ?? '/usr/bin/chromium';

const tmp = mkdtempSync(join(tmpdir(), 'convkit-bench-chromium-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: [join(here, 'browser-page.ts')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  outfile: join(tmp, 'page.js'),
  logLevel: 'error',
  plugins: [
    {
      // package.json's "browser" field, for src/ (as test-webgpu.mjs does)
      name: 'browser-field',
      setup(b) {
        b.onResolve({ filter: /platform-files\.js$/ }, (a) =>
          a.resolveDir.startsWith(join(root, 'src'))
            ? { path: join(root, 'src', 'platform-files.browser.ts') }
            : undefined,
        );
      },
    },
  ],
});
const pageJs = readFileSync(join(tmp, 'page.js'));
const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const server = createServer((req, res) => {
  if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript', ...headers }).end(pageJs);
  else res.writeHead(200, { 'content-type': 'text/html', ...headers }).end(html);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const { chromium } = createRequire(import.meta.url)('playwright-core');
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', ...(mode === 'webgpu' ? ['--enable-unsafe-webgpu'] : [])],
});
const page = await browser.newPage();
await page.goto(`http://localhost:${server.address().port}/`);
await page.waitForFunction(() => globalThis.benchReady !== undefined, null, { timeout: 60000 });
const started = await page.evaluate(([m, t]) => globalThis.benchStart(m, t), [mode, threads]);
if (started.error) {
  process.stderr.write(`chromium ${mode}: ${started.error}\n`);
  await browser.close();
  process.exit(1);
}
const names = await page.evaluate(() => globalThis.benchWorkloads());
const table = Object.fromEntries(
  names.map((n) => [
    n,
    async (seconds) => {
      const r = await page.evaluate(([w, s]) => globalThis.benchRun(w, s), [n, seconds]);
      if (r.error) throw new Error(r.error);
      return r.value;
    },
  ]),
);
process.stdin.on('end', async () => {
  await browser.close();
  server.close();
});
serve(
  {
    framework: `chromium-${mode}`,
    version: `Chromium ${browser.version()}, ${started.describe}`,
    notes: started.describe,
    software: started.software ?? false,
  },
  table,
);
