/**
 * The package under vite with its default configuration, as a web developer would use it: a
 * page and a Web Worker (vite's default worker format, 'iife') that import `convkit` through
 * package.json. The build has no warning; in headless Chromium (Debian's chromium driven by
 * playwright-core), served with and without COOP/COEP, the wasm backend starts by itself in the
 * page and in the worker (threads only when cross-origin isolated; under a CSP without
 * 'wasm-unsafe-eval' the js backend and one console warning saying why), a Node-only call rejects with
 * convkit's own message, and after disposeBackend() the page's memory can be measured
 * (performance.measureUserAgentSpecificMemory waits for every thread). Slow tier: needs Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const MAIN = `import { getBackend, ready, data, randn, matmul, disposeBackend } from 'convkit';
const out = { page: {}, worker: null };
const x = randn([256, 256]);
matmul(x, x);
out.page.backend = getBackend().name;
out.page.threads = (await ready()).threads;
out.page.isolated = globalThis.crossOriginIsolated === true;
out.page.cores = navigator.hardwareConcurrency;
out.page.nodeOnly = await data.loadMnist().then(() => 'no error', (e) => e.message);
await disposeBackend();
if (out.page.isolated) {
  const t = new Promise((r) => setTimeout(() => r('timed out after 30 s'), 30000));
  out.page.memory = await Promise.race([performance.measureUserAgentSpecificMemory().then((m) => typeof m.bytes), t]);
}
out.worker = await new Promise((resolve) => {
  const w = new Worker(new URL('./worker.js', import.meta.url));
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.onerror = (e) => resolve({ error: e.message });
});
document.title = 'done';
window.__out = out;
`;
const WORKER = `import { getBackend, ready, randn, matmul } from 'convkit';
const x = randn([256, 256]);
matmul(x, x);
ready().then((b) => postMessage({ backend: getBackend().name, threads: b.threads }));
`;

/** vite build (default configuration) of the page; returns the output folder and vite's warnings. */
async function viteBuild(app: string): Promise<{ dist: string; warnings: string[] }> {
  const vite = await import('vite');
  const warnings: string[] = [];
  const logger = vite.createLogger('warn');
  logger.warn = (msg) => warnings.push(msg);
  logger.warnOnce = (msg) => warnings.push(msg);
  logger.error = (msg) => warnings.push(`error: ${msg}`);
  await vite.build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger });
  return { dist: join(app, 'dist'), warnings };
}

type Mode = 'plain' | 'isolated' | 'csp';

function serve(dir: string, mode: Mode): Promise<Server> {
  const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = normalize(join(dir, new URL(req.url ?? '/', 'http://x').pathname));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    const headers: Record<string, string> =
      mode === 'isolated'
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : mode === 'csp'
          ? { 'Content-Security-Policy': "script-src 'self'" } // no 'wasm-unsafe-eval': no wasm
          : {};
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...headers });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageOut {
  page: { backend: string; threads: number; isolated: boolean; cores: number; nodeOnly: string; memory?: string };
  worker: { backend?: string; threads?: number; error?: string };
}

test('vite (default configuration) builds a page and a worker that import convkit with no warning; both run the wasm backend in Chromium', async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt install chromium, or set CHROMIUM_PATH)`);
  assert.ok(existsSync(join(root, 'dist/index.js')), 'dist/ is missing: run npm run build');
  const app = mkdtempSync(join(tmpdir(), 'convkit-vite-'));
  try {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(root, join(app, 'node_modules', 'convkit'), 'dir');
    writeFileSync(
      join(app, 'index.html'),
      '<!doctype html><title>run</title><script type="module" src="/main.js"></script>',
    );
    writeFileSync(join(app, 'main.js'), MAIN);
    writeFileSync(join(app, 'worker.js'), WORKER);
    const { dist, warnings } = await viteBuild(app);
    assert.deepEqual(warnings, [], 'vite warnings');

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--enable-blink-features=ForceEagerMeasureMemory'],
    });
    try {
      for (const mode of ['plain', 'isolated', 'csp'] as const) {
        const isolated = mode === 'isolated';
        const server = await serve(dist, mode);
        try {
          const page = await browser.newPage();
          const errors: string[] = [];
          const warnings: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          page.on('console', (m) => {
            if (m.type() === 'warning') warnings.push(m.text());
          });
          const { port } = server.address() as { port: number };
          await page.goto(`http://127.0.0.1:${port}/`);
          await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, {
            timeout: 90000,
          });
          const out = (await page.evaluate(() => (window as unknown as { __out: unknown }).__out)) as PageOut;
          await page.close();
          const label = { plain: 'no COOP/COEP', isolated: 'with COOP/COEP', csp: "CSP without 'wasm-unsafe-eval'" }[
            mode
          ];
          assert.deepEqual(errors, [], `${label}: page errors`);
          assert.equal(out.page.isolated, isolated, label);
          const backend = mode === 'csp' ? 'js' : 'wasm';
          assert.equal(out.page.backend, backend, `${label}: the page runs ${backend} without initWasmBackend()`);
          assert.equal(out.worker.backend, backend, `${label}: the worker runs ${backend} (${out.worker.error ?? ''})`);
          const fallback = warnings.filter((w) => w.includes('the wasm backend could not start'));
          if (mode === 'csp')
            assert.match(
              fallback.join('\n'),
              /^convkit: warning: the wasm backend could not start \(.*Content Security Polic.*\); using the slower 'js' backend/,
              `${label}: one warning in the page saying why (warnings: ${warnings.join(' | ')})`,
            );
          else assert.deepEqual(fallback, [], `${label}: no fallback warning`);
          // the js backend has no thread count
          const threads = { plain: 1, isolated: Math.min(out.page.cores, 16), csp: undefined }[mode];
          assert.equal(out.page.threads, threads, `${label}: threads in the page`);
          assert.equal(out.worker.threads, threads, `${label}: threads in the worker`);
          assert.equal(
            out.page.nodeOnly,
            "loadMnist needs Node's file system; in a browser use data.mnistFromBytes(images, labels) on fetched bytes or a File",
          );
          if (isolated)
            assert.equal(out.page.memory, 'number', 'measureUserAgentSpecificMemory() resolves after disposeBackend()');
        } finally {
          server.close();
        }
      }
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});
