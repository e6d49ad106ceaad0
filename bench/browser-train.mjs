#!/usr/bin/env node
// LeNet-5 training speed (batch 64, SGD, random inputs: the `lenet-train` workload of
// npm run bench) in headless Chromium with 1 and 2 wasm threads, next to Node's wasm and native
// backends on 1 and 2 threads, measured in the same sitting, interleaved over rounds (medians).
// The page is an esbuild bundle of `import * as ck from 'convkit'` resolved through the package
// (a temporary project linking node_modules/convkit to this repo), served cross-origin isolated.
// Needs `npm run build` and Debian's chromium. Not part of the tests (it asserts nothing).
// Run: node bench/browser-train.mjs [--rounds 3] [--seconds 3] [--from-src]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const rounds = opt('--rounds', 3);
const seconds = opt('--seconds', 3);
const fromSrc = args.includes('--from-src');
const CHROMIUM = process.env.CONVKIT_CHROMIUM ?? '/usr/bin/chromium';

// The measurement, identical in the page and in Node (ck = the convkit namespace).
const measureSource = `
export async function lenetTrainRate(ck, seconds) {
  ck.manualSeed(0);
  const model = ck.models.lenet5();
  const opt = new ck.optim.SGD(model.parameters(), { lr: 0.01 });
  const x = ck.randn([64, 1, 28, 28]);
  const y = ck.randint(0, 10, [64]);
  const step = () => {
    opt.zeroGrad();
    ck.F.crossEntropy(model.call(x), y).backward();
    opt.step();
  };
  for (let i = 0; i < 3; i++) step();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    step();
    n++;
  }
  return (64 * n) / ((performance.now() - t0) / 1000);
}
`;

const tmp = mkdtempSync(join(tmpdir(), 'convkit-bench-browser-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const app = join(tmp, 'app');
mkdirSync(join(app, 'node_modules'), { recursive: true });
symlinkSync(root, join(app, 'node_modules', 'convkit'), 'dir');
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-page', private: true, type: 'module' }));
writeFileSync(join(app, 'measure.js'), measureSource);
writeFileSync(
  join(app, 'page.js'),
  `import * as ck from 'convkit';
import { lenetTrainRate } from './measure.js';
globalThis.measure = async (threads, seconds) => {
  const be = await ck.ready();
  be.setThreads(threads);
  const rate = await lenetTrainRate(ck, seconds);
  return { rate, describe: be.describe(), threads: be.threads };
};
globalThis.pageReady = true;
`,
);
writeFileSync(
  join(app, 'node.mjs'),
  `import * as ck from 'convkit';
import { lenetTrainRate } from './measure.js';
const be = await ck.ready();
const rate = await lenetTrainRate(ck, Number(process.argv[2]));
console.log(JSON.stringify({ rate, describe: be.describe() }));
process.exit(0);
`,
);
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: [join(app, 'page.js')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  outdir: join(tmp, 'out'),
  logLevel: 'error',
  ...(fromSrc ? { alias: { convkit: join(root, 'src/index.ts') } } : {}),
});
const pageJs = readFileSync(join(tmp, 'out', 'page.js'));
const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
const server = createServer((req, res) => {
  const h = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript', ...h }).end(pageJs);
  else res.writeHead(200, { 'content-type': 'text/html', ...h }).end(html);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const { chromium } = createRequire(import.meta.url)('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForFunction(() => globalThis.pageReady === true);
const chromiumVersion = browser.version();

function nodeRate(backend, threads) {
  const env = { ...process.env, CONVKIT_BACKEND: backend, CONVKIT_THREADS: String(threads) };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const argv = [...(fromSrc ? ['--import', tsx] : []), join(app, 'node.mjs'), String(seconds)];
  if (fromSrc)
    writeFileSync(
      join(app, 'node.mjs'),
      readFileSync(join(app, 'node.mjs'), 'utf8').replace("from 'convkit'", `from '${join(root, 'src/index.ts')}'`),
    );
  const r = spawnSync(process.execPath, argv, { env, cwd: app, encoding: 'utf8' });
  if (r.status !== 0)
    return { rate: Number.NaN, describe: (r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' ') };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const cases = [
  { name: 'Chromium, wasm, 1 thread', run: () => page.evaluate(([t, s]) => globalThis.measure(t, s), [1, seconds]) },
  { name: 'Chromium, wasm, 2 threads', run: () => page.evaluate(([t, s]) => globalThis.measure(t, s), [2, seconds]) },
  { name: 'Node, wasm, 1 thread', run: () => nodeRate('wasm', 1) },
  { name: 'Node, wasm, 2 threads', run: () => nodeRate('wasm', 2) },
  { name: 'Node, native, 1 thread', run: () => nodeRate('native', 1) },
  { name: 'Node, native, 2 threads', run: () => nodeRate('native', 2) },
];
const loadBefore = loadavg()[0];
const results = cases.map(() => []);
const described = cases.map(() => '');
for (let r = 0; r < rounds; r++)
  for (const [i, c] of cases.entries()) {
    const out = await c.run();
    results[i].push(out.rate);
    described[i] = out.describe;
  }
await browser.close();
server.close();

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(
  `LeNet-5 training, batch 64 (img/s), medians of ${rounds} interleaved rounds of ${seconds} s; ${new Date().toISOString().slice(0, 10)}, ${cpus()[0].model} (${cpus().length} logical cores), Node ${process.version}, Chromium ${chromiumVersion}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`,
);
for (const [i, c] of cases.entries())
  console.log(`${c.name.padEnd(26)} ${String(Math.round(median(results[i]))).padStart(7)}   (${described[i]})`);
