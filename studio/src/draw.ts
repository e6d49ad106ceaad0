/**
 * Pixels for the studio: tensors drawn on canvases (gray, diverging or heat colour maps, scaled
 * up without smoothing), and a drawing pad whose strokes become an MNIST-style 28x28 digit
 * (the ink's bounding box scaled to fit 20x20, then centred by its centre of mass, as the MNIST
 * digits were prepared).
 */

/** How values map to colours. */
export type ColorMap = 'gray' | 'diverging' | 'heat';

/** Draws an (h, w) block of values on a canvas scaled `scale` times (values min..max → colours). */
export function drawValues(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  h: number,
  w: number,
  { scale = 1, map = 'gray', range }: { scale?: number; map?: ColorMap; range?: [number, number] } = {},
): void {
  let lo = Infinity,
    hi = -Infinity;
  if (range) [lo, hi] = range;
  else
    for (let i = 0; i < h * w; i++) {
      const v = values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (map === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    lo = -m;
    hi = m;
  }
  const span = hi > lo ? hi - lo : 1;
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const t = Math.min(1, Math.max(0, (values[i] - lo) / span));
    let r: number, g: number, b: number;
    if (map === 'gray') r = g = b = t * 255;
    else if (map === 'heat') {
      r = Math.min(1, 3 * t) * 255;
      g = Math.min(1, Math.max(0, 3 * t - 1)) * 255;
      b = Math.min(1, Math.max(0, 3 * t - 2)) * 255;
    } else {
      // blue (negative) - white (0) - red (positive)
      const u = 2 * t - 1;
      r = u > 0 ? 255 : 255 * (1 + u);
      b = u < 0 ? 255 : 255 * (1 - u);
      g = 255 * (1 - Math.abs(u));
    }
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  const src = document.createElement('canvas');
  src.width = w;
  src.height = h;
  (src.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
  canvas.width = w * scale;
  canvas.height = h * scale;
  const g2 = canvas.getContext('2d') as CanvasRenderingContext2D;
  g2.imageSmoothingEnabled = false;
  g2.drawImage(src, 0, 0, w * scale, h * scale);
}

/**
 * An MNIST-style 28x28 digit (values in [0, 1], white ink on black) from a canvas of strokes:
 * the ink's bounding box is scaled to fit 20x20 (aspect kept), then shifted so its centre of
 * mass lies at the centre of the 28x28 field. Null when nothing is drawn.
 */
export function mnistDigit(source: HTMLCanvasElement): Float32Array | null {
  const W = source.width,
    H = source.height;
  const px = (source.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, W, H).data;
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (px[4 * (y * W + x)] > 20) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * s)),
    th = Math.max(1, Math.round(bh * s));
  const tmp = document.createElement('canvas');
  tmp.width = tw;
  tmp.height = th;
  const tg = tmp.getContext('2d') as CanvasRenderingContext2D;
  tg.imageSmoothingEnabled = true;
  tg.imageSmoothingQuality = 'high';
  tg.drawImage(source, x0, y0, bw, bh, 0, 0, tw, th);
  const small = tg.getImageData(0, 0, tw, th).data;
  let mass = 0,
    cx = 0,
    cy = 0;
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const v = small[4 * (y * tw + x)] / 255;
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  cx /= mass || 1;
  cy /= mass || 1;
  const ox = Math.round(14 - cx - 0.5),
    oy = Math.round(14 - cy - 0.5);
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const X = x + ox,
        Y = y + oy;
      if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = small[4 * (y * tw + x)] / 255;
    }
  return out;
}

/** A drawing pad: white strokes on black, by mouse, pen or touch; calls onChange after each stroke. */
export function drawingPad(size: number, onChange: () => void): { canvas: HTMLCanvasElement; clear(): void } {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  canvas.className = 'pad';
  canvas.setAttribute('aria-label', 'Drawing pad: draw a digit with the mouse, a pen or a finger');
  canvas.setAttribute('role', 'img');
  const g = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const clear = (): void => {
    g.fillStyle = '#000';
    g.fillRect(0, 0, size, size);
  };
  clear();
  let drawing = false;
  let last: [number, number] | null = null;
  const pos = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * size) / r.width, ((e.clientY - r.top) * size) / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = pos(e);
    canvas.setPointerCapture?.(e.pointerId);
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing || !last) return;
    const p = pos(e);
    g.strokeStyle = '#fff';
    g.lineWidth = size / 14;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(last[0], last[1]);
    g.lineTo(p[0], p[1]);
    g.stroke();
    last = p;
  });
  const end = (): void => {
    if (!drawing) return;
    drawing = false;
    last = null;
    onChange();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointerleave', end);
  canvas.addEventListener('pointercancel', end);
  canvas.style.touchAction = 'none';
  return { canvas, clear };
}
