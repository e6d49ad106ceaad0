/**
 * "Filters on your photo": the lectures' classic kernels (box and Gaussian blur, Sobel and
 * Prewitt gradients, Laplacian, sharpen, the edge detectors, or your own) run by
 * `vision.applyFilter` over a picture you drop or pick (or a built-in test scene), shown side by
 * side with the original. The photo never leaves the page.
 */
import { Tensor, vision } from 'convkit';
import { el, errorBox, field, fmt, gridText, message, parseGrid, select, type Page } from '../ui.js';

/** Pictures are scaled down to at most this many pixels on their longer side. */
const MAX_SIDE = 384;

const DISPLAY = [
  ['auto', 'auto (|value| for edge kernels)'],
  ['clip', 'clip to [0, 1]'],
  ['abs', '|value|'],
  ['rescale', 'rescale min..max'],
] as const;

/** A test scene drawn on a canvas: gradients, a disc, stripes and text, so every filter has something to show. */
function testScene(): ImageData {
  const c = document.createElement('canvas');
  c.width = 256;
  c.height = 192;
  const g = c.getContext('2d') as CanvasRenderingContext2D;
  const grad = g.createLinearGradient(0, 0, 256, 192);
  grad.addColorStop(0, '#1d3557');
  grad.addColorStop(1, '#a8dadc');
  g.fillStyle = grad;
  g.fillRect(0, 0, 256, 192);
  g.fillStyle = '#e63946';
  g.beginPath();
  g.arc(80, 90, 45, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#f1faee';
  for (let x = 150; x < 240; x += 12) g.fillRect(x, 30, 6, 70);
  g.fillStyle = '#000';
  g.font = 'bold 36px sans-serif';
  g.fillText('CNN', 140, 160);
  return g.getImageData(0, 0, 256, 192);
}

/** RGBA pixels → (3, H, W) float tensor in [0, 1]. */
function toTensor(img: ImageData): Tensor {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(3 * w * h);
  for (let p = 0; p < w * h; p++) for (let ch = 0; ch < 3; ch++) out[ch * w * h + p] = data[p * 4 + ch] / 255;
  return new Tensor(out, [3, h, w]);
}

/** (C, H, W) values → canvas pixels, mapped for display. */
function draw(canvas: HTMLCanvasElement, t: Tensor, mode: 'clip' | 'abs' | 'rescale'): void {
  const [c, h, w] = t.shape;
  canvas.width = w;
  canvas.height = h;
  const src = t.data as Float32Array;
  let lo = 0,
    hi = 1;
  if (mode === 'rescale') {
    lo = Infinity;
    hi = -Infinity;
    for (const v of src) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) hi = lo + 1;
  }
  const img = new ImageData(w, h);
  for (let p = 0; p < w * h; p++) {
    for (let k = 0; k < 3; k++) {
      let v = src[(c === 1 ? 0 : k) * w * h + p];
      if (mode === 'abs') v = Math.abs(v);
      else if (mode === 'rescale') v = (v - lo) / (hi - lo);
      img.data[p * 4 + k] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
    img.data[p * 4 + 3] = 255;
  }
  (canvas.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
}

/** Decodes a dropped or picked file in the page and scales it to MAX_SIDE. */
async function fileImage(file: File): Promise<ImageData> {
  if (file.size > 64 * 1024 * 1024)
    throw new RangeError(`${file.name}: ${Math.round(file.size / 2 ** 20)} MB is too large here (64 MB at most)`);
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file);
  } catch {
    throw new RangeError(`${file.name}: not an image this browser can decode`);
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * scale)),
    h = Math.max(1, Math.round(bmp.height * scale));
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d') as CanvasRenderingContext2D;
  g.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  return g.getImageData(0, 0, w, h);
}

