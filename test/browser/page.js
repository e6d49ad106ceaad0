// The browser test page: imports convkit as a web developer would (`from 'convkit'`, resolved by
// esbuild, vite, or an import map to the ready-made bundle), computes the values the runner
// compares with Node's (checks.js), and checks in the page what needs a page: IndexedDB, a
// download, fetch, fit without `process`, browser image decoding, Node-only calls failing
// clearly, a module Web Worker (worker.js), bounded memory over 2,000 synchronous steps, and
// the thread count.
// Results go to window.__convkit = { done, values, checks: [{ name, ok, detail }], error }.
import * as ck from 'convkit';
import { referenceValues, seededLenet, TRAIN_IMAGES } from './checks.js';

const state = { done: false, values: null, checks: [], error: null, info: { ms: {} } };
globalThis.__convkit = state;
const params = new URLSearchParams(location.search);
const memorySteps = Number(params.get('memorySteps') ?? 2000);

function check(name, ok, detail = '') {
  state.checks.push({ name, ok: Boolean(ok), detail: String(detail) });
}
async function checkAsync(name, fn) {
  const t0 = performance.now();
  try {
    const r = await fn();
    check(name, r === undefined || r === true, r === undefined || r === true ? '' : r);
  } catch (e) {
    check(name, false, (e && e.stack) || String(e));
  }
  state.info.ms[name] = Math.round(performance.now() - t0);
}
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

