/**
 * "Convolution, explained": the sliding window of conv1d/conv2d (cross-correlation or true
 * convolution), transposed convolution and max/avg pooling, animated one output at a time with
 * the products and the sum written out next to the value convkit's own op returned; stride,
 * padding (valid/same/full or a number), dilation as controls; and every worked example of the
 * five lectures, with the note's printed value beside the right one where they differ. The
 * numbers come from `explain.*Trace`, which runs F.conv2d & co. (src/explain).
 */
import { explain } from 'convkit';
import { el, errorBox, field, fmt, message, numberInput, parseGrid, select, type Page } from '../ui.js';

type Trace = explain.Trace;
type LectureExample = explain.LectureExample;
type OpKind = 'conv2d' | 'convolution2d' | 'conv1d' | 'convTranspose2d' | 'maxPool2d' | 'avgPool2d';

const OPS: readonly (readonly [OpKind, string])[] = [
  ['conv2d', 'conv2d: cross-correlation (what conv layers compute)'],
  ['convolution2d', 'true convolution (kernel flipped)'],
  ['conv1d', 'conv1d (a signal)'],
  ['convTranspose2d', 'transposed convolution'],
  ['maxPool2d', 'max pooling'],
  ['avgPool2d', 'average pooling'],
];

const DEFAULT_INPUT = '1 2 0 3 1\n0 1 2 1 0\n3 1 0 2 2\n1 0 2 1 3\n2 1 1 0 1';
const DEFAULT_KERNEL = '1 0 -1\n1 0 -1\n1 0 -1';
const DEFAULT_SIGNAL = '1 2 3 4 5 6 7';
const DEFAULT_KERNEL_1D = '1 0 -1';
const DEFAULT_EXAMPLE = 'seed004.conv2d-5x5';

/** Number of animation steps of a trace. */
function stepCount(t: Trace): number {
  switch (t.kind) {
    case 'conv1d':
    case 'conv2d':
    case 'maxPool2d':
    case 'avgPool2d':
      return t.windows.length;
    case 'convTranspose2d':
      return t.cells.length;
    case 'equations':
      return t.steps.length;
  }
}

/** 2-D coordinates of a 1-D or 2-D index. */
const rc = (at: readonly number[]): [number, number] => (at.length === 1 ? [0, at[0]] : [at[0], at[1]]);
const key = (r: number, c: number): string => `${r},${c}`;

/** A titled grid of cells; `cell(r, c)` gives text and classes; rows/cols may start below 0 (padding). */
function gridPanel(
  title: string,
  testid: string,
  rows: [number, number],
  cols: [number, number],
  cell: (r: number, c: number) => { text: string; cls: string[]; tap?: string },
): HTMLElement {
  const n = cols[1] - cols[0];
  const g = el('div', { class: 'grid', role: 'table', 'aria-label': title, 'data-testid': testid });
  g.style.gridTemplateColumns = `repeat(${n}, var(--cell))`;
  for (let r = rows[0]; r < rows[1]; r++) {
    const row = el('div', { class: 'grid-row', role: 'row' });
    for (let c = cols[0]; c < cols[1]; c++) {
      const { text, cls, tap } = cell(r, c);
      const d = el('div', { class: ['cell', ...cls].join(' '), role: 'cell', 'data-r': r, 'data-c': c }, text);
      if (tap !== undefined) d.append(el('span', { class: 'tap', text: tap }));
      row.append(d);
    }
    g.append(row);
  }
  return el('figure', { class: 'panel' }, el('figcaption', { text: title }), g);
}

/** The slip of an example at an output position of this trace, when its right value is this window's sum. */
function slipAt(ex: LectureExample | null, out: readonly number[], sum: number): explain.LectureSlip | null {
  if (!ex) return null;
  const where = `y[${out.join(',')}]`;
  for (const s of ex.slips) {
    if (s.where.replace(/\s/g, '') !== where) continue;
    if (typeof s.right === 'number' && Math.abs(s.right - sum) < 1e-6 * Math.max(1, Math.abs(sum))) return s;
  }
  return null;
}

