/**
 * The captioned figures `convkit visualize` writes for a conv layer: its feature maps
 * (maps-<layer>.png) and its learned filters (filters-<layer>.png), drawn with plot.imageGrid
 * (a title naming the model, the layer path and class, one caption per tile) and rendered with
 * plot.toPng. The figure's pixel size is computed here, before anything is drawn, so a too-large
 * figure is refused as a usage error. The raw tensor grids stay in vision/visualize.ts.
 */
import { imageGrid, type ImageData2D } from '../../plot/images.js';
import { textWidth } from '../../plot/style.js';
import { toPng } from '../../plot/png.js';
import { MAX_OUTPUT_MEGAPIXELS } from '../../vision/visualize.js';
import type { Tensor } from '../../tensor/tensor.js';

/** The largest side of a plot figure (plot's figureSize limit) and the most tiles imageGrid draws. */
export const MAX_FIGURE_SIDE = 8192;
export const MAX_FIGURE_TILES = 1024;

/** A figure's layout: what imageGrid is given and the PNG size it yields. */
export interface GridFigure {
  file: string;
  title: string;
  tiles: number;
  captions: string[];
  columns: number;
  cell: number;
  width: number;
  height: number;
}

/**
 * The pixel size of an imageGrid of `tiles` tiles captioned caption(k) (its layout: 10 px gaps,
 * 18 px captions, a 44 px title band). Over MAX_FIGURE_TILES tiles, no captions are built (the
 * figure is refused by figureProblem), so a huge --max-filters allocates nothing.
 */
export function layout(
  file: string,
  title: string,
  tiles: number,
  caption: (k: number) => string,
  columns: number,
  cell: number,
): GridFigure {
  const captions = tiles <= MAX_FIGURE_TILES ? Array.from({ length: tiles }, (_, k) => caption(k)) : [];
  let longest = 0;
  for (const c of captions) longest = Math.max(longest, textWidth(c, 11));
  const rows = Math.ceil(tiles / columns);
  const slot = Math.max(cell, longest) + 10;
  const width = Math.max(240, Math.ceil(columns * slot + 10), Math.ceil(textWidth(title, 16) * 1.1 + 32));
  const height = Math.ceil(44 + rows * (cell + 18 + 10));
  return { file, title, tiles, captions, columns, cell, width, height };
}

/** Why a figure cannot be drawn (too many tiles, a side or the area too large), or null when it fits. */
export function figureProblem(f: GridFigure): string | null {
  if (f.tiles > MAX_FIGURE_TILES)
    return `${f.file} would have ${f.tiles} tiles, over the ${MAX_FIGURE_TILES}-tile limit of a figure`;
  if (f.width > MAX_FIGURE_SIDE || f.height > MAX_FIGURE_SIDE || f.width * f.height > MAX_OUTPUT_MEGAPIXELS * 1e6)
    return `${f.file} would be ${f.width}x${f.height} pixels, over the limit of ${MAX_FIGURE_SIDE} pixels a side (and ${MAX_OUTPUT_MEGAPIXELS} megapixels)`;
  return null;
}

/** Layout of maps-<layer>.png: the first `shown` of `total` maps of size h x w, each zoomed `scale` times. */
export function mapsFigure(
  model: string,
  layer: string,
  kind: string,
  total: number,
  shown: number,
  h: number,
  w: number,
  scale: number,
): GridFigure {
  const count = shown < total ? `first ${shown} of ${total} feature maps` : `${total} feature maps`;
  const title = `${model}: ${layer} (${kind}): ${count}, ${h}x${w}`;
  return layout(
    `maps-${layer}.png`,
    title,
    shown,
    (k) => `map ${k}`,
    Math.ceil(Math.sqrt(shown)),
    Math.max(h, w) * scale,
  );
}

/**
 * Layout of filters-<layer>.png for a weight (O, C, kH, kW) showing `filters` filters and, when C
 * is not 1 or 3, `channels` input channels of each (one row per filter, one column per channel).
 */