/** The page. */
export const filtersPage: Page = {
  id: 'filters',
  title: 'Filters on your photo',
  blurb:
    'Box and Gaussian blur, Sobel, Laplacian, sharpen or your own kernel on any picture, side by side with the original.',
  render(root) {
    root.append(
      el('h1', { text: 'Filters on your photo' }),
      el('p', {
        class: 'lead',
        text: 'A filter is a small kernel slid over the image: each output pixel is the sum of the products of the kernel with the pixels under it. Drop a photo here or use the test scene.',
      }),
    );
    const names = vision.KERNEL_NAMES.filter((n) => n !== 'identity');
    const kernelSel = select([...names.map((n) => [n, n] as const), ['custom', 'your own kernel']], 'sobel-x', {
      'data-testid': 'filter-kernel',
    });
    const custom = el('textarea', { rows: 3, cols: 14, spellcheck: 'false', 'data-testid': 'filter-custom' });
    custom.value = '0 -1 0\n-1 5 -1\n0 -1 0';
    const customField = field('Kernel (rows on lines)', custom);
    const modeSel = select(
      [
        ['symmetric', 'symmetric (scipy reflect)'],
        ['reflect', 'reflect (PyTorch)'],
        ['replicate', 'replicate'],
        ['circular', 'circular'],
        ['zeros', 'zeros'],
      ],
      'symmetric',
    );
    const convSel = select(
      [
        ['true', 'true convolution (kernel flipped, as scipy.ndimage.convolve)'],
        ['correlation', 'cross-correlation (as conv layers)'],
      ],
      'true',
    );
    const displaySel = select(DISPLAY, 'auto');
    const gray = el('input', { type: 'checkbox', 'data-testid': 'filter-gray' });
    const file = el('input', { type: 'file', accept: 'image/*', 'data-testid': 'filter-file' });
    const errors = errorBox();
    const before = el('canvas', { 'aria-label': 'original image', 'data-testid': 'filter-before' });
    const after = el('canvas', { 'aria-label': 'filtered image', 'data-testid': 'filter-after' });
    const kernelView = el('pre', { class: 'kernel-view', 'data-testid': 'filter-kernel-values' });
    const drop = el(
      'div',
      { class: 'drop', tabindex: 0, role: 'group', 'aria-label': 'Original and filtered image; drop a picture here' },
      el('figure', {}, before, el('figcaption', { text: 'original' })),
      el('figure', {}, after, el('figcaption', { 'data-testid': 'filter-caption', text: 'filtered' })),
    );
    root.append(
      el(
        'div',
        { class: 'row wrap' },
        field('Kernel', kernelSel),
        customField,
        field('Border', modeSel),
        field('Operation', convSel),
        field('Display', displaySel),
        el(
          'div',
          { class: 'field check' },
          gray,
          el('label', { for: (gray.id = 'filter-gray'), text: 'grayscale first' }),
        ),
        field('Picture', file),
      ),
      errors.node,
      drop,
      el('p', {}, 'kernel: '),
      kernelView,
    );
    let image = testScene();
    const run = (): void => {
      customField.hidden = kernelSel.value !== 'custom';
      try {
        const kernel =
          kernelSel.value === 'custom'
            ? (() => {
                const g = parseGrid(custom.value, 'kernel');
                return new Tensor(Float32Array.from(g.flat()), [g.length, g[0].length]);
              })()
            : vision.namedKernel(kernelSel.value);
        const k = kernel.shape;
        const rows: number[][] = [];
        for (let r = 0; r < k[0]; r++)
          rows.push(Array.from(kernel.data.subarray(r * k[1], (r + 1) * k[1]), (v) => Number(fmt(v))));
        kernelView.textContent = gridText(rows);
        let x = toTensor(image);
        if (gray.checked) x = vision.toGrayscale(x);
        const y = vision.applyFilter(x, kernel, {
          mode: modeSel.value as vision.FilterMode,
          convolution: convSel.value as vision.FilterConvolution,
        });
        draw(before, x, 'clip');
        const sum = Array.from(kernel.data).reduce((a, b) => a + b, 0);
        const choice = displaySel.value;
        const mode =
          choice === 'auto' ? (Math.abs(sum) < 1e-6 ? 'abs' : 'clip') : (choice as 'clip' | 'abs' | 'rescale');
        draw(after, y, mode);
        after.dataset.kernel = kernelSel.value;
        errors.show(null);
      } catch (e) {
        errors.show(message(e));
      }
    };
    const useFile = async (f: File | undefined): Promise<void> => {
      if (!f) return;
      try {
        image = await fileImage(f);
        run();
      } catch (e) {
        errors.show(message(e));
      }
    };
    file.addEventListener('change', () => void useFile(file.files?.[0]));
    drop.addEventListener('dragover', (e) => e.preventDefault());
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      void useFile(e.dataTransfer?.files[0]);
    });
    for (const c of [kernelSel, custom, modeSel, convSel, displaySel, gray]) c.addEventListener('input', run);
    run();
    return undefined;
  },
};