const term = (v: number): string => (v < 0 ? `(${fmt(v)})` : fmt(v));

/** Renders the stage (grids) and the equation line of step i of a trace. */
function renderStep(
  t: Trace,
  i: number,
  ex: LectureExample | null,
): { stage: HTMLElement; equation: HTMLElement; slip: explain.LectureSlip | null } {
  const stage = el('div', { class: 'stage' });
  const equation = el('div', { class: 'equation', 'data-testid': 'equation', 'aria-live': 'polite' });
  let slip: explain.LectureSlip | null = null;
  if (t.kind === 'conv1d' || t.kind === 'conv2d') {
    const w = t.windows[i];
    const [ph, pw] = t.kind === 'conv1d' ? [0, t.padding[t.padding.length - 1]] : [t.padding[0], t.padding[1]];
    const h = t.input.length,
      wd = t.input[0].length;
    const inWin = new Map<string, explain.ConvTerm>();
    for (const tm of w.terms) {
      const [r, c] = rc(tm.at);
      inWin.set(key(r, c), tm);
    }
    stage.append(
      gridPanel(
        `input ${h}x${wd}${ph || pw ? `, zero padding ${t.kind === 'conv1d' ? pw : `${ph}x${pw}`}` : ''}`,
        'input-grid',
        [-ph, h + ph],
        [-pw, wd + pw],
        (r, c) => {
          const pad = r < 0 || c < 0 || r >= h || c >= wd;
          const tm = inWin.get(key(r, c));
          const cls = [pad ? 'pad' : '', tm ? 'win' : ''].filter(Boolean);
          return { text: pad ? '0' : fmt(t.input[r][c]), cls, tap: tm ? `×${fmt(tm.weight)}` : undefined };
        },
      ),
    );
    const kh = t.applied.length,
      kw = t.applied[0].length;
    stage.append(
      gridPanel(
        t.operation === 'convolution' ? 'kernel, flipped (true convolution)' : 'kernel',
        'kernel-grid',
        [0, kh],
        [0, kw],
        (r, c) => ({ text: fmt(t.applied[r][c]), cls: ['kernel'] }),
      ),
    );
    const [oh, ow] = t.outShape.length === 1 ? [1, t.outShape[0]] : [t.outShape[0], t.outShape[1]];
    const [ci, cj] = rc(w.out);
    stage.append(
      gridPanel(`output ${t.kind === 'conv1d' ? ow : `${oh}x${ow}`}`, 'output-grid', [0, oh], [0, ow], (r, c) => {
        const idx = r * ow + c;
        const cur = r === ci && c === cj;
        return {
          text: idx <= i ? fmt(t.output[r][c]) : '',
          cls: [cur ? 'current' : '', idx < i ? 'done' : ''].filter(Boolean),
        };
      }),
    );
    const products = w.terms.map((tm) => `${term(tm.input)}×${term(tm.weight)}`).join(' + ');
    const bias = t.bias !== 0 ? ` + ${term(t.bias)}` : '';
    slip = slipAt(ex, w.out, w.sum);
    equation.append(
      el('span', { class: 'lhs', text: `y[${w.out.join(',')}] = ` }),
      el('span', { class: 'products', text: `${products}${bias} = ` }),
      el('b', { 'data-testid': 'window-sum', 'data-value': w.sum, text: fmt(w.sum) }),
      el(
        'span',
        { class: 'op' },
        '  ·  ',
        el('code', { text: t.op.split('(')[0] }),
        ' gives ',
        el('b', { 'data-testid': 'op-value', 'data-value': w.value, text: fmt(w.value) }),
      ),
    );
  } else if (t.kind === 'maxPool2d' || t.kind === 'avgPool2d') {
    const w = t.windows[i];
    const h = t.input.length,
      wd = t.input[0].length;
    const inWin = new Set(w.cells.map((c) => key(c.at[0], c.at[1])));
    const am = w.argmax ? key(w.argmax[0], w.argmax[1]) : null;
    stage.append(
      gridPanel(`input ${h}x${wd}`, 'input-grid', [0, h], [0, wd], (r, c) => ({
        text: fmt(t.input[r][c]),
        cls: [inWin.has(key(r, c)) ? 'win' : '', am === key(r, c) ? 'argmax' : ''].filter(Boolean),
      })),
    );
    const [oh, ow] = [t.outShape[0], t.outShape[1]];
    stage.append(
      gridPanel(`output ${oh}x${ow}`, 'output-grid', [0, oh], [0, ow], (r, c) => {
        const idx = r * ow + c;
        return {
          text: idx <= i ? fmt(t.output[r][c]) : '',
          cls: [r === w.out[0] && c === w.out[1] ? 'current' : '', idx < i ? 'done' : ''].filter(Boolean),
        };
      }),
    );
    const vals = w.cells.map((c) => fmt(c.value)).join(', ');
    const rhs =
      t.kind === 'maxPool2d'
        ? `max(${vals}) = `
        : `(${w.cells.map((c) => term(c.value)).join(' + ')}) / ${w.cells.length} = `;
    equation.append(
      el('span', { class: 'lhs', text: `y[${w.out.join(',')}] = ` }),
      el('span', { class: 'products', text: rhs }),
      el('b', { 'data-testid': 'window-sum', 'data-value': w.result, text: fmt(w.result) }),
      w.argmax
        ? el('span', { class: 'note', text: `  (argmax at [${w.argmax.join(',')}]: the gradient goes there)` })
        : '',
      el(
        'span',
        { class: 'op' },
        '  ·  ',
        el('code', { text: t.op.split('(')[0] }),
        ' gives ',
        el('b', { 'data-testid': 'op-value', 'data-value': w.value, text: fmt(w.value) }),
      ),
    );
    slip = slipAt(ex, w.out, w.result);
  } else if (t.kind === 'convTranspose2d') {
    const cell = t.cells[i];
    const h = t.input.length,
      wd = t.input[0].length;
    const from = new Map(cell.terms.map((tm) => [key(tm.from[0], tm.from[1]), tm]));
    const taps = new Set(cell.terms.map((tm) => key(tm.tap[0], tm.tap[1])));
    stage.append(
      gridPanel(`input ${h}x${wd}`, 'input-grid', [0, h], [0, wd], (r, c) => {
        const tm = from.get(key(r, c));
        return { text: fmt(t.input[r][c]), cls: tm ? ['win'] : [], tap: tm ? `×${fmt(tm.weight)}` : undefined };
      }),
      gridPanel('kernel', 'kernel-grid', [0, t.kernel.length], [0, t.kernel[0].length], (r, c) => ({
        text: fmt(t.kernel[r][c]),
        cls: ['kernel', taps.has(key(r, c)) ? 'win' : ''].filter(Boolean),
      })),
    );
    const [oh, ow] = [t.outShape[0], t.outShape[1]];
    stage.append(
      gridPanel(`output ${oh}x${ow}`, 'output-grid', [0, oh], [0, ow], (r, c) => {
        const idx = r * ow + c;
        return {
          text: idx <= i ? fmt(t.output[r][c]) : '',
          cls: [r === cell.out[0] && c === cell.out[1] ? 'current' : '', idx < i ? 'done' : ''].filter(Boolean),
        };
      }),
    );
    const products =
      cell.terms.length === 0
        ? '0 (no input reaches this cell)'
        : cell.terms.map((tm) => `${term(tm.input)}×${term(tm.weight)}`).join(' + ');
    equation.append(
      el('span', { class: 'lhs', text: `y[${cell.out.join(',')}] = ` }),
      el('span', { class: 'products', text: `${products} = ` }),
      el('b', { 'data-testid': 'window-sum', 'data-value': cell.sum, text: fmt(cell.sum) }),
      el(
        'span',
        { class: 'op' },
        '  ·  ',
        el('code', { text: 'F.convTranspose2d' }),
        ' gives ',
        el('b', { 'data-testid': 'op-value', 'data-value': cell.value, text: fmt(cell.value) }),
      ),
    );
    slip = slipAt(ex, cell.out, cell.sum);
  } else if (t.kind === 'equations') {
    const table = el('table', { class: 'steps', 'data-testid': 'equation-steps' });
    table.append(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['quantity', 'formula', 'filled in', 'value', 'convkit op'].map((h) =>
            el('th', { scope: 'col', text: h }),
          ),
        ),
      ),
    );
    const body = el('tbody');
    const show = (v: number | number[] | undefined): string =>
      v === undefined ? '' : Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : fmt(v);
    t.steps.forEach((s, k) => {
      const tr = el(
        'tr',
        { class: k === i ? 'current' : k < i ? 'done' : 'later' },
        el('th', { scope: 'row', text: s.name }),
        el('td', {}, el('code', { text: s.formula })),
        el('td', { text: k <= i ? s.filled : '' }),
        el('td', { text: k <= i ? show(s.value) : '' }),
        el('td', { text: k <= i && s.fromOp !== undefined ? `${show(s.fromOp)}${s.op ? ` (${s.op})` : ''}` : '' }),
      );
      body.append(tr);
    });
    table.append(body);
    stage.append(el('figure', { class: 'panel wide' }, el('figcaption', { text: t.title }), table));
    const s = t.steps[i];
    const v = Array.isArray(s.value) ? s.value.map(fmt).join(', ') : fmt(s.value);
    equation.append(
      el('span', { class: 'lhs', text: `${s.name} = ` }),
      el('span', { class: 'products', text: `${s.filled} = ` }),
      el('b', {
        'data-testid': 'window-sum',
        'data-value': Array.isArray(s.value) ? s.value.join(',') : s.value,
        text: v,
      }),
    );
  }
  return { stage, equation, slip };
}