async function main() {
  // the backend starts by itself: no initWasmBackend call
  const backend = await ck.ready();
  state.info.describe = backend.describe();
  state.info.crossOriginIsolated = globalThis.crossOriginIsolated === true;
  state.info.hardwareConcurrency = navigator.hardwareConcurrency;
  state.info.threads = backend.threads;
  state.info.backend = backend.name;

  const [images, labels] = await Promise.all([
    ck.data.readBytes('/data/t10k-images-idx3-ubyte'),
    ck.data.readBytes('/data/t10k-labels-idx1-ubyte'),
  ]);
  const mnist = ck.data.mnistFromBytes(images, labels, { limit: TRAIN_IMAGES, normalize: true });
  const t0 = performance.now();
  state.values = referenceValues(ck, mnist);
  state.info.ms.reference = Math.round(performance.now() - t0);

  await checkAsync('weights round-trip through IndexedDB', async () => {
    const model = seededLenet(ck);
    const x = ck.randn([2, 1, 28, 28]);
    const before = Array.from(ck.noGrad(() => model.call(x)).data);
    await ck.io.saveToIndexedDB('lenet5-test', model, { metadata: { epoch: '3' } });
    const names = await ck.io.listIndexedDB();
    if (!names.includes('lenet5-test')) return `listIndexedDB gave ${JSON.stringify(names)}`;
    ck.manualSeed(99);
    const fresh = ck.models.lenet5();
    fresh.eval();
    const got = await ck.io.loadFromIndexedDB('lenet5-test', { model: fresh });
    if (got.metadata.epoch !== '3') return `metadata ${JSON.stringify(got.metadata)}`;
    const after = Array.from(ck.noGrad(() => fresh.call(x)).data);
    if (!same(before, after)) return 'the reloaded model computes different outputs';
    // a diverged model is refused and the saved entry stays
    const bad = ck.models.lenet5();
    bad.parameters()[0].data[0] = Number.NaN;
    let refused = '';
    await ck.io.saveToIndexedDB('lenet5-test', bad).catch((e) => {
      refused = String(e.message);
    });
    if (!/holds NaN; not saved/.test(refused)) return `a NaN weight was not refused: ${refused || 'saved'}`;
    const still = await ck.io.loadFromIndexedDB('lenet5-test');
    const key = [...model.stateDict().keys()][0];
    if (!same(Array.from(still.tensors[key].data), Array.from(model.stateDict().get(key).data)))
      return 'the refused save changed the stored weights';
    if (!(await ck.io.deleteFromIndexedDB('lenet5-test'))) return 'deleteFromIndexedDB found nothing';
    const gone = await ck.io.loadFromIndexedDB('lenet5-test').catch((e) => String(e.message));
    if (!/no weights named 'lenet5-test'/.test(gone)) return `after delete: ${gone}`;
  });

  await checkAsync('fetchWeights loads weights saved by Node', async () => {
    ck.manualSeed(99);
    const model = ck.models.lenet5();
    model.eval();
    await ck.io.fetchWeights('/data/ref.safetensors', { model });
    ck.manualSeed(5);
    const x = ck.randn([2, 1, 28, 28]);
    state.values.fetched = Array.from(ck.noGrad(() => model.call(x)).data);
  });

  await checkAsync('downloadWeights offers a safetensors file', async () => {
    const blob = ck.io.downloadWeights(seededLenet(ck), 'lenet5.safetensors');
    if (!(blob.size > 8)) return `blob of ${blob.size} bytes`;
  });

  await checkAsync('fit with verbose, onProgress and callbacks runs without process', async () => {
    if (typeof globalThis.process !== 'undefined') return 'this page has a global process';
    const logged = [];
    const log = console.log;
    console.log = (...a) => {
      logged.push(a.join(' '));
      log(...a);
    };
    const reports = [];
    const epochs = [];
    try {
      ck.manualSeed(6);
      const model = ck.models.lenet5();
      const small = ck.data.mnistFromBytes(images, labels, { limit: 64, normalize: true });
      const history = await ck.train.fit(model, small, {
        epochs: 2,
        batchSize: 16,
        verbose: 1,
        onProgress: (p) => reports.push(p),
        callbacks: [
          new ck.train.LambdaCallback({ onEpochEnd: (epoch, logs) => epochs.push([epoch, logs.loss]) }),
          new ck.train.EarlyStopping({ monitor: 'loss', patience: 5 }),
        ],
      });
      if (epochs.length !== 2 || !epochs.every(([, l]) => Number.isFinite(l)))
        return `LambdaCallback saw ${JSON.stringify(epochs)}`;
      if (history.get('loss').length !== 2) return `history ${JSON.stringify(history.toJSON())}`;
    } finally {
      console.log = log;
    }
    if (reports.length !== 2 * 5) return `${reports.length} progress reports, expected 10`;
    if (reports.at(-1).fraction !== 1) return `last fraction ${reports.at(-1).fraction}`;
    const lines = logged.filter((l) => /^Epoch [12]\/2 /.test(l));
    if (lines.length !== 2) return `progress lines: ${JSON.stringify(logged)}`;
  });

  await checkAsync('an image File decoded by the browser equals the drawn pixels', async () => {
    const canvas = new OffscreenCanvas(6, 4);
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(6, 4);
    for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : (i * 37) % 256;
    ctx.putImageData(img, 0, 0);
    const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'drawn.png');
    const t = await ck.data.imageFromBlob(file);
    if (t.shape.join() !== '3,4,6') return `shape ${t.shape}`;
    for (let p = 0; p < 24; p++)
      for (let c = 0; c < 3; c++) {
        const want = img.data[p * 4 + c] / 255;
        if (t.data[c * 24 + p] !== Math.fround(want))
          return `pixel ${p} channel ${c}: ${t.data[c * 24 + p]} != ${want}`;
      }
    const bad = await ck.data.imageFromBlob(new File([new Uint8Array([1, 2, 3])], 'x.png')).catch((e) => e.message);
    if (!/decodeImageBlob: x\.png could not be decoded by the browser/.test(bad)) return `bad image: ${bad}`;
  });

  await checkAsync('Node-only calls get convkit’s own error naming the call', async () => {
    const model = ck.models.lenet5();
    const calls = [
      ['loadMnist', () => ck.data.loadMnist(), /mnistFromBytes/],
      ['saveWeights', () => ck.train.saveWeights(model, 'lenet5.safetensors'), /./],
      ['loadWeights', () => ck.train.loadWeights(model, 'lenet5.safetensors'), /./],
    ];
    for (const [op, call, alternative] of calls) {
      const msg = await Promise.resolve()
        .then(call)
        .then(
          () => `${op} succeeded`,
          (e) => String(e.message),
        );
      if (!new RegExp(`^${op} needs Node`).test(msg) || !alternative.test(msg)) return `${op}: ${msg}`;
    }
  });

  await checkAsync(`${memorySteps} synchronous LeNet-5 steps keep wasm memory and the JS heap bounded`, async () => {
    const be = ck.getBackend();
    if (typeof be.memoryStats !== 'function') return `backend ${be.name} has no memoryStats`;
    ck.manualSeed(7);
    const model = ck.models.lenet5();
    const opt = new ck.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = ck.randn([2, 1, 28, 28]);
    const y = new ck.Tensor(Int32Array.from([3, 7]), [2]);
    let warm = null;
    let warmHeap = 0;
    let loss = Number.NaN;
    // the JS heap too (tensors live there without shared memory): the runner starts Chromium
    // with --expose-gc and --enable-precise-memory-info, so a forced gc gives exact figures
    // settled heap: gc, let finalizers run (a task), gc again
    const heap = async () => {
      for (let k = 0; k < 3; k++) {
        globalThis.gc?.();
        await new Promise((r) => setTimeout(r, 0));
      }
      return performance.memory?.usedJSHeapSize ?? 0;
    };
    const warmAt = Math.min(100, Math.floor(memorySteps / 10));
    for (let i = 0; i < memorySteps; i++) {
      if (i === warmAt) {
        // measured once before the synchronous stretch: steps warmAt .. memorySteps never yield
        warm = be.memoryStats();
        warmHeap = await heap();
      }
      opt.zeroGrad();
      const l = ck.F.crossEntropy(model.call(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    const end = be.memoryStats();
    const endHeap = await heap();
    state.info.memory = { warm, end, warmHeap, endHeap };
    if (typeof globalThis.gc !== 'function' || !endHeap)
      return 'no gc() or performance.memory: start Chromium with --js-flags=--expose-gc --enable-precise-memory-info';
    if (endHeap - warmHeap > 4 * 2 ** 20) return `the JS heap grew by ${endHeap - warmHeap} bytes after warm-up`;
    const grew = end.memoryBytes - warm.memoryBytes;
    if (!Number.isFinite(loss)) return `loss ${loss}`;
    if (grew > 4 * 2 ** 20) return `wasm memory grew by ${grew} bytes after warm-up`;
    if (end.liveTensors > warm.liveTensors + 64) return `live tensors ${warm.liveTensors} -> ${end.liveTensors}`;
    if (end.fallbacks !== warm.fallbacks)
      return `${end.fallbacks - warm.fallbacks} allocations fell back to the JS heap`;
  });

  await checkAsync(
    'disposeBackend stops the workers: measureUserAgentSpecificMemory resolves, the next op starts afresh',
    async () => {
      if (!globalThis.crossOriginIsolated) {
        await ck.disposeBackend();
        const t = ck.F.relu(ck.tensor([-1, 2]));
        return t.data[1] === 2 && ck.getBackend().name === 'wasm'
          ? true
          : `after dispose: ${ck.getBackend().describe()}`;
      }
      // resolves once the workers have stopped: a measurement asked for while workers are still
      // shutting down never resolves in Chromium (true of any terminated Worker)
      await ck.disposeBackend();
      const measured = await Promise.race([
        performance.measureUserAgentSpecificMemory().then((m) => m.bytes),
        new Promise((r) => setTimeout(() => r(null), 30_000)),
      ]);
      if (measured === null) return 'measureUserAgentSpecificMemory did not resolve within 30 s after disposeBackend()';
      const t = ck.F.relu(ck.tensor([-1, 2]));
      const be = await ck.ready();
      if (t.data[1] !== 2 || be.name !== 'wasm' || be.threads !== Math.min(navigator.hardwareConcurrency, 16))
        return `after dispose: ${be.describe()}`;
    },
  );

  await checkAsync('convkit runs in a module Web Worker', async () => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    try {
      const r = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer from the worker in 60 s')), 60_000);
        worker.onmessage = (e) => {
          clearTimeout(timer);
          resolve(e.data);
        };
        worker.onerror = (e) => {
          clearTimeout(timer);
          reject(new Error(`worker error: ${e.message ?? 'failed to load'}`));
        };
        worker.postMessage('run');
      });
      if (r.error) return r.error;
      state.values.worker = { conv: r.conv, lenet: r.lenet };
      const want = r.isolated ? Math.min(r.cores, 16) : 1;
      if (r.backend !== 'wasm' || r.threads !== want) return `worker: ${r.describe} (isolated ${r.isolated})`;
    } finally {
      // a worker terminated with its thread pool running would leave the page's
      // measureUserAgentSpecificMemory() hanging (checked below): dispose first
      await new Promise((resolve) => {
        worker.onmessage = resolve;
        worker.postMessage('dispose');
        setTimeout(resolve, 5000);
      });
      worker.terminate();
    }
  });

  await checkAsync('threads: all cores when cross-origin isolated, 1 otherwise', async () => {
    // at start-up (state.info.threads) and now (a fresh backend since disposeBackend above)
    const be = await ck.ready();
    const want = globalThis.crossOriginIsolated ? Math.min(navigator.hardwareConcurrency, 16) : 1;
    if (be.threads !== want || state.info.threads !== want)
      return `${state.info.threads} then ${be.threads} threads (crossOriginIsolated ${globalThis.crossOriginIsolated}, ${navigator.hardwareConcurrency} cores): ${be.describe()}`;
  });
}

main().then(
  () => {
    state.done = true;
  },
  (e) => {
    state.error = (e && e.stack) || String(e);
    state.done = true;
  },
);
