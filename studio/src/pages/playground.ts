/**
 * "Playground" (after TensorFlow Playground): an MLP built from convkit's nn (Sequential of
 * Linear + ReLU/tanh/sigmoid, optional Dropout) trained live with optim.SGD or optim.Adam on 2-D
 * toy data (studio/src/toydata.ts). The decision boundary, every input feature's and hidden
 * neuron's picture over the plane, train/test loss and accuracy and their history (uPlot) update
 * as it trains. Training runs in chunks of about 12 ms per animation frame so the page stays
 * responsive; one Step is one epoch. The state is on the status line's data-* attributes.
 */
import { F, manualSeed, nn, noGrad, optim, Tensor } from 'convkit';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { EXTENT, splitToy, TOY_SETS, type ToyName, type ToyPoint, type ToySplit, toyData } from '../toydata.js';
import { el, errorBox, field, message, numberInput, type Page, select } from '../ui.js';

/** Grid cells per side for the boundary and neuron pictures. */
const GRID = 40;
/** Points per data set. */
const N_POINTS = 500;
/** Milliseconds of training per animation frame. */
const CHUNK_MS = 12;
/** Side of the boundary canvas in pixels. */
const BOUNDARY_PX = 300;

/** The input features: name, label and value at (x, y). */
const FEATURES: readonly (readonly [string, string, (x: number, y: number) => number])[] = [
  ['x1', 'x₁', (x) => x / 4],
  ['x2', 'x₂', (_x, y) => y / 4],
  ['x1sq', 'x₁²', (x) => (x / 4) ** 2],
  ['x2sq', 'x₂²', (_x, y) => (y / 4) ** 2],
  ['x1x2', 'x₁x₂', (x, y) => (x / 4) * (y / 4)],
  ['sinx1', 'sin x₁', (x) => Math.sin(x)],
  ['sinx2', 'sin x₂', (_x, y) => Math.sin(y)],
];

