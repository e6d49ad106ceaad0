/** Colours, fonts and sizes shared by every figure (matplotlib's "tab10" cycle and viridis map). */

/** The font family figures ask for; the PNG renderer ships DejaVu Sans (matplotlib's default). */
export const FONT_FAMILY = 'DejaVu Sans, Verdana, Arial, sans-serif';

/** Category colours, in the order series and classes take them. */
export const PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** The colour of series/class `i` (cycles past ten). */
export function color(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

// viridis at 9 stops (matplotlib), interpolated linearly
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** viridis at t in [0, 1] as [r, g, b]. */
export function viridisRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i],
    b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** viridis at t as '#rrggbb'. */
export function viridis(t: number): string {
  return (
    '#' +
    viridisRgb(t)
      .map((v) => v.toString(16).padStart(2, '0'))
      .join('')
  );
}

/** Approximate width in pixels of a text in the figure font (DejaVu Sans averages 0.6 em). */
export function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}
