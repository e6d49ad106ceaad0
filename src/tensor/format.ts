/**
 * PyTorch-style printing of tensors (`Tensor.toString()`, Node's `util.inspect`), a port of
 * torch/_tensor_str.py (torch 1.13): nested brackets, columns aligned to the widest element,
 * fixed notation with `precision` decimals, `1.` for integer-valued floats, scientific notation
 * when the magnitudes demand it, `...` summaries past `threshold` elements, and the
 * `size=`/`dtype=`/`requires_grad=`/`grad_fn=` suffixes. Numbers are rounded exactly (half to
 * even on the binary value) as Python's format() does, so the output equals PyTorch's.
 *
 * Differences from PyTorch, on purpose: convkit's int32 is its default integer type (the role of
 * torch.int64), so like torch.int64 it shows `dtype=int32` only on empty tensors; `grad_fn`
 * names are convkit's op names (`mul` prints `<MulBackward>`, not `<MulBackward0>`).
 */
import type { DType, TensorData } from './tensor.js';

/** What printing reads from a tensor (a Tensor satisfies it). */
export interface PrintableTensor {
  readonly data: TensorData;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly gradFn: { readonly name: string } | null;
}

/** Print options, as torch.set_printoptions. */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Element count above which a tensor is summarised with `...` (default 1000; Infinity: never). */
  threshold: number;
  /** Items shown at the start and end of each summarised dim (default 3). */
  edgeItems: number;
  /** Characters per line before 1-D rows wrap (default 80). */
  lineWidth: number;
  /** true/false forces scientific/fixed notation; null chooses from the values (default). */
  sciMode: boolean | null;
}

/** Arguments of setPrintOptions: any subset of the options, and a profile applied first. */
export interface SetPrintOptions extends Partial<PrintOptions> {
  /** 'default' (4, 1000, 3, 80), 'short' (precision 2, edgeItems 2) or 'full' (no summaries). */
  profile?: 'default' | 'short' | 'full';
}

const DEFAULTS: Readonly<PrintOptions> = { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80, sciMode: null };
const current: PrintOptions = { ...DEFAULTS };

function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`setPrintOptions: ${field} must be an integer from ${min} to ${max}, got ${String(v)}`);
  return v;
}

/**
 * Sets how tensors print, like torch.set_printoptions: the profile (if any) first, then each
 * option given. As in PyTorch, sciMode not given goes back to automatic (null).
 */
export function setPrintOptions(options: SetPrintOptions = {}): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`setPrintOptions: expected an options object, got ${String(options)}`);
  const next: PrintOptions = { ...current };
  const { profile } = options;
  if (profile !== undefined) {
    if (profile === 'default') Object.assign(next, { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80 });
    else if (profile === 'short') Object.assign(next, { precision: 2, threshold: 1000, edgeItems: 2, lineWidth: 80 });
    else if (profile === 'full')
      Object.assign(next, { precision: 4, threshold: Infinity, edgeItems: 3, lineWidth: 80 });
    else throw new RangeError(`setPrintOptions: profile must be 'default', 'short' or 'full', got ${String(profile)}`);
  }
  if (options.precision !== undefined) next.precision = checkInt('precision', options.precision, 0, 100);
  if (options.threshold !== undefined) {
    const t = options.threshold;
    if (typeof t !== 'number' || Number.isNaN(t) || t < 0)
      throw new RangeError(`setPrintOptions: threshold must be a number >= 0 (or Infinity), got ${String(t)}`);
    next.threshold = t;
  }
  if (options.edgeItems !== undefined) next.edgeItems = checkInt('edgeItems', options.edgeItems, 1, 1e6);
  if (options.lineWidth !== undefined) next.lineWidth = checkInt('lineWidth', options.lineWidth, 1, 1e6);
  const sci = options.sciMode;
  if (sci !== undefined && sci !== null && typeof sci !== 'boolean')
    throw new TypeError(`setPrintOptions: sciMode must be true, false or null, got ${String(sci)}`);
  next.sciMode = sci ?? null;
  Object.assign(current, next);
}

/** A copy of the options tensors print with now. */
export function getPrintOptions(): PrintOptions {
  return { ...current };
}

// ---- exact decimal formatting (Python's '{:.Nf}' and '{:.Ne}') ----

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** |x| = mant * 2^exp exactly, for finite x. */
function decompose(x: number): { mant: bigint; exp: number } {
  f64[0] = x;
  const lo = u32[0],
    hi = u32[1];
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant, exp: -1074 };
  mant |= 1n << 52n;
  return { mant, exp: biased - 1075 };
}

/** num/den rounded to an integer, ties to even. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num - q * den);
  if (twice > den || (twice === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** |x| * 10^p as num/den. */
