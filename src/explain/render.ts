/**
 * Text rendering of explain traces for a terminal: aligned grids, one line per window or
 * equation with its products and sum, and the value convkit's op produced beside it.
 */
import { num, term } from './format-number.js';
import type { ConvTrace, ConvTransposeTrace, EquationTrace, Grid, PoolTrace, Trace } from './types.js';

/** Close enough for a float32 op against a double-precision hand sum. */
export const TRACE_TOLERANCE = 1e-4;

const close = (a: number, b: number): boolean =>
  Math.abs(a - b) <= TRACE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/** A grid with right-aligned columns, indented. */
export function renderGrid(g: Grid, indent = '    '): string {
  const cells = g.map((row) => row.map((v) => num(v)));
  const width = Math.max(...cells.flat().map((s) => s.length));
  return cells.map((row) => indent + row.map((s) => s.padStart(width)).join('  ')).join('\n');
}

const idx = (p: readonly number[]): string => `[${p.join(',')}]`;
const shape = (g: Grid, oneD: boolean): string => (oneD ? `${g[0].length}` : `${g.length}x${g[0].length}`);

/** The sum line of one conv window: "y[2,1] = 0*1 + 2*(-1) + ... = -6". */
export function convWindowLine(t: ConvTrace, i: number): string {
  const w = t.windows[i];
  const terms = w.terms.map((x) => `${term(x.input)}*${term(x.weight)}`);
  if (w.bias !== 0) terms.push(term(w.bias));
  const mark = close(w.sum, w.value) ? '' : `   (op gives ${num(w.value)})`;
  return `y${idx(w.out)} = ${terms.join(' + ')} = ${num(w.sum)}${mark}`;
}

function renderConv(t: ConvTrace): string {
  const oneD = t.kind === 'conv1d';
  const rows = oneD ? (g: Grid) => `    ${g[0].map((v) => num(v)).join('  ')}` : (g: Grid) => renderGrid(g);
  const out: string[] = [];
  out.push(
    `${t.kind}, ${t.operation}: stride ${t.stride.join('x')}, padding ${t.padding.join('x')}, dilation ${t.dilation.join('x')}${t.bias !== 0 ? `, bias ${num(t.bias)}` : ''}`,
  );
  out.push(`  input (${shape(t.input, oneD)}):`, rows(t.input));
  out.push(`  kernel (${shape(t.kernel, oneD)}):`, rows(t.kernel));
  if (t.operation === 'convolution')
    out.push(
      `  kernel flipped${oneD ? '' : ' (rows and columns reversed)'}, as slid by true convolution:`,
      rows(t.applied),
    );
  out.push(
    `  each output is the sum of input x kernel over its window (window origin = output index * stride - padding${t.padding.some((p) => p > 0) ? '; cells outside the input are zero padding' : ''}):`,
  );
  t.windows.forEach((_, i) => out.push(`    ${convWindowLine(t, i)}`));
  out.push(`  output (${t.outShape.join('x')}) = ${t.op}:`, rows(t.output));
  out.push(`  ${agreement(t.windows.map((w) => [w.sum, w.value]))}`);
  return out.join('\n');
}

function agreement(pairs: [number, number][]): string {
  const diff = Math.max(0, ...pairs.map(([a, b]) => Math.abs(a - b)));
  const ok = pairs.every(([a, b]) => close(a, b));
  return ok
    ? `every hand sum equals the op's output (largest difference ${diff.toExponential(1)})`
    : `MISMATCH: a hand sum differs from the op's output by ${num(diff)}`;
}

