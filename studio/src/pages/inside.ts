/**
 * "Look inside": a model (the shipped LeNet-5 or Keras Fashion CNN, or weights you load) on a
 * digit you draw, a picture you upload, a webcam frame or a real MNIST test digit: the class
 * probabilities, every layer's feature maps (`vision.featureMaps`), the first layer's filters,
 * Grad-CAM / Grad-CAM++ / saliency over the input, and, when you click a unit of a feature map,
 * its receptive field in the input (from `train.summary`'s receptive field, jump and start).
 */
import { type nn, io, models, Tensor, train, vision } from 'convkit';
import type { LayerSpec } from '../builder.js';
import { drawingPad, drawValues, mnistDigit } from '../draw.js';
import { buildSequential } from './train.js';
import { el, errorBox, field, fmt, message, select, type Page } from '../ui.js';

/** A model ready to look inside. */
interface Loaded {
  name: string;
  model: nn.Module;
  classes: string[];
  inputShape: number[];
  normalize: { mean: number[]; std: number[] } | null;
  rows: train.SummaryRow[];
}

const SHIPPED: readonly (readonly [string, string])[] = [
  ['lenet5', 'LeNet-5 trained on MNIST (shipped)'],
  ['keras-fashion', 'Keras Fashion-MNIST CNN (shipped)'],
];

/** Per-channel mean/std from a file's metadata ({mean, std} numbers or arrays), else null. */
function norm(v: unknown): { mean: number[]; std: number[] } | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as { mean?: unknown; std?: unknown };
  const arr = (x: unknown): number[] | null =>
    typeof x === 'number' ? [x] : Array.isArray(x) && x.every((n) => typeof n === 'number') ? (x as number[]) : null;
  const mean = arr(o.mean),
    std = arr(o.std);
  return mean && std ? { mean, std } : null;
}

async function loadShipped(name: string): Promise<Loaded> {
  const w = await models.loadPretrainedWeights(name);
  const model = models.createModel(name, { inputShape: w.inputShape, numClasses: w.classes.length });
  model.loadStateDict(w.stateDict);
  model.eval();
  return finish(name, model, w.classes, w.inputShape, norm(w.normalize));
}

function finish(
  name: string,
  model: nn.Module,
  classes: string[],
  inputShape: number[],
  normalize: Loaded['normalize'],
): Loaded {
  const rows = train.summary(model, inputShape).rows;
  return { name, model, classes, inputShape, normalize, rows };
}

/** Loads a .safetensors file saved by convkit (its metadata names the model, input shape and classes). */
async function loadFile(file: File): Promise<Loaded> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return fromContents(io.deserializeSafetensors(bytes, file.name), file.name);
}

/** A model from weights saved in this browser by the Train page (IndexedDB). */
async function loadSaved(name: string): Promise<Loaded> {
  return fromContents(await io.loadFromIndexedDB(name), `'${name}'`);
}

/** Builds the model a weights file's metadata names (a zoo model, or the Train page's layer stack) and loads it. */
function fromContents(st: io.SafetensorsContents, where: string): Loaded {
  const meta = st.metadata;
  const name = meta['convkit.model'];
  if (!name)
    throw new Error(`${where}: no 'convkit.model' in its metadata (save it with convkit train or the Train page)`);
  const parse = (k: string): unknown => {
    try {
      return JSON.parse(meta[k] ?? 'null');
    } catch {
      return null;
    }
  };
  const inputShape = parse('convkit.inputShape');
  const classes = parse('convkit.classes');
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1))
    throw new Error(`${where}: metadata 'convkit.inputShape' must be [C, H, W], got ${meta['convkit.inputShape']}`);
  if (!Array.isArray(classes)) throw new Error(`${where}: metadata 'convkit.classes' is missing`);
  const model =
    name === 'studio-builder'
      ? buildSequential(JSON.parse(meta['convkit.studio.layers'] ?? '[]') as LayerSpec[], inputShape as number[])
      : models.createModel(name, { inputShape: inputShape as number[], numClasses: classes.length });
  model.loadStateDict(st.tensors);
  model.eval();
  return finish(name, model, classes.map(String), inputShape as number[], norm(parse('convkit.normalize')));
}

