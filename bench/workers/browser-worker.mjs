// Benchmark worker for convkit in Chromium (npm run bench -- --browser): argv[2] = 'wasm' or
// 'webgpu', the thread count from BENCH_THREADS. It bundles bench/workers/browser-page.ts (the
// same workloads as the Node workers, convkit-workloads.ts, from src/) with esbuild, serves it
// cross-origin isolated on http://localhost, opens it in Debian's Chromium (playwright-core;
// --enable-unsafe-webgpu for webgpu), and answers the line protocol (protocol.mjs) by running
// each workload in the page: wasm on the page's thread with its worker pool limited to the
// thread count, webgpu in a dedicated Worker (the backend blocks with Atomics.wait).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
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
// the browser's session: its main process is our child and leads it (every Chromium process is in it)
const browserSession = childSessionLeader();
const page = await browser.newPage();
await page.goto(`http://localhost:${server.address().port}/`);
await page.waitForFunction(() => globalThis.benchReady !== undefined, null, { timeout: 60000 });
const started = await page.evaluate(([m, t]) => globalThis.benchStart(m, t), [mode, threads]);
if (started.error) {
  process.stderr.write(`chromium ${mode}: ${started.error}\n`);
  await browser.close();
  process.exit(1);
}
shareOurPriority();
const names = await page.evaluate(() => globalThis.benchWorkloads());
const table = Object.fromEntries(
  names.map((n) => [
    n,
    async (seconds) => {
      shareOurPriority();
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

/**
 * Gives Chromium the priority this worker runs at (`nice -n -20` on the bench). Chromium does not
 * keep the niceness it inherits: its browser, GPU and renderer processes set their own (0, -8, 0
 * or 5 were seen), so the page's threads competed as equals with every other process on the
 * machine while a "prioritised" bench ran (measured: sgemm 1024 2t/1t 0.93x in the same run as
 * conv 1.86x). Sets every thread of every process in the browser's session (Playwright starts it
 * with setsid; the session leader is our child) to this process's nice value when it is below 0,
 * and, where Linux autogroups are on, the session's autogroup too (a session's threads then
 * compete with other sessions as one group at the group's nice value). Called after the page
 * started its worker threads and again before each workload: Chromium may reset a renderer's
 * priority, and setpriority() changes one thread. Lowering it needs the privilege that lowered
 * ours; failures leave the priorities as they were.
 */
function shareOurPriority() {
  if (process.platform !== 'linux') return;
  const nice = os.getPriority();
  if (nice >= 0) return;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // fields after the name: state, ppid, pgrp, session
        if (Number(f[3]) !== browserSession) continue;
        if (Number(pid) === browserSession) {
          try {
            writeFileSync(`/proc/${pid}/autogroup`, String(nice));
          } catch {
            // kernels without autogroups have no such file
          }
        }
        for (const tid of readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), nice);
      } catch {
        // the process or thread ended meanwhile
      }
    }
  } catch (e) {
    process.stderr.write(`chromium ${mode}: cannot share this process's priority with the browser: ${e.message}\n`);
  }
}

/** Pid of our child process that leads a session of its own (Chromium's main process), or -1. */
function childSessionLeader() {
  if (process.platform !== 'linux') return -1;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === process.pid && Number(f[3]) === Number(pid)) return Number(pid);
    } catch {
      // ended meanwhile
    }
  }
  return -1;
}