const RATES = ['0.00001', '0.0001', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3'] as const;
/** Epoch ticks of the loss chart: whole numbers only. */
const EPOCH_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
const REG_RATES = ['0', '0.0001', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1'] as const;

type Activation = 'relu' | 'tanh' | 'sigmoid';

/** Class 0 is orange, class 1 blue (TensorFlow Playground's colours). */
const ORANGE = [245, 147, 34] as const;
const BLUE = [8, 119, 189] as const;

/** t in [-1, 1] → orange (negative) · white (0) · blue (positive). */
function colour(t: number, out: Uint8ClampedArray, i: number): void {
  const s = Math.min(1, Math.abs(t));
  const c = t < 0 ? ORANGE : BLUE;
  out[i] = 255 + (c[0] - 255) * s;
  out[i + 1] = 255 + (c[1] - 255) * s;
  out[i + 2] = 255 + (c[2] - 255) * s;
  out[i + 3] = 255;
}

/** Draws GRID x GRID values in [-1, 1] on a canvas (row 0 at the top = largest y), smoothed. */
function drawField(canvas: HTMLCanvasElement, t: ArrayLike<number>, px: number): CanvasRenderingContext2D {
  const img = new ImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) colour(t[i], img.data, 4 * i);
  const src = document.createElement('canvas');
  src.width = GRID;
  src.height = GRID;
  (src.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
  if (canvas.width !== px) canvas.width = canvas.height = px;
  const g = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  g.imageSmoothingEnabled = true;
  g.drawImage(src, 0, 0, px, px);
  return g;
}

/** The plane's coordinates at the grid cells' centres, row 0 at the top. */
function gridPoints(): { x: number; y: number }[] {
  const out = [];
  for (let r = 0; r < GRID; r++)
    for (let c = 0; c < GRID; c++)
      out.push({ x: -EXTENT + ((c + 0.5) * 2 * EXTENT) / GRID, y: EXTENT - ((r + 0.5) * 2 * EXTENT) / GRID });
  return out;
}

/** The feature matrix (n, features) of points. */
function featureTensor(pts: readonly { x: number; y: number }[], feats: readonly number[]): Tensor {
  const d = new Float32Array(pts.length * feats.length);
  pts.forEach((p, i) => {
    feats.forEach((f, j) => {
      d[i * feats.length + j] = FEATURES[f][2](p.x, p.y);
    });
  });
  return new Tensor(d, [pts.length, feats.length]);
}

/** The labels (n, 1). */
function labelTensor(pts: readonly ToyPoint[]): Tensor {
  return new Tensor(
    Float32Array.from(pts, (p) => p.label),
    [pts.length, 1],
  );
}

/** Everything one training run needs, rebuilt by Reset. */
interface Run {
  data: ToySplit;
  feats: number[];
  model: nn.Sequential;
  /** Indices in `model` after which a hidden layer's activations are read. */
  hiddenAt: number[];
  activation: Activation;
  weights: Tensor[];
  opt: optim.Optimizer;
  trainX: Tensor;
  trainY: Tensor;
  testX: Tensor;
  testY: Tensor;
  gridX: Tensor;
  order: number[];
  cursor: number;
  step: number;
  epoch: number;
  history: [number[], number[], number[]];
}

/** The page. */
export const playgroundPage: Page = {
  id: 'playground',
  title: 'Playground',
  blurb:
    'Train a small MLP on 2-D toy data (circle, XOR, Gaussian, spiral) and watch the decision boundary and every neuron change as it learns.',
  render(root) {
    root.append(
      el('h1', { text: 'Playground' }),
      el('p', {
        class: 'lead',
        text: 'A multi-layer perceptron (nn.Sequential of nn.Linear and activations) learns to separate two classes of points in the plane. Each small picture is one neuron’s output over the plane; the large one is the network’s prediction, orange for class 0 and blue for class 1.',
      }),
    );
    // ---- controls ----
    const dataset = select(TOY_SETS, 'circle', { 'data-testid': 'pg-dataset' });
    const noise = el('input', { type: 'range', min: 0, max: 50, step: 5, value: 0, 'data-testid': 'pg-noise' });
    const ratio = el('input', { type: 'range', min: 10, max: 90, step: 10, value: 50, 'data-testid': 'pg-ratio' });
    const seed = numberInput(1, 0, 2 ** 31 - 1, { 'data-testid': 'pg-seed' });
    const batch = el('input', { type: 'range', min: 1, max: 30, step: 1, value: 10, 'data-testid': 'pg-batch' });
    const depth = numberInput(2, 0, 6, { 'data-testid': 'pg-depth' });
    const width = numberInput(4, 1, 8, { 'data-testid': 'pg-width' });
    const activation = select(
      [
        ['tanh', 'tanh'],
        ['relu', 'ReLU'],
        ['sigmoid', 'sigmoid'],
      ],
      'tanh',
      { 'data-testid': 'pg-activation' },
    );
    const dropout = select(
      ['0', '0.1', '0.2', '0.3', '0.5'].map((v) => [v, v === '0' ? 'none' : `p = ${v}`] as const),
      '0',
      { 'data-testid': 'pg-dropout' },
    );
    const reg = select(
      [
        ['none', 'none'],
        ['l1', 'L1'],
        ['l2', 'L2'],
      ],
      'none',
      { 'data-testid': 'pg-reg' },
    );
    const regRate = select(
      REG_RATES.map((v) => [v, v] as const),
      '0.001',
      { 'data-testid': 'pg-reg-rate' },
    );
    const lr = select(
      RATES.map((v) => [v, v] as const),
      '0.03',
      { 'data-testid': 'pg-lr' },
    );
    const optimizer = select(
      [
        ['adam', 'Adam'],
        ['sgd', 'SGD'],
      ],
      'adam',
      { 'data-testid': 'pg-optimizer' },
    );
    const showTest = el('input', { type: 'checkbox', id: 'pg-show-test', 'data-testid': 'pg-show-test' });
    const discrete = el('input', { type: 'checkbox', id: 'pg-discrete' });
    const featChecks = FEATURES.map(([id], i) =>
      el('input', { type: 'checkbox', id: `pg-f-${id}`, checked: i < 2, 'data-testid': `pg-f-${id}` }),
    );
    const out = (input: HTMLInputElement, f: (v: number) => string): HTMLOutputElement => {
      const o = el('output', { for: input.id, text: f(Number(input.value)) });
      input.addEventListener('input', () => {
        o.textContent = f(Number(input.value));
      });
      return o;
    };
    const withOutput = (label: string, input: HTMLInputElement, f: (v: number) => string): HTMLDivElement => {
      const fl = field(label, input);
      fl.querySelector('label')?.append(' ', out(input, f));
      return fl;
    };

    const playBtn = el('button', { type: 'button', class: 'pg-play', 'data-testid': 'pg-play', text: 'Play' });
    const stepBtn = el('button', { type: 'button', 'data-testid': 'pg-step', text: 'Step (1 epoch)' });
    const resetBtn = el('button', { type: 'button', 'data-testid': 'pg-reset', text: 'Reset' });
    const status = el('p', { class: 'pg-status', 'data-testid': 'pg-status' });
    const errors = errorBox();

    const boundary = el('canvas', {
      class: 'pg-boundary',
      width: BOUNDARY_PX,
      height: BOUNDARY_PX,
      role: 'img',
      'aria-label': 'decision boundary with the training points',
      'data-testid': 'pg-boundary',
    });
    const network = el('div', { class: 'pg-network', 'data-testid': 'pg-network' });
    const chartBox = el('div', { class: 'pg-chart', 'data-testid': 'pg-chart' });
    const lossText = el('p', { class: 'pg-loss', 'data-testid': 'pg-loss' });

    root.append(
      el('div', { class: 'pg-toolbar', role: 'toolbar', 'aria-label': 'Training' }, resetBtn, playBtn, stepBtn, status),
      errors.node,
      el(
        'div',
        { class: 'pg-layout' },
        el(
          'section',
          { class: 'pg-controls', 'aria-label': 'Data and network settings' },
          el('h2', { text: 'Data' }),
          field('Data set', dataset),
          withOutput('Noise', noise, (v) => `${v}%`),
          withOutput('Training share', ratio, (v) => `${v}%`),
          field('Seed', seed, 'the same seed gives the same points and initial weights'),
          el('h2', { text: 'Network' }),
          el('div', { class: 'pg-pair' }, field('Hidden layers', depth), field('Neurons each', width)),
          field('Activation', activation),
          field('Dropout', dropout),
          el('div', { class: 'pg-pair' }, field('Regularisation', reg), field('Rate', regRate)),
          el('h2', { text: 'Training' }),
          field('Optimizer', optimizer),
          field('Learning rate', lr),
          withOutput('Batch size', batch, (v) => String(v)),
        ),
        el(
          'section',
          { class: 'pg-net', 'aria-label': 'Features and hidden neurons' },
          el('h2', { text: 'Features and neurons' }),
          network,
        ),
        el(
          'section',
          { class: 'pg-output', 'aria-label': 'Output' },
          el('h2', { text: 'Output' }),
          lossText,
          boundary,
          el(
            'div',
            { class: 'pg-checks' },
            el('span', { class: 'field check' }, showTest, el('label', { for: showTest.id, text: 'show test data' })),
            el(
              'span',
              { class: 'field check' },
              discrete,
              el('label', { for: discrete.id, text: 'discretise output' }),
            ),
          ),
          chartBox,
        ),
      ),
    );

    // ---- chart ----
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--fg').trim() || '#16181d';
    const line = css.getPropertyValue('--line').trim() || '#d9dce3';
    const chartWidth = (): number => Math.max(200, Math.min(380, chartBox.clientWidth || 320));
    const chart = new uPlot(
      {
        width: chartWidth(),
        height: 150,
        title: 'loss per epoch',
        scales: { x: { time: false } },
        axes: [
          { label: 'epoch', stroke: fg, grid: { stroke: line }, ticks: { stroke: line }, incrs: EPOCH_TICKS },
          { size: 50, stroke: fg, grid: { stroke: line }, ticks: { stroke: line } },
        ],
        series: [
          { label: 'epoch' },
          { label: 'train', stroke: '#2357c6', width: 2 },
          { label: 'test', stroke: '#d2691e', width: 2, dash: [6, 3] },
        ],
        legend: { show: true },
      },
      [[], [], []],
      chartBox,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: chartWidth(), height: 150 }));
    resize.observe(chartBox);

    // ---- model, data and training ----
    const gridPts = gridPoints();
    let run: Run | null = null;
    let playing = false;
    let frame = 0;
    let neuronCanvases: HTMLCanvasElement[][] = [];

    const build = (): Run => {
      const s = Number(seed.value) >>> 0;
      const feats = featChecks.flatMap((c, i) => (c.checked ? [i] : []));
      if (feats.length === 0) throw new RangeError('Features: tick at least one input feature (x₁ for example)');
      const d = Math.trunc(Number(depth.value));
      const w = Math.trunc(Number(width.value));
      if (!(d >= 0 && d <= 6)) throw new RangeError(`Hidden layers: 0 to 6, got ${depth.value}`);
      if (!(w >= 1 && w <= 8)) throw new RangeError(`Neurons each: 1 to 8, got ${width.value}`);
      const data = splitToy(
        toyData(dataset.value as ToyName, N_POINTS, Number(noise.value) / 100, s),
        Number(ratio.value) / 100,
        s,
      );
      manualSeed(s);
      const act = activation.value as Activation;
      const p = Number(dropout.value);
      const layers: nn.Module[] = [];
      const hiddenAt: number[] = [];
      let fanIn = feats.length;
      for (let i = 0; i < d; i++) {
        layers.push(new nn.Linear(fanIn, w));
        layers.push(act === 'relu' ? new nn.ReLU() : act === 'tanh' ? new nn.Tanh() : new nn.Sigmoid());
        hiddenAt.push(layers.length - 1);
        if (p > 0) layers.push(new nn.Dropout(p));
        fanIn = w;
      }
      layers.push(new nn.Linear(fanIn, 1));
      const model = new nn.Sequential(...layers);
      const weights = layers.filter((l): l is nn.Linear => l instanceof nn.Linear).map((l) => l.weight);
      const order = data.train.map((_, i) => i);
      return {
        data,
        feats,
        model,
        hiddenAt,
        activation: act,
        weights,
        opt: makeOptimizer(model),
        trainX: featureTensor(data.train, feats),
        trainY: labelTensor(data.train),
        testX: featureTensor(data.test, feats),
        testY: labelTensor(data.test),
        gridX: featureTensor(gridPts, feats),
        order,
        cursor: order.length,
        step: 0,
        epoch: 0,
        history: [[], [], []],
      };
    };

    const makeOptimizer = (model: nn.Module): optim.Optimizer => {
      const rate = Number(lr.value);
      return optimizer.value === 'sgd'
        ? new optim.SGD(model.parameters(), { lr: rate })
        : new optim.Adam(model.parameters(), { lr: rate });
    };

    /** One mini-batch step; returns true when it completed an epoch. */
    const trainStep = (r: Run): boolean => {
      const n = r.order.length;
      if (r.cursor >= n) {
        // a new epoch: reshuffle with the seeded stream (so a seed gives the same run)
        const perm = r.order;
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rngUniform() * (i + 1));
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        r.order = perm;
        r.cursor = 0;
      }
      const bs = Math.max(1, Math.min(n, Number(batch.value)));
      const idx = r.order.slice(r.cursor, r.cursor + bs);
      r.cursor += idx.length;
      const nf = r.feats.length;
      const xb = new Float32Array(idx.length * nf);
      const yb = new Float32Array(idx.length);
      idx.forEach((k, i) => {
        xb.set(r.trainX.data.subarray(k * nf, (k + 1) * nf), i * nf);
        yb[i] = r.trainY.data[k];
      });
      r.model.train();
      r.opt.zeroGrad();
      let loss = F.binaryCrossEntropyWithLogits(
        r.model.call(new Tensor(xb, [idx.length, nf])),
        new Tensor(yb, [idx.length, 1]),
      );
      const rate = Number(regRate.value);
      if (reg.value === 'l1' && rate > 0) loss = loss.add(optim.l1Penalty(r.weights, rate));
      if (reg.value === 'l2' && rate > 0) loss = loss.add(optim.l2Penalty(r.weights, rate));
      loss.backward();
      r.opt.step();
      r.step += 1;
      if (r.cursor >= n) {
        r.epoch += 1;
        recordEpoch(r);
        return true;
      }
      return false;
    };

    /** Seeded uniform numbers for the per-epoch shuffle (a mulberry32 stream restarted by Reset). */
    let rngState = 1;
    const rngUniform = (): number => {
      rngState = (rngState + 0x6d2b79f5) >>> 0;
      let t = rngState;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };

    /** Appends the epoch's train and test loss to the history shown by the chart. */
    let chartDirty = false;
    const recordEpoch = (r: Run): void => {
      r.history[0].push(r.epoch);
      r.history[1].push(evaluate(r, r.trainX, r.trainY).loss);
      r.history[2].push(evaluate(r, r.testX, r.testY).loss);
      chartDirty = true;
    };

    /** Loss and accuracy of the model (eval mode, no regularisation term) on x, y. */
    const evaluate = (r: Run, x: Tensor, y: Tensor): { loss: number; acc: number } =>
      noGrad(() => {
        r.model.eval();
        const logits = r.model.call(x);
        const loss = F.binaryCrossEntropyWithLogits(logits, y).item();
        let right = 0;
        for (let i = 0; i < y.size; i++) if (logits.data[i] > 0 === y.data[i] > 0.5) right++;
        return { loss, acc: y.size > 0 ? right / y.size : 0 };
      });

    /** The network's layout: feature pictures with their check boxes, then a column per hidden layer. */
    const layoutNetwork = (r: Run): void => {
      // the input column stays (its check boxes must not move under a click); the rest is rebuilt
      for (const [i, row] of featureRows.entries()) row.classList.toggle('pg-off', !featChecks[i].checked);
      if (inputs.parentNode !== network) network.append(inputs);
      while (network.lastChild && network.lastChild !== inputs) network.lastChild.remove();
      neuronCanvases = r.hiddenAt.map((_, l) => {
        const col = el('div', {
          class: 'pg-layer',
          role: 'group',
          'aria-label': `hidden layer ${l + 1}`,
          'data-testid': 'pg-layer',
        });
        col.append(el('h3', { text: `Layer ${l + 1}` }));
        const cs: HTMLCanvasElement[] = [];
        const w = Number(width.value);
        for (let k = 0; k < w; k++) {
          const c = el('canvas', {
            class: 'pg-neuron',
            role: 'img',
            'aria-label': `layer ${l + 1} neuron ${k + 1}: its output over the plane`,
            'data-testid': 'pg-neuron',
          });
          col.append(c);
          cs.push(c);
        }
        network.append(col);
        return cs;
      });
      network.append(
        el(
          'div',
          { class: 'pg-layer pg-out-col', role: 'group', 'aria-label': 'output neuron' },
          el('h3', { text: 'Output' }),
          el('p', { class: 'hint', text: 'one logit: p(class 1) = sigmoid' }),
        ),
      );
    };

    /** The input column: each feature's picture (drawn once) and its check box. */
    const inputs = el(
      'div',
      { class: 'pg-layer', role: 'group', 'aria-label': 'input features' },
      el('h3', { text: 'Input' }),
    );
    const featureRows = FEATURES.map(([id, label, f], i) => {
      const c = el('canvas', { class: 'pg-neuron', 'aria-hidden': 'true' });
      drawField(
        c,
        gridPts.map((p) => Math.max(-1, Math.min(1, f(p.x, p.y)))),
        48,
      );
      const row = el(
        'div',
        { class: 'pg-feature' },
        c,
        el('span', { class: 'field check' }, featChecks[i], el('label', { for: `pg-f-${id}`, text: label })),
      );
      inputs.append(row);
      return row;
    });

    /** Redraws the boundary, the neuron pictures, the numbers and the chart. */
    const redraw = (r: Run): void => {
      const hidden: Float32Array[] = [];
      const logits = noGrad(() => {
        r.model.eval();
        let h = r.gridX;
        for (let i = 0; i < r.model.length; i++) {
          h = r.model.at(i).call(h);
          if (r.hiddenAt.includes(i)) hidden.push(Float32Array.from(h.data));
        }
        return Float32Array.from(h.data);
      });
      const disc = discrete.checked;
      const t = logits.map((z) => {
        const p = 1 / (1 + Math.exp(-z));
        return disc ? (p > 0.5 ? 1 : -1) : (2 * p - 1) * 0.75;
      });
      const g = drawField(boundary, t, BOUNDARY_PX);
      const dot = (p: ToyPoint, test: boolean): void => {
        const cx = ((p.x + EXTENT) / (2 * EXTENT)) * BOUNDARY_PX;
        const cy = ((EXTENT - p.y) / (2 * EXTENT)) * BOUNDARY_PX;
        const c = p.label === 1 ? BLUE : ORANGE;
        g.beginPath();
        g.arc(cx, cy, 3.5, 0, 2 * Math.PI);
        g.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
        g.fill();
        g.lineWidth = 1;
        g.strokeStyle = test ? '#000' : '#fff';
        g.stroke();
      };
      for (const p of r.data.train) dot(p, false);
      if (showTest.checked) for (const p of r.data.test) dot(p, true);
      const w = Number(width.value);
      hidden.forEach((h, l) => {
        for (let k = 0; k < w; k++) {
          const v = new Float32Array(GRID * GRID);
          let max = 1e-6;
          for (let q = 0; q < GRID * GRID; q++) max = Math.max(max, h[q * w + k]);
          for (let q = 0; q < GRID * GRID; q++) {
            const a = h[q * w + k];
            v[q] = r.activation === 'tanh' ? a : r.activation === 'sigmoid' ? 2 * a - 1 : a / max;
          }
          const c = neuronCanvases[l]?.[k];
          if (c) drawField(c, v, 48);
        }
      });
      const tr = evaluate(r, r.trainX, r.trainY);
      const te = evaluate(r, r.testX, r.testY);
      const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
      lossText.textContent = `train loss ${tr.loss.toFixed(3)} (accuracy ${pct(tr.acc)}) · test loss ${te.loss.toFixed(3)} (accuracy ${pct(te.acc)})`;
      status.textContent = `epoch ${r.epoch} · step ${r.step}${playing ? ' · training' : ''}`;
      Object.assign(status.dataset, {
        epoch: String(r.epoch),
        step: String(r.step),
        trainLoss: tr.loss.toFixed(5),
        testLoss: te.loss.toFixed(5),
        trainAcc: tr.acc.toFixed(4),
        testAcc: te.acc.toFixed(4),
        playing: String(playing),
      });
      if (chartDirty) {
        chart.setData(r.history);
        chartDirty = false;
      }
    };

    const setPlaying = (on: boolean): void => {
      playing = on;
      playBtn.textContent = on ? 'Pause' : 'Play';
      playBtn.setAttribute('aria-pressed', String(on));
      stepBtn.disabled = on;
      // the numbers are read out when training stops, not 60 times a second while it runs
      lossText.setAttribute('aria-live', on ? 'off' : 'polite');
      if (on) frame = requestAnimationFrame(tick);
      else cancelAnimationFrame(frame);
      if (run) redraw(run);
    };

    const tick = (): void => {
      if (!playing || !run) return;
      try {
        const t0 = performance.now();
        do trainStep(run);
        while (performance.now() - t0 < CHUNK_MS);
        redraw(run);
      } catch (e) {
        errors.show(message(e));
        setPlaying(false);
        return;
      }
      frame = requestAnimationFrame(tick);
    };

    const reset = (): void => {
      const was = playing;
      if (playing) setPlaying(false);
      try {
        run = build();
        rngState = Number(seed.value) >>> 0;
        layoutNetwork(run);
        recordEpoch(run);
        errors.show(null);
        redraw(run);
        if (was) setPlaying(true);
      } catch (e) {
        run = null;
        errors.show(message(e));
      }
    };

    playBtn.addEventListener('click', () => {
      if (run) setPlaying(!playing);
    });
    stepBtn.addEventListener('click', () => {
      if (!run || playing) return;
      try {
        while (!trainStep(run));
        redraw(run);
      } catch (e) {
        errors.show(message(e));
      }
    });
    resetBtn.addEventListener('click', reset);
    for (const c of [dataset, noise, ratio, seed, depth, width, activation, dropout, ...featChecks])
      c.addEventListener('change', reset);
    for (const c of [lr, optimizer])
      c.addEventListener('change', () => {
        if (run) run.opt = makeOptimizer(run.model);
      });
    for (const c of [showTest, discrete])
      c.addEventListener('change', () => {
        if (run) redraw(run);
      });
    reset();

    return () => {
      playing = false;
      cancelAnimationFrame(frame);
      resize.disconnect();
      chart.destroy();
    };
  },
};