/** The page. */
export const insidePage: Page = {
  id: 'inside',
  title: 'Look inside',
  blurb:
    'Draw a digit, upload a picture or use the webcam: class probabilities, every layer’s feature maps and filters, Grad-CAM and saliency, and the receptive field of any unit you click.',
  render(root) {
    root.append(
      el('h1', { text: 'Look inside a CNN' }),
      el('p', {
        class: 'lead',
        text: 'Draw a digit in the black square. Every number below is computed in this page by convkit: the probabilities, what each layer sees, and where the network looks.',
      }),
    );
    const modelSel = select(SHIPPED, 'lenet5', { 'data-testid': 'inside-model' });
    const weightsFile = el('input', { type: 'file', accept: '.safetensors', 'data-testid': 'inside-weights' });
    const methodSel = select(
      [
        ['gradcam', 'Grad-CAM'],
        ['gradcampp', 'Grad-CAM++'],
        ['saliency', 'saliency (input gradient)'],
        ['none', 'none'],
      ],
      'gradcam',
      { 'data-testid': 'inside-method' },
    );
    const status = el('p', { class: 'hint', 'data-testid': 'inside-status', 'aria-live': 'polite' });
    const errors = errorBox();
    const pad = drawingPad(280, () => void analyse());
    pad.canvas.dataset.testid = 'pad';
    const clearBtn = el('button', { type: 'button', text: 'Clear', 'data-testid': 'inside-clear' });
    const sampleBtn = el('button', { type: 'button', text: 'A real test digit', 'data-testid': 'inside-sample' });
    const upload = el('input', { type: 'file', accept: 'image/*', 'data-testid': 'inside-upload' });
    const camBtn = el('button', { type: 'button', text: 'Webcam', 'data-testid': 'inside-webcam' });
    const video = el('video', { playsinline: true, muted: true, hidden: true, width: 200, height: 150 });
    const inputView = el('canvas', {
      'aria-label': 'what the model sees (28x28), with the receptive field of the clicked unit',
      'data-testid': 'inside-input',
    });
    const overlay = el('canvas', { 'aria-label': 'attribution map over the input', 'data-testid': 'inside-overlay' });
    const probs = el('ol', {
      class: 'probs',
      start: 0,
      'data-testid': 'inside-probs',
      'aria-label': 'class probabilities',
    });
    const prediction = el('p', { class: 'prediction', 'aria-live': 'polite' });
    const layers = el('div', { class: 'layers', 'data-testid': 'inside-layers' });
    const filters = el('div', { class: 'filters', 'data-testid': 'inside-filters' });
    const rfText = el('p', {
      class: 'hint',
      'data-testid': 'inside-rf',
      text: 'Click a unit of a feature map to see its receptive field.',
    });

    root.append(
      el(
        'div',
        { class: 'row wrap' },
        field('Model', modelSel),
        field('Or weights saved by convkit', weightsFile),
        field('Where it looks', methodSel),
      ),
      status,
      errors.node,
      el(
        'div',
        { class: 'inside-top' },
        el(
          'div',
          {},
          pad.canvas,
          el('div', { class: 'row wrap' }, clearBtn, sampleBtn, camBtn),
          field('Or a picture', upload),
          video,
        ),
        el(
          'div',
          {},
          el('figure', { class: 'panel' }, inputView, el('figcaption', { text: 'the 28x28 input' })),
          rfText,
        ),
        el('div', {}, el('figure', { class: 'panel' }, overlay, el('figcaption', { text: 'where it looks' }))),
        el('div', { class: 'probs-box' }, prediction, probs),
      ),
      el('h2', { text: 'Every layer' }),
      layers,
      el('h2', { text: 'Filters of every conv layer' }),
      filters,
    );

    let loaded: Loaded | null = null;
    let x: Tensor | null = null;
    let raw: Float32Array | null = null;
    let mnistTest: Uint8Array | null = null;
    let stream: MediaStream | null = null;

    const drawInput = (rect?: [number, number, number, number]): void => {
      if (!raw || !loaded) return;
      const [, h, w] = loaded.inputShape;
      drawValues(inputView, raw, h, w, { scale: 8, range: [0, 1] });
      if (rect) {
        const g = inputView.getContext('2d') as CanvasRenderingContext2D;
        g.strokeStyle = '#ffcc00';
        g.lineWidth = 3;
        g.strokeRect(rect[1] * 8, rect[0] * 8, (rect[3] - rect[1]) * 8, (rect[2] - rect[0]) * 8);
      }
    };

    const showFilters = (): void => {
      filters.replaceChildren();
      if (!loaded) return;
      // every conv layer: each filter's taps on its first input channel (all of them for one-channel inputs)
      for (const [name, m] of loaded.model.namedModules()) {
        if (m.typeName !== 'Conv2d') continue;
        const wt = m.parameters()[0];
        if (!wt || wt.ndim !== 4) continue;
        const [o, i, kh, kw] = wt.shape;
        const grid = el('div', { class: 'fmaps' });
        for (let f = 0; f < Math.min(o, 64); f++) {
          const c = el('canvas', { title: `${name}: filter ${f}, input channel 0` });
          drawValues(c, (wt.data as Float32Array).subarray(f * i * kh * kw, f * i * kh * kw + kh * kw), kh, kw, {
            scale: Math.max(4, Math.floor(50 / Math.max(kh, kw))),
            map: 'diverging',
          });
          grid.append(el('figure', { class: 'fmap' }, c, el('figcaption', { text: `${f}` })));
        }
        const note = i > 1 ? `, input channel 0 of ${i}` : '';
        filters.append(
          el(
            'section',
            { class: 'layer', 'data-filters': name },
            el('h3', {
              text: `${name} · ${o} filters ${kh}x${kw}${note}${o > 64 ? ' (first 64)' : ''} · blue negative, red positive`,
            }),
            grid,
          ),
        );
      }
    };

    const showUnitField = (layer: string, r: number, c: number): void => {
      const row = loaded?.rows.find((x) => x.name === layer);
      if (!row || !row.receptiveField || !row.jump || !row.start) {
        rfText.textContent = `${layer}: its receptive field is not a window of the input (${row?.fieldNote ?? 'flattened'})`;
        drawInput();
        return;
      }
      const [rh, rw] = row.receptiveField;
      const [jh, jw] = row.jump;
      const [sh, sw] = row.start;
      const ch = sh + r * jh,
        cw = sw + c * jw;
      const top = ch - (rh - 1) / 2,
        left = cw - (rw - 1) / 2;
      const [, H, W] = loaded?.inputShape ?? [1, 28, 28];
      const box: [number, number, number, number] = [
        Math.max(0, top),
        Math.max(0, left),
        Math.min(H, top + rh),
        Math.min(W, left + rw),
      ];
      rfText.textContent = `${layer} unit (${r}, ${c}) sees input rows ${fmt(top)}..${fmt(top + rh - 1)}, columns ${fmt(left)}..${fmt(left + rw - 1)}: a ${rh}x${rw} receptive field (jump ${jh})`;
      rfText.dataset.rf = `${rh}x${rw}`;
      drawInput(box);
    };

    const showLayers = (): void => {
      layers.replaceChildren();
      if (!loaded || !x) return;
      const maps = vision.featureMaps(loaded.model, x);
      for (const [name, t] of maps) {
        const type = loaded.model.getSubmodule(name).typeName;
        const box = el(
          'section',
          { class: 'layer', 'data-layer': name },
          el('h3', { text: `${name} · ${type} · [${t.shape.slice(1).join(', ')}]` }),
        );
        const grid = el('div', { class: 'fmaps' });
        if (t.ndim === 4) {
          const [, C, H, W] = t.shape;
          const scale = Math.max(1, Math.floor(56 / Math.max(H, W)));
          for (let ch = 0; ch < Math.min(C, 32); ch++) {
            const c = el('canvas', { title: `${name} channel ${ch}`, tabindex: 0 });
            drawValues(c, (t.data as Float32Array).subarray(ch * H * W, (ch + 1) * H * W), H, W, { scale });
            const pick = (e: MouseEvent | KeyboardEvent): void => {
              let r = Math.floor(H / 2),
                col = Math.floor(W / 2);
              if (e instanceof MouseEvent && e.type === 'click') {
                const b = c.getBoundingClientRect();
                r = Math.min(H - 1, Math.floor(((e.clientY - b.top) / b.height) * H));
                col = Math.min(W - 1, Math.floor(((e.clientX - b.left) / b.width) * W));
              }
              showUnitField(name, r, col);
            };
            c.addEventListener('click', pick);
            c.addEventListener('keydown', (e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                pick(e);
              }
            });
            grid.append(el('figure', { class: 'fmap' }, c, el('figcaption', { text: `${ch}` })));
          }
          if (C > 32) grid.append(el('p', { class: 'hint', text: `… and ${C - 32} more channels` }));
        } else {
          const F = t.size;
          const c = el('canvas', { title: `${name}: ${F} values` });
          drawValues(c, t.data as Float32Array, 1, F, { scale: Math.max(2, Math.floor(400 / F)), map: 'diverging' });
          c.style.height = '20px';
          grid.append(c);
        }
        box.append(grid);
        layers.append(box);
      }
    };

    const analyse = async (): Promise<void> => {
      if (!loaded) return;
      const [C, H, W] = loaded.inputShape;
      const digit = mnistDigit(pad.canvas);
      if (!digit) {
        probs.replaceChildren();
        prediction.textContent = 'Draw something.';
        return;
      }
      raw = digit;
      if (H !== 28 || W !== 28) {
        errors.show(`this page feeds 28x28 drawings; ${loaded.name} expects ${H}x${W}`);
        return;
      }
      const data = new Float32Array(C * H * W);
      for (let c = 0; c < C; c++)
        for (let i = 0; i < H * W; i++) {
          const m = loaded.normalize ? (loaded.normalize.mean[c] ?? loaded.normalize.mean[0]) : 0;
          const s = loaded.normalize ? (loaded.normalize.std[c] ?? loaded.normalize.std[0]) : 1;
          data[c * H * W + i] = (digit[i] - m) / s;
        }
      x = new Tensor(data, [1, C, H, W]);
      const out = loaded.model.call(x);
      const logits = Array.from(out.data as Float32Array);
      const mx = Math.max(...logits);
      const ex = logits.map((v) => Math.exp(v - mx));
      const z = ex.reduce((a, b) => a + b, 0);
      const p = ex.map((v) => v / z);
      const best = p.indexOf(Math.max(...p));
      prediction.replaceChildren(
        'prediction: ',
        el('b', { 'data-testid': 'inside-prediction', 'data-class': best, text: loaded.classes[best] ?? String(best) }),
        ` (${(100 * p[best]).toFixed(1)}%)`,
      );
      probs.replaceChildren(
        ...p.map((v, k) => {
          const bar = el('span', { class: 'bar' });
          bar.style.width = `${(100 * v).toFixed(1)}%`;
          return el(
            'li',
            { class: k === best ? 'best' : '' },
            el('span', { class: 'label', text: loaded?.classes[k] ?? String(k) }),
            el('span', { class: 'track' }, bar),
            el('span', { class: 'pct', text: `${(100 * v).toFixed(1)}%` }),
          );
        }),
      );
      drawInput();
      const method = methodSel.value;
      if (method === 'none') {
        overlay.width = overlay.height = 0;
      } else {
        const map =
          method === 'saliency'
            ? vision.saliency(loaded.model, x, best)
            : (method === 'gradcam' ? vision.gradCam : vision.gradCamPlusPlus)(loaded.model, x, { targetClass: best })
                .map;
        const m = map.data as Float32Array;
        const blend = new Float32Array(H * W);
        let hi = 0;
        for (const v of m) hi = Math.max(hi, v);
        for (let i = 0; i < H * W; i++) blend[i] = hi > 0 ? m[i] / hi : 0;
        drawValues(overlay, blend, H, W, { scale: 8, map: 'heat', range: [0, 1] });
        const g = overlay.getContext('2d') as CanvasRenderingContext2D;
        g.globalAlpha = 0.35;
        g.drawImage(inputView, 0, 0);
        g.globalAlpha = 1;
      }
      showLayers();
    };

    const useModel = async (get: () => Promise<Loaded>): Promise<void> => {
      status.textContent = 'loading the model…';
      try {
        loaded = await get();
        errors.show(null);
        status.textContent = `${loaded.name}: ${loaded.model.numParameters().toLocaleString('en')} parameters, input [${loaded.inputShape.join(', ')}], classes ${loaded.classes.join(', ')}`;
        status.dataset.ready = loaded.name;
        showFilters();
        await analyse();
      } catch (e) {
        errors.show(message(e));
        status.textContent = '';
      }
    };

    const paintImage = (source: CanvasImageSource, sw: number, sh: number): void => {
      pad.clear();
      const g = pad.canvas.getContext('2d') as CanvasRenderingContext2D;
      const s = Math.min(280 / sw, 280 / sh);
      const tmp = document.createElement('canvas');
      tmp.width = Math.round(sw * s);
      tmp.height = Math.round(sh * s);
      const tg = tmp.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
      tg.drawImage(source, 0, 0, tmp.width, tmp.height);
      const img = tg.getImageData(0, 0, tmp.width, tmp.height);
      let mean = 0;
      for (let i = 0; i < img.data.length; i += 4) mean += (img.data[i] + img.data[i + 1] + img.data[i + 2]) / 3;
      mean /= img.data.length / 4;
      if (mean > 127)
        for (let i = 0; i < img.data.length; i += 4)
          for (let k = 0; k < 3; k++) img.data[i + k] = 255 - img.data[i + k];
      tg.putImageData(img, 0, 0);
      g.drawImage(tmp, (280 - tmp.width) / 2, (280 - tmp.height) / 2);
    };

    modelSel.addEventListener('change', () => {
      const v = modelSel.value;
      void useModel(() => (v.startsWith('saved:') ? loadSaved(v.slice(6)) : loadShipped(v)));
    });
    void io
      .listIndexedDB()
      .then((names) => {
        if (names.length === 0) return;
        const g = el('optgroup', { label: 'saved in this browser (Train page)' });
        for (const n of names) g.append(el('option', { value: `saved:${n}`, text: n }));
        modelSel.append(g);
      })
      .catch(() => undefined);
    weightsFile.addEventListener('change', () => {
      const f = weightsFile.files?.[0];
      if (f) void useModel(() => loadFile(f));
    });
    methodSel.addEventListener('change', () => void analyse());
    clearBtn.addEventListener('click', () => {
      pad.clear();
      raw = null;
      probs.replaceChildren();
      prediction.textContent = 'Draw something.';
      layers.replaceChildren();
    });
    sampleBtn.addEventListener('click', async () => {
      try {
        if (!mnistTest) {
          status.textContent = 'fetching the MNIST test images…';
          const res = await fetch('data/mnist/t10k-images-idx3-ubyte');
          if (!res.ok)
            throw new Error(
              `the MNIST test images are not served here (HTTP ${res.status}); run convkit studio, or build with --with-data`,
            );
          mnistTest = new Uint8Array(await res.arrayBuffer());
          if (mnistTest.length !== 16 + 10000 * 784) throw new Error('the MNIST test file has the wrong size');
        }
        const k = Math.floor(Math.random() * 10000);
        const img = new ImageData(28, 28);
        for (let i = 0; i < 784; i++) {
          const v = mnistTest[16 + k * 784 + i];
          img.data.set([v, v, v, 255], 4 * i);
        }
        const tmp = document.createElement('canvas');
        tmp.width = tmp.height = 28;
        (tmp.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
        paintImage(tmp, 28, 28);
        status.textContent = `MNIST test digit #${k}`;
        await analyse();
      } catch (e) {
        errors.show(message(e));
      }
    });
    upload.addEventListener('change', async () => {
      const f = upload.files?.[0];
      if (!f) return;
      try {
        const bmp = await createImageBitmap(f);
        paintImage(bmp, bmp.width, bmp.height);
        bmp.close();
        await analyse();
      } catch (e) {
        errors.show(`${f.name}: ${message(e)}`);
      }
    });
    camBtn.addEventListener('click', async () => {
      try {
        if (!stream) {
          if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives no camera access here');
          stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
          video.srcObject = stream;
          video.hidden = false;
          await video.play();
          camBtn.textContent = 'Capture';
          return;
        }
        paintImage(video, video.videoWidth, video.videoHeight);
        await analyse();
      } catch (e) {
        errors.show(`webcam: ${message(e)}`);
      }
    });
    void useModel(() => loadShipped('lenet5'));
    return () => {
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
  },
};