function renderTranspose(t: ConvTransposeTrace): string {
  const out = [
    `convTranspose2d: stride ${t.stride.join('x')}, padding ${t.padding.join('x')}, outputPadding ${t.outputPadding.join('x')}, dilation ${t.dilation.join('x')}`,
    `  input (${shape(t.input, false)}):`,
    renderGrid(t.input),
    `  kernel (${shape(t.kernel, false)}):`,
    renderGrid(t.kernel),
    '  input cell x[i,j] adds x[i,j] * kernel at output rows i*stride - padding + a*dilation (columns alike); each output cell sums what lands on it:',
  ];
  for (const c of t.cells) {
    const terms = c.terms.map((x) => `${term(x.input)}*${term(x.weight)}`).join(' + ') || '0';
    const from = c.terms.map((x) => `x${idx(x.from)}w${idx(x.tap)}`).join(' ');
    out.push(`    y${idx(c.out)} = ${terms} = ${num(c.sum)}${from ? `   (${from})` : ''}`);
  }
  out.push(`  output (${t.outShape.join('x')}) = ${t.op}:`, renderGrid(t.output));
  out.push(`  ${agreement(t.cells.map((c) => [c.sum, c.value]))}`);
  return out.join('\n');
}

function renderPool(t: PoolTrace): string {
  const max = t.kind === 'maxPool2d';
  const out = [
    `${t.kind}: window ${t.kernelSize.join('x')}, stride ${t.stride.join('x')}`,
    `  input (${shape(t.input, false)}):`,
    renderGrid(t.input),
  ];
  const w = t.input[0].length;
  for (const win of t.windows) {
    const vals = win.cells.map((c) => num(c.value)).join(', ');
    if (max) {
      const at = win.argmax ?? [0, 0];
      out.push(
        `    y${idx(win.out)} = max(${vals}) = ${num(win.result)} at x${idx(at)} (flat index ${at[0] * w + at[1]}; op index ${String(win.index)})`,
      );
    } else
      out.push(
        `    y${idx(win.out)} = (${win.cells.map((c) => term(c.value)).join(' + ')}) / ${win.cells.length} = ${num(win.result)}`,
      );
  }
  out.push(`  output (${t.outShape.join('x')}) = ${t.op}:`, renderGrid(t.output));
  const pairs: [number, number][] = t.windows.map((x) => [x.result, x.value]);
  if (max)
    pairs.push(
      ...t.windows.map((x): [number, number] => [
        (x.argmax?.[0] ?? 0) * w + (x.argmax?.[1] ?? 0),
        x.index ?? Number.NaN,
      ]),
    );
  out.push(`  ${agreement(pairs)}${max ? '; the backward pass sends each output gradient to its argmax only' : ''}`);
  return out.join('\n');
}

const val = (v: number | number[]): string => (Array.isArray(v) ? `[${v.map((x) => num(x)).join(', ')}]` : num(v));

function renderEquations(t: EquationTrace): string {
  const width = Math.max(...t.steps.map((s) => s.name.length));
  const out = [t.title];
  for (const s of t.steps) {
    out.push(`  ${s.name.padEnd(width)} = ${s.formula}`);
    const op = s.fromOp === undefined ? '' : `   [${s.op ?? 'op'}: ${val(s.fromOp)}]`;
    out.push(`  ${' '.repeat(width)} = ${s.filled} = ${val(s.value)}${op}`);
  }
  const pairs: [number, number][] = [];
  for (const s of t.steps)
    if (s.fromOp !== undefined) {
      const a = Array.isArray(s.value) ? s.value : [s.value],
        b = Array.isArray(s.fromOp) ? s.fromOp : [s.fromOp];
      a.forEach((x, i) => pairs.push([x, b[i] ?? Number.NaN]));
    }
  if (pairs.length > 0) out.push(`  ${agreement(pairs)}`);
  return out.join('\n');
}

/** Renders any trace as aligned text. */
export function renderTrace(t: Trace): string {
  switch (t.kind) {
    case 'conv1d':
    case 'conv2d':
      return renderConv(t);
    case 'convTranspose2d':
      return renderTranspose(t);
    case 'maxPool2d':
    case 'avgPool2d':
      return renderPool(t);
    case 'equations':
      return renderEquations(t);
  }
}
