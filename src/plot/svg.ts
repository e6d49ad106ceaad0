/**
 * The SVG text every figure is made of: escaping, a tiny element builder and number formatting.
 * Plain strings, no DOM: the same code runs in Node, browsers and Web Workers.
 */

/** Escapes text for an SVG text node or attribute value. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number as SVG coordinates want it: at most 2 decimals, no trailing zeros. */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`plot: non-finite coordinate ${v}`);
  return String(Math.round(v * 100) / 100);
}

/** Attribute values of one element (undefined values are left out). */
export type Attrs = Record<string, string | number | undefined>;

/** `<tag a="..."/>` or `<tag a="...">children</tag>`. */
export function el(tag: string, attrs: Attrs, children?: string): string {
  let s = `<${tag}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    s += ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`;
  }
  return children === undefined ? `${s}/>` : `${s}>${children}</${tag}>`;
}

/** A text element (the content is escaped). */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return el('text', { x, y, ...attrs }, esc(content));
}

/** Formats a value for a tick label, with `decimals` digits after the point (or an exponent). */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  // the step decides, so one axis never mixes 0.0010 with 5e-4
  if (step >= 1e5 || step < 1e-3) {
    const m = step / Math.pow(10, Math.floor(Math.log10(a)));
    let digits = 0;
    while (digits < 6 && Math.abs(Math.round(m * 10 ** digits) - m * 10 ** digits) > 1e-6) digits++;
    return v.toExponential(digits).replace('e+', 'e').replace('-', '\u2212');
  }
  let decimals = 0;
  while (decimals < 10 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return v.toFixed(decimals).replace('-', '\u2212');
}

/** Base64 of bytes (for PNG images embedded as data: URLs), without Buffer or btoa. */
export function base64(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += A[n >> 18] + A[(n >> 12) & 63] + A[(n >> 6) & 63] + A[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += A[n >> 18] + A[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += A[n >> 18] + A[(n >> 12) & 63] + A[(n >> 6) & 63] + '=';
  }
  return out;
}
