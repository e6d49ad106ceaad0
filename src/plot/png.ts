/**
 * SVG to PNG with resvg (Rust, compiled to WebAssembly: @resvg/resvg-wasm), the same in Node,
 * browsers and Web Workers, with no DOM and no canvas. Text needs a font: in Node the renderer
 * loads DejaVu Sans from the dejavu-fonts-ttf package by itself; in a browser call
 * initRenderer({ wasm, fonts }) first with the wasm file's URL and font bytes.
 */
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { isNode, nodeOnlyError, requireFs } from '../platform.js';
import { packageRequire } from '../platform-files.js';

/** What initRenderer needs: resvg's wasm (bytes, a URL, a Response or a compiled module) and fonts. */
export interface RendererOptions {
  /** @resvg/resvg-wasm's index_bg.wasm; default (Node only): the installed package's file. */
  wasm?: Parameters<typeof initWasm>[0];
  /** TrueType/OpenType font files; default (Node only): DejaVu Sans regular and bold. */
  fonts?: readonly Uint8Array[];
}

let ready: Promise<void> | null = null;
let fonts: Uint8Array[] = [];

const BROWSER_HINT =
  "plot.initRenderer({ wasm: new URL('@resvg/resvg-wasm/index_bg.wasm', <your module's URL>), fonts: [fontBytes] }) first, or use the SVG text";

/** The default font files (Node): DejaVu Sans, as matplotlib uses. */
function defaultFonts(): Uint8Array[] {
  if (!isNode) throw nodeOnlyError('plot.toPng', BROWSER_HINT, 'fonts');
  const req = packageRequire('plot.toPng');
  const fs = requireFs('plot.toPng', BROWSER_HINT);
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => {
    let path: string;
    try {
      path = req.resolve(`dejavu-fonts-ttf/ttf/${f}`);
    } catch {
      throw new Error(
        `plot.toPng: the font ${f} is missing: install the dejavu-fonts-ttf package (npm install dejavu-fonts-ttf)`,
      );
    }
    return new Uint8Array(fs.readFileSync(path));
  });
}

/** resvg's wasm bytes (Node). */
function defaultWasm(): Uint8Array {
  if (!isNode) throw nodeOnlyError('plot.toPng', BROWSER_HINT, 'the resvg wasm file');
  const path = packageRequire('plot.toPng').resolve('@resvg/resvg-wasm/index_bg.wasm');
  return new Uint8Array(requireFs('plot.toPng', BROWSER_HINT).readFileSync(path));
}

/**
 * Starts the PNG renderer once (later calls return the same promise). In Node everything has
 * a default; in a browser pass the wasm URL and at least one font.
 */
export function initRenderer(options: RendererOptions = {}): Promise<void> {
  if (ready !== null) return ready;
  ready = (async () => {
    fonts = options.fonts ? [...options.fonts] : defaultFonts();
    if (fonts.length === 0)
      throw new RangeError('plot.initRenderer: fonts is empty; text needs at least one TrueType font');
    await initWasm(options.wasm ?? defaultWasm());
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

/** Options of toPng. */
export interface PngOptions {
  /** Pixel scale (2 for a high-DPI image twice the SVG's size; default 1). */
  scale?: number;
}

/** The SVG's pixel size from its width/height attributes. */
export function svgSize(svg: string): [number, number] {
  const m = /<svg\b[^>]*?\bwidth="(\d+(?:\.\d+)?)"[^>]*?\bheight="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!m) throw new RangeError('plot.toPng: the SVG has no numeric width and height attributes');
  return [Number(m[1]), Number(m[2])];
}

/** Renders an SVG document (a figure of this module, or any SVG) to PNG bytes. */
export async function toPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`plot.toPng: scale must be in (0, 8], got ${scale}`);
  const [w] = svgSize(svg);
  await initRenderer();
  const r = new Resvg(svg, {
    font: { fontBuffers: fonts, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'width', value: Math.round(w * scale) },
    background: '#ffffff',
  });
  try {
    const img = r.render();
    try {
      return img.asPng();
    } finally {
      img.free();
    }
  } finally {
    r.free();
  }
}