/** Builds the trace of the custom controls (throws the explain op's error for impossible settings). */
function customTrace(
  op: OpKind,
  inputText: string,
  kernelText: string,
  stride: number,
  padding: string,
  dilation: number,
  bias: number,
): Trace {
  const x = parseGrid(inputText, 'input');
  const pad = padding === 'valid' || padding === 'same' || padding === 'full' ? padding : Number(padding);
  switch (op) {
    case 'conv1d': {
      if (x.length !== 1) throw new RangeError('conv1d: the signal is one row of numbers');
      const k = parseGrid(kernelText, 'kernel');
      if (k.length !== 1) throw new RangeError('conv1d: the kernel is one row of numbers');
      return explain.conv1dTrace(x[0], k[0], { stride, padding: pad, dilation, bias });
    }
    case 'conv2d':
    case 'convolution2d':
      return explain.conv2dTrace(x, parseGrid(kernelText, 'kernel'), {
        stride,
        padding: pad,
        dilation,
        bias,
        flip: op === 'convolution2d',
      });
    case 'convTranspose2d': {
      if (typeof pad !== 'number')
        throw new RangeError(`transposed convolution: padding is a number here, not '${pad}'`);
      return explain.convTranspose2dTrace(x, parseGrid(kernelText, 'kernel'), { stride, padding: pad, dilation });
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const k = Math.max(1, Math.round(Number(kernelText.trim().split(/\s+/)[0]) || 2));
      const fn = op === 'maxPool2d' ? explain.maxPool2dTrace : explain.avgPool2dTrace;
      return fn(x, { kernelSize: k, stride });
    }
  }
}

