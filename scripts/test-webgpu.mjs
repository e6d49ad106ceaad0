#!/usr/bin/env node
// npm run test:webgpu: the WebGPU suites (test/webgpu/*.suite.ts, see test/webgpu/suite.ts) in
// Debian's Chromium (/usr/bin/chromium, driven by playwright-core) with --enable-unsafe-webgpu,
// which gives a software adapter (SwiftShader) on a machine with no GPU. Each suite is bundled
// with esbuild from src/ (no `npm run build` needed), served over http://127.0.0.1 with COOP/COEP
// (a secure, cross-origin-isolated context: WebGPU and SharedArrayBuffer), and run in a fresh
// page: kernel suites on the page's main thread with the direct runner, suites that say
// `thread = 'worker'` (the webgpu backend blocks with Atomics.wait) in a dedicated module Worker.
// Prints the adapter, each test, and ends with the line "N passed, N failed" (CI sums it);
// exits 1 on any failure, and when no suite ran.
//
//   node scripts/test-webgpu.mjs [name ...] [--timeout S] [--headed]
//     name: a suite's file name without .suite.ts (e.g. kernels train); default: every suite
//     --timeout: seconds per suite (default 300)
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CHROMIUM = process.env.CONVKIT_CHROMIUM ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const timeoutS = Number(opt('--timeout') ?? 300);
if (!(timeoutS > 0)) {
  console.error(`test-webgpu: --timeout takes seconds > 0; got '${opt('--timeout')}'`);
  process.exit(2);
}
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--timeout');

let passed = 0;
let failed = 0;
function report(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`✔ ${name}`);
  } else {
    failed++;
    console.log(`✖ ${name}`);
    if (detail) console.log(String(detail).replace(/^/gm, '    '));
  }
}
function finish() {
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}
function fatal(message) {
  console.log(`test-webgpu: ${message}`);
  failed++;
  finish();
}

// ---- suites --------------------------------------------------------------------------------

const suiteDir = join(root, 'test', 'webgpu');
const all = existsSync(suiteDir)
  ? readdirSync(suiteDir)
      .filter((f) => f.endsWith('.suite.ts'))
      .map((f) => f.slice(0, -'.suite.ts'.length))
      .sort()
  : [];
for (const n of names) if (!all.includes(n)) fatal(`no suite test/webgpu/${n}.suite.ts (suites: ${all.join(', ')})`);
const suites = names.length > 0 ? names : all;
if (suites.length === 0) fatal('no test/webgpu/*.suite.ts');

if (!existsSync(CHROMIUM))
  fatal(
    `${CHROMIUM} not found: the WebGPU tests need Debian's chromium (sudo apt-get install chromium), or set CONVKIT_CHROMIUM`,
  );
const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  fatal('playwright-core is not installed (npm install, it is a devDependency)');
}

// ---- bundles -------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'convkit-webgpu-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const entries = join(tmp, 'entries');
const out = join(tmp, 'out');
mkdirSync(entries);
mkdirSync(out);
for (const s of suites) {
  const suite = JSON.stringify(join(suiteDir, `${s}.suite.ts`));
  const host = JSON.stringify(join(suiteDir, 'suite.ts'));
  writeFileSync(
    join(entries, `${s}.js`),
    `import * as mod from ${suite};\nimport { runSuite } from ${host};\nrunSuite(mod, import.meta.url);\n`,
  );
  writeFileSync(
    join(out, `${s}.html`),
    `<!doctype html><html><head><meta charset="utf-8"><title>convkit webgpu: ${s}</title></head><body><p>convkit webgpu suite ${s}</p><script type="module" src="./${s}.js"></script></body></html>\n`,
  );
}
// src/ as a browser bundler sees the package: package.json's "browser" field maps
// platform-files to its browser variant (dist/ names; here the src/ files)
const browserField = {
  name: 'convkit-browser-field',
  setup(b) {
    b.onResolve({ filter: /platform-files\.js$/ }, (a) =>
      a.resolveDir.startsWith(join(root, 'src')) ? { path: join(root, 'src', 'platform-files.browser.ts') } : undefined,
    );
  },
};
const t0 = Date.now();
try {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: suites.map((s) => join(entries, `${s}.js`)),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outdir: out,
    sourcemap: 'inline',
    logLevel: 'silent',
    plugins: [browserField],
  });
  for (const w of r.warnings) console.log(`test-webgpu: esbuild warning: ${w.text} (${w.location?.file ?? ''})`);
} catch (e) {
  fatal(`esbuild could not bundle the suites:\n${e.message}`);
}
console.log(`test-webgpu: bundled ${suites.length} suite(s) from src/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// ---- serving -------------------------------------------------------------------------------

const TYPES = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = normalize(join(out, path));
  if (!file.startsWith(out + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, isolation);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...isolation });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://localhost:${server.address().port}`;

// ---- running -------------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: !args.includes('--headed'),
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--js-flags=--expose-gc'],
});
const adapters = new Set();

for (const s of suites) {
  const started = Date.now();
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const consoleLines = [];
  let done = null;
  let ran = 0;
  let resolveDone;
  const finished = new Promise((r) => {
    resolveDone = r;
  });
  page.on('pageerror', (e) => errors.push(String(e.stack ?? e)));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('crash', () => resolveDone({ kind: 'done', error: 'the page crashed' }));
  await page.exposeFunction('__webgpuReport', (m) => {
    if (m.kind === 'adapter') {
      adapters.add(m.text);
      console.log(`# ${s}: adapter ${m.text}`);
    } else if (m.kind === 'log') console.log(`  ${s}: ${m.text}`);
    else if (m.kind === 'test') {
      ran++;
      report(`${s}: ${m.name} (${(m.ms / 1000).toFixed(2)} s)`, m.ok, m.detail);
    } else if (m.kind === 'done') resolveDone(m);
  });
  let timer;
  const timeout = new Promise((r) => {
    timer = setTimeout(() => r({ kind: 'done', error: `timed out after ${timeoutS} s` }), timeoutS * 1000);
  });
  try {
    await page.goto(`${base}/${s}.html`);
    done = await Promise.race([finished, timeout]);
  } catch (e) {
    done = { kind: 'done', error: String(e.message ?? e) };
  } finally {
    clearTimeout(timer);
    await context.close();
  }
  if (done.error || errors.length > 0)
    report(
      `${s}: the suite runs to its end`,
      false,
      [done.error, ...errors, ...consoleLines.slice(-15)].filter(Boolean).join('\n'),
    );
  else if (ran === 0) report(`${s}: the suite registers tests`, false, 'run(t) queued no test');
  console.log(`# ${s}: ${ran} test(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await browser.close();
server.close();
console.log(`\ntest-webgpu: adapter(s): ${[...adapters].join('; ') || 'none'}`);
finish();