export function filtersFigure(
  model: string,
  layer: string,
  kind: string,
  shape: readonly number[],
  filters: number,
  channels: number,
): GridFigure {
  const [o, c, kh, kw] = shape;
  const color = c === 1 || c === 3;
  const cell = Math.max(kh, kw) * Math.max(1, Math.round(40 / kw));
  const count = filters < o ? `first ${filters} of ${o} filters` : `${o} filters`;
  if (color) {
    const title = `${model}: ${layer} (${kind}): ${count}, ${c === 3 ? 'RGB ' : ''}${kh}x${kw}`;
    return layout(`filters-${layer}.png`, title, filters, (k) => `filter ${k}`, Math.ceil(Math.sqrt(filters)), cell);
  }
  const chans = channels < c ? `first ${channels} of ${c} input channels` : `${c} input channels`;
  const title = `${model}: ${layer} (${kind}): ${count} x ${chans}, ${kh}x${kw}`;
  const caption = (t: number): string => `f${Math.floor(t / channels)} c${t % channels}`;
  return layout(`filters-${layer}.png`, title, filters * channels, caption, channels, cell);
}

/** A tile zoomed `factor` times by pixel repetition (the renderer smooths embedded images when it scales them). */
function zoomTile(t: ImageData2D, factor: number): ImageData2D {
  if (factor <= 1) return t;
  const c = t.channels ?? 1,
    W = t.width * factor,
    H = t.height * factor;
  const out = new Float32Array(W * H * c);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < W; x++) {
      const s = (sy * t.width + Math.floor(x / factor)) * c,
        d = (y * W + x) * c;
      for (let ch = 0; ch < c; ch++) out[d + ch] = t.data[s + ch];
    }
  }
  return { data: out, width: W, height: H, channels: c };
}

/** Renders a laid-out figure of these tiles to PNG bytes; normalize: each tile min..max to black..white. */
async function render(f: GridFigure, raw: ImageData2D[], normalize: boolean): Promise<Uint8Array> {
  // draw the tiles at 1:1 (crisp pixels): zoomed here to the cell, the figure's tile size
  const tiles = raw.map((t) => zoomTile(t, Math.max(1, Math.floor(f.cell / Math.max(t.width, t.height)))));
  const svg = imageGrid(tiles, {
    captions: f.captions,
    columns: f.columns,
    cell: f.cell,
    title: f.title,
    width: f.width,
    height: f.height,
    normalize,
  });
  return toPng(svg);
}

/** maps-<layer>.png: the feature maps (1, C, H, W) or (C, H, W) already narrowed to the shown ones, each min-max scaled. */
export function renderMaps(f: GridFigure, maps: Tensor): Promise<Uint8Array> {
  const [c, h, w] = maps.shape.slice(-3);
  const src = maps.data as Float32Array;
  const tiles = Array.from({ length: c }, (_, k) => ({
    data: src.subarray(k * h * w, (k + 1) * h * w),
    width: w,
    height: h,
  }));
  return render(f, tiles, true);
}

/**
 * filters-<layer>.png: the weight (O, C, kH, kW) already narrowed to the shown filters and
 * channels, with one value range for all tiles (so magnitudes compare, as filterGrid's 'global').
 */
export function renderFilters(f: GridFigure, weight: Tensor): Promise<Uint8Array> {
  const [o, c, kh, kw] = weight.shape;
  const src = weight.data as Float32Array;
  let lo = Infinity,
    hi = -Infinity;
  for (const v of src) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  const norm = (v: number): number => (span > 0 && Number.isFinite(span) ? (v - lo) / span : 0);
  const n = kh * kw;
  const tiles: ImageData2D[] = [];
  if (c === 3) {
    for (let k = 0; k < o; k++) {
      const data = new Float32Array(3 * n);
      for (let ch = 0; ch < 3; ch++) for (let p = 0; p < n; p++) data[p * 3 + ch] = norm(src[(k * 3 + ch) * n + p]);
      tiles.push({ data, width: kw, height: kh, channels: 3 });
    }
  } else {
    for (let t = 0; t < o * c; t++)
      tiles.push({ data: src.subarray(t * n, (t + 1) * n).map(norm), width: kw, height: kh });
  }
  return render(f, tiles, false);
}