/** The page. */
export const convolutionPage: Page = {
  id: 'convolution',
  title: 'Convolution, explained',
  blurb:
    'The sliding window step by step: products and sums, stride, padding, dilation, true convolution vs correlation, transposed convolution, pooling, and every worked example of the lectures.',
  render(root, params) {
    root.append(
      el('h1', { text: 'Convolution, explained' }),
      el(
        'p',
        { class: 'lead' },
        'Each output is the sum of the products of a window of the input with the kernel. Step through the windows, or pick a worked example from the lectures: where a note printed a different number, both are shown.',
      ),
    );
    const examples = explain.listLectureExamples();
    const byLecture = new Map<string, [string, string][]>();
    for (const e of examples) {
      const list = byLecture.get(e.lecture) ?? [];
      list.push([e.id, `${e.id}: ${e.title}${e.slips ? ` (${e.slips} slip${e.slips > 1 ? 's' : ''})` : ''}`]);
      byLecture.set(e.lecture, list);
    }
    const exampleSel = select(
      [
        ['Your own', [['custom', 'your own input and kernel']]],
        ...[...byLecture].map(([l, list]) => [`Lecture ${l}`, list] as const),
      ],
      undefined,
      { 'data-testid': 'example' },
    );
    const wanted = params.get('example') ?? DEFAULT_EXAMPLE;
    exampleSel.value = examples.some((e) => e.id === wanted)
      ? wanted
      : wanted === 'custom'
        ? 'custom'
        : DEFAULT_EXAMPLE;
    const traceSel = select([], undefined, { 'data-testid': 'trace' });
    const traceField = field('Trace', traceSel);

    const opSel = select(OPS, 'conv2d', { 'data-testid': 'op' });
    const inputArea = el('textarea', { rows: 6, cols: 22, spellcheck: 'false', 'data-testid': 'input-text' });
    inputArea.value = DEFAULT_INPUT;
    const kernelArea = el('textarea', { rows: 3, cols: 14, spellcheck: 'false', 'data-testid': 'kernel-text' });
    kernelArea.value = DEFAULT_KERNEL;
    const strideIn = numberInput(1, 1, 4, { 'data-testid': 'stride' });
    const padSel = select(
      [
        ['valid', 'valid (0)'],
        ['same', 'same'],
        ['full', 'full (k-1)'],
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
      ],
      'valid',
      { 'data-testid': 'padding' },
    );
    const dilationIn = numberInput(1, 1, 4, { 'data-testid': 'dilation' });
    const biasIn = el('input', { type: 'number', value: 0, step: 'any', 'data-testid': 'bias' });
    const kernelLabel = el('span', { text: 'Kernel' });
    const customBox = el(
      'fieldset',
      { class: 'custom' },
      el('legend', { text: 'Your own' }),
      field('Operation', opSel),
      field('Input (rows on lines)', inputArea),
      el('div', { class: 'field' }, el('label', { for: 'conv-kernel' }, kernelLabel), kernelArea),
      el(
        'div',
        { class: 'row' },
        field('Stride', strideIn),
        field('Padding', padSel),
        field('Dilation', dilationIn),
        field('Bias', biasIn),
      ),
    );
    kernelArea.id = 'conv-kernel';
    const errors = errorBox();
    const info = el('div', { class: 'example-info', 'data-testid': 'example-info' });
    const slipsBox = el('section', { class: 'slips', 'aria-label': "The note's slips", 'data-testid': 'slips' });
    const slipBadge = el('div', { class: 'slip-badge', 'data-testid': 'slip-here', hidden: true });

    const stageHost = el('div', { class: 'stage-host' });
    const eqHost = el('div', { class: 'eq-host' });
    const range = el('input', {
      type: 'range',
      min: 0,
      max: 0,
      value: 0,
      'aria-label': 'Step',
      'data-testid': 'step-range',
    });
    const counter = el('span', { class: 'counter', 'data-testid': 'step-counter', 'aria-live': 'polite' });
    const btn = (label: string, testid: string, text: string): HTMLButtonElement =>
      el('button', { type: 'button', 'aria-label': label, 'data-testid': testid, text });
    const first = btn('First step', 'first', '|◀');
    const prev = btn('Previous step', 'prev', '◀');
    const play = btn('Play', 'play', '▶ play');
    const next = btn('Next step', 'next', '▶');
    const last = btn('Last step', 'last', '▶|');
    const speed = select(
      [
        ['1200', 'slow'],
        ['600', 'normal'],
        ['200', 'fast'],
      ],
      '600',
      { 'aria-label': 'Speed' },
    );
    const player = el(
      'div',
      { class: 'player', role: 'group', 'aria-label': 'Animation' },
      first,
      prev,
      play,
      next,
      last,
      range,
      counter,
      speed,
    );

    root.append(
      el(
        'div',
        { class: 'conv-layout' },
        el('div', { class: 'controls' }, field('Example', exampleSel), traceField, customBox, info),
        el('div', { class: 'view' }, errors.node, stageHost, eqHost, slipBadge, player, slipsBox),
      ),
    );

    let ex: LectureExample | null = null;
    let trace: Trace | null = null;
    let step = 0;
    let timer: ReturnType<typeof setInterval> | null = null;

    const stop = (): void => {
      if (timer !== null) clearInterval(timer);
      timer = null;
      play.textContent = '▶ play';
      play.setAttribute('aria-label', 'Play');
    };

    const draw = (): void => {
      if (!trace) {
        stageHost.replaceChildren();
        eqHost.replaceChildren();
        slipBadge.hidden = true;
        counter.textContent = '';
        return;
      }
      const n = stepCount(trace);
      step = Math.min(Math.max(step, 0), n - 1);
      const { stage, equation, slip } = renderStep(trace, step, ex);
      stageHost.replaceChildren(stage);
      eqHost.replaceChildren(equation);
      range.max = String(n - 1);
      range.value = String(step);
      counter.textContent = `step ${step + 1} of ${n}`;
      if (slip) {
        slipBadge.hidden = false;
        slipBadge.replaceChildren(
          el('strong', { text: 'The note prints ' }),
          el('b', { 'data-testid': 'slip-printed', text: String(slip.printed) }),
          el('strong', { text: ' here; the sum is ' }),
          el('b', { 'data-testid': 'slip-right', text: String(slip.right) }),
          el('span', { text: '.' }),
        );
      } else slipBadge.hidden = true;
    };

    const renderSlips = (): void => {
      slipsBox.replaceChildren();
      if (!ex) return;
      if (ex.slips.length === 0) {
        slipsBox.append(el('p', { class: 'ok', text: "The note's printed values agree with convkit's." }));
        return;
      }
      slipsBox.append(
        el('h2', { text: ex.slips.length === 1 ? 'A slip in the note' : `${ex.slips.length} slips in the note` }),
      );
      for (const s of ex.slips) {
        const item = el(
          'div',
          { class: 'slip', 'data-testid': 'slip' },
          el(
            'p',
            {},
            el('strong', { text: s.where }),
            ': the note prints ',
            el('b', { class: 'printed', text: JSON.stringify(s.printed) }),
            '; the right value is ',
            el('b', { class: 'right', text: JSON.stringify(s.right) }),
            '.',
          ),
          el('p', { class: 'step', text: s.step }),
        );
        const m = /^y\[(\d+)(?:,\s*(\d+))?\]$/.exec(s.where.trim());
        if (m && trace && trace.kind !== 'equations') {
          const target = m[2] === undefined ? [Number(m[1])] : [Number(m[1]), Number(m[2])];
          const idx =
            trace.kind === 'convTranspose2d'
              ? trace.cells.findIndex((c) => c.out.join() === target.join())
              : trace.windows.findIndex((w) => w.out.join() === target.join());
          if (idx >= 0) {
            const go = el('button', {
              type: 'button',
              'data-testid': 'goto-slip',
              text: `show the window of ${s.where}`,
            });
            go.addEventListener('click', () => {
              stop();
              step = idx;
              draw();
            });
            item.append(go);
          }
        }
        slipsBox.append(item);
      }
    };

    const load = (): void => {
      stop();
      errors.show(null);
      const id = exampleSel.value;
      const custom = id === 'custom';
      customBox.hidden = !custom;
      traceField.hidden = custom;
      try {
        if (custom) {
          ex = null;
          const op = opSel.value as OpKind;
          kernelLabel.textContent = op === 'maxPool2d' || op === 'avgPool2d' ? 'Window size' : 'Kernel';
          trace = customTrace(
            op,
            inputArea.value,
            kernelArea.value,
            Number(strideIn.value),
            padSel.value,
            Number(dilationIn.value),
            Number(biasIn.value) || 0,
          );
          info.replaceChildren(
            el('p', { class: 'hint', text: 'Edit the numbers; the trace follows. Arrow keys step, space plays.' }),
          );
        } else {
          ex = explain.lectureExample(id);
          const options = ex.traces.map(
            (t, k) => [String(k), `${k + 1}. ${t.kind === 'equations' ? t.title : t.kind}`] as const,
          );
          traceSel.replaceChildren(...options.map(([v, t]) => el('option', { value: v, text: t })));
          trace = ex.traces[0];
          info.replaceChildren(
            el('h2', { text: ex.title }),
            el('p', { class: 'source', text: `Lecture ${ex.lecture}, "${ex.section}"` }),
            ...ex.notes.map((n) => el('p', { class: 'note', text: n })),
          );
        }
        history.replaceState(null, '', `#/convolution?example=${encodeURIComponent(id)}`);
      } catch (e) {
        trace = null;
        errors.show(message(e));
      }
      step = 0;
      renderSlips();
      draw();
    };

    exampleSel.addEventListener('change', load);
    traceSel.addEventListener('change', () => {
      if (!ex) return;
      stop();
      trace = ex.traces[Number(traceSel.value)] ?? ex.traces[0];
      step = 0;
      renderSlips();
      draw();
    });
    opSel.addEventListener('change', () => {
      const op = opSel.value as OpKind;
      if (op === 'conv1d') {
        inputArea.value = DEFAULT_SIGNAL;
        kernelArea.value = DEFAULT_KERNEL_1D;
      } else if (op === 'maxPool2d' || op === 'avgPool2d') {
        if (parseGridSafe(inputArea.value)?.length === 1) inputArea.value = DEFAULT_INPUT;
        kernelArea.value = '2';
        strideIn.value = '2';
      } else {
        if (parseGridSafe(inputArea.value)?.length === 1) inputArea.value = DEFAULT_INPUT;
        if (parseGridSafe(kernelArea.value)?.length === 1) kernelArea.value = DEFAULT_KERNEL;
      }
      load();
    });
    for (const c of [inputArea, kernelArea, strideIn, padSel, dilationIn, biasIn]) c.addEventListener('input', load);

    const go = (k: number): void => {
      step = k;
      draw();
    };
    first.addEventListener('click', () => {
      stop();
      go(0);
    });
    prev.addEventListener('click', () => {
      stop();
      go(step - 1);
    });
    next.addEventListener('click', () => {
      stop();
      go(step + 1);
    });
    last.addEventListener('click', () => {
      stop();
      go(Number.MAX_SAFE_INTEGER);
    });
    range.addEventListener('input', () => {
      stop();
      go(Number(range.value));
    });
    play.addEventListener('click', () => {
      if (timer !== null) {
        stop();
        return;
      }
      if (!trace) return;
      if (step >= stepCount(trace) - 1) step = -1;
      play.textContent = '⏸ pause';
      play.setAttribute('aria-label', 'Pause');
      const tick = (): void => {
        if (!trace || step >= stepCount(trace) - 1) {
          stop();
          return;
        }
        go(step + 1);
      };
      tick();
      timer = setInterval(tick, Number(speed.value));
    });
    const onKey = (e: KeyboardEvent): void => {
      const tgt = e.target as HTMLElement | null;
      if (tgt && (tgt.tagName === 'TEXTAREA' || tgt.tagName === 'INPUT' || tgt.tagName === 'SELECT')) return;
      if (e.key === 'ArrowRight') {
        stop();
        go(step + 1);
        e.preventDefault();
      } else if (e.key === 'ArrowLeft') {
        stop();
        go(step - 1);
        e.preventDefault();
      } else if (e.key === ' ' && tgt?.tagName !== 'BUTTON') {
        play.click();
        e.preventDefault();
      }
    };
    document.addEventListener('keydown', onKey);
    load();
    return () => {
      stop();
      document.removeEventListener('keydown', onKey);
    };
  },
};

function parseGridSafe(text: string): number[][] | null {
  try {
    return parseGrid(text, 'grid');
  } catch {
    return null;
  }
}