function scaled(x: number, p: number): [bigint, bigint] {
  const { mant, exp } = decompose(x);
  let num = mant,
    den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (p >= 0) num *= 10n ** BigInt(p);
  else den *= 10n ** BigInt(-p);
  return [num, den];
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** Python's '{:.<p>f}'.format(x). */
export function formatFixed(x: number, p: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const [num, den] = scaled(x, p);
  const digits = roundHalfEven(num, den)
    .toString()
    .padStart(p + 1, '0');
  const body = p > 0 ? `${digits.slice(0, digits.length - p)}.${digits.slice(digits.length - p)}` : digits;
  return (isNegative(x) ? '-' : '') + body;
}

/** Python's '{:.<p>e}'.format(x). */
export function formatSci(x: number, p: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  let e = 0;
  let n = 0n;
  if (x !== 0) {
    e = Math.floor(Math.log10(Math.abs(x)));
    const lo = 10n ** BigInt(p),
      hi = lo * 10n;
    for (;;) {
      const [num, den] = scaled(x, p - e);
      n = roundHalfEven(num, den);
      if (n >= hi) e++;
      else if (n < lo) e--;
      else break;
    }
  }
  const digits = n.toString().padStart(p + 1, '0');
  const mantissa = p > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expStr = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${isNegative(x) ? '-' : ''}${mantissa}e${expStr}`;
}

// ---- PyTorch's _Formatter ----

interface Formatter {
  readonly width: number;
  format(v: number): string;
}

function makeFormatter(values: ArrayLike<number>, isFloat: boolean, opts: PrintOptions): Formatter {
  const p = opts.precision;
  let maxWidth = 1;
  let intMode = true;
  let sciMode = false;
  const pad = (s: string): string => (s.length < maxWidth ? ' '.repeat(maxWidth - s.length) + s : s);
  const format = (v: number): string => {
    if (!isFloat) return pad(String(v));
    if (sciMode) return pad(formatSci(v, p));
    if (intMode) return pad(formatFixed(v, 0) + (Number.isFinite(v) ? '.' : ''));
    return pad(formatFixed(v, p));
  };
  const formatter = {
    get width() {
      return maxWidth;
    },
    format,
  };
  if (!isFloat) {
    for (let i = 0; i < values.length; i++) maxWidth = Math.max(maxWidth, String(values[i]).length);
    return formatter;
  }
  const vals: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v !== 0) vals.push(v);
  }
  if (vals.length === 0) return formatter; // as PyTorch: sciMode option not applied here
  let min = Infinity,
    max = 0;
  for (const v of vals) {
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
    if (intMode && v !== Math.ceil(v)) intMode = false;
  }
  const width = (f: (v: number) => string, extra = 0): void => {
    for (const v of vals) maxWidth = Math.max(maxWidth, f(v).length + extra);
  };
  if (intMode) {
    if (max / min > 1000 || max > 1e8) {
      sciMode = true;
      width((v) => formatSci(v, p));
    } else width((v) => formatFixed(v, 0), 1);
  } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
    sciMode = true;
    width((v) => formatSci(v, p));
  } else width((v) => formatFixed(v, p));
  if (opts.sciMode !== null) sciMode = opts.sciMode;
  return formatter;
}

// ---- layout ----

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** The indices shown along a dim of length n: all, or the first and last edgeItems. */
function shownIndices(n: number, summarize: boolean, edge: number): { head: number[]; tail: number[] } {
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
  if (summarize && n > 2 * edge) return { head: range(0, edge), tail: range(n - edge, n) };
  return { head: range(0, n), tail: [] };
}

/** The values a summarised print shows (PyTorch's get_summarized_data), for the formatter. */
function shownValues(data: TensorData, shape: readonly number[], summarize: boolean, edge: number): ArrayLike<number> {
  if (!summarize) return data;
  const strides = stridesOf(shape);
  const out: number[] = [];
  const walk = (dim: number, off: number): void => {
    if (dim === shape.length) {
      out.push(data[off]);
      return;
    }
    const { head, tail } = shownIndices(shape[dim], true, edge);
    for (const i of [...head, ...tail]) walk(dim + 1, off + i * strides[dim]);
  };
  walk(0, 0);
  return out;
}

function body(t: PrintableTensor, indent: number, opts: PrintOptions): string {
  const { data, shape } = t;
  const summarize = data.length > opts.threshold;
  const edge = opts.edgeItems;
  const fmt = makeFormatter(shownValues(data, shape, summarize, edge), t.dtype === 'float32', opts);
  if (shape.length === 0) return fmt.format(data[0]);
  const strides = stridesOf(shape);

  const vector = (off: number, ind: number): string => {
    const n = shape[shape.length - 1];
    const perLine = Math.max(1, Math.floor((opts.lineWidth - ind) / (fmt.width + 2)));
    const { head, tail } = shownIndices(n, summarize, edge);
    const items = head.map((i) => fmt.format(data[off + i]));
    if (tail.length > 0) items.push(' ...', ...tail.map((i) => fmt.format(data[off + i])));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(ind + 1)}`)}]`;
  };

  const nested = (dim: number, off: number, ind: number): string => {
    if (dim === shape.length - 1) return vector(off, ind);
    const { head, tail } = shownIndices(shape[dim], summarize, edge);
    const parts = head.map((i) => nested(dim + 1, off + i * strides[dim], ind + 1));
    if (tail.length > 0) parts.push('...', ...tail.map((i) => nested(dim + 1, off + i * strides[dim], ind + 1)));
    const sep = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(ind + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  return nested(0, 0, indent);
}

/** `mul` -> `MulBackward`, `leakyRelu` -> `LeakyReluBackward`. */
function gradFnName(op: string): string {
  return `${op.charAt(0).toUpperCase()}${op.slice(1)}Backward`;
}

/** PyTorch's _add_suffixes: each suffix after ", " or, past lineWidth, on a new line. */
function addSuffixes(str: string, suffixes: readonly string[], indent: number, lineWidth: number): string {
  const parts = [str];
  let lastLineLen = str.length - str.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > lineWidth) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      lastLineLen = indent + s.length;
    } else {
      parts.push(`, ${s}`);
      lastLineLen += s.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** The tensor as PyTorch prints it, e.g. `tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])`. */
export function formatTensor(t: PrintableTensor, options: Partial<PrintOptions> = {}): string {
  const opts: PrintOptions = { ...current, ...options };
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let str: string;
  if (t.data.length === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(', ')})`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
    str = '[]';
  } else str = body(t, indent, opts);
  if (t.gradFn !== null) suffixes.push(`grad_fn=<${gradFnName(t.gradFn.name)}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + str, suffixes, indent, opts.lineWidth);
}
